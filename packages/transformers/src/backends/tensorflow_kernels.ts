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
 * Linear layers run as one oneDNN matmul with the bias (and, outside training, the exact GELU)
 * applied in its epilogue (`_MklNativeFusedMatMul`, fused_ops ['BiasAdd'(, 'GeluExact')]):
 * a separate bias add is a full pass over the output, and the composed GELU five more (the
 * intermediate activations are the model's largest). These take string-list attributes, which
 * tfjs-node's binding gains from `pnpm setup:tensorflow`; an unpatched build reports
 * "unavailable" and the model composes the ops.
 *
 * Dropout masks come from TF's counter-based generator (`StatelessRandomUniform`, Philox) in
 * C++ instead of a JS loop: a bert-mini training step draws ~4.5M uniforms, which took ~70 ms of
 * a ~400 ms step in JS. The mask is a pure function of (seed, shape), so runs stay reproducible
 * and resumable: the seeds come from the model code's own seeded generator.
 *
 * The oneDNN kernels are CPU kernels: with tfjs-node-gpu on a CUDA device the model composes
 * the ops (TF runs those on the GPU). Each kernel is probed once per backend instance, numerically against the composed formula; a
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
    TF_ATTR_BOOL: number;
    TF_ATTR_INT: number;
    TF_FLOAT: number;
    TF_INT32: number;
  };
  executeSingleOutput(
    name: string,
    attrs: { name: string; type: number; value: unknown }[],
    inputs: tf.TensorInfo[],
  ): tf.Tensor;
  /** tfjs-node-gpu with a CUDA device: TF's own GPU kernels beat CPU oneDNN plus copies. */
  isUsingGpuDevice?: boolean;
}

/**
 * Whether the active backend is tensorflow and `probe` passed on it (run once per backend
 * instance: a re-created backend is probed again). `cpuOnly`: false on a CUDA device.
 */
function availableOn(
  results: WeakMap<object, boolean>,
  probe: (backend: NodeBackend) => boolean,
  cpuOnly: boolean,
): boolean {
  if (tf.getBackend() !== 'tensorflow') return false;
  const backend = tf.backend() as unknown as NodeBackend;
  if (cpuOnly && backend.isUsingGpuDevice) return false;
  let ok = results.get(backend);
  if (ok === undefined) {
    ok = typeof backend.executeSingleOutput === 'function' && probe(backend);
    results.set(backend, ok);
  }
  return ok;
}

/**
 * Registers `kernelName` on the tensorflow backend (its forward runs TF op(s) through `run`) with
 * its gradient, once per process. The gradient sees the saved inputs, then the saved outputs.
 */
function registerOnce(
  kernelName: string,
  run: (
    backend: NodeBackend,
    inputs: Record<string, tf.TensorInfo>,
    attrs: tf.NamedAttrMap,
  ) => tf.Tensor,
  inputsToSave: string[],
  gradFunc: (
    dy: tf.Tensor,
    saved: tf.Tensor[],
    attrs: tf.NamedAttrMap,
  ) => Record<string, () => tf.Tensor>,
  outputsToSave?: boolean[],
): void {
  if (tf.getKernel(kernelName, 'tensorflow')) return;
  tf.registerKernel({
    kernelName,
    backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend, attrs }) =>
      run(
        backend as unknown as NodeBackend,
        inputs as Record<string, tf.TensorInfo>,
        attrs as unknown as tf.NamedAttrMap,
      ),
  });
  tf.registerGradient({
    kernelName,
    inputsToSave,
    outputsToSave,
    gradFunc: gradFunc as tf.GradConfig['gradFunc'],
  });
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

/** Layer-norm probe results per backend instance. */
const probed = new WeakMap<object, boolean>();

