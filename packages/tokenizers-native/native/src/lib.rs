//! napi glue: converts between JS values and `transferjs_tokenizers_core` types, nothing else.
//! One file per area; every core error goes through `error::map_error`.

mod error;
mod normalizer;
mod pre_tokenizer;
mod tokenizer;
mod trainers;

/// mimalloc for every Rust allocation in the addon: tokenization allocates many small strings
/// and vectors per line, from several threads, where it is markedly faster than the system
/// allocator. Buffers handed to JS are freed by their finalizers through the same allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
