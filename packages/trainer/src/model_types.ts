import type * as tf from '@tensorflow/tfjs';

// The model <-> trainer contract, structurally identical to the types @transferjs/transformers
// exports (ModelInputs, ModelOutput, PreTrainedModel). Declared here so that any object with this
// shape trains; the transformers models satisfy it as they are.

/** Inputs of a model's forward. Ids are int32 [B, T]. */
export interface ModelInputs {
  inputIds: tf.Tensor2D;
  attentionMask?: tf.Tensor2D;
  tokenTypeIds?: tf.Tensor2D;
  positionIds?: tf.Tensor2D;
  /** int32 [B] / float32 [B, C] / float32 [B] / int32 [B, T] (-100 = ignore). */
  labels?: tf.Tensor;
  nextSentenceLabel?: tf.Tensor1D;
  startPositions?: tf.Tensor1D;
  endPositions?: tf.Tensor1D;
}

/** What a model's forward returns; the caller disposes every tensor. */
export interface ModelOutput {
  loss?: tf.Scalar;
  logits?: tf.Tensor;
  predictionLogits?: tf.Tensor3D;
  seqRelationshipLogits?: tf.Tensor2D;
  startLogits?: tf.Tensor2D;
  endLogits?: tf.Tensor2D;
  lastHiddenState?: tf.Tensor3D;
  poolerOutput?: tf.Tensor2D;
  hiddenStates?: tf.Tensor3D[];
  attentions?: tf.Tensor4D[];
}

/** The model the Trainer trains: named variables, a pure forward, savePretrained. */
export interface TrainableModel {
  /** config.json fields, snake_case as in the file (model_type, num_labels, pad_token_id ...). */
  readonly config: object;
  /** Every weight by HF checkpoint name, HF shapes, stable order. */
  namedParameters(): Map<string, tf.Variable>;
  forward(
    inputs: ModelInputs,
    options?: { training?: boolean; outputHiddenStates?: boolean; outputAttentions?: boolean },
  ): ModelOutput;
  /** config.json + model.safetensors, atomic. */
  savePretrained(dir: string): Promise<void>;
  dispose(): void;
}

/** A tokenizer whose files go into checkpoints: `savePretrained(dir)` or `save(file)` (tokenizer.json). */
export interface SavableTokenizer {
  savePretrained?(dir: string): Promise<void> | void;
  save?(file: string): Promise<void> | void;
}
