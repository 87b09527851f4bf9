import * as tf from '@tensorflow/tfjs';
import { BertConfig, type RobertaConfig } from '../../configs/configuration_bert.js';
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
  crossEntropy,
  dropout,
  Embedding,
  extendedAttentionMask,
  LayerNorm,
  Linear,
  labelledPositionsLoss,
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
  requirePooled,
  sequenceClassifierOutput,
  tokenClassifierOutput,
} from '../heads.js';

/**
 * BERT, mirroring transformers/models/bert/modeling_bert.py module by module. Every class takes
 * the parameter store and its HF name prefix, so variables carry checkpoint keys
 * ('bert.encoder.layer.0.attention.self.query.weight'). Linear weights keep PyTorch's [out, in]
 * layout and are applied with matMul(transposeB): no transpose at load, save or run time.
 * RoBERTa reuses these modules (modeling_roberta.py is a copy of modeling_bert.py) with its own
 * embeddings.
 */

type BertLike = BertConfig | RobertaConfig;

/** word + position + token type embeddings, LayerNorm, dropout. ids [B, T] -> [B, T, H]. */
export class BertEmbeddings {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;

  constructor(
    p: ParamStore,
    prefix: string,
    protected readonly config: BertLike,
  ) {
    const h = config.hidden_size;
    this.wordEmbeddings = new Embedding(
      p,
      `${prefix}.word_embeddings`,
      config.vocab_size,
      h,
      config.pad_token_id ?? undefined,
    );
    this.positionEmbeddings = this.makePositionEmbeddings(p, `${prefix}.position_embeddings`);
    this.tokenTypeEmbeddings = new Embedding(
      p,
      `${prefix}.token_type_embeddings`,
      config.type_vocab_size,
      h,
    );
    this.layerNorm = new LayerNorm(p, `${prefix}.LayerNorm`, h, config.layer_norm_eps);
  }

  protected makePositionEmbeddings(p: ParamStore, name: string): Embedding {
    return new Embedding(p, name, this.config.max_position_embeddings, this.config.hidden_size);
  }

  /** Default positions 0..T-1: the first T rows of the table, [T, H], broadcast over the batch. */
  protected defaultPositions(inputIds: tf.Tensor2D): tf.Tensor {
    const t = inputIds.shape[1];
    return tf.slice(this.positionEmbeddings.weight, [0, 0], [t, this.config.hidden_size]);
  }

  forward(
    inputIds: tf.Tensor2D,
    tokenTypeIds: tf.Tensor2D | undefined,
    positionIds: tf.Tensor2D | undefined,
    training: boolean,
  ): tf.Tensor3D {
    const h = this.config.hidden_size;
    const words = this.wordEmbeddings.forward(inputIds); // [B, T, H]
    const pos = positionIds
      ? this.positionEmbeddings.forward(positionIds)
      : this.defaultPositions(inputIds);
    // No token types = all zeros = row 0, broadcast ([1, H]) instead of gathered.
    const types = tokenTypeIds
      ? this.tokenTypeEmbeddings.forward(tokenTypeIds)
      : tf.slice(this.tokenTypeEmbeddings.weight, [0, 0], [1, h]);
    const sum = words.add(pos).add(types);
    return dropout(
      this.layerNorm.forward(sum),
      this.config.hidden_dropout_prob,
      training,
    ) as tf.Tensor3D;
  }
}

/** query / key / value projections and multi-head attention. [B, T, H] -> [B, T, H]. */
export class BertSelfAttention {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: BertLike,
  ) {
    const h = config.hidden_size;
    this.query = new Linear(p, `${prefix}.query`, h, h);
    this.key = new Linear(p, `${prefix}.key`, h, h);
    this.value = new Linear(p, `${prefix}.value`, h, h);
  }

  /** x [B * T, H] (rows of `batchShape` [B, T]) -> context [B * T, H], probs [B, heads, T, T]. */
  forward(
    x: tf.Tensor,
    maskBias: tf.Tensor4D | null,
    training: boolean,
    batchShape: [number, number],
  ): { context: tf.Tensor; probs: tf.Tensor4D } {
    return multiHeadAttention(
      this.query.forward(x),
      this.key.forward(x),
      this.value.forward(x),
      this.config.num_attention_heads,
      maskBias,
      this.config.attention_probs_dropout_prob,
      training,
      { batchShape },
    );
  }
}

