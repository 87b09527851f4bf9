import { TrainerError } from './errors.js';

/** Learning-rate schedules, as HF's `SchedulerType` values. */
export type SchedulerType = 'linear' | 'cosine' | 'constant' | 'constant_with_warmup';
/** When to evaluate / log: HF's `IntervalStrategy`. */
export type IntervalStrategy = 'no' | 'steps' | 'epoch';
/** When to save: HF's `SaveStrategy` ('best' saves whenever the best metric improves). */
export type SaveStrategy = 'no' | 'steps' | 'epoch' | 'best';
/** HF's `log_level`: 'info' (and 'passive') print each log dict when no progress bar is shown. */
export type LogLevel = 'passive' | 'debug' | 'info' | 'warning' | 'error';

/**
 * Options of {@link TrainingArguments}: HF `TrainingArguments` fields in camelCase. Only
 * `outputDir` is required; every default is HF's.
 */
export interface TrainingArgumentsInit {
  /** Where checkpoints (`checkpoint-<step>/`), `trainer_state.json` and `trainer_log.jsonl` go. */
  outputDir: string;
  /** Epochs when `maxSteps` is not set; may be fractional. Default 3. */
  numTrainEpochs?: number;
  /** Optimizer steps; > 0 overrides `numTrainEpochs`. Default -1 (use epochs). */
  maxSteps?: number;
  /** Default 8. */
  perDeviceTrainBatchSize?: number;
  /** Default 8. */
  perDeviceEvalBatchSize?: number;
  /** Micro-batches summed before one optimizer step. Default 1. */
  gradientAccumulationSteps?: number;
  /** Peak learning rate. Default 5e-5. */
  learningRate?: number;
  /** Decoupled (AdamW) weight decay, not applied to biases and LayerNorm weights. Default 0. */
  weightDecay?: number;
  /** Default 0.9. */
  adamBeta1?: number;
  /** Default 0.999. */
  adamBeta2?: number;
  /** Default 1e-8. */
  adamEpsilon?: number;
  /** Global L2 norm clipping; 0 disables it. Default 1.0. */
  maxGradNorm?: number;
  /** Default 'linear'. */
  lrSchedulerType?: SchedulerType;
  /** Fraction of the training steps used for linear warmup (when `warmupSteps` is 0). Default 0. */
  warmupRatio?: number;
  /** Warmup steps; when > 0 it wins over `warmupRatio`. Default 0. */
  warmupSteps?: number;
  /** Default 'no'. */
  evalStrategy?: IntervalStrategy;
  /** Evaluate every N steps when `evalStrategy` is 'steps'. Default: `loggingSteps`. */
  evalSteps?: number;
  /** Default 'steps'. */
  saveStrategy?: SaveStrategy;
  /** Default 500. */
  saveSteps?: number;
  /** Keep at most this many checkpoints (the best one is never deleted). Default: keep all. */
  saveTotalLimit?: number;
  /** Default 'steps'. */
  loggingStrategy?: IntervalStrategy;
  /** Default 500. */
  loggingSteps?: number;
  /** Log the first optimizer step too. Default false. */
  loggingFirstStep?: boolean;
  /**
   * Seeds the training data order (a permutation per epoch from seed and epoch) and the dropout
   * masks (the model's dropout RNG, reseeded from seed and step before each optimizer step).
   * Default 42.
   */
  seed?: number;
  /** Reload the best checkpoint after training. Default false. */
  loadBestModelAtEnd?: boolean;
  /** Metric name, with or without the 'eval_' prefix. Default 'loss' when loadBestModelAtEnd. */
  metricForBestModel?: string;
  /** Default: false for metrics named '*loss', else true. */
  greaterIsBetter?: boolean;
  /** Drop the last incomplete training batch. Default false. */
  dataloaderDropLast?: boolean;
  /** Feature names that hold labels. Default: ['labels'] (and ['labels', 'next_sentence_label'] for pre-training models, found from the batch). */
  labelNames?: string[];
  /** Hide the progress bar. Default: hidden when stdout is not a TTY or CI is set. */
  disableTqdm?: boolean;
  /** Default 'passive' (= 'info'). */
  logLevel?: LogLevel;
}

