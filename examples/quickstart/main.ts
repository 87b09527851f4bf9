// Quick start: the most end-to-end path that works today. It reads the 3,000 UCI labelled
// sentences (Amazon, IMDB, Yelp) shipped by npm `sentiment`, runs BERT's normalizer and
// pre-tokenizer from @transferjs/tokenizers-native over them, and prints what it found, with
// offsets back into the original text. It grows into the full demo (train a tokenizer,
// pre-train, fine-tune, compare) as the packages land.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PreTokenizer } from '@transferjs/tokenizers-native';

// Typed defaults.
const SOURCES = ['amazon', 'imdb', 'yelp'] as const;
const TOP_WORDS = 15;

interface Row {
  text: string;
  class: 0 | 1 | null;
}

const require = createRequire(import.meta.url);
const dir = require.resolve('sentiment/package.json').replace(/package\.json$/, '');
const rows: Row[] = SOURCES.flatMap(
  (s) => JSON.parse(readFileSync(`${dir}test/fixtures/${s}.json`, 'utf8')) as Row[],
).filter((r) => r.class !== null);

const pre = PreTokenizer.fromJson({ type: 'BertPreTokenizer' }, { type: 'BertNormalizer' });

const t0 = performance.now();
const counts = new Map<string, number>();
let words = 0;
for (const r of rows) {
  for (const w of pre.preTokenize(r.text)) {
    counts.set(w.token, (counts.get(w.token) ?? 0) + 1);
    words++;
  }
}
const ms = performance.now() - t0;

console.log(`sentences: ${rows.length} (${rows.filter((r) => r.class === 1).length} positive)`);
console.log(`words:     ${words} (${counts.size} distinct) in ${ms.toFixed(1)} ms`);
console.log(`top ${TOP_WORDS}:   ${[...counts].sort((a, b) => b[1] - a[1]).slice(0, TOP_WORDS).map(([w, n]) => `${w}(${n})`).join(' ')}`);

const sample = rows.find((r) => /[A-Z].*[,!?]/.test(r.text)) ?? rows[0];
if (sample) {
  console.log(`\nsample: ${JSON.stringify(sample.text)}`);
  for (const w of pre.preTokenize(sample.text)) {
    const [s, e] = w.offsets;
    console.log(`  ${w.token.padEnd(14)} [${s}, ${e})  ${JSON.stringify(sample.text.slice(s, e))}`);
  }
}
