import * as tf from '@tensorflow/tfjs';
import { DistilBertConfig } from '../../configs/configuration_distilbert.js';
import type {
  ForwardOptions,
  ModelInputs,
  ModelOutput,
  MultipleChoiceInputs,
} from '../../modeling_outputs.js';
import {
  activation,
  checkIds,
  checkSameShape,
  dropout,
  Embedding,
  extendedAttentionMask,
  LayerNorm,
  Linear,
  linear,
  multiHeadAttention,
  type ParamStore,
  PreTrainedModelBase,
} from '../../modeling_utils.js';
import {
  type EncoderOutput,
  extras,
  firstToken,
  flattenChoices,
  multipleChoiceOutput,
  questionAnsweringOutput,
  sequenceClassifierOutput,
  tokenClassifierOutput,
} from '../heads.js';

/**
 * DistilBERT (modeling_distilbert.py): BERT without token types and pooler, 'distilbert.'
 * prefix, names q_lin / k_lin / v_lin / out_lin, sa_layer_norm, ffn.lin1 / lin2,
 * output_layer_norm; LayerNorm eps fixed at 1e-12.
 */
const LN_EPS = 1e-12;

/** word + position embeddings, LayerNorm, dropout: ids [B, T] -> [B, T, dim]. */
export class DistilBertEmbeddings {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: DistilBertConfig,
  ) {
    this.wordEmbeddings = new Embedding(
      p,
      `${prefix}.word_embeddings`,
      config.vocab_size,
      config.dim,
      config.pad_token_id ?? undefined,
    );
    this.positionEmbeddings = new Embedding(
      p,
      `${prefix}.position_embeddings`,
      config.max_position_embeddings,
      config.dim,
    );
    if (config.sinusoidal_pos_embds) {
      // HF fills the table with fixed sinusoids (still saved in the checkpoint).
      const n = config.max_position_embeddings;
      const d = config.dim;
      const table = new Float32Array(n * d);
      for (let pos = 0; pos < n; pos++) {
        for (let j = 0; j < d; j++) {
          const angle = pos / 10000 ** ((2 * Math.floor(j / 2)) / d);
          table[pos * d + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
        }
      }
      tf.tidy(() => this.positionEmbeddings.weight.assign(tf.tensor2d(table, [n, d])));
    }
    this.layerNorm = new LayerNorm(p, `${prefix}.LayerNorm`, config.dim, LN_EPS);
  }

  forward(
    inputIds: tf.Tensor2D,
    positionIds: tf.Tensor2D | undefined,
    training: boolean,
  ): tf.Tensor3D {
    const t = inputIds.shape[1];
    const words = this.wordEmbeddings.forward(inputIds);
    const pos = positionIds
      ? this.positionEmbeddings.forward(positionIds)
      : tf.slice(this.positionEmbeddings.weight, [0, 0], [t, this.config.dim]);
    return dropout(
      this.layerNorm.forward(words.add(pos)),
      this.config.dropout,
      training,
    ) as tf.Tensor3D;
  }
}

/** q_lin, k_lin, v_lin, attention, out_lin. [B, T, dim] -> [B, T, dim]. */
export class MultiHeadSelfAttention {
  readonly qLin: Linear;
  readonly kLin: Linear;
  readonly vLin: Linear;
  readonly outLin: Linear;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: DistilBertConfig,
  ) {
    const d = config.dim;
    this.qLin = new Linear(p, `${prefix}.q_lin`, d, d);
    this.kLin = new Linear(p, `${prefix}.k_lin`, d, d);
    this.vLin = new Linear(p, `${prefix}.v_lin`, d, d);
    this.outLin = new Linear(p, `${prefix}.out_lin`, d, d);
  }

  forward(
    x: tf.Tensor3D,
    maskBias: tf.Tensor4D | null,
    training: boolean,
  ): { out: tf.Tensor; probs: tf.Tensor4D } {
    const { context, probs } = multiHeadAttention(
      this.qLin.forward(x),
      this.kLin.forward(x),
      this.vLin.forward(x),
      this.config.n_heads,
      maskBias,
      this.config.attention_dropout,
      training,
    );
    return { out: this.outLin.forward(context), probs };
  }
}

/** lin1, act, lin2, dropout: [B, T, dim] -> [B, T, dim]. */
export class FFN {
  readonly lin1: Linear;
  readonly lin2: Linear;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: DistilBertConfig,
  ) {
    this.lin1 = new Linear(p, `${prefix}.lin1`, config.dim, config.hidden_dim);
    this.lin2 = new Linear(p, `${prefix}.lin2`, config.hidden_dim, config.dim);
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return dropout(
      this.lin2.forward(this.lin1.forwardAct(x, this.config.activation, training)),
      this.config.dropout,
      training,
    );
  }
}

