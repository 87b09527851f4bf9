import {
  type ConfigDict,
  ConfigReader,
  checkHeads,
  HIDDEN_ACTS,
  type HiddenAct,
  PretrainedConfig,
} from './configuration_utils.js';

/** config.json of a DistilBERT model (HF DistilBertConfig: dim / n_layers / n_heads / hidden_dim). */
export class DistilBertConfig extends PretrainedConfig {
  readonly model_type = 'distilbert' as const;
  readonly vocab_size: number;
  readonly max_position_embeddings: number;
  readonly sinusoidal_pos_embds: boolean;
  readonly n_layers: number;
  readonly n_heads: number;
  readonly dim: number;
  readonly hidden_dim: number;
  readonly dropout: number;
  readonly attention_dropout: number;
  readonly activation: HiddenAct;
  readonly initializer_range: number;
  readonly qa_dropout: number;
  readonly seq_classif_dropout: number;

  constructor(dict: ConfigDict = {}, source = 'DistilBertConfig') {
    const r: ConfigReader = new ConfigReader(dict, source);
    super(r, { pad_token_id: 0, bos_token_id: null, eos_token_id: null });
    this.vocab_size = r.int('vocab_size', 30522);
    this.max_position_embeddings = r.int('max_position_embeddings', 512);
    this.sinusoidal_pos_embds = r.bool('sinusoidal_pos_embds', false);
    this.n_layers = r.int('n_layers', 6);
    this.n_heads = r.int('n_heads', 12);
    this.dim = r.int('dim', 768);
    this.hidden_dim = r.int('hidden_dim', 3072);
    this.dropout = r.prob('dropout', 0.1);
    this.attention_dropout = r.prob('attention_dropout', 0.1);
    this.activation = r.oneOf('activation', HIDDEN_ACTS, 'gelu');
    this.initializer_range = r.positive('initializer_range', 0.02);
    this.qa_dropout = r.prob('qa_dropout', 0.1);
    this.seq_classif_dropout = r.prob('seq_classif_dropout', 0.2);
    checkHeads(r, 'dim', this.dim, 'n_heads', this.n_heads);
    if (this.sinusoidal_pos_embds && this.dim % 2 !== 0)
      r.fail('dim', 'even when sinusoidal_pos_embds is true', this.dim);
    this.keepRest(r);
  }

  /** DistilBERT's names for what BERT calls hidden_size and friends (HF attribute_map). */
  get hidden_size(): number {
    return this.dim;
  }

  protected ownFields(): ConfigDict {
    return {
      vocab_size: this.vocab_size,
      max_position_embeddings: this.max_position_embeddings,
      sinusoidal_pos_embds: this.sinusoidal_pos_embds,
      n_layers: this.n_layers,
      n_heads: this.n_heads,
      dim: this.dim,
      hidden_dim: this.hidden_dim,
      dropout: this.dropout,
      attention_dropout: this.attention_dropout,
      activation: this.activation,
      initializer_range: this.initializer_range,
      qa_dropout: this.qa_dropout,
      seq_classif_dropout: this.seq_classif_dropout,
    };
  }
}
