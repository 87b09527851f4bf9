//! Decoders, one file each, and their `tokenizer.json` tagged union.

mod bpe;
mod byte_fallback;
mod byte_level;
mod metaspace;
mod replace;
mod simple;
mod wordpiece;

pub use bpe::BpeDecoder;
pub use byte_fallback::ByteFallback;
pub use replace::{Replace, Sequence};
pub use simple::{Fuse, Strip};

pub use crate::pre_tokenizers::ByteLevel;

pub use wordpiece::WordPieceDecoder;

use crate::normalizers::parse_tagged;
use crate::tokenizer::Decoder;
use crate::Result;
use serde::{Deserialize, Serialize};

/// Every decoder, tagged by `type` exactly as in `tokenizer.json`'s `decoder` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DecoderWrapper {
    WordPiece(WordPieceDecoder),
    Metaspace(metaspace::Metaspace),
    ByteLevel(ByteLevel),
    #[serde(rename = "BPEDecoder")]
    BpeDecoder(BpeDecoder),
    ByteFallback(ByteFallback),
    Fuse(Fuse),
    Strip(Strip),
    Replace(Replace),
    Sequence(Sequence),
}

impl DecoderWrapper {
    const SUPPORTED: &'static str =
        "WordPiece, Metaspace, ByteLevel, BPEDecoder, ByteFallback, Fuse, Strip, Replace, Sequence";

    /// Parses one decoder object (the value of `tokenizer.json`'s `decoder`).
    pub fn from_json(json: &str) -> Result<Self> {
        parse_tagged(json, "decoder", Self::SUPPORTED)
    }

    pub fn from_value(value: serde_json::Value, field: &str) -> Result<Self> {
        crate::normalizers::parse_tagged_value(value, "decoder", field, Self::SUPPORTED)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Decoder for DecoderWrapper {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        match self {
            DecoderWrapper::WordPiece(d) => d.decode_chain(tokens),
            DecoderWrapper::Metaspace(d) => d.decode_chain(tokens),
            DecoderWrapper::ByteLevel(d) => d.decode_chain(tokens),
            DecoderWrapper::BpeDecoder(d) => d.decode_chain(tokens),
            DecoderWrapper::ByteFallback(d) => d.decode_chain(tokens),
            DecoderWrapper::Fuse(d) => d.decode_chain(tokens),
            DecoderWrapper::Strip(d) => d.decode_chain(tokens),
            DecoderWrapper::Replace(d) => d.decode_chain(tokens),
            DecoderWrapper::Sequence(d) => d.decode_chain(tokens),
        }
    }
}
