//! BPE (GPT-2, RoBERTa, and SentencePiece-BPE with byte fallback): a word starts as its chars
//! and the learned merges are applied lowest rank first, as HF's `BPE` model does.
//!
//! `tokenizer.json` form, fields in HF's order:
//! `{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,
//! "end_of_word_suffix":null,"fuse_unk":false,"byte_fallback":false,"ignore_merges":false,
//! "vocab":{"a":0,...},"merges":[["a","b"],...]}`; merges are also read in the older
//! `["a b", ...]` form.

mod word;

pub use word::seed_dropout;

use super::{reverse_vocab, OrderedVocab, Vocab};
use crate::tokenizer::{Model, Token};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::RwLock;
use thiserror::Error as ThisError;
use word::Word;

/// `(left id, right id) -> (rank, merged id)`.
pub(crate) type MergeMap = HashMap<(u32, u32), (u32, u32), rustc_hash::FxBuildHasher>;

/// Words at least this long (bytes) are not cached (HF's `MAX_LENGTH`).
const CACHE_MAX_WORD: usize = 256;
/// Cached words at most (HF's `DEFAULT_CACHE_CAPACITY`); the cache stops growing when full.
const CACHE_CAPACITY: usize = 10_000;

/// Why a BPE model cannot be built.
#[derive(Debug, Clone, PartialEq, ThisError)]
pub enum BpeError {
    #[error("merges[{rank}]: token '{token}' is not in the vocab; every merge part and its result must be in vocab")]
    MergeTokenOutOfVocabulary { rank: usize, token: String },
    #[error("merges[{rank}]: expected two tokens separated by one space, found '{line}'")]
    BadMerge { rank: usize, line: String },
    #[error("dropout must be in [0, 1], found {0}")]
    InvalidDropout(f32),
    #[error("unk_token '{0}' is not in the vocab; add it or set unk_token to null")]
    UnkTokenOutOfVocabulary(String),
}

/// Merges as written in `tokenizer.json`: pairs (tokenizers >= 0.20) or "a b" strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum MergesJson {
    Pairs(Vec<(String, String)>),
    Strings(Vec<String>),
}

#[derive(Deserialize)]
struct BpeJson {
    #[serde(default)]
    dropout: Option<f32>,
    #[serde(default)]
    unk_token: Option<String>,
    #[serde(default)]
    continuing_subword_prefix: Option<String>,
    #[serde(default)]
    end_of_word_suffix: Option<String>,
    #[serde(default)]
    fuse_unk: bool,
    #[serde(default)]
    byte_fallback: bool,
    #[serde(default)]
    ignore_merges: bool,
    vocab: HashMap<String, u32>,
    merges: MergesJson,
}

/// The options of a BPE model besides vocab and merges (HF's `BpeBuilder` fields).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BpeOptions {
    /// Probability of skipping each merge (BPE-dropout); `None` or 0 = deterministic.
    pub dropout: Option<f32>,
    pub unk_token: Option<String>,
    /// Prefix of every symbol but a word's first (e.g. `##`).
    pub continuing_subword_prefix: Option<String>,
    /// Suffix of a word's last symbol (e.g. `</w>`).
    pub end_of_word_suffix: Option<String>,
    /// Consecutive unknown chars become one unknown token.
    pub fuse_unk: bool,
    /// Unknown chars become `<0xNN>` byte tokens when the vocab has them all.
    pub byte_fallback: bool,
    /// A word found whole in the vocab is one token, merges are not applied.
    pub ignore_merges: bool,
}

#[derive(Debug, Deserialize)]
#[serde(try_from = "BpeJson")]
pub struct BPE {
    vocab: Vocab,
    vocab_r: HashMap<u32, String, rustc_hash::FxBuildHasher>,
    /// Merges in rank order, for serialization.
    merge_list: Vec<(u32, u32)>,
    merges: MergeMap,
    pub options: BpeOptions,
    /// `<0xNN>` ids, when byte fallback is on and all 256 exist (else per-byte lookups fail).
    byte_ids: Option<Box<[Option<u32>; 256]>>,
    unk_id: Option<u32>,
    cache: Option<RwLock<HashMap<String, Vec<(u32, u32)>, rustc_hash::FxBuildHasher>>>,
}

