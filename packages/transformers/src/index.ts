/**
 * @transferjs/transformers. Everything public is named here; nothing else is part of the API.
 */

export { AutoConfig } from './auto/configuration_auto.js';
export type { AutoModelClass } from './auto/modeling_auto.js';
export {
  AutoModel,
  AutoModelForMaskedLM,
  AutoModelForMultipleChoice,
  AutoModelForNextSentencePrediction,
  AutoModelForPreTraining,
  AutoModelForQuestionAnswering,
  AutoModelForSequenceClassification,
  AutoModelForTokenClassification,
} from './auto/modeling_auto.js';
export type { ModelClass, ModelType, RegistryEntry, Task } from './auto/registry.js';
export { MODEL_REGISTRY, MODEL_TYPES, TASKS } from './auto/registry.js';
export { AutoTokenizer } from './auto/tokenization_auto.js';
export type { BackendChoice, BackendName, UseBackendOptions } from './backends/backend.js';
export { BACKEND_ENV, BACKEND_NAMES, currentBackend, useBackend } from './backends/backend.js';
export { AlbertConfig } from './configs/configuration_albert.js';
export { BertConfig, RobertaConfig } from './configs/configuration_bert.js';
export { DistilBertConfig } from './configs/configuration_distilbert.js';
export type { ConfigDict, HiddenAct, ProblemType } from './configs/configuration_utils.js';
export { HIDDEN_ACTS, PROBLEM_TYPES, PretrainedConfig } from './configs/configuration_utils.js';
export { TransformersError } from './errors.js';
export type {
  ForwardOptions,
  ModelInputs,
  ModelOutput,
  MultipleChoiceInputs,
} from './modeling_outputs.js';
export type {
  ConfigClass,
  FromPretrainedOptions,
  LoadingInfo,
  PreTrainedModel,
} from './modeling_utils.js';
export { PreTrainedModelBase, seedDropout } from './modeling_utils.js';
export {
  AlbertForMaskedLM,
  AlbertForMultipleChoice,
  AlbertForPreTraining,
  AlbertForQuestionAnswering,
  AlbertForSequenceClassification,
  AlbertForTokenClassification,
  AlbertModel,
  AlbertPreTrainedModel,
} from './models/albert/modeling_albert.js';
export {
  BertForMaskedLM,
  BertForMultipleChoice,
  BertForNextSentencePrediction,
  BertForPreTraining,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
  BertModel,
  BertPreTrainedModel,
} from './models/bert/modeling_bert.js';
export {
  DistilBertForMaskedLM,
  DistilBertForMultipleChoice,
  DistilBertForQuestionAnswering,
  DistilBertForSequenceClassification,
  DistilBertForTokenClassification,
  DistilBertModel,
  DistilBertPreTrainedModel,
} from './models/distilbert/modeling_distilbert.js';
export {
  RobertaForMaskedLM,
  RobertaForMultipleChoice,
  RobertaForQuestionAnswering,
  RobertaForSequenceClassification,
  RobertaForTokenClassification,
  RobertaModel,
  RobertaPreTrainedModel,
} from './models/roberta/modeling_roberta.js';
export { Pipeline } from './pipelines/base.js';
export type { FeatureExtractionOptions } from './pipelines/feature_extraction.js';
export { FeatureExtractionPipeline } from './pipelines/feature_extraction.js';
export type { FillMaskResult } from './pipelines/fill_mask.js';
export { FillMaskPipeline } from './pipelines/fill_mask.js';
export type { PipelineTask } from './pipelines/pipeline.js';
export { pipeline } from './pipelines/pipeline.js';
export type { QuestionAnsweringResult } from './pipelines/question_answering.js';
export { QuestionAnsweringPipeline } from './pipelines/question_answering.js';
export type { TextClassificationResult } from './pipelines/text_classification.js';
export { TextClassificationPipeline } from './pipelines/text_classification.js';
export type { EntityGroup, TokenEntity } from './pipelines/token_classification.js';
export { TokenClassificationPipeline } from './pipelines/token_classification.js';
export type { SafetensorsData, SafetensorsDtype } from './safetensors/dtypes.js';
export type { SafetensorsFile, SafetensorsTensor } from './safetensors/safetensors.js';
export {
  MAX_HEADER_BYTES,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
} from './safetensors/safetensors.js';
export {
  loadSafetensorsCheckpoint,
  SAFE_WEIGHTS_INDEX_NAME,
  SAFE_WEIGHTS_NAME,
  saveSafetensorsCheckpoint,
} from './safetensors/sharded.js';
export type { BatchEncoding, TokenizeOptions, TokenizerConfigDict } from './tokenization_utils.js';
export { PreTrainedTokenizer } from './tokenization_utils.js';
