import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeVector, Schema, Table, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  ClassLabel,
  Dataset,
  DatasetError,
  loadCsv,
  loadJson,
  loadText,
  loadTsv,
  openArrowSync,
  Value,
} from '../index.js';
import { FIXTURES, tempDir } from './helpers.js';

const HF_FILE = join(FIXTURES, 'datasets', 'hf_saved', 'data-00000-of-00001.arrow');

function expectError(fn: () => unknown, code: string, ...parts: (string | RegExp)[]): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    expect((e as DatasetError).code).toBe(code);
    for (const p of parts) expect((e as Error).message).toMatch(p);
    return;
  }
  throw new Error(`expected DatasetError ${code}`);
}

async function expectRejects(
  p: Promise<unknown>,
  code: string,
  ...parts: (string | RegExp)[]
): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DatasetError);
  expect((e as DatasetError).code).toBe(code);
  for (const part of parts) expect((e as Error).message).toMatch(part);
}

describe('bad input -> DatasetError naming file, row, column', () => {
  it('truncated and corrupt Arrow files', () => {
    const dir = tempDir();
    const bytes = readFileSync(HF_FILE);
    const truncated = join(dir, 'truncated.arrow');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    expectError(() => openArrowSync(truncated), 'CORRUPT_ARROW', truncated, /truncated/);
    // Cut right before the end-of-stream marker, then 4 zero bytes (what a cut inside zero
    // padding looks like): still truncated.
    const cut = join(dir, 'cut.arrow');
    writeFileSync(cut, Buffer.concat([bytes.subarray(0, bytes.length - 8), Buffer.alloc(4)]));
    expectError(() => openArrowSync(cut), 'CORRUPT_ARROW', cut, /end-of-stream/);
    const garbage = join(dir, 'garbage.arrow');
    writeFileSync(
      garbage,
      Buffer.concat([
        Buffer.from('not arrow at all, just text'),
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
      ]),
    );
    expectError(() => openArrowSync(garbage), 'CORRUPT_ARROW', garbage);
    const flipped = join(dir, 'flipped.arrow');
    const b = Buffer.from(bytes);
    b.fill(0x7f, 8, 200); // clobber the schema flatbuffer
    writeFileSync(flipped, b);
    expectError(() => openArrowSync(flipped), 'CORRUPT_ARROW', flipped);
    const empty = join(dir, 'empty.arrow');
    writeFileSync(empty, '');
    expectError(() => openArrowSync(empty), 'CORRUPT_ARROW', /too short/);
  });

  it('wrong schema: metadata features disagree with the Arrow types; missing columns', () => {
    const dir = tempDir();
    const meta = JSON.stringify({
      info: {
        features: { x: { dtype: 'string', _type: 'Value' }, y: { dtype: 'int32', _type: 'Value' } },
      },
    });
    const t = new Table({
      x: makeVector(Int32Array.from([1, 2])),
      y: makeVector(Int32Array.from([3, 4])),
    });
    const wrong = new Table(
      new Schema(t.schema.fields, new Map([['huggingface', meta]])),
      t.batches,
    );
    const f = join(dir, 'wrong.arrow');
    writeFileSync(f, tableToIPC(wrong, 'stream'));
    expectError(() => Dataset.fromArrowFilesSync([f]), 'SCHEMA_MISMATCH', f, /column 'x'/, /Int32/);
    const meta2 = JSON.stringify({
      info: {
        features: {
          x: { dtype: 'int32', _type: 'Value' },
          y: { dtype: 'int32', _type: 'Value' },
          z: { dtype: 'int32', _type: 'Value' },
        },
      },
    });
    const f2 = join(dir, 'missing.arrow');
    writeFileSync(
      f2,
      tableToIPC(
        new Table(new Schema(t.schema.fields, new Map([['huggingface', meta2]])), t.batches),
        'stream',
      ),
    );
    expectError(() => Dataset.fromArrowFilesSync([f2]), 'MISSING_COLUMN', f2, /column 'z'/);
    const ds = Dataset.fromArrowFilesSync([HF_FILE]);
    expectError(() => ds.column('nope'), 'MISSING_COLUMN', /'nope'/);
    expectError(() => ds.removeColumns(['nope']), 'MISSING_COLUMN');
    expectError(
      () =>
        Dataset.fromColumns(
          { a: [1] },
          { features: { a: new Value('int64'), b: new Value('string') } },
        ),
      'MISSING_COLUMN',
      /'b'/,
    );
  });

  it('a map function returning something other than an object names the row', async () => {
    const ds = Dataset.fromRecords([{ a: 1 }, { a: 2 }]);
    await expectRejects(
      ds.map((r) => (r.a === 2 ? (5 as never) : { b: 1 })),
      'INVALID_MAP_OUTPUT',
      /row 1/,
      /returned number/,
    );
  });

  it('a label outside its ClassLabel, a value of the wrong type', () => {
    const features = { text: new Value('string'), label: new ClassLabel(['neg', 'pos']) };
    expectError(
      () =>
        Dataset.fromRecords(
          [
            { text: 'a', label: 1 },
            { text: 'b', label: 2 },
          ],
          { features },
        ),
      'LABEL_OUT_OF_RANGE',
      /row 1, column 'label'/,
      /found 2/,
    );
    expectError(
      () => Dataset.fromRecords([{ text: 'a', label: 'maybe' }], { features }),
      'LABEL_OUT_OF_RANGE',
      /row 0/,
      /maybe/,
    );
    expectError(
      () => Dataset.fromRecords([{ text: 5, label: 0 }], { features }),
      'INVALID_VALUE',
      /column 'text'/,
      /a string/,
    );
    expectError(
      () => Dataset.fromRecords([{ v: 300 }], { features: { v: new Value('int8') } }),
      'INVALID_VALUE',
      /int8/,
    );
  });

  it('ragged CSV/TSV rows name the file and line; onBadRow skip drops them', async () => {
    const dir = tempDir();
    const f = join(dir, 'r.csv');
    writeFileSync(f, 'text,label\n"hello, world",1\nshort\n"x",0\n');
    await expectRejects(
      loadCsv(f),
      'RAGGED_ROW',
      f,
      /line 3/,
      /expected 2 fields/,
      /'label' is missing/,
    );
    const ok = await loadCsv(f, { onBadRow: 'skip' });
    expect(ok.numRows).toBe(2);
    expect(ok.get(0)).toEqual({ text: 'hello, world', label: 1 });
    const csvLabel = join(dir, 'l.csv');
    writeFileSync(csvLabel, 'text,label\na,pos\nb,7\n');
    await expectRejects(
      loadCsv(csvLabel, {
        features: { text: new Value('string'), label: new ClassLabel(['neg', 'pos']) },
      }),
      'LABEL_OUT_OF_RANGE',
      csvLabel,
      /row 1, column 'label'/,
    );
    const unterminated = join(dir, 'u.csv');
    writeFileSync(unterminated, 'a\n"open\n');
    await expectRejects(loadCsv(unterminated), 'UNTERMINATED_QUOTE', /line 2/);
  });

  it('bad JSON lines name the line', async () => {
    const dir = tempDir();
    const f = join(dir, 'x.jsonl');
    writeFileSync(f, '{"a": 1}\n{"a": 2\n');
    await expectRejects(loadJson(f), 'INVALID_JSON', f, /line 2/);
  });
});

