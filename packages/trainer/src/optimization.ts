import * as tf from '@tensorflow/tfjs';
import { TrainerError } from './errors.js';
import {
  type AdamScalars,
  type ResourceVariable,
  type TensorflowAdam,
  tensorflowAdam,
} from './tensorflow_adam.js';
import type { SchedulerType } from './training_args.js';

// ---------------------------------------------------------------------------------------------
// Parameter groups
// ---------------------------------------------------------------------------------------------

/**
 * HF Trainer's name patterns for parameters that get no weight decay (lower-cased name):
 * biases and every normalisation layer ('LayerNorm', 'layer_norm', 'norm', 'rmsnorm').
 * HF also excludes parameters of nn.LayerNorm modules by type; names are all we have here, and
 * every BERT-family checkpoint names its LayerNorms so that these patterns catch them.
 */
const NO_DECAY_PATTERNS: readonly RegExp[] = [
  /bias/,
  /layernorm/,
  /rmsnorm/,
  /(?:^|\.)norm(?:$|\.)/,
  /_norm(?:$|\.)/,
];

/**
 * The parameter names weight decay applies to, as HF Trainer's `get_decay_parameter_names`.
 *
 * `['bert.encoder.layer.0.output.dense.weight', 'bert.encoder.layer.0.output.dense.bias',
 *   'bert.encoder.layer.0.output.LayerNorm.weight']` -> `['bert.encoder.layer.0.output.dense.weight']`
 */
