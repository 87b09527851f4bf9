//! Pure-Rust core of `@transferjs/tokenizers-native`.
//!
//! The tokenizer is a pipeline of small components, each serialized exactly as in HF's
//! `tokenizer.json` (a `type`-tagged union):
//!
//! ```text
//! text -> Normalizer -> PreTokenizer -> Model -> PostProcessor -> Decoder
//! ```
//!
//! Every step keeps an alignment from each byte of the transformed text back to a byte range of
//! the original input, so offsets always point into what the user passed in.
//! This crate knows nothing of napi: `../native` is the only FFI layer.

pub mod decoders;
pub mod error;
pub mod models;
pub mod normalizers;
pub mod pre_tokenizers;
pub mod processors;
pub mod sentencepiece;
pub mod slow;
pub mod tokenizer;
pub mod trainers;

pub use decoders::DecoderWrapper;
pub use error::{Error, Result};
pub use models::ModelWrapper;
pub use normalizers::NormalizerWrapper;
pub use pre_tokenizers::PreTokenizerWrapper;
pub use processors::PostProcessorWrapper;
pub use tokenizer::{
    AddedToken, Decoder, Direction, EncodeInput, Encoding, InputSequence, Model, NormalizedString,
    Normalizer, OffsetType, Offsets, PaddingParams, PaddingStrategy, PostProcessor, PreTokenizer,
    Split, Token, Tokenizer, TruncationParams, TruncationStrategy,
};
