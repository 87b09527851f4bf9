import { readFileSync } from 'node:fs';
import type { EncodingBatch, PackedEncoding } from '../binding.cjs';
import { binding } from './binding.js';
import { native, TokenizerError } from './errors.js';
import type { Offsets } from './pre_tokenizer.js';

type NativeTokenizer = InstanceType<typeof binding.NativeTokenizer>;

/** One input: a text, or a text already split into words (offsets are then per word). */
export type InputSequence = string | readonly string[];

/** `u32::MAX` in the native buffers: no word / no sequence. */
const NONE = 0xffffffff;

/**
 * A batch of encodings as the binding returns it: a table, one typed array per field and one
 * string of all the token strings (layout in `native/src/tokenizer.rs`, `EncodingBatch`).
 * `Encoding`s are views into it: nothing per token is built in JS until a property is read.
 */
class FlatBatch {
  readonly b: EncodingBatch;
  /** Start of the per-encoding entries in `table`. */
  readonly entries: number;

  constructor(batch: EncodingBatch) {
    this.b = batch;
    this.entries = 3 + (batch.table[1] ?? 0);
  }

  /** `encode`'s single buffer, cut into the same columns (views, no copies). */
  static unpack(p: PackedEncoding): FlatBatch {
    const d = p.data;
    const tableLen = d[0] ?? 0;
    const t = d[1] ?? 0;
    let at = 2 + tableLen;
    const next = (n: number) => {
      const v = d.subarray(at, at + n);
      at += n;
      return v;
    };
    return new FlatBatch({
      table: d.subarray(2, 2 + tableLen),
      ids: next(t),
      typeIds: next(t),
      attentionMask: next(t),
      specialTokensMask: next(t),
      words: next(t),
      sequenceIds: next(t),
      tokenEnds: next(t),
      offsets: next(2 * t),
      tokens: p.tokens,
    });
  }

  /** The top-level encodings, in input order. */
  roots(): Encoding[] {
    const n = this.b.table[1] ?? 0;
    const out: Encoding[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = new Encoding(this, this.b.table[3 + i] ?? 0);
    return out;
  }

  /** Entry `k` (0 token start, 1 token end, 2 overflow start, 3 overflow end) of encoding `i`. */
  entry(i: number, k: number): number {
    return this.b.table[this.entries + 4 * i + k] ?? 0;
  }
}

/**
 * The result of encoding one input (or a pair), aligned token by token.
 *
 * @example
 * const e = tok.encode('Hello, world!');
 * e.tokens;  // -> ['[CLS]', 'hello', ',', 'world', '!', '[SEP]']
 * e.offsets; // -> [[0, 0], [0, 5], [5, 6], [7, 12], [12, 13], [0, 0]]
 */
export class Encoding {
  readonly #batch: FlatBatch;
  readonly #index: number;
  readonly #start: number;
  readonly #end: number;
  #overflowing: Encoding[] | undefined;

  /** @internal built by `Tokenizer` only: encoding `index` of a native batch. */
  constructor(batch: FlatBatch, index: number) {
    this.#batch = batch;
    this.#index = index;
    this.#start = batch.entry(index, 0);
    this.#end = batch.entry(index, 1);
  }

  #column(c: Exclude<keyof EncodingBatch, 'table' | 'tokens' | 'offsets'>): Uint32Array {
    return this.#batch.b[c].subarray(this.#start, this.#end);
  }