export function getDecayParameterNames(names: Iterable<string>): string[] {
  const out: string[] = [];
  for (const name of names) {
    const lower = name.toLowerCase();
    if (!NO_DECAY_PATTERNS.some((p) => p.test(lower))) out.push(name);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// AdamW
// ---------------------------------------------------------------------------------------------

/** Options of {@link AdamW}; defaults are torch.optim.AdamW's except weightDecay (HF's 0). */
export interface AdamWOptions {
  /** Default 1e-3 (torch); the Trainer passes TrainingArguments.learningRate. */
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Applied only to the names in `decayParameterNames`. Default 0. */
  weightDecay?: number;
  /** Names that get weight decay; default: {@link getDecayParameterNames} of the parameters. */
  decayParameterNames?: Iterable<string>;
}

interface SlotPair {
  /** torch's per-parameter state['step']: a parameter without a gradient is skipped. */
  step: number;
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
}

/**
 * The same state on the tensorflow backend: the moments live in TF resource variables updated
 * in place by one fused kernel (tensorflow_adam.ts); `param` is the kernel's working copy of the
 * parameter. `mirror` holds the moments read out for checkpoints, until the next step.
 */
interface NativeSlot {
  step: number;
  param: ResourceVariable;
  expAvg: ResourceVariable;
  expAvgSq: ResourceVariable;
  mirror?: [tf.Tensor, tf.Tensor];
}

/**
 * AdamW exactly as torch.optim.AdamW (single-tensor path, amsgrad off), over named tf.Variables,
 * with two parameter groups as HF Trainer builds them (decay / no decay).
 *
 * Per parameter p with gradient g, at step t (1-based), learning rate lr:
 * 1. p <- p * (1 - lr * weight_decay)             decoupled decay (decay group only)
 * 2. m <- lerp(m, g, 1 - beta1)                   first moment
 * 3. v <- v * beta2 + (1 - beta2) * g * g         second moment
 * 4. denom <- sqrt(v) / sqrt(1 - beta2^t) + eps   eps added after the bias correction
 * 5. p <- p - lr / (1 - beta1^t) * m / denom
 * Scalars are computed in float64 and applied in float32, as torch does.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  learningRate: number;
  private readonly params: Map<string, tf.Variable>;
  private readonly decay: Set<string>;
  private readonly slots = new Map<string, SlotPair>();
  private readonly nativeSlots = new Map<string, NativeSlot>();
  /** The fused kernel when the backend has it; fixed at the first step (state lives there). */
  private native: TensorflowAdam | null | undefined;
  private stepCount = 0;

  constructor(params: Map<string, tf.Variable>, options: AdamWOptions = {}) {
    this.params = new Map(params);
    this.learningRate = options.learningRate ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.decay = new Set(options.decayParameterNames ?? getDecayParameterNames(this.params.keys()));
    for (const name of this.decay) {
      if (!this.params.has(name)) {
        throw new TrainerError(
          'INVALID_ARGUMENT',
          `AdamW: decayParameterNames names '${name}', which is not one of the optimized parameters`,
        );
      }
    }
  }

  /** Optimizer steps taken so far (torch's state['step']). */
  get step(): number {
    return this.stepCount;
  }

  /** The parameter names of the decay group, then of the no-decay group (HF's two groups). */
  get paramGroups(): { names: string[]; weightDecay: number }[] {
    const names = [...this.params.keys()];
    return [
      { names: names.filter((n) => this.decay.has(n)), weightDecay: this.weightDecay },
      { names: names.filter((n) => !this.decay.has(n)), weightDecay: 0 },
    ];
  }

  /**
   * One update with the given gradients (keyed by parameter name) at the current `learningRate`.
   * As in torch, a parameter without a gradient (unused by this forward) is left untouched, decay
   * included, and its own step count does not advance. The gradients are not disposed.
   */
  applyGradients(grads: Map<string, tf.Tensor>): void {
    for (const name of grads.keys()) {
      if (!this.params.has(name)) {
        throw new TrainerError(
          'INTERNAL',
          `AdamW: gradient for '${name}', which is not an optimized parameter`,
        );
      }
    }
    this.stepCount += 1;
    if (this.native === undefined) this.native = this.slots.size === 0 ? tensorflowAdam() : null;
    if (this.native) {
      this.applyNative(this.native, grads);
      return;
    }
    const lr = this.learningRate;
    // Scalars are uploaded once per step and shared by every parameter (on native backends each
    // scalar is a tensor upload; per-parameter scalars cost more than the update itself).
    const perStep = new Map<number, { negStepSize: tf.Scalar; bc2Sqrt: tf.Scalar }>();
    const decayScale = this.weightDecay !== 0 ? tf.scalar(1 - lr * this.weightDecay) : undefined;
    const consts = this.constants();
    try {
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        if (g === undefined) continue;
        const slot = this.slotFor(name, p);
        slot.step += 1;
        const t = slot.step;
        let sc = perStep.get(t);
        if (!sc) {
          const biasCorrection1 = 1 - this.beta1 ** t;
          sc = {
            negStepSize: tf.scalar(-(lr / biasCorrection1)),
            bc2Sqrt: tf.scalar(Math.sqrt(1 - this.beta2 ** t)),
          };
          perStep.set(t, sc);
        }
        const step = sc;
        const decay = this.decay.has(name) ? decayScale : undefined;
        tf.tidy(() => {
          // 1. decoupled weight decay
          const param: tf.Tensor = decay ? p.mul(decay) : p;
          // 2. m.lerp_(g, w), w = 1 - beta1: m + w * (g - m) when w < 0.5, else g - (g - m) * (1 - w)
          const m = consts.lerpSmall
            ? slot.expAvg.add(g.sub(slot.expAvg).mul(consts.lerpWeight))
            : g.sub(g.sub(slot.expAvg).mul(consts.lerpWeight));
          // 3. v * beta2 + (1 - beta2) * g * g
          const v = slot.expAvgSq.mul(consts.beta2).add(g.mul(g).mul(consts.oneMinusBeta2));
          // 4. denom = sqrt(v) / sqrt(bc2) + eps
          const denom = v.sqrt().div(step.bc2Sqrt).add(consts.eps);
          // 5. p - step_size * m / denom
          const next = param.add(m.div(denom).mul(step.negStepSize));
          slot.expAvg.assign(m);
          slot.expAvgSq.assign(v);
          p.assign(next);
        });
      }
    } finally {
      decayScale?.dispose();
      for (const sc of perStep.values()) {
        sc.negStepSize.dispose();
        sc.bc2Sqrt.dispose();
      }
    }
  }

  /** {@link applyGradients} on the tensorflow backend: same formula, one fused kernel each. */
  private applyNative(adam: TensorflowAdam, grads: Map<string, tf.Tensor>): void {
    const lr = this.learningRate;
    const scalars: tf.Tensor[] = [];
    const scalar = (x: number): tf.Scalar => {
      const t = tf.scalar(x);
      scalars.push(t);
      return t;
    };
    const shared = { zero: scalar(0), beta1: scalar(this.beta1), beta2: scalar(this.beta2) };
    const perStep = new Map<number, AdamScalars>();
    const decayScale = this.weightDecay !== 0 ? scalar(1 - lr * this.weightDecay) : undefined;
    try {
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        if (g === undefined) continue;
        const slot = this.nativeSlotFor(adam, name, p);
        slot.step += 1;
        const t = slot.step;
        let sc = perStep.get(t);
        if (!sc) {
          const bc1 = 1 - this.beta1 ** t;
          const bc2Sqrt = Math.sqrt(1 - this.beta2 ** t);
          sc = {
            ...shared,
            alpha: scalar((lr * bc2Sqrt) / bc1),
            epsilon: scalar(this.epsilon * bc2Sqrt),
          };
          perStep.set(t, sc);
        }
        if (slot.mirror) {
          tf.dispose(slot.mirror);
          slot.mirror = undefined;
        }
        const step = sc;
        tf.tidy(() => {
          if (this.decay.has(name) && decayScale) {
            // A fresh tensor the variable then owns alone: the kernel updates it in place.
            const decayed = p.mul(decayScale);
            slot.param.assign(decayed);
            decayed.dispose();
          } else {
            slot.param.assign(p);
          }
          adam.apply(slot.param, slot.expAvg, slot.expAvgSq, step, g);
          p.assign(slot.param.read());
        });
      }
    } finally {
      tf.dispose(scalars);
    }
  }

  private nativeSlotFor(adam: TensorflowAdam, name: string, p: tf.Variable): NativeSlot {
    let slot = this.nativeSlots.get(name);
    if (!slot) {
      slot = {
        step: 0,
        param: adam.variable(p.shape),
        expAvg: adam.variable(p.shape),
        expAvgSq: adam.variable(p.shape),
      };
      const s = slot;
      tf.tidy(() => {
        s.expAvg.assign(tf.zerosLike(p));
        s.expAvgSq.assign(tf.zerosLike(p));
      });
      this.nativeSlots.set(name, slot);
    }
    return slot;
  }

  private constantTensors:
    | {
        lerpSmall: boolean;
        lerpWeight: tf.Scalar;
        beta2: tf.Scalar;
        oneMinusBeta2: tf.Scalar;
        eps: tf.Scalar;
      }
    | undefined;

  /** beta / eps scalars, uploaded once (freed by dispose). */
  private constants(): NonNullable<AdamW['constantTensors']> {
    if (!this.constantTensors) {
      const w = 1 - this.beta1;
      this.constantTensors = {
        lerpSmall: w < 0.5,
        lerpWeight: tf.scalar(w < 0.5 ? w : 1 - w),
        beta2: tf.scalar(this.beta2),
        oneMinusBeta2: tf.scalar(1 - this.beta2),
        eps: tf.scalar(this.epsilon),
      };
    }
    return this.constantTensors;
  }

  /**
   * Per parameter that has state: `<name>.exp_avg`, `<name>.exp_avg_sq` (tensors) and its step,
   * for checkpoints.
   */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const name of this.params.keys()) {
      const native = this.nativeSlots.get(name);
      if (native) {
        native.mirror ??= [native.expAvg.read(), native.expAvgSq.read()];
        out.set(`${name}.exp_avg`, native.mirror[0]);
        out.set(`${name}.exp_avg_sq`, native.mirror[1]);
        continue;
      }
      const slot = this.slots.get(name);
      if (!slot) continue;
      out.set(`${name}.exp_avg`, slot.expAvg);
      out.set(`${name}.exp_avg_sq`, slot.expAvgSq);
    }
    return out;
  }

  /** Per-parameter step counts of the parameters that have state. */
  paramSteps(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, slot] of this.slots) out[name] = slot.step;
    for (const [name, slot] of this.nativeSlots) out[name] = slot.step;
    return out;
  }

  /**
   * Restores the optimizer from {@link stateTensors} + {@link AdamW.paramSteps} output (values are
   * copied). `where` names the source in errors (e.g. the checkpoint file).
   */
  loadState(
    step: number,
    paramSteps: Record<string, number>,
    tensors: Map<string, { shape: number[]; data: Float32Array }>,
    where: string,
  ): void {
    if (!Number.isInteger(step) || step < 0) {
      throw new TrainerError(
        'BAD_CHECKPOINT',
        `${where}: optimizer step must be an integer >= 0, found ${step}`,
      );
    }
    for (const [name, s] of Object.entries(paramSteps)) {
      const p = this.params.get(name);
      if (!p) {
        throw new TrainerError(
          'BAD_CHECKPOINT',
          `${where}: optimizer state for '${name}', which this run does not train (was the checkpoint written with a different freezing strategy?)`,
        );
      }
      if (!Number.isInteger(s) || s < 1) {
        throw new TrainerError(
          'BAD_CHECKPOINT',
          `${where}: step of '${name}' must be an integer >= 1, found ${s}`,
        );
      }
      for (const key of ['exp_avg', 'exp_avg_sq'] as const) {
        const entry = tensors.get(`${name}.${key}`);
        if (!entry) {
          throw new TrainerError(
            'BAD_CHECKPOINT',
            `${where}: missing optimizer state '${name}.${key}'`,
          );
        }
        if (entry.shape.join(',') !== p.shape.join(',')) {
          throw new TrainerError(
            'BAD_CHECKPOINT',
            `${where}: '${name}.${key}' has shape [${entry.shape}], expected [${p.shape}]`,
          );
        }
      }
    }
    this.disposeSlots();
    this.stepCount = step;
    if (this.native === undefined) this.native = tensorflowAdam();
    const native = this.native;
    if (native) {
      for (const [name, s] of Object.entries(paramSteps)) {
        const p = this.params.get(name) as tf.Variable;
        const slot: NativeSlot = {
          step: s,
          param: native.variable(p.shape),
          expAvg: native.variable(p.shape),
          expAvgSq: native.variable(p.shape),
        };
        const a = tensors.get(`${name}.exp_avg`) as { data: Float32Array };
        const b = tensors.get(`${name}.exp_avg_sq`) as { data: Float32Array };
        tf.tidy(() => {
          slot.expAvg.assign(tf.tensor(a.data, p.shape, 'float32'));
          slot.expAvgSq.assign(tf.tensor(b.data, p.shape, 'float32'));
        });
        this.nativeSlots.set(name, slot);
      }
      return;
    }
    for (const [name, s] of Object.entries(paramSteps)) {
      const p = this.params.get(name) as tf.Variable;
      const a = tensors.get(`${name}.exp_avg`) as { data: Float32Array };
      const b = tensors.get(`${name}.exp_avg_sq`) as { data: Float32Array };
      this.slots.set(name, {
        step: s,
        expAvg: tf.tidy(() => tf.variable(tf.tensor(a.data, p.shape, 'float32'), false)),
        expAvgSq: tf.tidy(() => tf.variable(tf.tensor(b.data, p.shape, 'float32'), false)),
      });
    }
  }

  /** Frees the moment tensors and the cached scalars. */
  dispose(): void {
    this.disposeSlots();
    if (this.constantTensors) {
      const c = this.constantTensors;
      for (const t of [c.lerpWeight, c.beta2, c.oneMinusBeta2, c.eps]) t.dispose();
      this.constantTensors = undefined;
    }
  }

  private disposeSlots(): void {
    for (const s of this.slots.values()) {
      s.expAvg.dispose();
      s.expAvgSq.dispose();
    }
    this.slots.clear();
    for (const s of this.nativeSlots.values()) {
      if (s.mirror) tf.dispose(s.mirror);
      s.param.destroy();
      s.expAvg.destroy();
      s.expAvgSq.destroy();
    }
    this.nativeSlots.clear();
  }

  private slotFor(name: string, p: tf.Variable): SlotPair {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = {
        step: 0,
        expAvg: tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
        expAvgSq: tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      };
      this.slots.set(name, slot);
    }
    return slot;
  }
}