/** dense, dropout, residual, LayerNorm: LN(dropout(dense(x)) + input). */
export class BertSelfOutput {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: BertLike,
    inFeatures = config.hidden_size,
  ) {
    this.dense = new Linear(p, `${prefix}.dense`, inFeatures, config.hidden_size);
    this.layerNorm = new LayerNorm(
      p,
      `${prefix}.LayerNorm`,
      config.hidden_size,
      config.layer_norm_eps,
    );
  }

  forward(x: tf.Tensor, input: tf.Tensor, training: boolean): tf.Tensor {
    return this.layerNorm.forward(
      this.dense.forwardResidual(x, input, this.config.hidden_dropout_prob, training),
    );
  }
}

export class BertAttention {
  readonly self: BertSelfAttention;
  readonly output: BertSelfOutput;

  constructor(p: ParamStore, prefix: string, config: BertLike) {
    this.self = new BertSelfAttention(p, `${prefix}.self`, config);
    this.output = new BertSelfOutput(p, `${prefix}.output`, config);
  }

  forward(
    x: tf.Tensor,
    maskBias: tf.Tensor4D | null,
    training: boolean,
    batchShape: [number, number],
  ): { out: tf.Tensor; probs: tf.Tensor4D } {
    const { context, probs } = this.self.forward(x, maskBias, training, batchShape);
    return { out: this.output.forward(context, x, training), probs };
  }
}

/** [B, T, H] -> act(dense) [B, T, I]. */
export class BertIntermediate {
  readonly dense: Linear;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: BertLike,
  ) {
    this.dense = new Linear(p, `${prefix}.dense`, config.hidden_size, config.intermediate_size);
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return this.dense.forwardAct(x, this.config.hidden_act, training);
  }
}

export class BertLayer {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertSelfOutput; // BertOutput: same shape as BertSelfOutput, from intermediate_size

  constructor(p: ParamStore, prefix: string, config: BertLike) {
    this.attention = new BertAttention(p, `${prefix}.attention`, config);
    this.intermediate = new BertIntermediate(p, `${prefix}.intermediate`, config);
    this.output = new BertSelfOutput(p, `${prefix}.output`, config, config.intermediate_size);
  }

  /** x [B * T, H] (rows of `batchShape` [B, T]) -> [B * T, H]. */
  forward(
    x: tf.Tensor,
    maskBias: tf.Tensor4D | null,
    training: boolean,
    batchShape: [number, number],
  ): { out: tf.Tensor; probs: tf.Tensor4D } {
    const { out: attn, probs } = this.attention.forward(x, maskBias, training, batchShape);
    return {
      out: this.output.forward(this.intermediate.forward(attn, training), attn, training),
      probs,
    };
  }
}

/**
 * The layer stack. Between layers the activations are [B * T, H] rows: every linear layer and
 * layer norm works on them as they are, and only attention views them as [B, heads, T, hd]
 * (two reshapes per linear saved); hidden states are handed out as [B, T, H].
 */
export class BertEncoder {
  readonly layers: BertLayer[] = [];

  constructor(p: ParamStore, prefix: string, config: BertLike) {
    for (let i = 0; i < config.num_hidden_layers; i++)
      this.layers.push(new BertLayer(p, `${prefix}.layer.${i}`, config));
  }

  forward(
    x: tf.Tensor3D,
    maskBias: tf.Tensor4D | null,
    training: boolean,
    opts: ForwardOptions,
  ): Omit<EncoderOutput, 'pooledOutput'> {
    const [b, t, hidden] = x.shape;
    const hiddenStates: tf.Tensor3D[] | undefined = opts.outputHiddenStates ? [x] : undefined;
    const attentions: tf.Tensor4D[] | undefined = opts.outputAttentions ? [] : undefined;
    let h: tf.Tensor = x.reshape([b * t, hidden]);
    for (const layer of this.layers) {
      const { out, probs } = layer.forward(h, maskBias, training, [b, t]);
      h = out;
      hiddenStates?.push(h.reshape([b, t, hidden]));
      attentions?.push(probs);
    }
    return {
      sequenceOutput: h.reshape([b, t, hidden]),
      ...(hiddenStates ? { hiddenStates } : {}),
      ...(attentions ? { attentions } : {}),
    };
  }
}

/** tanh(dense(first token)): [B, T, H] -> [B, H]. */
export class BertPooler {
  readonly dense: Linear;

