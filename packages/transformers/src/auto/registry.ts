import { AlbertConfig } from '../configs/configuration_albert.js';
import { BertConfig, RobertaConfig } from '../configs/configuration_bert.js';
import { DistilBertConfig } from '../configs/configuration_distilbert.js';
import type { PretrainedConfig } from '../configs/configuration_utils.js';
import type { ConfigClass, PreTrainedModelBase } from '../modeling_utils.js';
import * as albert from '../models/albert/modeling_albert.js';
import * as bert from '../models/bert/modeling_bert.js';
import * as distilbert from '../models/distilbert/modeling_distilbert.js';
import * as roberta from '../models/roberta/modeling_roberta.js';

/** The Auto tasks, as HF's AutoModelFor* names them. */
export const TASKS = [
  'model',
  'preTraining',
  'maskedLM',
  'nextSentencePrediction',
  'sequenceClassification',
  'tokenClassification',
  'questionAnswering',
  'multipleChoice',
] as const;
export type Task = (typeof TASKS)[number];

/** A model class: built from its config, loadable with fromPretrained. */
export interface ModelClass<C extends PretrainedConfig = PretrainedConfig> {
  new (config: C): PreTrainedModelBase<C>;
  readonly configClass: ConfigClass<C>;
  fromPretrained: (typeof PreTrainedModelBase)['fromPretrained'];
}

export interface RegistryEntry<C extends PretrainedConfig> {
  config: ConfigClass<C>;
  /** Per task the class, or null when the family has no such head in HF either. */
  tasks: { [T in Task]: ModelClass<C> | null };
}

/**
 * model_type -> config class and model class per task (HF's MODEL_FOR_*_MAPPING_NAMES, typed).
 * Adding a family = one entry here; `satisfies` checks each class matches its config.
 */
export const MODEL_REGISTRY = {
  bert: {
    config: BertConfig,
    tasks: {
      model: bert.BertModel,
      preTraining: bert.BertForPreTraining,
      maskedLM: bert.BertForMaskedLM,
      nextSentencePrediction: bert.BertForNextSentencePrediction,
      sequenceClassification: bert.BertForSequenceClassification,
      tokenClassification: bert.BertForTokenClassification,
      questionAnswering: bert.BertForQuestionAnswering,
      multipleChoice: bert.BertForMultipleChoice,
    },
  } satisfies RegistryEntry<BertConfig>,
  distilbert: {
    config: DistilBertConfig,
    tasks: {
      model: distilbert.DistilBertModel,
      // HF maps distilbert pre-training to its masked LM.
      preTraining: distilbert.DistilBertForMaskedLM,
      maskedLM: distilbert.DistilBertForMaskedLM,
      nextSentencePrediction: null,
      sequenceClassification: distilbert.DistilBertForSequenceClassification,
      tokenClassification: distilbert.DistilBertForTokenClassification,
      questionAnswering: distilbert.DistilBertForQuestionAnswering,
      multipleChoice: distilbert.DistilBertForMultipleChoice,
    },
  } satisfies RegistryEntry<DistilBertConfig>,
  roberta: {
    config: RobertaConfig,
    tasks: {
      model: roberta.RobertaModel,
      preTraining: roberta.RobertaForMaskedLM,
      maskedLM: roberta.RobertaForMaskedLM,
      nextSentencePrediction: null,
      sequenceClassification: roberta.RobertaForSequenceClassification,
      tokenClassification: roberta.RobertaForTokenClassification,
      questionAnswering: roberta.RobertaForQuestionAnswering,
      multipleChoice: roberta.RobertaForMultipleChoice,
    },
  } satisfies RegistryEntry<RobertaConfig>,
  albert: {
    config: AlbertConfig,
    tasks: {
      model: albert.AlbertModel,
      preTraining: albert.AlbertForPreTraining,
      maskedLM: albert.AlbertForMaskedLM,
      nextSentencePrediction: null,
      sequenceClassification: albert.AlbertForSequenceClassification,
      tokenClassification: albert.AlbertForTokenClassification,
      questionAnswering: albert.AlbertForQuestionAnswering,
      multipleChoice: albert.AlbertForMultipleChoice,
    },
  } satisfies RegistryEntry<AlbertConfig>,
} as const;

export type ModelType = keyof typeof MODEL_REGISTRY;
export const MODEL_TYPES = Object.keys(MODEL_REGISTRY) as ModelType[];

/** HF class name ('BertForMaskedLM') -> model_type and class, for config.json `architectures`. */
export const ARCHITECTURES: ReadonlyMap<string, { modelType: ModelType; cls: ModelClass }> =
  (() => {
    const m = new Map<string, { modelType: ModelType; cls: ModelClass }>();
    for (const modelType of MODEL_TYPES) {
      for (const cls of Object.values(MODEL_REGISTRY[modelType].tasks)) {
        if (cls) m.set(cls.name, { modelType, cls: cls as unknown as ModelClass });
      }
    }
    return m;
  })();
