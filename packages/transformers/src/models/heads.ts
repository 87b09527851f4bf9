import * as tf from '@tensorflow/tfjs';
import type { PretrainedConfig } from '../configs/configuration_utils.js';
import { TransformersError } from '../errors.js';
import type { ModelInputs, ModelOutput, MultipleChoiceInputs } from '../modeling_outputs.js';
import { crossEntropy, sequenceClassificationLoss, spanLoss } from '../modeling_utils.js';

/**
 * Output assembly shared by the families' heads, so BERT, DistilBERT, RoBERTa and ALBERT compute
 * losses the same way HF does.
 */

/** What an encoder returns to its heads. */
export interface EncoderOutput {
  sequenceOutput: tf.Tensor3D;
  pooledOutput?: tf.Tensor2D;
  hiddenStates?: tf.Tensor3D[];
  attentions?: tf.Tensor4D[];
}

export function extras(enc: EncoderOutput): Pick<ModelOutput, 'hiddenStates' | 'attentions'> {
  return {
    ...(enc.hiddenStates ? { hiddenStates: enc.hiddenStates } : {}),
    ...(enc.attentions ? { attentions: enc.attentions } : {}),
  };
}

export function requirePooled(enc: EncoderOutput): tf.Tensor2D {
  if (!enc.pooledOutput)
    throw new TransformersError(
      'INTERNAL',
      'this head needs the pooler but the model was built without it',
    );
  return enc.pooledOutput;
}

/** logits [B, C] + labels -> loss per problem_type. */
export function sequenceClassifierOutput(
  config: PretrainedConfig,
  logits: tf.Tensor2D,
  inputs: ModelInputs,
  enc: EncoderOutput,
): ModelOutput {
  return {
    ...(inputs.labels ? { loss: sequenceClassificationLoss(config, logits, inputs.labels) } : {}),
    logits,
    ...extras(enc),
  };
}

/** logits [B, T, C] + int32 labels [B, T] (-100 ignored). Also masked LM ([B, T, V]). */
export function tokenClassifierOutput(
  logits: tf.Tensor3D,
  inputs: ModelInputs,
  enc: EncoderOutput,
): ModelOutput {
  return {
    ...(inputs.labels ? { loss: crossEntropy(logits, inputs.labels) } : {}),
    logits,
    ...extras(enc),
  };
}

/** qa logits [B, T, 2] -> start / end [B, T] (+ span loss). */
export function questionAnsweringOutput(
  qa: tf.Tensor3D,
  inputs: ModelInputs,
  enc: EncoderOutput,
): ModelOutput {
  const [b, t] = qa.shape;
  const [s, e] = tf.split(qa, 2, -1);
  const startLogits = (s as tf.Tensor).reshape([b, t]) as tf.Tensor2D;
  const endLogits = (e as tf.Tensor).reshape([b, t]) as tf.Tensor2D;
  const loss =
    inputs.startPositions && inputs.endPositions
      ? spanLoss(startLogits, endLogits, inputs.startPositions, inputs.endPositions)
      : undefined;
  return { ...(loss ? { loss } : {}), startLogits, endLogits, ...extras(enc) };
}

/** [B, C, T] inputs -> [B * C, T] inputs and C (HF's view(-1, T)). Labels stay [B]. */
export function flattenChoices(inputs: ModelInputs | MultipleChoiceInputs): {
  flat: ModelInputs;
  numChoices: number;
} {
  const ids = inputs.inputIds as tf.Tensor;
  if (ids.rank !== 3) {
    throw new TransformersError(
      'INVALID_INPUT',
      `multiple choice inputIds must be [batch, choices, seq], found shape [${ids.shape.join(', ')}]`,
    );
  }
  const [, c, t] = ids.shape as [number, number, number];
  const flat2 = (x: tf.Tensor | undefined): tf.Tensor2D | undefined =>
    x ? (x.reshape([-1, t]) as tf.Tensor2D) : undefined;
  const flat: ModelInputs = { inputIds: flat2(ids) as tf.Tensor2D };
  const am = flat2(inputs.attentionMask);
  const tt = flat2(inputs.tokenTypeIds);
  const pi = flat2(inputs.positionIds);
  if (am) flat.attentionMask = am;
  if (tt) flat.tokenTypeIds = tt;
  if (pi) flat.positionIds = pi;
  return { flat, numChoices: c };
}

/** choice logits [B * C, 1] -> [B, C] (+ cross entropy over choices). */
export function multipleChoiceOutput(
  logits: tf.Tensor,
  numChoices: number,
  inputs: ModelInputs | MultipleChoiceInputs,
  enc: EncoderOutput,
): ModelOutput {
  const reshaped = logits.reshape([-1, numChoices]) as tf.Tensor2D;
  return {
    ...(inputs.labels ? { loss: crossEntropy(reshaped, inputs.labels) } : {}),
    logits: reshaped,
    ...extras(enc),
  };
}

/** hidden [B, T, H] -> first token [B, H] ([CLS] / <s>). */
export function firstToken(h: tf.Tensor3D): tf.Tensor2D {
  const [b, , d] = h.shape;
  return tf.slice(h, [0, 0, 0], [b, 1, d]).reshape([b, d]);
}