  constructor(p: ParamStore, prefix: string, config: BertLike) {
    this.dense = new Linear(p, `${prefix}.dense`, config.hidden_size, config.hidden_size);
  }

  forward(h: tf.Tensor3D): tf.Tensor2D {
    return tf.tanh(this.dense.forward(firstToken(h))) as tf.Tensor2D;
  }
}

/** Embeddings + encoder (+ pooler): HF BertModel's body, under `prefix` ('' or 'bert.'). */
export class BertMainLayer {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: BertLike,
    addPoolingLayer: boolean,
    makeEmbeddings: (p: ParamStore, name: string) => BertEmbeddings = (ps, name) =>
      new BertEmbeddings(ps, name, config),
  ) {
    this.embeddings = makeEmbeddings(p, `${prefix}embeddings`);
    this.encoder = new BertEncoder(p, `${prefix}encoder`, config);
    this.pooler = addPoolingLayer ? new BertPooler(p, `${prefix}pooler`, config) : null;
  }

  forward(inputs: ModelInputs, opts: ForwardOptions): EncoderOutput {
    const shape = checkIds('inputIds', inputs.inputIds, 2);
    checkSameShape('attentionMask', inputs.attentionMask, shape);
    checkSameShape('tokenTypeIds', inputs.tokenTypeIds, shape);
    checkSameShape('positionIds', inputs.positionIds, shape);
    if (inputs.positionIds) checkIds('positionIds', inputs.positionIds, 2);
    else checkIds('inputIds', inputs.inputIds, 2, this.maxLength());
    if (inputs.tokenTypeIds) checkIds('tokenTypeIds', inputs.tokenTypeIds, 2);
    const training = opts.training ?? false;
    const emb = this.embeddings.forward(
      inputs.inputIds,
      inputs.tokenTypeIds,
      inputs.positionIds,
      training,
    );
    const maskBias = inputs.attentionMask ? extendedAttentionMask(inputs.attentionMask) : null;
    const enc = this.encoder.forward(emb, maskBias, training, opts);
    return {
      ...enc,
      ...(this.pooler ? { pooledOutput: this.pooler.forward(enc.sequenceOutput) } : {}),
    };
  }

  private maxLength(): number {
    // RoBERTa's positions start at padding_idx + 1.
    return this.config.model_type === 'roberta'
      ? this.config.max_position_embeddings - (this.config.pad_token_id ?? 0) - 1
      : this.config.max_position_embeddings;
  }
}

/** dense, act, LayerNorm: [B, T, H] -> [B, T, H]. */
export class BertPredictionHeadTransform {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  private readonly act: (x: tf.Tensor) => tf.Tensor;

  constructor(p: ParamStore, prefix: string, config: BertLike) {
    this.dense = new Linear(p, `${prefix}.dense`, config.hidden_size, config.hidden_size);
    this.act = activation(config.hidden_act);
    this.layerNorm = new LayerNorm(
      p,
      `${prefix}.LayerNorm`,
      config.hidden_size,
      config.layer_norm_eps,
    );
  }

  forward(h: tf.Tensor): tf.Tensor {
    return this.layerNorm.forward(this.act(this.dense.forward(h)));
  }
}

/**
 * transform, then the decoder: [B, T, H] x E[V, H]^T + bias -> [B, T, V]. The decoder weight is
 * the word embedding matrix when tie_word_embeddings (HF's default), else its own variable
 * 'cls.predictions.decoder.weight'. The bias is 'cls.predictions.bias' (decoder.bias is tied to it).
 */
export class BertLMPredictionHead {
  readonly transform: BertPredictionHeadTransform;
  readonly decoderWeight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(p: ParamStore, prefix: string, config: BertLike, wordEmbeddings: tf.Variable) {
    this.transform = new BertPredictionHeadTransform(p, `${prefix}.transform`, config);
    this.decoderWeight = config.tie_word_embeddings
      ? wordEmbeddings
      : p.create(`${prefix}.decoder.weight`, [config.vocab_size, config.hidden_size], 'normal');
    this.bias = p.create(`${prefix}.bias`, [config.vocab_size], 'zeros');
  }

  forward(h: tf.Tensor3D): tf.Tensor3D;
  /** Rows [N, H] (the labelled positions only) -> [N, V]. */
  forward(h: tf.Tensor2D): tf.Tensor2D;
  forward(h: tf.Tensor): tf.Tensor {
    return linear(this.transform.forward(h), this.decoderWeight, this.bias);
  }
}

