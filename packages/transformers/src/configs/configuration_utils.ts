import * as path from 'node:path';
import { TransformersError } from '../errors.js';
import { readJsonFile, writeFileAtomic } from '../utils/fs.js';

/** Activations a config may name in `hidden_act` / `activation` (HF's ACT2FN keys we implement). */
export const HIDDEN_ACTS = [
  'gelu',
  'gelu_new',
  'gelu_pytorch_tanh',
  'gelu_fast',
  'quick_gelu',
  'relu',
  'silu',
  'swish',
  'tanh',
] as const;
export type HiddenAct = (typeof HIDDEN_ACTS)[number];

export const PROBLEM_TYPES = [
  'regression',
  'single_label_classification',
  'multi_label_classification',
] as const;
export type ProblemType = (typeof PROBLEM_TYPES)[number];

/** A config.json object as parsed: snake_case keys, any values. */
export type ConfigDict = Record<string, unknown>;

/**
 * Reads typed fields out of a config.json object. Every read marks the key as known; what is
 * left at the end is kept verbatim in `extra` and written back on save. Errors name the file and
 * the field, what was expected and what was found.
 */
export class ConfigReader {
  private readonly seen = new Set<string>();

  constructor(
    readonly dict: ConfigDict,
    readonly source: string,
  ) {}

  fail(field: string, expected: string, found: unknown, fix?: string): never {
    throw new TransformersError(
      'INVALID_CONFIG',
      `${this.source}: field '${field}' must be ${expected}, found ${JSON.stringify(found)}${fix ? `; ${fix}` : ''}`,
    );
  }

  private take(field: string): unknown {
    this.seen.add(field);
    return this.dict[field];
  }

  has(field: string): boolean {
    return this.dict[field] !== undefined;
  }