const SCHEDULERS: readonly SchedulerType[] = [
  'linear',
  'cosine',
  'constant',
  'constant_with_warmup',
];
const INTERVALS: readonly IntervalStrategy[] = ['no', 'steps', 'epoch'];
const SAVES: readonly SaveStrategy[] = ['no', 'steps', 'epoch', 'best'];
const LOG_LEVELS: readonly LogLevel[] = ['passive', 'debug', 'info', 'warning', 'error'];

const KNOWN_KEYS = new Set<string>([
  'outputDir',
  'numTrainEpochs',
  'maxSteps',
  'perDeviceTrainBatchSize',
  'perDeviceEvalBatchSize',
  'gradientAccumulationSteps',
  'learningRate',
  'weightDecay',
  'adamBeta1',
  'adamBeta2',
  'adamEpsilon',
  'maxGradNorm',
  'lrSchedulerType',
  'warmupRatio',
  'warmupSteps',
  'evalStrategy',
  'evalSteps',
  'saveStrategy',
  'saveSteps',
  'saveTotalLimit',
  'loggingStrategy',
  'loggingSteps',
  'loggingFirstStep',
  'seed',
  'loadBestModelAtEnd',
  'metricForBestModel',
  'greaterIsBetter',
  'dataloaderDropLast',
  'labelNames',
  'disableTqdm',
  'logLevel',
]);

function bad(name: string, expected: string, found: unknown, fix?: string): TrainerError {
  const shown =
    typeof found === 'string'
      ? `'${found}'`
      : typeof found === 'number'
        ? String(found)
        : (JSON.stringify(found) ?? String(found));
  return new TrainerError(
    'INVALID_ARGUMENT',
    `TrainingArguments.${name}: expected ${expected}, found ${shown}${fix ? `; ${fix}` : ''}`,
  );
}

function num(
  init: Record<string, unknown>,
  name: string,
  def: number,
  check: (v: number) => boolean,
  expected: string,
): number {
  const v = init[name];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw bad(name, expected, v);
  return v;
}

const isPosInt = (v: number): boolean => Number.isInteger(v) && v > 0;

function oneOf<T extends string>(
  init: Record<string, unknown>,
  name: string,
  def: T,
  allowed: readonly T[],
): T {
  const v = init[name];
  if (v === undefined) return def;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw bad(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
  }
  return v as T;
}

function bool(init: Record<string, unknown>, name: string, def: boolean): boolean {
  const v = init[name];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw bad(name, 'a boolean', v);
  return v;
}

/**
 * Validated training hyper-parameters with HF `TrainingArguments` semantics, camelCase.
 *
 * ```ts
 * const args = new TrainingArguments({ outputDir: 'out', learningRate: 2e-5, numTrainEpochs: 3 });
 * args.learningRate; // 2e-5
 * new TrainingArguments({ outputDir: 'out', adamBeta1: 1.5 });
 * // TrainerError [INVALID_ARGUMENT]: TrainingArguments.adamBeta1: expected a number in [0, 1), found 1.5
 * ```
 */
