import { mkdtempSync, rmSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { AutoModel, type ModelOutput, type PreTrainedModel } from '../index.js';
import {
  disposeInputs,
  fixtureCases,
  loadExpected,
  maxAbsDiff,
  ourOutput,
  setupBackend,
} from './helpers.js';

const BACKEND = await setupBackend();

/**
 * Every case generate.py made with HF Python: load the HF-saved checkpoint, run the same
 * inputs, compare every reference output (logits, loss, hidden states, attentions) to 1e-4.
 * Then save with our code, load that back, and compare again (our save -> our load). With
 * TRANSFORMERS_ROUNDTRIP_OUT=<dir> the saved models are kept there for
 * `python3 fixtures/transformers/generate.py --verify <dir>` (our save -> HF load).
 */
const TOL = 1e-4;
const cases = fixtureCases();
const keepDir = process.env.TRANSFORMERS_ROUNDTRIP_OUT;
const tmp = mkdtempSync(path.join(tmpdir(), 'transformers-parity-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function compare(
  out: ModelOutput,
  expected: Awaited<ReturnType<typeof loadExpected>>,
): Record<string, number> {
  const diffs: Record<string, number> = {};
  for (const [key, ref] of expected.outputs) {
    const ours = ourOutput(out, key);
    if (!ours) throw new Error(`no output for reference '${key}'`);
    diffs[key] = maxAbsDiff(ours, ref);
  }
  if (expected.numHiddenStates !== undefined)
    expect(out.hiddenStates?.length).toBe(expected.numHiddenStates);
  return diffs;
}

describe(`parity with HF Python (fixtures/transformers) on the ${BACKEND.name} backend`, () => {
  it('has fixtures for every family', () => {
    expect(new Set(cases.map((c) => c.family))).toEqual(
      new Set(['albert', 'bert', 'distilbert', 'roberta']),
    );
  });

  for (const c of cases) {
    it(`${c.family}/${c.name}: logits, loss, hidden states within ${TOL}; save -> load round trip`, async () => {
      const expected = await loadExpected(path.join(c.dir, 'expected.safetensors'));
      const before = tf.memory().numTensors;
      let model: PreTrainedModel = await AutoModel.fromPretrainedArchitecture(c.dir, {
        strict: true,
      });
      const run = (m: PreTrainedModel): Record<string, number> =>
        tf.tidy(() =>
          compare(
            m.forward(expected.inputs, { outputHiddenStates: true, outputAttentions: true }),
            expected,
          ),
        );
      const diffs = run(model);
      for (const [k, d] of Object.entries(diffs)) expect(d, `${k}`).toBeLessThanOrEqual(TOL);

      const saved = keepDir
        ? path.join(keepDir, c.family, c.name)
        : path.join(tmp, c.family, c.name);
      await model.savePretrained(saved);
      if (keepDir) {
        await mkdir(saved, { recursive: true });
        await copyFile(
          path.join(c.dir, 'expected.safetensors'),
          path.join(saved, 'expected.safetensors'),
        );
      }
      model.dispose();
      model = await AutoModel.fromPretrainedArchitecture(saved, { strict: true });
      const again = run(model);
      for (const [k, d] of Object.entries(again))
        expect(d, `round trip ${k}`).toBeLessThanOrEqual(TOL);
      model.dispose();
      disposeInputs(expected.inputs);
      expect(tf.memory().numTensors).toBe(before - Object.keys(expected.inputs).length);
    });
  }
});
