import { TrainerError } from './errors.js';
import { Rng } from './rng.js';

/** One example: HF feature names (input_ids, attention_mask, token_type_ids, label, ...). */
export type Features = Readonly<Record<string, unknown>>;

/** A dense array with its shape: what a collator returns per feature. */
export interface BatchArray {
  dtype: 'int32' | 'float32';
  shape: number[];
  data: Int32Array | Float32Array;
}

/** Collated features, keyed by HF feature name ('input_ids', 'labels', ...). */
export type Batch = Record<string, BatchArray>;

/**
 * Turns a list of examples into one padded batch. Stateful collators (random masking) expose their
 * RNG state so checkpoints can restore it.
 */
export interface DataCollator {
  collate(features: readonly Features[]): Batch;
  getState?(): unknown;
  setState?(state: unknown): void;
}

/**
 * The features the Trainer feeds to models; other columns (raw text, ids) are ignored, as HF
 * Trainer's remove_unused_columns does. 'label' and 'label_ids' are renamed 'labels'.
 */
const MODEL_KEYS = [
  'input_ids',
  'attention_mask',
  'token_type_ids',
  'position_ids',
  'special_tokens_mask',
  'word_ids',
  'labels',
  'next_sentence_label',
] as const;
type ModelKey = (typeof MODEL_KEYS)[number];

const RENAMES: Record<string, ModelKey> = { label: 'labels', label_ids: 'labels' };

function padValue(key: ModelKey, padTokenId: number, labelPadTokenId: number): number {
  switch (key) {
    case 'input_ids':
      return padTokenId;
    case 'labels':
      return labelPadTokenId;
    case 'special_tokens_mask':
      return 1;
    case 'word_ids':
      return -1;
    default:
      return 0;
  }
}

function isNumberArray(v: unknown): v is ArrayLike<number> {
  return (
    Array.isArray(v) ||
    (ArrayBuffer.isView(v) &&
      !(v instanceof DataView) &&
      typeof (v as { length?: unknown }).length === 'number')
  );
}

function isFloatArray(v: unknown): boolean {
  return v instanceof Float32Array || v instanceof Float64Array;
}

/** Options of {@link DataCollatorWithPadding}. */
export interface PaddingOptions {
  /** Id written into padded input_ids positions. Default 0 ([PAD] in BERT vocabularies). */
  padTokenId?: number;
  /** Round the padded length up to a multiple of this (e.g. 8). */
  padToMultipleOf?: number;
  /** Value for padded label positions (token-level labels). Default -100 (ignored by the loss). */
  labelPadTokenId?: number;
  /** Force the labels dtype; default: float32 when any label is fractional or a Float32Array, else int32. */
  labelDtype?: 'int32' | 'float32';
}

/**
 * Dynamic padding, as HF's DataCollatorWithPadding: every sequence feature is right-padded to the
 * longest example of the batch (rounded up to `padToMultipleOf`), an attention_mask is created
 * when absent, scalars become [B] arrays.
 *
 * ```ts
 * new DataCollatorWithPadding({ padTokenId: 0 }).collate([
 *   { input_ids: [101, 7, 102], label: 1 },
 *   { input_ids: [101, 102], label: 0 },
 * ]);
 * // input_ids [2, 3] = [101, 7, 102, 101, 102, 0], attention_mask [1,1,1, 1,1,0], labels [2] = [1, 0]
 * ```
 */
export class DataCollatorWithPadding implements DataCollator {
  readonly padTokenId: number;
  readonly padToMultipleOf: number | undefined;
  readonly labelPadTokenId: number;
  readonly labelDtype: 'int32' | 'float32' | undefined;

