//! Pre-tokenizers, one file each, and their `tokenizer.json` tagged union.

mod bert;
mod byte_level;
mod metaspace;
mod split;
mod whitespace;

pub use crate::tokenizer::pre_tokenized::SplitDelimiterBehavior;
pub use bert::BertPreTokenizer;
pub use byte_level::{bytes_char, char_byte, ByteLevel};
pub use metaspace::{Metaspace, PrependScheme};
pub use split::{Digits, Punctuation, Sequence, Split};
pub use whitespace::{Whitespace, WhitespaceSplit};

use crate::normalizers::parse_tagged;
use crate::tokenizer::{PreTokenizer, Split as Piece};
use crate::Result;
use serde::{Deserialize, Serialize};

/// Every pre-tokenizer, tagged by `type` exactly as in `tokenizer.json`'s `pre_tokenizer` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PreTokenizerWrapper {
    BertPreTokenizer(BertPreTokenizer),
    Metaspace(Metaspace),
    ByteLevel(ByteLevel),
    Whitespace(Whitespace),
    WhitespaceSplit(WhitespaceSplit),
    Punctuation(Punctuation),
    Split(Split),
    Digits(Digits),
    Sequence(Sequence),
}

impl PreTokenizerWrapper {
    const SUPPORTED: &'static str = "BertPreTokenizer, Metaspace, ByteLevel, Whitespace, WhitespaceSplit, Punctuation, Split, Digits, Sequence";

    /// Parses one pre-tokenizer object (the value of `tokenizer.json`'s `pre_tokenizer`).
    pub fn from_json(json: &str) -> Result<Self> {
        parse_tagged(json, "pre_tokenizer", Self::SUPPORTED)
    }

    /// Parses an already parsed value found at `field` of a `tokenizer.json`.
    pub fn from_value(value: serde_json::Value, field: &str) -> Result<Self> {
        crate::normalizers::parse_tagged_value(value, "pre_tokenizer", field, Self::SUPPORTED)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl PreTokenizer for PreTokenizerWrapper {
    fn pre_tokenize(&self, splits: Vec<Piece>) -> Result<Vec<Piece>> {
        match self {
            PreTokenizerWrapper::BertPreTokenizer(b) => b.pre_tokenize(splits),
            PreTokenizerWrapper::Metaspace(m) => m.pre_tokenize(splits),
            PreTokenizerWrapper::ByteLevel(b) => b.pre_tokenize(splits),
            PreTokenizerWrapper::Whitespace(p) => p.pre_tokenize(splits),
            PreTokenizerWrapper::WhitespaceSplit(p) => p.pre_tokenize(splits),
            PreTokenizerWrapper::Punctuation(p) => p.pre_tokenize(splits),
            PreTokenizerWrapper::Split(p) => p.pre_tokenize(splits),
            PreTokenizerWrapper::Digits(p) => p.pre_tokenize(splits),
            PreTokenizerWrapper::Sequence(p) => p.pre_tokenize(splits),
        }
    }
}
