import type { ModelInputs, ModelOutput, PreTrainedModel } from '@transferjs/transformers';

// The model <-> trainer contract lives in @transferjs/transformers (ModelInputs, ModelOutput,
// PreTrainedModel). The Trainer accepts any object with PreTrainedModel's methods and a config
// object, so every transformers model trains as is and so do small hand-written models.

export type { ModelInputs, ModelOutput };

/** The model the Trainer trains: PreTrainedModel's namedParameters / forward / savePretrained / dispose, and its config. */
export type TrainableModel = Pick<
  PreTrainedModel,
  'namedParameters' | 'forward' | 'savePretrained' | 'dispose'
> & {
  /** config.json fields, snake_case as in the file (model_type, num_labels, pad_token_id ...). */
  readonly config: object;
};

/** A tokenizer whose files go into checkpoints: `savePretrained(dir)` or `save(file)` (tokenizer.json). */
export interface SavableTokenizer {
  savePretrained?(dir: string): Promise<void> | void;
  save?(file: string): Promise<void> | void;
}
