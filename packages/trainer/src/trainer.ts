import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { seedDropout } from '@transferjs/transformers';
import {
  type CallbackEvent,
  type CallbackEventName,
  type LogEntry,
  metricKey,
  ProgressBar,
  type TrainerCallback,
  type TrainerControl,
  TrainerState,
} from './callbacks.js';
import {
  listCheckpoints,
  loadCheckpoint,
  loadModelWeights,
  rotateCheckpoints,
  saveCheckpoint,
  saveTokenizer,
  TRAINER_STATE_NAME,
  writeFileAtomic,
} from './checkpoint.js';
import {
  type Batch,
  type BatchArray,
  type DataCollator,
  DataCollatorWithPadding,
  type Features,
} from './data_collator.js';
import { TrainerError } from './errors.js';
import { type FineTuningStrategy, selectTrainableParameters } from './freezing.js';
import type { ModelInputs, ModelOutput, SavableTokenizer, TrainableModel } from './model_types.js';
import { AdamW, clipGradNorm, getScheduler, type LRScheduler } from './optimization.js';
import { Rng } from './rng.js';
import { TrainingArguments, type TrainingArgumentsInit } from './training_args.js';

/**
 * Seed of the dropout RNG for optimizer step `step` (0-based) of a run seeded with `seed`:
 * a murmur3-style mix of both words, so neighbouring steps and seeds get unrelated streams.
 */
