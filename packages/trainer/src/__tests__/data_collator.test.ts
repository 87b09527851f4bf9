import { describe, expect, it } from 'vitest';
import {
  type BatchArray,
  createNextSentencePredictionExamples,
  DataCollatorForLanguageModeling,
  DataCollatorWithPadding,
  type Features,
  TrainerError,
} from '../index.js';

const PAD = 0;
const UNK = 1;
const CLS = 2;
const SEP = 3;
const MASK = 4;
const VOCAB = 2000;
const SPECIAL = [PAD, UNK, CLS, SEP, MASK];

/** A deterministic pseudo-random stream for building test inputs (not the collator's RNG). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Examples [CLS] w... [SEP] w... [SEP] with random lengths and some [UNK]s. */
function examples(n: number, seed: number): Features[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => {
    const a = 5 + Math.floor(r() * 30);
    const b = 3 + Math.floor(r() * 20);
    const word = (): number => (r() < 0.02 ? UNK : 5 + Math.floor(r() * (VOCAB - 5)));
    const ids = [
      CLS,
      ...Array.from({ length: a }, word),
      SEP,
      ...Array.from({ length: b }, word),
      SEP,
    ];
    return { input_ids: ids, token_type_ids: ids.map((_, i) => (i <= a + 1 ? 0 : 1)), label: 1 };
  });
}

/** z-bound of a binomial proportion: |p_hat - p| <= z * sqrt(p (1 - p) / n). */
function withinBinomial(count: number, n: number, p: number, z = 5): void {
  const sd = Math.sqrt((p * (1 - p)) / n);
  expect(Math.abs(count / n - p)).toBeLessThanOrEqual(z * sd);
}

describe('DataCollatorWithPadding', () => {
  it('pads to the longest example, builds the attention mask, renames label', () => {
    const b = new DataCollatorWithPadding({ padTokenId: PAD }).collate([
      { input_ids: [101, 7, 8, 102], label: 1, sentence: 'raw text is ignored' },
      { input_ids: [101, 102], label: 0, sentence: 'x' },
    ]);
    expect(Object.keys(b).sort()).toEqual(['attention_mask', 'input_ids', 'labels']);
    expect(b.input_ids?.shape).toEqual([2, 4]);
    expect(Array.from(b.input_ids?.data ?? [])).toEqual([101, 7, 8, 102, 101, 102, 0, 0]);
    expect(Array.from(b.attention_mask?.data ?? [])).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(b.labels?.dtype).toBe('int32');
    expect(Array.from(b.labels?.data ?? [])).toEqual([1, 0]);
  });

  it('pads to a multiple, pads token labels with -100, keeps float targets', () => {
    const c = new DataCollatorWithPadding({ padTokenId: 9, padToMultipleOf: 8 });
    const b = c.collate([
      {
        input_ids: [1, 2, 3],
        attention_mask: [1, 1, 1],
        token_type_ids: [0, 0, 1],
        labels: [5, 6, 7],
      },
      { input_ids: [1], attention_mask: [1], token_type_ids: [0], labels: [5] },
    ]);
    expect(b.input_ids?.shape).toEqual([2, 8]);
    expect(Array.from(b.input_ids?.data ?? []).slice(8)).toEqual([1, 9, 9, 9, 9, 9, 9, 9]);
    expect(Array.from(b.labels?.data ?? []).slice(0, 4)).toEqual([5, 6, 7, -100]);
    const r = c.collate([
      { input_ids: [1, 2], label: 0.5 },
      { input_ids: [1], label: 3 },
    ]);
    expect(r.labels?.dtype).toBe('float32');
    const m = c.collate([
      { input_ids: [1, 2], labels: Float32Array.from([1, 0, 1]) },
      { input_ids: [1], labels: Float32Array.from([0, 0, 1]) },
    ]);
    expect(m.labels?.shape).toEqual([2, 3]);
    expect(m.labels?.dtype).toBe('float32');
  });

  it('names the row and the column of bad input', () => {
    const c = new DataCollatorWithPadding();
    expect(() => c.collate([])).toThrow(TrainerError);
    expect(() => c.collate([{ sentence: 'hi', label: 1 }])).toThrow(/no 'input_ids'.*tokenize/);
    expect(() => c.collate([{ input_ids: [1, 2], label: 1 }, { input_ids: [1] }])).toThrow(
      /example 1 has no 'label'/,
    );
    expect(() => c.collate([{ input_ids: [1, 2.5] }])).toThrow(
      /example 0 column 'input_ids' holds 2.5/,
    );
    expect(() => new DataCollatorWithPadding({ padTokenId: -1 })).toThrow(/padTokenId/);
  });
});