  constructor(options: PaddingOptions = {}) {
    this.padTokenId = options.padTokenId ?? 0;
    this.padToMultipleOf = options.padToMultipleOf;
    this.labelPadTokenId = options.labelPadTokenId ?? -100;
    this.labelDtype = options.labelDtype;
    if (!Number.isInteger(this.padTokenId) || this.padTokenId < 0) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `DataCollatorWithPadding: padTokenId must be an integer >= 0, found ${this.padTokenId}`,
      );
    }
    if (
      this.padToMultipleOf !== undefined &&
      (!Number.isInteger(this.padToMultipleOf) || this.padToMultipleOf < 1)
    ) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `DataCollatorWithPadding: padToMultipleOf must be an integer >= 1, found ${this.padToMultipleOf}`,
      );
    }
  }

  collate(features: readonly Features[]): Batch {
    if (features.length === 0) {
      throw new TrainerError('EMPTY_BATCH', 'collate: expected at least one example, found 0');
    }
    // 1. Gather the model features present in the first example (HF decides from it too).
    const first = features[0] as Features;
    const keys = new Map<ModelKey, string>();
    for (const raw of Object.keys(first)) {
      const key = RENAMES[raw] ?? raw;
      if ((MODEL_KEYS as readonly string[]).includes(key)) {
        const v = first[raw];
        if (v === null || v === undefined) continue;
        keys.set(key as ModelKey, raw);
      }
    }
    if (!keys.has('input_ids')) {
      throw new TrainerError(
        'MISSING_COLUMN',
        `collate: example 0 has no 'input_ids' (found columns: ${Object.keys(first).join(', ') || 'none'}); tokenize the dataset first (map with the tokenizer)`,
      );
    }
    const batch: Batch = {};
    for (const [key, raw] of keys) {
      batch[key] = this.collateKey(features, key, raw);
    }
    // 2. attention_mask = 1 on real tokens when the examples carry none.
    if (!batch.attention_mask) {
      const ids = batch.input_ids as BatchArray;
      const lengths = features.map((f) => (f.input_ids as ArrayLike<number>).length);
      const [b, t] = ids.shape as [number, number];
      const mask = new Int32Array(b * t);
      for (let i = 0; i < b; i++) mask.fill(1, i * t, i * t + (lengths[i] as number));
      batch.attention_mask = { dtype: 'int32', shape: [b, t], data: mask };
    }
    return batch;
  }

  private collateKey(features: readonly Features[], key: ModelKey, raw: string): BatchArray {
    const values = features.map((f, row) => {
      const v = f[raw];
      if (v === undefined || v === null) {
        throw new TrainerError(
          'MISSING_COLUMN',
          `collate: example ${row} has no '${raw}' although example 0 has it; every example needs the same columns`,
        );
      }
      return v;
    });
    const isLabel = key === 'labels' || key === 'next_sentence_label';
    const float =
      isLabel &&
      (this.labelDtype === 'float32' ||
        (this.labelDtype === undefined &&
          values.some(
            (v) =>
              isFloatArray(v) ||
              (typeof v === 'number' && !Number.isInteger(v)) ||
              (isNumberArray(v) && Array.from(v).some((x) => !Number.isInteger(x))),
          )));
    const dtype = float ? 'float32' : 'int32';
    const check = (x: unknown, row: number): number => {
      if (typeof x !== 'number' || !Number.isFinite(x) || (!float && !Number.isInteger(x))) {
        throw new TrainerError(
          'BAD_FEATURE',
          `collate: example ${row} column '${raw}' holds ${JSON.stringify(x)}, expected ${float ? 'a finite number' : 'an integer'}`,
        );
      }
      return x;
    };
    // Scalars -> [B]
    if (values.every((v) => typeof v === 'number')) {
      const data = float ? new Float32Array(values.length) : new Int32Array(values.length);
      values.forEach((v, i) => {
        data[i] = check(v, i);
      });
      return { dtype, shape: [values.length], data };
    }
    if (!values.every(isNumberArray)) {
      const row = values.findIndex((v) => !isNumberArray(v) && typeof v !== 'number');
      const shown = row >= 0 ? typeof values[row] : 'a mix of numbers and arrays';
      throw new TrainerError(
        'BAD_FEATURE',
        `collate: column '${raw}' must hold numbers or arrays of numbers in every example, found ${shown}${row >= 0 ? ` at example ${row}` : ''}`,
      );
    }
    const arrays = values as ArrayLike<number>[];
    let width = Math.max(...arrays.map((a) => a.length));
    const sameLength = arrays.every((a) => a.length === width);
    if (isLabel && float && !sameLength) {
      throw new TrainerError(
        'BAD_FEATURE',
        `collate: float '${raw}' vectors must all have the same length (multi-label targets), found lengths ${[...new Set(arrays.map((a) => a.length))].join(', ')}`,
      );
    }
    // Sequence features are padded; label vectors of equal length are kept as they are.
    const pads = !(isLabel && sameLength);
    if (pads && this.padToMultipleOf !== undefined) {
      width = Math.ceil(width / this.padToMultipleOf) * this.padToMultipleOf;
    }
    const fill = padValue(key, this.padTokenId, this.labelPadTokenId);
    const b = arrays.length;
    const data = float ? new Float32Array(b * width) : new Int32Array(b * width);
    data.fill(fill);
    arrays.forEach((a, row) => {
      for (let j = 0; j < a.length; j++) data[row * width + j] = check(a[j], row);
    });
    return { dtype, shape: [b, width], data };
  }
}

