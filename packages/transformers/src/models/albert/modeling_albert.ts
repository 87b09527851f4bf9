import * as tf from '@tensorflow/tfjs';
import { AlbertConfig } from '../../configs/configuration_albert.js';
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
 * ALBERT (modeling_albert.py):
 * 1. Factorized embeddings: ids -> [B, T, E] (embedding_size), then
 *    encoder.embedding_hidden_mapping_in: [B, T, E] -> [B, T, H].
 * 2. Cross-layer sharing: num_hidden_layers applications of num_hidden_groups groups
 *    (albert_layer_groups.g), each of inner_group_num layers (albert_layers.i); layer l uses group
 *    floor(l / (num_hidden_layers / num_hidden_groups)).
 */

/** word + position + token type embeddings (size E), LayerNorm, dropout. */
export class AlbertEmbeddings {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: AlbertConfig,
  ) {
    const e = config.embedding_size;
    this.wordEmbeddings = new Embedding(
      p,
      `${prefix}.word_embeddings`,
      config.vocab_size,
      e,
      config.pad_token_id ?? undefined,
    );
    this.positionEmbeddings = new Embedding(
      p,
      `${prefix}.position_embeddings`,
      config.max_position_embeddings,
      e,
    );
    this.tokenTypeEmbeddings = new Embedding(
      p,
      `${prefix}.token_type_embeddings`,
      config.type_vocab_size,
      e,
    );
    this.layerNorm = new LayerNorm(p, `${prefix}.LayerNorm`, e, config.layer_norm_eps);
  }

  forward(
    inputIds: tf.Tensor2D,
    tokenTypeIds: tf.Tensor2D | undefined,
    positionIds: tf.Tensor2D | undefined,
    training: boolean,
  ): tf.Tensor3D {
    const e = this.config.embedding_size;
    const t = inputIds.shape[1];
    const words = this.wordEmbeddings.forward(inputIds);
    const pos = positionIds
      ? this.positionEmbeddings.forward(positionIds)
      : tf.slice(this.positionEmbeddings.weight, [0, 0], [t, e]);
    const types = tokenTypeIds
      ? this.tokenTypeEmbeddings.forward(tokenTypeIds)
      : tf.slice(this.tokenTypeEmbeddings.weight, [0, 0], [1, e]);
    return dropout(
      this.layerNorm.forward(words.add(pos).add(types)),
      this.config.hidden_dropout_prob,
      training,
    ) as tf.Tensor3D;
  }
}

/** query / key / value, attention, dense, dropout, LayerNorm(x + dense(ctx)). */
export class AlbertAttention {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: AlbertConfig,
  ) {
    const h = config.hidden_size;
    this.query = new Linear(p, `${prefix}.query`, h, h);
    this.key = new Linear(p, `${prefix}.key`, h, h);
    this.value = new Linear(p, `${prefix}.value`, h, h);
    this.dense = new Linear(p, `${prefix}.dense`, h, h);
    this.layerNorm = new LayerNorm(p, `${prefix}.LayerNorm`, h, config.layer_norm_eps);
  }

  forward(
    x: tf.Tensor3D,
    maskBias: tf.Tensor4D | null,
    training: boolean,
  ): { out: tf.Tensor3D; probs: tf.Tensor4D } {
    const c = this.config;
    const { context, probs } = multiHeadAttention(
      this.query.forward(x),
      this.key.forward(x),
      this.value.forward(x),
      c.num_attention_heads,
      maskBias,
      c.attention_probs_dropout_prob,
      training,
    );
    const projected = dropout(this.dense.forward(context), c.hidden_dropout_prob, training);
    return { out: this.layerNorm.forward(x.add(projected)) as tf.Tensor3D, probs };
  }
}

