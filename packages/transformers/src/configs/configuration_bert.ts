import { TransformersError } from '../errors.js';
import {
  type ConfigDict,
  ConfigReader,
  checkHeads,
  HIDDEN_ACTS,
  type HiddenAct,
  PretrainedConfig,
} from './configuration_utils.js';

interface BertLikeDefaults {
  vocab_size: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  pad_token_id: number | null;
  bos_token_id: number | null;
  eos_token_id: number | null;
}

/** Fields shared by BERT and RoBERTa (modeling_roberta.py copies modeling_bert.py). */
abstract class BertLikeConfig extends PretrainedConfig {
  readonly vocab_size: number;
  readonly hidden_size: number;
  readonly num_hidden_layers: number;
  readonly num_attention_heads: number;
  readonly intermediate_size: number;
  readonly hidden_act: HiddenAct;
  readonly hidden_dropout_prob: number;
  readonly attention_probs_dropout_prob: number;
  readonly max_position_embeddings: number;
  readonly type_vocab_size: number;
  readonly initializer_range: number;
  readonly layer_norm_eps: number;
  readonly classifier_dropout: number | null;

  protected constructor(r: ConfigReader, d: BertLikeDefaults) {
    super(r, d);
    this.vocab_size = r.int('vocab_size', d.vocab_size);
    this.hidden_size = r.int('hidden_size', 768);
    this.num_hidden_layers = r.int('num_hidden_layers', 12);
    this.num_attention_heads = r.int('num_attention_heads', 12);
    this.intermediate_size = r.int('intermediate_size', 3072);
    this.hidden_act = r.oneOf('hidden_act', HIDDEN_ACTS, 'gelu');
    this.hidden_dropout_prob = r.prob('hidden_dropout_prob', 0.1);
    this.attention_probs_dropout_prob = r.prob('attention_probs_dropout_prob', 0.1);
    this.max_position_embeddings = r.int('max_position_embeddings', d.max_position_embeddings);
    this.type_vocab_size = r.int('type_vocab_size', d.type_vocab_size);
    this.initializer_range = r.positive('initializer_range', 0.02);
    this.layer_norm_eps = r.positive('layer_norm_eps', 1e-12);
    this.classifier_dropout = r.probOrNull('classifier_dropout', null);
    checkHeads(r, 'hidden_size', this.hidden_size, 'num_attention_heads', this.num_attention_heads);
    // Kept in `extra` (written back), but only the encoder-only absolute-position variant exists here.
    if (r.has('position_embedding_type') && r.dict.position_embedding_type !== 'absolute') {
      r.fail(
        'position_embedding_type',
        "'absolute' (relative_key / relative_key_query are not implemented)",
        r.dict.position_embedding_type,
      );
    }
    for (const f of ['is_decoder', 'add_cross_attention'] as const) {
      if (r.dict[f] === true)
        r.fail(f, 'false (decoder / cross-attention BERT is not implemented)', true);
    }
    if (this.pad_token_id !== null && this.pad_token_id >= this.vocab_size) {
      r.fail('pad_token_id', `< vocab_size (${this.vocab_size})`, this.pad_token_id);
    }
  }

  protected ownFields(): ConfigDict {
    return {
      vocab_size: this.vocab_size,
      hidden_size: this.hidden_size,
      num_hidden_layers: this.num_hidden_layers,
      num_attention_heads: this.num_attention_heads,
      intermediate_size: this.intermediate_size,
      hidden_act: this.hidden_act,
      hidden_dropout_prob: this.hidden_dropout_prob,
      attention_probs_dropout_prob: this.attention_probs_dropout_prob,
      max_position_embeddings: this.max_position_embeddings,
      type_vocab_size: this.type_vocab_size,
      initializer_range: this.initializer_range,
      layer_norm_eps: this.layer_norm_eps,
      classifier_dropout: this.classifier_dropout,
    };
  }
}

/**
 * config.json of a BERT model (HF BertConfig: same names, same defaults).
 *
 * @example
 * new BertConfig({ hidden_size: 32, num_attention_heads: 4 }).toDict().hidden_act // 'gelu'
 */
export class BertConfig extends BertLikeConfig {
  readonly model_type = 'bert' as const;

  constructor(dict: ConfigDict = {}, source = 'BertConfig') {
    const r: ConfigReader = new ConfigReader(dict, source);
    super(r, {
      vocab_size: 30522,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      pad_token_id: 0,
      bos_token_id: null,
      eos_token_id: null,
    });
    this.keepRest(r);
  }
}

/** config.json of a RoBERTa model (HF RobertaConfig: pad 1, bos 0, eos 2, vocab 50265). */
export class RobertaConfig extends BertLikeConfig {
  readonly model_type = 'roberta' as const;

  constructor(dict: ConfigDict = {}, source = 'RobertaConfig') {
    const r: ConfigReader = new ConfigReader(dict, source);
    super(r, {
      vocab_size: 50265,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      pad_token_id: 1,
      bos_token_id: 0,
      eos_token_id: 2,
    });
    // Position ids start at pad_token_id + 1, so the table must hold at least that many rows.
    const pad = this.pad_token_id;
    if (pad === null)
      r.fail('pad_token_id', 'an integer (RoBERTa positions are offset by it)', null);
    if (this.max_position_embeddings <= pad + 1) {
      throw new TransformersError(
        'INVALID_CONFIG',
        `${source}: max_position_embeddings (${this.max_position_embeddings}) must exceed pad_token_id + 1 (${pad + 1}): RoBERTa positions start after padding_idx`,
      );
    }
    this.keepRest(r);
  }
}
