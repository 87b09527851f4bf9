// SentencePiece parity, live against the oracle (npm `tokenizers`, HF's Rust tokenizer): ALBERT's
// Precompiled charsmap -> Metaspace -> Unigram (its 30,000 scored pieces) -> Metaspace decoder,
// all taken from the tokenizer.json transformers writes for ALBERT's spiece.model
// (fixtures/tokenizers/sentencepiece/, see generate.py), on the 13,819 committed lines
// (English reviews, Moby Dick, quotes in de/ru/es/it/cs/zh, emoji, control and combining chars,
// empty and very long strings, 3,000 random strings over tricky chars); and a byte-fallback Unigram trained by SentencePiece.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError } from '../index.js';

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
  'sentencepiece',
);

function gunzipText(name: string): string {
  return gunzipSync(readFileSync(join(DIR, name))).toString('utf8');
}

const lines: string[] = gunzipText('lines.jsonl.gz')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as string);

interface TokenizerJson {
  normalizer: { normalizers: { type: string }[] };
  pre_tokenizer: { pretokenizers: { type: string }[] };
  decoder: unknown;
  model: unknown;
}

/**
 * ALBERT's own pieces, without the components another file owns (Replace, NFKD, ... and the
 * [CLS]/[SEP] template): a tokenizer.json made only of Precompiled, Metaspace and Unigram.
 * Kept as text so both sides parse the same JSON (scores are parsed, not copied).
 */
function albertComponentsJson(): string {
  const albert = JSON.parse(gunzipText('albert_tokenizer.json.gz')) as TokenizerJson;
  const precompiled = albert.normalizer.normalizers.find((n) => n.type === 'Precompiled');
  const metaspace = albert.pre_tokenizer.pretokenizers.find((p) => p.type === 'Metaspace');
  if (precompiled === undefined || metaspace === undefined)
    throw new Error('unexpected ALBERT json');
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: precompiled,
    pre_tokenizer: metaspace,
    post_processor: null,
    decoder: albert.decoder,
    model: albert.model,
  });
}

interface Compared {
  lines: number;
  identical: number;
}

/** Encodes every line with both, compares ids, tokens and offsets (chars into the input). */
async function compare(
  ours: Tokenizer,
  ref: HfTokenizer,
  inputs: readonly string[],
): Promise<Compared> {
  const mine = ours.encodeBatchSync(inputs);
  const theirs = await ref.encodeBatch([...inputs]);
  let identical = 0;
  for (let i = 0; i < inputs.length; i++) {
    const a = mine[i];
    const b = theirs[i];
    if (a === undefined || b === undefined) throw new Error(`missing encoding ${i}`);
    const what = `line ${i}: ${JSON.stringify(inputs[i]).slice(0, 120)}`;
    expect(a.ids, what).toEqual(b.getIds());
    expect(a.tokens, what).toEqual(b.getTokens());
    expect(a.offsets, what).toEqual(b.getOffsets());
    identical++;
  }
  return { lines: inputs.length, identical };
}

describe('Unigram + Precompiled + Metaspace parity (ALBERT spiece.model)', () => {
  let json: string;
  let ours: Tokenizer;
  let ref: HfTokenizer;

  beforeAll(() => {
    json = albertComponentsJson();
    ours = Tokenizer.fromJson(json);
    ref = hf.Tokenizer.fromString(json);
  });

  it('encodes every line exactly as HF tokenizers', async () => {
    const r = await compare(ours, ref, lines);
    console.log(`ALBERT components: ${r.identical}/${r.lines} lines identical`);
    expect(r.lines).toBeGreaterThanOrEqual(10_000);
    expect(r.identical).toBe(r.lines);
  }, 120_000);

  it('decodes like HF (Metaspace decoder)', async () => {
    const sample = lines.filter((_, i) => i % 10 === 0);
    for (const text of sample) {
      const ids = ours.encode(text).ids;
      expect(ours.decode(ids), text.slice(0, 120)).toBe(await ref.decode(ids, false));
    }
  });

  it('writes the components back as HF does', () => {
    const mine = ours.toJson();
    const path = join(mkdtempSync(join(tmpdir(), 'spm-')), 'tokenizer.json');
    ref.save(path);
    const theirs = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    for (const key of ['normalizer', 'pre_tokenizer', 'decoder', 'model']) {
      expect(mine[key], key).toEqual(theirs[key]);
    }
  });
});

describe('Metaspace options (prepend_scheme first/never, split false)', () => {
  for (const options of [
    { prepend_scheme: 'first', split: true },
    { prepend_scheme: 'never', split: true },
    { prepend_scheme: 'always', split: false },
  ]) {
    it(`${JSON.stringify(options)} matches HF`, async () => {
      const base = JSON.parse(albertComponentsJson()) as Record<string, unknown>;
      const metaspace = { type: 'Metaspace', replacement: '\u2581', ...options };
      const json = JSON.stringify({ ...base, pre_tokenizer: metaspace, decoder: metaspace });
      const sample = lines.filter((_, i) => i % 10 === 0);
      const r = await compare(Tokenizer.fromJson(json), hf.Tokenizer.fromString(json), sample);
      expect(r.identical).toBe(r.lines);
    }, 120_000);
  }
});

describe('Unigram with byte fallback (SentencePiece-trained)', () => {
  it('matches HF on the non-English and edge-case lines', async () => {
    const json = readFileSync(join(DIR, 'bytefallback_tokenizer.json'), 'utf8');
    const r = await compare(
      Tokenizer.fromJson(json),
      hf.Tokenizer.fromString(json),
      lines.slice(-5500),
    );
    console.log(`byte-fallback Unigram: ${r.identical}/${r.lines} lines identical`);
    expect(r.identical).toBe(r.lines);
  }, 120_000);
});

describe('bad SentencePiece components', () => {
  it('rejects a Unigram unk_id outside the vocab, naming the field', () => {
    const bad = { version: '1.0', model: { type: 'Unigram', unk_id: 7, vocab: [['a', -1]] } };
    expect(() => Tokenizer.fromJson(bad)).toThrow(TokenizerError);
    expect(() => Tokenizer.fromJson(bad)).toThrow(/unk_id 7 is out of range/);
  });

  it('rejects a corrupt precompiled_charsmap', () => {
    const bad = {
      version: '1.0',
      normalizer: { type: 'Precompiled', precompiled_charsmap: 'AAAA' },
      model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0]] },
    };
    expect(() => Tokenizer.fromJson(bad)).toThrow(/precompiled_charsmap/);
  });
});
