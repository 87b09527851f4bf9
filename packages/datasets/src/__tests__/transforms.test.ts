import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  ClassLabel,
  concatenateDatasets,
  Dataset,
  DatasetError,
  Sequence,
  Value,
} from '../index.js';
import { tempDir } from './helpers.js';

const features = {
  text: new Value('string'),
  label: new ClassLabel(['neg', 'pos']),
  n: new Value('int32'),
};
const rows = Array.from({ length: 100 }, (_, i) => ({
  text: `sentence number ${i}`,
  label: i % 3 === 0 ? 1 : 0,
  n: i,
}));

async function onDisk(): Promise<Dataset> {
  const dir = tempDir();
  await Dataset.fromRecords(rows, { features }).saveToDisk(dir);
  return Dataset.loadFromDisk(dir);
}

describe('transforms', () => {
  it('select / filter / shuffle / sort go through an indices mapping and change the fingerprint', () => {
    const ds = Dataset.fromRecords(rows, { features });
    const sel = ds.select([5, 2, 9]);
    expect(sel.column('n')).toEqual([5, 2, 9]);
    expect(sel.hasIndicesMapping).toBe(true);
    expect(sel.fingerprint).not.toBe(ds.fingerprint);
    const f = ds.filter((r) => r.label === 1);
    expect(f.numRows).toBe(34);
    const a = ds.shuffle({ seed: 42 });
    const b = ds.shuffle({ seed: 42 });
    expect(a.column('n')).toEqual(b.column('n'));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.column('n')).not.toEqual(ds.column('n'));
    expect([...a.column('n')].sort((x, y) => (x as number) - (y as number))).toEqual(
      ds.column('n'),
    );
    expect(a.sort('n').column('n')).toEqual(ds.column('n'));
    expect(a.sort('n', { reverse: true }).get(0).n).toBe(99);
    // Composition: select on a shuffled dataset indexes the shuffled order.
    expect(a.select([0]).get(0)).toEqual(a.get(0));
  });

  it('a shuffled multi-file dataset materializes (Arrow-level take) and saves the same rows', async () => {
    const a = await onDisk();
    const both = concatenateDatasets([a, a.select([3, 1, 4])]);
    const sh = both.shuffle({ seed: 7 });
    const dir = tempDir();
    await sh.saveToDisk(dir, { numShards: 2 });
    const back = await Dataset.loadFromDisk(dir);
    expect(back.hasIndicesMapping).toBe(false);
    expect([...back]).toEqual([...sh]);
    expect(back.numRows).toBe(103);
    expect(back.dataFiles.length).toBe(2);
  });

  it('trainTestSplit: HF counts, seeded, disjoint; stratified keeps class shares', () => {
    const ds = Dataset.fromRecords(rows, { features });
    const { train, test } = ds.trainTestSplit({ testSize: 0.2, seed: 1 });
    expect([train.numRows, test.numRows]).toEqual([80, 20]);
    const all = new Set([...train.column('n'), ...test.column('n')]);
    expect(all.size).toBe(100);
    const s = ds.trainTestSplit({ testSize: 0.3, seed: 3, stratifyByColumn: 'label' });
    const pos = (d: Dataset) => d.column('label').filter((l) => l === 1).length;
    expect(pos(s.test)).toBe(10); // 34 positives * 0.3 = 10.2 -> 10
    expect(pos(s.train) + pos(s.test)).toBe(34);
    const ns = ds.trainTestSplit({ testSize: 10, shuffle: false });
    expect(ns.test.column('n')).toEqual(Array.from({ length: 10 }, (_, i) => 90 + i));
  });

  it('rename / remove / select columns / cast / flatten / concatenate', () => {
    const ds = Dataset.fromRecords(
      [
        { a: { b: 1, c: 'x' }, s: '3', l: 'pos' },
        { a: { b: 2, c: 'y' }, s: '4', l: 'neg' },
      ],
      {
        features: {
          a: { b: new Value('int64'), c: new Value('string') },
          s: new Value('string'),
          l: new Value('string'),
        },
      },
    );
    expect(ds.renameColumn('s', 't').columnNames).toEqual(['a', 't', 'l']);
    expect(ds.removeColumns(['a']).get(1)).toEqual({ s: '4', l: 'neg' });
    const flat = ds.flatten();
    expect(flat.columnNames).toEqual(['a.b', 'a.c', 's', 'l']);
    expect(flat.get(1)).toEqual({ 'a.b': 2, 'a.c': 'y', s: '4', l: 'neg' });
    const cast = ds.castColumns({ s: new Value('float32'), l: new ClassLabel(['neg', 'pos']) });
    expect(cast.get(0)).toEqual({ a: { b: 1, c: 'x' }, s: 3, l: 1 });
    expect(() => ds.castColumn('l', new Value('int32'))).toThrow(/row 0, column 'l'/);
    const cat = concatenateDatasets([ds, ds.select([1])]);
    expect(cat.numRows).toBe(3);
    expect(cat.get(2)).toEqual(ds.get(1));
    expect(() => concatenateDatasets([ds, flat])).toThrow(DatasetError);
  });

  it('map: batched with removeColumns; the result is cached beside the data and reused', async () => {
    const ds = await onDisk();
    let calls = 0;
    const fn = (b: Record<string, unknown[]>) => {
      calls++;
      return {
        ids:
          b.text?.map((t) =>
            String(t)
              .split(' ')
              .map((w) => w.length),
          ) ?? [],
      };
    };
    const out = await ds.map(fn, { batched: true, batchSize: 32, removeColumns: ['text'] });
    expect(calls).toBe(4);
    expect(out.columnNames).toEqual(['label', 'n', 'ids']);
    expect(out.features.label).toBeInstanceOf(ClassLabel);
    expect(out.features.ids).toEqual(new Sequence(new Value('int64')));
    expect(out.get(10)).toEqual({ label: 0, n: 10, ids: [8, 6, 2] });
    const dir = (ds.dataFiles[0] as string).replace(/\/[^/]+$/, '');
    expect(existsSync(join(dir, `cache-${out.fingerprint}.arrow`))).toBe(true);
    // Same function and options: reopened from the cache, fn not called.
    const again = await (await Dataset.loadFromDisk(dir)).map(fn, {
      batched: true,
      batchSize: 32,
      removeColumns: ['text'],
    });
    expect(calls).toBe(4);
    expect(again.fingerprint).toBe(out.fingerprint);
    expect(again.get(10)).toEqual(out.get(10));
    // Different arguments: a different fingerprint.
    const other = await ds.map(fn, { batched: true, batchSize: 50, removeColumns: ['text'] });
    expect(other.fingerprint).not.toBe(out.fingerprint);
    // Unbatched, keyed explicitly.
    const state = { add: 1 };
    const keyed = await ds.map((r) => ({ n: Number(r.n) + state.add }), { cacheKey: 'add-1' });
    expect(keyed.get(0).n).toBe(1);
    expect(keyed.features.n).toEqual(new Value('int32'));
  });

  it('map: an unhashable function without cacheKey is an error, not a random fingerprint', async () => {
    const ds = await onDisk();
    const bound = ((r: Record<string, unknown>) => r).bind(null);
    await expect(ds.map(bound as never)).rejects.toMatchObject({ code: 'UNHASHABLE_ARGUMENT' });
    const ok = await ds.map(bound as never, { cacheKey: 'identity' });
    expect(ok.numRows).toBe(100);
  });

  it('a map that throws mid-write leaves no cache file (temp + fsync + rename)', async () => {
    const ds = await onDisk();
    const dir = (ds.dataFiles[0] as string).replace(/\/[^/]+$/, '');
    const before = readdirSync(dir).sort();
    await expect(
      ds.map(
        (b, i) => {
          if (i >= 64) throw new Error('boom');
          return { x: b.n ?? [] };
        },
        { batched: true, batchSize: 32 },
      ),
    ).rejects.toThrow('boom');
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('iteration by row and batch; tfjs format yields padded int32 tensors the trainer consumes', async () => {
    const ds = await onDisk();
    expect([...ds].length).toBe(100);
    const tok = await ds.map(
      (b) => {
        const ids = (b.text as string[]).map((t) =>
          t.split(' ').map((w) => w.length + (t.length % 5)),
        );
        return {
          input_ids: ids,
          attention_mask: ids.map((r) => r.map(() => 1)),
          token_type_ids: ids.map((r) => r.map(() => 0)),
        };
      },
      { batched: true, removeColumns: ['text', 'n'] },
    );
    const before = tf.memory().numTensors;
    const batches = [
      ...tok
        .withFormat('tfjs', ['input_ids', 'attention_mask', 'token_type_ids', 'label'])
        .iter({ batchSize: 16 }),
    ] as Record<string, tf.Tensor>[];
    expect(batches.length).toBe(7);
    const first = batches[0] as Record<string, tf.Tensor>;
    expect(Object.keys(first).sort()).toEqual([
      'attention_mask',
      'input_ids',
      'labels',
      'token_type_ids',
    ]);
    expect(first.input_ids?.dtype).toBe('int32');
    expect(first.input_ids?.shape).toEqual([16, 3]);
    expect(first.labels?.shape).toEqual([16]);
    expect(Array.from(first.labels?.dataSync() ?? [])).toEqual(tok.getBatch(0, 16).label);
    for (const b of batches) for (const t of Object.values(b)) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const js = [...ds.withFormat('js', ['n']).iter({ batchSize: 40 })] as Record<
      string,
      unknown[]
    >[];
    expect(js.map((b) => b.n?.length)).toEqual([40, 40, 20]);
    expect(() => ds.withFormat('tfjs', ['text']).iter().next()).toThrow(/not numeric/);
  });
});

describe('a process killed mid-write', () => {
  it('leaves no cache file; the next run recomputes the same result', async () => {
    const ds = await onDisk();
    const dir = (ds.dataFiles[0] as string).replace(/\/[^/]+$/, '');
    // The child imports the built package by name (self-reference through package.json
    // exports) and SIGKILLs itself after two of four batches were written.
    const script = `
      const { Dataset } = await import('@transferjs/datasets');
      const ds = await Dataset.loadFromDisk(${JSON.stringify(dir)});
      await ds.map((b, start) => {
        if (start >= 64) process.kill(process.pid, 'SIGKILL');
        return { twice: b.n.map((x) => x * 2) };
      }, { batched: true, batchSize: 32, cacheKey: 'twice' });
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
      encoding: 'utf8',
    });
    expect(r.signal).toBe('SIGKILL');
    const files = readdirSync(dir);
    expect(files.filter((f) => f.startsWith('cache-'))).toEqual([]);
    expect(files.some((f) => f.startsWith('.tmp-'))).toBe(true); // the abandoned temp file, never read
    const out = await ds.map((b) => ({ twice: (b.n as number[]).map((x) => x * 2) }), {
      batched: true,
      batchSize: 32,
      cacheKey: 'twice',
    });
    expect(out.column('twice')).toEqual(rows.map((r) => r.n * 2));
    expect(readdirSync(dir).filter((f) => f.startsWith('cache-'))).toEqual([
      `cache-${out.fingerprint}.arrow`,
    ]);
  });
});
