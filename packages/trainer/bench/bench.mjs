// Trainer overhead vs a bare tfjs loop, and fine-tuning throughput vs HF Trainer + PyTorch, on the
// same task (sequence classification, random ids), model size and machine, in the same run.
// Prints the ratios (medians of BENCH_ROUNDS=3 alternating rounds). Sizes: BENCH_SIZE=tiny|mini
// (default tiny), BENCH_STEPS (default 20).
//
// Usage: pnpm --filter @transferjs/trainer bench   (after a build; uses the fastest backend that
// loads: tensorflow when `pnpm setup:tensorflow` was run, else wasm)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BertConfig, BertForSequenceClassification, useBackend } from '@transferjs/transformers';
import { AdamW, clipGradNorm, getScheduler, Trainer } from '../dist/index.js';

const SIZES = {
  tiny: { vocab: 2000, hidden: 64, layers: 2, heads: 2, inter: 128, seq: 64, batch: 16 },
  mini: { vocab: 30522, hidden: 256, layers: 4, heads: 4, inter: 1024, seq: 128, batch: 8 },
};
const sizeName = process.env.BENCH_SIZE ?? 'tiny';
const size = SIZES[sizeName];
if (!size)
  throw new Error(
    `BENCH_SIZE must be one of ${Object.keys(SIZES).join(', ')}, found '${sizeName}'`,
  );
const steps = Number(process.env.BENCH_STEPS ?? 20);
const WARMUP = 3;

const choice = await useBackend();
console.log(
  `backend: ${choice.name} (${choice.reason}); size ${sizeName} ${JSON.stringify(size)}; ${steps} steps`,
);

const n = size.batch * (steps + WARMUP);
let s = 1;
const rand = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 4294967296;
};
const rows = Array.from({ length: n }, () => ({
  input_ids: Array.from({ length: size.seq }, () => 5 + Math.floor(rand() * (size.vocab - 5))),
  label: rand() < 0.5 ? 0 : 1,
}));

const config = () =>
  new BertConfig({
    vocab_size: size.vocab,
    hidden_size: size.hidden,
    num_hidden_layers: size.layers,
    num_attention_heads: size.heads,
    intermediate_size: size.inter,
    max_position_embeddings: Math.max(512, size.seq),
    num_labels: 2,
  });

function batchesOf() {
  const batches = [];
  for (let b = 0; b < steps + WARMUP; b++) {
    const part = rows.slice(b * size.batch, (b + 1) * size.batch);
    batches.push({
      inputIds: tf.tensor2d(
        part.flatMap((r) => r.input_ids),
        [size.batch, size.seq],
        'int32',
      ),
      attentionMask: tf.ones([size.batch, size.seq], 'int32'),
      labels: tf.tensor1d(
        part.map((r) => r.label),
        'int32',
      ),
    });
  }
  return batches;
}

// 1a. Bare loop, what a tfjs user writes: pre-built tensors, variableGrads, tf.train.adam (no
//     decay groups, no clipping, no schedule), the loss read back each step.
async function bareTfAdam() {
  const model = new BertForSequenceClassification(config());
  const vars = [...model.namedParameters().values()];
  const opt = tf.train.adam(5e-5, 0.9, 0.999, 1e-8);
  const batches = batchesOf();
  let started = 0;
  for (let b = 0; b < steps + WARMUP; b++) {
    if (b === WARMUP) started = performance.now();
    const { value, grads } = tf.variableGrads(
      () => model.forward(batches[b], { training: true }).loss,
      vars,
    );
    opt.applyGradients(grads);
    value.dataSync();
    value.dispose();
    tf.dispose(grads);
  }
  const secs = (performance.now() - started) / 1000;
  for (const b of batches) tf.dispose(Object.values(b));
  opt.dispose();
  model.dispose();
  return (steps * size.batch) / secs;
}

