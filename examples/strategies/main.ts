// Full fine-tuning vs partial fine-tuning vs feature extraction, on one task, with one model:
// what each costs (trainable parameters, wall time) and what it gets (held-out accuracy, F1).
//
// Task: the UCI sentiment sentences (npm `sentiment`), 80 / 20 stratified split. Model: any HF
// BERT folder (`--model <dir>`), by default the one `npm run demo` pre-trains. Each run starts
// from the same pre-trained weights with a new classification head.
//
//   pnpm --filter @transferjs/example-strategies start [-- --model <dir>] [-- --smoke]
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  binaryMetrics,
  encodeSentences,
  formatCount,
  markdownTable,
  parseCli,
  resolveBertFolder,
  uciSplit,
} from '@transferjs/example-common';
import { type FineTuningStrategy, Trainer } from '@transferjs/trainer';
import { AutoTokenizer, BertForSequenceClassification, useBackend } from '@transferjs/transformers';

// Typed defaults.
interface Run {
  strategy: FineTuningStrategy;
  /** 'partial': how many top encoder layers train (with the pooler and the head). */
  trainableLayers?: number;
  /** A head alone on frozen features learns best with a larger rate. */
  learningRate: number;
}
interface Options {
  runs: Run[];
  epochs: number;
  batchSize: number;
  maxLength: number;
  testSize: number;
  maxSentences: number;
  seed: number;
}
const DEFAULTS: Options = {
  runs: [
    { strategy: 'full', learningRate: 1e-4 },
    { strategy: 'partial', trainableLayers: 2, learningRate: 1e-4 },
    { strategy: 'partial', trainableLayers: 1, learningRate: 2e-4 },
    { strategy: 'feature-extraction', learningRate: 2e-3 },
  ],
  epochs: 3,
  batchSize: 32,
  maxLength: 64,
  testSize: 0.2,
  maxSentences: 3000,
  seed: 42,
};
const SMOKE: Options = {
  ...DEFAULTS,
  runs: [
    { strategy: 'full', learningRate: 1e-3 },
    { strategy: 'partial', trainableLayers: 1, learningRate: 1e-3 },
    { strategy: 'feature-extraction', learningRate: 1e-2 },
  ],
  epochs: 1,
  maxLength: 48,
  maxSentences: 300,
};

const here = dirname(fileURLToPath(import.meta.url));
const cli = parseCli(here, DEFAULTS, SMOKE);
const opts = cli.options;
const backend = await useBackend();
const modelDir = await resolveBertFolder(cli, resolve(here, '..'));
console.log(`backend: ${backend.name}; model: ${modelDir}${cli.smoke ? ' (smoke mode)' : ''}`);

const { train, test } = uciSplit(opts);
const tok = await AutoTokenizer.fromPretrained(modelDir);
const trainRows = await encodeSentences(tok.tokenizer, train, opts.maxLength);
const testRows = await encodeSentences(tok.tokenizer, test, opts.maxLength);

const rows: string[][] = [];
for (const run of opts.runs) {
  const name =
    run.strategy === 'partial' ? `partial (top ${run.trainableLayers} layers)` : run.strategy;
  const model = await BertForSequenceClassification.fromPretrained(modelDir, {
    configOverrides: { num_labels: 2 },
    onWarning: () => undefined, // the new head (and pooler, from an MLM checkpoint)
  });
  const trainer = new Trainer({
    model,
    args: {
      outputDir: join(cli.outDir, name.replace(/\W+/g, '-')),
      numTrainEpochs: opts.epochs,
      perDeviceTrainBatchSize: opts.batchSize,
      perDeviceEvalBatchSize: 128,
      learningRate: run.learningRate,
      warmupRatio: 0.1,
      weightDecay: 0.01,
      saveStrategy: 'no',
      logLevel: 'warning',
      seed: opts.seed,
    },
    trainDataset: trainRows,
    evalDataset: testRows,
    computeMetrics: binaryMetrics,
    strategy: run.strategy,
    trainableLayers: run.trainableLayers,
  });
  const t0 = performance.now();
  await trainer.train();
  const trainSeconds = (performance.now() - t0) / 1000;
  const m = await trainer.evaluate();
  rows.push([
    name,
    String(run.learningRate),
    (m.eval_accuracy as number).toFixed(3),
    (m.eval_f1 as number).toFixed(3),
    `${trainSeconds.toFixed(1)} s`,
    `${formatCount(trainer.numTrainableParameters())} of ${formatCount(trainer.numParameters())}`,
  ]);
  console.log(
    `${name}: accuracy ${(m.eval_accuracy as number).toFixed(3)} in ${trainSeconds.toFixed(1)} s`,
  );
  trainer.dispose();
  model.dispose();
}

console.log(
  `\n${train.length} train / ${test.length} held-out sentences, ${opts.epochs} epochs\n${markdownTable(
    ['strategy', 'learning rate', 'accuracy', 'F1', 'training time', 'trainable params'],
    rows,
  )}`,
);
