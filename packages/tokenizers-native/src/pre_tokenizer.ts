import { binding } from './binding.js';
import { native } from './errors.js';

/** A `[start, end)` range into the original text: chars by default, bytes on request. */
export type Offsets = readonly [start: number, end: number];

/** A pre-tokenized piece of text. */
export interface PreToken {
  /** The piece after normalization, e.g. `"cafe"` for input `"Café"`. */
  readonly token: string;
  /** Where the piece is in the original text. */
  readonly offsets: Offsets;
}

/** A `tokenizer.json` component: an object with a `type` tag and its fields. */
export type ComponentJson = { readonly type: string } & Readonly<Record<string, unknown>>;

/** The result of normalizing a text. */
export interface Normalized {
  readonly normalized: string;
  /** Per char of `normalized`, the char range of the original it comes from. */
  readonly alignments: readonly Offsets[];
}

/**
 * A normalizer, built from its `tokenizer.json` object.
 *
 * @example
 * const n = Normalizer.fromJson({ type: 'BertNormalizer', lowercase: true });
 * n.normalize('Héllo').normalized; // -> 'hello'
 */
export class Normalizer {
  readonly #inner: InstanceType<typeof binding.NativeNormalizer>;

  private constructor(inner: InstanceType<typeof binding.NativeNormalizer>) {
    this.#inner = inner;
  }

  /** @throws {TokenizerError} for an unknown `type` or invalid fields. */
  static fromJson(json: ComponentJson | string): Normalizer {
    const text = typeof json === 'string' ? json : JSON.stringify(json);
    return new Normalizer(native(() => binding.NativeNormalizer.fromJson(text)));
  }

  /** The component as `tokenizer.json` writes it. */
  toJson(): ComponentJson {
    return JSON.parse(this.#inner.toJson()) as ComponentJson;
  }

  normalize(text: string): Normalized {
    const out = native(() => this.#inner.normalize(text));
    return {
      normalized: out.normalized,
      alignments: out.alignments.map(([s = 0, e = 0]) => [s, e] as const),
    };
  }
}

/**
 * A pre-tokenizer, built from its `tokenizer.json` object, optionally preceded by a normalizer.
 *
 * @example
 * const p = PreTokenizer.fromJson({ type: 'BertPreTokenizer' }, { type: 'BertNormalizer' });
 * p.preTokenize('Hello, wörld!');
 * // -> [{ token: 'hello', offsets: [0, 5] }, { token: ',', offsets: [5, 6] },
 * //     { token: 'world', offsets: [7, 12] }, { token: '!', offsets: [12, 13] }]
 */
export class PreTokenizer {
  readonly #inner: InstanceType<typeof binding.NativePreTokenizer>;

  private constructor(inner: InstanceType<typeof binding.NativePreTokenizer>) {
    this.#inner = inner;
  }

  /** @throws {TokenizerError} for an unknown `type` or invalid fields in either component. */
  static fromJson(
    preTokenizer: ComponentJson | string,
    normalizer?: ComponentJson | string,
  ): PreTokenizer {
    const pre = typeof preTokenizer === 'string' ? preTokenizer : JSON.stringify(preTokenizer);
    const norm =
      normalizer === undefined
        ? undefined
        : typeof normalizer === 'string'
          ? normalizer
          : JSON.stringify(normalizer);
    return new PreTokenizer(native(() => binding.NativePreTokenizer.fromJson(pre, norm)));
  }

  toJson(): ComponentJson {
    return JSON.parse(this.#inner.toJson()) as ComponentJson;
  }

  /** Splits `text` into pieces with offsets into `text` (chars, or UTF-8 bytes if asked). */
  preTokenize(text: string, options: { byteOffsets?: boolean } = {}): PreToken[] {
    return native(() => this.#inner.preTokenize(text, options.byteOffsets ?? false)).map((p) => ({
      token: p.token,
      offsets: [p.offsets[0] ?? 0, p.offsets[1] ?? 0] as const,
    }));
  }
}