/** Options of {@link DataCollatorForLanguageModeling}. */
export interface LanguageModelingOptions extends PaddingOptions {
  /** The [MASK] id. Required when `mlm` is true. */
  maskTokenId?: number;
  /** Size of the vocabulary random replacements are drawn from. Required when `mlm` is true. */
  vocabSize?: number;
  /** Ids never masked ([CLS], [SEP], [PAD], [UNK], [MASK] ...). */
  specialTokenIds?: readonly number[];
  /** Masked language modelling (true) or causal labels (false). Default true. */
  mlm?: boolean;
  /** Fraction of real, non-special tokens selected for prediction. Default 0.15. */
  mlmProbability?: number;
  /** Mask whole words: every piece of a selected word. Default false. */
  wholeWordMask?: boolean;
  /**
   * For whole-word masking without a `word_ids` column: whether an id continues the previous
   * word (WordPiece: its token starts with '##').
   */
  isContinuation?: (id: number) => boolean;
  /** Seed of the masking RNG. Default 42. */
  seed?: number;
}

/**
 * Masked-language-model batches, as HF's DataCollatorForLanguageModeling (+ whole-word masking as
 * DataCollatorForWholeWordMask):
 * 1. pad the batch (DataCollatorWithPadding);
 * 2. select tokens with probability mlmProbability among real, non-special tokens (whole words:
 *    shuffle the words and take whole words until round(n * p) tokens are selected);
 * 3. labels = the original id at selected positions, -100 elsewhere;
 * 4. of the selected: 80 % -> [MASK], 10 % -> a random id in [0, vocabSize), 10 % unchanged.
 * The RNG is seeded and its state is saved in checkpoints, so masks replay exactly on resume.
 * A `next_sentence_label` column passes through (BertForPreTraining batches).
 */
export class DataCollatorForLanguageModeling implements DataCollator {
  readonly mlm: boolean;
  readonly mlmProbability: number;
  readonly wholeWordMask: boolean;
  private readonly padder: DataCollatorWithPadding;
  private readonly maskTokenId: number;
  private readonly vocabSize: number;
  private readonly special: Set<number>;
  private readonly isContinuation: ((id: number) => boolean) | undefined;
  private readonly rng: Rng;

  constructor(options: LanguageModelingOptions = {}) {
    this.padder = new DataCollatorWithPadding({ ...options, labelPadTokenId: -100 });
    this.mlm = options.mlm ?? true;
    this.mlmProbability = options.mlmProbability ?? 0.15;
    this.wholeWordMask = options.wholeWordMask ?? false;
    this.isContinuation = options.isContinuation;
    this.special = new Set(options.specialTokenIds ?? []);
    this.special.add(this.padder.padTokenId);
    this.rng = new Rng(options.seed ?? 42);
    const where = 'DataCollatorForLanguageModeling';
    if (
      !(this.mlmProbability > 0 && this.mlmProbability < 1) ||
      !Number.isFinite(this.mlmProbability)
    ) {
      throw new TrainerError(
        'INVALID_ARGUMENT',
        `${where}: mlmProbability must be in (0, 1), found ${this.mlmProbability}`,
      );
    }
    if (this.mlm) {
      if (options.maskTokenId === undefined || !Number.isInteger(options.maskTokenId)) {
        throw new TrainerError(
          'INVALID_ARGUMENT',
          `${where}: maskTokenId is required for masked language modelling (the [MASK] id, 103 in bert-base-uncased), found ${options.maskTokenId}; pass mlm: false for causal labels`,
        );
      }
      if (
        options.vocabSize === undefined ||
        !Number.isInteger(options.vocabSize) ||
        options.vocabSize < 1
      ) {
        throw new TrainerError(
          'INVALID_ARGUMENT',
          `${where}: vocabSize must be an integer >= 1 (random replacements are drawn from it), found ${options.vocabSize}`,
        );
      }
    }
    this.maskTokenId = options.maskTokenId ?? -1;
    this.vocabSize = options.vocabSize ?? 0;
  }

