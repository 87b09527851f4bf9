// Shared by the parity suites: every field of an encoding (ours and the oracle's, npm
// `tokenizers`), in one comparable shape. Not a test file: vitest only runs *.test.ts.
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { Encoding } from '../index.js';

const require = createRequire(import.meta.url);
/** The oracle: HF's Rust tokenizers, as published for Node. */
export const hf = require('tokenizers') as typeof import('tokenizers');
export type HfTokenizer = InstanceType<typeof hf.Tokenizer>;
export type HfEncoding = Awaited<ReturnType<HfTokenizer['encode']>>;

export function ours(e: Encoding): unknown {
  return {
    ids: e.ids,
    typeIds: e.typeIds,
    tokens: e.tokens,
    offsets: e.offsets.map(([s, t]) => [s, t]),
    attentionMask: e.attentionMask,
    specialTokensMask: e.specialTokensMask,
    wordIds: e.wordIds,
    sequenceIds: e.sequenceIds,
    overflowing: e.overflowing.map(ours),
  };
}

export function theirs(e: HfEncoding): unknown {
  return {
    ids: e.getIds(),
    typeIds: e.getTypeIds(),
    tokens: e.getTokens(),
    offsets: e.getOffsets(),
    attentionMask: e.getAttentionMask(),
    specialTokensMask: e.getSpecialTokensMask(),
    wordIds: e.getWordIds().map((w) => w ?? null),
    sequenceIds: e.getSequenceIds().map((s) => s ?? null),
    overflowing: e.getOverflowing().map(theirs),
  };
}

/** Compares encodings one by one (every field); returns how many were identical. */
export function compareAll(inputs: readonly unknown[], a: Encoding[], b: HfEncoding[]): number {
  expect(a.length).toBe(inputs.length);
  expect(b.length).toBe(inputs.length);
  let same = 0;
  for (let i = 0; i < inputs.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) throw new Error(`missing encoding ${i}`);
    expect(ours(x), JSON.stringify(inputs[i]).slice(0, 200)).toEqual(theirs(y));
    same++;
  }
  return same;
}
