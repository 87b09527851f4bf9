// Bad input to the trainers: every path ends in a TokenizerError with a stable code and a
// message naming the file / option, what was expected and what was found. Never a crash.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenizerError, trainTokenizer, trainTokenizerSync } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'trainer-errors-'));
const good = join(dir, 'good.txt');
writeFileSync(good, 'the quick brown fox jumps over the lazy dog\nthe dog sleeps\n');

async function rejection(p: Promise<unknown>): Promise<TokenizerError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return e as TokenizerError;
  }
  throw new Error('expected a rejection');
}

function thrown(f: () => unknown): TokenizerError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return e as TokenizerError;
  }
  throw new Error('expected a throw');
}

describe('trainer bad input', () => {
  it('an empty corpus (empty file, no strings, blank lines for BERT) is INVALID_CONFIG', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    for (const model of ['bpe', 'wordpiece', 'unigram', 'wordlevel'] as const) {
      const e = await rejection(trainTokenizer({ model, vocabSize: 1000, files: [empty] }));
      expect(e.code).toBe('INVALID_CONFIG');
      expect(e.message).toMatch(
        /^corpus: the corpus has no words after normalization and pre-tokenization/,
      );
      const i = await rejection(trainTokenizer({ model, vocabSize: 1000, iterator: [] }));
      expect(i.message).toContain('(0 sequences read)');
    }
    // Whitespace-only lines have no words for the BERT pre-tokenizer (byte-level BPE keeps
    // whitespace as tokens, so for it they are a corpus).
    const blank = join(dir, 'blank.txt');
    writeFileSync(blank, '\n \n\t\n');
    const e = await rejection(
      trainTokenizer({ model: 'wordpiece', vocabSize: 1000, files: [blank] }),
    );
    expect(e.message).toContain('(3 sequences read)');
  });

  it('vocabSize below the alphabet plus the special tokens is INVALID_CONFIG with the numbers', () => {
    const e = thrown(() =>
      trainTokenizerSync({ model: 'wordpiece', vocabSize: 10, files: [good] }),
    );
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toMatch(
      /^vocabSize: WordPiece: vocab_size 10 is smaller than the 5 special tokens plus the \d+ chars/,
    );
    const b = thrown(() => trainTokenizerSync({ model: 'bpe', vocabSize: 200, files: [good] }));
    expect(b.message).toContain('the 256 chars of the alphabet');
    const u = thrown(() => trainTokenizerSync({ model: 'unigram', vocabSize: 8, files: [good] }));
    expect(u.message).toMatch(
      /Unigram: vocab_size 8 is smaller than the 3 special tokens plus the \d+ chars/,
    );
    const z = thrown(() => trainTokenizerSync({ model: 'wordlevel', vocabSize: 0, files: [good] }));
    expect(z.message).toContain('vocabSize: expected a positive integer, found 0');
  });

  it('a missing file is FILE_NOT_READABLE naming it, before any counting', async () => {
    const missing = join(dir, 'nope.txt');
    const e = await rejection(
      trainTokenizer({ model: 'bpe', vocabSize: 1000, files: [good, missing] }),
    );
    expect(e.code).toBe('FILE_NOT_READABLE');
    expect(e.message).toContain(`${missing}: cannot read file`);
    const d = thrown(() => trainTokenizerSync({ model: 'bpe', vocabSize: 1000, files: [dir] }));
    expect(d.message).toContain('is a directory');
  });

  it('a non-UTF-8 file is INVALID_UTF8 with the byte offset', async () => {
    const latin1 = join(dir, 'latin1.txt');
    writeFileSync(
      latin1,
      Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]),
    );
    const e = await rejection(
      trainTokenizer({ model: 'wordpiece', vocabSize: 1000, files: [latin1] }),
    );
    expect(e.code).toBe('INVALID_UTF8');
    expect(e.message).toBe(`${latin1}: invalid UTF-8 at byte 3; expected a UTF-8 text file`);
  });

  it('unknown or mistyped options are INVALID_JSON / INVALID_CONFIG naming the option', () => {
    const bad = thrown(() =>
      trainTokenizerSync({ model: 'bpe', vocabSize: 100, files: [good], shrinkingFactor: 2 }),
    );
    expect(bad.code).toBe('INVALID_CONFIG');
    expect(bad.message).toContain('shrinkingFactor: expected a number in (0, 1), found 2');
    const model = thrown(() =>
      trainTokenizerSync({ model: 'sentencepiece' as 'bpe', vocabSize: 100, files: [good] }),
    );
    expect(model.code).toBe('INVALID_JSON');
    expect(model.message).toContain('unknown variant `sentencepiece`');
    const crit = thrown(() =>
      trainTokenizerSync({
        model: 'wordpiece',
        vocabSize: 100,
        files: [good],
        criterion: 'best' as 'frequency',
      }),
    );
    expect(crit.message).toContain("criterion: expected 'frequency' or 'likelihood', found 'best'");
    const none = thrown(() => trainTokenizerSync({ model: 'bpe', vocabSize: 100 }));
    expect(none.message).toContain('expected a corpus, found neither');
  });

  it('a non-string item of the iterator is INVALID_INPUT with its index', async () => {
    const e = await rejection(
      trainTokenizer({ model: 'bpe', vocabSize: 300, iterator: ['ok', 42 as unknown as string] }),
    );
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe('iterator item 1: expected a string, found number');
  });

  it('a TrainedTokenizer saves atomically; an unwritable path is FILE_NOT_WRITABLE', async () => {
    const t = trainTokenizerSync({ model: 'wordlevel', vocabSize: 20, files: [good] });
    const out = join(dir, 'sub', 'tokenizer.json');
    await t.save(out);
    const e = await rejection(t.save(join(good, 'x', 'tokenizer.json')));
    expect(e.code).toBe('FILE_NOT_WRITABLE');
  });
});
