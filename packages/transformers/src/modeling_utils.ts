import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  type FusedActivation,
  fastSoftmax,
  fastTranspose,
  fusedLayerNorm,
  fusedLayerNormAvailable,
  fusedLinear,
  fusedLinearAvailable,
  nativeDropoutAvailable,
  nativeDropoutMask,
  normalizeLastAxis,
} from './backends/tensorflow_kernels.js';
import {
  type ConfigDict,
  type PretrainedConfig,
  readConfigFile,
} from './configs/configuration_utils.js';
import { TransformersError } from './errors.js';
import type { ForwardOptions, ModelInputs, ModelOutput } from './modeling_outputs.js';
import type { SafetensorsTensor } from './safetensors/safetensors.js';
import { loadSafetensorsCheckpoint, saveSafetensorsCheckpoint } from './safetensors/sharded.js';
import { resolveModelDir, writeFileAtomic } from './utils/fs.js';

/** A config class: built from a config.json object and the file it came from. */
export type ConfigClass<C extends PretrainedConfig = PretrainedConfig> = new (
  dict: ConfigDict,
  source: string,
) => C;

/** The model <-> trainer contract: every model class implements it. */
export interface PreTrainedModel {
  /** config.json fields, snake_case as in the file. */
  readonly config: PretrainedConfig;
  /**
   * Every weight, keyed by its HF checkpoint name, in a stable order (creation order = the
   * module tree). Tied weights appear once under their HF owner name. Shapes are HF's: Linear
   * weights [out, in] (the layout is used as is, with matMul transposeB: nothing is transposed).
   */
  namedParameters(): Map<string, tf.Variable>;
  /** Pure function of inputs and variables; dropout only when training; caller disposes outputs. */
  forward(inputs: ModelInputs, options?: ForwardOptions): ModelOutput;
  /** config.json + model.safetensors (format: pt), each written atomically. */
  savePretrained(dir: string): Promise<void>;
  dispose(): void;
}

// ---------------------------------------------------------------------------------------------
// Parameters and layers. Each layer registers its variables under full HF names in one store.
// ---------------------------------------------------------------------------------------------

/** The model's variables by HF name, created with HF's _init_weights distributions. */
export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();

  constructor(readonly initializerRange: number) {}

  /**
   * Creates a variable. 'normal' = N(0, initializer_range) as HF initialises Linear and
   * Embedding weights; `paddingIdx` zeroes that embedding row as nn.Embedding(padding_idx) does.
   */
  create(
    name: string,
    shape: number[],
    init: 'normal' | 'zeros' | 'ones',
    paddingIdx?: number,
  ): tf.Variable {
    if (this.vars.has(name))
      throw new TransformersError('INTERNAL', `parameter '${name}' created twice`);
    const v = tf.tidy(() => {
      let t: tf.Tensor;
      if (init === 'zeros') t = tf.zeros(shape);
      else if (init === 'ones') t = tf.ones(shape);
      else {
        t = tf.randomNormal(shape, 0, this.initializerRange);
        if (paddingIdx !== undefined && shape.length === 2 && paddingIdx < (shape[0] as number)) {
          const rowMask = tf
            .oneHot([paddingIdx], shape[0] as number)
            .reshape([shape[0] as number, 1]);
          t = t.mul(tf.scalar(1).sub(rowMask));
        }
      }
      return tf.variable(t, true);
    });
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new TransformersError('INTERNAL', `parameter '${name}' does not exist`);
    return v;
  }
}

