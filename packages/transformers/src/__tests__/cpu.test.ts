import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AutoModel, useBackend } from '../index.js';
import { disposeInputs, fixtureCases, loadExpected, maxAbsDiff, ourOutput } from './helpers.js';

/**
 * The pure-JS cpu backend (what runs when no native backend is set up): the BERT parity cases
 * and one gradient step, pinned to 'cpu' whatever backend the other files use.
 */
await useBackend('cpu');

describe("parity on the 'cpu' backend", () => {
  it('is on cpu', () => expect(tf.getBackend()).toBe('cpu'));

  for (const c of fixtureCases().filter((x) => x.family === 'bert')) {
    it(`bert/${c.name} within 1e-4`, async () => {
      const model = await AutoModel.fromPretrainedArchitecture(c.dir, { strict: true });
      const expected = await loadExpected(path.join(c.dir, 'expected.safetensors'));
      tf.tidy(() => {
        const out = model.forward(expected.inputs, {
          outputHiddenStates: true,
          outputAttentions: true,
        });
        for (const [key, ref] of expected.outputs) {
          const ours = ourOutput(out, key);
          expect(ours, key).toBeDefined();
          expect(maxAbsDiff(ours as tf.Tensor, ref), key).toBeLessThanOrEqual(1e-4);
        }
      });
      disposeInputs(expected.inputs);
      model.dispose();
    });
  }
});