// ---------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------

/**
 * The multiplier of the base learning rate at `step`, as HF's `get_scheduler` lambdas:
 * - constant: 1
 * - constant_with_warmup: step / warmup during warmup, then 1
 * - linear: warmup, then (total - step) / (total - warmup), floored at 0
 * - cosine: warmup, then 0.5 * (1 + cos(pi * progress)), progress = (step - warmup) / (total - warmup)
 */
export function scheduleFactor(
  type: SchedulerType,
  step: number,
  numWarmupSteps: number,
  numTrainingSteps: number,
): number {
  if (type === 'constant') return 1;
  if (step < numWarmupSteps) return step / Math.max(1, numWarmupSteps);
  switch (type) {
    case 'constant_with_warmup':
      return 1;
    case 'linear':
      return Math.max(
        0,
        (numTrainingSteps - step) / Math.max(1, numTrainingSteps - numWarmupSteps),
      );
    case 'cosine': {
      const progress = (step - numWarmupSteps) / Math.max(1, numTrainingSteps - numWarmupSteps);
      // num_cycles = 0.5: half a cosine wave from 1 down to 0
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
    }
    default:
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `lrSchedulerType: expected 'linear', 'cosine', 'constant' or 'constant_with_warmup', found '${String(type)}'`,
      );
  }
}

