//! WordPiece (BERT): greedy longest-match-first over the vocabulary, continuation pieces
//! carry a prefix (`##`). A word with any unmatchable part becomes one unknown token.

use super::{reverse_vocab, OrderedVocab, Vocab};
use crate::tokenizer::{Model, Token};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "WordPieceJson")]
pub struct WordPiece {
    vocab: Vocab,
    vocab_r: HashMap<u32, String, rustc_hash::FxBuildHasher>,
    pub unk_token: String,
    pub continuing_subword_prefix: String,
    pub max_input_chars_per_word: usize,
    /// Byte length of the longest vocab entry: no longer piece can match, so the greedy
    /// search starts there instead of at the end of the word.
    max_key_len: usize,
}

fn max_key_len(vocab: &Vocab) -> usize {
    vocab.keys().map(String::len).max().unwrap_or(0)
}

#[derive(Deserialize)]
struct WordPieceJson {
    #[serde(default = "default_unk")]
    unk_token: String,
    #[serde(default = "default_prefix")]
    continuing_subword_prefix: String,
    #[serde(default = "default_max_chars")]
    max_input_chars_per_word: usize,
    vocab: HashMap<String, u32>,
}

fn default_unk() -> String {
    "[UNK]".to_owned()
}
fn default_prefix() -> String {
    "##".to_owned()
}
fn default_max_chars() -> usize {
    100
}

impl From<WordPieceJson> for WordPiece {
    fn from(j: WordPieceJson) -> Self {
        let vocab: Vocab = j.vocab.into_iter().collect();
        WordPiece {
            vocab_r: reverse_vocab(&vocab),
            max_key_len: max_key_len(&vocab),
            vocab,
            unk_token: j.unk_token,
            continuing_subword_prefix: j.continuing_subword_prefix,
            max_input_chars_per_word: j.max_input_chars_per_word,
        }
    }
}

impl Serialize for WordPiece {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // Field order as HF writes it.
        let mut st = s.serialize_struct("WordPiece", 4)?;
        st.serialize_field("unk_token", &self.unk_token)?;
        st.serialize_field("continuing_subword_prefix", &self.continuing_subword_prefix)?;
        st.serialize_field("max_input_chars_per_word", &self.max_input_chars_per_word)?;
        st.serialize_field("vocab", &OrderedVocab(&self.vocab))?;
        st.end()
    }
}

thread_local! {
    /// Scratch for `prefix + piece` lookups, so the hot loop does not allocate.
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

impl WordPiece {
    pub fn new(vocab: Vocab, unk_token: String) -> Self {
        WordPiece {
            vocab_r: reverse_vocab(&vocab),
            max_key_len: max_key_len(&vocab),
            vocab,
            unk_token,
            continuing_subword_prefix: default_prefix(),
            max_input_chars_per_word: default_max_chars(),
        }
    }

    /// Reads a BERT `vocab.txt`: one token per line, the id is the line number.
    pub fn read_vocab_file(path: &str) -> Result<Vocab> {
        let text = crate::error::read_text_file(path)?;
        let mut vocab = Vocab::default();
        for (i, line) in text.lines().enumerate() {
            let id = u32::try_from(i).map_err(|_| Error::InvalidFile {
                path: path.to_owned(),
                line: i + 1,
                message: "more than 2^32 lines".to_owned(),
            })?;
            vocab.insert(line.trim_end().to_owned(), id);
        }
        Ok(vocab)
    }

    fn unk(&self, word: &str) -> Result<Vec<Token>> {
        let id = self
            .vocab
            .get(&self.unk_token)
            .copied()
            .ok_or_else(|| Error::MissingToken {
                field: "model.unk_token".to_owned(),
                token: self.unk_token.clone(),
            })?;
        Ok(vec![Token::new(
            id,
            self.unk_token.clone(),
            (0, word.len()),
        )])
    }
}

impl Model for WordPiece {
    fn tokenize(&self, word: &str) -> Result<Vec<Token>> {
        // 1. Overlong words are unknown as a whole (checked in chars, as HF).
        if word.len() > self.max_input_chars_per_word
            && word.chars().count() > self.max_input_chars_per_word
        {
            return self.unk(word);
        }
        SCRATCH.with(|scratch| {
            let mut buf = scratch.borrow_mut();
            let mut tokens = Vec::new();
            let mut start = 0;
            // 2. Greedy: the longest vocab piece at `start`, shrinking one char at a time.
            while start < word.len() {
                // Pieces longer than every vocab entry cannot match: start at the longest
                // that can (on a char boundary).
                let mut end = word.len().min(start + self.max_key_len.max(1));
                while !word.is_char_boundary(end) {
                    end += 1;
                }
                let mut found = None;
                while start < end {
                    let piece = &word[start..end];
                    let key: &str = if start > 0 {
                        buf.clear();
                        buf.push_str(&self.continuing_subword_prefix);
                        buf.push_str(piece);
                        &buf
                    } else {
                        piece
                    };
                    if let Some(&id) = self.vocab.get(key) {
                        found = Some(Token::new(id, key.to_owned(), (start, end)));
                        break;
                    }
                    end -= piece.chars().next_back().map_or(1, char::len_utf8);
                }
                // 3. No piece matches here: the whole word is unknown.
                let Some(token) = found else {
                    drop(buf);
                    return self.unk(word);
                };
                start = token.offsets.1;
                tokens.push(token);
            }
            Ok(tokens)
        })
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

    fn model() -> WordPiece {
        let vocab: Vocab = ["[UNK]", "un", "##aff", "##able", "a", "##ff"]
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect();
        WordPiece::new(vocab, "[UNK]".to_owned())
    }

    #[test]
    fn greedy_longest_match_with_offsets() {
        let toks = model().tokenize("unaffable").unwrap_or_default();
        let got: Vec<(&str, (usize, usize))> =
            toks.iter().map(|t| (t.value.as_str(), t.offsets)).collect();
        assert_eq!(
            got,
            vec![("un", (0, 2)), ("##aff", (2, 5)), ("##able", (5, 9))]
        );
    }

    #[test]
    fn unmatchable_word_is_one_unk() {
        let toks = model().tokenize("unx").unwrap_or_default();
        assert_eq!(toks, vec![Token::new(0, "[UNK]".to_owned(), (0, 3))]);
    }

    #[test]
    fn serializes_vocab_in_id_order() {
        let json = serde_json::to_string(&model()).unwrap_or_default();
        assert!(
            json.contains(r###""vocab":{"[UNK]":0,"un":1,"##aff":2,"##able":3,"a":4,"##ff":5}"###)
        );
    }
}
