/**
 * @transferjs/tokenizers-native: HF-compatible tokenization in Rust.
 * Everything public is named here; nothing else is part of the API.
 */
export { TokenizerError } from './errors.js';
export type { ComponentJson, Normalized, Offsets, PreToken } from './pre_tokenizer.js';
export { Normalizer, PreTokenizer } from './pre_tokenizer.js';
export type {
  AddedTokenOptions,
  BertVocabOptions,
  BpeFilesOptions,
  EncodeBatchOptions,
  EncodeOptions,
  InputSequence,
  PaddingOptions,
  TruncationOptions,
} from './tokenizer.js';
export { Encoding, Tokenizer } from './tokenizer.js';
export type { TrainerModel, TrainOptions, TrainProgress, TrainSyncOptions } from './trainers.js';
export { TrainedTokenizer, trainTokenizer, trainTokenizerSync } from './trainers.js';