/** attention, ffn -> act -> ffn_output, dropout, full_layer_layer_norm(ffn + attn). */
export class AlbertLayer {
  readonly attention: AlbertAttention;
  readonly ffn: Linear;
  readonly ffnOutput: Linear;
  readonly fullLayerLayerNorm: LayerNorm;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: AlbertConfig,
  ) {
    this.attention = new AlbertAttention(p, `${prefix}.attention`, config);
    this.ffn = new Linear(p, `${prefix}.ffn`, config.hidden_size, config.intermediate_size);
    this.ffnOutput = new Linear(
      p,
      `${prefix}.ffn_output`,
      config.intermediate_size,
      config.hidden_size,
    );
    this.fullLayerLayerNorm = new LayerNorm(
      p,
      `${prefix}.full_layer_layer_norm`,
      config.hidden_size,
      config.layer_norm_eps,
    );
  }

  forward(
    x: tf.Tensor3D,
    maskBias: tf.Tensor4D | null,
    training: boolean,
  ): { out: tf.Tensor3D; probs: tf.Tensor4D } {
    const { out: attn, probs } = this.attention.forward(x, maskBias, training);
    const f = dropout(
      this.ffnOutput.forward(this.ffn.forwardAct(attn, this.config.hidden_act, training)),
      this.config.hidden_dropout_prob,
      training,
    );
    return { out: this.fullLayerLayerNorm.forward(f.add(attn)) as tf.Tensor3D, probs };
  }
}

/** embeddings, embedding_hidden_mapping_in, shared layer groups (+ pooler) under `prefix`. */
export class AlbertMainLayer {
  readonly embeddings: AlbertEmbeddings;
  readonly embeddingHiddenMappingIn: Linear;
  /** groups[g][i] = albert_layer_groups.g.albert_layers.i */
  readonly groups: AlbertLayer[][] = [];
  readonly pooler: Linear | null;

  constructor(
    p: ParamStore,
    prefix: string,
    private readonly config: AlbertConfig,
    addPoolingLayer: boolean,
  ) {
    this.embeddings = new AlbertEmbeddings(p, `${prefix}embeddings`, config);
    this.embeddingHiddenMappingIn = new Linear(
      p,
      `${prefix}encoder.embedding_hidden_mapping_in`,
      config.embedding_size,
      config.hidden_size,
    );
    for (let g = 0; g < config.num_hidden_groups; g++) {
      const group: AlbertLayer[] = [];
      for (let i = 0; i < config.inner_group_num; i++) {
        group.push(
          new AlbertLayer(
            p,
            `${prefix}encoder.albert_layer_groups.${g}.albert_layers.${i}`,
            config,
          ),
        );
      }
      this.groups.push(group);
    }
    this.pooler = addPoolingLayer
      ? new Linear(p, `${prefix}pooler`, config.hidden_size, config.hidden_size)
      : null;
  }

  forward(inputs: ModelInputs, opts: ForwardOptions): EncoderOutput {
    const c = this.config;
    const shape = checkIds(
      'inputIds',
      inputs.inputIds,
      2,
      inputs.positionIds ? undefined : c.max_position_embeddings,
    );
    checkSameShape('attentionMask', inputs.attentionMask, shape);
    checkSameShape('tokenTypeIds', inputs.tokenTypeIds, shape);
    checkSameShape('positionIds', inputs.positionIds, shape);
    const training = opts.training ?? false;
    const emb = this.embeddings.forward(
      inputs.inputIds,
      inputs.tokenTypeIds,
      inputs.positionIds,
      training,
    );
    let h = this.embeddingHiddenMappingIn.forward(emb) as tf.Tensor3D;
    const maskBias = inputs.attentionMask ? extendedAttentionMask(inputs.attentionMask) : null;
    // As HF 5.x records them: the mapped embeddings, then the output and attention of every
    // inner-layer application (num_hidden_layers * inner_group_num of each).
    const hiddenStates: tf.Tensor3D[] | undefined = opts.outputHiddenStates ? [h] : undefined;
    const attentions: tf.Tensor4D[] | undefined = opts.outputAttentions ? [] : undefined;
    const layersPerGroup = c.num_hidden_layers / c.num_hidden_groups;
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const group = this.groups[Math.floor(l / layersPerGroup)] as AlbertLayer[];
      for (const layer of group) {
        const { out, probs } = layer.forward(h, maskBias, training);
        h = out;
        attentions?.push(probs);
        hiddenStates?.push(h);
      }
    }
    return {
      sequenceOutput: h,
      ...(this.pooler
        ? { pooledOutput: tf.tanh(this.pooler.forward(firstToken(h))) as tf.Tensor2D }
        : {}),
      ...(hiddenStates ? { hiddenStates } : {}),
      ...(attentions ? { attentions } : {}),
    };
  }
}

