/**
 * @transferjs/trainer. Everything public is named here; nothing else is part of the API.
 */

export {
  type CallbackEvent,
  type CallbackEventName,
  EarlyStoppingCallback,
  type EarlyStoppingOptions,
  type LogEntry,
  type TrainerCallback,
  type TrainerControl,
  TrainerState,
} from './callbacks.js';
export {
  type Batch,
  type BatchArray,
  createNextSentencePredictionExamples,
  type DataCollator,
  DataCollatorForLanguageModeling,
  DataCollatorWithPadding,
  type Features,
  type LanguageModelingOptions,
  type NspOptions,
  type PaddingOptions,
} from './data_collator.js';
export { TrainerError } from './errors.js';
export {
  type FineTuningStrategy,
  type FreezeOptions,
  selectTrainableParameters,
} from './freezing.js';
export type {
  ModelInputs,
  ModelOutput,
  SavableTokenizer,
  TrainableModel,
} from './model_types.js';
export {
  AdamW,
  type AdamWOptions,
  clipGradNorm,
  getDecayParameterNames,
  getScheduler,
  globalGradNorm,
  LRScheduler,
  type SchedulerState,
  scheduleFactor,
} from './optimization.js';
export { formatMetrics, type RunGlueResult, runGlue } from './run_glue.js';
export {
  type EvalPrediction,
  type PredictionArray,
  type PredictionOutput,
  Trainer,
  type TrainerDataset,
  type TrainerOptions,
  type TrainOutput,
} from './trainer.js';
export {
  type IntervalStrategy,
  type LogLevel,
  type SaveStrategy,
  type SchedulerType,
  TrainingArguments,
  type TrainingArgumentsInit,
} from './training_args.js';