  /** A positive (or, with min 0, non-negative) integer. */
  int(field: string, dflt: number, min = 1): number {
    const v = this.take(field);
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      this.fail(field, min === 1 ? 'a positive integer' : `an integer >= ${min}`, v);
    }
    return v;
  }

  intOrNull(field: string, dflt: number | null): number | null {
    const v = this.take(field);
    if (v === undefined) return dflt;
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      this.fail(field, 'a non-negative integer or null', v);
    return v;
  }

  /** A probability in [0, 1] (dropout rates). */
  prob(field: string, dflt: number): number {
    const v = this.take(field);
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) this.fail(field, 'a number in [0, 1]', v);
    return v;
  }

  probOrNull(field: string, dflt: number | null): number | null {
    const v = this.take(field);
    if (v === undefined) return dflt;
    if (v === null) return null;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      this.fail(field, 'a number in [0, 1] or null', v);
    return v;
  }

  positive(field: string, dflt: number): number {
    const v = this.take(field);
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      this.fail(field, 'a positive number', v);
    return v;
  }

  bool(field: string, dflt: boolean): boolean {
    const v = this.take(field);
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(field, 'true or false', v);
    return v;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], dflt: T): T {
    const v = this.take(field);
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(field, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
    }
    return v as T;
  }

  oneOfOrNull<T extends string>(field: string, allowed: readonly T[]): T | null {
    const v = this.take(field);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(field, `null or one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
    }
    return v as T;
  }

  stringsOrNull(field: string): string[] | null {
    const v = this.take(field);
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
      this.fail(field, 'a list of strings or null', v);
    return [...(v as string[])];
  }

  /** Marks a key as handled elsewhere (so it is not copied into `extra`). */
  consume(field: string): unknown {
    return this.take(field);
  }

  /** Everything not read, kept verbatim (e.g. transformers_version, _name_or_path, gradient_checkpointing). */
  rest(): ConfigDict {
    const out: ConfigDict = {};
    for (const [k, v] of Object.entries(this.dict)) if (!this.seen.has(k)) out[k] = v;
    return out;
  }
}

/**
 * The fields every HF config carries (PretrainedConfig), plus the model-specific ones in the
 * subclasses. Properties keep config.json's snake_case names. Unknown fields live in `extra` and
 * are written back unchanged by `toDict` / `saveToDir`.
 */
export abstract class PretrainedConfig {
  abstract readonly model_type: string;
  readonly architectures: string[] | null;
  readonly id2label: Record<string, string>;
  readonly label2id: Record<string, number>;
  readonly problem_type: ProblemType | null;
  readonly pad_token_id: number | null;
  readonly bos_token_id: number | null;
  readonly eos_token_id: number | null;
  readonly tie_word_embeddings: boolean;
  readonly output_hidden_states: boolean;
  readonly output_attentions: boolean;
  /** Fields this class does not model, kept verbatim. */
  readonly extra: ConfigDict;
  /** Where the values came from (a config.json path, or a class name); used in error messages. */
  readonly source: string;

  /**
   * Subclasses read their own fields first with `r`, then call `finish(r)`... but TypeScript
   * needs base fields set in the base constructor, so the base reads the common fields here and
   * subclasses call `this.setExtra(r)` last.
   */
  protected constructor(
    r: ConfigReader,
    defaults: {
      pad_token_id: number | null;
      bos_token_id: number | null;
      eos_token_id: number | null;
    },
  ) {
    this.source = r.source;
    r.consume('model_type');
    this.architectures = r.stringsOrNull('architectures');
    this.problem_type = r.oneOfOrNull('problem_type', PROBLEM_TYPES);
    this.pad_token_id = r.intOrNull('pad_token_id', defaults.pad_token_id);
    this.bos_token_id = r.intOrNull('bos_token_id', defaults.bos_token_id);
    this.eos_token_id = r.intOrNull('eos_token_id', defaults.eos_token_id);
    this.tie_word_embeddings = r.bool('tie_word_embeddings', true);
    this.output_hidden_states = r.bool('output_hidden_states', false);
    this.output_attentions = r.bool('output_attentions', false);
    const { id2label, label2id } = readLabels(r);
    this.id2label = id2label;
    this.label2id = label2id;
    this.extra = {};
  }

  /** Number of labels of classification heads: the size of id2label (HF's `num_labels`). */
  get num_labels(): number {
    return Object.keys(this.id2label).length;
  }

  /** Stores what the subclass did not read; call once, at the end of the subclass constructor. */
  protected keepRest(r: ConfigReader): void {
    Object.assign(this.extra, r.rest());
  }

  /** The model-specific fields, in HF's order. */
  protected abstract ownFields(): ConfigDict;

  /** The config.json object: common fields, model fields, then unknown fields as read. */
  toDict(): ConfigDict {
    return {
      architectures: this.architectures,
      id2label: this.id2label,
      label2id: this.label2id,
      problem_type: this.problem_type,
      output_hidden_states: this.output_hidden_states,
      output_attentions: this.output_attentions,
      ...this.ownFields(),
      pad_token_id: this.pad_token_id,
      bos_token_id: this.bos_token_id,
      eos_token_id: this.eos_token_id,
      tie_word_embeddings: this.tie_word_embeddings,
      ...this.extra,
      model_type: this.model_type,
    };
  }

  /** Writes `<dir>/config.json` atomically (2-space JSON, sorted like HF: as `toDict`). */
  async saveToDir(dir: string): Promise<void> {
    await writeFileAtomic(
      path.join(dir, 'config.json'),
      `${JSON.stringify(this.toDict(), null, 2)}\n`,
    );
  }
}

/**
 * id2label / label2id / num_labels. config.json keys of id2label are strings ("0", "1", ...);
 * `num_labels` (a from_pretrained kwarg in HF) builds LABEL_i names when id2label is absent.
 */
function readLabels(r: ConfigReader): {
  id2label: Record<string, string>;
  label2id: Record<string, number>;
} {
  const rawId2label = r.consume('id2label');
  const rawLabel2id = r.consume('label2id');
  const numLabels = r.consume('num_labels');
  let id2label: Record<string, string>;
  if (rawId2label !== undefined && rawId2label !== null) {
    if (typeof rawId2label !== 'object' || Array.isArray(rawId2label)) {
      r.fail('id2label', 'an object mapping "0".."n-1" to label names', rawId2label);
    }
    id2label = {};
    const entries = Object.entries(rawId2label as Record<string, unknown>);
    for (const [k, v] of entries) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0 || i >= entries.length || String(i) !== k) {
        r.fail('id2label', `keys "0".."${entries.length - 1}"`, k);
      }
      if (typeof v !== 'string') r.fail(`id2label.${k}`, 'a string', v);
      id2label[k] = v;
    }
    if (numLabels !== undefined && numLabels !== entries.length) {
      r.fail(
        'num_labels',
        `equal to the size of id2label (${entries.length})`,
        numLabels,
        'drop one of the two',
      );
    }
  } else {
    const n = numLabels === undefined ? 2 : numLabels;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1)
      r.fail('num_labels', 'a positive integer', n);
    id2label = {};
    for (let i = 0; i < n; i++) id2label[String(i)] = `LABEL_${i}`;
  }
  let label2id: Record<string, number>;
  if (rawLabel2id !== undefined && rawLabel2id !== null) {
    if (typeof rawLabel2id !== 'object' || Array.isArray(rawLabel2id))
      r.fail('label2id', 'an object', rawLabel2id);
    label2id = {};
    for (const [k, v] of Object.entries(rawLabel2id as Record<string, unknown>)) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        r.fail(`label2id.${k}`, 'an integer', v);
      label2id[k] = v;
    }
  } else {
    label2id = Object.fromEntries(Object.entries(id2label).map(([i, name]) => [name, Number(i)]));
  }
  return { id2label, label2id };
}

/** hidden_size must split evenly across heads (HF raises the same in BertSelfAttention). */
export function checkHeads(
  r: ConfigReader,
  hiddenField: string,
  hidden: number,
  headsField: string,
  heads: number,
): void {
  if (hidden % heads !== 0) {
    throw new TransformersError(
      'INVALID_CONFIG',
      `${r.source}: ${hiddenField} (${hidden}) is not a multiple of ${headsField} (${heads}); pick ${headsField} dividing ${hiddenField}`,
    );
  }
}

/** Loads a config.json object from a file. */
export async function readConfigFile(dir: string): Promise<{ file: string; dict: ConfigDict }> {
  const file = path.join(dir, 'config.json');
  const dict = await readJsonFile(file);
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) {
    throw new TransformersError(
      'INVALID_CONFIG',
      `${file}: expected a JSON object, found ${Array.isArray(dict) ? 'an array' : typeof dict}`,
    );
  }
  return { file, dict: dict as ConfigDict };
}
