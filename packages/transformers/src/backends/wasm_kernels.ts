/**
 * Kernels the tfjs wasm backend (4.22) lacks or runs slowly, registered on top of its own
 * kernels. Each works on the backend's data directly (TensorInfo in, TensorInfo out), the way
 * tfjs backends compose kernels, so nothing here creates engine-tracked tensors or leaks.
 *
 * - UnsortedSegmentSum: missing on wasm, and it is the gradient of `tf.gather` (every embedding
 *   lookup), so training throws without it. Built on ScatterNd, which sums duplicate indices:
 *   out[s, ...] = sum over i with segmentIds[i] == s of x[i, ...].
 * - BatchMatMul with transposeA / transposeB: the wasm kernel uses XNNPACK only without
 *   transposes, and every matmul gradient is transposed; materialising the transposes first
 *   (one Transpose each) takes those back to the fast path.
 * - ClipByValue on int32: the wasm kernel reads int32 data as float32 (clip(9, 0, 5) = 9, -2 ->
 *   garbage), which breaks HF's question-answering loss (positions clamped to [0, T]). int32
 *   inputs are clipped exactly in JS (they are labels and positions: small).
 * - FloorDiv on int32 returns float32 on wasm (right values, wrong dtype); cast back to int32.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;

/** What the kernels need from the wasm backend object (BackendWasm). */
interface WasmBackend {
  disposeData(dataId: object): boolean;
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): ArrayLike<number> & { [i: number]: number };
}

const WASM = 'wasm';

function wasmKernel(name: string): tf.KernelConfig {
  const kernel = tf.getKernel(name, WASM);
  if (kernel === undefined) {
    throw new Error(
      `tfjs wasm backend has no '${name}' kernel (is @tensorflow/tfjs-backend-wasm 4.22 loaded?)`,
    );
  }
  return kernel;
}

/** Same data, another shape: row-major data needs no copy to be seen as a reshape. */
function view(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/**
 * UnsortedSegmentSum(x, segmentIds; numSegments) on wasm through ScatterNd.
 *
 * Shapes: x [...S, ...R] with segmentIds [...S] (S = segmentIds.shape, a prefix of x.shape);
 * out [numSegments, ...R]. Steps:
 *   1. M = size(segmentIds); view segmentIds as indices [M, 1] and x as updates [M, ...R];
 *   2. ScatterNd(indices, updates, shape [numSegments, ...R]) adds rows with equal index.
 * Ids must lie in [0, numSegments): true for the gradient of `tf.gather`, whose ids are the rows
 * it already read (the only caller in training).
 */
function unsortedSegmentSumFactory(): KernelFunc {
  const scatterNd = wasmKernel('ScatterNd').kernelFunc;
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as TensorInfo;
    const segmentIds = inputs.segmentIds as TensorInfo;
    const numSegments = (attrs as { numSegments: number }).numSegments;
    const k = segmentIds.shape.length;
    const rows = tf.util.sizeFromShape(segmentIds.shape);
    const rest = x.shape.slice(k);
    const indices = view(segmentIds, [rows, 1]);
    const updates = view(x, [rows, ...rest]);
    return scatterNd({
      inputs: { indices, updates },
      backend,
      attrs: { shape: [numSegments, ...rest] },
    });
  };
}

/**
 * BatchMatMul(a, b; transposeA, transposeB) with the transposes materialised.
 *
 * a [...B, m, k] (or [...B, k, m] when transposeA), b [...B, k, n] (or [...B, n, k]):
 *   1. a' = Transpose(a, swap last two axes) if transposeA, likewise b';
 *   2. the original kernel on (a', b') without transposes (its XNNPACK path);
 *   3. free a' and b'.
 */
function batchMatMulFactory(original: KernelFunc): KernelFunc {
  const transpose = wasmKernel('Transpose').kernelFunc;
  const swapLast = (t: TensorInfo, backend: object): TensorInfo => {
    const perm = t.shape.map((_, i) => i);
    const r = perm.length;
    perm[r - 2] = r - 1;
    perm[r - 1] = r - 2;
    return transpose({ inputs: { x: t }, backend, attrs: { perm } }) as TensorInfo;
  };
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs });
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const a2 = transposeA ? swapLast(a, backend) : a;
    const b2 = transposeB ? swapLast(b, backend) : b;
    try {
      return original({
        inputs: { a: a2, b: b2 },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      const owner = backend as WasmBackend;
      if (a2 !== a) owner.disposeData(a2.dataId);
      if (b2 !== b) owner.disposeData(b2.dataId);
    }
  };
}

/**
 * ClipByValue(x; clipValueMin, clipValueMax): int32 exactly, in JS (the wasm kernel is
 * float32-only); every other dtype goes to the original kernel.
 */
function clipByValueFactory(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as TensorInfo;
    if (x.dtype !== 'int32') return original({ inputs, backend, attrs });
    const { clipValueMin, clipValueMax } = attrs as { clipValueMin: number; clipValueMax: number };
    const wasm = backend as WasmBackend;
    // Copy before makeOutput: allocating may grow the wasm heap and detach views into it.
    const values = Int32Array.from(wasm.readSync(x.dataId));
    const out = wasm.makeOutput(x.shape, 'int32');
    const dst = wasm.typedArrayFromHeap(out);
    for (let i = 0; i < values.length; i++) {
      dst[i] = Math.min(Math.max(values[i] as number, clipValueMin), clipValueMax);
    }
    return out;
  };
}

/** FloorDiv(a, b): the original kernel, then Cast to int32 when both inputs are int32. */
function floorDivFactory(original: KernelFunc): KernelFunc {
  const cast = wasmKernel('Cast').kernelFunc;
  return ({ inputs, backend, attrs }) => {
    const out = original({ inputs, backend, attrs }) as TensorInfo;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    if (a.dtype !== 'int32' || b.dtype !== 'int32' || out.dtype === 'int32') return out;
    const int = cast({ inputs: { x: out }, backend, attrs: { dtype: 'int32' } }) as TensorInfo;
    (backend as WasmBackend).disposeData(out.dataId);
    return int;
  };
}

/** Marks our wrappers so registering twice never wraps a wrapper. */
const WRAPPED = Symbol('transferjs.wasmKernelWrapper');

/** Replaces the wasm kernel `name` by `factory(original)`, once; keeps its setupFunc. */
function wrapKernel(name: string, factory: (original: KernelFunc) => KernelFunc): boolean {
  const kernel = wasmKernel(name);
  if (WRAPPED in kernel.kernelFunc) return false;
  const wrapped = Object.assign(factory(kernel.kernelFunc), { [WRAPPED]: true });
  tf.unregisterKernel(name, WASM);
  // The original setupFunc binds the wasm function the original kernel calls.
  tf.registerKernel({ ...kernel, kernelFunc: wrapped });
  return true;
}

/**
 * Registers the kernels above for the 'wasm' backend. Idempotent; needs
 * @tensorflow/tfjs-backend-wasm loaded (its kernels registered) first.
 * Returns the names of the kernels it registered or replaced.
 */
export function registerWasmKernels(): string[] {
  const done: string[] = [];
  if (tf.getKernel('UnsortedSegmentSum', WASM) === undefined) {
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: WASM,
      kernelFunc: unsortedSegmentSumFactory(),
    });
    done.push('UnsortedSegmentSum');
  }
  if (wrapKernel('BatchMatMul', batchMatMulFactory)) done.push('BatchMatMul');
  if (wrapKernel('ClipByValue', clipByValueFactory)) done.push('ClipByValue');
  if (wrapKernel('FloorDiv', floorDivFactory)) done.push('FloorDiv');
  return done;
}
