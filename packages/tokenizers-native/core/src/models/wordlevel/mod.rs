//! WordLevel: each pre-tokenized word is one token, or the unknown token.
//! `{"type":"WordLevel","vocab":{"the":0,...},"unk_token":"<unk>"}`.

use super::{reverse_vocab, OrderedVocab, Vocab};
use crate::tokenizer::{Model, Token};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "WordLevelJson")]
pub struct WordLevel {
    vocab: Vocab,
    vocab_r: HashMap<u32, String, rustc_hash::FxBuildHasher>,
    pub unk_token: String,
}

#[derive(Deserialize)]
struct WordLevelJson {
    #[serde(default)]
    vocab: HashMap<String, u32>,
    #[serde(default = "default_unk")]
    unk_token: String,
}

fn default_unk() -> String {
    "<unk>".to_owned()
}

impl From<WordLevelJson> for WordLevel {
    fn from(j: WordLevelJson) -> Self {
        WordLevel::new(j.vocab.into_iter().collect(), j.unk_token)
    }
}

impl WordLevel {
    pub fn new(vocab: Vocab, unk_token: String) -> Self {
        Self {
            vocab_r: reverse_vocab(&vocab),
            vocab,
            unk_token,
        }
    }
}

impl Serialize for WordLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // Field order as HF writes it.
        let mut st = s.serialize_struct("WordLevel", 2)?;
        st.serialize_field("vocab", &OrderedVocab(&self.vocab))?;
        st.serialize_field("unk_token", &self.unk_token)?;
        st.end()
    }
}

impl Model for WordLevel {
    fn tokenize(&self, word: &str) -> Result<Vec<Token>> {
        if let Some(&id) = self.vocab.get(word) {
            return Ok(vec![Token::new(id, word.to_owned(), (0, word.len()))]);
        }
        match self.vocab.get(&self.unk_token) {
            Some(&id) => Ok(vec![Token::new(
                id,
                self.unk_token.clone(),
                (0, word.len()),
            )]),
            None => Err(Error::MissingToken {
                field: "model.unk_token".to_owned(),
                token: self.unk_token.clone(),
            }),
        }
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.vocab.get(token).copied()
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.vocab_r.get(&id).map(String::as_str)
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        self.vocab.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.vocab.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_or_unk() {
        let m: WordLevel =
            serde_json::from_str(r#"{"vocab":{"<unk>":0,"hi":1},"unk_token":"<unk>"}"#).unwrap();
        assert_eq!(m.tokenize("hi").unwrap()[0].id, 1);
        assert_eq!(m.tokenize("yo").unwrap()[0].offsets, (0, 2));
        let m: WordLevel =
            serde_json::from_str(r#"{"vocab":{"hi":1},"unk_token":"<unk>"}"#).unwrap();
        assert!(m.tokenize("yo").is_err());
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"vocab":{"hi":1},"unk_token":"<unk>"}"#
        );
    }
}
