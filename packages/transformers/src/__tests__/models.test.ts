import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AutoModel,
  AutoModelForMaskedLM,
  AutoModelForNextSentencePrediction,
  AutoModelForSequenceClassification,
  BertConfig,
  BertForMaskedLM,
  BertForSequenceClassification,
  BertModel,
  MODEL_REGISTRY,
  readSafetensors,
  type SafetensorsTensor,
  seedDropout,
  TransformersError,
  writeSafetensors,
} from '../index.js';
import { disposeInputs, FIXTURES, loadExpected, maxAbsDiff, setupBackend } from './helpers.js';

await setupBackend();

const tmp = mkdtempSync(path.join(tmpdir(), 'transformers-models-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fixture = (c: string) => path.join(FIXTURES, c);

describe('fromPretrained: keys, prefixes, shapes, folders', () => {
  it('namedParameters are exactly the checkpoint keys with HF shapes ([out, in] Linear weights)', async () => {
    const model = await BertForMaskedLM.fromPretrained(fixture('bert/maskedlm'), { strict: true });
    const { tensors } = await readSafetensors(
      path.join(fixture('bert/maskedlm'), 'model.safetensors'),
    );
    const params = model.namedParameters();
    expect([...params.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [k, v] of params) expect(v.shape, k).toEqual(tensors.get(k)?.shape);
    expect(params.get('bert.encoder.layer.0.intermediate.dense.weight')?.shape).toEqual([23, 16]);
    // The decoder is tied: it is the word-embedding variable, listed once.
    expect(params.has('cls.predictions.decoder.weight')).toBe(false);
    expect([...params.keys()][0]).toBe('bert.embeddings.word_embeddings.weight');
    model.dispose();
  });

  it('reports unexpected keys like HF (base model from a pre-training checkpoint)', async () => {
    const warnings: string[] = [];
    const model = await BertModel.fromPretrained(fixture('bert/pretraining'), {
      onWarning: (m) => warnings.push(m),
    });
    expect(model.loadingInfo.missingKeys).toEqual([]);
    expect(model.loadingInfo.unexpectedKeys.sort()).toEqual(
      [
        'cls.predictions.bias',
        'cls.predictions.transform.LayerNorm.bias',
        'cls.predictions.transform.LayerNorm.weight',
        'cls.predictions.transform.dense.bias',
        'cls.predictions.transform.dense.weight',
        'cls.seq_relationship.bias',
        'cls.seq_relationship.weight',
      ].sort(),
    );
    expect(warnings[0]).toContain(
      'Some weights of the checkpoint were not used when initializing BertModel',
    );
    model.dispose();
    await expect(
      BertModel.fromPretrained(fixture('bert/pretraining'), { strict: true }),
    ).rejects.toMatchObject({ code: 'CHECKPOINT_KEYS' });
  });

  it('a head without pooler ignores the checkpoint pooler, as HF does', async () => {
    const warnings: string[] = [];
    const model = await BertForMaskedLM.fromPretrained(fixture('bert/pretraining'), {
      onWarning: (m) => warnings.push(m),
    });
    expect(model.loadingInfo).toEqual({
      missingKeys: [],
      unexpectedKeys: ['cls.seq_relationship.bias', 'cls.seq_relationship.weight'],
    });
    model.dispose();
  });

  it('reports missing keys (new head on a base checkpoint) and adds the prefix', async () => {
    const warnings: string[] = [];
    const model = await AutoModelForSequenceClassification.fromPretrained(fixture('bert/model'), {
      onWarning: (m) => warnings.push(m),
      configOverrides: { num_labels: 5 },
    });
    expect(model).toBeInstanceOf(BertForSequenceClassification);
    expect(model.loadingInfo.missingKeys).toEqual(['classifier.weight', 'classifier.bias']);
    expect(model.loadingInfo.unexpectedKeys).toEqual([]);
    expect(model.config.num_labels).toBe(5);
    expect(warnings[0]).toMatch(/newly initialized: classifier.weight, classifier.bias/);
    // The encoder weights did load: same values as the checkpoint under the bert. prefix.
    const { tensors } = await readSafetensors(
      path.join(fixture('bert/model'), 'model.safetensors'),
    );
    const w = model
      .namedParameters()
      .get('bert.encoder.layer.1.output.dense.weight') as tf.Variable;
    expect(
      maxAbsDiff(w, tensors.get('encoder.layer.1.output.dense.weight') as SafetensorsTensor),
    ).toBe(0);
    model.dispose();
  });

  it('a shape mismatch names the key and both shapes', async () => {
    await expect(
      BertForMaskedLM.fromPretrained(fixture('bert/maskedlm'), {
        configOverrides: { vocab_size: 98 },
      }),
    ).rejects.toThrow(
      /shape mismatch for 'bert.embeddings.word_embeddings.weight': checkpoint \[99, 16\] vs model \[98, 16\].*'cls.predictions.bias': checkpoint \[99\] vs model \[98\]/,
    );
  });

  it('accepts legacy LayerNorm gamma / beta names', async () => {
    const dir = path.join(tmp, 'legacy');
    cpSync(fixture('bert/sequenceclassification'), dir, { recursive: true });
    const file = path.join(dir, 'model.safetensors');
    const { tensors } = await readSafetensors(file);
    const renamed = new Map(
      [...tensors].map(([k, v]) => [
        k
          .replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')
          .replace(/LayerNorm\.bias$/, 'LayerNorm.beta'),
        v,
      ]),
    );
    expect([...renamed.keys()].filter((k) => k.endsWith('gamma')).length).toBe(5);
    await writeSafetensors(file, renamed, { format: 'pt' });
    const model = await AutoModel.fromPretrainedArchitecture(dir, { strict: true });
    const expected = await loadExpected(path.join(dir, 'expected.safetensors'));
    const diff = tf.tidy(() =>
      maxAbsDiff(
        model.forward(expected.inputs).logits as tf.Tensor,
        expected.outputs.get('logits') as SafetensorsTensor,
      ),
    );
    expect(diff).toBeLessThanOrEqual(1e-4);
    disposeInputs(expected.inputs);
    model.dispose();
  });

  it('loads F16 and BF16 checkpoints (upcast to float32)', async () => {
    for (const dtype of ['F16', 'BF16'] as const) {
      const dir = path.join(tmp, `half-${dtype}`);
      cpSync(fixture('bert/sequenceclassification'), dir, { recursive: true });
      const file = path.join(dir, 'model.safetensors');
      const { tensors } = await readSafetensors(file);
      const half = new Map([...tensors].map(([k, v]) => [k, { ...v, dtype }]));
      await writeSafetensors(file, half, { format: 'pt' });
      const model = await AutoModel.fromPretrainedArchitecture(dir, { strict: true });
      const w = model.namedParameters().get('classifier.weight') as tf.Variable;
      expect(w.dtype).toBe('float32');
      const expected = await loadExpected(path.join(dir, 'expected.safetensors'));
      const diff = tf.tidy(() =>
        maxAbsDiff(
          model.forward(expected.inputs).logits as tf.Tensor,
          expected.outputs.get('logits') as SafetensorsTensor,
        ),
      );
      // Rounding every weight to 11 (F16) or 8 (BF16) significant bits moves the logits a little.
      expect(diff).toBeLessThan(dtype === 'F16' ? 5e-3 : 5e-2);
      expect(diff).toBeGreaterThan(0);
      disposeInputs(expected.inputs);
      model.dispose();
    }
  });

  it('loads an HF hub cache folder (models--org--name/snapshots/<rev>/), offline', async () => {
    const cache = path.join(tmp, 'models--acme--tiny-bert');
    const snap = path.join(cache, 'snapshots', '0123abcd');
    cpSync(fixture('bert/maskedlm'), snap, { recursive: true });
    mkdirSync(path.join(cache, 'refs'), { recursive: true });
    writeFileSync(path.join(cache, 'refs', 'main'), '0123abcd\n');
    const model = await AutoModelForMaskedLM.fromPretrained(cache, { strict: true });
    expect(model).toBeInstanceOf(BertForMaskedLM);
    model.dispose();
    writeFileSync(path.join(cache, 'refs', 'main'), 'ffff\n');
    await expect(AutoModelForMaskedLM.fromPretrained(cache)).rejects.toThrow(
      /refs\/main names snapshot 'ffff'/,
    );
  });

  it('typed errors: unknown model_type, task the family lacks, wrong class, missing folder', async () => {
    const dir = path.join(tmp, 'gpt2');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
    await expect(AutoModel.fromPretrained(dir)).rejects.toThrow(
      /model_type "gpt2" is not supported \(supported: bert, distilbert, roberta, albert\)/,
    );
    await expect(
      AutoModelForNextSentencePrediction.fromPretrained(fixture('distilbert/model')),
    ).rejects.toMatchObject({
      code: 'UNSUPPORTED_TASK',
      message: expect.stringContaining('model types with this head: bert'),
    });
    await expect(BertModel.fromPretrained(fixture('roberta/model'))).rejects.toMatchObject({
      code: 'MODEL_TYPE_MISMATCH',
    });
    await expect(BertModel.fromPretrained(path.join(tmp, 'nowhere'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
    const noWeights = path.join(tmp, 'noweights');
    mkdirSync(noWeights, { recursive: true });
    writeFileSync(
      path.join(noWeights, 'config.json'),
      JSON.stringify({ model_type: 'bert', hidden_size: 16, num_attention_heads: 4 }),
    );
    await expect(BertModel.fromPretrained(noWeights)).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });

  it('every registry family has a config class and a base model', () => {
    for (const [type, entry] of Object.entries(MODEL_REGISTRY)) {
      expect(new entry.config({}, 'x').model_type).toBe(type);
      expect(entry.tasks.model).not.toBeNull();
    }
  });
});

describe('forward', () => {
  const config = new BertConfig({
    vocab_size: 50,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 20,
    max_position_embeddings: 12,
  });

  it('rejects float ids and sequences longer than max_position_embeddings', () => {
    const model = new BertModel(config);
    const f = tf.zeros([1, 4]) as tf.Tensor2D;
    expect(() => model.forward({ inputIds: f })).toThrow(TransformersError);
    expect(() => model.forward({ inputIds: f })).toThrow(/inputIds must be int32, found float32/);
    const long = tf.zeros([1, 13], 'int32') as tf.Tensor2D;
    expect(() => model.forward({ inputIds: long })).toThrow(
      /sequence length 13 but max_position_embeddings allows 12/,
    );
    const ids = tf.zeros([2, 4], 'int32') as tf.Tensor2D;
    expect(() =>
      model.forward({ inputIds: ids, attentionMask: tf.ones([2, 5], 'int32') as tf.Tensor2D }),
    ).toThrow(/attentionMask has shape \[2, 5\]/);
    tf.dispose([f, long, ids]);
    model.dispose();
  });

  it('dropout only when training', () => {
    const model = new BertModel(config);
    const ids = tf.tensor2d([[1, 5, 7, 9]], [1, 4], 'int32');
    const [a, b, c] = tf.tidy(() => {
      const x = model.forward({ inputIds: ids }).lastHiddenState as tf.Tensor;
      const y = model.forward({ inputIds: ids }).lastHiddenState as tf.Tensor;
      const z = model.forward({ inputIds: ids }, { training: true }).lastHiddenState as tf.Tensor;
      return [x.sub(y).abs().max().dataSync()[0], x.sub(z).abs().max().dataSync()[0], 0];
    }) as number[];
    expect(a).toBe(0);
    expect(b).toBeGreaterThan(1e-3);
    expect(c).toBe(0);
    ids.dispose();
    model.dispose();
  });

  it('dropout keeps 1 - rate of the values, scaled by 1 / (1 - rate); seedDropout makes it reproducible', () => {
    const model = new BertModel(new BertConfig({ ...config.toDict(), hidden_dropout_prob: 0.25 }));
    const ids = tf.tensor2d([[1, 5, 7, 9, 2, 3]], [1, 6], 'int32');
    const run = () =>
      tf.tidy(() =>
        Array.from(
          (
            model.forward({ inputIds: ids }, { training: true }).lastHiddenState as tf.Tensor
          ).dataSync(),
        ),
      );
    seedDropout(42);
    const first = run();
    seedDropout(42);
    expect(run()).toEqual(first);
    expect(run()).not.toEqual(first);
    // The masks themselves: through a model with all-ones weights would be indirect; count zeros
    // of the embedding dropout on a large input instead.
    const big = tf.tidy(() => {
      const x = tf.ones([400, 12], 'int32').mul(3) as tf.Tensor2D;
      const emb = model.forward(
        { inputIds: x.toInt() as tf.Tensor2D },
        { training: true, outputHiddenStates: true },
      ).hiddenStates?.[0] as tf.Tensor;
      return Array.from(emb.dataSync());
    });
    const zeros = big.filter((v) => v === 0).length / big.length;
    expect(zeros).toBeGreaterThan(0.22);
    expect(zeros).toBeLessThan(0.28);
    ids.dispose();
    model.dispose();
  });

  it('fromConfig + savePretrained (sharded) + fromPretrained round trip; config.json names the class', async () => {
    const model = AutoModelForSequenceClassification.fromConfig(
      new BertConfig({
        ...config.toDict(),
        id2label: undefined,
        label2id: undefined,
        num_labels: 3,
      }),
    );
    const dir = path.join(tmp, 'saved');
    await model.savePretrained(dir);
    const saved = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(saved.architectures).toEqual(['BertForSequenceClassification']);
    expect(saved.id2label).toEqual({ '0': 'LABEL_0', '1': 'LABEL_1', '2': 'LABEL_2' });
    expect((await readSafetensors(path.join(dir, 'model.safetensors'))).metadata).toEqual({
      format: 'pt',
    });
    const sharded = path.join(tmp, 'saved-sharded');
    await (model as BertForSequenceClassification).savePretrained(sharded, { maxShardBytes: 4000 });
    const back = await AutoModelForSequenceClassification.fromPretrained(sharded, { strict: true });
    const ids = tf.tensor2d([[2, 3, 4, 5]], [1, 4], 'int32');
    const d = tf.tidy(
      () =>
        (model.forward({ inputIds: ids }).logits as tf.Tensor)
          .sub(back.forward({ inputIds: ids }).logits as tf.Tensor)
          .abs()
          .max()
          .dataSync()[0],
    );
    expect(d).toBe(0);
    ids.dispose();
    model.dispose();
    back.dispose();
  });
});
