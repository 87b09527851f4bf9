import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type Encoding, type Tokenizer, TokenizerError } from '@transferjs/tokenizers-native';
import { TransformersError } from './errors.js';
import { writeFileAtomic } from './utils/fs.js';

/** tokenizer_config.json, as read (snake_case keys; unknown ones kept and written back). */
export type TokenizerConfigDict = Record<string, unknown>;

/** HF writes a huge model_max_length (1e30) for "no limit"; anything above this means unbounded. */
const UNBOUNDED = 1e9;

export interface TokenizeOptions {
  /** Second sequences (sentence pairs, QA contexts), one per text. */
  pairs?: readonly string[];
  /** Pad to the longest in the batch (true / 'longest'), or to maxLength ('max_length'). Default true. */
  padding?: boolean | 'longest' | 'max_length';
  /** Truncate to maxLength (default: modelMaxLength) with this strategy. Default: no truncation. */
  truncation?: boolean | 'longest_first' | 'only_first' | 'only_second';
  maxLength?: number;
  /** Add [CLS] / [SEP] (default true). */
  addSpecialTokens?: boolean;
  /** With truncation: tokens of overlap between the windows of a too-long input. */
  stride?: number;
  /**
   * Keep the truncated-away rest as extra rows (one per window, HF's
   * return_overflowing_tokens); `overflowToSampleMapping` says which text each row came from.
   */
  returnOverflowing?: boolean;
}

/** A tokenized batch: int32 [B, L] tensors the models take, plus the per-text encodings (offsets...). */
export interface BatchEncoding {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  tokenTypeIds: tf.Tensor2D;
  /** One per row. */
  encodings: Encoding[];
  /** Row -> index of the text it came from (identity unless returnOverflowing). */
  overflowToSampleMapping: number[];
}

function tokenString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  // Older files store AddedToken objects: { "content": "[CLS]", "lstrip": false, ... }
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return null;
}

/**
 * A fast tokenizer (@transferjs/tokenizers-native) with what tokenizer_config.json adds: special
 * tokens, model_max_length, padding side. Produces the int32 tensors ModelInputs expects.
 *
 * @example
 * const tok = await AutoTokenizer.fromPretrained('./bert');
 * const batch = await tok.encode(['Hello world', 'Hi'], { truncation: true });
 * batch.inputIds.shape // [2, 4]
 */
