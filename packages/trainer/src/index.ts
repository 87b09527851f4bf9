/**
 * @transferjs/trainer. Everything public is named here; nothing else is part of the API.
 */
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
