// The `transferjs-tokenizers` bin (dist/cli.js, built from src/cli.ts): trains, writes
// <out>/tokenizer.json, stays quiet when not on a TTY, and fails with clear errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trainTokenizerSync } from '../index.js';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(PKG, 'dist', 'cli.js');
const CHAPTERS = [1, 2, 3].map((i) =>
  join(PKG, 'node_modules', '@stdlib', 'datasets-moby-dick', 'data', `chapter_${i}.txt`),
);

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('transferjs-tokenizers train', () => {
  it('trains a WordPiece tokenizer and writes the same tokenizer.json as the API', () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-'));
    const r = run([
      'train',
      '--model',
      'wordpiece',
      '--vocab-size',
      '800',
      '--min-frequency',
      '2',
      '--files',
      ...CHAPTERS,
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^wrote .*tokenizer\.json: wordpiece, 800 tokens, \d+ distinct words from \d+ lines/,
    );
    const written = readFileSync(join(out, 'tokenizer.json'), 'utf8');
    const api = trainTokenizerSync({
      model: 'wordpiece',
      vocabSize: 800,
      minFrequency: 2,
      files: CHAPTERS,
    });
    expect(written).toBe(api.json);
  });

  it('prints help, and usage errors exit 2 with the reason', () => {
    const h = run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain(
      'Usage: transferjs-tokenizers train --model <bpe|wordpiece|unigram|wordlevel>',
    );
    const bad = run([
      'train',
      '--model',
      'sentencepiece',
      '--vocab-size',
      '10',
      '--files',
      'x',
      '--out',
      'y',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^error: --model: unknown model 'sentencepiece' \(supported: bpe, wordpiece, unigram, wordlevel\)/,
    );
    expect(run(['train', '--model', 'bpe', '--files', 'x', '--out', 'y']).stderr).toMatch(
      /^error: --vocab-size is required/,
    );
    expect(run(['fit']).stderr).toMatch(/^error: unknown command 'fit': expected "train"/);
  });

  it('an unreadable or non-UTF-8 file exits 1 naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const missing = join(dir, 'missing.txt');
    const r = run([
      'train',
      '--model',
      'bpe',
      '--vocab-size',
      '1000',
      '--files',
      missing,
      '--out',
      dir,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error [FILE_NOT_READABLE]: ${missing}: cannot read file: No such file or directory (os error 2)\n`,
    );
    const latin1 = join(dir, 'latin1.txt');
    writeFileSync(latin1, Buffer.from([0x61, 0x0a, 0xff, 0x0a]));
    const u = run([
      'train',
      '--model',
      'unigram',
      '--vocab-size',
      '100',
      '--files',
      latin1,
      '--out',
      dir,
    ]);
    expect(u.code).toBe(1);
    expect(u.stderr).toContain(`error [INVALID_UTF8]: ${latin1}: invalid UTF-8 at byte 2`);
  });
});
