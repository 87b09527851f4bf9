/**
 * Fused kernels that TensorFlow's C library has and tfjs-node does not expose, registered as tfjs
 * kernels (with their gradients) on the 'tensorflow' backend.
 *
 * Why: on bert-mini shapes the GEMMs already run near the CPU's peak, and what separates a
 * forward pass from PyTorch's is the element-wise work around them. A layer norm composed of
 * tfjs ops is ~10 kernels, each a full pass over [B, T, H] (mean, subtract, square, mean, add,
 * rsqrt, multiply x 2, add, and the cast inside tf.moments): 1.7 ms for [1024, 256] here, against
 * 0.2 ms for oneDNN's layer norm (`_MklLayerNorm`, present in the PyPI wheel's CPU kernels when
 * oneDNN is on, the default).
 *
 * Dropout masks come from TF's counter-based generator (`StatelessRandomUniform`, Philox) in
 * C++ instead of a JS loop: a bert-mini training step draws ~4.5M uniforms, which took ~70 ms of
 * a ~400 ms step in JS. The mask is a pure function of (seed, shape), so runs stay reproducible
 * and resumable: the seeds come from the model code's own seeded generator.
 *
 * Each kernel is probed once per backend instance, numerically against the composed formula; a
 * build without it (TF_ENABLE_ONEDNN_OPTS=0, another libtensorflow) reports "unavailable" and the
 * model code keeps its composed version. Nothing falls back silently to a wrong result.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-node's NodeJSKernelBackend used here. */
interface NodeBackend {
  binding: {
    TF_ATTR_TYPE: number;
    TF_ATTR_FLOAT: number;
    TF_ATTR_STRING: number;
    TF_FLOAT: number;
    TF_INT32: number;
  };
  executeSingleOutput(
    name: string,
    attrs: { name: string; type: number; value: unknown }[],
    inputs: tf.TensorInfo[],
  ): tf.Tensor;
}

/** tfjs kernel name of the fused layer norm: inputs x [..., H], weight [H], bias [H]. */
export const LAYER_NORM_KERNEL = 'TransferjsLayerNorm';

interface LayerNormAttrs extends tf.NamedAttrMap {
  epsilon: number;
}

