// Normalizers, pre-tokenizers, the WordLevel model and decoders, one at a time, against the
// oracle: small tokenizer.json files (a WordLevel vocab of the corpus' words + the component
// under test) loaded by both, compared on real text (every encoding field, offsets included)
// and on decodes of id sequences.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError } from '../index.js';
import { edgeCases, multilingualLines, sentimentLines } from './corpus.js';
import { compareAll, hf } from './parity.js';

/** ~1,700 lines: multilingual quotes, English reviews, hard cases, decomposed/compat forms. */
const lines = [
  ...multilingualLines(),
  ...sentimentLines().filter((_, i) => i % 3 === 0),
  ...edgeCases().filter((l) => l.length < 2000),
  'Cafe\u0301 \u1100\u1161\u11A8 \uFB01 \u2460 \u00BD x\u0323\u0307 \u212B \u1E9B\u0323 \uFF21\uFF22',
  '  leading and trailing   ',
  '\t\n',
  'digits 123 4.56 ١٢٣ ½ ⅷ',
  "the-final--countdown's (parens) [brackets] «quotes» — dash",
];

/** The vocab: every whitespace-separated word (as is and lowercased), their pieces, bytes. */
function buildVocab(): Record<string, number> {
  const vocab: Record<string, number> = { '<unk>': 0 };
  const add = (t: string) => {
    if (t !== '' && !(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  for (const l of lines) {
    for (const w of l.split(/\s+/)) {
      add(w);
      add(w.toLowerCase());
      add(w.normalize('NFKC'));
      for (const p of w.split(/(\p{P}+)/u)) add(p);
    }
  }
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  return vocab;
}
const vocab = buildVocab();

function json(parts: { normalizer?: unknown; pre_tokenizer?: unknown; decoder?: unknown }): string {
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: parts.normalizer ?? null,
    pre_tokenizer: parts.pre_tokenizer ?? null,
    post_processor: null,
    decoder: parts.decoder ?? null,
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'components-'));

/** What HF writes for a tokenizer (its Node binding saves; it has no toString). */
function hfJson(ref: ReturnType<typeof hf.Tokenizer.fromString>): string {
  const path = join(tmp, 'hf.json');
  ref.save(path, true);
  return readFileSync(path, 'utf8');
}

/** Loads `text` in both, checks our saved JSON equals HF's re-serialization, compares. */
async function check(text: string, input: string[] = lines): Promise<number> {
  const ours = Tokenizer.fromJson(text);
  const ref = hf.Tokenizer.fromString(text);
  // Serialized exactly as HF serializes the same components.
  expect(ours.toString()).toBe(hfJson(ref));
  const a = await ours.encodeBatch(input);
  const b = await ref.encodeBatch(input);
  return compareAll(input, a, b);
}

const ws = { type: 'Whitespace' };

describe('normalizers vs the oracle (Whitespace pre-tokenizer, WordLevel)', {
  timeout: 120_000,
}, () => {
  const cases: Record<string, unknown> = {
    NFC: { type: 'NFC' },
    NFD: { type: 'NFD' },
    NFKC: { type: 'NFKC' },
    NFKD: { type: 'NFKD' },
    Lowercase: { type: 'Lowercase' },
    Strip: { type: 'Strip', strip_left: true, strip_right: true },
    'Strip left': { type: 'Strip', strip_left: true, strip_right: false },
    'NFD+StripAccents': {
      type: 'Sequence',
      normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }],
    },
    'Replace string': { type: 'Replace', pattern: { String: 'e' }, content: 'EE' },
    'Replace regex removal': { type: 'Replace', pattern: { Regex: '[aeiou]+' }, content: '' },
    'Replace regex': { type: 'Replace', pattern: { Regex: '\\s+' }, content: '\u2581' },
    Prepend: { type: 'Prepend', prepend: '\u2581' },
    Sequence: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKD' },
        { type: 'StripAccents' },
        { type: 'Lowercase' },
        { type: 'Replace', pattern: { String: "''" }, content: '"' },
        { type: 'Strip', strip_left: true, strip_right: true },
      ],
    },
  };
  for (const [name, normalizer] of Object.entries(cases)) {
    it(name, async () => {
      // With Prepend/Replace to U+2581 the words carry it: split on spaces only.
      const pre = name.startsWith('Prepend') || name === 'Replace regex' ? null : ws;
      expect(await check(json({ normalizer, pre_tokenizer: pre }))).toBe(lines.length);
    });
  }
});