impl Clone for BPE {
    fn clone(&self) -> Self {
        // A clone starts with an empty cache, as HF's.
        Self {
            vocab: self.vocab.clone(),
            vocab_r: self.vocab_r.clone(),
            merge_list: self.merge_list.clone(),
            merges: self.merges.clone(),
            options: self.options.clone(),
            byte_ids: self.byte_ids.clone(),
            unk_id: self.unk_id,
            cache: self.cache.as_ref().map(|_| RwLock::new(HashMap::default())),
        }
    }
}

impl PartialEq for BPE {
    fn eq(&self, other: &Self) -> bool {
        self.vocab == other.vocab
            && self.merge_list == other.merge_list
            && self.options == other.options
    }
}

impl TryFrom<BpeJson> for BPE {
    type Error = BpeError;
    fn try_from(j: BpeJson) -> std::result::Result<Self, BpeError> {
        let merges = match j.merges {
            MergesJson::Pairs(p) => p,
            MergesJson::Strings(s) => parse_merge_lines(s.iter().map(String::as_str))?,
        };
        BPE::new(
            j.vocab.into_iter().collect(),
            merges,
            BpeOptions {
                dropout: j.dropout,
                unk_token: j.unk_token,
                continuing_subword_prefix: j.continuing_subword_prefix,
                end_of_word_suffix: j.end_of_word_suffix,
                fuse_unk: j.fuse_unk,
                byte_fallback: j.byte_fallback,
                ignore_merges: j.ignore_merges,
            },
        )
    }
}

/// "a b" lines to pairs; a line without exactly one space is an error naming its rank.
fn parse_merge_lines<'a, I: Iterator<Item = &'a str>>(
    lines: I,
) -> std::result::Result<Vec<(String, String)>, BpeError> {
    lines
        .enumerate()
        .map(|(rank, line)| {
            let mut parts = line.split(' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(b), None) => Ok((a.to_owned(), b.to_owned())),
                _ => Err(BpeError::BadMerge {
                    rank,
                    line: line.to_owned(),
                }),
            }
        })
        .collect()
}

impl BPE {
    /// Builds the model; every merge's parts and result must be in `vocab`.
    pub fn new(
        vocab: Vocab,
        merges: Vec<(String, String)>,
        options: BpeOptions,
    ) -> std::result::Result<Self, BpeError> {
        if let Some(d) = options.dropout {
            if !(0.0..=1.0).contains(&d) {
                return Err(BpeError::InvalidDropout(d));
            }
        }
        let prefix_len = options
            .continuing_subword_prefix
            .as_ref()
            .map_or(0, String::len);
        let mut map = MergeMap::default();
        let mut merge_list = Vec::with_capacity(merges.len());
        let id = |rank: usize, t: &str| {
            vocab
                .get(t)
                .copied()
                .ok_or_else(|| BpeError::MergeTokenOutOfVocabulary {
                    rank,
                    token: t.to_owned(),
                })
        };
        for (rank, (a, b)) in merges.iter().enumerate() {
            let (a_id, b_id) = (id(rank, a)?, id(rank, b)?);
            // The merged token drops the right part's continuation prefix ("a" + "##b" = "ab").
            let tail = b.get(prefix_len..).unwrap_or("");
            let new_id = id(rank, &format!("{a}{tail}"))?;
            // A repeated pair keeps its last rank, as HF's map insert does.
            map.insert((a_id, b_id), (rank as u32, new_id));
            merge_list.push((a_id, b_id));
        }
        let byte_ids = options.byte_fallback.then(|| {
            let mut ids = Box::new([None; 256]);
            for (b, slot) in ids.iter_mut().enumerate() {
                *slot = vocab.get(&format!("<0x{b:02X}>")).copied();
            }
            ids
        });
        let unk_id = match &options.unk_token {
            None => None,
            Some(u) => vocab.get(u).copied(),
        };
        Ok(Self {
            vocab_r: reverse_vocab(&vocab),
            vocab,
            merge_list,
            merges: map,
            cache: Some(RwLock::new(HashMap::default())),
            byte_ids,
            unk_id,
            options,
        })
    }