function runMklLayerNorm(
  backend: NodeBackend,
  x: tf.TensorInfo,
  weight: tf.TensorInfo,
  bias: tf.TensorInfo,
  epsilon: number,
): tf.Tensor {
  const b = backend.binding;
  return backend.executeSingleOutput(
    '_MklLayerNorm',
    [
      { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
      { name: 'epsilon', type: b.TF_ATTR_FLOAT, value: epsilon },
      // oneDNN's eager rewrite tags its ops with a kernel label; the plain CPU registration is
      // found with an empty one.
      { name: '_kernel', type: b.TF_ATTR_STRING, value: '' },
    ],
    [x, weight, bias],
  );
}

/**
 * Layer norm over the last axis, composed: the reference the fused kernel is probed against and
 * the gradient's recomputation of the statistics. x [..., H] -> xhat [..., H], rstd [..., 1].
 */
export function normalizeLastAxis(x: tf.Tensor, eps: number): { xhat: tf.Tensor; rstd: tf.Tensor } {
  // tf.moments casts its input (one more full pass): mean and variance are written out instead.
  const mean = x.mean(-1, true);
  const centered = x.sub(mean);
  const rstd = tf.rsqrt(centered.square().mean(-1, true).add(eps));
  return { xhat: centered.mul(rstd), rstd };
}

/**
 * The layer-norm gradient, statistics recomputed from x (the fused forward keeps none). With
 * g = dy * weight: dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), dweight = sum(dy * xhat),
 * dbias = sum(dy) (means over the last axis, sums over all the others).
 */
function layerNormGrad(
  dy: tf.Tensor,
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
): Record<string, () => tf.Tensor> {
  const [x, weight] = saved as [tf.Tensor, tf.Tensor];
  const { epsilon } = attrs as LayerNormAttrs;
  const h = weight.shape[0] as number;
  const { xhat, rstd } = normalizeLastAxis(x, epsilon);
  return {
    x: () => {
      const g = dy.mul(weight);
      return g
        .sub(g.mean(-1, true))
        .sub(xhat.mul(g.mul(xhat).mean(-1, true)))
        .mul(rstd);
    },
    weight: () => dy.mul(xhat).reshape([-1, h]).sum(0),
    bias: () => dy.reshape([-1, h]).sum(0),
  };
}

/** Probe results per backend instance (a re-created backend is probed again). */
const probed = new WeakMap<object, boolean>();

/** Registers the kernel and its gradient once and checks it on a small input. */
function probeLayerNorm(backend: NodeBackend): boolean {
  if (!tf.getKernel(LAYER_NORM_KERNEL, 'tensorflow')) {
    tf.registerKernel({
      kernelName: LAYER_NORM_KERNEL,
      backendName: 'tensorflow',
      kernelFunc: ({ inputs, backend: be, attrs }) => {
        const { x, weight, bias } = inputs as Record<'x' | 'weight' | 'bias', tf.TensorInfo>;
        const { epsilon } = attrs as unknown as LayerNormAttrs;
        return runMklLayerNorm(be as unknown as NodeBackend, x, weight, bias, epsilon);
      },
    });
    tf.registerGradient({
      kernelName: LAYER_NORM_KERNEL,
      inputsToSave: ['x', 'weight'],
      gradFunc: layerNormGrad as tf.GradConfig['gradFunc'],
    });
  }
  try {
    return tf.tidy(() => {
      // Rows of different scales and offsets; H = 7 (not a SIMD width).
      const x = tf.tensor2d(
        [1, -2, 3.5, 0.25, 8, -7, 2, 100, 101, 99, 100.5, 98, 102, 100],
        [2, 7],
      );
      const w = tf.tensor1d([1, 2, -1, 0.5, 1.5, 0, 3]);
      const b = tf.tensor1d([0, 1, -2, 0.5, 0, 3, -1]);
      const fused = runMklLayerNorm(backend, x, w, b, 1e-5);
      const ref = normalizeLastAxis(x, 1e-5).xhat.mul(w).add(b);
      const err = fused.sub(ref).abs().max().dataSync()[0] as number;
      return err < 1e-4;
    });
  } catch {
    // Not registered in this libtensorflow (oneDNN off or another build).
    return false;
  }
}

/** Whether the active backend runs {@link LAYER_NORM_KERNEL} (tensorflow with oneDNN). */
export function fusedLayerNormAvailable(): boolean {
  if (tf.getBackend() !== 'tensorflow') return false;
  const backend = tf.backend() as unknown as NodeBackend;
  let ok = probed.get(backend);
  if (ok === undefined) {
    ok = typeof backend.executeSingleOutput === 'function' && probeLayerNorm(backend);
    probed.set(backend, ok);
  }
  return ok;
}

/** Fused layer norm (call only when {@link fusedLayerNormAvailable}): x [..., H] -> [..., H]. */
export function fusedLayerNorm(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  return tf
    .engine()
    .runKernel(
      LAYER_NORM_KERNEL,
      { x, weight, bias } as unknown as tf.NamedTensorMap,
      { epsilon } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
}

const statelessProbed = new WeakMap<object, boolean>();

function statelessUniform(
  backend: NodeBackend,
  shape: number[],
  seed0: number,
  seed1: number,
): tf.Tensor {
  const b = backend.binding;
  const shapeT = tf.tensor1d(shape, 'int32');
  const seedT = tf.tensor1d([seed0 | 0, seed1 | 0], 'int32');
  try {
    return backend.executeSingleOutput(
      'StatelessRandomUniform',
      [
        { name: 'dtype', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
        { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_INT32 },
        { name: 'Tseed', type: b.TF_ATTR_TYPE, value: b.TF_INT32 },
      ],
      [shapeT, seedT],
    );
  } finally {
    shapeT.dispose();
    seedT.dispose();
  }
}

/** Whether the active backend draws dropout masks natively (tensorflow). */
export function nativeDropoutAvailable(): boolean {
  if (tf.getBackend() !== 'tensorflow') return false;
  const backend = tf.backend() as unknown as NodeBackend;
  let ok = statelessProbed.get(backend);
  if (ok === undefined) {
    try {
      ok = tf.tidy(() => {
        const u = statelessUniform(backend, [64], 1, 2);
        const again = statelessUniform(backend, [64], 1, 2);
        const [lo, hi] = [u.min().dataSync()[0] as number, u.max().dataSync()[0] as number];
        const same = again.sub(u).abs().max().dataSync()[0] === 0;
        return u.shape[0] === 64 && lo >= 0 && hi < 1 && hi > lo && same;
      });
    } catch {
      ok = false;
    }
    statelessProbed.set(backend, ok);
  }
  return ok;
}

/**
 * Dropout keep mask (call only when {@link nativeDropoutAvailable}): float32 `shape`, each
 * element 1 / (1 - rate) with probability 1 - rate, else 0; a pure function of the two seeds.
 */
export function nativeDropoutMask(
  shape: number[],
  rate: number,
  seed0: number,
  seed1: number,
): tf.Tensor {
  return tf.tidy(() =>
    statelessUniform(tf.backend() as unknown as NodeBackend, shape, seed0, seed1)
      .greaterEqual(rate)
      .cast('float32')
      .mul(1 / (1 - rate)),
  );
}
