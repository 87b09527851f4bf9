import {
  type ConfigDict,
  type PretrainedConfig,
  readConfigFile,
} from '../configs/configuration_utils.js';
import { TransformersError } from '../errors.js';
import type { FromPretrainedOptions, PreTrainedModelBase } from '../modeling_utils.js';
import { resolveModelDir } from '../utils/fs.js';
import { modelTypeOf } from './configuration_auto.js';
import {
  ARCHITECTURES,
  MODEL_REGISTRY,
  MODEL_TYPES,
  type ModelClass,
  type Task,
} from './registry.js';

const TASK_NAMES: Record<Task, string> = {
  model: 'AutoModel',
  preTraining: 'AutoModelForPreTraining',
  maskedLM: 'AutoModelForMaskedLM',
  nextSentencePrediction: 'AutoModelForNextSentencePrediction',
  sequenceClassification: 'AutoModelForSequenceClassification',
  tokenClassification: 'AutoModelForTokenClassification',
  questionAnswering: 'AutoModelForQuestionAnswering',
  multipleChoice: 'AutoModelForMultipleChoice',
};

function classFor(task: Task, modelType: string, source: string): ModelClass {
  const entry = (
    MODEL_REGISTRY as unknown as Record<string, { tasks: Record<Task, ModelClass | null> }>
  )[modelType];
  if (!entry) {
    throw new TransformersError(
      'UNKNOWN_MODEL_TYPE',
      `${source}: model_type '${modelType}' is not supported (supported: ${MODEL_TYPES.join(', ')})`,
    );
  }
  const cls = entry.tasks[task];
  if (!cls) {
    const ok = MODEL_TYPES.filter((t) => MODEL_REGISTRY[t].tasks[task] !== null);
    throw new TransformersError(
      'UNSUPPORTED_TASK',
      `${source}: ${TASK_NAMES[task]} has no '${modelType}' model (HF has none either); model types with this head: ${ok.join(', ')}`,
    );
  }
  return cls;
}

/** One Auto class: the model class for `task` chosen by config.json's model_type. */
export interface AutoModelClass {
  /** Loads config.json + weights from a folder or HF cache folder, offline. */
  fromPretrained(
    dir: string,
    options?: FromPretrainedOptions,
  ): Promise<PreTrainedModelBase<PretrainedConfig>>;
  /** A randomly initialised model (HF's from_config). */
  fromConfig(config: PretrainedConfig): PreTrainedModelBase<PretrainedConfig>;
}

function autoClass(task: Task): AutoModelClass {
  return {
    async fromPretrained(dir, options = {}) {
      const root = await resolveModelDir(dir);
      const { file, dict } = await readConfigFile(root);
      return classFor(task, modelTypeOf(dict, file), file).fromPretrained(root, options);
    },
    fromConfig(config) {
      const cls = classFor(task, config.model_type, config.source);
      if (!(config instanceof cls.configClass)) {
        const c = config as PretrainedConfig;
        throw new TransformersError(
          'INVALID_CONFIG',
          `${c.source}: expected a ${cls.configClass.name} for model_type '${c.model_type}'`,
        );
      }
      return new cls(config);
    },
  };
}

/**
 * AutoModel plus `fromPretrainedArchitecture`: loads the class config.json's `architectures[0]`
 * names (what the checkpoint was saved as), e.g. BertForMaskedLM.
 */
export const AutoModel = {
  ...autoClass('model'),
  async fromPretrainedArchitecture(
    dir: string,
    options: FromPretrainedOptions = {},
  ): Promise<PreTrainedModelBase<PretrainedConfig>> {
    const root = await resolveModelDir(dir);
    const { file, dict } = await readConfigFile(root);
    const archs = (Array.isArray(dict.architectures) ? dict.architectures : []) as unknown[];
    const name = archs[0];
    const hit = typeof name === 'string' ? ARCHITECTURES.get(name) : undefined;
    if (!hit) {
      throw new TransformersError(
        'UNKNOWN_ARCHITECTURE',
        `${file}: architectures[0] is ${JSON.stringify(name ?? null)}; supported: ${[...ARCHITECTURES.keys()].join(', ')}`,
      );
    }
    modelTypeOf(dict as ConfigDict, file);
    return hit.cls.fromPretrained(root, options);
  },
};
export const AutoModelForPreTraining = autoClass('preTraining');
export const AutoModelForMaskedLM = autoClass('maskedLM');
export const AutoModelForNextSentencePrediction = autoClass('nextSentencePrediction');
export const AutoModelForSequenceClassification = autoClass('sequenceClassification');
export const AutoModelForTokenClassification = autoClass('tokenClassification');
export const AutoModelForQuestionAnswering = autoClass('questionAnswering');
export const AutoModelForMultipleChoice = autoClass('multipleChoice');