/** Registers the kernel (once) and checks it on a small input. */
function probeLayerNorm(backend: NodeBackend): boolean {
  registerOnce(
    LAYER_NORM_KERNEL,
    (be, { x, weight, bias }, attrs) =>
      runMklLayerNorm(
        be,
        x as tf.TensorInfo,
        weight as tf.TensorInfo,
        bias as tf.TensorInfo,
        (attrs as LayerNormAttrs).epsilon,
      ),
    ['x', 'weight'],
    layerNormGrad,
  );
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
  return availableOn(probed, probeLayerNorm, true);
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
  return availableOn(statelessProbed, probeStateless, false);
}

/** Uniforms in [0, 1), the same for the same seeds. */
function probeStateless(backend: NodeBackend): boolean {
  try {
    return tf.tidy(() => {
      const u = statelessUniform(backend, [64], 1, 2);
      const again = statelessUniform(backend, [64], 1, 2);
      const [lo, hi] = [u.min().dataSync()[0] as number, u.max().dataSync()[0] as number];
      const same = again.sub(u).abs().max().dataSync()[0] === 0;
      return u.shape[0] === 64 && lo >= 0 && hi < 1 && hi > lo && same;
    });
  } catch {
    return false;
  }
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

/** tfjs kernel name of the fused linear layer: x [N, in], weight [out, in], bias [out]. */
export const LINEAR_KERNEL = 'TransferjsLinear';

/** What follows the bias inside the fused kernel. */
export type FusedActivation = 'none' | 'gelu';

interface LinearAttrs extends tf.NamedAttrMap {
  activation: FusedActivation;
}

/**
 * y = act(x W^T + b) (+ residual): oneDNN applies the bias, the activation and the residual sum
 * in the matmul's epilogue. A residual goes with activation 'none' only.
 */
function runFusedMatMul(
  backend: NodeBackend,
  x: tf.TensorInfo,
  weight: tf.TensorInfo,
  bias: tf.TensorInfo,
  activation: FusedActivation,
  residual?: tf.TensorInfo,
): tf.Tensor {
  const b = backend.binding;
  if (residual && activation !== 'none') {
    // oneDNN's post-ops run in order; HF has no layer that sums after an activation.
    throw new Error(`fused linear: a residual sum needs activation 'none', found '${activation}'`);
  }
  const fusedOps = residual
    ? ['BiasAdd', 'Add']
    : activation === 'gelu'
      ? ['BiasAdd', 'GeluExact']
      : ['BiasAdd'];
  return backend.executeSingleOutput(
    '_MklNativeFusedMatMul',
    [
      { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
      { name: 'transpose_a', type: b.TF_ATTR_BOOL, value: false },
      { name: 'transpose_b', type: b.TF_ATTR_BOOL, value: true },
      { name: 'num_args', type: b.TF_ATTR_INT, value: residual ? 2 : 1 },
      { name: 'fused_ops', type: b.TF_ATTR_STRING, value: fusedOps },
      { name: 'epsilon', type: b.TF_ATTR_FLOAT, value: 0.0001 },
      { name: 'leakyrelu_alpha', type: b.TF_ATTR_FLOAT, value: 0.2 },
      // The label oneDNN's eager rewrite gives this op's CPU kernel.
      { name: '_kernel', type: b.TF_ATTR_STRING, value: 'MklNameChangeOp' },
    ],
    residual ? [x, weight, bias, residual] : [x, weight, bias],
  );
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Gradient of y = act(x W^T + b). For 'none': dx = dy W, dW = dy^T x, db = sum(dy). For 'gelu'
 * (used only if a caller differentiates an inference-mode forward) the pre-activation z is
 * recomputed and dy becomes dy * (Phi(z) + z phi(z)) first.
 */
function linearGrad(
  dy: tf.Tensor,
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
): Record<string, () => tf.Tensor> {
  const [x, weight, bias] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
  let g = dy as tf.Tensor2D;
  if ((attrs as LinearAttrs).activation === 'gelu') {
    const z = tf.matMul(x, weight, false, true).add(bias);
    const cdf = tf.erf(z.mul(Math.SQRT1_2)).add(1).mul(0.5);
    const pdf = tf.exp(z.square().mul(-0.5)).mul(INV_SQRT_2PI);
    g = dy.mul(cdf.add(z.mul(pdf))) as tf.Tensor2D;
  }
  return {
    x: () => tf.matMul(g, weight),
    weight: () => tf.matMul(g, x, true, false),
    bias: () => g.sum(0),
    // Present only when the forward had a residual input (then activation is 'none').
    residual: () => dy,
  };
}

const linearProbed = new WeakMap<object, boolean>();

function probeLinear(backend: NodeBackend): boolean {
  registerOnce(
    LINEAR_KERNEL,
    (be, { x, weight, bias, residual }, attrs) =>
      runFusedMatMul(
        be,
        x as tf.TensorInfo,
        weight as tf.TensorInfo,
        bias as tf.TensorInfo,
        (attrs as LinearAttrs).activation,
        residual,
      ),
    ['x', 'weight', 'bias'],
    linearGrad,
  );
  try {
    return tf.tidy(() => {
      // [3, 5] x [4, 5]^T + [4]: odd sizes, values where GELU's tails matter.
      const x = tf.tensor2d([0.5, -1, 2, 3, -0.25, 1, 1, -2, 0, 4, -3, 0.5, 1.5, -1, 2], [3, 5]);
      const w = tf.tensor2d(
        [
          0.2, -0.1, 0.3, 0.5, -0.4, 1, 0, -1, 0.5, 0.25, -0.3, 0.2, 0.1, 0, 0.6, 0.7, -0.7, 0, 0.1,
          -0.2,
        ],
        [4, 5],
      );
      const b = tf.tensor1d([0.1, -0.2, 0.3, 0]);
      const z = tf.matMul(x, w, false, true).add(b);
      const gelu = z.mul(tf.erf(z.mul(Math.SQRT1_2)).add(1).mul(0.5));
      const errNone = runFusedMatMul(backend, x, w, b, 'none').sub(z).abs().max();
      const errGelu = runFusedMatMul(backend, x, w, b, 'gelu').sub(gelu).abs().max();
      const r = x.slice([0, 0], [3, 4]).mul(-2);
      const errAdd = runFusedMatMul(backend, x, w, b, 'none', r).sub(z.add(r)).abs().max();
      const errs = [errNone, errGelu, errAdd].map((e) => e.dataSync()[0] as number);
      return Math.max(...errs) < 1e-5;
    });
  } catch {
    // An unpatched binding (no string-list attributes) or a build without the oneDNN kernel.
    return false;
  }
}

/** Whether the active backend runs {@link LINEAR_KERNEL} (tensorflow, oneDNN, patched binding). */
export function fusedLinearAvailable(): boolean {
  return availableOn(linearProbed, probeLinear, true);
}

/**
 * act(x W^T + b) (+ residual) in one kernel (call only when {@link fusedLinearAvailable}):
 * x [N, in], weight [out, in], bias [out], residual [N, out] -> [N, out]. With a residual the
 * activation must be 'none'.
 */
export function fusedLinear(
  x: tf.Tensor2D,
  weight: tf.Tensor,
  bias: tf.Tensor,
  activation: FusedActivation,
  residual?: tf.Tensor2D,
): tf.Tensor2D {
  const inputs = residual ? { x, weight, bias, residual } : { x, weight, bias };
  return tf
    .engine()
    .runKernel(
      LINEAR_KERNEL,
      inputs as unknown as tf.NamedTensorMap,
      { activation } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor2D;
}

/** tfjs kernel name of oneDNN's softmax over the last axis: input logits. */
export const SOFTMAX_KERNEL = 'TransferjsSoftmax';

/** tfjs kernel name of oneDNN's transpose: input x, attr perm. */
export const TRANSPOSE_KERNEL = 'TransferjsTranspose';

function runMklSoftmax(backend: NodeBackend, logits: tf.TensorInfo): tf.Tensor {
  const b = backend.binding;
  return backend.executeSingleOutput(
    '_MklSoftmax',
    [
      { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
      { name: '_kernel', type: b.TF_ATTR_STRING, value: 'MklNameChangeOp' },
    ],
    [logits],
  );
}

function runMklTranspose(backend: NodeBackend, x: tf.TensorInfo, perm: number[]): tf.Tensor {
  const b = backend.binding;
  const permT = tf.tensor1d(perm, 'int32');
  try {
    return backend.executeSingleOutput(
      '_MklTranspose',
      [
        { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
        { name: 'Tperm', type: b.TF_ATTR_TYPE, value: b.TF_INT32 },
        { name: '_kernel', type: b.TF_ATTR_STRING, value: 'MklNameChangeOp' },
      ],
      [x, permT],
    );
  } finally {
    permT.dispose();
  }
}

const attentionProbed = new WeakMap<object, boolean>();

/**
 * Registers softmax and transpose (once) and checks both against tfjs's own on a small input.
 * Softmax gradient: dx = y * (dy - sum(dy * y)) over the last axis. Transpose gradient: dy
 * transposed by the inverse permutation.
 */
function probeAttentionKernels(backend: NodeBackend): boolean {
  registerOnce(
    SOFTMAX_KERNEL,
    (be, { logits }) => runMklSoftmax(be, logits as tf.TensorInfo),
    [],
    (dy, saved) => {
      const [y] = saved as [tf.Tensor];
      return { logits: () => y.mul(dy.sub(dy.mul(y).sum(-1, true))) };
    },
    [true],
  );
  registerOnce(
    TRANSPOSE_KERNEL,
    (be, { x }, attrs) => runMklTranspose(be, x as tf.TensorInfo, attrs.perm as number[]),
    [],
    (dy, _saved, attrs) => {
      const perm = attrs.perm as number[];
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return { x: () => fastTranspose(dy, inverse) };
    },
  );
  try {
    return tf.tidy(() => {
      // Odd sizes; one row with a large spread (softmax's max subtraction), one constant row.
      const logits = tf.tensor2d([0.5, -1, 2, 3, -0.25, 100, -100, 0, 1, 2, 7, 7, 7, 7, 7], [3, 5]);
      const errSoftmax = runMklSoftmax(backend, logits).sub(tf.softmax(logits)).abs().max();
      const x = tf.range(0, 2 * 3 * 5 * 7).reshape([2, 3, 5, 7]);
      const errTranspose = runMklTranspose(backend, x, [0, 2, 1, 3])
        .sub(x.transpose([0, 2, 1, 3]))
        .abs()
        .max();
      const [softmaxErr, transposeErr] = [errSoftmax, errTranspose].map(
        (e) => e.dataSync()[0] as number,
      );
      return (softmaxErr as number) < 1e-6 && transposeErr === 0;
    });
  } catch {
    return false;
  }
}

/** Whether the active backend runs {@link SOFTMAX_KERNEL} and {@link TRANSPOSE_KERNEL}. */
export function attentionKernelsAvailable(): boolean {
  return availableOn(attentionProbed, probeAttentionKernels, true);
}

/** Softmax over the last axis, oneDNN's where available, else tf.softmax. */
export function fastSoftmax(logits: tf.Tensor): tf.Tensor {
  if (!attentionKernelsAvailable()) return tf.softmax(logits, -1);
  return tf.engine().runKernel(SOFTMAX_KERNEL, { logits } as unknown as tf.NamedTensorMap, {});
}

/** Transpose, oneDNN's where available (float32), else tf.transpose. */
export function fastTranspose(x: tf.Tensor, perm: number[]): tf.Tensor {
  if (x.dtype !== 'float32' || !attentionKernelsAvailable()) return tf.transpose(x, perm);
  return tf
    .engine()
    .runKernel(
      TRANSPOSE_KERNEL,
      { x } as unknown as tf.NamedTensorMap,
      { perm } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
}
