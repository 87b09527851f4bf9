import { TrainerError } from './errors.js';
import type { TrainableModel } from './model_types.js';
import type { TrainingArguments } from './training_args.js';

/** One entry of HF's log_history: {loss, grad_norm, learning_rate, epoch, step} or eval_* metrics. */
export type LogEntry = Record<string, number>;

/**
 * The training state, as HF's TrainerState; `toJSON()` gives the trainer_state.json layout
 * (snake_case, HF's keys).
 */
export class TrainerState {
  epoch = 0;
  globalStep = 0;
  maxSteps = 0;
  loggingSteps = 500;
  evalSteps = 500;
  saveSteps = 500;
  trainBatchSize = 8;
  numTrainEpochs = 0;
  numInputTokensSeen = 0;
  totalFlos = 0;
  logHistory: LogEntry[] = [];
  bestMetric: number | null = null;
  bestGlobalStep: number | null = null;
  bestModelCheckpoint: string | null = null;
  isLocalProcessZero = true;
  isWorldProcessZero = true;
  isHyperParamSearch = false;
  trialName: string | null = null;
  trialParams: Record<string, unknown> | null = null;
  /** Per-callback state saved with checkpoints (HF: stateful_callbacks). */
  statefulCallbacks: Record<string, unknown> = {};

  toJSON(): Record<string, unknown> {
    return {
      best_global_step: this.bestGlobalStep,
      best_metric: this.bestMetric,
      best_model_checkpoint: this.bestModelCheckpoint,
      epoch: this.epoch,
      eval_steps: this.evalSteps,
      global_step: this.globalStep,
      is_hyper_param_search: this.isHyperParamSearch,
      is_local_process_zero: this.isLocalProcessZero,
      is_world_process_zero: this.isWorldProcessZero,
      log_history: this.logHistory,
      logging_steps: this.loggingSteps,
      max_steps: this.maxSteps,
      num_input_tokens_seen: this.numInputTokensSeen,
      num_train_epochs: this.numTrainEpochs,
      save_steps: this.saveSteps,
      stateful_callbacks: this.statefulCallbacks,
      total_flos: this.totalFlos,
      train_batch_size: this.trainBatchSize,
      trial_name: this.trialName,
      trial_params: this.trialParams,
    };
  }

  /** Reads trainer_state.json content; `file` names the source in errors. */
  static fromJSON(json: unknown, file: string): TrainerState {
    const j = json as Record<string, unknown> | null;
    if (
      !j ||
      typeof j !== 'object' ||
      typeof j.global_step !== 'number' ||
      !Array.isArray(j.log_history)
    ) {
      throw new TrainerError(
        'BAD_CHECKPOINT',
        `${file}: expected a trainer_state.json object with global_step (number) and log_history (array)`,
      );
    }
    const s = new TrainerState();
    s.epoch = Number(j.epoch ?? 0);
    s.globalStep = j.global_step;
    s.maxSteps = Number(j.max_steps ?? 0);
    s.loggingSteps = Number(j.logging_steps ?? 500);
    s.evalSteps = Number(j.eval_steps ?? 500);
    s.saveSteps = Number(j.save_steps ?? 500);
    s.trainBatchSize = Number(j.train_batch_size ?? 8);
    s.numTrainEpochs = Number(j.num_train_epochs ?? 0);
    s.numInputTokensSeen = Number(j.num_input_tokens_seen ?? 0);
    s.totalFlos = Number(j.total_flos ?? 0);
    s.logHistory = j.log_history as LogEntry[];
    s.bestMetric = (j.best_metric as number | null | undefined) ?? null;
    s.bestGlobalStep = (j.best_global_step as number | null | undefined) ?? null;
    s.bestModelCheckpoint = (j.best_model_checkpoint as string | null | undefined) ?? null;
    s.statefulCallbacks =
      (j.stateful_callbacks as Record<string, unknown> | null | undefined) ?? {};
    return s;
  }
}

/** Flags callbacks set to steer the loop, as HF's TrainerControl. */
export interface TrainerControl {
  shouldTrainingStop: boolean;
  shouldEpochStop: boolean;
  shouldSave: boolean;
  shouldEvaluate: boolean;
  shouldLog: boolean;
}

/** What every callback event receives. */
export interface CallbackEvent {
  args: TrainingArguments;
  state: TrainerState;
  control: TrainerControl;
  model: TrainableModel;
  /** onEvaluate / onPredict: the metrics. */
  metrics?: Record<string, number>;
  /** onLog: the entry just logged. */
  logs?: LogEntry;
  /** onSave: the checkpoint folder written. */
  checkpoint?: string;
}

type Hook = (event: CallbackEvent) => void | Promise<void>;

/**
 * Hooks into the training loop, HF's TrainerCallback events in camelCase. Each receives
 * {args, state, control, model, ...} and may set `control` flags (e.g. shouldTrainingStop).
 */
