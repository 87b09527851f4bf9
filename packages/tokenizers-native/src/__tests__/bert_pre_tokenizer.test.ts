import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Normalizer, PreTokenizer, TokenizerError } from '../index.js';

// The oracle: HF's own Rust tokenizers, as published for Node.
const require = createRequire(import.meta.url);
const hf = require('tokenizers') as typeof import('tokenizers');

/** The 3,000 UCI labelled sentences shipped by npm `sentiment`, plus hard cases. */
function realLines(): string[] {
  const dir = require.resolve('sentiment/package.json').replace(/package\.json$/, '');
  const lines: string[] = [];
  for (const name of ['amazon', 'imdb', 'yelp']) {
    const rows = JSON.parse(readFileSync(`${dir}test/fixtures/${name}.json`, 'utf8')) as {
      text: string;
    }[];
    for (const r of rows) if (typeof r.text === 'string') lines.push(r.text);
  }
  return lines.concat([
    '',
    '   ',
    'Crème brûlée à Paris, naïve café',
    '北京欢迎你！東京は晴れ。서울 한국어',
    'Привет, мир! Ελληνικά. עברית',
    'emoji 👍🏽 and ZWJ 👨‍👩‍👧 family',
    'tab\tnew\nline\r\u0000nul\u200bzwsp\ufffdreplacement',
    'combining e\u0301 and İstanbul ǅ ﬁ',
    '$100 + 5% = "quoted" — dash… ¿qué?',
  ]);
}

describe('BertNormalizer', () => {
  it('matches HF on every real line', () => {
    const ours = Normalizer.fromJson({ type: 'BertNormalizer', lowercase: true });
    const theirs = hf.bertNormalizer({ lowercase: true });
    const lines = realLines();
    let same = 0;
    for (const line of lines) {
      expect(ours.normalize(line).normalized, line).toBe(theirs.normalizeString(line));
      same++;
    }
    expect(same).toBe(lines.length);
  });

  it('aligns each normalized char to its original char', () => {
    const out = Normalizer.fromJson({ type: 'BertNormalizer' }).normalize('Éa 中');
    expect(out.normalized).toBe('ea  中 ');
    expect(out.alignments).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [3, 4],
      [3, 4],
    ]);
  });

  it('writes back the tokenizer.json form', () => {
    expect(Normalizer.fromJson({ type: 'BertNormalizer', lowercase: false }).toJson()).toEqual({
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: false,
    });
  });
});

describe('BertPreTokenizer', () => {
  it('matches HF tokens and char offsets on every real line', () => {
    const ours = PreTokenizer.fromJson({ type: 'BertPreTokenizer' });
    const theirs = hf.bertPreTokenizer();
    for (const line of realLines()) {
      const expected = theirs
        .preTokenizeString(line)
        .map(([token, [s, e]]) => ({ token, offsets: [s, e] }));
      expect(ours.preTokenize(line), line).toEqual(expected);
    }
  });

  it('maps words back through the normalizer to the original text', () => {
    const p = PreTokenizer.fromJson({ type: 'BertPreTokenizer' }, { type: 'BertNormalizer' });
    const text = 'Crème brûlée, 北京!';
    const words = p.preTokenize(text);
    expect(words.map((w) => [w.token, text.slice(w.offsets[0], w.offsets[1])])).toEqual([
      ['creme', 'Crème'],
      ['brulee', 'brûlée'],
      [',', ','],
      ['北', '北'],
      ['京', '京'],
      ['!', '!'],
    ]);
  });

  it('reports UTF-8 byte offsets when asked', () => {
    const p = PreTokenizer.fromJson({ type: 'BertPreTokenizer' });
    expect(p.preTokenize('é x', { byteOffsets: true })).toEqual([
      { token: 'é', offsets: [0, 2] },
      { token: 'x', offsets: [3, 4] },
    ]);
  });
});

describe('bad input', () => {
  it('an unknown component type is a TokenizerError listing the supported ones', () => {
    let err: unknown;
    try {
      Normalizer.fromJson({ type: 'Foo' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TokenizerError);
    expect((err as TokenizerError).code).toBe('UNKNOWN_COMPONENT');
    expect((err as TokenizerError).message).toMatch(
      /^normalizer\.type: unknown normalizer type 'Foo' \(supported: BertNormalizer(, \w+)*\)$/,
    );
  });

  it('malformed JSON and mistyped fields are typed errors, not crashes', () => {
    expect(() => PreTokenizer.fromJson('{not json')).toThrow(TokenizerError);
    expect(() => PreTokenizer.fromJson('{"type":"BertPreTokenizer"}', '{"lowercase":1}')).toThrow(
      /normalizer.type: invalid normalizer JSON: expected a string field 'type'/,
    );
    expect(() => Normalizer.fromJson({ type: 'BertNormalizer', lowercase: 'yes' })).toThrow(
      /normalizer \(BertNormalizer\): invalid normalizer JSON: invalid type: string "yes"/,
    );
  });
});
