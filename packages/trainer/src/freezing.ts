import { TrainerError } from './errors.js';

/**
 * Which parameters train:
 * - 'full': every parameter (encoder + head);
 * - 'feature-extraction': only the task head (parameters outside the base model, e.g.
 *   'classifier.*'); the encoder is a frozen feature extractor;
 * - 'partial': the top `trainableLayers` encoder layers, the pooler and the head.
 */
export type FineTuningStrategy = 'full' | 'feature-extraction' | 'partial';

/** Options of {@link selectTrainableParameters}. */
export interface FreezeOptions {
  strategy?: FineTuningStrategy;
  /** 'partial': how many of the top encoder layers train. Default 2. */
  trainableLayers?: number;
  /** Extra parameters to freeze, by name pattern (a string is a regular expression). */
  freeze?: readonly (string | RegExp)[];
}

/** Encoder layer index in an HF name: 'bert.encoder.layer.11.output.dense.weight' -> 11. */
const LAYER_INDEX = /(?:^|\.)(?:encoder\.layer|transformer\.layer|layers?)\.(\d+)\./;

/**
 * Splits parameter names into trainable and frozen, as the strategy and the freeze patterns say.
 * `basePrefix` is the base model's attribute (HF base_model_prefix: 'bert', 'roberta',
 * 'distilbert', 'albert'); names outside it form the head.
 *
 * `selectTrainableParameters(names, 'bert', { strategy: 'feature-extraction' })`
 *  -> trainable ['classifier.weight', 'classifier.bias'], everything under 'bert.' frozen.
 */
export function selectTrainableParameters(
  names: readonly string[],
  basePrefix: string | undefined,
  options: FreezeOptions = {},
): { trainable: string[]; frozen: string[] } {
  const strategy = options.strategy ?? 'full';
  if (!['full', 'feature-extraction', 'partial'].includes(strategy)) {
    throw new TrainerError(
      'INVALID_ARGUMENT',
      `strategy: expected 'full', 'feature-extraction' or 'partial', found '${String(strategy)}'`,
    );
  }
  const prefix =
    basePrefix && names.some((n) => n.startsWith(`${basePrefix}.`)) ? `${basePrefix}.` : undefined;
  const isHead = (n: string): boolean => prefix !== undefined && !n.startsWith(prefix);
  let keep: (n: string) => boolean = () => true;

  if (strategy === 'feature-extraction') {
    if (prefix === undefined) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `strategy 'feature-extraction' trains the task head only, but no parameter lies outside a base model prefix '${basePrefix ?? '(config.model_type missing)'}' (first names: ${names.slice(0, 3).join(', ')}); use a model with a head (e.g. BertForSequenceClassification)`,
      );
    }
    keep = isHead;
  } else if (strategy === 'partial') {
    const n = options.trainableLayers ?? 2;
    const layers = names
      .map((name) => LAYER_INDEX.exec(name)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number);
    if (layers.length === 0) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `strategy 'partial' trains the top encoder layers, but no parameter name has a layer index ('encoder.layer.<i>.' or 'transformer.layer.<i>.'); ALBERT shares one layer across depths: use 'full' or freeze patterns`,
      );
    }
    const numLayers = Math.max(...layers) + 1;
    if (!Number.isInteger(n) || n < 0 || n > numLayers) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `trainableLayers: expected an integer in [0, ${numLayers}] (the model has ${numLayers} encoder layers), found ${n}`,
      );
    }
    const lowest = numLayers - n;
    keep = (name) => {
      const m = LAYER_INDEX.exec(name);
      if (m) return Number(m[1]) >= lowest;
      if (prefix !== undefined && name.startsWith(`${prefix}pooler.`)) return true;
      return isHead(name);
    };
  }

  const patterns = (options.freeze ?? []).map((p) => {
    if (p instanceof RegExp) return p;
    try {
      return new RegExp(p);
    } catch (e) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `freeze: '${p}' is not a valid regular expression (${(e as Error).message})`,
      );
    }
  });
  const trainable: string[] = [];
  const frozen: string[] = [];
  for (const name of names) {
    if (keep(name) && !patterns.some((p) => p.test(name))) trainable.push(name);
    else frozen.push(name);
  }
  if (trainable.length === 0) {
    throw new TrainerError(
      'INVALID_ARGUMENT',
      `no parameter left to train: strategy '${strategy}'${patterns.length ? ` with freeze patterns ${patterns.map(String).join(', ')}` : ''} freezes all ${names.length} parameters`,
    );
  }
  return { trainable, frozen };
}
