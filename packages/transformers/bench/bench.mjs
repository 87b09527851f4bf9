#!/usr/bin/env node
// Forward and train-step throughput (sequences/s) for bert-mini (L4/H256/A4/I1024) and bert-base
// (L12/H768/A12/I3072) shapes at sequence length 128, batch 8: ours on the backend useBackend()
// picks (TRANSFERJS_BACKEND to force one) vs PyTorch + HF transformers (python3, when present)
// in the same run, same shapes, same thread count. Prints a table with ours / PyTorch ratios.
//
//   pnpm --filter @transferjs/transformers bench             # both models
//   BENCH_MODELS=bert-mini BENCH_SECONDS=10 pnpm ... bench   # one model, longer
//
// Train step = forward + backward + AdamW update of every weight (@transferjs/trainer's AdamW,
// what Trainer runs / torch.optim.AdamW), weight decay 0.01, dropout 0.1 on, sequence
// classification with 2 labels. Weights are random (speed only). The trainer package depends on
// this one, so its AdamW is imported from the workspace build (run `pnpm build` first).
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { BertConfig, BertForSequenceClassification, useBackend } from '../dist/index.js';

const { AdamW } = await import('../../trainer/dist/index.js').catch((e) => {
  throw new Error(`bench: @transferjs/trainer is not built (run \`pnpm build\`): ${e.message}`);
});

const SHAPES = {
  'bert-mini': {
    num_hidden_layers: 4,
    hidden_size: 256,
    num_attention_heads: 4,
    intermediate_size: 1024,
  },
  'bert-base': {
    num_hidden_layers: 12,
    hidden_size: 768,
    num_attention_heads: 12,
    intermediate_size: 3072,
  },
};
const B = Number(process.env.BENCH_BATCH ?? 8);
const T = Number(process.env.BENCH_SEQ ?? 128);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const models = (process.env.BENCH_MODELS ?? 'bert-mini,bert-base').split(',');

/** Runs fn until `seconds` passed (at least `minIters`, after `warmup` untimed calls); seq/s. */
function measure(fn, { warmup = 2, minIters = 3, seconds = SECONDS } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  const start = performance.now();
  while (times.length < minIters || performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  return (B * 1000) / median;
}

function ours(name) {
  const before = tf.memory().numTensors;
  const config = new BertConfig({
    ...SHAPES[name],
    vocab_size: 30522,
    max_position_embeddings: 512,
  });
  const model = new BertForSequenceClassification(config);
  const ids = tf.tidy(() => tf.randomUniform([B, T], 1000, 30000, 'int32'));
  const mask = tf.ones([B, T], 'int32');
  const labels = tf.tensor1d(
    Array.from({ length: B }, (_, i) => i % 2),
    'int32',
  );
  const forward = () =>
    tf.tidy(() => model.forward({ inputIds: ids, attentionMask: mask }).logits.dataSync());
  const params = model.namedParameters();
  const names = [...params.keys()];
  const vars = [...params.values()];
  const opt = new AdamW(params, { learningRate: 1e-4, weightDecay: 0.01 });
  const step = () => {
    const { value, grads } = tf.variableGrads(
      () => model.forward({ inputIds: ids, attentionMask: mask, labels }, { training: true }).loss,
      vars,
    );
    const named = new Map(names.map((n, i) => [n, grads[vars[i].name]]));
    opt.applyGradients(named);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const fwd = measure(forward);
  const train = measure(step);
  tf.dispose([ids, mask, labels]);
  opt.dispose();
  model.dispose();
  // Everything created here is disposed: any tensor left is a leak.
  return { fwd, train, leak: tf.memory().numTensors - before };
}

const PY = `
import json, sys, time, torch, transformers
name, B, T, seconds, shape = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), json.loads(sys.argv[5])
torch.manual_seed(0)
cfg = transformers.BertConfig(vocab_size=30522, **shape)
model = transformers.BertForSequenceClassification(cfg)
ids = torch.randint(1000, 30000, (B, T)); mask = torch.ones(B, T, dtype=torch.long); labels = torch.arange(B) % 2
def measure(fn, warmup=2, min_iters=3):
    for _ in range(warmup): fn()
    times = []; start = time.perf_counter()
    while len(times) < min_iters or time.perf_counter() - start < seconds:
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    times.sort(); return B / times[len(times) // 2]
model.eval()
def fwd():
    with torch.no_grad(): model(input_ids=ids, attention_mask=mask).logits.sum().item()
f = measure(fwd)
model.train(); opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
def step():
    opt.zero_grad(); loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss; loss.backward(); opt.step(); loss.item()
t = measure(step)
print(json.dumps({"fwd": f, "train": t, "threads": torch.get_num_threads(), "torch": torch.__version__}))
`;

function pytorch(name) {
  const r = spawnSync(
    'python3',
    ['-c', PY, name, String(B), String(T), String(SECONDS), JSON.stringify(SHAPES[name])],
    {
      encoding: 'utf8',
      env: { ...process.env, TRANSFORMERS_VERBOSITY: 'error', PYTHONWARNINGS: 'ignore' },
    },
  );
  if (r.status !== 0)
    return { error: (r.stderr || r.error?.message || 'python3 failed').trim().split('\n').pop() };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const choice = await useBackend();
console.log(
  `backend: ${choice.name} (${choice.reason}); batch ${B}, seq ${T}, ~${SECONDS}s per measurement, sequences/s (median step)`,
);
const rows = [];
for (const name of models) {
  const o = ours(name);
  const p = pytorch(name);
  rows.push({ name, o, p });
  const r = (a, b) => (b ? `${(a / b).toFixed(2)}x` : 'n/a');
  console.log(
    `${name.padEnd(10)} forward ours ${o.fwd.toFixed(1).padStart(7)}  pytorch ${p.fwd ? p.fwd.toFixed(1).padStart(7) : '    n/a'}  ratio ${r(o.fwd, p.fwd)} | ` +
      `train ours ${o.train.toFixed(2).padStart(6)}  pytorch ${p.train ? p.train.toFixed(2).padStart(6) : '   n/a'}  ratio ${r(o.train, p.train)}` +
      `${p.error ? `  (pytorch: ${p.error})` : ` (torch ${p.torch}, ${p.threads} threads)`}${o.leak ? `  LEAK ${o.leak} tensors` : ''}`,
  );
}
