import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, Value } from '../index.js';
import { FIXTURES } from './helpers.js';

const orders = JSON.parse(readFileSync(join(FIXTURES, 'datasets', 'orders.json'), 'utf8')) as {
  shuffle_seed_42_idx: number[];
  train_test_split_seed_0: { train: number[]; test: number[] };
  numpy_permutations: Record<string, number[] | string>;
};

describe("seeded order = HF's (numpy default_rng: SeedSequence + PCG64)", () => {
  it('shuffle({ seed: 42 }) of the HF-saved dataset gives HF shuffle(seed=42) order', async () => {
    const ds = await Dataset.loadFromDisk(join(FIXTURES, 'datasets', 'hf_saved'));
    expect(ds.shuffle({ seed: 42 }).column('idx')).toEqual(orders.shuffle_seed_42_idx);
  });

  it('trainTestSplit({ testSize: 0.25, seed: 0 }) gives HF train_test_split splits', async () => {
    const ds = await Dataset.loadFromDisk(join(FIXTURES, 'datasets', 'hf_saved'));
    const { train, test } = ds.trainTestSplit({ testSize: 0.25, seed: 0 });
    expect(train.column('idx')).toEqual(orders.train_test_split_seed_0.train);
    expect(test.column('idx')).toEqual(orders.train_test_split_seed_0.test);
  });

  it('permutations equal numpy for several seeds and sizes (up to MNLI-sized)', () => {
    const sizes = new Map<number, Dataset>();
    for (const [key, want] of Object.entries(orders.numpy_permutations)) {
      const [seed, n] = key.split('/').map(Number) as [number, number];
      let ds = sizes.get(n);
      if (ds === undefined) {
        ds = Dataset.fromColumns(
          { i: Array.from({ length: n }, (_, k) => k) },
          { features: { i: new Value('uint32') } },
        );
        sizes.set(n, ds);
      }
      const got = Uint32Array.from(ds.shuffle({ seed }).column('i') as number[]);
      if (typeof want === 'string') {
        expect(createHash('sha256').update(Buffer.from(got.buffer)).digest('hex'), key).toBe(want);
      } else expect(Array.from(got), key).toEqual(want);
    }
  });
});