function dropoutSeed(seed: number, step: number): number {
  let h = Math.imul(seed >>> 0, 0xcc9e2d51) ^ Math.imul((step + 1) >>> 0, 0x1b873593);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Random access to examples: an array, or any object with a length and a row getter. */
export type TrainerDataset =
  | readonly Features[]
  | {
      readonly length?: number;
      readonly numRows?: number;
      get?(index: number): Features;
      at?(index: number): Features | undefined;
      row?(index: number): Features;
    };

/** Predictions or labels gathered over a dataset: row-major data and its shape. */
export type PredictionArray = BatchArray;

/** What computeMetrics receives, as HF's EvalPrediction. */
export interface EvalPrediction {
  /** logits (or MLM prediction logits, or QA start logits) of every example, [N, ...]. */
  predictions: PredictionArray;
  /** The labels column, [N] or [N, T] (-100 pads), when the dataset has labels. */
  labelIds: PredictionArray | undefined;
}

/** Result of {@link Trainer.predict}. */
export interface PredictionOutput extends EvalPrediction {
  metrics: Record<string, number>;
}

/** Result of {@link Trainer.train}. */
export interface TrainOutput {
  globalStep: number;
  trainingLoss: number;
  metrics: Record<string, number>;
}

/** Options of the {@link Trainer}. */
export interface TrainerOptions {
  model: TrainableModel;
  args: TrainingArguments | TrainingArgumentsInit;
  trainDataset?: TrainerDataset;
  evalDataset?: TrainerDataset;
  /** Default: DataCollatorWithPadding with config.pad_token_id. */
  dataCollator?: DataCollator;
  /** Saved into every checkpoint and by saveModel. */
  tokenizer?: SavableTokenizer;
  /** Metrics from predictions and labels, e.g. {accuracy}; keys get the 'eval_' prefix. */
  computeMetrics?: (prediction: EvalPrediction) => Record<string, number>;
  callbacks?: TrainerCallback[];
  /** Which parameters train. Default 'full'. */
  strategy?: FineTuningStrategy;
  /** 'partial': number of top encoder layers that train (plus pooler and head). Default 2. */
  trainableLayers?: number;
  /** Freeze parameters whose HF name matches (a string is a regular expression). */
  freeze?: readonly (string | RegExp)[];
}

const LABEL_KEYS = ['labels', 'next_sentence_label', 'start_positions', 'end_positions'] as const;

const INPUT_NAMES: Record<string, keyof ModelInputs> = {
  input_ids: 'inputIds',
  attention_mask: 'attentionMask',
  token_type_ids: 'tokenTypeIds',
  position_ids: 'positionIds',
  labels: 'labels',
  next_sentence_label: 'nextSentenceLabel',
  start_positions: 'startPositions',
  end_positions: 'endPositions',
};

interface Rows {
  length: number;
  get(i: number): Features;
}

function rowsOf(ds: TrainerDataset, where: string): Rows {
  if (Array.isArray(ds)) {
    const a = ds as readonly Features[];
    return { length: a.length, get: (i) => a[i] as Features };
  }
  const d = ds as Exclude<TrainerDataset, readonly Features[]>;
  const length = d.numRows ?? d.length;
  const getter = d.get ?? d.row ?? d.at;
  if (typeof length !== 'number' || typeof getter !== 'function') {
    throw new TrainerError(
      'INVALID_ARGUMENT',
      `${where}: expected an array of examples or an object with length/numRows and get(i)/row(i)/at(i)`,
    );
  }
  return {
    length,
    get: (i) => {
      const row = getter.call(d, i);
      if (row === undefined || row === null) {
        throw new TrainerError('BAD_FEATURE', `${where}: row ${i} is missing (length ${length})`);
      }
      return row;
    },
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Trains, evaluates and predicts with a model of the contract (namedParameters + forward), as HF's
 * Trainer: AdamW with decay / no-decay groups, warmup schedules, global-norm clipping, gradient
 * accumulation, callbacks, log_history, checkpoints and exact resume.
 *
 * ```ts
 * const trainer = new Trainer({ model, args: { outputDir: 'out', numTrainEpochs: 3 },
 *   trainDataset, evalDataset, computeMetrics: ({ predictions, labelIds }) => ({ accuracy }) });
 * await trainer.train();               // checkpoints in out/checkpoint-<step>/
 * await trainer.evaluate();            // { eval_loss, eval_accuracy, eval_runtime, ... }
 * ```
 */
export class Trainer {
  readonly model: TrainableModel;
  readonly args: TrainingArguments;
  readonly state = new TrainerState();
  readonly control: TrainerControl = {
    shouldTrainingStop: false,
    shouldEpochStop: false,
    shouldSave: false,
    shouldEvaluate: false,
    shouldLog: false,
  };
  /** HF names of the parameters the optimizer updates. */
  readonly trainableParameterNames: readonly string[];
  /** HF names of the frozen parameters (never changed by training). */
  readonly frozenParameterNames: readonly string[];

  private readonly trainDataset: TrainerDataset | undefined;
  private readonly evalDataset: TrainerDataset | undefined;
  private readonly collator: DataCollator;
  private readonly tokenizer: SavableTokenizer | undefined;
  private readonly computeMetrics: TrainerOptions['computeMetrics'];
  private readonly callbacks: TrainerCallback[];
  private optimizer: AdamW | undefined;
  private scheduler: LRScheduler | undefined;
  private lastCheckpoint: string | null = null;

  constructor(options: TrainerOptions) {
    const model = options.model;
    if (
      !model ||
      typeof model.namedParameters !== 'function' ||
      typeof model.forward !== 'function'
    ) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        'Trainer: model must implement namedParameters() and forward(inputs) (a @transferjs/transformers model)',
      );
    }
    this.model = model;
    this.args =
      options.args instanceof TrainingArguments
        ? options.args
        : new TrainingArguments(options.args);
    this.trainDataset = options.trainDataset;
    this.evalDataset = options.evalDataset;
    const config = model.config as Record<string, unknown>;
    const pad = typeof config.pad_token_id === 'number' ? config.pad_token_id : 0;
    this.collator = options.dataCollator ?? new DataCollatorWithPadding({ padTokenId: pad });
    this.tokenizer = options.tokenizer;
    this.computeMetrics = options.computeMetrics;
    this.callbacks = [...(options.callbacks ?? [])];
    const names = [...model.namedParameters().keys()];
    const modelType = typeof config.model_type === 'string' ? config.model_type : undefined;
    const { trainable, frozen } = selectTrainableParameters(names, modelType, {
      strategy: options.strategy ?? 'full',
      trainableLayers: options.trainableLayers,
      freeze: options.freeze,
    });
    this.trainableParameterNames = trainable;
    this.frozenParameterNames = frozen;
    if (this.args.evalStrategy !== 'no' && !this.evalDataset) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `Trainer: evalStrategy is '${this.args.evalStrategy}' but no evalDataset was given; pass evalDataset or set evalStrategy 'no'`,
      );
    }
  }

  /** Number of values in the trainable parameters. */
  numTrainableParameters(): number {
    const params = this.model.namedParameters();
    return this.trainableParameterNames.reduce((s, n) => s + (params.get(n)?.size ?? 0), 0);
  }

  /** Number of values in all parameters. */
  numParameters(): number {
    let s = 0;
    for (const v of this.model.namedParameters().values()) s += v.size;
    return s;
  }

  /** Adds a callback. */
  addCallback(callback: TrainerCallback): void {
    this.callbacks.push(callback);
  }

  /**
   * Trains for `maxSteps` optimizer steps (or `numTrainEpochs`). With `resumeFromCheckpoint` (a
   * checkpoint folder, or true for the newest in outputDir) the weights, optimizer, schedule,
   * RNG and state are restored and the loop continues where it stopped: on the cpu backend the
   * result is identical to an uninterrupted run.
   */
  async train(options: { resumeFromCheckpoint?: string | boolean } = {}): Promise<TrainOutput> {
    const args = this.args;
    if (!this.trainDataset) {
      throw new TrainerError('INVALID_ARGUMENT', 'Trainer.train: no trainDataset was given');
    }
    const rows = rowsOf(this.trainDataset, 'trainDataset');
    if (rows.length === 0) {
      throw new TrainerError('EMPTY_DATASET', 'trainDataset: 0 rows; nothing to train on');
    }
    const batchSize = args.perDeviceTrainBatchSize;
    const lenDataloader = args.dataloaderDropLast
      ? Math.floor(rows.length / batchSize)
      : Math.ceil(rows.length / batchSize);
    if (lenDataloader === 0) {
      throw new TrainerError(
        'EMPTY_DATASET',
        `trainDataset: ${rows.length} rows make no full batch of ${batchSize} with dataloaderDropLast; lower perDeviceTrainBatchSize or turn dataloaderDropLast off`,
      );
    }
    // An optimizer step per `gas` micro-batches; the last group of an epoch may be shorter.
    const gas = args.gradientAccumulationSteps;
    const updatesPerEpoch = Math.ceil(lenDataloader / gas);
    const maxSteps =
      args.maxSteps > 0 ? args.maxSteps : Math.ceil(args.numTrainEpochs * updatesPerEpoch);
    const numEpochs = Math.ceil(maxSteps / updatesPerEpoch);

    // Optimizer over the trainable variables only: frozen ones never get a gradient.
    const all = this.model.namedParameters();
    const trainable = new Map<string, tf.Variable>();
    for (const n of this.trainableParameterNames) trainable.set(n, all.get(n) as tf.Variable);
    const byVarName = new Map<string, string>();
    for (const [n, v] of trainable) byVarName.set(v.name, n);
    this.optimizer?.dispose();
    this.optimizer = new AdamW(trainable, {
      learningRate: args.learningRate,
      beta1: args.adamBeta1,
      beta2: args.adamBeta2,
      epsilon: args.adamEpsilon,
      weightDecay: args.weightDecay,
    });
    const optimizer = this.optimizer;
    this.scheduler = getScheduler(
      args.lrSchedulerType,
      args.learningRate,
      args.getWarmupSteps(maxSteps),
      maxSteps,
    );
    const scheduler = this.scheduler;

    // State.
    const state = this.state;
    Object.assign(state, new TrainerState());
    state.maxSteps = maxSteps;
    state.numTrainEpochs = numEpochs;
    state.loggingSteps = args.loggingSteps;
    state.evalSteps = args.evalSteps;
    state.saveSteps = args.saveSteps;
    state.trainBatchSize = batchSize;
    this.lastCheckpoint = null;

    let resumeDir: string | undefined;
    if (options.resumeFromCheckpoint === true) {
      const last = (await listCheckpoints(args.outputDir)).pop();
      if (!last) {
        throw new TrainerError(
          'BAD_CHECKPOINT',
          `resumeFromCheckpoint: no checkpoint-<step> folder in '${args.outputDir}'`,
        );
      }
      resumeDir = last.path;
    } else if (typeof options.resumeFromCheckpoint === 'string') {
      resumeDir = options.resumeFromCheckpoint;
    }
    if (resumeDir) {
      const loaded = await loadCheckpoint(resumeDir, { model: this.model, optimizer, scheduler });
      Object.assign(state, loaded.state, {
        maxSteps,
        numTrainEpochs: numEpochs,
        loggingSteps: args.loggingSteps,
        evalSteps: args.evalSteps,
        saveSteps: args.saveSteps,
        trainBatchSize: batchSize,
      });
      const rng = loaded.rngState as { collator?: unknown } | null;
      if (rng?.collator !== undefined && this.collator.setState)
        this.collator.setState(rng.collator);
      for (const cb of this.callbacks) {
        if (cb.stateKey && cb.setState && state.statefulCallbacks[cb.stateKey] !== undefined) {
          cb.setState(state.statefulCallbacks[cb.stateKey]);
        }
      }
      this.lastCheckpoint = resumeDir;
    }
    const epochsTrained = Math.floor(state.globalStep / updatesPerEpoch);
    const updatesToSkip = state.globalStep % updatesPerEpoch;

    await mkdir(args.outputDir, { recursive: true });
    const showBar =
      args.disableTqdm === undefined
        ? Boolean(process.stdout.isTTY) && !process.env.CI
        : !args.disableTqdm;
    const bar = new ProgressBar(maxSteps, showBar);
    bar.update(state.globalStep);
    const started = performance.now();
    const stepAtStart = state.globalStep;
    let totalLoss = 0;
    let lossSinceLog = 0;
    let lastLoggedStep = state.globalStep;
    let lastGradNorm: number | undefined;
    this.resetControl(true);

    await this.emit('onTrainBegin');
    try {
      for (
        let epoch = epochsTrained;
        epoch < numEpochs && !this.control.shouldTrainingStop;
        epoch++
      ) {
        // Data order: a permutation seeded by (seed, epoch), so a resumed run sees the same batches.
        const order = new Rng((args.seed + epoch * 0x9e3779b9) >>> 0).permutation(rows.length);
        this.control.shouldEpochStop = false;
        await this.emit('onEpochBegin');
        const firstUpdate = epoch === epochsTrained ? updatesToSkip : 0;
        for (let update = firstUpdate; update < updatesPerEpoch; update++) {
          if (this.control.shouldEpochStop || this.control.shouldTrainingStop) break;
          await this.emit('onStepBegin');
          const firstBatch = update * gas;
          const lastBatch = Math.min(firstBatch + gas, lenDataloader);
          const groupSize = lastBatch - firstBatch;
          // Dropout masks: the model's dropout RNG is reseeded from (seed, step) before each
          // optimizer step, so step k draws the same masks whether the run started at 0 or
          // resumed from checkpoint-k (bit-identical on the cpu backend).
          seedDropout(dropoutSeed(args.seed, state.globalStep));
          let acc: Map<string, tf.Tensor> | undefined;
          let stepLoss = 0;
          try {
            for (let b = firstBatch; b < lastBatch; b++) {
              const indices = order.slice(
                b * batchSize,
                Math.min((b + 1) * batchSize, rows.length),
              );
              const batch = this.collator.collate(indices.map((i) => rows.get(i)));
              const microLoss = this.trainMicroBatch(
                batch,
                groupSize,
                trainable,
                byVarName,
                (grads) => {
                  if (!acc) {
                    acc = grads;
                    return;
                  }
                  for (const [n, g] of grads) {
                    const prev = acc.get(n) as tf.Tensor;
                    acc.set(n, tf.add(prev, g));
                    prev.dispose();
                    g.dispose();
                  }
                },
              );
              if (!Number.isFinite(microLoss)) {
                throw new TrainerError(
                  'NON_FINITE_LOSS',
                  `training loss is ${microLoss} at step ${state.globalStep + 1} (epoch ${epoch}, batch ${b}): training stopped before applying this update; the last good checkpoint is ${this.lastCheckpoint ?? 'none (no checkpoint saved yet)'}. Lower learningRate, keep maxGradNorm > 0, or check the inputs and labels of this batch`,
                );
              }
              stepLoss += microLoss / groupSize;
              if (b < lastBatch - 1) await this.emit('onSubstepEnd');
            }
            const grads = acc as Map<string, tf.Tensor>;
            // Clip (or only measure) the global norm.
            // (HF logs grad_norm only when it clips.)
            let used = grads;
            if (args.maxGradNorm > 0) {
              const clipped = clipGradNorm(grads, args.maxGradNorm);
              used = clipped.grads;
              lastGradNorm = clipped.totalNorm;
            }
            if (lastGradNorm !== undefined && !Number.isFinite(lastGradNorm)) {
              if (used !== grads) for (const g of used.values()) g.dispose();
              throw new TrainerError(
                'NON_FINITE_LOSS',
                `gradient norm is ${lastGradNorm} at step ${state.globalStep + 1} (epoch ${epoch}) with a finite loss: training stopped before applying this update; the last good checkpoint is ${this.lastCheckpoint ?? 'none (no checkpoint saved yet)'}. Lower learningRate`,
              );
            }
            await this.emit('onPreOptimizerStep');
            optimizer.learningRate = scheduler.getLastLr();
            optimizer.applyGradients(used);
            if (used !== grads) for (const g of used.values()) g.dispose();
            await this.emit('onOptimizerStep');
          } finally {
            if (acc) for (const g of acc.values()) g.dispose();
          }
          scheduler.step();
          state.globalStep += 1;
          state.epoch = epoch + Math.min(lastBatch, lenDataloader) / lenDataloader;
          totalLoss += stepLoss;
          lossSinceLog += stepLoss;
          bar.update(state.globalStep, `loss ${stepLoss.toFixed(4)}`);

          this.flowOnStepEnd();
          await this.emit('onStepEnd');
          if (this.control.shouldLog) {
            const steps = state.globalStep - lastLoggedStep;
            const entry: LogEntry = { loss: round(lossSinceLog / steps, 4) };
            if (lastGradNorm !== undefined) entry.grad_norm = lastGradNorm;
            entry.learning_rate = scheduler.getLastLr();
            await this.log(entry, bar);
            lossSinceLog = 0;
            lastLoggedStep = state.globalStep;
          }
          await this.maybeEvaluateAndSave();
        }
        this.flowOnEpochEnd();
        await this.emit('onEpochEnd');
        if (this.control.shouldLog && state.globalStep > lastLoggedStep) {
          const entry: LogEntry = {
            loss: round(lossSinceLog / (state.globalStep - lastLoggedStep), 4),
          };
          if (lastGradNorm !== undefined) entry.grad_norm = lastGradNorm;
          entry.learning_rate = scheduler.getLastLr();
          await this.log(entry, bar);
          lossSinceLog = 0;
          lastLoggedStep = state.globalStep;
        }
        this.control.shouldLog = false;
        await this.maybeEvaluateAndSave();
        if (state.globalStep >= maxSteps) break;
      }
    } finally {
      bar.close();
    }

    if (args.loadBestModelAtEnd && state.bestModelCheckpoint) {
      await loadModelWeights(state.bestModelCheckpoint, this.model);
    }
    const runtime = (performance.now() - started) / 1000;
    const stepsRun = state.globalStep - stepAtStart;
    const trainingLoss = stepsRun > 0 ? totalLoss / stepsRun : 0;
    const metrics: Record<string, number> = {
      train_runtime: round(runtime, 4),
      train_samples_per_second: round((stepsRun * batchSize * gas) / Math.max(runtime, 1e-9), 3),
      train_steps_per_second: round(stepsRun / Math.max(runtime, 1e-9), 3),
      total_flos: state.totalFlos,
      train_loss: trainingLoss,
    };
    await this.log({ ...metrics }, undefined);
    await this.emit('onTrainEnd');
    await writeFileAtomic(
      join(args.outputDir, TRAINER_STATE_NAME),
      `${JSON.stringify(state.toJSON(), null, 2)}\n`,
    );
    return { globalStep: state.globalStep, trainingLoss, metrics };
  }

  /**
   * Evaluates on `dataset` (default: the evalDataset): mean loss weighted by batch size, plus
   * computeMetrics; returns {eval_loss, eval_<metric>..., eval_runtime, eval_samples_per_second,
   * eval_steps_per_second} and logs it.
   */
  async evaluate(
    dataset?: TrainerDataset,
    metricKeyPrefix = 'eval',
  ): Promise<Record<string, number>> {
    const ds = dataset ?? this.evalDataset;
    if (!ds)
      throw new TrainerError('INVALID_ARGUMENT', 'Trainer.evaluate: no evalDataset was given');
    const out = this.predictionLoop(ds, metricKeyPrefix, this.computeMetrics === undefined);
    await this.log({ ...out.metrics }, undefined);
    await this.emit('onEvaluate', { metrics: out.metrics });
    return out.metrics;
  }

  /** Predictions (and metrics when labels are present) over `dataset`, keys prefixed 'test_'. */
  async predict(dataset: TrainerDataset, metricKeyPrefix = 'test'): Promise<PredictionOutput> {
    const out = this.predictionLoop(dataset, metricKeyPrefix, false);
    await this.emit('onPredict', { metrics: out.metrics });
    if (!out.predictions) {
      throw new TrainerError('INTERNAL', 'Trainer.predict: the model returned no logits');
    }
    return { predictions: out.predictions, labelIds: out.labelIds, metrics: out.metrics };
  }

  /** Saves the model (config.json + model.safetensors) and the tokenizer into `dir` (default outputDir). */
  async saveModel(dir = this.args.outputDir): Promise<void> {
    await mkdir(dir, { recursive: true });
    await this.model.savePretrained(dir);
    if (this.tokenizer) await saveTokenizer(this.tokenizer, dir);
  }

  /** Frees the optimizer state (the model stays the caller's). */
  dispose(): void {
    this.optimizer?.dispose();
    this.optimizer = undefined;
  }

  // -------------------------------------------------------------------------------------------

  /** Forward + backward of one micro-batch; hands the grads (by HF name) to `sink`; returns the loss. */
  private trainMicroBatch(
    batch: Batch,
    groupSize: number,
    trainable: Map<string, tf.Variable>,
    byVarName: Map<string, string>,
    sink: (grads: Map<string, tf.Tensor>) => void,
  ): number {
    this.checkLabels(batch, 'trainDataset');
    const inputs = this.toInputs(batch);
    try {
      const { value, grads } = tf.variableGrads(() => {
        // Only the loss is used: masked-LM heads skip the unlabelled positions (lossOnly).
        const out = this.model.forward(inputs, { training: true, lossOnly: true });
        if (!out.loss) {
          throw new TrainerError(
            'MISSING_LABELS',
            `the model returned no loss for a batch with columns ${Object.keys(batch).join(', ')}; it needs labels`,
          );
        }
        return groupSize === 1 ? out.loss : (out.loss.div(tf.scalar(groupSize)) as tf.Scalar);
      }, [...trainable.values()]);
      const loss = ((value.dataSync() as Float32Array)[0] as number) * groupSize;
      value.dispose();
      const named = new Map<string, tf.Tensor>();
      for (const [varName, g] of Object.entries(grads)) {
        named.set(byVarName.get(varName) as string, g);
      }
      if (!Number.isFinite(loss)) {
        for (const g of named.values()) g.dispose();
        return loss;
      }
      sink(named);
      return loss;
    } finally {
      for (const t of Object.values(inputs)) (t as tf.Tensor).dispose();
    }
  }

  /** Checks the batch has labels and that class ids fit config.num_labels. */
  private checkLabels(batch: Batch, where: string): void {
    const names = this.args.labelNames ?? LABEL_KEYS.filter((k) => batch[k] !== undefined);
    const missing = this.args.labelNames?.filter((k) => batch[k] === undefined) ?? [];
    if (names.length === 0 || missing.length > 0) {
      throw new TrainerError(
        'MISSING_COLUMN',
        `${where}: batches carry no ${missing.length ? `'${missing.join("', '")}'` : "labels ('label' or 'labels' column)"}; found columns ${Object.keys(batch).join(', ')}`,
      );
    }
    const labels = batch.labels;
    const config = this.model.config as Record<string, unknown>;
    const numLabels =
      typeof config.num_labels === 'number'
        ? config.num_labels
        : config.id2label && typeof config.id2label === 'object'
          ? Object.keys(config.id2label).length
          : undefined;
    if (
      labels &&
      labels.dtype === 'int32' &&
      labels.shape.length === 1 &&
      numLabels !== undefined &&
      numLabels > 1 &&
      config.problem_type !== 'regression'
    ) {
      for (let i = 0; i < labels.data.length; i++) {
        const l = labels.data[i] as number;
        if (l !== -100 && (l < 0 || l >= numLabels)) {
          throw new TrainerError(
            'LABEL_MISMATCH',
            `${where}: label ${l} is outside [0, ${numLabels}) (config.json num_labels = ${numLabels}); set num_labels / id2label to the dataset's label count`,
          );
        }
      }
    }
  }

  private toInputs(batch: Batch): ModelInputs {
    const out: Record<string, tf.Tensor> = {};
    for (const [key, arr] of Object.entries(batch)) {
      const name = INPUT_NAMES[key];
      if (!name) continue;
      out[name] = tf.tensor(arr.data, arr.shape, arr.dtype);
    }
    return out as unknown as ModelInputs;
  }

  private predictionLoop(
    dataset: TrainerDataset,
    prefix: string,
    lossOnly: boolean,
  ): {
    metrics: Record<string, number>;
    predictions?: PredictionArray;
    labelIds?: PredictionArray;
  } {
    const rows = rowsOf(dataset, `${prefix}Dataset`);
    if (rows.length === 0) {
      throw new TrainerError('EMPTY_DATASET', `${prefix} dataset: 0 rows; nothing to evaluate`);
    }
    const started = performance.now();
    const bs = this.args.perDeviceEvalBatchSize;
    let lossSum = 0;
    let lossCount = 0;
    let steps = 0;
    const preds: PredictionArray[] = [];
    const labels: PredictionArray[] = [];
    // Evaluation collates without masking randomness changes to the training collator's RNG.
    const collator =
      this.collator.getState && this.collator.setState
        ? this.withSavedState(this.collator)
        : this.collator;
    for (let start = 0; start < rows.length; start += bs) {
      const features: Features[] = [];
      for (let i = start; i < Math.min(start + bs, rows.length); i++) features.push(rows.get(i));
      const batch = collator.collate(features);
      const inputs = this.toInputs(batch);
      try {
        const result = tf.tidy(() => {
          const out: ModelOutput = this.model.forward(inputs, { training: false });
          const logits = out.logits ?? out.predictionLogits ?? out.startLogits;
          return { loss: out.loss, logits: lossOnly ? undefined : logits };
        });
        if (result.loss) {
          lossSum += ((result.loss.dataSync() as Float32Array)[0] as number) * features.length;
          lossCount += features.length;
          result.loss.dispose();
        }
        if (result.logits) {
          preds.push({
            dtype: 'float32',
            shape: result.logits.shape,
            data: result.logits.dataSync() as Float32Array,
          });
          result.logits.dispose();
        }
      } finally {
        for (const t of Object.values(inputs)) (t as tf.Tensor).dispose();
      }
      if (batch.labels) labels.push(batch.labels);
      steps += 1;
    }
    const runtime = (performance.now() - started) / 1000;
    const metrics: Record<string, number> = {};
    if (lossCount > 0) metrics[`${prefix}_loss`] = lossSum / lossCount;
    const predictions = preds.length ? concatRows(preds) : undefined;
    const labelIds = labels.length === steps && labels.length > 0 ? concatRows(labels) : undefined;
    if (this.computeMetrics && predictions) {
      const extra = this.computeMetrics({ predictions, labelIds });
      for (const [k, v] of Object.entries(extra)) {
        metrics[k.startsWith(`${prefix}_`) ? k : `${prefix}_${k}`] = v;
      }
    }
    metrics[`${prefix}_runtime`] = round(runtime, 4);
    metrics[`${prefix}_samples_per_second`] = round(rows.length / Math.max(runtime, 1e-9), 3);
    metrics[`${prefix}_steps_per_second`] = round(steps / Math.max(runtime, 1e-9), 3);
    return { metrics, predictions, labelIds };
  }

  /** A view of a stateful collator that restores its RNG state after each collate. */
  private withSavedState(c: DataCollator): DataCollator {
    return {
      collate: (features) => {
        const saved = c.getState?.();
        try {
          return c.collate(features);
        } finally {
          c.setState?.(saved);
        }
      },
    };
  }

  private async log(entry: LogEntry, bar: ProgressBar | undefined): Promise<void> {
    const full: LogEntry = { ...entry, epoch: this.state.epoch, step: this.state.globalStep };
    this.state.logHistory.push(full);
    await mkdir(this.args.outputDir, { recursive: true });
    await appendFile(join(this.args.outputDir, 'trainer_log.jsonl'), `${JSON.stringify(full)}\n`);
    const verbose = ['passive', 'info', 'debug'].includes(this.args.logLevel);
    if (bar?.enabled) bar.write(JSON.stringify(full));
    else if (verbose) process.stdout.write(`${JSON.stringify(full)}\n`);
    await this.emit('onLog', { logs: full });
  }

  private async maybeEvaluateAndSave(): Promise<void> {
    const args = this.args;
    const state = this.state;
    if (this.control.shouldEvaluate) {
      this.control.shouldEvaluate = false;
      const metrics = await this.evaluate();
      if (args.metricForBestModel !== undefined) {
        const key = metricKey(args.metricForBestModel);
        const value = metrics[key];
        if (value === undefined) {
          throw new TrainerError(
            'MISSING_METRIC',
            `metricForBestModel '${args.metricForBestModel}': '${key}' is not among the evaluation metrics (${Object.keys(metrics).join(', ')})`,
          );
        }
        const greater = args.greaterIsBetter ?? !key.endsWith('loss');
        const better =
          state.bestMetric === null ||
          (greater ? value > state.bestMetric : value < state.bestMetric);
        if (better) {
          state.bestMetric = value;
          state.bestGlobalStep = state.globalStep;
          if (args.saveStrategy === 'best') this.control.shouldSave = true;
        }
      }
    }
    if (this.control.shouldSave) {
      this.control.shouldSave = false;
      const optimizer = this.optimizer as AdamW;
      const scheduler = this.scheduler as LRScheduler;
      const dir = join(args.outputDir, `checkpoint-${state.globalStep}`);
      if (args.metricForBestModel !== undefined && state.bestGlobalStep === state.globalStep) {
        state.bestModelCheckpoint = dir;
      }
      for (const cb of this.callbacks) {
        if (cb.stateKey && cb.getState) state.statefulCallbacks[cb.stateKey] = cb.getState();
      }
      const written = await saveCheckpoint(args.outputDir, {
        model: this.model,
        tokenizer: this.tokenizer,
        optimizer,
        scheduler,
        rngState: { collator: this.collator.getState?.() ?? null, seed: args.seed },
        state,
        args,
      });
      this.lastCheckpoint = written;
      await rotateCheckpoints(args.outputDir, args.saveTotalLimit, state.bestModelCheckpoint);
      await this.emit('onSave', { checkpoint: written });
    }
  }

  /** HF DefaultFlowCallback.on_step_end. */
  private flowOnStepEnd(): void {
    const args = this.args;
    const step = this.state.globalStep;
    this.resetControl(false);
    if (step === 1 && args.loggingFirstStep) this.control.shouldLog = true;
    if (args.loggingStrategy === 'steps' && step % args.loggingSteps === 0)
      this.control.shouldLog = true;
    if (args.evalStrategy === 'steps' && step % args.evalSteps === 0)
      this.control.shouldEvaluate = true;
    if (args.saveStrategy === 'steps' && step % args.saveSteps === 0)
      this.control.shouldSave = true;
    if (step >= this.state.maxSteps) {
      this.control.shouldTrainingStop = true;
      if (args.evalStrategy === 'steps' && step % args.evalSteps !== 0)
        this.control.shouldEvaluate = true;
      if (args.saveStrategy === 'steps') this.control.shouldSave = true;
    }
  }

  /** HF DefaultFlowCallback.on_epoch_end. */
  private flowOnEpochEnd(): void {
    const args = this.args;
    if (args.loggingStrategy === 'epoch') this.control.shouldLog = true;
    if (args.evalStrategy === 'epoch') this.control.shouldEvaluate = true;
    if (args.saveStrategy === 'epoch') this.control.shouldSave = true;
  }

  private resetControl(all: boolean): void {
    this.control.shouldLog = false;
    this.control.shouldEvaluate = false;
    this.control.shouldSave = false;
    if (all) {
      this.control.shouldTrainingStop = false;
      this.control.shouldEpochStop = false;
    }
  }

  private async emit(event: CallbackEventName, extra: Partial<CallbackEvent> = {}): Promise<void> {
    for (const cb of this.callbacks) {
      const hook = cb[event];
      if (hook) {
        await hook.call(cb, {
          args: this.args,
          state: this.state,
          control: this.control,
          model: this.model,
          ...extra,
        });
      }
    }
  }
}