/** Checkpoint aliases of the tied LM decoder (HF _tied_weights_keys). */
function lmTiedKeys(config: BertLike, base: string, head: string): Record<string, string> {
  return {
    ...(config.tie_word_embeddings
      ? { [`${head}.decoder.weight`]: `${base}.embeddings.word_embeddings.weight` }
      : {}),
    [`${head}.decoder.bias`]: `${head}.bias`,
  };
}

/** Family base (HF BertPreTrainedModel): config class, base_model_prefix. */
export abstract class BertPreTrainedModel extends PreTrainedModelBase<BertConfig> {
  static readonly configClass = BertConfig;
  readonly baseModelPrefix = 'bert';

  constructor(config: BertConfig) {
    super(config, config.initializer_range);
  }

  protected classifierDropout(): number {
    return this.config.classifier_dropout ?? this.config.hidden_dropout_prob;
  }
}

/**
 * The bare encoder: lastHiddenState [B, T, H] and poolerOutput [B, H]. Keys carry no prefix
 * ('embeddings.word_embeddings.weight'), as HF saves BertModel.
 */
export class BertModel extends BertPreTrainedModel {
  readonly architecture = 'BertModel';
  readonly bert: BertMainLayer;

  constructor(config: BertConfig, options: { addPoolingLayer?: boolean } = {}) {
    super(config);
    this.bert = new BertMainLayer(this.params, '', config, options.addPoolingLayer ?? true);
  }

  protected override get isBaseModel(): boolean {
    return true;
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.bert.forward(inputs, options);
    return {
      lastHiddenState: enc.sequenceOutput,
      ...(enc.pooledOutput ? { poolerOutput: enc.pooledOutput } : {}),
      ...extras(enc),
    };
  }
}

/** MLM + NSP ('cls.predictions', 'cls.seq_relationship'); loss = MLM + NSP when both labels are given. */
export class BertForPreTraining extends BertPreTrainedModel {
  readonly architecture = 'BertForPreTraining';
  readonly bert: BertMainLayer;
  readonly predictions: BertLMPredictionHead;
  readonly seqRelationship: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertMainLayer(this.params, 'bert.', config, true);
    this.predictions = new BertLMPredictionHead(
      this.params,
      'cls.predictions',
      config,
      this.bert.embeddings.wordEmbeddings.weight,
    );
    this.seqRelationship = new Linear(this.params, 'cls.seq_relationship', config.hidden_size, 2);
  }

  protected override tiedKeys(): Record<string, string> {
    return lmTiedKeys(this.config, 'bert', 'cls.predictions');
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.bert.forward(inputs, options);
    const seqRelationshipLogits = this.seqRelationship.forward(requirePooled(enc)) as tf.Tensor2D;
    if (options.lossOnly && inputs.labels && inputs.nextSentenceLabel) {
      const mlm = labelledPositionsLoss(
        (rows) => this.predictions.forward(rows as tf.Tensor2D),
        enc.sequenceOutput,
        inputs.labels,
      );
      if (mlm) {
        const nsp = crossEntropy(seqRelationshipLogits, inputs.nextSentenceLabel);
        return { loss: mlm.add(nsp) as tf.Scalar, seqRelationshipLogits, ...extras(enc) };
      }
    }
    const predictionLogits = this.predictions.forward(enc.sequenceOutput);
    const loss =
      inputs.labels && inputs.nextSentenceLabel
        ? (crossEntropy(predictionLogits, inputs.labels).add(
            crossEntropy(seqRelationshipLogits, inputs.nextSentenceLabel),
          ) as tf.Scalar)
        : undefined;
    return { ...(loss ? { loss } : {}), predictionLogits, seqRelationshipLogits, ...extras(enc) };
  }
}

/** Masked LM ('cls.predictions'): logits [B, T, V]; loss over labels != -100. No pooler. */
export class BertForMaskedLM extends BertPreTrainedModel {
  readonly architecture = 'BertForMaskedLM';
  readonly bert: BertMainLayer;
  readonly predictions: BertLMPredictionHead;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertMainLayer(this.params, 'bert.', config, false);
    this.predictions = new BertLMPredictionHead(
      this.params,
      'cls.predictions',
      config,
      this.bert.embeddings.wordEmbeddings.weight,
    );
  }

  protected override tiedKeys(): Record<string, string> {
    return lmTiedKeys(this.config, 'bert', 'cls.predictions');
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.bert.forward(inputs, options);
    if (options.lossOnly && inputs.labels) {
      const loss = labelledPositionsLoss(
        (rows) => this.predictions.forward(rows as tf.Tensor2D),
        enc.sequenceOutput,
        inputs.labels,
      );
      if (loss) return { loss, ...extras(enc) };
    }
    return tokenClassifierOutput(this.predictions.forward(enc.sequenceOutput), inputs, enc);
  }
}