export class TrainingArguments {
  readonly outputDir: string;
  readonly numTrainEpochs: number;
  readonly maxSteps: number;
  readonly perDeviceTrainBatchSize: number;
  readonly perDeviceEvalBatchSize: number;
  readonly gradientAccumulationSteps: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly adamBeta1: number;
  readonly adamBeta2: number;
  readonly adamEpsilon: number;
  readonly maxGradNorm: number;
  readonly lrSchedulerType: SchedulerType;
  readonly warmupRatio: number;
  readonly warmupSteps: number;
  readonly evalStrategy: IntervalStrategy;
  readonly evalSteps: number;
  readonly saveStrategy: SaveStrategy;
  readonly saveSteps: number;
  readonly saveTotalLimit: number | undefined;
  readonly loggingStrategy: IntervalStrategy;
  readonly loggingSteps: number;
  readonly loggingFirstStep: boolean;
  readonly seed: number;
  readonly loadBestModelAtEnd: boolean;
  readonly metricForBestModel: string | undefined;
  readonly greaterIsBetter: boolean | undefined;
  readonly dataloaderDropLast: boolean;
  readonly labelNames: readonly string[] | undefined;
  readonly disableTqdm: boolean | undefined;
  readonly logLevel: LogLevel;

  constructor(init: TrainingArgumentsInit) {
    if (init === null || typeof init !== 'object') {
      throw bad('(options)', 'an object with at least outputDir', init);
    }
    const raw = init as unknown as Record<string, unknown>;
    for (const key of Object.keys(raw)) {
      if (!KNOWN_KEYS.has(key)) {
        throw new TrainerError(
          'INVALID_ARGUMENT',
          `TrainingArguments: unknown option '${key}' (supported: ${[...KNOWN_KEYS].join(', ')})`,
        );
      }
    }
    if (typeof raw.outputDir !== 'string' || raw.outputDir.length === 0) {
      throw bad('outputDir', 'a non-empty directory path', raw.outputDir);
    }
    this.outputDir = raw.outputDir;
    this.numTrainEpochs = num(raw, 'numTrainEpochs', 3, (v) => v > 0, 'a number > 0');
    this.maxSteps = num(
      raw,
      'maxSteps',
      -1,
      (v) => Number.isInteger(v) && (v === -1 || v > 0),
      'a positive integer, or -1 to train for numTrainEpochs',
    );
    this.perDeviceTrainBatchSize = num(
      raw,
      'perDeviceTrainBatchSize',
      8,
      isPosInt,
      'an integer >= 1',
    );
    this.perDeviceEvalBatchSize = num(
      raw,
      'perDeviceEvalBatchSize',
      8,
      isPosInt,
      'an integer >= 1',
    );
    this.gradientAccumulationSteps = num(
      raw,
      'gradientAccumulationSteps',
      1,
      isPosInt,
      'an integer >= 1',
    );
    this.learningRate = num(raw, 'learningRate', 5e-5, (v) => v >= 0, 'a number >= 0');
    this.weightDecay = num(raw, 'weightDecay', 0, (v) => v >= 0, 'a number >= 0');
    this.adamBeta1 = num(raw, 'adamBeta1', 0.9, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    this.adamBeta2 = num(raw, 'adamBeta2', 0.999, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    this.adamEpsilon = num(raw, 'adamEpsilon', 1e-8, (v) => v > 0, 'a number > 0');
    this.maxGradNorm = num(
      raw,
      'maxGradNorm',
      1.0,
      (v) => v >= 0,
      'a number >= 0 (0 disables clipping)',
    );
    this.lrSchedulerType = oneOf(raw, 'lrSchedulerType', 'linear', SCHEDULERS);
    this.warmupRatio = num(raw, 'warmupRatio', 0, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    this.warmupSteps = num(
      raw,
      'warmupSteps',
      0,
      (v) => Number.isInteger(v) && v >= 0,
      'an integer >= 0',
    );
    this.loggingStrategy = oneOf(raw, 'loggingStrategy', 'steps', INTERVALS);
    this.loggingSteps = num(raw, 'loggingSteps', 500, isPosInt, 'an integer >= 1');
    this.loggingFirstStep = bool(raw, 'loggingFirstStep', false);
    this.evalStrategy = oneOf(raw, 'evalStrategy', 'no', INTERVALS);
    this.evalSteps = num(raw, 'evalSteps', this.loggingSteps, isPosInt, 'an integer >= 1');
    this.saveStrategy = oneOf(raw, 'saveStrategy', 'steps', SAVES);
    this.saveSteps = num(raw, 'saveSteps', 500, isPosInt, 'an integer >= 1');
    this.saveTotalLimit =
      raw.saveTotalLimit === undefined
        ? undefined
        : num(raw, 'saveTotalLimit', 0, isPosInt, 'an integer >= 1 (or leave it unset)');
    this.seed = num(
      raw,
      'seed',
      42,
      (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff,
      'an integer in [0, 2^32)',
    );
    this.loadBestModelAtEnd = bool(raw, 'loadBestModelAtEnd', false);
    this.dataloaderDropLast = bool(raw, 'dataloaderDropLast', false);
    this.disableTqdm = raw.disableTqdm === undefined ? undefined : bool(raw, 'disableTqdm', false);
    this.logLevel = oneOf(raw, 'logLevel', 'passive', LOG_LEVELS);

    const metric = raw.metricForBestModel;
    if (metric !== undefined && (typeof metric !== 'string' || metric.length === 0)) {
      throw bad('metricForBestModel', "a metric name such as 'accuracy' or 'eval_loss'", metric);
    }
    // HF: load_best_model_at_end without a metric tracks the loss; 'best' saving needs a metric.
    this.metricForBestModel =
      (metric as string | undefined) ??
      (this.loadBestModelAtEnd || this.saveStrategy === 'best' ? 'loss' : undefined);
    const gib = raw.greaterIsBetter;
    if (gib !== undefined && typeof gib !== 'boolean')
      throw bad('greaterIsBetter', 'a boolean', gib);
    this.greaterIsBetter =
      (gib as boolean | undefined) ??
      (this.metricForBestModel === undefined
        ? undefined
        : !this.metricForBestModel.endsWith('loss'));

    const labels = raw.labelNames;
    if (labels !== undefined) {
      if (
        !Array.isArray(labels) ||
        labels.length === 0 ||
        !labels.every((l) => typeof l === 'string' && l.length > 0)
      ) {
        throw bad('labelNames', "a non-empty array of feature names such as ['labels']", labels);
      }
      this.labelNames = [...(labels as string[])];
    } else {
      this.labelNames = undefined;
    }

    // Cross-field rules, as HF's __post_init__.
    if (this.loadBestModelAtEnd) {
      if (this.evalStrategy === 'no') {
        throw bad(
          'evalStrategy',
          "'steps' or 'epoch' when loadBestModelAtEnd is true",
          this.evalStrategy,
          'set evalStrategy (and an evalDataset) or turn loadBestModelAtEnd off',
        );
      }
      if (this.saveStrategy !== 'best' && this.saveStrategy !== this.evalStrategy) {
        throw bad(
          'saveStrategy',
          `'${this.evalStrategy}' (the same as evalStrategy) or 'best' when loadBestModelAtEnd is true`,
          this.saveStrategy,
        );
      }
      if (
        this.saveStrategy === 'steps' &&
        this.evalStrategy === 'steps' &&
        this.saveSteps % this.evalSteps !== 0
      ) {
        throw bad(
          'saveSteps',
          `a multiple of evalSteps (${this.evalSteps}) when loadBestModelAtEnd is true`,
          this.saveSteps,
        );
      }
    }
    if (this.saveStrategy === 'best' && this.evalStrategy === 'no') {
      throw bad('evalStrategy', "'steps' or 'epoch' when saveStrategy is 'best'", 'no');
    }
  }

  /** HF's `get_warmup_steps`: `warmupSteps` when > 0, else ceil(total * warmupRatio). */
  getWarmupSteps(numTrainingSteps: number): number {
    return this.warmupSteps > 0 ? this.warmupSteps : Math.ceil(numTrainingSteps * this.warmupRatio);
  }

  /** The arguments as HF's snake_case dict (what `training_args.json` holds). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of KNOWN_KEYS) {
      const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      const value = (this as unknown as Record<string, unknown>)[key];
      out[snake] = value ?? null;
    }
    return out;
  }
}