/** The JSON state of an {@link LRScheduler} (scheduler.json in checkpoints). */
export interface SchedulerState {
  type: SchedulerType;
  base_lrs: number[];
  last_epoch: number;
  num_warmup_steps: number;
  num_training_steps: number;
  _last_lr: number[];
}

/**
 * torch LambdaLR over one base learning rate: construction sets the rate for step 0, each
 * `step()` (called after each optimizer step) moves to the next. `getLastLr()` is what HF logs as
 * `learning_rate`.
 */
export class LRScheduler {
  private lastEpoch = 0;

  constructor(
    readonly type: SchedulerType,
    readonly baseLr: number,
    readonly numWarmupSteps: number,
    readonly numTrainingSteps: number,
  ) {
    scheduleFactor(type, 0, numWarmupSteps, numTrainingSteps);
  }

  /** The rate for the next optimizer step. */
  getLastLr(): number {
    return (
      this.baseLr *
      scheduleFactor(this.type, this.lastEpoch, this.numWarmupSteps, this.numTrainingSteps)
    );
  }

  /** Advances one optimizer step. */
  step(): void {
    this.lastEpoch += 1;
  }

  /** Steps taken (torch's last_epoch). */
  get lastStep(): number {
    return this.lastEpoch;
  }

  stateDict(): SchedulerState {
    return {
      type: this.type,
      base_lrs: [this.baseLr],
      last_epoch: this.lastEpoch,
      num_warmup_steps: this.numWarmupSteps,
      num_training_steps: this.numTrainingSteps,
      _last_lr: [this.getLastLr()],
    };
  }

