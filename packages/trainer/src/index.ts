/**
 * @transferjs/trainer. Everything public is named here; nothing else is part of the API.
 */

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
export {
  type IntervalStrategy,
  type LogLevel,
  type SaveStrategy,
  type SchedulerType,
  TrainingArguments,
  type TrainingArgumentsInit,
} from './training_args.js';