/** predictions: dense (H -> E), act, LayerNorm, decoder (E -> V, tied) + predictions.bias. */
export class AlbertMLMHead {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly decoderWeight: tf.Variable;
  readonly bias: tf.Variable;
  private readonly act: (x: tf.Tensor) => tf.Tensor;

  constructor(p: ParamStore, prefix: string, config: AlbertConfig, wordEmbeddings: tf.Variable) {
    this.dense = new Linear(p, `${prefix}.dense`, config.hidden_size, config.embedding_size);
    this.layerNorm = new LayerNorm(
      p,
      `${prefix}.LayerNorm`,
      config.embedding_size,
      config.layer_norm_eps,
    );
    this.decoderWeight = config.tie_word_embeddings
      ? wordEmbeddings
      : p.create(`${prefix}.decoder.weight`, [config.vocab_size, config.embedding_size], 'normal');
    this.bias = p.create(`${prefix}.bias`, [config.vocab_size], 'zeros');
    this.act = activation(config.hidden_act);
  }

  forward(h: tf.Tensor3D): tf.Tensor3D {
    return linear(
      this.layerNorm.forward(this.act(this.dense.forward(h))),
      this.decoderWeight,
      this.bias,
    ) as tf.Tensor3D;
  }
}

export abstract class AlbertPreTrainedModel extends PreTrainedModelBase<AlbertConfig> {
  static readonly configClass = AlbertConfig;
  readonly baseModelPrefix = 'albert';

  constructor(config: AlbertConfig) {
    super(config, config.initializer_range);
  }

  protected mlmTiedKeys(): Record<string, string> {
    return {
      ...(this.config.tie_word_embeddings
        ? { 'predictions.decoder.weight': 'albert.embeddings.word_embeddings.weight' }
        : {}),
      'predictions.decoder.bias': 'predictions.bias',
    };
  }
}

export class AlbertModel extends AlbertPreTrainedModel {
  readonly architecture = 'AlbertModel';
  readonly albert: AlbertMainLayer;

  constructor(config: AlbertConfig, options: { addPoolingLayer?: boolean } = {}) {
    super(config);
    this.albert = new AlbertMainLayer(this.params, '', config, options.addPoolingLayer ?? true);
  }

  protected override get isBaseModel(): boolean {
    return true;
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.albert.forward(inputs, options);
    return {
      lastHiddenState: enc.sequenceOutput,
      ...(enc.pooledOutput ? { poolerOutput: enc.pooledOutput } : {}),
      ...extras(enc),
    };
  }
}

/** MLM + sentence-order prediction (sop_classifier); `nextSentenceLabel` carries the SOP label. */
export class AlbertForPreTraining extends AlbertPreTrainedModel {
  readonly architecture = 'AlbertForPreTraining';
  readonly albert: AlbertMainLayer;
  readonly predictions: AlbertMLMHead;
  readonly sopClassifier: Linear;

  constructor(config: AlbertConfig) {
    super(config);
    this.albert = new AlbertMainLayer(this.params, 'albert.', config, true);
    this.predictions = new AlbertMLMHead(
      this.params,
      'predictions',
      config,
      this.albert.embeddings.wordEmbeddings.weight,
    );
    this.sopClassifier = new Linear(
      this.params,
      'sop_classifier.classifier',
      config.hidden_size,
      2,
    );
  }

  protected override tiedKeys(): Record<string, string> {
    return this.mlmTiedKeys();
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.albert.forward(inputs, options);
    const predictionLogits = this.predictions.forward(enc.sequenceOutput);
    const pooled = dropout(
      requirePooled(enc),
      this.config.classifier_dropout_prob,
      options.training ?? false,
    );
    const seqRelationshipLogits = this.sopClassifier.forward(pooled) as tf.Tensor2D;
    const loss =
      inputs.labels && inputs.nextSentenceLabel
        ? (crossEntropy(predictionLogits, inputs.labels).add(
            crossEntropy(seqRelationshipLogits, inputs.nextSentenceLabel),
          ) as tf.Scalar)
        : undefined;
    return { ...(loss ? { loss } : {}), predictionLogits, seqRelationshipLogits, ...extras(enc) };
  }
}