/** nn.Linear: y = x W^T + b with W [out, in] (HF layout), via matMul(transposeB) + bias add. */
export class Linear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    p: ParamStore,
    name: string,
    inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    this.weight = p.create(`${name}.weight`, [outFeatures, inFeatures], 'normal');
    this.bias = bias ? p.create(`${name}.bias`, [outFeatures], 'zeros') : null;
  }

  /** [..., in] -> [..., out] */
  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight, this.bias);
  }

  /**
   * act(linear(x)) for an HF activation name. Outside training, exact GELU ('gelu') runs inside
   * the matmul where the backend can; training keeps the composed GELU, whose hand-written
   * gradient reuses its forward values.
   */
  forwardAct(x: tf.Tensor, act: string, training: boolean): tf.Tensor {
    if (act === 'gelu' && !training) return linear(x, this.weight, this.bias, 'gelu');
    return activation(act)(this.forward(x));
  }

  /**
   * dropout(linear(x)) + residual, the sub-layer output before its layer norm. x [N, in],
   * residual [N, out] -> [N, out]. Where dropout is a no-op and the backend can, the sum runs in
   * the matmul's epilogue (one pass over the output fewer).
   */
  forwardResidual(
    x: tf.Tensor,
    residual: tf.Tensor,
    dropoutRate: number,
    training: boolean,
  ): tf.Tensor {
    const fusable =
      (!training || dropoutRate === 0) &&
      this.bias !== null &&
      x.rank === 2 &&
      residual.rank === 2 &&
      fusedLinearAvailable();
    if (fusable) {
      return fusedLinear(
        x as tf.Tensor2D,
        this.weight,
        this.bias as tf.Tensor,
        'none',
        residual as tf.Tensor2D,
      );
    }
    return dropout(this.forward(x), dropoutRate, training).add(residual);
  }
}

/**
 * act([..., in] x W[out, in]^T + b) -> [..., out]; higher ranks are flattened to 2-D for one
 * matMul. `activation` 'gelu' (exact) is applied in the matmul's epilogue when the backend has
 * the fused kernel, else composed.
 */
export function linear(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor | null,
  activation: FusedActivation = 'none',
): tf.Tensor {
  const inF = x.shape[x.rank - 1] as number;
  const outF = weight.shape[0] as number;
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (x.reshape([-1, inF]) as tf.Tensor2D);
  let y: tf.Tensor;
  if (bias && fusedLinearAvailable()) {
    // tensorflow + oneDNN: bias (and GELU) inside the matmul (backends/tensorflow_kernels.ts).
    y = fusedLinear(x2, weight, bias, activation);
  } else {
    // matMul(transposeB) + add rather than tf.fused.matMul: the wasm backend's _FusedMatMul
    // broadcasts the bias along the wrong axis when transposeB is set (wrong by ~1 to 90 on
    // BERT shapes), and tfjs-node's fused op runs the same kernels plus reshapes.
    const y0 = tf.matMul(x2, weight as tf.Tensor2D, false, true);
    y = bias ? y0.add(bias) : y0;
    if (activation === 'gelu') y = geluExact(y) as tf.Tensor;
  }
  return x.rank === 2 ? y : y.reshape([...x.shape.slice(0, -1), outF]);
}

