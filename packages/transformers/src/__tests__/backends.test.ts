import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BACKEND_ENV,
  BACKEND_NAMES,
  BertConfig,
  BertForSequenceClassification,
  currentBackend,
  TransformersError,
  useBackend,
} from '../index.js';

const requireHere = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    requireHere.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

// The tensorflow backend is what CI runs the models on: there (CI=true) its absence is a
// failure, locally it is a visible skip until `pnpm setup:tensorflow` has run.
const inCi = process.env.CI === 'true';
const tensorflowReady = await useBackend('tensorflow').then(
  () => true,
  () => false,
);
const needsTensorflow = it.skipIf(!tensorflowReady && !inCi);

let savedEnv: string | undefined;
beforeEach(() => {
  savedEnv = process.env[BACKEND_ENV];
  delete process.env[BACKEND_ENV];
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env[BACKEND_ENV];
  else process.env[BACKEND_ENV] = savedEnv;
});

async function expectError(
  p: Promise<unknown>,
  code: string,
  ...parts: string[]
): Promise<TransformersError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TransformersError);
  const err = e as TransformersError;
  expect(err.code).toBe(code);
  for (const part of parts) expect(err.message).toContain(part);
  return err;
}

/** Runs `f` on `backend` and returns its result as a plain array (tensors freed). */
async function on(
  backend: 'cpu' | 'wasm' | 'tensorflow',
  f: () => tf.Tensor,
): Promise<Float32Array> {
  await useBackend(backend);
  const t = tf.tidy(f);
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

describe('backend selection', () => {
  it('lists the backends fastest first', () => {
    expect(BACKEND_NAMES).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it('activates a requested backend and reports it', async () => {
    const choice = await useBackend('cpu');
    expect(choice).toEqual({
      name: 'cpu',
      tfjsBackend: 'cpu',
      source: 'option',
      reason: 'requested by the caller',
      skipped: [],
    });
    expect(tf.getBackend()).toBe('cpu');
    expect(currentBackend()).toBe(choice);

    expect((await useBackend(' cpu ' as 'cpu')).name).toBe('cpu');
    const wasm = await useBackend({ backend: 'wasm' });
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('takes TRANSFERJS_BACKEND when the caller does not choose', async () => {
    process.env[BACKEND_ENV] = 'cpu';
    const choice = await useBackend();
    expect(choice).toMatchObject({ name: 'cpu', source: 'env', reason: 'TRANSFERJS_BACKEND=cpu' });
    expect(tf.getBackend()).toBe('cpu');

    process.env[BACKEND_ENV] = ' wasm ';
    expect((await useBackend({ backend: 'auto' })).name).toBe('wasm');
  });

  it("lets the caller's choice win over TRANSFERJS_BACKEND", async () => {
    process.env[BACKEND_ENV] = 'wasm';
    const choice = await useBackend('cpu');
    expect(choice).toMatchObject({ name: 'cpu', source: 'option' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown backend name, from the environment or the caller', async () => {
    process.env[BACKEND_ENV] = 'tpu';
    await expectError(
      useBackend(),
      'BACKEND_UNKNOWN',
      "TRANSFERJS_BACKEND is 'tpu'",
      'auto, tensorflow-gpu, tensorflow, wasm, cpu',
    );
    delete process.env[BACKEND_ENV];
    await expectError(
      useBackend('webgl' as 'cpu'),
      'BACKEND_UNKNOWN',
      "the backend option is 'webgl'",
    );
  });

  it.skipIf(installed('@tensorflow/tfjs-node-gpu'))(
    'names the package and the fix when a backend is not installed',
    async () => {
      await useBackend('cpu');
      await expectError(
        useBackend('tensorflow-gpu'),
        'BACKEND_NOT_INSTALLED',
        "backend 'tensorflow-gpu' needs the package @tensorflow/tfjs-node-gpu@4.22.0",
        'pnpm add @tensorflow/tfjs-node-gpu@4.22.0',
        'docs/backends.md',
      );
      // An explicit choice never falls back: the previous backend stays active.
      expect(tf.getBackend()).toBe('cpu');
    },
  );

  it('auto picks the fastest backend that loads and reports what it skipped', async () => {
    const choice = await useBackend();
    expect(choice.source).toBe('auto');
    const expected = tensorflowReady ? 'tensorflow' : 'wasm';
    expect(choice.name).toBe(expected);
    expect(tf.getBackend()).toBe(expected === 'wasm' ? 'wasm' : 'tensorflow');
    const skippedNames = choice.skipped.map((s) => s.name);
    expect(skippedNames).toEqual(BACKEND_NAMES.slice(0, BACKEND_NAMES.indexOf(expected)));
    if (!installed('@tensorflow/tfjs-node-gpu')) {
      expect(choice.skipped[0]?.reason).toContain('@tensorflow/tfjs-node-gpu');
      expect(choice.reason).toContain('tensorflow-gpu: BACKEND_NOT_INSTALLED');
    }
  });
});

describe('tensorflow backend (tfjs-node on the TF C library from PyPI)', () => {
  needsTensorflow('runs a matMul natively on the same tfjs-core the package uses', async () => {
    const choice = await useBackend('tensorflow');
    expect(choice).toMatchObject({ name: 'tensorflow', tfjsBackend: 'tensorflow' });
    // The backend tfjs-node registered is on *our* engine (one deduplicated tfjs-core).
    expect(tf.getBackend()).toBe('tensorflow');
    expect(tf.engine().backend.constructor.name).toBe('NodeJSKernelBackend');
    const before = tf.memory().numTensors;
    // [2, 3] @ [3, 2] = [[1*1+2*3+3*5, 1*2+2*4+3*6], [4*1+5*3+6*5, 4*2+5*4+6*6]]
    const y = tf.tidy(() =>
      tf.matMul(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2])),
    );
    expect(Array.from(await y.data())).toEqual([22, 28, 49, 64]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  needsTensorflow('gives the same embedding gradient as the cpu backend', async () => {
    // Inputs are made inside `f`, on the active backend: tfjs-node's kernels read their inputs
    // directly and fail on a tensor created before a backend switch (choose once per process).
    const f = () => {
      const params = tf.randomNormal([50, 8], 0, 1, 'float32', 7);
      const ids = tf.tensor2d([3, 3, 10, 49, 0, 3], [2, 3], 'int32');
      return tf.grad((p: tf.Tensor) => tf.gather(p, ids).square().sum())(params);
    };
    const cpu = await on('cpu', f);
    const native = await on('tensorflow', f);
    expect(maxAbsDiff(cpu, native)).toBeLessThanOrEqual(1e-5);
  });
});

describe('tensorflow backend: the fused kernels are what a BERT runs', () => {
  // Parity tests pass on the composed fallbacks too; this checks the fast path is taken, so a
  // libtensorflow or binding that lost a kernel shows up here instead of only in `pnpm bench`.
  needsTensorflow('runs linear, layer norm, softmax and transpose as oneDNN kernels', async () => {
    await useBackend('tensorflow');
    const config = new BertConfig({
      vocab_size: 50,
      hidden_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 32,
      max_position_embeddings: 16,
    });
    const model = new BertForSequenceClassification(config);
    const ids = tf.tensor2d([[2, 5, 7, 3, 0, 0]], [1, 6], 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 0, 0]], [1, 6], 'int32');
    const labels = tf.tensor1d([1], 'int32');
    const kernelsOf = async (f: () => tf.Tensor) =>
      new Set((await tf.profile(() => tf.tidy(f))).kernels.map((k) => k.name));
    const forward = () => model.forward({ inputIds: ids, attentionMask: mask }).logits as tf.Tensor;
    tf.tidy(forward); // the first call probes each kernel against its composed formula
    const fwd = await kernelsOf(forward);
    for (const k of ['TransferjsLinear', 'TransferjsLayerNorm', 'TransferjsSoftmax']) {
      expect(fwd.has(k), k).toBe(true);
    }
    expect(fwd.has('TransferjsTranspose')).toBe(true);
    expect(fwd.has('Softmax')).toBe(false);
    const vars = [...model.namedParameters().values()];
    const train = await kernelsOf(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          model.forward({ inputIds: ids, attentionMask: mask, labels }, { training: true })
            .loss as tf.Scalar,
        vars,
      );
      tf.dispose(Object.values(grads));
      return value;
    });
    for (const k of ['TransferjsLinear', 'TransferjsLayerNorm', 'TransferjsSoftmax']) {
      expect(train.has(k), k).toBe(true);
    }
    tf.dispose([ids, mask, labels]);
    model.dispose();
  });
});

describe('wasm kernels for training', () => {
  it('UnsortedSegmentSum on wasm equals the cpu kernel', async () => {
    const x = tf.randomNormal([6, 4, 3], 0, 1, 'float32', 1);
    const ids = tf.tensor1d([2, 0, 2, 4, 2, 1], 'int32');
    const f = () => tf.unsortedSegmentSum(x, ids, 5);
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expect(maxAbsDiff(cpu, wasm)).toBeLessThanOrEqual(1e-6);
    x.dispose();
    ids.dispose();
  });

  it('gives tf.gather (an embedding lookup) the same gradient on wasm as on cpu', async () => {
    // [vocab 40, H 16] table, [B 2, T 5] token ids with repeats: the gradient sums the repeats.
    const table = tf.randomNormal([40, 16], 0, 1, 'float32', 2);
    const upstream = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 3);
    const ids = tf.tensor2d([1, 7, 7, 39, 0, 7, 1, 5, 5, 5], [2, 5], 'int32');
    const f = () => tf.grad((t: tf.Tensor) => tf.gather(t, ids).mul(upstream).sum())(table);
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expect(maxAbsDiff(cpu, wasm)).toBeLessThanOrEqual(1e-6);
    // Rows never looked up get no gradient; row 7 (three lookups) gets the sum of three.
    expect(cpu.slice(2 * 16, 3 * 16).every((v) => v === 0)).toBe(true);

    // No tensor or wasm buffer leaks over repeated gradients.
    await useBackend('wasm');
    tf.tidy(f).dispose();
    const before = tf.memory();
    for (let i = 0; i < 20; i++) tf.tidy(f).dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    tf.dispose([table, upstream, ids]);
  });

  it('clips int32 exactly on wasm (positions clamped for the question-answering loss)', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const p = tf.tensor1d([3, -2, 9, 5, -7, 0, 2147483647], 'int32');
      const clipped = tf.clipByValue(p, 0, 5);
      expect(clipped.dtype, backend).toBe('int32');
      expect(Array.from(await clipped.data()), backend).toEqual([3, 0, 5, 5, 0, 0, 5]);
      // float32 still goes to the wasm kernel.
      const f = tf.clipByValue(tf.tensor1d([-1.5, 0.25, 7]), -1, 1);
      expect(Array.from(await f.data()), backend).toEqual([-1, 0.25, 1]);
      const q = tf.floorDiv(tf.tensor1d([7, -7, 9], 'int32'), tf.tensor1d([2, 2, 3], 'int32'));
      expect(q.dtype, backend).toBe('int32');
      expect(Array.from(await q.data()), backend).toEqual([3, -4, 3]);
      tf.dispose([p, clipped, f, q]);
    }
  });

  it('computes transposed matmuls (every matmul gradient) on wasm like cpu', async () => {
    const a = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 4);
    const b = tf.randomNormal([3, 5, 6], 0, 1, 'float32', 5);
    const w = tf.randomNormal([5, 6], 0, 1, 'float32', 6);
    const cases: [string, () => tf.Tensor][] = [
      ['a @ b', () => tf.matMul(a, b)],
      ['a^T^T @ b', () => tf.matMul(a.transpose([0, 2, 1]), b, true, false)],
      ['a @ b^T^T', () => tf.matMul(a, b.transpose([0, 2, 1]), false, true)],
      ['both', () => tf.matMul(b, a, true, true)],
      [
        '2-D weight gradient',
        () =>
          tf.grad((m: tf.Tensor) =>
            tf
              .matMul(a.reshape([12, 5]), m)
              .square()
              .sum(),
          )(w),
      ],
      [
        '2-D input gradient',
        () => tf.grad((x: tf.Tensor) => tf.matMul(x, w).square().sum())(a.reshape([12, 5])),
      ],
    ];
    for (const [name, f] of cases) {
      const cpu = await on('cpu', f);
      const wasm = await on('wasm', f);
      expect(maxAbsDiff(cpu, wasm), name).toBeLessThanOrEqual(1e-4);
    }
    await useBackend('wasm');
    const before = tf.memory();
    for (let i = 0; i < 10; i++) tf.tidy(() => tf.matMul(b, a, true, true)).dispose();
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    tf.dispose([a, b, w]);
  });
});
