import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeVector, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { Dataset, DatasetError, openArrow, openArrowSync } from '../index.js';
import { FIXTURES, tempDir } from './helpers.js';

describe('memory-mapped Arrow', () => {
  it('maps a large file without copying it: columns are views into one ArrayBuffer of the file size', async () => {
    const dir = tempDir();
    const n = 12_500_000; // 100 MB of float64
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = i * 0.5;
    const file = join(dir, 'big.arrow');
    writeFileSync(file, tableToIPC(new Table({ x: makeVector(values) }), 'stream'));
    const size = statSync(file).size;
    global.gc?.();
    const before = process.memoryUsage().rss;
    const t = openArrowSync(file);
    const after = process.memoryUsage().rss;
    const col = t.getChild('x');
    const data = col?.data[0];
    const buf = (data as NonNullable<typeof data>).values.buffer;
    expect(buf.byteLength).toBe(size);
    expect(after - before).toBeLessThan(20 * 1024 * 1024);
    expect(col?.get(n - 1)).toBe((n - 1) * 0.5);
    // The async twin maps the same bytes.
    const t2 = await openArrow(file);
    const data2 = t2.getChild('x')?.data[0];
    expect((data2 as NonNullable<typeof data2>).values.buffer.byteLength).toBe(size);
  });

  it('reads the IPC file format as well as the stream format', async () => {
    const dir = tempDir();
    const table = new Table({
      a: makeVector(Int32Array.from([1, 2, 3])),
      b: vectorFromArray(['x', 'y', 'z'], new Utf8()),
    });
    writeFileSync(join(dir, 'f.arrow'), tableToIPC(table, 'file'));
    writeFileSync(join(dir, 's.arrow'), tableToIPC(table, 'stream'));
    for (const f of ['f.arrow', 's.arrow']) {
      const t = await openArrow(join(dir, f));
      expect(t.getChild('b')?.toArray()).toEqual(['x', 'y', 'z']);
      const ds = Dataset.fromTable(t);
      expect(ds.get(2)).toEqual({ a: 3, b: 'z' });
    }
  });

  it('the mapping outlives the Dataset that opened it while a view is alive', async () => {
    const file = join(FIXTURES, 'datasets', 'hf_saved', 'data-00000-of-00001.arrow');
    let view: Uint8Array | undefined;
    {
      const ds = await Dataset.fromArrowFiles([file]);
      const d = ds.data.getChild('text')?.data[0];
      view = d?.values as Uint8Array;
    }
    global.gc?.();
    await new Promise((r) => setTimeout(r, 10));
    const bytes = readFileSync(file);
    expect(view).toBeDefined();
    expect(bytes.includes(Buffer.from((view as Uint8Array).subarray(0, 20)))).toBe(true);
  });

  it('missing files and directories are DatasetErrors with stable codes', async () => {
    await expect(openArrow('/nonexistent/x.arrow')).rejects.toMatchObject({
      name: 'DatasetError',
      code: 'FILE_NOT_FOUND',
    });
    expect(() => openArrowSync(tempDir())).toThrow(DatasetError);
  });
});
