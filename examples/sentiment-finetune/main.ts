// Fine-tune a BERT on real labelled sentences, then classify new ones with a pipeline.
//
// Data: the 3,000 UCI "Sentiment Labelled Sentences" (npm `sentiment`: Amazon, IMDB and Yelp
// reviews, CC BY 4.0), split 80 / 20, stratified and seeded. Model: any HF BERT folder
// (`--model <dir>`); by default the one `npm run demo` pre-trains (examples/demo/out/pretrained).
//
//   pnpm --filter @transferjs/example-sentiment-finetune start [-- --model <dir>] [-- --smoke]
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  binaryMetrics,
  encodeSentences,
  parseCli,
  resolveBertFolder,
  uciSplit,
} from '@transferjs/example-common';
import { Trainer } from '@transferjs/trainer';
import {
  AutoTokenizer,
  BertForSequenceClassification,
  pipeline,
  useBackend,
} from '@transferjs/transformers';

// Typed defaults.
interface Options {
  epochs: number;
  batchSize: number;
  /** 1e-4 suits small BERTs; use 2e-5 .. 5e-5 for base-sized ones. */
  learningRate: number;
  maxLength: number;
  testSize: number;
  maxSentences: number;
  seed: number;
  /** Classified by the fine-tuned model at the end. */
  newSentences: string[];
}
const DEFAULTS: Options = {
  epochs: 3,
  batchSize: 32,
  learningRate: 1e-4,
  maxLength: 64,
  testSize: 0.2,
  maxSentences: 3000,
  seed: 42,
  newSentences: [
    'The battery died after two days and support never answered.',
    'Best pizza in town, friendly staff!',
    'The plot was thin but the acting saved it.',
  ],
};
const SMOKE: Options = { ...DEFAULTS, epochs: 1, maxLength: 48, maxSentences: 300 };

const here = dirname(fileURLToPath(import.meta.url));
const cli = parseCli(here, DEFAULTS, SMOKE);
const opts = cli.options;
const backend = await useBackend();
const modelDir = await resolveBertFolder(cli, resolve(here, '..'));
console.log(`backend: ${backend.name}; model: ${modelDir}${cli.smoke ? ' (smoke mode)' : ''}`);

// 1. Data -> {input_ids, label} rows with the model's own tokenizer.
const { train, test } = uciSplit(opts);
const tok = await AutoTokenizer.fromPretrained(modelDir);
const trainRows = await encodeSentences(tok.tokenizer, train, opts.maxLength);
const testRows = await encodeSentences(tok.tokenizer, test, opts.maxLength);

// 2. The pre-trained encoder + a new classification head (HF reports it as newly initialised).
const model = await BertForSequenceClassification.fromPretrained(modelDir, {
  configOverrides: {
    num_labels: 2,
    id2label: { 0: 'negative', 1: 'positive' },
    label2id: { negative: 0, positive: 1 },
  },
  onWarning: (m) => console.log(`note: ${m.slice(0, 160)}...`),
});

// 3. Fine-tune, evaluating on the held-out sentences after each epoch.
const trainer = new Trainer({
  model,
  tokenizer: tok,
  args: {
    outputDir: join(cli.outDir, 'run'),
    numTrainEpochs: opts.epochs,
    perDeviceTrainBatchSize: opts.batchSize,
    perDeviceEvalBatchSize: 128,
    learningRate: opts.learningRate,
    warmupRatio: 0.1,
    weightDecay: 0.01,
    evalStrategy: 'epoch',
    saveStrategy: 'no',
    logLevel: 'warning',
    seed: opts.seed,
  },
  trainDataset: trainRows,
  evalDataset: testRows,
  computeMetrics: binaryMetrics,
});
const t0 = performance.now();
await trainer.train();
for (const h of trainer.state.logHistory.filter((h) => typeof h.eval_accuracy === 'number')) {
  console.log(
    `epoch ${h.epoch}: held-out accuracy ${(h.eval_accuracy as number).toFixed(3)}, F1 ${(h.eval_f1 as number).toFixed(3)}`,
  );
}
console.log(
  `${train.length} train / ${test.length} test sentences, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);

// 4. Save (config.json + model.safetensors + tokenizer files) and classify new sentences.
const outModel = join(cli.outDir, 'model');
await trainer.saveModel(outModel);
trainer.dispose();
model.dispose();
const classify = await pipeline('text-classification', outModel);
for (const [i, [top]] of (await classify.run(opts.newSentences, { topK: 1 })).entries()) {
  console.log(`${top?.label} (${top?.score.toFixed(2)})  ${opts.newSentences[i]}`);
}
classify.dispose();
console.log(`saved ${outModel}`);
