import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  AutoModel,
  BertConfig,
  BertForMaskedLM,
  readSafetensors,
  type SafetensorsTensor,
  seedDropout,
} from '../index.js';
import { disposeInputs, FIXTURES, loadExpected, maxAbsDiff, setupBackend } from './helpers.js';

await setupBackend();

/**
 * What the trainer relies on: gradients equal PyTorch's (fixtures/transformers/<case>/grads.safetensors,
 * d loss / d every parameter), and no tensor leaks across forward calls or variableGrads steps.
 */
const GRAD_CASES = [
  'bert/pretraining',
  'bert/questionanswering',
  'bert/sequenceclassification_multi_label',
  'distilbert/sequenceclassification',
  'roberta/maskedlm',
  'albert/multiplechoice',
];

// lossOnly (what the trainer's steps ask for): the MLM head runs at the labelled positions only.
const CASES = [
  ...GRAD_CASES.map((c) => ({ c, lossOnly: false })),
  { c: 'bert/pretraining', lossOnly: true },
];

describe('gradients match PyTorch', () => {
  for (const { c, lossOnly } of CASES) {
    it(`${c}${lossOnly ? ' (lossOnly)' : ''}: d loss / d every parameter within 1e-4`, async () => {
      const dir = path.join(FIXTURES, c);
      const model = await AutoModel.fromPretrainedArchitecture(dir, { strict: true });
      const expected = await loadExpected(path.join(dir, 'expected.safetensors'));
      const { tensors: ref } = await readSafetensors(path.join(dir, 'grads.safetensors'));
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(expected.inputs, { lossOnly });
        if (lossOnly) expect(out.predictionLogits ?? out.logits).toBeUndefined();
        return out.loss as tf.Scalar;
      });
      expect(
        Math.abs(
          (value.dataSync()[0] as number) -
            ((expected.outputs.get('loss') as SafetensorsTensor).data[0] as number),
        ),
      ).toBeLessThan(1e-4);
      for (const [name, g] of ref) {
        const v = model.namedParameters().get(name);
        expect(v, name).toBeDefined();
        const ours = grads[(v as tf.Variable).name];
        expect(ours, `gradient of ${name}`).toBeDefined();
        expect(maxAbsDiff(ours as tf.Tensor, g), name).toBeLessThanOrEqual(1e-4);
      }
      tf.dispose([value, ...Object.values(grads)]);
      disposeInputs(expected.inputs);
      model.dispose();
    });
  }
});

describe('lossOnly', () => {
  for (const c of ['bert/maskedlm', 'bert/pretraining']) {
    it(`${c}: the loss at the labelled positions only equals PyTorch's loss`, async () => {
      const dir = path.join(FIXTURES, c);
      const model = await AutoModel.fromPretrainedArchitecture(dir, { strict: true });
      const expected = await loadExpected(path.join(dir, 'expected.safetensors'));
      const loss = tf.tidy(
        () => model.forward(expected.inputs, { lossOnly: true }).loss?.dataSync()[0],
      );
      const ref = (expected.outputs.get('loss') as SafetensorsTensor).data[0] as number;
      expect(loss).toBeDefined();
      expect(Math.abs((loss as number) - ref)).toBeLessThan(1e-4);
      disposeInputs(expected.inputs);
      model.dispose();
    });
  }
});

