import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Int64, List, Schema, Table, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  ClassLabel,
  Dataset,
  DatasetDict,
  DatasetError,
  loadDataset,
  Sequence,
  Value,
} from '../index.js';
import { tempDir } from './helpers.js';

describe('features', () => {
  it('Value dtypes (with HF aliases), ClassLabel str2int/int2str, unknown dtype', () => {
    expect(new Value('float').dtype).toBe('float32');
    expect(new Value('double').dtype).toBe('float64');
    expect(() => new Value('complex' as never)).toThrow(/unknown dtype 'complex'/);
    const l = new ClassLabel(['neg', 'pos']);
    expect([l.str2int('pos'), l.int2str(0), l.numClasses]).toEqual([1, 'neg', 2]);
    expect(() => l.int2str(2)).toThrow(DatasetError);
    expect(() => new ClassLabel(['a', 'a'])).toThrow(/duplicate/);
  });

  it("reads legacy {'_type': 'Sequence'} metadata: a Sequence of a struct is a struct of lists", () => {
    const meta = JSON.stringify({
      info: {
        features: {
          spans: {
            feature: { start: { dtype: 'int64', _type: 'Value' } },
            length: -1,
            _type: 'Sequence',
          },
          tags: { feature: { dtype: 'string', _type: 'Value' }, length: -1, _type: 'Sequence' },
        },
      },
    });
    const ds = Dataset.fromRecords([{ spans: { start: [1, 2] }, tags: ['a'] }], {
      features: {
        spans: { start: new Sequence(new Value('int64')) },
        tags: new Sequence(new Value('string')),
      },
    });
    const t = ds.data;
    const withLegacy = new Table(
      new Schema(t.schema.fields, new Map([['huggingface', meta]])),
      t.batches,
    );
    const back = Dataset.fromTable(withLegacy);
    expect(back.features.tags).toEqual(new Sequence(new Value('string')));
    expect(back.features.spans).toEqual({ start: new Sequence(new Value('int64')) });
    expect(back.get(0)).toEqual({ spans: { start: [1, 2] }, tags: ['a'] });
  });

  it('features are inferred from Arrow types when there is no metadata', () => {
    const schema = new Schema([
      new Field('ids', new List(new Field('item', new Int64(), true)), true),
      new Field('s', new Utf8(), true),
    ]);
    const ds = Dataset.fromRecords([{ ids: [1, 2], s: 'x' }]);
    const bare = new Table(
      schema,
      ds.data.batches.map((b) => b),
    );
    const back = Dataset.fromTable(bare);
    expect(back.features).toEqual({
      ids: new Sequence(new Value('int64')),
      s: new Value('string'),
    });
  });
});

describe('DatasetDict and loadDataset', () => {
  it('map over every split; withFormat arrow yields Arrow tables', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'train.jsonl'), '{"t": "a b", "y": 1}\n{"t": "c", "y": 0}\n');
    writeFileSync(join(dir, 'test.jsonl'), '{"t": "d e f", "y": 1}\n');
    const dd = await loadDataset('json', {
      dataFiles: { train: join(dir, 'train.jsonl'), test: join(dir, 'test.jsonl') },
    });
    expect(dd.numRows).toEqual({ train: 2, test: 1 });
    const mapped = await dd.map((b) => ({ n: (b.t as string[]).map((t) => t.split(' ').length) }), {
      batched: true,
    });
    expect(mapped.get('test').get(0)).toEqual({ t: 'd e f', y: 1, n: 3 });
    expect(() => mapped.get('validation')).toThrow(/no split 'validation' \(splits: train, test\)/);
    const [table] = [
      ...mapped.get('train').withFormat('arrow', ['n']).iter({ batchSize: 10 }),
    ] as Table[];
    expect(table?.numRows).toBe(2);
    expect(table?.getChild('n')?.toArray()).toEqual(new BigInt64Array([2n, 1n]));
    const saved = tempDir();
    await mapped.saveToDisk(saved);
    expect((await DatasetDict.loadFromDisk(saved)).get('train').get(1)).toEqual({
      t: 'c',
      y: 0,
      n: 1,
    });
  });
});