describe('DataCollatorForLanguageModeling', () => {
  const options = {
    padTokenId: PAD,
    maskTokenId: MASK,
    vocabSize: VOCAB,
    specialTokenIds: SPECIAL,
  };

  it('masks ~15 % of real tokens, 80/10/10, never special or padding tokens (200 batches)', () => {
    const c = new DataCollatorForLanguageModeling({ ...options, seed: 1 });
    let eligible = 0;
    let selected = 0;
    let masked = 0;
    let random = 0;
    let unchanged = 0;
    for (let batch = 0; batch < 200; batch++) {
      const ex = examples(16, batch);
      const b = c.collate(ex);
      const [rows, t] = (b.input_ids as BatchArray).shape as [number, number];
      const ids = b.input_ids?.data as Int32Array;
      const labels = b.labels?.data as Int32Array;
      expect(b.labels?.shape).toEqual([rows, t]);
      for (let r = 0; r < rows; r++) {
        const orig = ex[r]?.input_ids as number[];
        for (let j = 0; j < t; j++) {
          const i = r * t + j;
          const o = j < orig.length ? (orig[j] as number) : PAD;
          const isSpecial = SPECIAL.includes(o);
          if (isSpecial) {
            // never selected, never changed
            expect(labels[i]).toBe(-100);
            expect(ids[i]).toBe(o);
            continue;
          }
          eligible += 1;
          if (labels[i] === -100) {
            expect(ids[i]).toBe(o);
            continue;
          }
          expect(labels[i]).toBe(o);
          selected += 1;
          if (ids[i] === MASK) masked += 1;
          else if (ids[i] === o) unchanged += 1;
          else random += 1;
        }
      }
    }
    expect(eligible).toBeGreaterThan(80_000);
    withinBinomial(selected, eligible, 0.15);
    withinBinomial(masked, selected, 0.8);
    // a random draw equal to the original counts as unchanged: P = 0.1 / VOCAB
    withinBinomial(random, selected, 0.1 * (1 - 1 / VOCAB));
    withinBinomial(unchanged, selected, 0.1 + 0.1 / VOCAB);
  });

  it('honours special_tokens_mask and is reproducible from its seed and its saved state', () => {
    const a = new DataCollatorForLanguageModeling({ ...options, seed: 7 });
    const b = new DataCollatorForLanguageModeling({ ...options, seed: 7 });
    const ex = examples(8, 3);
    const x = a.collate(ex);
    expect(Array.from(b.collate(ex).input_ids?.data ?? [])).toEqual(
      Array.from(x.input_ids?.data ?? []),
    );
    const state = a.getState();
    const next = a.collate(ex);
    b.setState(state);
    const replay = b.collate(ex);
    expect(Array.from(replay.labels?.data ?? [])).toEqual(Array.from(next.labels?.data ?? []));
    expect(Array.from(replay.input_ids?.data ?? [])).toEqual(
      Array.from(next.input_ids?.data ?? []),
    );
    // a special_tokens_mask of all ones masks nothing, and is not passed to the model
    const allSpecial = ex.map((e) => ({
      ...e,
      special_tokens_mask: (e.input_ids as number[]).map(() => 1),
    }));
    const none = a.collate(allSpecial);
    expect(none.special_tokens_mask).toBeUndefined();
    expect(Array.from(none.labels?.data ?? []).every((l) => l === -100)).toBe(true);
  });

  it('passes next_sentence_label through and gives causal labels with mlm: false', () => {
    const c = new DataCollatorForLanguageModeling({ ...options });
    const b = c.collate([
      {
        input_ids: [CLS, 9, SEP, 10, SEP],
        token_type_ids: [0, 0, 0, 1, 1],
        next_sentence_label: 1,
      },
    ]);
    expect(Array.from(b.next_sentence_label?.data ?? [])).toEqual([1]);
    const clm = new DataCollatorForLanguageModeling({ padTokenId: PAD, mlm: false });
    const l = clm.collate([{ input_ids: [5, 6, 7] }, { input_ids: [5] }]);
    expect(Array.from(l.labels?.data ?? [])).toEqual([5, 6, 7, 5, -100, -100]);
  });

  it('whole-word masking selects whole words only, ~15 % of tokens', () => {
    // words of 1..3 pieces; word_ids as a fast tokenizer gives them (-1 for specials)
    const r = lcg(99);
    const ex: Features[] = Array.from({ length: 400 }, () => {
      const ids = [CLS];
      const words = [-1];
      const nWords = 10 + Math.floor(r() * 20);
      for (let w = 0; w < nWords; w++) {
        const pieces = 1 + Math.floor(r() * 3);
        for (let p = 0; p < pieces; p++) {
          ids.push(5 + Math.floor(r() * (VOCAB - 5)));
          words.push(w);
        }
      }
      ids.push(SEP);
      words.push(-1);
      return { input_ids: ids, word_ids: words };
    });
    const c = new DataCollatorForLanguageModeling({ ...options, wholeWordMask: true, seed: 3 });
    let eligible = 0;
    let selected = 0;
    for (let s = 0; s < ex.length; s += 16) {
      const part = ex.slice(s, s + 16);
      const b = c.collate(part);
      expect(b.word_ids).toBeUndefined();
      const t = (b.input_ids as BatchArray).shape[1] as number;
      const labels = b.labels?.data as Int32Array;
      part.forEach((e, row) => {
        const words = e.word_ids as number[];
        const byWord = new Map<number, boolean[]>();
        words.forEach((w, j) => {
          if (w < 0) return;
          eligible += 1;
          const sel = labels[row * t + j] !== -100;
          if (sel) selected += 1;
          byWord.set(w, [...(byWord.get(w) ?? []), sel]);
        });
        for (const flags of byWord.values()) expect(new Set(flags).size).toBe(1);
      });
    }
    // budget = round(n * 0.15) per sequence, whole words only: slightly under 15 %
    expect(selected / eligible).toBeGreaterThan(0.13);
    expect(selected / eligible).toBeLessThanOrEqual(0.155);
    // '##' continuation works without word_ids
    const cont = new DataCollatorForLanguageModeling({
      ...options,
      wholeWordMask: true,
      isContinuation: (id) => id % 2 === 1,
    });
    expect(() => cont.collate([{ input_ids: [CLS, 10, 11, 13, 12, SEP] }])).not.toThrow();
    const noWords = new DataCollatorForLanguageModeling({ ...options, wholeWordMask: true });
    expect(() => noWords.collate([{ input_ids: [CLS, 10, SEP] }])).toThrow(/word_ids/);
  });

  it('rejects missing mask id / vocabulary size and bad probabilities', () => {
    expect(() => new DataCollatorForLanguageModeling({ vocabSize: 10 })).toThrow(/maskTokenId/);
    expect(() => new DataCollatorForLanguageModeling({ maskTokenId: 4 })).toThrow(/vocabSize/);
    expect(() => new DataCollatorForLanguageModeling({ ...options, mlmProbability: 1.5 })).toThrow(
      /mlmProbability must be in \(0, 1\), found 1.5/,
    );
  });
});

