// Feature extraction: a frozen BERT turns each sentence into a vector (the feature-extraction
// pipeline, mean pooling over real tokens, L2-normalised, as sentence-transformers), and a
// logistic-regression classifier is trained on top of the vectors. The encoder never changes:
// only hidden_size + 1 numbers are learned.
//
// Data: the UCI sentiment sentences (npm `sentiment`), 80 / 20 stratified split. Model:
// `--model <dir>`; else all-MiniLM-L6-v2 when it is on this machine (a real sentence encoder:
// `pnpm --filter @transferjs/transformers fetch:minilm`); else the demo's pre-trained BERT.
//
//   pnpm --filter @transferjs/example-feature-extraction start [-- --model <dir>] [-- --smoke]
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  findMiniLM,
  glueBinaryScores,
  parseCli,
  resolveBertFolder,
  uciSplit,
} from '@transferjs/example-common';
import { pipeline, useBackend } from '@transferjs/transformers';

// Typed defaults.
interface Options {
  /** Sentences embedded per forward pass. */
  embedBatch: number;
  /** Logistic regression: full-batch Adam steps, learning rate, L2 penalty. */
  steps: number;
  learningRate: number;
  l2: number;
  testSize: number;
  maxSentences: number;
  seed: number;
}
const DEFAULTS: Options = {
  embedBatch: 64,
  steps: 300,
  learningRate: 0.05,
  l2: 1e-4,
  testSize: 0.2,
  maxSentences: 3000,
  seed: 42,
};
const SMOKE: Options = { ...DEFAULTS, steps: 50, maxSentences: 200 };

const here = dirname(fileURLToPath(import.meta.url));
const cli = parseCli(here, DEFAULTS, SMOKE);
const opts = cli.options;
const backend = await useBackend();
const examplesDir = resolve(here, '..');
const minilm = cli.smoke ? undefined : findMiniLM(examplesDir);
const modelDir = cli.flag('model')
  ? resolve(cli.flag('model') as string)
  : (minilm ?? (await resolveBertFolder(cli, examplesDir)));
console.log(`backend: ${backend.name}; encoder: ${modelDir}${cli.smoke ? ' (smoke mode)' : ''}`);

// 1. Embeddings: [N, hidden] per split, from the frozen encoder.
const { train, test } = uciSplit(opts);
const embed = await pipeline('feature-extraction', modelDir, { onWarning: () => undefined });
async function embedAll(texts: string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += opts.embedBatch) {
    out.push(
      ...(await embed.run(texts.slice(i, i + opts.embedBatch), {
        pooling: 'mean',
        normalize: true,
      })),
    );
  }
  return out;
}
const t0 = performance.now();
const xTrain = await embedAll(train.map((s) => s.text));
const xTest = await embedAll(test.map((s) => s.text));
const hidden = xTrain[0]?.length ?? 0;
console.log(
  `embedded ${xTrain.length + xTest.length} sentences into ${hidden} numbers each in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
embed.dispose();

// 2. Logistic regression on the vectors: p(positive) = sigmoid(x w + b), full-batch Adam.
const X = tf.tensor2d(xTrain);
const y = tf.tensor1d(
  train.map((s) => s.label),
  'float32',
);
const w = tf.variable(tf.zeros([hidden, 1]));
const b = tf.variable(tf.zeros([1]));
const adam = tf.train.adam(opts.learningRate);
const logits = (x: tf.Tensor2D): tf.Tensor1D => x.matMul(w).add(b).reshape([-1]) as tf.Tensor1D;
for (let step = 0; step < opts.steps; step++) {
  const loss = adam.minimize(
    () =>
      tf.losses.sigmoidCrossEntropy(y, logits(X)).add(w.square().sum().mul(opts.l2)) as tf.Scalar,
    true,
  );
  if (step % Math.max(1, Math.floor(opts.steps / 5)) === 0 || step === opts.steps - 1) {
    console.log(`step ${step}: loss ${(loss?.dataSync()[0] ?? Number.NaN).toFixed(4)}`);
  }
  loss?.dispose();
}

// 3. Held-out accuracy and F1.
const predicted = tf.tidy(
  () => logits(tf.tensor2d(xTest)).greater(0).toInt().dataSync() as Int32Array,
);
const scores = glueBinaryScores(
  predicted,
  test.map((s) => s.label),
);
console.log(
  `logistic regression on frozen features: held-out accuracy ${scores.accuracy.toFixed(3)}, F1 ${scores.f1.toFixed(3)} (${test.length} sentences; ${hidden + 1} trained parameters)`,
);
tf.dispose([X, y, w, b]);
adam.dispose();
