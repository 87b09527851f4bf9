import * as tf from '@tensorflow/tfjs';
import { RobertaConfig } from '../../configs/configuration_bert.js';
import type {
  ForwardOptions,
  ModelInputs,
  ModelOutput,
  MultipleChoiceInputs,
} from '../../modeling_outputs.js';
import {
  activation,
  dropout,
  Embedding,
  LayerNorm,
  Linear,
  linear,
  type ParamStore,
  PreTrainedModelBase,
} from '../../modeling_utils.js';
import { BertEmbeddings, BertMainLayer } from '../bert/modeling_bert.js';
import {
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
 * RoBERTa (modeling_roberta.py): BERT's encoder with two differences handled here.
 * 1. Positions: create_position_ids_from_input_ids — non-pad tokens are numbered
 *    padding_idx + 1, padding_idx + 2, ...; pad tokens get padding_idx (a zero row).
 * 2. Heads: lm_head (dense, gelu, layer_norm, tied decoder) and classifier (dense, tanh, out_proj)
 *    on the <s> token; no pooler except for multiple choice.
 */
export class RobertaEmbeddings extends BertEmbeddings {
  protected override makePositionEmbeddings(p: ParamStore, name: string): Embedding {
    return new Embedding(
      p,
      name,
      this.config.max_position_embeddings,
      this.config.hidden_size,
      this.config.pad_token_id ?? undefined,
    );
  }

  /** ids [B, T] -> position rows [B, T, H]: cumsum(ids != pad) * (ids != pad) + pad. */
  protected override defaultPositions(inputIds: tf.Tensor2D): tf.Tensor {
    const pad = this.config.pad_token_id ?? 1;
    const mask = tf.notEqual(inputIds, pad).toInt();
    const positions = tf.cumsum(mask, 1).mul(mask).add(tf.scalar(pad, 'int32'));
    return this.positionEmbeddings.forward(positions);
  }
}

export abstract class RobertaPreTrainedModel extends PreTrainedModelBase<RobertaConfig> {
  static readonly configClass = RobertaConfig;
  readonly baseModelPrefix = 'roberta';

  constructor(config: RobertaConfig) {
    super(config, config.initializer_range);
  }

  protected mainLayer(prefix: string, addPoolingLayer: boolean): BertMainLayer {
    return new BertMainLayer(
      this.params,
      prefix,
      this.config,
      addPoolingLayer,
      (p, name) => new RobertaEmbeddings(p, name, this.config),
    );
  }

  protected classifierDropout(): number {
    return this.config.classifier_dropout ?? this.config.hidden_dropout_prob;
  }
}

/** The bare encoder; keys without prefix ('embeddings.word_embeddings.weight'). */
export class RobertaModel extends RobertaPreTrainedModel {
  readonly architecture = 'RobertaModel';
  readonly roberta: BertMainLayer;

  constructor(config: RobertaConfig, options: { addPoolingLayer?: boolean } = {}) {
    super(config);
    this.roberta = this.mainLayer('', options.addPoolingLayer ?? true);
  }

  protected override get isBaseModel(): boolean {
    return true;
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.roberta.forward(inputs, options);
    return {
      lastHiddenState: enc.sequenceOutput,
      ...(enc.pooledOutput ? { poolerOutput: enc.pooledOutput } : {}),
      ...extras(enc),
    };
  }
}

/** lm_head: dense, gelu, layer_norm, decoder (tied to word embeddings) + lm_head.bias. */
export class RobertaLMHead {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly decoderWeight: tf.Variable;
  readonly bias: tf.Variable;
  private readonly gelu = activation('gelu');

  constructor(p: ParamStore, prefix: string, config: RobertaConfig, wordEmbeddings: tf.Variable) {
    this.dense = new Linear(p, `${prefix}.dense`, config.hidden_size, config.hidden_size);
    this.layerNorm = new LayerNorm(
      p,
      `${prefix}.layer_norm`,
      config.hidden_size,
      config.layer_norm_eps,
    );
    this.decoderWeight = config.tie_word_embeddings
      ? wordEmbeddings
      : p.create(`${prefix}.decoder.weight`, [config.vocab_size, config.hidden_size], 'normal');
    this.bias = p.create(`${prefix}.bias`, [config.vocab_size], 'zeros');
  }

  /** [B, T, H] -> [B, T, V] */
  forward(h: tf.Tensor3D): tf.Tensor3D {
    const x = this.layerNorm.forward(this.gelu(this.dense.forward(h)));
    return linear(x, this.decoderWeight, this.bias) as tf.Tensor3D;
  }
}

export class RobertaForMaskedLM extends RobertaPreTrainedModel {
  readonly architecture = 'RobertaForMaskedLM';
  readonly roberta: BertMainLayer;
  readonly lmHead: RobertaLMHead;

  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = this.mainLayer('roberta.', false);
    this.lmHead = new RobertaLMHead(
      this.params,
      'lm_head',
      config,
      this.roberta.embeddings.wordEmbeddings.weight,
    );
  }

  protected override tiedKeys(): Record<string, string> {
    return {
      ...(this.config.tie_word_embeddings
        ? { 'lm_head.decoder.weight': 'roberta.embeddings.word_embeddings.weight' }
        : {}),
      'lm_head.decoder.bias': 'lm_head.bias',
    };
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.roberta.forward(inputs, options);
    return tokenClassifierOutput(this.lmHead.forward(enc.sequenceOutput), inputs, enc);
  }
}

