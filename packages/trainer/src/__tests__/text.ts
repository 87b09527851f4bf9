// Real labelled sentences (npm `sentiment`: the UCI Amazon / IMDB / Yelp sentences, CC BY 4.0)
// and a tiny WordPiece vocabulary + greedy longest-match tokenizer built from them, for the
// end-to-end tests. NOT part of the package.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Sentence {
  text: string;
  label: number;
  source: 'amazon' | 'imdb' | 'yelp';
}

/** The 3 x 1000 sentences, in file order (the trailing row with class null is dropped). */
export function sentimentSentences(): Sentence[] {
  const out: Sentence[] = [];
  for (const source of ['amazon', 'imdb', 'yelp'] as const) {
    const rows = require(`sentiment/test/fixtures/${source}.json`) as {
      text: string;
      class: number | null;
    }[];
    for (const r of rows)
      if (r.class !== null && r.text.trim() !== '')
        out.push({ text: r.text, label: r.class, source });
  }
  return out;
}

export const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const PAD = 0;
export const UNK = 1;
export const CLS = 2;
export const SEP = 3;
export const MASK = 4;

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+|[^\sa-z0-9]/g) ?? [];
}

/** BERT-style WordPiece: specials, characters and '##' characters, then words seen >= minCount times. */
export class TinyWordPiece {
  readonly vocab: string[];
  private readonly ids = new Map<string, number>();

  constructor(corpus: readonly string[], minCount = 3) {
    const counts = new Map<string, number>();
    const chars = new Set<string>();
    for (const t of corpus) {
      for (const w of words(t)) {
        counts.set(w, (counts.get(w) ?? 0) + 1);
        for (const c of w) chars.add(c);
      }
    }
    const sortedChars = [...chars].sort();
    this.vocab = [
      ...SPECIALS,
      ...sortedChars,
      ...sortedChars.map((c) => `##${c}`),
      ...[...counts]
        .filter(([w, n]) => n >= minCount && w.length > 1)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([w]) => w),
    ];
    for (const [i, t] of this.vocab.entries()) this.ids.set(t, i);
  }

  /** Ids of one text (no special tokens). */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const w of words(text)) {
      const pieces: number[] = [];
      let start = 0;
      let ok = true;
      while (start < w.length) {
        let end = w.length;
        let found: number | undefined;
        while (end > start) {
          const piece = (start > 0 ? '##' : '') + w.slice(start, end);
          found = this.ids.get(piece);
          if (found !== undefined) break;
          end -= 1;
        }
        if (found === undefined) {
          ok = false;
          break;
        }
        pieces.push(found);
        start = end;
      }
      if (ok) out.push(...pieces);
      else out.push(UNK);
    }
    return out;
  }

  isContinuation(id: number): boolean {
    return this.vocab[id]?.startsWith('##') ?? false;
  }
}

/** Re-initialises every matrix of a model from seeded N(0, 0.02) (tfjs has no global seed). */
export function seedWeights(
  params: Map<string, { shape: number[]; assign(t: unknown): void }>,
  seed: number,
  randomNormal: (
    shape: number[],
    mean: number,
    std: number,
    dtype: 'float32',
    seed: number,
  ) => { dispose(): void },
): void {
  let i = 0;
  for (const v of params.values()) {
    i += 1;
    if (v.shape.length !== 2) continue;
    const t = randomNormal(v.shape, 0, 0.02, 'float32', seed * 1000 + i);
    v.assign(t);
    t.dispose();
  }
}