describe('training-mode kernels', () => {
  it('with dropout 0, training and inference forwards give the same loss and gradients', () => {
    // Training runs the linear layers' bias in the matmul and the GELU composed (its gradient
    // reuses the forward); inference fuses the GELU too, and its gradient recomputes the
    // pre-activation. The PyTorch gradient cases above differentiate the inference path.
    const config = new BertConfig({
      vocab_size: 97,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 48,
      max_position_embeddings: 40,
      hidden_dropout_prob: 0,
      attention_probs_dropout_prob: 0,
    });
    const model = new BertForMaskedLM(config);
    const inputs = {
      inputIds: tf.tensor2d(
        [
          [2, 5, 9, 13, 4, 0],
          [2, 7, 7, 30, 4, 1],
        ],
        [2, 6],
        'int32',
      ),
      attentionMask: tf.tensor2d(
        [
          [1, 1, 1, 1, 1, 0],
          [1, 1, 1, 1, 1, 1],
        ],
        [2, 6],
        'int32',
      ),
      labels: tf.tensor2d(
        [
          [-100, 5, -100, 13, -100, -100],
          [-100, -100, 8, -100, -100, 1],
        ],
        [2, 6],
        'int32',
      ),
    };
    const run = (training: boolean) =>
      tf.variableGrads(() => model.forward(inputs, { training }).loss as tf.Scalar);
    const a = run(false);
    const b = run(true);
    expect(
      Math.abs((a.value.dataSync()[0] as number) - (b.value.dataSync()[0] as number)),
    ).toBeLessThan(1e-6);
    for (const [name, v] of model.namedParameters()) {
      const diff = tf.tidy(() =>
        tf
          .sub(a.grads[v.name] as tf.Tensor, b.grads[v.name] as tf.Tensor)
          .abs()
          .max()
          .dataSync(),
      );
      expect(diff[0], name).toBeLessThanOrEqual(1e-5);
    }
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    tf.dispose(Object.values(inputs));
    model.dispose();
  });
});

describe('no tensor leaks', () => {
  const config = new BertConfig({
    vocab_size: 60,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 24,
    max_position_embeddings: 16,
  });

  it('numTensors is flat over 100 forward calls (with labels, hidden states, attentions)', () => {
    const model = new BertForMaskedLM(config);
    const inputIds = tf.tensor2d(
      [
        [2, 5, 9, 11, 3, 0],
        [2, 7, 8, 3, 0, 0],
      ],
      [2, 6],
      'int32',
    );
    const attentionMask = tf.tensor2d(
      [
        [1, 1, 1, 1, 1, 0],
        [1, 1, 1, 1, 0, 0],
      ],
      [2, 6],
      'int32',
    );
    const labels = tf.tensor2d(
      [
        [-100, 5, -100, 11, -100, -100],
        [-100, -100, 8, -100, -100, -100],
      ],
      [2, 6],
      'int32',
    );
    const run = () =>
      tf.tidy(() => {
        const out = model.forward(
          { inputIds, attentionMask, labels },
          { outputHiddenStates: true, outputAttentions: true },
        );
        return out.loss as tf.Scalar;
      });
    run().dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) run().dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([inputIds, attentionMask, labels]);
    const withModel = tf.memory().numTensors;
    const count = model.namedParameters().size;
    model.dispose();
    expect(tf.memory().numTensors).toBe(withModel - count);
  });

  it('numTensors is flat over training steps (variableGrads + Adam, dropout on) and the loss falls', () => {
    const model = new BertForMaskedLM(config);
    const inputIds = tf.tensor2d(
      [
        [2, 5, 9, 11, 3, 4],
        [2, 7, 8, 3, 6, 1],
      ],
      [2, 6],
      'int32',
    );
    const labels = tf.tensor2d(
      [
        [-100, 5, -100, 11, -100, 4],
        [-100, -100, 8, -100, 6, -100],
      ],
      [2, 6],
      'int32',
    );
    seedDropout(7);
    // Adam's moment variables are created by the first step, before the count is taken.
    const opt = tf.train.adam(0.01);
    const vars = [...model.namedParameters().values()];
    const step = (): number => {
      const { value, grads } = tf.variableGrads(
        () => model.forward({ inputIds, labels }, { training: true }).loss as tf.Scalar,
        vars,
      );
      opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      const loss = value.dataSync()[0] as number;
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    };
    const first = step();
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 30; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first * 0.7);
    tf.dispose([inputIds, labels]);
    opt.dispose();
    model.dispose();
  });
});