  /** Restores a state from {@link stateDict}; the schedule itself must match. */
  loadStateDict(state: SchedulerState, where: string): void {
    const same =
      state.type === this.type &&
      state.num_warmup_steps === this.numWarmupSteps &&
      state.num_training_steps === this.numTrainingSteps &&
      state.base_lrs?.[0] === this.baseLr;
    if (!same) {
      throw new TrainerError(
        'BAD_CHECKPOINT',
        `${where}: the saved schedule (${state.type}, base lr ${state.base_lrs?.[0]}, warmup ${state.num_warmup_steps}, total ${state.num_training_steps}) differs from this run's (${this.type}, base lr ${this.baseLr}, warmup ${this.numWarmupSteps}, total ${this.numTrainingSteps}); resume with the same TrainingArguments`,
      );
    }
    if (!Number.isInteger(state.last_epoch) || state.last_epoch < 0) {
      throw new TrainerError(
        'BAD_CHECKPOINT',
        `${where}: last_epoch must be an integer >= 0, found ${state.last_epoch}`,
      );
    }
    this.lastEpoch = state.last_epoch;
  }
}

/**
 * HF's `get_scheduler(name, optimizer, num_warmup_steps, num_training_steps)`.
 *
 * `getScheduler('linear', 5e-5, 10, 100).getLastLr()` -> 0 (warmup starts at 0).
 */
export function getScheduler(
  type: SchedulerType,
  baseLr: number,
  numWarmupSteps: number,
  numTrainingSteps: number,
): LRScheduler {
  return new LRScheduler(type, baseLr, numWarmupSteps, numTrainingSteps);
}

// ---------------------------------------------------------------------------------------------
// Clipping
// ---------------------------------------------------------------------------------------------

/**
 * Global L2-norm clipping as torch.nn.utils.clip_grad_norm_:
 * total = ||(||g_1||, ..., ||g_n||)||, coef = min(1, maxNorm / (total + 1e-6)), g_i <- g_i * coef.
 * Returns new gradient tensors (the inputs are not disposed) and the total norm before clipping.
 */
export function clipGradNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): { grads: Map<string, tf.Tensor>; totalNorm: number } {
  const names = [...grads.keys()];
  const tensors = names.map((n) => grads.get(n) as tf.Tensor);
  const [total, clipped] = tf.tidy(() => {
    // sqrt(sum_i sum(g_i^2)) = ||(||g_1||, ..., ||g_n||)||, in 2 ops per tensor + 2
    const totalNorm = sumOfSquaresNorm(tensors);
    const coef = tf.minimum(tf.scalar(maxNorm).div(totalNorm.add(tf.scalar(1e-6))), tf.scalar(1));
    return [totalNorm, tensors.map((g) => g.mul(coef))] as const;
  });
  const totalNorm = (total.dataSync() as Float32Array)[0] as number;
  total.dispose();
  const out = new Map<string, tf.Tensor>();
  names.forEach((n, i) => {
    out.set(n, clipped[i] as tf.Tensor);
  });
  return { grads: out, totalNorm };
}

/** The global L2 norm of the gradients, without clipping (what HF logs when clipping is off). */
export function globalGradNorm(grads: Map<string, tf.Tensor>): number {
  const t = tf.tidy(() => sumOfSquaresNorm([...grads.values()]));
  const v = (t.dataSync() as Float32Array)[0] as number;
  t.dispose();
  return v;
}

function sumOfSquaresNorm(tensors: tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  const squares = tensors.map((g) => tf.sum(tf.square(g)));
  return tf.sqrt(squares.length === 1 ? (squares[0] as tf.Scalar) : tf.addN(squares)) as tf.Scalar;
}
