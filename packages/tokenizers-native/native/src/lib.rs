//! napi glue: converts between JS values and `transferjs_tokenizers_core` types, nothing else.
//! One file per area; every core error goes through `error::map_error`.

mod error;
mod normalizer;
mod pre_tokenizer;
mod tokenizer;
mod trainers;