/** Concatenates [n_i, ...] arrays along rows; a varying dim 1 (sequence length) is padded with -100. */
function concatRows(parts: PredictionArray[]): PredictionArray {
  const first = parts[0] as PredictionArray;
  const rank = first.shape.length;
  const rest = first.shape.slice(1);
  if (rank >= 2) rest[0] = Math.max(...parts.map((p) => p.shape[1] as number));
  for (const p of parts) {
    if (p.shape.length !== rank || p.shape.slice(2).join(',') !== rest.slice(1).join(',')) {
      throw new TrainerError(
        'INTERNAL',
        `cannot gather predictions of shapes [${first.shape}] and [${p.shape}] across batches`,
      );
    }
  }
  const n = parts.reduce((s, p) => s + (p.shape[0] as number), 0);
  const rowSize = rest.reduce((a, b) => a * b, 1);
  const data =
    first.dtype === 'float32' ? new Float32Array(n * rowSize) : new Int32Array(n * rowSize);
  data.fill(-100);
  let row = 0;
  for (const p of parts) {
    const rows = p.shape[0] as number;
    if (rank < 2 || p.shape[1] === rest[0]) {
      data.set(p.data, row * rowSize);
    } else {
      // copy each row's [T_i, ...] block into the wider [T, ...] slot
      const inner = rest.slice(1).reduce((a, b) => a * b, 1);
      const t = p.shape[1] as number;
      for (let r = 0; r < rows; r++) {
        data.set(p.data.subarray(r * t * inner, (r + 1) * t * inner), (row + r) * rowSize);
      }
    }
    row += rows;
  }
  return { dtype: first.dtype, shape: [n, ...rest], data };
}
