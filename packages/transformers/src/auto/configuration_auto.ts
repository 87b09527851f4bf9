import {
  type ConfigDict,
  type PretrainedConfig,
  readConfigFile,
} from '../configs/configuration_utils.js';
import { TransformersError } from '../errors.js';
import { resolveModelDir } from '../utils/fs.js';
import { ARCHITECTURES, MODEL_REGISTRY, MODEL_TYPES, type ModelType } from './registry.js';

/**
 * The model_type of a config.json object: its `model_type`, else the family of its first known
 * `architectures` entry. Unknown -> TransformersError listing the supported types.
 */
export function modelTypeOf(dict: ConfigDict, source: string): ModelType {
  const mt = dict.model_type;
  if (mt !== undefined) {
    if (typeof mt === 'string' && Object.hasOwn(MODEL_REGISTRY, mt)) return mt as ModelType;
    throw new TransformersError(
      'UNKNOWN_MODEL_TYPE',
      `${source}: model_type ${JSON.stringify(mt)} is not supported (supported: ${MODEL_TYPES.join(', ')})`,
    );
  }
  const archs = Array.isArray(dict.architectures) ? (dict.architectures as unknown[]) : [];
  for (const a of archs) {
    const hit = typeof a === 'string' ? ARCHITECTURES.get(a) : undefined;
    if (hit) return hit.modelType;
  }
  throw new TransformersError(
    'UNKNOWN_MODEL_TYPE',
    `${source}: no model_type field and no known architectures (${JSON.stringify(dict.architectures ?? null)}); add "model_type": one of ${MODEL_TYPES.join(', ')}`,
  );
}

/** Builds the typed config for a config.json object, chosen by model_type. */
export function configFromDict(dict: ConfigDict, source = '<config>'): PretrainedConfig {
  const cls = MODEL_REGISTRY[modelTypeOf(dict, source)].config;
  return new cls(dict, source);
}

/**
 * HF AutoConfig: reads config.json from a model folder (or an HF cache folder) into the typed
 * config of its model_type.
 *
 * @example
 * const config = await AutoConfig.fromPretrained('./bert-tiny'); // BertConfig
 * config.model_type // 'bert'
 */
export const AutoConfig = {
  async fromPretrained(dir: string, overrides: ConfigDict = {}): Promise<PretrainedConfig> {
    const root = await resolveModelDir(dir);
    const { file, dict } = await readConfigFile(root);
    return configFromDict({ ...dict, ...overrides }, file);
  },
  forModel(modelType: string, dict: ConfigDict = {}): PretrainedConfig {
    return configFromDict({ ...dict, model_type: modelType }, `<${modelType} config>`);
  },
};