export class AlbertForMaskedLM extends AlbertPreTrainedModel {
  readonly architecture = 'AlbertForMaskedLM';
  readonly albert: AlbertMainLayer;
  readonly predictions: AlbertMLMHead;

  constructor(config: AlbertConfig) {
    super(config);
    this.albert = new AlbertMainLayer(this.params, 'albert.', config, false);
    this.predictions = new AlbertMLMHead(
      this.params,
      'predictions',
      config,
      this.albert.embeddings.wordEmbeddings.weight,
    );
  }

  protected override tiedKeys(): Record<string, string> {
    return this.mlmTiedKeys();
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.albert.forward(inputs, options);
    return tokenClassifierOutput(this.predictions.forward(enc.sequenceOutput), inputs, enc);
  }
}

export class AlbertForSequenceClassification extends AlbertPreTrainedModel {
  readonly architecture = 'AlbertForSequenceClassification';
  readonly albert: AlbertMainLayer;
  readonly classifier: Linear;

  constructor(config: AlbertConfig) {
    super(config);
    this.albert = new AlbertMainLayer(this.params, 'albert.', config, true);
    this.classifier = new Linear(this.params, 'classifier', config.hidden_size, config.num_labels);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.albert.forward(inputs, options);
    const pooled = dropout(
      requirePooled(enc),
      this.config.classifier_dropout_prob,
      options.training ?? false,
    );
    return sequenceClassifierOutput(
      this.config,
      this.classifier.forward(pooled) as tf.Tensor2D,
      inputs,
      enc,
    );
  }
}

export class AlbertForTokenClassification extends AlbertPreTrainedModel {
  readonly architecture = 'AlbertForTokenClassification';
  readonly albert: AlbertMainLayer;
  readonly classifier: Linear;

  constructor(config: AlbertConfig) {
    super(config);
    this.albert = new AlbertMainLayer(this.params, 'albert.', config, false);
    this.classifier = new Linear(this.params, 'classifier', config.hidden_size, config.num_labels);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.albert.forward(inputs, options);
    const seq = dropout(
      enc.sequenceOutput,
      this.config.classifier_dropout_prob,
      options.training ?? false,
    );
    return tokenClassifierOutput(this.classifier.forward(seq) as tf.Tensor3D, inputs, enc);
  }
}

export class AlbertForQuestionAnswering extends AlbertPreTrainedModel {
  readonly architecture = 'AlbertForQuestionAnswering';
  readonly albert: AlbertMainLayer;
  readonly qaOutputs: Linear;

  constructor(config: AlbertConfig) {
    super(config);
    this.albert = new AlbertMainLayer(this.params, 'albert.', config, false);
    this.qaOutputs = new Linear(this.params, 'qa_outputs', config.hidden_size, 2);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.albert.forward(inputs, options);
    return questionAnsweringOutput(
      this.qaOutputs.forward(enc.sequenceOutput) as tf.Tensor3D,
      inputs,
      enc,
    );
  }
}

export class AlbertForMultipleChoice extends AlbertPreTrainedModel {
  readonly architecture = 'AlbertForMultipleChoice';
  readonly albert: AlbertMainLayer;
  readonly classifier: Linear;

  constructor(config: AlbertConfig) {
    super(config);
    this.albert = new AlbertMainLayer(this.params, 'albert.', config, true);
    this.classifier = new Linear(this.params, 'classifier', config.hidden_size, 1);
  }

  forward(inputs: ModelInputs | MultipleChoiceInputs, options: ForwardOptions = {}): ModelOutput {
    const { flat, numChoices } = flattenChoices(inputs);
    const enc = this.albert.forward(flat, options);
    const pooled = dropout(
      requirePooled(enc),
      this.config.classifier_dropout_prob,
      options.training ?? false,
    );
    return multipleChoiceOutput(this.classifier.forward(pooled), numChoices, inputs, enc);
  }
}
