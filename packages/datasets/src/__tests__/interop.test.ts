import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordBatchStreamReader } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  ClassLabel,
  Dataset,
  DatasetDict,
  loadFromDisk,
  loadParquet,
  Sequence,
  Value,
} from '../index.js';
import { FIXTURES, tempDir } from './helpers.js';

const HF = join(FIXTURES, 'datasets');
const expected = JSON.parse(readFileSync(join(HF, 'expected.json'), 'utf8')) as {
  features: Record<string, unknown>;
  rows: Record<string, unknown>[];
  num_rows: { train: number; test: number };
};

/** Rows compared with float32 rounding tolerated (Python reports float32 as float64). */
function expectRowsClose(got: unknown, want: unknown, path = ''): void {
  if (typeof want === 'number' && typeof got === 'number') {
    expect(Math.abs(got - want), path).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
  } else if (Array.isArray(want)) {
    expect(Array.isArray(got), path).toBe(true);
    expect((got as unknown[]).length, path).toBe(want.length);
    want.forEach((w, i) => {
      expectRowsClose((got as unknown[])[i], w, `${path}[${i}]`);
    });
  } else if (want !== null && typeof want === 'object') {
    expect(Object.keys(got as object), path).toEqual(Object.keys(want));
    for (const [k, w] of Object.entries(want))
      expectRowsClose((got as Record<string, unknown>)[k], w, `${path}.${k}`);
  } else expect(got, path).toEqual(want);
}

function featuresJson(ds: Dataset): unknown {
  // The JSON HF writes (to_dict) for our Features.
  return JSON.parse(ds.data.schema.metadata.get('huggingface') as string).info.features;
}

/** The features of expected.json, built with our classes (what a user writes). */
function ourFeatures() {
  return {
    text: new Value('string'),
    label: new ClassLabel(['negative', 'positive']),
    source: new ClassLabel(['amazon', 'imdb', 'yelp']),
    idx: new Value('int32'),
    n_chars: new Value('int64'),
    word_lengths: new Sequence(new Value('int32')),
    score: new Value('float32'),
    ratio: new Value('float64'),
    pair: new Sequence(new Value('float32'), 2),
    has_comma: new Value('bool'),
    meta: {
      first_word: new Value('string'),
      stats: { words: new Value('int64'), upper: new Value('int16') },
    },
    spans: { start: new Sequence(new Value('int32')), end: new Sequence(new Value('int32')) },
    words: new Sequence(new Value('string')),
  };
}

describe('HF interop: Python -> here', () => {
  it('a Dataset saved by HF save_to_disk opens with the same rows and features', async () => {
    const ds = await Dataset.loadFromDisk(join(HF, 'hf_saved'));
    expect(ds.numRows).toBe(expected.rows.length);
    expect(featuresJson(ds)).toEqual(expected.features);
    expect(ds.features.label).toBeInstanceOf(ClassLabel);
    expect((ds.features.label as ClassLabel).names).toEqual(['negative', 'positive']);
    expectRowsClose([...ds], expected.rows);
    const state = JSON.parse(readFileSync(join(HF, 'hf_saved', 'state.json'), 'utf8'));
    expect(ds.fingerprint).toBe(state._fingerprint);
  });

  it('a DatasetDict saved by HF opens with its splits (sync twin too)', async () => {
    const dd = await DatasetDict.loadFromDisk(join(HF, 'hf_dict'));
    expect(dd.splits).toEqual(['train', 'test']);
    expect(dd.numRows).toEqual(expected.num_rows);
    expectRowsClose([...dd.get('train')], expected.rows.slice(0, expected.num_rows.train));
    expectRowsClose([...dd.get('test')], expected.rows.slice(expected.num_rows.train));
    const sync = DatasetDict.loadFromDiskSync(join(HF, 'hf_dict'));
    expect(sync.get('test').get(0)).toEqual(dd.get('test').get(0));
    expect(await loadFromDisk(join(HF, 'hf_dict'))).toBeInstanceOf(DatasetDict);
  });

  it('an HF dataset saved in 2 shards with a format opens as one dataset, format columns kept', async () => {
    const ds = await Dataset.loadFromDisk(join(HF, 'hf_sharded'));
    expect(ds.dataFiles.map((f) => f.split(/[/\\]/).pop())).toEqual([
      'data-00000-of-00002.arrow',
      'data-00001-of-00002.arrow',
    ]);
    expectRowsClose([...ds], expected.rows);
    expect(ds.format).toEqual({ type: 'js', columns: ['idx', 'label'] });
    expect([...ds.iter({ batchSize: 40 })]).toEqual([
      { idx: expected.rows.map((r) => r.idx), label: expected.rows.map((r) => r.label) },
    ]);
  });

  it('a Parquet file written by HF to_parquet loads with its features', async () => {
    const ds = await loadParquet(join(HF, 'hf_parquet', 'train-00000-of-00001.parquet'));
    expect(featuresJson(ds)).toEqual(expected.features);
    expectRowsClose([...ds], expected.rows);
  });
});

describe('HF interop: here -> Python', () => {
  it('saveToDisk writes HF layout; schema metadata and state.json match HF byte for byte', async () => {
    const ds = Dataset.fromRecords(expected.rows, { features: ourFeatures() });
    const dir = tempDir();
    await ds.saveToDisk(dir);
    const hfDir = join(HF, 'hf_saved');
    const meta = (f: string) => {
      const r = RecordBatchStreamReader.from(readFileSync(f));
      r.open();
      return r.schema.metadata.get('huggingface');
    };
    expect(meta(join(dir, 'data-00000-of-00001.arrow'))).toBe(
      meta(join(hfDir, 'data-00000-of-00001.arrow')),
    );
    const ours = readFileSync(join(dir, 'state.json'), 'utf8');
    const theirs = readFileSync(join(hfDir, 'state.json'), 'utf8');
    expect(ours.replace(/"_fingerprint": "\w+"/, '')).toBe(
      theirs.replace(/"_fingerprint": "\w+"/, ''),
    );
    expect(readFileSync(join(dir, 'dataset_info.json'), 'utf8')).toBe(
      readFileSync(join(hfDir, 'dataset_info.json'), 'utf8'),
    );
    // Our file reopens with the same rows (the Python side checks it with generate.py --verify).
    const back = await Dataset.loadFromDisk(dir);
    expectRowsClose([...back], expected.rows);
    expect(back.fingerprint).toBe(ds.fingerprint);
  });

  it('DatasetDict.saveToDisk writes dataset_dict.json as HF does', async () => {
    const ds = Dataset.fromRecords(expected.rows, { features: ourFeatures() });
    const dd = new DatasetDict({
      train: ds.select([...Array(30).keys()]),
      test: ds.select([...Array(10).keys()].map((i) => i + 30)),
    });
    const dir = tempDir();
    await dd.saveToDisk(dir);
    expect(readFileSync(join(dir, 'dataset_dict.json'), 'utf8')).toBe(
      readFileSync(join(HF, 'hf_dict', 'dataset_dict.json'), 'utf8'),
    );
    const back = await DatasetDict.loadFromDisk(dir);
    expectRowsClose([...back.get('test')], expected.rows.slice(30));
  });
});