describe('createNextSentencePredictionExamples', () => {
  const r = lcg(5);
  const docs = Array.from({ length: 120 }, () =>
    Array.from({ length: 30 + Math.floor(r() * 30) }, () =>
      Array.from({ length: 3 + Math.floor(r() * 8) }, () => 5 + Math.floor(r() * 500)),
    ),
  );

  it('builds [CLS] A [SEP] B [SEP] pairs, ~50 % random next', () => {
    const ex = createNextSentencePredictionExamples(docs, {
      blockSize: 64,
      clsTokenId: CLS,
      sepTokenId: SEP,
      seed: 1,
    });
    expect(ex.length).toBeGreaterThan(800);
    let randomNext = 0;
    for (const e of ex) {
      const ids = e.input_ids as number[];
      const types = e.token_type_ids as number[];
      expect(ids.length).toBeLessThanOrEqual(64);
      expect(ids[0]).toBe(CLS);
      expect(ids[ids.length - 1]).toBe(SEP);
      expect(ids.filter((x) => x === SEP).length).toBe(2);
      const sep = ids.indexOf(SEP);
      expect(sep).toBeGreaterThan(1);
      expect(types.slice(0, sep + 1).every((x) => x === 0)).toBe(true);
      expect(types.slice(sep + 1).every((x) => x === 1)).toBe(true);
      if (e.next_sentence_label === 1) randomNext += 1;
    }
    // One-segment chunks are always random (as HF); with 30-60 short sentences per document and
    // 61-token blocks they are rare, so the ratio stays within the binomial bound of 0.5.
    withinBinomial(randomNext, ex.length, 0.5);
  });

  it('IsNext pairs are consecutive text of one document', () => {
    const small = [
      [
        [10, 11],
        [12, 13],
        [14, 15],
        [16, 17],
      ],
      [
        [20, 21],
        [22, 23],
        [24, 25],
        [26, 27],
      ],
    ];
    const ex = createNextSentencePredictionExamples(small, {
      blockSize: 64,
      clsTokenId: CLS,
      sepTokenId: SEP,
      nspProbability: 0,
      shortSeqProbability: 0,
    });
    expect(ex.length).toBe(2);
    for (const e of ex) {
      expect(e.next_sentence_label).toBe(0);
      const body = (e.input_ids as number[]).filter((x) => x !== CLS && x !== SEP);
      expect(body).toEqual(
        body[0] === 10 ? [10, 11, 12, 13, 14, 15, 16, 17] : [20, 21, 22, 23, 24, 25, 26, 27],
      );
    }
  });

  it('rejects a block too small or a single document', () => {
    expect(() =>
      createNextSentencePredictionExamples(docs, {
        blockSize: 4,
        clsTokenId: CLS,
        sepTokenId: SEP,
      }),
    ).toThrow(/blockSize/);
    expect(() =>
      createNextSentencePredictionExamples([[[1, 2]]], {
        blockSize: 16,
        clsTokenId: CLS,
        sepTokenId: SEP,
      }),
    ).toThrow(/at least 2 non-empty documents/);
  });
});
