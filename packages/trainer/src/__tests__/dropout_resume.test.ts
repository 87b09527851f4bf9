import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BertConfig, BertForSequenceClassification, useBackend } from '@transferjs/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainer } from '../index.js';

// Resuming WITH dropout on the cpu backend: the trainer reseeds the model's dropout RNG from
// (seed, step) before each optimizer step, so a run resumed from checkpoint-k draws the same
// masks as the uninterrupted run and must match it bit for bit.
const root = mkdtempSync(join(tmpdir(), 'transferjs-trainer-dropout-'));
beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const VOCAB = 40;
const config = (dropout: number): BertConfig =>
  new BertConfig({
    vocab_size: VOCAB,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 32,
    max_position_embeddings: 32,
    num_labels: 2,
    hidden_dropout_prob: dropout,
    attention_probs_dropout_prob: dropout,
  });

// 48 rows of 6..13 ids (ids 1..39, 0 is padding); label = whether id 7 occurs.
const rows = Array.from({ length: 48 }, (_, r) => {
  const len = 6 + (r % 8);
  const ids = Array.from({ length: len }, (_, i) => 1 + ((r * 7 + i * 13 + r * i) % (VOCAB - 1)));
  return { input_ids: ids, label: ids.includes(7) ? 1 : 0 };
});

const args = (dir: string, seed = 42) => ({
  outputDir: dir,
  seed,
  maxSteps: 8,
  perDeviceTrainBatchSize: 8,
  gradientAccumulationSteps: 2,
  learningRate: 1e-3,
  warmupSteps: 2,
  weightDecay: 0.01,
  loggingSteps: 1,
  saveSteps: 3,
  logLevel: 'warning' as const,
  disableTqdm: true,
});

/** Records the exact (unrounded) loss of every training forward pass (each micro-batch). */
class Recording extends BertForSequenceClassification {
  readonly losses: number[] = [];
  override forward(
    ...a: Parameters<BertForSequenceClassification['forward']>
  ): ReturnType<BertForSequenceClassification['forward']> {
    const out = super.forward(...a);
    if (a[1]?.training && out.loss)
      this.losses.push((out.loss.dataSync() as Float32Array)[0] as number);
    return out;
  }
}

/** Logged losses (rounded to 4 digits), exact micro-batch losses and final weights of a run. */
async function run(
  model: Recording,
  dir: string,
  resume?: string,
  seed?: number,
): Promise<{ losses: number[]; exact: number[]; weights: Map<string, Float32Array> }> {
  const trainer = new Trainer({ model, args: args(dir, seed), trainDataset: rows });
  await trainer.train(resume === undefined ? {} : { resumeFromCheckpoint: resume });
  const losses = trainer.state.logHistory.filter((h) => 'loss' in h).map((h) => h.loss as number);
  const weights = new Map<string, Float32Array>();
  for (const [n, v] of model.namedParameters()) weights.set(n, v.dataSync() as Float32Array);
  trainer.dispose();
  return { losses, exact: model.losses, weights };
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [n, x] of a) {
    const y = b.get(n) as Float32Array;
    expect(y.length, n).toBe(x.length);
    for (let i = 0; i < x.length; i++)
      worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  }
  return worst;
}

describe('resumeFromCheckpoint with dropout (cpu backend)', () => {
  it('continues bit-identically to an uninterrupted run with dropout 0.1', async () => {
    expect(tf.getBackend()).toBe('cpu');
    const before = tf.memory().numTensors;
    const a = new Recording(config(0.1));
    const full = await run(a, join(root, 'full'));
    // Resume from the middle (step 3 of 8, mid-epoch: 3 batch pairs per epoch).
    const b = new Recording(config(0.1)); // another init: the checkpoint overwrites it
    const resumed = await run(b, join(root, 'full'), join(root, 'full', 'checkpoint-3'));
    expect(full.losses.length).toBe(8);
    expect(resumed.losses).toEqual(full.losses);
    // 8 steps x 2 micro-batches; the resumed run computed the last 5 steps only.
    expect(full.exact.length).toBe(16);
    expect(resumed.exact).toEqual(full.exact.slice(6));
    expect(maxDiff(full.weights, resumed.weights)).toBe(0);

    // Dropout really acts: another seed gives other masks and so other weights, and the
    // dropout-free run from the same checkpoint diverges from the dropout run.
    const c = new Recording(config(0.1));
    const other = await run(c, join(root, 'other'), join(root, 'full', 'checkpoint-3'), 7);
    expect(maxDiff(full.weights, other.weights)).toBeGreaterThan(0);
    const d = new Recording(config(0));
    const plain = await run(d, join(root, 'plain'), join(root, 'full', 'checkpoint-3'));
    expect(maxDiff(full.weights, plain.weights)).toBeGreaterThan(0);
    for (const m of [a, b, c, d]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