describe('loaders', () => {
  it('csv (RFC 4180 quoting, multi-line fields), tsv (quotes are text), json, jsonl, text', async () => {
    const dir = tempDir();
    const csv = join(dir, 'a.csv');
    writeFileSync(csv, 'text,score,n\r\n"She said ""hi""",0.5,1\r\n"two\nlines",1.5,2\r\n');
    const a = await loadCsv(csv);
    expect([...a]).toEqual([
      { text: 'She said "hi"', score: 0.5, n: 1 },
      { text: 'two\nlines', score: 1.5, n: 2 },
    ]);
    expect(a.features.n).toEqual(new Value('int64'));
    const tsv = join(dir, 'a.tsv');
    writeFileSync(tsv, 'sentence\tlabel\nit\'s "great\t1\n"quoted" too\t0\n');
    expect((await loadTsv(tsv)).column('sentence')).toEqual(['it\'s "great', '"quoted" too']);
    const typed = join(dir, 'typed.tsv');
    writeFileSync(
      typed,
      'id\ttext\tscore\tword\tlab\n-3\thello\t0.5\tnan\tpos\n12\t\t1e3\tfan\tneg\n',
    );
    const t = await loadTsv(typed, { features: { lab: new ClassLabel(['neg', 'pos']) } });
    expect([...t]).toEqual([
      { id: -3, text: 'hello', score: 0.5, word: 'nan', lab: 1 },
      { id: 12, text: null, score: 1000, word: 'fan', lab: 0 },
    ]);
    expect(t.features.id).toEqual(new Value('int64'));
    expect(t.features.word).toEqual(new Value('string'));
    await expectRejects(
      loadTsv(join(dir, 'a.tsv'), { features: { missing: new Value('string') } }),
      'MISSING_COLUMN',
      /'missing'/,
    );
    const ragged = join(dir, 'r.tsv');
    writeFileSync(ragged, 'a\tb\n1\t2\n3\n');
    await expectRejects(loadTsv(ragged), 'RAGGED_ROW', ragged, /line 3/, /'b' is missing/);
    const jl = join(dir, 'a.jsonl');
    writeFileSync(jl, '{"t": "x", "v": [1, 2]}\n\n{"t": "y", "v": []}\n');
    expect([...(await loadJson(jl))]).toEqual([
      { t: 'x', v: [1, 2] },
      { t: 'y', v: [] },
    ]);
    const js = join(dir, 'a.json');
    writeFileSync(js, JSON.stringify({ data: [{ q: 'a', s: 1.5 }] }));
    expect((await loadJson(js, { field: 'data' })).get(0)).toEqual({ q: 'a', s: 1.5 });
    const txt = join(dir, 'a.txt');
    writeFileSync(txt, 'line one\nline two\n');
    expect((await loadText(txt)).column('text')).toEqual(['line one', 'line two']);
  });

  it('cacheDir: the parsed table is written once and memory-mapped on the next load', async () => {
    const dir = tempDir();
    const src = join(dir, 'a.csv');
    copyFileSync(join(FIXTURES, 'glue', 'glue_data', 'SST-2', 'train.tsv'), src);
    const cacheDir = join(dir, 'cache');
    const first = await loadCsv(src, { delimiter: '\t', quoting: 'none', cacheDir });
    const second = await loadCsv(src, { delimiter: '\t', quoting: 'none', cacheDir });
    expect(second.dataFiles).toEqual(first.dataFiles);
    expect(second.dataFiles[0]).toMatch(/cache[/\\]csv-[0-9a-f]{16}\.arrow$/);
    expect([...second]).toEqual([...first]);
  });
});
