#!/usr/bin/env node
// Forward and train-step throughput (sequences/s) for bert-mini (L4/H256/A4/I1024) and bert-base
// (L12/H768/A12/I3072) shapes at sequence length 128, batch 8: ours on the backend useBackend()
// picks (TRANSFERJS_BACKEND to force one) vs PyTorch + HF transformers (python3, when present)
// on the same machine, same shapes, same thread count. Prints a table with ours / PyTorch ratios.
//
//   pnpm --filter @transferjs/transformers bench             # both models
//   BENCH_MODELS=bert-mini BENCH_ROUNDS=9 pnpm ... bench     # one model, more rounds
//
// The two sides take turns: BENCH_ROUNDS rounds (default 5) of ~BENCH_SECONDS (default 2) per
// side and measurement, PyTorch in one long-lived python3 process that waits for its turn. On a
// shared VM the throughput of either side drifts by +-15 % from one few-second window to the
// next; measured in alternation, both sides see the same drift. Each cell is the median over
// rounds of the median step; the ratio is the median of the per-round ratios.
//
// Train step = forward + backward + AdamW update of every weight (@transferjs/trainer's AdamW,
// what Trainer runs / torch.optim.AdamW), weight decay 0.01, dropout 0.1 on, sequence
// classification with 2 labels. Weights are random (speed only). The trainer package depends on
// this one, so its AdamW is imported from the workspace build (run `pnpm build` first).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
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
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
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

/** Our model and its two measurements; `close()` disposes everything and reports leaks. */
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
  let warm = { fwd: false, train: false };
  return {
    fwd: () => {
      const r = measure(forward, { warmup: warm.fwd ? 0 : 2 });
      warm = { ...warm, fwd: true };
      return r;
    },
    train: () => {
      const r = measure(step, { warmup: warm.train ? 0 : 2 });
      warm = { ...warm, train: true };
      return r;
    },
    close: () => {
      tf.dispose([ids, mask, labels]);
      opt.dispose();
      model.dispose();
      // Everything created here is disposed: any tensor left is a leak.
      return tf.memory().numTensors - before;
    },
  };
}

// PyTorch side: builds the same model once, then measures on request ("fwd" / "train" lines on
// stdin, one JSON line back each), so its turns interleave with ours.
const PY = `
import json, sys, time, torch, transformers
B, T, seconds, shape = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
torch.manual_seed(0)
cfg = transformers.BertConfig(vocab_size=30522, **shape)
model = transformers.BertForSequenceClassification(cfg)
ids = torch.randint(1000, 30000, (B, T)); mask = torch.ones(B, T, dtype=torch.long); labels = torch.arange(B) % 2
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
def fwd():
    with torch.no_grad(): model(input_ids=ids, attention_mask=mask).logits.sum().item()
def step():
    opt.zero_grad(); loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss; loss.backward(); opt.step(); loss.item()
warm = set()
def measure(kind):
    fn = fwd if kind == 'fwd' else step
    model.eval() if kind == 'fwd' else model.train()
    if kind not in warm:
        fn(); fn(); warm.add(kind)
    times = []; start = time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < seconds:
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    times.sort(); return B / times[len(times) // 2]
print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
for line in sys.stdin:
    kind = line.strip()
    if kind in ('fwd', 'train'):
        print(json.dumps({kind: measure(kind)}), flush=True)
`;

/** A long-lived PyTorch process for one shape, or { error } when python3/torch is missing. */
async function pytorch(name) {
  const child = spawn(
    'python3',
    ['-c', PY, String(B), String(T), String(SECONDS), JSON.stringify(SHAPES[name])],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TRANSFORMERS_VERBOSITY: 'error', PYTHONWARNINGS: 'ignore' },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(stderr.trim().split('\n').pop() || 'python3 exited');
    return JSON.parse(value);
  };
  try {
    const hello = await next();
    return {
      info: hello,
      measure: async (kind) => {
        child.stdin.write(`${kind}\n`);
        return (await next())[kind];
      },
      close: () => child.stdin.end(),
    };
  } catch (e) {
    child.kill();
    return { error: e.message };
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const choice = await useBackend();
console.log(
  `backend: ${choice.name} (${choice.reason}); batch ${B}, seq ${T}, ${ROUNDS} alternating rounds of ~${SECONDS}s per side and measurement, sequences/s`,
);
for (const name of models) {
  const o = ours(name);
  const p = await pytorch(name);
  const runs = { fwd: [], train: [], pfwd: [], ptrain: [], rfwd: [], rtrain: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of ['fwd', 'train']) {
      const a = o[kind]();
      runs[kind].push(a);
      if (p.measure) {
        const b = await p.measure(kind);
        runs[`p${kind}`].push(b);
        runs[`r${kind}`].push(a / b);
      }
    }
  }
  p.close?.();
  const leak = o.close();
  const f = (xs, d) => (xs.length ? median(xs).toFixed(d).padStart(7) : '    n/a');
  const ratio = (xs) => (xs.length ? `${median(xs).toFixed(2)}x` : 'n/a');
  console.log(
    `${name.padEnd(10)} forward ours ${f(runs.fwd, 1)}  pytorch ${f(runs.pfwd, 1)}  ratio ${ratio(runs.rfwd)} | ` +
      `train ours ${f(runs.train, 2)}  pytorch ${f(runs.ptrain, 2)}  ratio ${ratio(runs.rtrain)}` +
      `${p.error ? `  (pytorch: ${p.error})` : ` (torch ${p.info.torch}, ${p.info.threads} threads)`}${leak ? `  LEAK ${leak} tensors` : ''}`,
  );
  if (process.env.BENCH_VERBOSE) console.log(JSON.stringify(runs));
}