    /// Reads GPT-2's `vocab.json` (token -> id) and `merges.txt` (`#version` line, then one
    /// "a b" merge per line).
    pub fn read_files(
        vocab_path: &str,
        merges_path: &str,
    ) -> Result<(Vocab, Vec<(String, String)>)> {
        let text = crate::error::read_text_file(vocab_path)?;
        let vocab: HashMap<String, u32> =
            serde_json::from_str(&text).map_err(|e| Error::InvalidFile {
                path: vocab_path.to_owned(),
                line: e.line(),
                message: format!("expected a JSON object of token -> id: {e}"),
            })?;
        let text = crate::error::read_text_file(merges_path)?;
        let mut merges = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if i == 0 && line.starts_with("#version") {
                continue;
            }
            let mut parts = line.split(' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(b), None) => merges.push((a.to_owned(), b.to_owned())),
                _ => {
                    return Err(Error::InvalidFile {
                        path: merges_path.to_owned(),
                        line: i + 1,
                        message: format!(
                            "expected two tokens separated by one space, found '{line}'"
                        ),
                    })
                }
            }
        }
        Ok((vocab.into_iter().collect(), merges))
    }

    /// Drops every cached word.
    pub fn clear_cache(&self) {
        if let Some(c) = &self.cache {
            if let Ok(mut c) = c.write() {
                c.clear();
            }
        }
    }

    fn merge_word(&self, w: &str) -> Result<Word> {
        let o = &self.options;
        let mut word = Word::with_capacity(w.len());
        // A pending unknown token: (id, byte length), flushed before the next known symbol.
        let mut unk: Option<(u32, usize)> = None;
        let mut buf = String::new();
        let mut chars = w.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let is_last = chars.peek().is_none();
            let piece = &w[i..i + c.len_utf8()];
            let byte_len = piece.len();
            // The symbol as the vocab spells it: prefix on all but the first, suffix on the last.
            let prefix = o
                .continuing_subword_prefix
                .as_deref()
                .filter(|p| i > 0 && !p.is_empty());
            let suffix = o
                .end_of_word_suffix
                .as_deref()
                .filter(|x| is_last && !x.is_empty());
            let key: &str = if prefix.is_none() && suffix.is_none() {
                piece
            } else {
                buf.clear();
                buf.push_str(prefix.unwrap_or(""));
                buf.push_str(piece);
                buf.push_str(suffix.unwrap_or(""));
                &buf
            };
            if let Some(&id) = self.vocab.get(key) {
                if let Some((u, l)) = unk.take() {
                    word.add(u, l);
                }
                word.add(id, byte_len);
                continue;
            }
            if let Some(ids) = &self.byte_ids {
                // Every byte of the symbol (prefix and suffix included, as HF) must have a token.
                let bytes: Option<Vec<u32>> = key.bytes().map(|b| ids[b as usize]).collect();
                if let Some(bytes) = bytes {
                    for id in bytes {
                        word.add(id, 1);
                    }
                    continue;
                }
            }
            if let Some(u) = &o.unk_token {
                let unk_id = self.unk_id.ok_or_else(|| Error::MissingToken {
                    field: "model.unk_token".to_owned(),
                    token: u.clone(),
                })?;
                unk = match unk {
                    Some((id, len)) if o.fuse_unk => Some((id, len + byte_len)),
                    Some((id, len)) => {
                        word.add(id, len);
                        Some((unk_id, byte_len))
                    }
                    None => Some((unk_id, byte_len)),
                };
            }
            // No unk_token: the char is dropped, as HF does.
        }
        if let Some((u, l)) = unk {
            word.add(u, l);
        }
        word.merge_all(&self.merges, o.dropout);
        Ok(word)
    }

    fn to_tokens<I: Iterator<Item = (u32, (usize, usize))>>(&self, it: I) -> Vec<Token> {
        it.map(|(id, offsets)| {
            let value = self.vocab_r.get(&id).cloned().unwrap_or_default();
            Token::new(id, value, offsets)
        })
        .collect()
    }
}

