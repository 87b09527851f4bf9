import type * as tf from '@tensorflow/tfjs';

/**
 * Inputs of every model's `forward` (the model <-> trainer contract). Ids are int32.
 * Multiple-choice models take [B, C, T] tensors instead (see `MultipleChoiceInputs`).
 */
export interface ModelInputs {
  /** int32 [B, T] */
  inputIds: tf.Tensor2D;
  /** int32 [B, T], 1 = real token, 0 = padding */
  attentionMask?: tf.Tensor2D;
  /** int32 [B, T] (segment A = 0, B = 1) */
  tokenTypeIds?: tf.Tensor2D;
  /** int32 [B, T]; default 0..T-1 (RoBERTa: counted from padding_idx + 1 over non-pad tokens) */
  positionIds?: tf.Tensor2D;
  /**
   * int32 [B] (single_label) / float32 [B, C] (multi_label) / float32 [B] (regression) /
   * int32 [B, T] masked LM and token classification (-100 = ignore).
   */
  labels?: tf.Tensor;
  /** int32 [B]: BertForPreTraining / NSP label (ALBERT: sentence-order label). */
  nextSentenceLabel?: tf.Tensor1D;
  /** int32 [B]: question answering span start / end (positions outside [0, T) are ignored, as in HF). */
  startPositions?: tf.Tensor1D;
  endPositions?: tf.Tensor1D;
}

/** Multiple-choice inputs: [B, C, T] tensors, flattened to [B * C, T] inside the model. */
export interface MultipleChoiceInputs
  extends Omit<ModelInputs, 'inputIds' | 'attentionMask' | 'tokenTypeIds' | 'positionIds'> {
  inputIds: tf.Tensor3D;
  attentionMask?: tf.Tensor3D;
  tokenTypeIds?: tf.Tensor3D;
  positionIds?: tf.Tensor3D;
}

export interface ModelOutput {
  /** When labels are given. */
  loss?: tf.Scalar;
  /** Heads with one output: [B, C] sequence / multiple choice, [B, T, C] token, [B, T, V] masked LM. */
  logits?: tf.Tensor;
  /** BertForPreTraining: MLM [B, T, V]. */
  predictionLogits?: tf.Tensor3D;
  /** BertForPreTraining / NSP (ALBERT: sentence order): [B, 2]. */
  seqRelationshipLogits?: tf.Tensor2D;
  /** Question answering: [B, T] each. */
  startLogits?: tf.Tensor2D;
  endLogits?: tf.Tensor2D;
  lastHiddenState?: tf.Tensor3D;
  poolerOutput?: tf.Tensor2D;
  /** Embedding output then each layer's output: num_layers + 1 tensors [B, T, H]. */
  hiddenStates?: tf.Tensor3D[];
  /** Each layer's attention probabilities [B, heads, T, T]. */
  attentions?: tf.Tensor4D[];
}

export interface ForwardOptions {
  /** Dropout is applied only when true. Default false. */
  training?: boolean;
  /**
   * The caller uses `loss` only (a training step). Masked-LM heads then project to the
   * vocabulary only at the labelled positions (the 15-40 % that are masked) instead of all
   * [B, T] and return no MLM logits; the loss and its gradients are the same. Default false.
   */
  lossOnly?: boolean;
  outputHiddenStates?: boolean;
  outputAttentions?: boolean;
}