export class PreTrainedTokenizer {
  readonly modelMaxLength: number | null;
  readonly paddingSide: 'left' | 'right';
  readonly truncationSide: 'left' | 'right';
  readonly clsToken: string | null;
  readonly sepToken: string | null;
  readonly padToken: string | null;
  readonly maskToken: string | null;
  readonly unkToken: string | null;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly config: TokenizerConfigDict = {},
    readonly source = 'tokenizer',
  ) {
    const mml = config.model_max_length;
    this.modelMaxLength =
      typeof mml === 'number' && mml > 0 && mml < UNBOUNDED ? Math.floor(mml) : null;
    this.paddingSide = config.padding_side === 'left' ? 'left' : 'right';
    this.truncationSide = config.truncation_side === 'left' ? 'left' : 'right';
    const special = (key: string, dflt: string): string | null => {
      const v = tokenString(config[key]);
      if (v !== null) return v;
      return tokenizer.tokenToId(dflt) !== null ? dflt : null;
    };
    this.clsToken = special('cls_token', '[CLS]') ?? special('bos_token', '<s>');
    this.sepToken = special('sep_token', '[SEP]') ?? special('eos_token', '</s>');
    this.padToken = special('pad_token', '[PAD]') ?? special('pad_token', '<pad>');
    this.maskToken = special('mask_token', '[MASK]') ?? special('mask_token', '<mask>');
    this.unkToken = special('unk_token', '[UNK]') ?? special('unk_token', '<unk>');
    for (const [k, v] of Object.entries({
      padding_side: config.padding_side,
      truncation_side: config.truncation_side,
    })) {
      if (v !== undefined && v !== 'left' && v !== 'right') {
        throw new TransformersError(
          'INVALID_CONFIG',
          `${source}: field '${k}' must be 'left' or 'right', found ${JSON.stringify(v)}`,
        );
      }
    }
  }

  private idOf(token: string | null): number | null {
    return token === null ? null : this.tokenizer.tokenToId(token);
  }
  get padTokenId(): number {
    return this.idOf(this.padToken) ?? 0;
  }
  get maskTokenId(): number | null {
    return this.idOf(this.maskToken);
  }
  get clsTokenId(): number | null {
    return this.idOf(this.clsToken);
  }

  /** Calls run one after another: truncation is a setting of the shared native tokenizer. */
  private queue: Promise<unknown> = Promise.resolve();

  /** Encodes texts (and pairs) on native threads, pads, and returns int32 [B, L] tensors. */
  encode(texts: string | readonly string[], options: TokenizeOptions = {}): Promise<BatchEncoding> {
    const run = this.queue.then(() => this.encodeNow(texts, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async encodeNow(
    texts: string | readonly string[],
    options: TokenizeOptions,
  ): Promise<BatchEncoding> {
    const list = typeof texts === 'string' ? [texts] : texts;
    if (options.pairs && options.pairs.length !== list.length) {
      throw new TransformersError(
        'INVALID_INPUT',
        `${options.pairs.length} pairs for ${list.length} texts; give one second sequence per text`,
      );
    }
    const truncation = options.truncation ?? false;
    const maxLength = options.maxLength ?? this.modelMaxLength ?? undefined;
    if ((truncation || options.padding === 'max_length') && maxLength === undefined) {
      throw new TransformersError(
        'INVALID_INPUT',
        `${this.source}: truncation / max_length padding need maxLength (tokenizer_config.json has no model_max_length)`,
      );
    }
    const tok = this.tokenizer;
    try {
      tok.setTruncation(
        truncation && maxLength !== undefined
          ? {
              maxLength,
              stride: options.stride ?? 0,
              strategy: truncation === true ? 'longest_first' : truncation,
              direction: this.truncationSide,
            }
          : null,
      );
      tok.setPadding(null);
      const encodings = await tok.encodeBatch(list, {
        ...(options.pairs ? { pairs: options.pairs } : {}),
        addSpecialTokens: options.addSpecialTokens ?? true,
      });
      const rows = options.returnOverflowing
        ? encodings.flatMap((e) => [e, ...e.overflowing])
        : encodings;
      const mapping = options.returnOverflowing
        ? encodings.flatMap((e, i) => Array.from({ length: 1 + e.overflowing.length }, () => i))
        : encodings.map((_, i) => i);
      return {
        ...this.pad(rows, options.padding ?? true, maxLength),
        overflowToSampleMapping: mapping,
      };
    } catch (err) {
      if (err instanceof TokenizerError)
        throw new TransformersError('TOKENIZER', `${this.source}: ${err.message}`, { cause: err });
      throw err;
    } finally {
      tok.setTruncation(null);
    }
  }

  /** Pads encodings into [B, L] ids / mask / type ids (L = longest, or maxLength). */
  private pad(
    encodings: Encoding[],
    padding: TokenizeOptions['padding'],
    maxLength: number | undefined,
  ): Omit<BatchEncoding, 'overflowToSampleMapping'> {
    const longest = Math.max(0, ...encodings.map((e) => e.length));
    if (padding === false && encodings.some((e) => e.length !== longest)) {
      throw new TransformersError(
        'INVALID_INPUT',
        'texts of different lengths need padding (padding: true)',
      );
    }
    const len =
      padding === 'max_length' && maxLength !== undefined ? Math.max(maxLength, longest) : longest;
    const b = encodings.length;
    const ids = new Int32Array(b * len).fill(this.padTokenId);
    const mask = new Int32Array(b * len);
    const types = new Int32Array(b * len);
    encodings.forEach((e, i) => {
      const off = i * len + (this.paddingSide === 'left' ? len - e.length : 0);
      ids.set(e.ids, off);
      mask.set(e.attentionMask, off);
      types.set(e.typeIds, off);
    });
    return {
      inputIds: tf.tensor2d(ids, [b, len], 'int32'),
      attentionMask: tf.tensor2d(mask, [b, len], 'int32'),
      tokenTypeIds: tf.tensor2d(types, [b, len], 'int32'),
      encodings,
    };
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode(ids, options);
  }

  /**
   * Writes tokenizer.json and tokenizer_config.json (the fields read, plus model_max_length and
   * the special tokens), atomically, for HF's AutoTokenizer.from_pretrained.
   */
  async savePretrained(dir: string): Promise<void> {
    await writeFileAtomic(
      path.join(dir, 'tokenizer.json'),
      JSON.stringify(this.tokenizer.toJson()),
    );
    const cfg: TokenizerConfigDict = {
      ...this.config,
      ...(this.modelMaxLength !== null ? { model_max_length: this.modelMaxLength } : {}),
      padding_side: this.paddingSide,
      ...(this.clsToken ? { cls_token: this.clsToken } : {}),
      ...(this.sepToken ? { sep_token: this.sepToken } : {}),
      ...(this.padToken ? { pad_token: this.padToken } : {}),
      ...(this.maskToken ? { mask_token: this.maskToken } : {}),
      ...(this.unkToken ? { unk_token: this.unkToken } : {}),
    };
    await writeFileAtomic(
      path.join(dir, 'tokenizer_config.json'),
      `${JSON.stringify(cfg, null, 2)}\n`,
    );
  }
}
