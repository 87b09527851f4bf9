//! Models, one folder each, and their `tokenizer.json` tagged union.

pub mod bpe;
pub mod unigram;
pub mod wordlevel;
pub mod wordpiece;

pub use bpe::{BpeOptions, BPE};
pub use unigram::Unigram;
pub use wordlevel::WordLevel;
pub use wordpiece::WordPiece;

use crate::tokenizer::{Model, Token};
use crate::Result;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A vocabulary, token -> id, with a fast non-cryptographic hash (inputs are not adversarial
/// keys: a slow hash would cost more than any collision attack could).
pub type Vocab = HashMap<String, u32, rustc_hash::FxBuildHasher>;

/// Every model, tagged by `type` exactly as in `tokenizer.json`'s `model` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ModelWrapper {
    WordPiece(WordPiece),
    Unigram(Unigram),
    BPE(BPE),
    WordLevel(WordLevel),
}

impl ModelWrapper {
    const SUPPORTED: &'static str = "WordPiece, Unigram, BPE, WordLevel";

    /// Parses one model object (the value of `tokenizer.json`'s `model`).
    pub fn from_json(json: &str) -> Result<Self> {
        crate::normalizers::parse_tagged(json, "model", Self::SUPPORTED)
    }

    pub fn from_value(value: serde_json::Value, field: &str) -> Result<Self> {
        crate::normalizers::parse_tagged_value(value, "model", field, Self::SUPPORTED)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn inner(&self) -> &dyn Model {
        match self {
            ModelWrapper::WordPiece(m) => m,
            ModelWrapper::Unigram(m) => m,
            ModelWrapper::BPE(m) => m,
            ModelWrapper::WordLevel(m) => m,
        }
    }
}

impl Model for ModelWrapper {
    fn tokenize(&self, word: &str) -> Result<Vec<Token>> {
        self.inner().tokenize(word)
    }
    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner().token_to_id(token)
    }
    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.inner().id_to_token(id)
    }
    fn get_vocab(&self) -> HashMap<String, u32> {
        self.inner().get_vocab()
    }
    fn get_vocab_size(&self) -> usize {
        self.inner().get_vocab_size()
    }
}

/// Serializes a vocab as a JSON object ordered by id, as HF writes it (so saved files diff
/// cleanly against HF's).
pub(crate) struct OrderedVocab<'a>(pub &'a Vocab);

impl Serialize for OrderedVocab<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut entries: Vec<(&String, &u32)> = self.0.iter().collect();
        entries.sort_by_key(|(_, id)| **id);
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (token, id) in entries {
            map.serialize_entry(token, id)?;
        }
        map.end()
    }
}

/// id -> token, dense when ids are (the usual case).
pub(crate) fn reverse_vocab(vocab: &Vocab) -> HashMap<u32, String, rustc_hash::FxBuildHasher> {
    vocab.iter().map(|(k, v)| (*v, k.clone())).collect()
}
