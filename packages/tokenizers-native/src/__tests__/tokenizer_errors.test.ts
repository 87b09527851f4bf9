import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError } from '../index.js';
import { CASED_VOCAB } from './corpus.js';

function caught(f: () => unknown): TokenizerError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return e as TokenizerError;
  }
  throw new Error('expected a TokenizerError');
}

describe('Tokenizer bad input', () => {
  let dir: string;
  let good: Record<string, unknown>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tok-err-'));
    const path = join(dir, 'tokenizer.json');
    Tokenizer.fromVocab(CASED_VOCAB, { lowercase: false }).save(path);
    good = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  });

  it('names the missing file', () => {
    const e = caught(() => Tokenizer.fromFile(join(dir, 'nope.json')));
    expect(e.code).toBe('FILE_NOT_READABLE');
    expect(e.message).toContain('nope.json');
    expect(caught(() => Tokenizer.fromVocab(join(dir, 'vocab.txt'))).code).toBe(
      'FILE_NOT_READABLE',
    );
  });

  it('rejects invalid UTF-8 with the file and byte', () => {
    const path = join(dir, 'bad-utf8.json');
    writeFileSync(path, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    const e = caught(() => Tokenizer.fromFile(path));
    expect(e.code).toBe('INVALID_UTF8');
    expect(e.message).toBe(`${path}: invalid UTF-8 at byte 2; expected a UTF-8 text file`);
  });

  it('rejects malformed JSON naming the file', () => {
    const path = join(dir, 'malformed.json');
    writeFileSync(path, '{"version": "1.0", "model": ');
    const e = caught(() => Tokenizer.fromFile(path));
    expect(e.code).toBe('INVALID_JSON');
    expect(e.message.startsWith(`${path}: (root): invalid tokenizer JSON`)).toBe(true);
    expect(caught(() => Tokenizer.fromJson('[1, 2]')).message).toContain('expected a JSON object');
    expect(caught(() => Tokenizer.fromJson({ version: '1.0' })).message).toContain(
      "missing field 'model'",
    );
  });

  it('names an unknown component, its field and the supported ones', () => {
    const e = caught(() =>
      Tokenizer.fromJson({ ...good, decoder: { type: 'Foo' } }, 'my/tokenizer.json'),
    );
    expect(e.code).toBe('UNKNOWN_COMPONENT');
    expect(e.message).toMatch(
      /^my\/tokenizer\.json: decoder\.type: unknown decoder type 'Foo' \(supported: WordPiece/,
    );
    const m = caught(() => Tokenizer.fromJson({ ...good, model: { type: 'Nope', vocab: {} } }));
    expect(m.message).toMatch(/^tokenizer\.json: model\.type: unknown model type 'Nope'/);
  });

  it('names a mistyped field', () => {
    const e = caught(() => Tokenizer.fromJson({ ...good, truncation: { max_length: 'ten' } }));
    expect(e.code).toBe('INVALID_JSON');
    expect(e.message).toContain('truncation');
    const t = caught(() =>
      Tokenizer.fromJson({
        ...good,
        post_processor: {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '[X]', type_id: 0 } }],
          pair: [],
          special_tokens: {},
        },
      }),
    );
    expect(t.message).toContain("special token '[X]'");
  });

  it('rejects ids out of range in decode, naming the id and the vocab size', () => {
    const tok = Tokenizer.fromJson(good);
    const e = caught(() => tok.decode([5, 123456]));
    expect(e.code).toBe('ID_OUT_OF_RANGE');
    expect(e.message).toBe(
      `id 123456 is out of range: the vocabulary (with added tokens) has ${tok.vocabSize()} ids`,
    );
    expect(caught(() => tok.decode([-1])).code).toBe('ID_OUT_OF_RANGE');
    expect(caught(() => tok.decodeBatch([[1], [1.5]])).code).toBe('ID_OUT_OF_RANGE');
    expect(tok.idToToken(10 ** 9)).toBeNull();
  });

  it('rejects truncation that cannot work instead of panicking', async () => {
    const tok = Tokenizer.fromJson(good);
    expect(caught(() => tok.setTruncation({ maxLength: 1 })).code).toBe('INVALID_CONFIG');
    expect(caught(() => tok.setTruncation({ maxLength: 10, stride: 9 })).code).toBe(
      'INVALID_CONFIG',
    );
    tok.setTruncation({ maxLength: 6, stride: 3 });
    // Pair windows of 1 token cannot overlap by 3: an error (HF aborts the process here).
    const e = caught(() => tok.encode('one two three four five', 'six seven eight nine'));
    expect(e.code).toBe('INVALID_CONFIG');
    tok.setTruncation({ maxLength: 8, strategy: 'only_second' });
    await expect(tok.encodeBatch(['a b c d e f g h i j'], { pairs: ['x'] })).rejects.toThrow(
      TokenizerError,
    );
  });

  it('round-trips through toJson / fromJson and keeps settings', () => {
    const tok = Tokenizer.fromJson(good)
      .setTruncation({ maxLength: 16, stride: 2 })
      .setPadding({ length: 16 });
    const again = Tokenizer.fromJson(tok.toString());
    expect(again.toString()).toBe(tok.toString());
    expect(again.encode('Call me Ishmael.').ids).toEqual(tok.encode('Call me Ishmael.').ids);
    expect(again.encode('Call me Ishmael.').length).toBe(16);
  });
});