  collate(features: readonly Features[]): Batch {
    const batch = this.padder.collate(features);
    const ids = batch.input_ids as BatchArray;
    const mask = batch.attention_mask as BatchArray;
    const [b, t] = ids.shape as [number, number];
    const input = Int32Array.from(ids.data);
    const labels = new Int32Array(b * t).fill(-100);
    const specialMask = batch.special_tokens_mask;
    const wordIds = batch.word_ids;
    delete batch.special_tokens_mask;
    delete batch.word_ids;

    const eligible = (i: number): boolean =>
      mask.data[i] === 1 &&
      !this.special.has(input[i] as number) &&
      (specialMask === undefined || specialMask.data[i] === 0);

    if (!this.mlm) {
      // Causal LM: labels are the inputs, padding ignored.
      for (let i = 0; i < b * t; i++) if (mask.data[i] === 1) labels[i] = input[i] as number;
      batch.labels = { dtype: 'int32', shape: [b, t], data: labels };
      return batch;
    }

    for (let row = 0; row < b; row++) {
      const selected = this.wholeWordMask
        ? this.selectWholeWords(row, t, input, eligible, wordIds)
        : this.selectTokens(row, t, eligible);
      for (const i of selected) {
        labels[i] = input[i] as number;
        const r = this.rng.random();
        if (r < 0.8) input[i] = this.maskTokenId;
        else if (r < 0.9) input[i] = this.rng.int(this.vocabSize);
        // else: unchanged
      }
    }
    batch.input_ids = { dtype: 'int32', shape: [b, t], data: input };
    batch.labels = { dtype: 'int32', shape: [b, t], data: labels };
    return batch;
  }

  getState(): unknown {
    return { rng: this.rng.getState() };
  }

  setState(state: unknown): void {
    const s = state as { rng?: number[] } | null;
    if (!s || !Array.isArray(s.rng)) {
      throw new TrainerError(
        'BAD_CHECKPOINT',
        `DataCollatorForLanguageModeling: expected a state {rng: number[4]}, found ${JSON.stringify(state)}`,
      );
    }
    this.rng.setState(s.rng);
  }

  /** Bernoulli(p) per eligible token. */
  private selectTokens(row: number, t: number, eligible: (i: number) => boolean): number[] {
    const out: number[] = [];
    for (let j = 0; j < t; j++) {
      const i = row * t + j;
      if (eligible(i) && this.rng.random() < this.mlmProbability) out.push(i);
    }
    return out;
  }

  /** Whole words, shuffled, until round(n * p) tokens are selected (HF _whole_word_mask). */
  private selectWholeWords(
    row: number,
    t: number,
    input: Int32Array,
    eligible: (i: number) => boolean,
    wordIds: BatchArray | undefined,
  ): number[] {
    // 1. Group eligible positions into words.
    const words: number[][] = [];
    let lastWord = Number.NaN;
    let n = 0;
    for (let j = 0; j < t; j++) {
      const i = row * t + j;
      if (!eligible(i)) {
        lastWord = Number.NaN;
        continue;
      }
      n += 1;
      let continues: boolean;
      if (wordIds) {
        const w = wordIds.data[i] as number;
        continues = w >= 0 && w === lastWord;
        lastWord = w;
      } else if (this.isContinuation) {
        continues =
          words.length > 0 && !Number.isNaN(lastWord) && this.isContinuation(input[i] as number);
        lastWord = 0;
      } else {
        throw new TrainerError(
          'INVALID_ARGUMENT',
          "DataCollatorForLanguageModeling: wholeWordMask needs a 'word_ids' column in the examples or an isContinuation(id) option (WordPiece: token starts with '##')",
        );
      }
      if (continues) (words[words.length - 1] as number[]).push(i);
      else words.push([i]);
    }
    if (n === 0) return [];
    // 2. Take shuffled whole words while they fit in the budget.
    const budget = Math.max(1, Math.round(n * this.mlmProbability));
    this.rng.shuffle(words);
    const out: number[] = [];
    for (const w of words) {
      if (out.length >= budget) break;
      if (out.length + w.length > budget) continue;
      out.push(...w);
    }
    return out;
  }
}

/** Options of {@link createNextSentencePredictionExamples}. */
export interface NspOptions {
  /** Maximum length of [CLS] A [SEP] B [SEP]. */
  blockSize: number;
  clsTokenId: number;
  sepTokenId: number;
  /** Probability that B is a random segment from another document. Default 0.5. */
  nspProbability?: number;
  /** Probability of a shorter target length (2..max). Default 0.1. */
  shortSeqProbability?: number;
  /** Default 42. */
  seed?: number;
}