describe('pre-tokenizers vs the oracle (WordLevel)', { timeout: 120_000 }, () => {
  const behaviors = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];
  const cases: Record<string, unknown> = {
    Whitespace: ws,
    WhitespaceSplit: { type: 'WhitespaceSplit' },
    'Digits runs': { type: 'Digits', individual_digits: false },
    'Digits each': { type: 'Digits', individual_digits: true },
    Sequence: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'WhitespaceSplit' },
        { type: 'Punctuation', behavior: 'Isolated' },
        { type: 'Digits', individual_digits: true },
      ],
    },
  };
  for (const b of behaviors) {
    cases[`Punctuation ${b}`] = { type: 'Punctuation', behavior: b };
    for (const invert of [false, true]) {
      cases[`Split string ${b} invert=${invert}`] = {
        type: 'Split',
        pattern: { String: ' ' },
        behavior: b,
        invert,
      };
      cases[`Split regex ${b} invert=${invert}`] = {
        type: 'Split',
        pattern: { Regex: "\\s+|[,.!?']" },
        behavior: b,
        invert,
      };
    }
  }
  for (const [name, pre] of Object.entries(cases)) {
    it(name, async () => {
      expect(await check(json({ pre_tokenizer: pre }))).toBe(lines.length);
    });
  }
});

describe('decoders vs the oracle', { timeout: 120_000 }, () => {
  // Random id sequences over the whole vocab (words, punctuation, <0xNN> bytes), seeded.
  const ids = Object.values(vocab);
  let state = 42;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  const byteIds = Object.entries(vocab)
    .filter(([t]) => t.startsWith('<0x'))
    .map(([, id]) => id);
  const sequences: number[][] = [];
  for (let i = 0; i < 400; i++) {
    const n = next() % 30;
    const seq: number[] = [];
    for (let j = 0; j < n; j++) {
      // One in three from the byte tokens, so ByteFallback meets runs (valid UTF-8 or not).
      const pool = next() % 3 === 0 ? byteIds : ids;
      seq.push(pool[next() % pool.length] ?? 0);
    }
    sequences.push(seq);
  }
  // Real UTF-8 spelled in byte tokens.
  for (const l of multilingualLines().slice(0, 50)) {
    sequences.push(
      [...Buffer.from(l.slice(0, 40))].map(
        (b) => vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] ?? 0,
      ),
    );
  }
  const cases: Record<string, unknown> = {
    BPEDecoder: { type: 'BPEDecoder', suffix: 'e' },
    ByteFallback: { type: 'ByteFallback' },
    Fuse: { type: 'Fuse' },
    // (HF panics when a token is shorter than `stop`, or when the two cuts cross: kept apart.)
    'Strip start': { type: 'Strip', content: 'e', start: 1, stop: 0 },
    'Strip stop': { type: 'Strip', content: 's', start: 0, stop: 1 },
    'Replace string': { type: 'Replace', pattern: { String: 'e' }, content: ' ' },
    'Replace regex': { type: 'Replace', pattern: { Regex: '[aeiou]' }, content: '_' },
    Sequence: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: 's' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
  };
  for (const [name, decoder] of Object.entries(cases)) {
    it(name, async () => {
      const text = json({ pre_tokenizer: ws, decoder });
      const ours = Tokenizer.fromJson(text);
      const ref = hf.Tokenizer.fromString(text);
      expect(ours.toString()).toBe(hfJson(ref));
      let n = 0;
      for (const seq of sequences) {
        expect(ours.decode(seq), JSON.stringify(seq)).toBe(await ref.decode(seq, false));
        n++;
      }
      expect(n).toBe(sequences.length);
    });
  }
});

describe('component errors', () => {
  it('an unsupported regex or a bad field is a typed error naming the field', () => {
    const bad = json({
      normalizer: { type: 'Replace', pattern: { Regex: '(?<=a)b' }, content: '' },
    });
    expect(() => Tokenizer.fromJson(bad)).toThrow(TokenizerError);
    expect(() => Tokenizer.fromJson(bad)).toThrow(/normalizer/);
    const bad2 = json({
      pre_tokenizer: { type: 'Split', pattern: { String: ' ' }, behavior: 'Sideways' },
    });
    expect(() => Tokenizer.fromJson(bad2)).toThrow(/pre_tokenizer.*Sideways/);
    const bad3 = JSON.stringify({
      ...JSON.parse(json({})),
      model: { type: 'WordLevel', vocab: { a: 'x' } },
    });
    expect(() => Tokenizer.fromJson(bad3)).toThrow(/model/);
  });
});
