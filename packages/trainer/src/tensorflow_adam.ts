/**
 * AdamW's moment and parameter update as one TensorFlow kernel per parameter, on the tensorflow
 * backend (tfjs-node): `ResourceApplyAdam` over TF resource variables that hold the parameter and
 * its two moments.
 *
 * Why: composed of tfjs ops, one AdamW update is 14 full passes over each parameter (decay,
 * lerp, square, scale, add, sqrt, divide, add, divide, scale, add, and the assigns). For
 * bert-mini that is 11M parameters, 7.8M of them the word embeddings, and ~95 ms of a ~370 ms
 * training step; the fused kernel does the embedding in ~12 ms.
 *
 * Formula: TF computes m += (g - m) (1 - beta1); v += (g^2 - v) (1 - beta2);
 * p -= alpha m / (sqrt(v) + eps') with alpha = lr sqrt(1 - beta2_power) / (1 - beta1_power).
 * Passing beta1_power = beta2_power = 0, alpha = lr sqrt(bc2) / bc1 and eps' = eps sqrt(bc2)
 * (bc_i = 1 - beta_i^t, computed in float64) gives torch.optim.AdamW's
 * p -= lr / bc1 m / (sqrt(v) / sqrt(bc2) + eps). Decoupled decay stays a multiply before it.
 *
 * Aliasing: TF copies a variable's buffer before an in-place update when another tensor still
 * holds it, so no tfjs tensor ever sees its data change under it.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-node's NodeJSKernelBackend used here. */
interface NodeBackend {
  binding: {
    TF_ATTR_STRING: number;
    TF_ATTR_TYPE: number;
    TF_ATTR_SHAPE: number;
    TF_ATTR_BOOL: number;
    TF_FLOAT: number;
  };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(
    name: string,
    attrs: OpAttr[],
    inputs: tf.TensorInfo[],
    numOutputs: number,
  ): tf.Tensor[];
}

interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

/** Unique resource names within this process (TF's resource manager is process-wide). */
const prefix = `transferjs_adam_${process.pid}_${Math.floor(Math.random() * 2 ** 32).toString(16)}`;
let counter = 0;

/** One TF resource variable (float32, fixed shape). Call {@link destroy} when done. */
export class ResourceVariable {
  private readonly handle: tf.Tensor;

  constructor(
    private readonly backend: NodeBackend,
    shape: number[],
  ) {
    const b = backend.binding;
    this.handle = backend.executeSingleOutput(
      'VarHandleOp',
      [
        { name: 'container', type: b.TF_ATTR_STRING, value: '' },
        { name: 'shared_name', type: b.TF_ATTR_STRING, value: `${prefix}_${counter++}` },
        { name: 'dtype', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
        { name: 'shape', type: b.TF_ATTR_SHAPE, value: shape },
      ],
      [],
    );
    tf.keep(this.handle);
  }

  /** The variable now holds `value`'s buffer (no copy). */
  assign(value: tf.Tensor): void {
    const b = this.backend.binding;
    this.backend.executeMultipleOutputs(
      'AssignVariableOp',
      [
        { name: 'dtype', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
        { name: 'validate_shape', type: b.TF_ATTR_BOOL, value: true },
      ],
      [this.handle, value],
      0,
    );
  }

  /** A tensor of the current value (shares the buffer until the next in-place update). */
  read(): tf.Tensor {
    const b = this.backend.binding;
    return this.backend.executeSingleOutput(
      'ReadVariableOp',
      [{ name: 'dtype', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT }],
      [this.handle],
    );
  }

  get handleTensor(): tf.Tensor {
    return this.handle;
  }

  /** Frees the variable's buffer (TF keeps named resources until destroyed). */
  destroy(): void {
    const b = this.backend.binding;
    this.backend.executeMultipleOutputs(
      'DestroyResourceOp',
      [{ name: 'ignore_lookup_error', type: b.TF_ATTR_BOOL, value: true }],
      [this.handle],
      0,
    );
    this.handle.dispose();
  }
}

/** The fused update of one parameter; scalars are float32 tensors shared across parameters. */
export interface AdamScalars {
  zero: tf.Scalar;
  alpha: tf.Scalar;
  beta1: tf.Scalar;
  beta2: tf.Scalar;
  epsilon: tf.Scalar;
}

export class TensorflowAdam {
  constructor(private readonly backend: NodeBackend) {}

  variable(shape: number[]): ResourceVariable {
    return new ResourceVariable(this.backend, shape);
  }

  /** ResourceApplyAdam(p, m, v, ...) in place; see the module comment for the scalars. */
  apply(
    p: ResourceVariable,
    m: ResourceVariable,
    v: ResourceVariable,
    s: AdamScalars,
    grad: tf.Tensor,
  ): void {
    const b = this.backend.binding;
    this.backend.executeMultipleOutputs(
      'ResourceApplyAdam',
      [
        { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
        { name: 'use_locking', type: b.TF_ATTR_BOOL, value: false },
        { name: 'use_nesterov', type: b.TF_ATTR_BOOL, value: false },
      ],
      [
        p.handleTensor,
        m.handleTensor,
        v.handleTensor,
        s.zero,
        s.zero,
        s.alpha,
        s.beta1,
        s.beta2,
        s.epsilon,
        grad,
      ],
      0,
    );
  }
}

const probed = new WeakMap<object, TensorflowAdam | null>();

/**
 * The fused path when the active backend is tensorflow and its kernels behave (probed once per
 * backend instance against the composed formula on a small input), else null.
 */
export function tensorflowAdam(): TensorflowAdam | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const backend = tf.backend() as unknown as NodeBackend;
  let found = probed.get(backend);
  if (found === undefined) {
    found = probe(backend);
    probed.set(backend, found);
  }
  return found;
}

function probe(backend: NodeBackend): TensorflowAdam | null {
  if (typeof backend.executeMultipleOutputs !== 'function') return null;
  const adam = new TensorflowAdam(backend);
  const vars: ResourceVariable[] = [];
  try {
    return tf.tidy(() => {
      const p0 = tf.tensor1d([0.5, -1, 2, 0]);
      const g = tf.tensor1d([0.1, 0.2, -0.3, 0]);
      const [p, m, v] = [adam.variable([4]), adam.variable([4]), adam.variable([4])];
      vars.push(p, m, v);
      p.assign(p0);
      m.assign(tf.zeros([4]));
      v.assign(tf.zeros([4]));
      // Step 1 of Adam(lr 0.1, betas 0.9 / 0.999, eps 1e-8): bc1 = 0.1, bc2 = 0.001.
      const s: AdamScalars = {
        zero: tf.scalar(0),
        alpha: tf.scalar((0.1 * Math.sqrt(0.001)) / 0.1),
        beta1: tf.scalar(0.9),
        beta2: tf.scalar(0.999),
        epsilon: tf.scalar(1e-8 * Math.sqrt(0.001)),
      };
      adam.apply(p, m, v, s, g);
      const got = p.read().dataSync();
      // m / bc1 = g, sqrt(v / bc2) = |g|: each moving element steps by lr * sign(g).
      const want = [0.4, -1.1, 2.1, 0];
      const unchanged = p0.dataSync();
      return (
        want.every((w, i) => Math.abs((got[i] as number) - w) < 1e-5) && unchanged[0] === 0.5 // the tensor the variable was assigned from is not mutated
      );
    })
      ? adam
      : null;
  } catch {
    return null;
  } finally {
    for (const r of vars) {
      try {
        r.destroy();
      } catch {
        // the probe failed before the variable existed
      }
    }
  }
}