/** NSP ('cls.seq_relationship'): logits [B, 2]; label from `nextSentenceLabel` (or `labels`). */
export class BertForNextSentencePrediction extends BertPreTrainedModel {
  readonly architecture = 'BertForNextSentencePrediction';
  readonly bert: BertMainLayer;
  readonly seqRelationship: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertMainLayer(this.params, 'bert.', config, true);
    this.seqRelationship = new Linear(this.params, 'cls.seq_relationship', config.hidden_size, 2);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.bert.forward(inputs, options);
    const logits = this.seqRelationship.forward(requirePooled(enc)) as tf.Tensor2D;
    const label = inputs.nextSentenceLabel ?? inputs.labels;
    return {
      ...(label ? { loss: crossEntropy(logits, label) } : {}),
      logits,
      seqRelationshipLogits: logits,
      ...extras(enc),
    };
  }
}

/** dropout(pooled) -> classifier [B, num_labels]; loss per problem_type. */
export class BertForSequenceClassification extends BertPreTrainedModel {
  readonly architecture = 'BertForSequenceClassification';
  readonly bert: BertMainLayer;
  readonly classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertMainLayer(this.params, 'bert.', config, true);
    this.classifier = new Linear(this.params, 'classifier', config.hidden_size, config.num_labels);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.bert.forward(inputs, options);
    const pooled = dropout(requirePooled(enc), this.classifierDropout(), options.training ?? false);
    return sequenceClassifierOutput(
      this.config,
      this.classifier.forward(pooled) as tf.Tensor2D,
      inputs,
      enc,
    );
  }
}

/** dropout(sequence) -> classifier [B, T, num_labels]; loss over labels != -100. */
export class BertForTokenClassification extends BertPreTrainedModel {
  readonly architecture = 'BertForTokenClassification';
  readonly bert: BertMainLayer;
  readonly classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertMainLayer(this.params, 'bert.', config, false);
    this.classifier = new Linear(this.params, 'classifier', config.hidden_size, config.num_labels);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.bert.forward(inputs, options);
    const seq = dropout(enc.sequenceOutput, this.classifierDropout(), options.training ?? false);
    return tokenClassifierOutput(this.classifier.forward(seq) as tf.Tensor3D, inputs, enc);
  }
}

/** qa_outputs [B, T, 2] -> startLogits / endLogits [B, T]; span loss from start/endPositions. */
export class BertForQuestionAnswering extends BertPreTrainedModel {
  readonly architecture = 'BertForQuestionAnswering';
  readonly bert: BertMainLayer;
  readonly qaOutputs: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertMainLayer(this.params, 'bert.', config, false);
    this.qaOutputs = new Linear(this.params, 'qa_outputs', config.hidden_size, 2);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.bert.forward(inputs, options);
    return questionAnsweringOutput(
      this.qaOutputs.forward(enc.sequenceOutput) as tf.Tensor3D,
      inputs,
      enc,
    );
  }
}

/** Inputs [B, C, T]; each choice pooled -> dropout -> classifier [.., 1] -> logits [B, C]. */
export class BertForMultipleChoice extends BertPreTrainedModel {
  readonly architecture = 'BertForMultipleChoice';
  readonly bert: BertMainLayer;
  readonly classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertMainLayer(this.params, 'bert.', config, true);
    this.classifier = new Linear(this.params, 'classifier', config.hidden_size, 1);
  }

  forward(inputs: ModelInputs | MultipleChoiceInputs, options: ForwardOptions = {}): ModelOutput {
    const { flat, numChoices } = flattenChoices(inputs);
    const enc = this.bert.forward(flat, options);
    const pooled = dropout(requirePooled(enc), this.classifierDropout(), options.training ?? false);
    return multipleChoiceOutput(this.classifier.forward(pooled), numChoices, inputs, enc);
  }
}
