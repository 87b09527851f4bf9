// Shared by the parity suites: every field of an encoding (ours and the oracle's, npm
// `tokenizers`), in one comparable shape. Not a test file: vitest only runs *.test.ts.
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { type Encoding, type Tokenizer, TokenizerError } from '../index.js';

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

/**
 * Compares encodings one by one (every field); returns how many were identical.
 * `truncated`: the oracle truncated them (from that side), so leave out the overflowing windows,
 * and the word ids after a left cut (see `sameAsOracle` for why; truncation_parity.test.ts
 * checks them against HF's core).
 */
export function compareAll(
  inputs: readonly unknown[],
  a: Encoding[],
  b: HfEncoding[],
  truncated: false | 'right' | 'left' = false,
): number {
  expect(a.length).toBe(inputs.length);
  expect(b.length).toBe(inputs.length);
  let same = 0;
  for (let i = 0; i < inputs.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) throw new Error(`missing encoding ${i}`);
    const got = ours(x) as Record<string, unknown>;
    const want = theirs(y) as Record<string, unknown>;
    if (truncated) got.overflowing = want.overflowing = [];
    if (truncated === 'left') got.wordIds = want.wordIds = [];
    expect(got, JSON.stringify(inputs[i]).slice(0, 200)).toEqual(want);
    same++;
  }
  return same;
}

type Trunc = Parameters<Tokenizer['setTruncation']>[0];
type Pad = Parameters<Tokenizer['setPadding']>[0];

/** Gives the oracle the same truncation and padding as ours. */
export function setOracle(ref: HfTokenizer, trunc: Trunc, pad: Pad): void {
  if (trunc === null) ref.disableTruncation();
  else
    ref.setTruncation(trunc.maxLength, {
      stride: trunc.stride ?? 0,
      strategy: (
        {
          longest_first: 'LongestFirst',
          only_first: 'OnlyFirst',
          only_second: 'OnlySecond',
        } as const
      )[trunc.strategy ?? 'longest_first'] as never,
      direction: trunc.direction ?? 'right',
    });
  if (pad === null) ref.disablePadding();
  else
    ref.setPadding({
      ...(pad.length !== undefined ? { maxLength: pad.length } : {}),
      direction: pad.direction ?? 'right',
      ...(pad.padToMultipleOf !== undefined ? { padToMultipleOf: pad.padToMultipleOf } : {}),
      padId: pad.padId ?? 0,
      padTypeId: pad.padTypeId ?? 0,
      padToken: pad.padToken ?? '[PAD]',
    });
}

/**
 * Truncated encodings equal to the npm oracle's, input by input (pairs, then singles). Where HF
 * refuses (only_second without a second sequence or with too short a one) we must throw too.
 * Where a stride no longer fits a window HF aborts the whole process (a panic across its async
 * boundary), so the oracle is not asked: ours must throw a TokenizerError naming the stride
 * (checked against HF in a child process while writing this: it aborts in each such case).
 *
 * npm `tokenizers@0.23.2` stops tokenizing a sequence at about `max_length` tokens before
 * truncating, unlike HF's Rust core (Python `tokenizers` 0.23.3, what transformers runs): its
 * overflowing windows stop there, left-truncated word ids restart at 0, and longest_first
 * splits pairs from the shortened lengths. We follow the core: windows, left word ids and
 * truncated pairs are checked against it in truncation_parity.test.ts, the rest here.
 */
export async function sameAsOracle(
  tok: Tokenizer,
  ref: HfTokenizer,
  pairs: readonly (readonly [string, string])[],
  singles: readonly string[],
  label: string,
  left = false,
): Promise<{ compared: number; refused: number }> {
  let compared = 0;
  let refused = 0;
  const inputs: (readonly [string, string | undefined])[] = [
    ...pairs,
    ...singles.map((s) => [s, undefined] as const),
  ];
  for (const [x, y] of inputs) {
    const where = `${label} ${x.slice(0, 60)} | ${(y ?? '-').slice(0, 60)}`;
    let mine: unknown;
    let err: unknown;
    try {
      mine = ours(tok.encode(x, y));
    } catch (e) {
      err = e;
    }
    if (err instanceof TokenizerError && err.message.includes('stride')) {
      refused++;
      continue;
    }
    let r: HfEncoding | undefined;
    try {
      r = await (y === undefined ? ref.encode(x) : ref.encode(x, y));
    } catch {
      r = undefined;
    }
    if (r === undefined) {
      expect(err, where).toBeInstanceOf(TokenizerError);
      refused++;
    } else {
      expect(err, where).toBeUndefined();
      const want = theirs(r) as Record<string, unknown>;
      const got = mine as Record<string, unknown>;
      got.overflowing = want.overflowing = [];
      if (left) got.wordIds = want.wordIds = [];
      expect(got, where).toEqual(want);
      compared++;
    }
  }
  return { compared, refused };
}
