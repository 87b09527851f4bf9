import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ClassLabel, DatasetError, type GlueTask, glueMetric, loadGlue } from '../index.js';
import { FIXTURES, tempDir } from './helpers.js';

const GLUE = join(FIXTURES, 'glue');
const expected = JSON.parse(readFileSync(join(GLUE, 'expected.json'), 'utf8')) as Record<
  GlueTask,
  { features: Record<string, unknown>; splits: Record<string, Record<string, unknown>[]> }
>;
const metrics = JSON.parse(readFileSync(join(GLUE, 'metrics.json'), 'utf8')) as Record<
  GlueTask,
  { predictions: number[]; references: number[]; expected: Record<string, number> }
>;
const TASKS = Object.keys(expected) as GlueTask[];

function hfFeatures(ds: { data: { schema: { metadata: Map<string, string> } } }): unknown {
  return JSON.parse(ds.data.schema.metadata.get('huggingface') as string).info.features;
}

describe('loadGlue', () => {
  for (const task of TASKS) {
    for (const layout of ['tsv', 'parquet'] as const) {
      it(`${task} from ${layout === 'tsv' ? "the GLUE distribution's TSVs" : "HF's parquet layout"}: HF's splits, columns, labels and rows`, async () => {
        const dataDir = join(GLUE, layout === 'tsv' ? 'glue_data' : 'parquet');
        const dd = await loadGlue(task, { dataDir });
        const want = expected[task];
        expect(dd.splits).toEqual(Object.keys(want.splits));
        for (const [split, rows] of Object.entries(want.splits)) {
          const ds = dd.get(split);
          expect(hfFeatures(ds)).toEqual(want.features);
          expect([...ds]).toEqual(rows);
        }
      });
    }
  }

  it('keeps raw quotes (QUOTE_NONE) and WNLI label order differs from RTE', async () => {
    const sst2 = await loadGlue('sst2', { dataDir: join(GLUE, 'glue_data'), splits: ['train'] });
    expect(
      sst2
        .get('train')
        .column('sentence')
        .some((s) => String(s).includes('"')),
    ).toBe(true);
    const wnli = (
      await loadGlue('wnli', { dataDir: join(GLUE, 'glue_data'), splits: ['test'] })
    ).get('test');
    const rte = (await loadGlue('rte', { dataDir: join(GLUE, 'glue_data'), splits: ['test'] })).get(
      'test',
    );
    expect((wnli.features.label as ClassLabel).names).toEqual(['not_entailment', 'entailment']);
    expect((rte.features.label as ClassLabel).names).toEqual(['entailment', 'not_entailment']);
  });

  it('cacheDir: a TSV split is written once as Arrow and memory-mapped on the next load', async () => {
    const cacheDir = join(tempDir(), 'cache');
    const a = await loadGlue('mnli', {
      dataDir: join(GLUE, 'glue_data'),
      splits: ['validation_matched'],
      cacheDir,
    });
    const b = await loadGlue('mnli', {
      dataDir: join(GLUE, 'glue_data'),
      splits: ['validation_matched'],
      cacheDir,
    });
    const files = readdirSync(cacheDir);
    expect(files.length).toBe(1);
    expect(files[0]).toMatch(/^glue-mnli-validation_matched-[0-9a-f]{16}\.arrow$/);
    expect(b.get('validation_matched').dataFiles).toEqual([join(cacheDir, files[0] as string)]);
    expect([...b.get('validation_matched')]).toEqual([...a.get('validation_matched')]);
    expect([...b.get('validation_matched')]).toEqual(expected.mnli.splits.validation_matched);
  });

  it('unknown tasks, splits and folders are DatasetErrors', async () => {
    await expect(loadGlue('nope' as GlueTask, { dataDir: GLUE })).rejects.toMatchObject({
      code: 'UNKNOWN_TASK',
    });
    await expect(
      loadGlue('mnli', { dataDir: join(GLUE, 'glue_data'), splits: ['validation'] }),
    ).rejects.toMatchObject({ code: 'MISSING_SPLIT' });
    await expect(loadGlue('cola', { dataDir: FIXTURES })).rejects.toThrow(DatasetError);
  });
});

describe('glueMetric', () => {
  for (const task of TASKS) {
    it(`${task}: evaluate's keys, values equal sklearn/scipy's`, () => {
      const m = metrics[task];
      const got = glueMetric(task).compute({
        predictions: m.predictions,
        references: m.references,
      });
      expect(Object.keys(got).sort()).toEqual(Object.keys(m.expected).sort());
      for (const [k, v] of Object.entries(m.expected))
        expect(got[k as keyof typeof got]).toBeCloseTo(v, 10);
    });
  }
});