/**
 * Sentence-pair examples for BERT pre-training, as HF's TextDatasetForNextSentencePrediction
 * (create_examples_from_document): per document, segments (tokenized sentences) are gathered
 * into chunks of about `blockSize - 3` tokens; A = the first k segments of the chunk, B = the rest
 * (next_sentence_label 0, IsNext) or, with probability nspProbability (and always for a
 * one-segment chunk), segments from a random other document (label 1, NotNext), whose unused
 * segments are put back. Pairs are truncated from a random end of the longer side.
 *
 * `documents[d][s]` = token ids of sentence s of document d (no special tokens).
 * Returns examples {input_ids, token_type_ids, next_sentence_label}.
 */
export function createNextSentencePredictionExamples(
  documents: readonly (readonly (readonly number[])[])[],
  options: NspOptions,
): Features[] {
  const where = 'createNextSentencePredictionExamples';
  const nspProbability = options.nspProbability ?? 0.5;
  const shortSeqProbability = options.shortSeqProbability ?? 0.1;
  const maxNumTokens = options.blockSize - 3; // [CLS] A [SEP] B [SEP]
  if (!Number.isInteger(options.blockSize) || maxNumTokens < 2) {
    throw new TrainerError(
      'INVALID_ARGUMENT',
      `${where}: blockSize must be an integer >= 5 ([CLS] A [SEP] B [SEP] with A and B non-empty), found ${options.blockSize}`,
    );
  }
  const docs = documents.map((d) => d.filter((s) => s.length > 0));
  if (docs.filter((d) => d.length > 0).length < 2) {
    throw new TrainerError(
      'EMPTY_DATASET',
      `${where}: expected at least 2 non-empty documents (random next sentences come from another document), found ${docs.filter((d) => d.length > 0).length}`,
    );
  }
  const rng = new Rng(options.seed ?? 42);
  const examples: Features[] = [];
  docs.forEach((document, docIndex) => {
    let target = maxNumTokens;
    if (rng.random() < shortSeqProbability) target = rng.randint(2, maxNumTokens);
    let chunk: (readonly number[])[] = [];
    let chunkLength = 0;
    let i = 0;
    while (i < document.length) {
      const segment = document[i] as readonly number[];
      chunk.push(segment);
      chunkLength += segment.length;
      if (i === document.length - 1 || chunkLength >= target) {
        if (chunk.length > 0) {
          // A = chunk[0..aEnd)
          const aEnd = chunk.length >= 2 ? rng.randint(1, chunk.length - 1) : 1;
          const a: number[] = chunk.slice(0, aEnd).flat();
          let bTokens: number[] = [];
          let isRandomNext = false;
          if (chunk.length === 1 || rng.random() < nspProbability) {
            isRandomNext = true;
            const targetB = target - a.length;
            // A random other document (10 tries, as HF; the last try may be this document
            // only if every try hit it, which HF also allows).
            let randomDoc = docIndex;
            for (let tries = 0; tries < 10; tries++) {
              randomDoc = rng.int(docs.length);
              if (randomDoc !== docIndex && (docs[randomDoc] as unknown[]).length > 0) break;
            }
            const other = docs[randomDoc] as (readonly number[])[];
            if (other.length > 0) {
              const start = rng.int(other.length);
              for (let j = start; j < other.length; j++) {
                bTokens.push(...(other[j] as number[]));
                if (bTokens.length >= targetB) break;
              }
            }
            // Put the unused segments back.
            i -= chunk.length - aEnd;
          } else {
            bTokens = chunk.slice(aEnd).flat();
          }
          if (a.length >= 1 && bTokens.length >= 1) {
            truncatePair(a, bTokens, maxNumTokens, rng);
            const inputIds = [
              options.clsTokenId,
              ...a,
              options.sepTokenId,
              ...bTokens,
              options.sepTokenId,
            ];
            const tokenTypeIds = [
              ...new Array<number>(a.length + 2).fill(0),
              ...new Array<number>(bTokens.length + 1).fill(1),
            ];
            examples.push({
              input_ids: inputIds,
              token_type_ids: tokenTypeIds,
              next_sentence_label: isRandomNext ? 1 : 0,
            });
          }
        }
        chunk = [];
        chunkLength = 0;
      }
      i += 1;
    }
  });
  return examples;
}

/** HF truncate_seq_pair: drop tokens from a random end of the longer side until it fits. */
function truncatePair(a: number[], b: number[], max: number, rng: Rng): void {
  while (a.length + b.length > max) {
    const longer = a.length > b.length ? a : b;
    if (longer.length <= 1) break;
    if (rng.random() < 0.5) longer.shift();
    else longer.pop();
  }
}
