import {
  type ConfigDict,
  ConfigReader,
  checkHeads,
  HIDDEN_ACTS,
  type HiddenAct,
  PretrainedConfig,
} from './configuration_utils.js';

/**
 * config.json of an ALBERT model (HF AlbertConfig): factorized embeddings (embedding_size), and
 * num_hidden_layers layers sharing num_hidden_groups groups of inner_group_num layers each.
 */
export class AlbertConfig extends PretrainedConfig {
  readonly model_type = 'albert' as const;
  readonly vocab_size: number;
  readonly embedding_size: number;
  readonly hidden_size: number;
  readonly num_hidden_layers: number;
  readonly num_hidden_groups: number;
  readonly num_attention_heads: number;
  readonly intermediate_size: number;
  readonly inner_group_num: number;
  readonly hidden_act: HiddenAct;
  readonly hidden_dropout_prob: number;
  readonly attention_probs_dropout_prob: number;
  readonly max_position_embeddings: number;
  readonly type_vocab_size: number;
  readonly initializer_range: number;
  readonly layer_norm_eps: number;
  readonly classifier_dropout_prob: number;

  constructor(dict: ConfigDict = {}, source = 'AlbertConfig') {
    const r: ConfigReader = new ConfigReader(dict, source);
    super(r, { pad_token_id: 0, bos_token_id: 2, eos_token_id: 3 });
    this.vocab_size = r.int('vocab_size', 30000);
    this.embedding_size = r.int('embedding_size', 128);
    this.hidden_size = r.int('hidden_size', 4096);
    this.num_hidden_layers = r.int('num_hidden_layers', 12);
    this.num_hidden_groups = r.int('num_hidden_groups', 1);
    this.num_attention_heads = r.int('num_attention_heads', 64);
    this.intermediate_size = r.int('intermediate_size', 16384);
    this.inner_group_num = r.int('inner_group_num', 1);
    this.hidden_act = r.oneOf('hidden_act', HIDDEN_ACTS, 'gelu_new');
    this.hidden_dropout_prob = r.prob('hidden_dropout_prob', 0);
    this.attention_probs_dropout_prob = r.prob('attention_probs_dropout_prob', 0);
    this.max_position_embeddings = r.int('max_position_embeddings', 512);
    this.type_vocab_size = r.int('type_vocab_size', 2);
    this.initializer_range = r.positive('initializer_range', 0.02);
    this.layer_norm_eps = r.positive('layer_norm_eps', 1e-12);
    this.classifier_dropout_prob = r.prob('classifier_dropout_prob', 0.1);
    checkHeads(r, 'hidden_size', this.hidden_size, 'num_attention_heads', this.num_attention_heads);
    if (this.num_hidden_groups > this.num_hidden_layers) {
      r.fail(
        'num_hidden_groups',
        `<= num_hidden_layers (${this.num_hidden_layers})`,
        this.num_hidden_groups,
      );
    }
    if (r.has('position_embedding_type') && r.dict.position_embedding_type !== 'absolute') {
      r.fail('position_embedding_type', "'absolute'", r.dict.position_embedding_type);
    }
    this.keepRest(r);
  }

  protected ownFields(): ConfigDict {
    return {
      vocab_size: this.vocab_size,
      embedding_size: this.embedding_size,
      hidden_size: this.hidden_size,
      num_hidden_layers: this.num_hidden_layers,
      num_hidden_groups: this.num_hidden_groups,
      num_attention_heads: this.num_attention_heads,
      intermediate_size: this.intermediate_size,
      inner_group_num: this.inner_group_num,
      hidden_act: this.hidden_act,
      hidden_dropout_prob: this.hidden_dropout_prob,
      attention_probs_dropout_prob: this.attention_probs_dropout_prob,
      max_position_embeddings: this.max_position_embeddings,
      type_vocab_size: this.type_vocab_size,
      initializer_range: this.initializer_range,
      layer_norm_eps: this.layer_norm_eps,
      classifier_dropout_prob: this.classifier_dropout_prob,
    };
  }
}