// 1b. Bare loop with the Trainer's math (HF's): AdamW with decay groups, clip_grad_norm_, linear
//     schedule; no collation, no callbacks, no logging. The Trainer's overhead is measured
//     against this one.
async function bareSameMath() {
  const model = new BertForSequenceClassification(config());
  const params = model.namedParameters();
  const vars = [...params.values()];
  const byVar = new Map([...params].map(([n, v]) => [v.name, n]));
  const opt = new AdamW(params, { learningRate: 5e-5 });
  const sched = getScheduler('linear', 5e-5, 0, steps + WARMUP);
  const batches = batchesOf();
  let started = 0;
  for (let b = 0; b < steps + WARMUP; b++) {
    if (b === WARMUP) started = performance.now();
    const { value, grads } = tf.variableGrads(
      () => model.forward(batches[b], { training: true }).loss,
      vars,
    );
    value.dataSync();
    const named = new Map(Object.entries(grads).map(([k, g]) => [byVar.get(k), g]));
    const clipped = clipGradNorm(named, 1.0);
    opt.learningRate = sched.getLastLr();
    opt.applyGradients(clipped.grads);
    sched.step();
    value.dispose();
    tf.dispose(grads);
    tf.dispose([...clipped.grads.values()]);
  }
  const secs = (performance.now() - started) / 1000;
  for (const b of batches) tf.dispose(Object.values(b));
  opt.dispose();
  model.dispose();
  return (steps * size.batch) / secs;
}

// 2. Trainer: rows collated per step (dynamic padding), AdamW, clipping, schedule, logging.
async function trainer() {
  const model = new BertForSequenceClassification(config());
  const out = mkdtempSync(join(tmpdir(), 'transferjs-bench-'));
  let started = 0;
  const t = new Trainer({
    model,
    args: {
      outputDir: out,
      maxSteps: steps + WARMUP,
      perDeviceTrainBatchSize: size.batch,
      learningRate: 5e-5,
      saveStrategy: 'no',
      loggingSteps: 50,
      logLevel: 'warning',
      disableTqdm: true,
    },
    trainDataset: rows,
    callbacks: [
      {
        onStepEnd: ({ state }) => {
          if (state.globalStep === WARMUP) started = performance.now();
        },
      },
    ],
  });
  await t.train();
  const secs = (performance.now() - started) / 1000;
  t.dispose();
  model.dispose();
  rmSync(out, { recursive: true, force: true });
  return (steps * size.batch) / secs;
}

function hf() {
  try {
    execFileSync('python3', ['-c', 'import torch, transformers, accelerate'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), 'hf_trainer.py');
  const args = [
    size.vocab,
    size.hidden,
    size.layers,
    size.heads,
    size.inter,
    size.seq,
    size.batch,
    steps,
  ].map(String);
  const out = execFileSync('python3', [script, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = out.trim().split('\n').pop();
  return JSON.parse(line).samples_per_second;
}

// Rounds alternate the three loops and report medians (the machine may be shared).
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const runs = { adam: [], bare: [], trainer: [] };
for (let r = 0; r < rounds; r++) {
  // rotate the order each round so that no loop always runs first
  const order = [
    async () => runs.adam.push(await bareTfAdam()),
    async () => runs.bare.push(await bareSameMath()),
    async () => runs.trainer.push(await trainer()),
  ];
  for (let k = 0; k < order.length; k++) await order[(k + r) % order.length]();
}
if (process.env.BENCH_VERBOSE) console.log(JSON.stringify(runs));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const adamRate = median(runs.adam);
const bareRate = median(runs.bare);
const trainerRate = median(runs.trainer);
const pct = (a, b) => ((a / b - 1) * 100).toFixed(1);
console.log(`bare loop, tf.train.adam          ${adamRate.toFixed(2)} samples/s`);
console.log(`bare loop, AdamW + clipping       ${bareRate.toFixed(2)} samples/s`);
console.log(`Trainer                           ${trainerRate.toFixed(2)} samples/s`);
console.log(`Trainer overhead vs the same math ${pct(bareRate, trainerRate)} % (target < 5 %)`);
console.log(
  `HF's math (AdamW groups + clip_grad_norm_) vs tf.train.adam: ${(bareRate / adamRate).toFixed(2)}x the samples/s`,
);
const hfRate = hf();
if (hfRate === undefined) {
  console.log(
    'HF Trainer + PyTorch: python3 with torch, transformers and accelerate not found, skipped',
  );
} else {
  console.log(`HF Trainer + PyTorch (2 threads)  ${hfRate.toFixed(2)} samples/s`);
  console.log(
    `throughput vs HF Trainer          ${(trainerRate / hfRate).toFixed(2)}x (target >= 0.7x)`,
  );
}
