import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, pipeline, type SafetensorsTensor } from '../index.js';
import { FIXTURES, loadExpected, setupBackend } from './helpers.js';

/**
 * Pipelines against HF Python's pipeline() on tiny BERTs with a real WordPiece tokenizer.json
 * (fixtures/transformers/pipelines, `generate.py --pipelines`): same labels, tokens, offsets,
 * answers; scores within 1e-4. QA against HF 4.x's algorithm (5.x removed that pipeline).
 */
await setupBackend();
const dir = (task: string) => path.join(FIXTURES, 'pipelines', task);
const expected = (task: string) =>
  JSON.parse(readFileSync(path.join(dir(task), 'expected.json'), 'utf8'));
const tmp = mkdtempSync(path.join(tmpdir(), 'transformers-pipelines-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Deep equality with numbers compared to 1e-4 (snake_case reference keys mapped to ours). */
function expectClose(ours: unknown, ref: unknown, where = 'output'): void {
  if (typeof ref === 'number') {
    expect(typeof ours, where).toBe('number');
    expect(Math.abs((ours as number) - ref), where).toBeLessThanOrEqual(1e-4);
  } else if (Array.isArray(ref)) {
    expect(Array.isArray(ours), where).toBe(true);
    expect((ours as unknown[]).length, where).toBe(ref.length);
    for (const [i, r] of ref.entries()) expectClose((ours as unknown[])[i], r, `${where}[${i}]`);
  } else if (ref && typeof ref === 'object') {
    for (const [k, r] of Object.entries(ref)) {
      const key = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      expectClose((ours as Record<string, unknown>)[key], r, `${where}.${key}`);
    }
  } else {
    expect(ours, where).toBe(ref);
  }
}

describe('pipelines match HF Python', () => {
  it('fill-mask: top 3 tokens, scores, filled sequences; savePretrained -> same results', async () => {
    const e = expected('fill-mask');
    const p = await pipeline('fill-mask', dir('fill-mask'), { strict: true });
    expectClose(await p.run(e.inputs, { topK: e.options.top_k }), e.outputs);
    // With TRANSFORMERS_ROUNDTRIP_OUT, `generate.py --verify` loads this folder with HF Python.
    const out = process.env.TRANSFORMERS_ROUNDTRIP_OUT
      ? path.join(process.env.TRANSFORMERS_ROUNDTRIP_OUT, 'pipelines', 'fill-mask')
      : path.join(tmp, 'fill-mask');
    await p.savePretrained(out);
    p.dispose();
    const again = await pipeline('fill-mask', out, { strict: true });
    expectClose(await again.run(e.inputs, { topK: e.options.top_k }), e.outputs);
    again.dispose();
  });

  it('text-classification: every label, sorted by softmax score', async () => {
    const e = expected('text-classification');
    const p = await pipeline('text-classification', dir('text-classification'), { strict: true });
    expectClose(await p.run(e.inputs, { topK: null }), e.outputs);
    expect((await p.run(e.inputs[0]))[0]).toHaveLength(1);
    p.dispose();
  });

  it('token-classification: entities with character offsets; simple aggregation', async () => {
    const e = expected('token-classification');
    const p = await pipeline('token-classification', dir('token-classification'), { strict: true });
    expectClose(await p.run(e.inputs), e.outputs);
    expectClose(await p.run(e.inputs, { aggregationStrategy: 'simple' }), e.outputs_simple);
    p.dispose();
  });

  it('question-answering: span, score and character offsets', async () => {
    const e = expected('question-answering');
    const p = await pipeline('question-answering', dir('question-answering'), { strict: true });
    for (const i of [0, 1]) expectClose(await p.run(e.inputs[i]), e.outputs[i], `qa[${i}]`);
    p.dispose();
  });

  // A context longer than the model allows is split into windows overlapping by docStride
  // tokens (here 16 of 25 context tokens), as HF's pipeline does; the answer comes from the best
  // window.
  it('question-answering over a long context (windows with docStride)', async () => {
    const e = expected('question-answering');
    const p = await pipeline('question-answering', dir('question-answering'), { strict: true });
    try {
      expectClose(await p.run(e.inputs[2]), e.outputs[2], 'qa[2]');
    } finally {
      p.dispose();
    }
  });

  it('feature-extraction: token vectors, CLS / mean pooling, normalize', async () => {
    const e = expected('feature-extraction');
    const p = await pipeline('feature-extraction', dir('feature-extraction'), { strict: true });
    const before = tf.memory().numTensors;
    // HF returns [1, T, H] per text.
    expectClose(
      (await p.run(e.inputs)).map((x) => [x]),
      e.outputs,
    );
    expectClose(
      await p.run(e.inputs, { pooling: 'cls' }),
      e.pooled.map((x: { cls: number[] }) => x.cls),
    );
    expectClose(
      await p.run(e.inputs, { pooling: 'mean' }),
      e.pooled.map((x: { mean: number[] }) => x.mean),
    );
    expectClose(
      await p.run(e.inputs, { pooling: 'mean', normalize: true }),
      e.pooled.map((x: { mean_normalized: number[] }) => x.mean_normalized),
    );
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });

  it('AutoTokenizer: padding, truncation, pairs; save -> load gives the same ids', async () => {
    const tok = await AutoTokenizer.fromPretrained(dir('fill-mask'));
    expect(tok.modelMaxLength).toBe(32);
    const b = await tok.encode(['John lives in Paris.', 'Mary'], { pairs: ['Where?', 'Who?'] });
    expect(b.inputIds.shape[0]).toBe(2);
    const ids = b.inputIds.arraySync();
    expect(ids[1]?.slice(-2)).toEqual([0, 0]); // right padding with [PAD]
    expect(b.tokenTypeIds.arraySync()[0]?.slice(0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    const t = await tok.encode('john lives in paris the capital city of france', {
      truncation: true,
      maxLength: 6,
    });
    expect(t.inputIds.shape).toEqual([1, 6]);
    await tok.savePretrained(path.join(tmp, 'tok'));
    const again = await AutoTokenizer.fromPretrained(path.join(tmp, 'tok'));
    const b2 = await again.encode(['John lives in Paris.', 'Mary'], { pairs: ['Where?', 'Who?'] });
    expect(b2.inputIds.arraySync()).toEqual(ids);
    tf.dispose([
      b.inputIds,
      b.attentionMask,
      b.tokenTypeIds,
      t.inputIds,
      t.attentionMask,
      t.tokenTypeIds,
      b2.inputIds,
      b2.attentionMask,
      b2.tokenTypeIds,
    ]);
  });

  it('typed errors: no mask token in the input, unknown task, no tokenizer files', async () => {
    const p = await pipeline('fill-mask', dir('fill-mask'));
    await expect(p.run('no mask here')).rejects.toThrow(/no \[MASK\] token in input 0/);
    p.dispose();
    await expect(pipeline('summarization' as 'fill-mask', dir('fill-mask'))).rejects.toMatchObject({
      code: 'UNKNOWN_TASK',
    });
    await expect(
      AutoTokenizer.fromPretrained(path.join(FIXTURES, 'bert', 'model')),
    ).rejects.toThrow(/no tokenizer.json or vocab.txt/);
  });
});

const MINILM =
  process.env.TRANSFORMERS_MINILM_DIR ??
  path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '../../node_modules/.cache/all-MiniLM-L6-v2',
  );

describe.skipIf(!existsSync(path.join(MINILM, 'model.safetensors')))(
  'feature-extraction on all-MiniLM-L6-v2',
  () => {
    it('our tokenizer + model give HF sentence-transformers embeddings (mean, normalize) within 1e-4', async () => {
      const ref = await loadExpected(path.join(FIXTURES, 'minilm', 'expected.safetensors'));
      const sentences = JSON.parse(ref.metadata.sentences as string) as string[];
      const p = await pipeline('feature-extraction', MINILM, { strict: true });
      const emb = await p.run(sentences, { pooling: 'mean', normalize: true });
      const want = ref.outputs.get('sentence_embedding') as SafetensorsTensor;
      const h = want.shape[1] as number;
      for (const [i, v] of emb.entries()) {
        expectClose(
          v,
          Array.from((want.data as Float32Array).subarray(i * h, (i + 1) * h)),
          `embedding[${i}]`,
        );
      }
      for (const t of Object.values(ref.inputs)) (t as tf.Tensor).dispose();
      p.dispose();
    });
  },
);