impl Serialize for BPE {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let o = &self.options;
        // Field order as HF writes it (the wrapper adds `type` first).
        let mut st = s.serialize_struct("BPE", 9)?;
        st.serialize_field("dropout", &o.dropout)?;
        st.serialize_field("unk_token", &o.unk_token)?;
        st.serialize_field("continuing_subword_prefix", &o.continuing_subword_prefix)?;
        st.serialize_field("end_of_word_suffix", &o.end_of_word_suffix)?;
        st.serialize_field("fuse_unk", &o.fuse_unk)?;
        st.serialize_field("byte_fallback", &o.byte_fallback)?;
        st.serialize_field("ignore_merges", &o.ignore_merges)?;
        st.serialize_field("vocab", &OrderedVocab(&self.vocab))?;
        let merges: Vec<(&str, &str)> = self
            .merge_list
            .iter()
            .map(|(a, b)| {
                let t = |id: &u32| self.vocab_r.get(id).map_or("", String::as_str);
                (t(a), t(b))
            })
            .collect();
        st.serialize_field("merges", &merges)?;
        st.end()
    }
}

impl Model for BPE {
    fn tokenize(&self, sequence: &str) -> Result<Vec<Token>> {
        if sequence.is_empty() {
            return Ok(Vec::new());
        }
        let deterministic = self.options.dropout.is_none_or(|d| d == 0.0);
        if !deterministic {
            let word = self.merge_word(sequence)?;
            return Ok(self.to_tokens(word.tokens()));
        }
        if self.options.ignore_merges {
            if let Some(&id) = self.vocab.get(sequence) {
                return Ok(vec![Token::new(
                    id,
                    sequence.to_owned(),
                    (0, sequence.len()),
                )]);
            }
        }
        let cache = self
            .cache
            .as_ref()
            .filter(|_| sequence.len() < CACHE_MAX_WORD);
        if let Some(c) = cache {
            if let Ok(map) = c.try_read() {
                if let Some(hit) = map.get(sequence) {
                    let mut pos = 0usize;
                    return Ok(self.to_tokens(hit.iter().map(|&(id, len)| {
                        let start = pos;
                        pos += len as usize;
                        (id, (start, pos))
                    })));
                }
            }
        }
        let word = self.merge_word(sequence)?;
        if let Some(c) = cache {
            if let Ok(mut map) = c.try_write() {
                if map.len() < CACHE_CAPACITY {
                    map.insert(
                        sequence.to_owned(),
                        word.symbols.iter().map(|s| (s.id, s.len)).collect(),
                    );
                }
            }
        }
        Ok(self.to_tokens(word.tokens()))
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

    fn vocab(tokens: &[&str]) -> Vocab {
        tokens
            .iter()
            .enumerate()
            .map(|(i, t)| ((*t).to_owned(), i as u32))
            .collect()
    }

    fn pairs(m: &[(&str, &str)]) -> Vec<(String, String)> {
        m.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    fn toks(b: &BPE, s: &str) -> Vec<(String, (usize, usize))> {
        b.tokenize(s)
            .unwrap()
            .into_iter()
            .map(|t| (t.value, t.offsets))
            .collect()
    }

    #[test]
    fn merges_lowest_rank_first() {
        let v = vocab(&[
            "u",
            "n",
            "r",
            "e",
            "l",
            "a",
            "t",
            "d",
            "re",
            "at",
            "ed",
            "un",
            "ated",
            "rel",
            "related",
            "unrelated",
        ]);
        let m = pairs(&[
            ("r", "e"),
            ("a", "t"),
            ("e", "d"),
            ("u", "n"),
            ("at", "ed"),
            ("re", "l"),
            ("rel", "ated"),
            ("un", "related"),
        ]);
        let b = BPE::new(v, m, BpeOptions::default()).unwrap();
        assert_eq!(
            toks(&b, "unrelated"),
            vec![("unrelated".to_owned(), (0, 9))]
        );
        // Cached the second time: same answer.
        assert_eq!(
            toks(&b, "unrelated"),
            vec![("unrelated".to_owned(), (0, 9))]
        );
        let mut o = BpeOptions::default();
        o.dropout = Some(1.0);
        let v = vocab(&["a", "b", "ab"]);
        let b = BPE::new(v, pairs(&[("a", "b")]), o).unwrap();
        assert_eq!(toks(&b, "ab").len(), 2);
    }

    #[test]
    fn unknown_chars_fused_or_not_and_byte_fallback() {
        let v = vocab(&["<unk>", "a", "b", "<0x63>"]);
        let mut o = BpeOptions {
            unk_token: Some("<unk>".to_owned()),
            ..Default::default()
        };
        let b = BPE::new(v.clone(), vec![], o.clone()).unwrap();
        assert_eq!(
            toks(&b, "axxb").iter().map(|t| t.1).collect::<Vec<_>>(),
            vec![(0, 1), (1, 2), (2, 3), (3, 4)]
        );
        o.fuse_unk = true;
        let b = BPE::new(v.clone(), vec![], o.clone()).unwrap();
        assert_eq!(toks(&b, "axxb")[1], ("<unk>".to_owned(), (1, 3)));
        o.byte_fallback = true;
        let b = BPE::new(v, vec![], o).unwrap();
        assert_eq!(toks(&b, "cx")[0], ("<0x63>".to_owned(), (0, 1)));
        assert_eq!(toks(&b, "cx")[1], ("<unk>".to_owned(), (1, 2)));
    }

    #[test]
    fn prefix_and_suffix() {
        let v = vocab(&[
            "a", "##b", "##c", "ab", "abc", "c</w>", "##c</w>", "abc</w>",
        ]);
        let o = BpeOptions {
            continuing_subword_prefix: Some("##".to_owned()),
            ..Default::default()
        };
        let b = BPE::new(v, pairs(&[("a", "##b"), ("ab", "##c")]), o).unwrap();
        assert_eq!(toks(&b, "abc"), vec![("abc".to_owned(), (0, 3))]);
    }

    #[test]
    fn json_both_merge_forms_and_errors() {
        let a: BPE =
            serde_json::from_str(r#"{"vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}"#).unwrap();
        let b: BPE =
            serde_json::from_str(r#"{"vocab":{"a":0,"b":1,"ab":2},"merges":[["a","b"]]}"#).unwrap();
        assert_eq!(a, b);
        let e =
            serde_json::from_str::<BPE>(r#"{"vocab":{"a":0,"b":1},"merges":["a b"]}"#).unwrap_err();
        assert!(e.to_string().contains("'ab' is not in the vocab"), "{e}");
        let e = serde_json::from_str::<BPE>(r#"{"vocab":{"a":0},"merges":["a"]}"#).unwrap_err();
        assert!(e.to_string().contains("merges[0]"), "{e}");
        let e =
            serde_json::from_str::<BPE>(r#"{"dropout":1.5,"vocab":{},"merges":[]}"#).unwrap_err();
        assert!(e.to_string().contains("dropout"), "{e}");
    }
}