/** attention -> sa_layer_norm(attn + x) -> ffn -> output_layer_norm(ffn + sa). */
export class TransformerBlock {
  readonly attention: MultiHeadSelfAttention;
  readonly saLayerNorm: LayerNorm;
  readonly ffn: FFN;
  readonly outputLayerNorm: LayerNorm;

  constructor(p: ParamStore, prefix: string, config: DistilBertConfig) {
    this.attention = new MultiHeadSelfAttention(p, `${prefix}.attention`, config);
    this.saLayerNorm = new LayerNorm(p, `${prefix}.sa_layer_norm`, config.dim, LN_EPS);
    this.ffn = new FFN(p, `${prefix}.ffn`, config);
    this.outputLayerNorm = new LayerNorm(p, `${prefix}.output_layer_norm`, config.dim, LN_EPS);
  }

  forward(
    x: tf.Tensor3D,
    maskBias: tf.Tensor4D | null,
    training: boolean,
  ): { out: tf.Tensor3D; probs: tf.Tensor4D } {
    const { out: attn, probs } = this.attention.forward(x, maskBias, training);
    const sa = this.saLayerNorm.forward(attn.add(x));
    return {
      out: this.outputLayerNorm.forward(this.ffn.forward(sa, training).add(sa)) as tf.Tensor3D,
      probs,
    };
  }
}

/** embeddings + transformer.layer.N under `prefix` ('' or 'distilbert.'). */
export class DistilBertMainLayer {
  readonly embeddings: DistilBertEmbeddings;
  readonly layers: TransformerBlock[] = [];

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: DistilBertConfig,
  ) {
    this.embeddings = new DistilBertEmbeddings(p, `${prefix}embeddings`, config);
    for (let i = 0; i < config.n_layers; i++)
      this.layers.push(new TransformerBlock(p, `${prefix}transformer.layer.${i}`, config));
  }

  forward(inputs: ModelInputs, opts: ForwardOptions): EncoderOutput {
    const shape = checkIds('inputIds', inputs.inputIds, 2, this.config.max_position_embeddings);
    checkSameShape('attentionMask', inputs.attentionMask, shape);
    checkSameShape('positionIds', inputs.positionIds, shape);
    const training = opts.training ?? false;
    let h = this.embeddings.forward(inputs.inputIds, inputs.positionIds, training);
    const maskBias = inputs.attentionMask ? extendedAttentionMask(inputs.attentionMask) : null;
    const hiddenStates: tf.Tensor3D[] | undefined = opts.outputHiddenStates ? [h] : undefined;
    const attentions: tf.Tensor4D[] | undefined = opts.outputAttentions ? [] : undefined;
    for (const layer of this.layers) {
      const { out, probs } = layer.forward(h, maskBias, training);
      h = out;
      hiddenStates?.push(h);
      attentions?.push(probs);
    }
    return {
      sequenceOutput: h,
      ...(hiddenStates ? { hiddenStates } : {}),
      ...(attentions ? { attentions } : {}),
    };
  }
}

export abstract class DistilBertPreTrainedModel extends PreTrainedModelBase<DistilBertConfig> {
  static readonly configClass = DistilBertConfig;
  readonly baseModelPrefix = 'distilbert';

  constructor(config: DistilBertConfig) {
    super(config, config.initializer_range);
  }
}

export class DistilBertModel extends DistilBertPreTrainedModel {
  readonly architecture = 'DistilBertModel';
  readonly distilbert: DistilBertMainLayer;

  constructor(config: DistilBertConfig) {
    super(config);
    this.distilbert = new DistilBertMainLayer(this.params, '', config);
  }

  protected override get isBaseModel(): boolean {
    return true;
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.distilbert.forward(inputs, options);
    return { lastHiddenState: enc.sequenceOutput, ...extras(enc) };
  }
}

/** vocab_transform, act, vocab_layer_norm, vocab_projector (tied to word embeddings). */
export class DistilBertForMaskedLM extends DistilBertPreTrainedModel {
  readonly architecture = 'DistilBertForMaskedLM';
  readonly distilbert: DistilBertMainLayer;
  readonly vocabTransform: Linear;
  readonly vocabLayerNorm: LayerNorm;
  readonly vocabProjectorWeight: tf.Variable;
  readonly vocabProjectorBias: tf.Variable;
  private readonly act: (x: tf.Tensor) => tf.Tensor;