/** nn.LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias. */
export class LayerNorm {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    p: ParamStore,
    name: string,
    dim: number,
    readonly eps: number,
  ) {
    this.weight = p.create(`${name}.weight`, [dim], 'ones');
    this.bias = p.create(`${name}.bias`, [dim], 'zeros');
  }

  forward(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/**
 * Layer norm over the last axis with its gradient written out (autodiff of the forward
 * expression runs ~25 kernels per call; this runs 11). With xhat = (x - mean) * rstd,
 * rstd = 1 / sqrt(var + eps), g = dy * weight:
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dweight = sum(dy * xhat),  dbias = sum(dy)
 * (means over the last axis, sums over all the others). On the tensorflow backend with oneDNN
 * the forward is one fused kernel instead (backends/tensorflow_kernels.ts, same gradient).
 */
const layerNormOps = new Map<number, (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor>();

function makeLayerNormOp(eps: number): (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((
    x: tf.Tensor,
    w: tf.Tensor,
    b: tf.Tensor,
    save: (ts: tf.Tensor[]) => void,
  ) => {
    const { xhat, rstd } = normalizeLastAxis(x, eps);
    save([xhat, rstd, w]);
    return {
      value: xhat.mul(w).add(b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sw] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const h = sw.shape[0] as number;
        const g = dy.mul(sw);
        const dx = g
          .sub(g.mean(-1, true))
          .sub(sxhat.mul(g.mul(sxhat).mean(-1, true)))
          .mul(srstd);
        const dw = dy.mul(sxhat).reshape([-1, h]).sum(0);
        const db = dy.reshape([-1, h]).sum(0);
        return [dx, dw, db];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    x: tf.Tensor,
    w: tf.Tensor,
    b: tf.Tensor,
  ) => tf.Tensor;
}

/** LayerNorm(x) * weight + bias over the last axis. */
export function layerNorm(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor,
  eps: number,
): tf.Tensor {
  if (fusedLayerNormAvailable()) return fusedLayerNorm(x, weight, bias, eps);
  let op = layerNormOps.get(eps);
  if (!op) {
    op = makeLayerNormOp(eps);
    layerNormOps.set(eps, op);
  }
  return op(x, weight, bias);
}

/** Identity whose gradient is zero (torch's .detach() inside a differentiable expression). */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Whether a gradient tape is recording (inside tf.grad / variableGrads / customGrad's forward).
 * Reads the engine's gradient depth; if a tfjs version lacks it, answers true (the safe side).
 */
function recordingGradients(): boolean {
  const depth = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state
    ?.gradientDepth;
  return typeof depth !== 'number' || depth > 0;
}

/**
 * nn.Embedding: int32 ids [...] -> [..., dim] by row gather. With `paddingIdx`, as in PyTorch,
 * the padding row gets no gradient (the row is looked up but never trained): the gathered
 * vectors of pad ids are passed through stopGradient.
 */
export class Embedding {
  readonly weight: tf.Variable;

  constructor(
    p: ParamStore,
    name: string,
    num: number,
    dim: number,
    readonly paddingIdx?: number,
  ) {
    this.weight = p.create(`${name}.weight`, [num, dim], 'normal', paddingIdx);
  }

  /**
   * ids [...] -> rows [..., dim]. With a padding index the padding rows get no gradient
   * (nn.Embedding's padding_idx); when no gradient is being recorded the rows are returned as
   * they are (the masking below is a no-op on values and costs 8 full passes).
   */
  forward(ids: tf.Tensor): tf.Tensor {
    const rows = tf.gather(this.weight, ids);
    if (this.paddingIdx === undefined || !recordingGradients()) return rows;
    // keep [..., 1] = 1 for real ids, 0 for pad: rows * keep + stop(rows * (1 - keep)).
    const keep = tf.notEqual(ids, tf.scalar(this.paddingIdx, 'int32')).toFloat().expandDims(-1);
    return rows.mul(keep).add(stopGradient(rows.mul(tf.scalar(1).sub(keep))) as tf.Tensor);
  }
}

/**
 * xorshift128 state for dropout masks, seeded from the OS. tf.dropout draws its uniforms one
 * by one through seedrandom in JS and then runs four full-size kernels (add, floor, div, mul);
 * for BERT-base training that is ~40M draws per step. One typed-array loop writing the scaled
 * keep mask directly, then one multiply, does the same job several times faster. On the
 * tensorflow backend the generator only names each mask (two draws) and TF's C++ Philox draws
 * it (backends/tensorflow_kernels.ts).
 */
const rng = crypto.getRandomValues(new Uint32Array(4));
if (!(rng[0] || rng[1] || rng[2] || rng[3])) rng[0] = 1;

/** Reseeds dropout (reproducible training runs). Same seed, same masks, same order of calls. */
export function seedDropout(seed: number): void {
  // splitmix32 expands the seed into a non-zero 128-bit state.
  let z = seed >>> 0;
  for (let i = 0; i < 4; i++) {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
    rng[i] = (t ^ (t >>> 16)) >>> 0;
  }
  if (!(rng[0] || rng[1] || rng[2] || rng[3])) rng[0] = 1;
}

/**
 * Dropout, active only in training and for a positive rate: each element is kept with
 * probability 1 - rate and scaled by 1 / (1 - rate) (nn.Dropout / tf.dropout semantics).
 */
export function dropout(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
  if (!training || rate <= 0) return x;
  if (rate >= 1) return tf.zerosLike(x);
  if (nativeDropoutAvailable()) {
    // Two draws of the seeded generator name the mask; TF's counter-based generator expands it.
    return x.mul(nativeDropoutMask(x.shape, rate, nextUint32(), nextUint32()));
  }
  const n = x.size;
  const scale = 1 / (1 - rate);
  // keep when the uint32 draw >= rate * 2^32
  const threshold = Math.min(0xffffffff, Math.floor(rate * 4294967296));
  const mask = new Float32Array(n);
  let a = rng[0] as number;
  let b = rng[1] as number;
  let c = rng[2] as number;
  let d = rng[3] as number;
  for (let i = 0; i < n; i++) {
    // xorshift128 (Marsaglia): period 2^128 - 1.
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    mask[i] = d >= threshold ? scale : 0;
  }
  rng[0] = a;
  rng[1] = b;
  rng[2] = c;
  rng[3] = d;
  return x.mul(tf.tensor(mask, x.shape, 'float32'));
}

/** One xorshift128 draw (the generator dropout uses), advancing the shared state. */
function nextUint32(): number {
  const a = rng[0] as number;
  const t = a ^ (a << 11);
  rng[0] = rng[1] as number;
  rng[1] = rng[2] as number;
  rng[2] = rng[3] as number;
  const d = rng[3] as number;
  rng[3] = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
  return rng[3] as number;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Exact GELU, y = x Phi(x), with its derivative written out:
 * dy/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
 * Autodiff of the forward expression would run ~12 kernels over the [B, T, intermediate]
 * activations (the largest in the model); this runs 7 and reuses Phi(x) from the forward.
 */
const geluExact = tf.customGrad(((x: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
  const cdf = tf.erf(x.mul(Math.SQRT1_2)).add(1).mul(0.5); // Phi(x)
  save([x, cdf]);
  return {
    value: x.mul(cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, scdf] = saved as [tf.Tensor, tf.Tensor];
      const pdf = tf.exp(sx.square().mul(-0.5)).mul(INV_SQRT_2PI);
      return dy.mul(scdf.add(sx.mul(pdf)));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** HF's ACT2FN for the names HIDDEN_ACTS allows. */
export function activation(name: string): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case 'gelu': // exact: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), with a hand-written gradient
      return (x) => geluExact(x) as tf.Tensor;
    case 'gelu_new':
    case 'gelu_pytorch_tanh': // tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      return (x) =>
        x.mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI)).add(1)).mul(0.5);
    case 'gelu_fast': // 0.5 x (1 + tanh(x * 0.7978845608 * (1 + 0.044715 x^2)))
      return (x) =>
        x.mul(tf.tanh(x.mul(0.7978845608).mul(x.square().mul(0.044715).add(1))).add(1)).mul(0.5);
    case 'quick_gelu':
      return (x) => x.mul(tf.sigmoid(x.mul(1.702)));
    case 'relu':
      return (x) => tf.relu(x);
    case 'silu':
    case 'swish':
      return (x) => x.mul(tf.sigmoid(x));
    case 'tanh':
      return (x) => tf.tanh(x);
    default:
      throw new TransformersError('INVALID_CONFIG', `unknown activation '${name}'`);
  }
}

/** float32 min, what HF adds at masked key positions ((1 - mask) * finfo.min). */
const MASK_MIN = -3.4028234663852886e38;

/**
 * int32 mask [B, T] (1 = keep) -> additive float bias [B, 1, 1, T] (0 or float32 min), or null
 * when every position is kept: adding zeros changes nothing, and HF's SDPA attention drops an
 * all-ones mask the same way.
 */
export function extendedAttentionMask(mask: tf.Tensor): tf.Tensor4D | null {
  const [b, t] = mask.shape as [number, number];
  if ((mask.dataSync() as Int32Array | Float32Array).every((v) => v === 1)) return null;
  return tf.scalar(1).sub(mask.toFloat()).mul(MASK_MIN).reshape([b, 1, 1, t]) as tf.Tensor4D;
}

/**
 * Multi-head scaled dot-product attention.
 * q, k, v [B, T, H] (or [B * T, H] with `batchShape` [B, T]) -> context of q's shape
 * (+ probs [B, heads, T, T]).
 */
export function multiHeadAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  heads: number,
  maskBias: tf.Tensor4D | null,
  dropoutRate: number,
  training: boolean,
  options: { batchShape?: [number, number] } = {},
): { context: tf.Tensor; probs: tf.Tensor4D } {
  const h = q.shape[q.rank - 1] as number;
  const [b, t] = options.batchShape ?? (q.shape as [number, number]);
  const hd = h / heads;
  // [B, T, H] or [B * T, H] -> [B, T, heads, hd] -> [B, heads, T, hd]
  const split = (x: tf.Tensor): tf.Tensor4D =>
    fastTranspose(x.reshape([b, t, heads, hd]), [0, 2, 1, 3]) as tf.Tensor4D;
  // Scale q (T*hd values) rather than the scores (T*T values). (Folding the factor into the
  // query weights instead moves real checkpoints' outputs by ~1e-4.)
  const qh = split(q.mul(1 / Math.sqrt(hd)));
  const kh = split(k);
  const vh = split(v);
  let scores: tf.Tensor = tf.matMul(qh, kh, false, true); // [B, heads, T, T]
  if (maskBias) scores = scores.add(maskBias);
  const probs = fastSoftmax(scores) as tf.Tensor4D;
  const ctx = tf.matMul(dropout(probs, dropoutRate, training), vh); // [B, heads, T, hd]
  return { context: fastTranspose(ctx, [0, 2, 1, 3]).reshape(q.shape), probs };
}

// ---------------------------------------------------------------------------------------------
// Losses (PyTorch semantics: mean over the counted elements).
// ---------------------------------------------------------------------------------------------

/** nn.CrossEntropyLoss(ignore_index=-100): logits [N, C], int32 labels [N] -> scalar. */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, ignoreIndex = -100): tf.Scalar {
  const c = logits.shape[logits.rank - 1] as number;
  const l2 = logits.reshape([-1, c]);
  const y = labels.reshape([-1]).toInt();
  const keep = tf.notEqual(y, ignoreIndex);
  const safe = tf.where(keep, y, tf.zerosLike(y));
  // log p(label) = logits[label] - logsumexp(logits); picked with a one-hot mask (differentiable
  // without a gather gradient).
  const logp = tf.logSoftmax(l2, -1);
  const picked = logp.mul(tf.oneHot(safe, c)).sum(-1);
  const keepF = keep.toFloat();
  return picked.mul(keepF).sum().neg().div(keepF.sum()) as tf.Scalar;
}

/**
 * Masked-LM loss with the head applied only where a label is set: sequenceOutput [B, T, H],
 * labels [B, T] (-100 = ignored) -> the same scalar as crossEntropy(head(all positions), labels),
 * for a fraction of the head's work (the vocabulary projection is [H, V] per position). Null when
 * no position is labelled (the caller then takes the full path, whose mean is 0 / 0 like HF's).
 */
export function labelledPositionsLoss(
  head: (rows: tf.Tensor) => tf.Tensor,
  sequenceOutput: tf.Tensor,
  labels: tf.Tensor,
): tf.Scalar | null {
  const h = sequenceOutput.shape[sequenceOutput.rank - 1] as number;
  const flat = labels.reshape([-1]).toInt();
  const values = flat.dataSync();
  const at: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] !== -100) at.push(i);
  if (at.length === 0) return null;
  const positions = tf.tensor1d(at, 'int32');
  const rows = tf.gather(sequenceOutput.reshape([-1, h]), positions); // [M, H]
  return crossEntropy(head(rows), tf.gather(flat, positions));
}

/** nn.BCEWithLogitsLoss: mean(max(x, 0) - x y + log(1 + exp(-|x|))). */
export function bceWithLogits(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const y = labels.toFloat();
  return tf
    .relu(logits)
    .sub(logits.mul(y))
    .add(tf.log1p(tf.exp(logits.abs().neg())))
    .mean() as tf.Scalar;
}

/** nn.MSELoss: mean((x - y)^2). */
export function mse(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return pred.sub(target.toFloat()).square().mean() as tf.Scalar;
}

/**
 * Sequence-classification loss chosen like HF: config.problem_type, else regression when
 * num_labels == 1, single_label when labels are int32, multi_label otherwise.
 * logits [B, C]; labels int32 [B] / float32 [B, C] / float32 [B].
 */
export function sequenceClassificationLoss(
  config: PretrainedConfig,
  logits: tf.Tensor,
  labels: tf.Tensor,
): tf.Scalar {
  const n = config.num_labels;
  const kind =
    config.problem_type ??
    (n === 1
      ? 'regression'
      : labels.dtype === 'int32'
        ? 'single_label_classification'
        : 'multi_label_classification');
  if (kind === 'regression') {
    return n === 1 ? mse(logits.reshape([-1]), labels.reshape([-1])) : mse(logits, labels);
  }
  if (kind === 'single_label_classification')
    return crossEntropy(logits.reshape([-1, n]), labels.reshape([-1]));
  return bceWithLogits(logits, labels);
}

/**
 * Question-answering span loss (HF): positions clamped to [0, T]; T is ignored; mean of the
 * start and end cross entropies.
 */
export function spanLoss(
  start: tf.Tensor2D,
  end: tf.Tensor2D,
  startPos: tf.Tensor,
  endPos: tf.Tensor,
): tf.Scalar {
  const t = start.shape[1];
  const clamp = (p: tf.Tensor): tf.Tensor => tf.clipByValue(p.reshape([-1]).toInt(), 0, t).toInt();
  return crossEntropy(start, clamp(startPos), t)
    .add(crossEntropy(end, clamp(endPos), t))
    .div(2) as tf.Scalar;
}

// ---------------------------------------------------------------------------------------------
// Input checks.
// ---------------------------------------------------------------------------------------------

/** Checks ids are int32 [B, T] with T <= limit; returns [B, T]. */
export function checkIds(name: string, t: tf.Tensor, rank: number, maxLen?: number): number[] {
  if (t.dtype !== 'int32') {
    throw new TransformersError(
      'INVALID_INPUT',
      `${name} must be int32, found ${t.dtype}; build it with tf.tensor2d(ids, shape, 'int32')`,
    );
  }
  if (t.rank !== rank)
    throw new TransformersError(
      'INVALID_INPUT',
      `${name} must have rank ${rank}, found shape [${t.shape.join(', ')}]`,
    );
  const len = t.shape[rank - 1] as number;
  if (maxLen !== undefined && len > maxLen) {
    throw new TransformersError(
      'INVALID_INPUT',
      `${name} has sequence length ${len} but max_position_embeddings allows ${maxLen}; truncate the inputs`,
    );
  }
  return t.shape;
}

export function checkSameShape(name: string, t: tf.Tensor | undefined, shape: number[]): void {
  if (t && (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new TransformersError(
      'INVALID_INPUT',
      `${name} has shape [${t.shape.join(', ')}] but inputIds has [${shape.join(', ')}]`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Loading and saving.
// ---------------------------------------------------------------------------------------------

/** What fromPretrained found, as HF's output_loading_info reports it. */
export interface LoadingInfo {
  /** Model weights the checkpoint lacked (left randomly initialised, as HF does). */
  missingKeys: string[];
  /** Checkpoint tensors the model has no use for. */
  unexpectedKeys: string[];
}

export interface FromPretrainedOptions {
  /** Throw when keys are missing or unexpected instead of reporting them. Default false. */
  strict?: boolean;
  /** Receives the missing / unexpected key report (default: console.warn). */
  onWarning?: (message: string) => void;
  /** Fields that override config.json, as HF's from_pretrained kwargs (e.g. { num_labels: 3 }). */
  configOverrides?: ConfigDict;
}

/** Reads `<dir>/config.json` (dir may be an HF cache folder) into `configClass`, with overrides. */
export async function loadConfig<C extends PretrainedConfig>(
  configClass: ConfigClass<C>,
  dir: string,
  overrides: ConfigDict = {},
): Promise<{ root: string; config: C }> {
  const root = await resolveModelDir(dir);
  const { file, dict } = await readConfigFile(root);
  const merged: ConfigDict = { ...dict, ...overrides };
  if ('num_labels' in overrides && !('id2label' in overrides)) {
    delete merged.id2label;
    delete merged.label2id;
  }
  const config = new configClass(merged, file);
  if (dict.model_type !== undefined && dict.model_type !== config.model_type) {
    throw new TransformersError(
      'MODEL_TYPE_MISMATCH',
      `${file}: model_type is '${String(dict.model_type)}' but a '${config.model_type}' model was requested; use the Auto classes or the matching model class`,
    );
  }
  return { root, config };
}

/** Buffers older checkpoints carry that are not weights (HF _keys_to_ignore_on_load_unexpected). */
const IGNORED_UNEXPECTED = [/(^|\.)position_ids$/, /(^|\.)embeddings\.token_type_ids$/];

/**
 * Common base of every model class: the parameter store, weight loading with HF's key rules,
 * and saving. Subclasses build their module tree in the constructor and implement forward.
 */
export abstract class PreTrainedModelBase<C extends PretrainedConfig> implements PreTrainedModel {
  protected readonly params: ParamStore;
  /** Set by fromPretrained. */
  loadingInfo: LoadingInfo = { missingKeys: [], unexpectedKeys: [] };

  protected constructor(
    readonly config: C,
    initializerRange: number,
  ) {
    this.params = new ParamStore(initializerRange);
  }

  /** HF class name, written to config.json `architectures`. */
  abstract readonly architecture: string;
  /** base_model_prefix ('bert'); heads nest the base model under it. */
  abstract readonly baseModelPrefix: string;
  /** Whether this is the base model (its keys carry no prefix). */
  protected get isBaseModel(): boolean {
    return false;
  }
  /** Checkpoint keys that are aliases of one of our variables (tied weights) -> owner name. */
  protected tiedKeys(): Record<string, string> {
    return {};
  }

  abstract forward(inputs: ModelInputs, options?: ForwardOptions): ModelOutput;

  /**
   * Loads a model folder (config.json + model.safetensors or sharded safetensors), or an HF hub
   * cache folder models--org--name, offline.
   *
   * @example
   * const model = await BertForSequenceClassification.fromPretrained('./my-bert', { configOverrides: { num_labels: 3 } });
   */
  static async fromPretrained<M extends PreTrainedModelBase<PretrainedConfig>>(
    this: { new (config: never): M; readonly configClass: ConfigClass },
    dir: string,
    options: FromPretrainedOptions = {},
  ): Promise<M> {
    // `this` is the concrete class the method is called on (BertForMaskedLM.fromPretrained).
    // biome-ignore lint/complexity/noThisInStatic: polymorphic static factory, typed by the `this` parameter
    const { root, config } = await loadConfig(this.configClass, dir, options.configOverrides);
    const model = new this(config as never);
    try {
      await model.loadWeightsFrom(root, options);
    } catch (err) {
      model.dispose();
      throw err;
    }
    return model;
  }

  namedParameters(): Map<string, tf.Variable> {
    return new Map(this.params.vars);
  }

  /**
   * Loads checkpoint tensors into the variables, with HF's rules: LayerNorm gamma/beta read as
   * weight/bias; the base-model prefix added or stripped as needed; tied aliases accepted; every
   * shape checked (all mismatches are listed in one error). Returns missing / unexpected keys.
   */
  loadStateDict(tensors: ReadonlyMap<string, SafetensorsTensor>, source: string): LoadingInfo {
    const prefix = `${this.baseModelPrefix}.`;
    const ours = this.params.vars;
    const tied = this.tiedKeys();
    // 1. Legacy TF-era names.
    const renamed = new Map<string, { orig: string; t: SafetensorsTensor }>();
    for (const [orig, t] of tensors) {
      const k = orig.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
      renamed.set(k, { orig, t });
    }
    // 2. Prefix: a head loading a base checkpoint adds it; a base model loading a head checkpoint strips it.
    const ckptHasPrefix = [...renamed.keys()].some((k) => k.startsWith(prefix));
    const mapped = new Map<string, { orig: string; t: SafetensorsTensor }>();
    for (const [k, v] of renamed) {
      let key = k;
      if (this.isBaseModel && ckptHasPrefix) {
        if (k.startsWith(prefix)) key = k.slice(prefix.length);
        else key = `\u0000${k}`; // head weights: unexpected for the base model
      } else if (!this.isBaseModel && !ckptHasPrefix && !ours.has(k) && ours.has(prefix + k)) {
        key = prefix + k;
      }
      mapped.set(key, v);
    }
    // 3. Shapes first, so a mismatch changes nothing.
    const mismatches: string[] = [];
    for (const [name, v] of ours) {
      const got = mapped.get(name);
      if (
        got &&
        (got.t.shape.length !== v.shape.length || got.t.shape.some((d, i) => d !== v.shape[i]))
      ) {
        mismatches.push(
          `'${got.orig}': checkpoint [${got.t.shape.join(', ')}] vs model [${v.shape.join(', ')}]`,
        );
      }
    }
    if (mismatches.length > 0) {
      throw new TransformersError(
        'SHAPE_MISMATCH',
        `${source}: shape mismatch for ${mismatches.join('; ')}; check that config.json matches the weights`,
      );
    }
    // 4. Assign.
    const missingKeys: string[] = [];
    for (const [name, v] of ours) {
      const got = mapped.get(name);
      if (!got) {
        missingKeys.push(name);
        continue;
      }
      const { dtype, data } = got.t;
      if (!(dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64')) {
        throw new TransformersError(
          'INVALID_CHECKPOINT',
          `${source}: '${got.orig}' has dtype ${dtype} but the model weight is floating point`,
        );
      }
      const values = data instanceof Float32Array ? data : Float32Array.from(data as Float64Array);
      tf.tidy(() => v.assign(tf.tensor(values, v.shape, 'float32')));
    }
    const unexpectedKeys: string[] = [];
    for (const [k, { orig, t }] of mapped) {
      if (ours.has(k)) continue;
      const owner = tied[k];
      if (owner !== undefined && ours.has(owner)) {
        const o = ours.get(owner) as tf.Variable;
        if (t.shape.length === o.shape.length && t.shape.every((d, i) => d === o.shape[i]))
          continue;
      }
      if (IGNORED_UNEXPECTED.some((re) => re.test(orig))) continue;
      // Heads built without the pooler (masked LM, token classification, QA) skip a
      // checkpoint's pooler silently, as HF's _keys_to_ignore_on_load_unexpected = ["pooler"].
      if (/(^|\.)pooler\./.test(k) && ![...ours.keys()].some((n) => /(^|\.)pooler\./.test(n)))
        continue;
      unexpectedKeys.push(orig);
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Reads a model folder's weights into this model and reports like HF (see FromPretrainedOptions). */
  async loadWeightsFrom(dir: string, options: FromPretrainedOptions = {}): Promise<LoadingInfo> {
    const tensors = await loadSafetensorsCheckpoint(dir);
    const info = this.loadStateDict(tensors, dir);
    this.loadingInfo = info;
    const parts: string[] = [];
    if (info.missingKeys.length > 0) {
      parts.push(
        `Some weights of ${this.architecture} were not in the checkpoint and are newly initialized: ${info.missingKeys.join(', ')}. Train the model before using it for predictions.`,
      );
    }
    if (info.unexpectedKeys.length > 0) {
      parts.push(
        `Some weights of the checkpoint were not used when initializing ${this.architecture}: ${info.unexpectedKeys.join(', ')}.`,
      );
    }
    if (parts.length > 0) {
      const msg = `${dir}: ${parts.join(' ')}`;
      if (options.strict) throw new TransformersError('CHECKPOINT_KEYS', msg);
      (options.onWarning ?? ((m: string) => console.warn(m)))(msg);
    }
    return info;
  }

  /** Weights as safetensors F32 tensors with HF names and shapes. */
  stateDict(): Map<string, SafetensorsTensor> {
    const out = new Map<string, SafetensorsTensor>();
    for (const [name, v] of this.params.vars)
      out.set(name, { dtype: 'F32', shape: [...v.shape], data: v.dataSync() as Float32Array });
    return out;
  }

  /**
   * Writes config.json (with `architectures` = this class) and model.safetensors (format pt),
   * each atomically. `maxShardBytes` splits the weights into HF-named shards + index.
   */
  async savePretrained(dir: string, options: { maxShardBytes?: number } = {}): Promise<void> {
    const dict = { ...this.config.toDict(), architectures: [this.architecture] };
    await saveSafetensorsCheckpoint(dir, this.stateDict(), {
      metadata: { format: 'pt' },
      ...options,
    });
    await writeFileAtomic(path.join(dir, 'config.json'), `${JSON.stringify(dict, null, 2)}\n`);
  }

  dispose(): void {
    for (const v of this.params.vars.values()) v.dispose();
    this.params.vars.clear();
  }
}