/** classifier: <s> -> dropout -> dense -> tanh -> dropout -> out_proj [B, num_labels]. */
export class RobertaClassificationHead {
  readonly dense: Linear;
  readonly outProj: Linear;

  constructor(
    p: ParamStore,
    prefix: string,
    config: RobertaConfig,
    private readonly rate: number,
  ) {
    this.dense = new Linear(p, `${prefix}.dense`, config.hidden_size, config.hidden_size);
    this.outProj = new Linear(p, `${prefix}.out_proj`, config.hidden_size, config.num_labels);
  }

  forward(h: tf.Tensor3D, training: boolean): tf.Tensor2D {
    const x = dropout(firstToken(h), this.rate, training);
    const y = dropout(tf.tanh(this.dense.forward(x)), this.rate, training);
    return this.outProj.forward(y) as tf.Tensor2D;
  }
}

export class RobertaForSequenceClassification extends RobertaPreTrainedModel {
  readonly architecture = 'RobertaForSequenceClassification';
  readonly roberta: BertMainLayer;
  readonly classifier: RobertaClassificationHead;

  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = this.mainLayer('roberta.', false);
    this.classifier = new RobertaClassificationHead(
      this.params,
      'classifier',
      config,
      this.classifierDropout(),
    );
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.roberta.forward(inputs, options);
    return sequenceClassifierOutput(
      this.config,
      this.classifier.forward(enc.sequenceOutput, options.training ?? false),
      inputs,
      enc,
    );
  }
}

export class RobertaForTokenClassification extends RobertaPreTrainedModel {
  readonly architecture = 'RobertaForTokenClassification';
  readonly roberta: BertMainLayer;
  readonly classifier: Linear;

  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = this.mainLayer('roberta.', false);
    this.classifier = new Linear(this.params, 'classifier', config.hidden_size, config.num_labels);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.roberta.forward(inputs, options);
    const seq = dropout(enc.sequenceOutput, this.classifierDropout(), options.training ?? false);
    return tokenClassifierOutput(this.classifier.forward(seq) as tf.Tensor3D, inputs, enc);
  }
}

export class RobertaForQuestionAnswering extends RobertaPreTrainedModel {
  readonly architecture = 'RobertaForQuestionAnswering';
  readonly roberta: BertMainLayer;
  readonly qaOutputs: Linear;

  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = this.mainLayer('roberta.', false);
    this.qaOutputs = new Linear(this.params, 'qa_outputs', config.hidden_size, 2);
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ModelOutput {
    const enc = this.roberta.forward(inputs, options);
    return questionAnsweringOutput(
      this.qaOutputs.forward(enc.sequenceOutput) as tf.Tensor3D,
      inputs,
      enc,
    );
  }
}

export class RobertaForMultipleChoice extends RobertaPreTrainedModel {
  readonly architecture = 'RobertaForMultipleChoice';
  readonly roberta: BertMainLayer;
  readonly classifier: Linear;

  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = this.mainLayer('roberta.', true);
    this.classifier = new Linear(this.params, 'classifier', config.hidden_size, 1);
  }

  forward(inputs: ModelInputs | MultipleChoiceInputs, options: ForwardOptions = {}): ModelOutput {
    const { flat, numChoices } = flattenChoices(inputs);
    const enc = this.roberta.forward(flat, options);
    const pooled = dropout(requirePooled(enc), this.classifierDropout(), options.training ?? false);
    return multipleChoiceOutput(this.classifier.forward(pooled), numChoices, inputs, enc);
  }
}