export interface TrainerCallback {
  onInitEnd?: Hook;
  onTrainBegin?: Hook;
  onTrainEnd?: Hook;
  onEpochBegin?: Hook;
  onEpochEnd?: Hook;
  onStepBegin?: Hook;
  onSubstepEnd?: Hook;
  onPreOptimizerStep?: Hook;
  onOptimizerStep?: Hook;
  onStepEnd?: Hook;
  onEvaluate?: Hook;
  onPredict?: Hook;
  onSave?: Hook;
  onLog?: Hook;
  /** Callback state kept in checkpoints (trainer_state.json stateful_callbacks). */
  stateKey?: string;
  getState?(): unknown;
  setState?(state: unknown): void;
}

export type CallbackEventName = Exclude<
  keyof TrainerCallback,
  'stateKey' | 'getState' | 'setState'
>;

/** Options of {@link EarlyStoppingCallback}. */
export interface EarlyStoppingOptions {
  /** Evaluations without improvement before stopping. Default 1. */
  patience?: number;
  /** Minimum improvement that counts. Default 0. */
  threshold?: number;
}

/**
 * Stops training when `metricForBestModel` has not improved by more than `threshold` for
 * `patience` evaluations, as HF's EarlyStoppingCallback. Needs `metricForBestModel` (or
 * `loadBestModelAtEnd`, which defaults it to the loss) and an eval strategy.
 */
export class EarlyStoppingCallback implements TrainerCallback {
  readonly stateKey = 'EarlyStoppingCallback';
  readonly patience: number;
  readonly threshold: number;
  private counter = 0;

  constructor(options: EarlyStoppingOptions = {}) {
    this.patience = options.patience ?? 1;
    this.threshold = options.threshold ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 1) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `EarlyStoppingCallback: patience must be an integer >= 1, found ${this.patience}`,
      );
    }
    if (!(this.threshold >= 0)) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `EarlyStoppingCallback: threshold must be >= 0, found ${this.threshold}`,
      );
    }
  }

  onTrainBegin = ({ args }: CallbackEvent): void => {
    if (args.metricForBestModel === undefined) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        "EarlyStoppingCallback needs TrainingArguments.metricForBestModel (e.g. 'eval_loss' or 'accuracy') or loadBestModelAtEnd: true",
      );
    }
    if (args.evalStrategy === 'no') {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        "EarlyStoppingCallback needs TrainingArguments.evalStrategy 'steps' or 'epoch', found 'no'",
      );
    }
  };

  // As HF: compared with state.bestMetric, which the Trainer updates after onEvaluate.
  onEvaluate = ({ args, state, control, metrics }: CallbackEvent): void => {
    const name = metricKey(args.metricForBestModel ?? 'loss');
    const value = metrics?.[name];
    if (value === undefined) {
      throw new TrainerError(
        'MISSING_METRIC',
        `EarlyStoppingCallback: metric '${name}' is not among the evaluation metrics (${Object.keys(metrics ?? {}).join(', ')}); set metricForBestModel to one of them`,
      );
    }
    const greater = args.greaterIsBetter ?? !name.endsWith('loss');
    const best = state.bestMetric;
    const improved =
      best === null || (greater ? value - best > this.threshold : best - value > this.threshold);
    if (improved) {
      this.counter = 0;
    } else {
      this.counter += 1;
    }
    if (this.counter >= this.patience) control.shouldTrainingStop = true;
  };

  /** HF's stateful_callbacks entry: {args, attributes}. */
  getState(): unknown {
    return {
      args: { early_stopping_patience: this.patience, early_stopping_threshold: this.threshold },
      attributes: { early_stopping_patience_counter: this.counter },
    };
  }

  setState(state: unknown): void {
    const s = state as { attributes?: { early_stopping_patience_counter?: number } } | null;
    this.counter = s?.attributes?.early_stopping_patience_counter ?? 0;
  }
}

/** 'accuracy' -> 'eval_accuracy'; 'eval_loss' stays. */
export function metricKey(name: string): string {
  return name.startsWith('eval_') ? name : `eval_${name}`;
}

/**
 * A one-line progress bar on stdout ("\r" redraws). Shown only on a TTY outside CI unless forced;
 * otherwise every call is a no-op.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    readonly enabled: boolean,
    private readonly label = 'train',
  ) {}

  update(done: number, extra = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < this.total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(frac * width);
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    process.stdout.write(
      `\r${this.label} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${done}/${this.total} [${fmt(secs)}<${fmt(eta)}, ${rate.toFixed(2)} it/s]${extra ? ` ${extra}` : ''}\x1b[K`,
    );
  }

  /** Prints a line above the bar. */
  write(line: string): void {
    if (this.enabled) process.stdout.write(`\r\x1b[K${line}\n`);
  }

  close(): void {
    if (this.enabled) process.stdout.write('\n');
  }
}

function fmt(s: number): string {
  const m = Math.floor(s / 60);
  const r = Math.floor(s % 60);
  return `${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
}