  constructor(config: DistilBertConfig) {
    super(config);
    this.distilbert = new DistilBertMainLayer(this.params, 'distilbert.', config);
    this.vocabTransform = new Linear(this.params, 'vocab_transform', config.dim, config.dim);
    this.vocabLayerNorm = new LayerNorm(this.params, 'vocab_layer_norm', config.dim, LN_EPS);
    this.vocabProjectorWeight = config.tie_word_embeddings
      ? this.distilbert.embeddings.wordEmbeddings.weight
      : this.params.create('vocab_projector.weight', [config.vocab_size, config.dim], 'normal');
    this.vocabProjectorBias = this.params.create(
      'vocab_projector.bias',
      [config.vocab_size],
      'zeros',
    );
    this.act = activation(config.activation);
  }

  protected override tiedKeys(): Record<string, string> {
    return this.config.tie_word_embeddings
      ? { 'vocab_projector.weight': 'distilbert.embeddings.word_embeddings.weight' }
      : {};
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.distilbert.forward(inputs, options);
    const x = this.vocabLayerNorm.forward(
      this.act(this.vocabTransform.forward(enc.sequenceOutput)),
    );
    return tokenClassifierOutput(
      linear(x, this.vocabProjectorWeight, this.vocabProjectorBias) as tf.Tensor3D,
      inputs,
      enc,
    );
  }
}

/** first token -> pre_classifier -> ReLU -> dropout(seq_classif_dropout) -> classifier. */
export class DistilBertForSequenceClassification extends DistilBertPreTrainedModel {
  readonly architecture = 'DistilBertForSequenceClassification';
  readonly distilbert: DistilBertMainLayer;
  readonly preClassifier: Linear;
  readonly classifier: Linear;

  constructor(config: DistilBertConfig) {
    super(config);
    this.distilbert = new DistilBertMainLayer(this.params, 'distilbert.', config);
    this.preClassifier = new Linear(this.params, 'pre_classifier', config.dim, config.dim);
    this.classifier = new Linear(this.params, 'classifier', config.dim, config.num_labels);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.distilbert.forward(inputs, options);
    const x = dropout(
      tf.relu(this.preClassifier.forward(firstToken(enc.sequenceOutput))),
      this.config.seq_classif_dropout,
      options.training ?? false,
    );
    return sequenceClassifierOutput(
      this.config,
      this.classifier.forward(x) as tf.Tensor2D,
      inputs,
      enc,
    );
  }
}

export class DistilBertForTokenClassification extends DistilBertPreTrainedModel {
  readonly architecture = 'DistilBertForTokenClassification';
  readonly distilbert: DistilBertMainLayer;
  readonly classifier: Linear;

  constructor(config: DistilBertConfig) {
    super(config);
    this.distilbert = new DistilBertMainLayer(this.params, 'distilbert.', config);
    this.classifier = new Linear(this.params, 'classifier', config.dim, config.num_labels);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.distilbert.forward(inputs, options);
    const seq = dropout(enc.sequenceOutput, this.config.dropout, options.training ?? false);
    return tokenClassifierOutput(this.classifier.forward(seq) as tf.Tensor3D, inputs, enc);
  }
}

export class DistilBertForQuestionAnswering extends DistilBertPreTrainedModel {
  readonly architecture = 'DistilBertForQuestionAnswering';
  readonly distilbert: DistilBertMainLayer;
  readonly qaOutputs: Linear;

  constructor(config: DistilBertConfig) {
    super(config);
    this.distilbert = new DistilBertMainLayer(this.params, 'distilbert.', config);
    this.qaOutputs = new Linear(this.params, 'qa_outputs', config.dim, 2);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.distilbert.forward(inputs, options);
    const seq = dropout(enc.sequenceOutput, this.config.qa_dropout, options.training ?? false);
    return questionAnsweringOutput(this.qaOutputs.forward(seq) as tf.Tensor3D, inputs, enc);
  }
}

/** per choice: first token -> pre_classifier -> ReLU -> dropout -> classifier [.., 1]. */
export class DistilBertForMultipleChoice extends DistilBertPreTrainedModel {
  readonly architecture = 'DistilBertForMultipleChoice';
  readonly distilbert: DistilBertMainLayer;
  readonly preClassifier: Linear;
  readonly classifier: Linear;

  constructor(config: DistilBertConfig) {
    super(config);
    this.distilbert = new DistilBertMainLayer(this.params, 'distilbert.', config);
    this.preClassifier = new Linear(this.params, 'pre_classifier', config.dim, config.dim);
    this.classifier = new Linear(this.params, 'classifier', config.dim, 1);
  }

  forward(inputs: ModelInputs | MultipleChoiceInputs, options: ForwardOptions = {}): ModelOutput {
    const { flat, numChoices } = flattenChoices(inputs);
    const enc = this.distilbert.forward(flat, options);
    const x = dropout(
      tf.relu(this.preClassifier.forward(firstToken(enc.sequenceOutput))),
      this.config.seq_classif_dropout,
      options.training ?? false,
    );
    return multipleChoiceOutput(this.classifier.forward(x), numChoices, inputs, enc);
  }
}