  get length(): number {
    return this.#end - this.#start;
  }
  /** Token ids. */
  get ids(): number[] {
    return Array.from(this.#column('ids'));
  }
  /** Segment (token type) ids: 0 for the first sequence, 1 for the pair with BERT. */
  get typeIds(): number[] {
    return Array.from(this.#column('typeIds'));
  }
  /** Token strings (built on each read, from the batch's one string). */
  get tokens(): string[] {
    // Token i is tokens[end(i - 1), end(i)) of the batch string.
    const b = this.#batch.b;
    const ends = this.#column('tokenEnds');
    let from = this.#start === 0 ? 0 : (b.tokenEnds[this.#start - 1] ?? 0);
    const out: string[] = new Array(ends.length);
    for (let i = 0; i < ends.length; i++) {
      const to = ends[i] ?? from;
      out[i] = b.tokens.slice(from, to);
      from = to;
    }
    return out;
  }
  /** Per token, `[start, end)` in the original input (chars, or UTF-8 bytes if asked). */
  get offsets(): Offsets[] {
    const flat = this.#batch.b.offsets;
    const at = 2 * this.#start;
    const out: Offsets[] = new Array(this.length);
    for (let i = 0; i < out.length; i++)
      out[i] = [flat[at + 2 * i] ?? 0, flat[at + 2 * i + 1] ?? 0];
    return out;
  }
  /** 1 for real tokens, 0 for padding. */
  get attentionMask(): number[] {
    return Array.from(this.#column('attentionMask'));
  }
  /** 1 for tokens the post-processor or padding added, 0 for the input's tokens. */
  get specialTokensMask(): number[] {
    return Array.from(this.#column('specialTokensMask'));
  }
  /** Per token, the index of the word it belongs to; `null` for special tokens and padding. */
  get wordIds(): (number | null)[] {
    return Array.from(this.#column('words'), (w) => (w === NONE ? null : w));
  }
  /** Per token, 0 or 1 for the sequence it comes from; `null` for special tokens. */
  get sequenceIds(): (number | null)[] {
    return Array.from(this.#column('sequenceIds'), (s) => (s === NONE ? null : s));
  }
  /** The windows truncation cut off (with `stride` tokens of overlap). */
  get overflowing(): Encoding[] {
    if (this.#overflowing === undefined) {
      const from = this.#batch.entry(this.#index, 2);
      const to = this.#batch.entry(this.#index, 3);
      const out: Encoding[] = [];
      for (let i = from; i < to; i++) out.push(new Encoding(this.#batch, i));
      this.#overflowing = out;
    }
    return this.#overflowing.slice();
  }
}

/** Truncation, with HF's semantics. */
export interface TruncationOptions {
  maxLength: number;
  /** Tokens of overlap between overflowing windows (default 0). */
  stride?: number;
  /** Default `'longest_first'`. */
  strategy?: 'longest_first' | 'only_first' | 'only_second';
  /** Which end loses tokens (default `'right'`). */
  direction?: 'left' | 'right';
}

/** Padding, with HF's semantics. */
export interface PaddingOptions {
  /** A fixed length; absent = the longest of each batch. */
  length?: number;
  /** Round the length up to a multiple of this. */
  padToMultipleOf?: number;
  /** Default `'right'`. */
  direction?: 'left' | 'right';
  padId?: number;
  padTypeId?: number;
  padToken?: string;
}

export interface EncodeOptions {
  /** Add [CLS]/[SEP] etc. (default true). */
  addSpecialTokens?: boolean;
  /** Offsets in UTF-8 bytes instead of chars (default false). */
  byteOffsets?: boolean;
}

export interface EncodeBatchOptions extends EncodeOptions {
  /** Native threads to use; 0 or absent = every core. */
  threads?: number;
}

/** Options of `Tokenizer.fromVocab` (transformers' `BertTokenizer` arguments). */
export interface BertVocabOptions {
  /** Default true (bert-base-uncased); false for cased vocabs. */
  lowercase?: boolean;
  /** Default: same as `lowercase`. */
  stripAccents?: boolean;
  cleanText?: boolean;
  handleChineseChars?: boolean;
  unkToken?: string;
  sepToken?: string;
  clsToken?: string;
  padToken?: string;
  maskToken?: string;
  wordpiecesPrefix?: string;
  maxInputCharsPerWord?: number;
}

/** Options of `Tokenizer.fromBpeFiles` (transformers' `GPT2Tokenizer` / `RobertaTokenizer`). */
export interface BpeFilesOptions {
  /**
   * `'gpt2'` (default): no special tokens around the text, `<|endoftext|>` special.
   * `'roberta'`: `<s> A </s>` / `<s> A </s></s> B </s>`, type ids all 0, specials
   * `<s> </s> <unk> <pad> <mask>` (added after the vocab when it lacks them).
   */
  flavor?: 'gpt2' | 'roberta';
  /** Prepend a space so the first word is spelled like the others. Default false. */
  addPrefixSpace?: boolean;
  /** RoBERTa: offsets leave out the spaces tokens carry. Default true. */
  trimOffsets?: boolean;
}

/** An added token, with HF's options. */
export interface AddedTokenOptions {
  content: string;
  special?: boolean;
  singleWord?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  /** Default: `!special`. */
  normalized?: boolean;
}

const STRATEGIES = {
  longest_first: 'LongestFirst',
  only_first: 'OnlyFirst',
  only_second: 'OnlySecond',
} as const;
const DIRECTIONS = { left: 'Left', right: 'Right' } as const;

/** The binding takes mutable arrays; inputs are only read. */
function pairsOf(inputs: readonly InputSequence[]): (string | string[])[] {
  return inputs as (string | string[])[];
}

/**
 * An HF-compatible tokenizer: normalizer -> pre-tokenizer -> model -> post-processor, with
 * added tokens, truncation and padding; decodes with its decoder.
 *
 * @example
 * const tok = Tokenizer.fromFile('tokenizer.json');
 * tok.encode('Hello world').ids;          // -> [101, 7592, 2088, 102]
 * await tok.encodeBatch(['a', 'b c']);    // runs on native threads
 * tok.decode([101, 7592, 2088, 102], { skipSpecialTokens: true }); // -> 'hello world'
 */
export class Tokenizer {
  readonly #inner: NativeTokenizer;

  private constructor(inner: NativeTokenizer) {
    this.#inner = inner;
  }

  /** Loads a `tokenizer.json`. @throws {TokenizerError} naming the file and field. */
  static fromFile(path: string): Tokenizer {
    return new Tokenizer(native(() => binding.NativeTokenizer.fromFile(path)));
  }

  /** Parses `tokenizer.json` content (text or object). */
  static fromJson(json: string | object, source = 'tokenizer.json'): Tokenizer {
    const text = typeof json === 'string' ? json : JSON.stringify(json);
    return new Tokenizer(native(() => binding.NativeTokenizer.fromJson(text, source)));
  }

  /** A BERT WordPiece tokenizer from a slow `vocab.txt`, as transformers converts it. */
  static fromVocab(vocabTxtPath: string, options: BertVocabOptions = {}): Tokenizer {
    return new Tokenizer(
      native(() => binding.NativeTokenizer.fromBertVocab(vocabTxtPath, JSON.stringify(options))),
    );
  }

  /**
   * A byte-level BPE tokenizer from GPT-2-style `vocab.json` + `merges.txt`, component for
   * component as transformers builds `GPT2Tokenizer` / `RobertaTokenizer` from those files.
   *
   * @example
   * const gpt2 = Tokenizer.fromBpeFiles('vocab.json', 'merges.txt');
   * gpt2.encode('Hello world').ids; // -> [15496, 995]
   */
  static fromBpeFiles(
    vocabJsonPath: string,
    mergesTxtPath: string,
    options: BpeFilesOptions = {},
  ): Tokenizer {
    return new Tokenizer(
      native(() =>
        binding.NativeTokenizer.fromBpeFiles(vocabJsonPath, mergesTxtPath, JSON.stringify(options)),
      ),
    );
  }

  /** Same as `fromVocab`, for a `tokenizer_config.json`-described BERT folder's files. */
  static fromPretrainedFiles(files: { vocab: string; config?: string }): Tokenizer {
    let options: BertVocabOptions = {};
    if (files.config !== undefined) {
      let cfg: Record<string, unknown>;
      try {
        cfg = JSON.parse(readFileSync(files.config, 'utf8')) as Record<string, unknown>;
      } catch (e) {
        throw new TokenizerError(
          'INVALID_JSON',
          `${files.config}: cannot read tokenizer_config.json: ${(e as Error).message}`,
          { cause: e },
        );
      }
      const str = (k: string) => (typeof cfg[k] === 'string' ? (cfg[k] as string) : undefined);
      options = {
        ...(typeof cfg.do_lower_case === 'boolean' ? { lowercase: cfg.do_lower_case } : {}),
        ...(typeof cfg.strip_accents === 'boolean' ? { stripAccents: cfg.strip_accents } : {}),
        ...(typeof cfg.tokenize_chinese_chars === 'boolean'
          ? { handleChineseChars: cfg.tokenize_chinese_chars }
          : {}),
        ...(str('unk_token') ? { unkToken: str('unk_token') } : {}),
        ...(str('sep_token') ? { sepToken: str('sep_token') } : {}),
        ...(str('cls_token') ? { clsToken: str('cls_token') } : {}),
        ...(str('pad_token') ? { padToken: str('pad_token') } : {}),
        ...(str('mask_token') ? { maskToken: str('mask_token') } : {}),
      };
    }
    return Tokenizer.fromVocab(files.vocab, options);
  }

  /** Encodes one input, or a pair. */
  encode(input: InputSequence, pair?: InputSequence | null, options: EncodeOptions = {}): Encoding {
    const data = native(() =>
      this.#inner.encode(
        input as string | string[],
        (pair ?? null) as string | string[] | null,
        options.addSpecialTokens ?? true,
        options.byteOffsets ?? false,
      ),
    );
    return new Encoding(FlatBatch.unpack(data), 0);
  }

  /**
   * Encodes many inputs on native threads, off the JS thread. `pairs`, if given, holds one
   * second sequence per input.
   */
  async encodeBatch(
    inputs: readonly InputSequence[],
    options: EncodeBatchOptions & { pairs?: readonly InputSequence[] } = {},
  ): Promise<Encoding[]> {
    try {
      const out = await this.#inner.encodeBatch(
        pairsOf(inputs),
        options.pairs === undefined ? null : pairsOf(options.pairs),
        {
          addSpecialTokens: options.addSpecialTokens ?? true,
          byteOffsets: options.byteOffsets ?? false,
        },
        options.threads ?? 0,
      );
      return new FlatBatch(out).roots();
    } catch (e) {
      return native(() => {
        throw e;
      });
    }
  }

  /** The synchronous twin of `encodeBatch` (still uses native threads, blocks JS). */
  encodeBatchSync(
    inputs: readonly InputSequence[],
    options: EncodeBatchOptions & { pairs?: readonly InputSequence[] } = {},
  ): Encoding[] {
    const out = native(() =>
      this.#inner.encodeBatchSync(
        pairsOf(inputs),
        options.pairs === undefined ? null : pairsOf(options.pairs),
        {
          addSpecialTokens: options.addSpecialTokens ?? true,
          byteOffsets: options.byteOffsets ?? false,
        },
        options.threads ?? 0,
      ),
    );
    return new FlatBatch(out).roots();
  }

  /** Ids back to text. @throws {TokenizerError} `ID_OUT_OF_RANGE` for an unknown id. */
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    checkIds(ids);
    return native(() => this.#inner.decode(ids as number[], options.skipSpecialTokens ?? false));
  }

  /**
   * Decodes many id lists at once, on native threads.
   *
   * @example
   * tok.decodeBatch([[7592], [2088]]); // -> ['hello', 'world']
   */
  decodeBatch(
    batch: readonly (readonly number[])[],
    options: { skipSpecialTokens?: boolean; threads?: number } = {},
  ): string[] {
    // One typed array of every id, end to end, plus the lengths: two values cross to native
    // instead of one array per list.
    let total = 0;
    for (const ids of batch) total += ids.length;
    const flat = new Uint32Array(total);
    const lengths = new Uint32Array(batch.length);
    let at = 0;
    for (let i = 0; i < batch.length; i++) {
      const ids = batch[i] as readonly number[];
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) badId(id);
        flat[at++] = id;
      }
      lengths[i] = ids.length;
    }
    return native(() =>
      this.#inner.decodeBatch(
        flat,
        lengths,
        options.skipSpecialTokens ?? false,
        options.threads ?? 0,
      ),
    );
  }

  tokenToId(token: string): number | null {
    return this.#inner.tokenToId(token);
  }

  idToToken(id: number): string | null {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) return null;
    return this.#inner.idToToken(id);
  }

  /** Vocabulary size, with the added tokens unless told otherwise. */
  vocabSize(options: { withAddedTokens?: boolean } = {}): number {
    return this.#inner.vocabSize(options.withAddedTokens ?? true);
  }

  getVocab(options: { withAddedTokens?: boolean } = {}): Record<string, number> {
    return this.#inner.getVocab(options.withAddedTokens ?? true);
  }

  /** Adds tokens; returns how many were new. */
  addTokens(tokens: readonly (string | AddedTokenOptions)[]): number {
    const json = tokens.map((t) => {
      const o = typeof t === 'string' ? { content: t } : t;
      const special = o.special ?? false;
      return {
        content: o.content,
        single_word: o.singleWord ?? false,
        lstrip: o.lstrip ?? false,
        rstrip: o.rstrip ?? false,
        normalized: o.normalized ?? !special,
        special,
      };
    });
    return native(() => this.#inner.addTokens(JSON.stringify(json)));
  }

  /** Sets truncation (`null` disables it). */
  setTruncation(options: TruncationOptions | null): this {
    const json =
      options === null
        ? null
        : JSON.stringify({
            direction: DIRECTIONS[options.direction ?? 'right'],
            max_length: options.maxLength,
            strategy: STRATEGIES[options.strategy ?? 'longest_first'],
            stride: options.stride ?? 0,
          });
    native(() => this.#inner.setTruncation(json));
    return this;
  }

  /** Sets padding (`null` disables it). */
  setPadding(options: PaddingOptions | null): this {
    const json =
      options === null
        ? null
        : JSON.stringify({
            strategy: options.length === undefined ? 'BatchLongest' : { Fixed: options.length },
            direction: DIRECTIONS[options.direction ?? 'right'],
            pad_to_multiple_of: options.padToMultipleOf ?? null,
            pad_id: options.padId ?? 0,
            pad_type_id: options.padTypeId ?? 0,
            pad_token: options.padToken ?? '[PAD]',
          });
    native(() => this.#inner.setPadding(json));
    return this;
  }

  /** The `tokenizer.json` object. */
  toJson(): Record<string, unknown> {
    return JSON.parse(native(() => this.#inner.toJson(false))) as Record<string, unknown>;
  }

  /** The `tokenizer.json` text, pretty-printed byte for byte as HF's `save` writes it. */
  toString(): string {
    return native(() => this.#inner.toJson(true));
  }

  /** Writes `tokenizer.json` atomically (pretty by default, as HF). */
  save(path: string, options: { pretty?: boolean } = {}): void {
    native(() => this.#inner.save(path, options.pretty ?? true));
  }
}

function badId(id: number): never {
  throw new TokenizerError(
    'ID_OUT_OF_RANGE',
    `id ${String(id)} is not a valid token id (expected an integer in [0, vocabSize))`,
  );
}

function checkIds(ids: readonly number[]): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) badId(id);
  }
}
