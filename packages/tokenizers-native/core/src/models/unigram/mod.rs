//! Unigram (SentencePiece's unigram language model, as used by ALBERT, T5, XLNet): each piece
//! has a log-probability `score`; a word is cut into the pieces whose scores sum highest
//! (Viterbi over the lattice of all vocabulary matches).

mod trie;

use super::Vocab;
use crate::tokenizer::{Model, Token};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use thiserror::Error as ThisError;
use trie::Trie;

/// An unknown char scores this much below the worst piece, so any path through known pieces
/// beats it (SentencePiece's `kUnkPenalty`).
const K_UNK_PENALTY: f64 = 10.0;

/// Why a Unigram model cannot be built from its vocabulary.
#[derive(Debug, Clone, PartialEq, ThisError)]
pub enum UnigramError {
    #[error(
        "unk_id is {unk_id} but the vocab is empty; add pieces to vocab or set unk_id to null"
    )]
    EmptyVocabulary { unk_id: usize },
    #[error(
        "unk_id {unk_id} is out of range: the vocab has {vocab_size} pieces (ids 0..{vocab_size})"
    )]
    UnkIdNotInVocabulary { unk_id: usize, vocab_size: usize },
    #[error("vocab has {vocab_size} pieces; ids must fit in 32 bits")]
    VocabularyTooLarge { vocab_size: usize },
}

/// The `tokenizer.json` form: `{"type":"Unigram","unk_id":1,"vocab":[["▁the",-3.1],...],
/// "byte_fallback":false}`.
#[derive(Deserialize)]
struct UnigramJson {
    #[serde(default)]
    unk_id: Option<usize>,
    vocab: Vec<(String, f64)>,
    #[serde(default)]
    byte_fallback: bool,
}

/// A Unigram model: pieces with scores (id = position in `vocab`), an optional unknown piece,
/// and optional byte fallback (unknown text spelled as `<0xNN>` pieces).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "UnigramJson")]
pub struct Unigram {
    vocab: Vec<(String, f64)>,
    /// `vocab[i].1`, contiguous for the lattice's inner loop.
    scores: Vec<f64>,
    token_to_ids: Vocab,
    trie: Trie,
    min_score: f64,
    unk_id: Option<usize>,
    byte_fallback: bool,
}

impl TryFrom<UnigramJson> for Unigram {
    type Error = UnigramError;
    fn try_from(j: UnigramJson) -> std::result::Result<Self, UnigramError> {
        Unigram::from_vocab(j.vocab, j.unk_id, j.byte_fallback)
    }
}

impl PartialEq for Unigram {
    fn eq(&self, other: &Self) -> bool {
        self.vocab == other.vocab
            && self.unk_id == other.unk_id
            && self.byte_fallback == other.byte_fallback
    }
}

impl Serialize for Unigram {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // Field order as HF writes it (the wrapper adds `type` first).
        let mut st = s.serialize_struct("Unigram", 3)?;
        st.serialize_field("unk_id", &self.unk_id)?;
        st.serialize_field("vocab", &self.vocab)?;
        st.serialize_field("byte_fallback", &self.byte_fallback)?;
        st.end()
    }
}

/// Best path ending at one byte position of the word (Viterbi's forward pass).
#[derive(Debug, Clone, Copy)]
struct BestPathNode {
    /// Id of the last piece on the path (`unk_id` for an unknown char).
    id: usize,
    /// Total score of the path.
    score: f64,
    /// Where the last piece starts; `None` while no path reaches this position.
    starts_at: Option<usize>,
}

impl Unigram {
    /// Builds the model. `vocab[i]` is piece `i` with its score; when a piece appears twice, the
    /// later id wins lookups (as HF).
    pub fn from_vocab(
        vocab: Vec<(String, f64)>,
        unk_id: Option<usize>,
        byte_fallback: bool,
    ) -> std::result::Result<Self, UnigramError> {
        if let Some(unk_id) = unk_id {
            if vocab.is_empty() {
                return Err(UnigramError::EmptyVocabulary { unk_id });
            }
            if unk_id >= vocab.len() {
                return Err(UnigramError::UnkIdNotInVocabulary {
                    unk_id,
                    vocab_size: vocab.len(),
                });
            }
        }
        if u32::try_from(vocab.len()).is_err() {
            return Err(UnigramError::VocabularyTooLarge {
                vocab_size: vocab.len(),
            });
        }
        let mut token_to_ids = Vocab::default();
        let mut trie = Trie::default();
        let mut min_score = f64::INFINITY;
        for (id, (piece, score)) in vocab.iter().enumerate() {
            token_to_ids.insert(piece.clone(), id as u32);
            trie.insert(piece.as_bytes(), id as u32);
            if *score < min_score {
                min_score = *score;
            }
        }
        Ok(Self {
            scores: vocab.iter().map(|(_, s)| *s).collect(),
            vocab,
            token_to_ids,
            trie,
            min_score,
            unk_id,
            byte_fallback,
        })
    }

    pub fn unk_id(&self) -> Option<usize> {
        self.unk_id
    }

    pub fn byte_fallback(&self) -> bool {
        self.byte_fallback
    }

    /// The pieces and their scores, in id order.
    pub fn vocab(&self) -> &[(String, f64)] {
        &self.vocab
    }

    fn missing_unk() -> Error {
        Error::InvalidConfig {
            field: "model.unk_id".to_owned(),
            message: "the text has a char no piece covers, and the Unigram model has no unk_id; \
                      set unk_id or enable byte_fallback with <0x00>..<0xFF> pieces"
                .to_owned(),
        }
    }

    /// Cuts `sentence` into the highest-scoring pieces. Runs of unknown chars come back fused
    /// into one string (as HF's `fuse_unk`). Returns `[start, end)` byte ranges with the piece id,
    /// or `None` for an unknown run.
    ///
    /// Steps (SentencePiece's `EncodeOptimized`):
    /// 1. forward: for each char boundary `i` reached by a path, extend the best path to `i`
    ///    with every piece matching at `i`; if no piece covers exactly the char at `i`, add an
    ///    unknown node for that char scoring `min_score - 10`;
    /// 2. backward: follow `starts_at` from the end, fusing consecutive unknown nodes.
    fn segment(&self, sentence: &str) -> Result<Vec<(usize, usize, Option<u32>)>> {
        let size = sentence.len();
        if size == 0 {
            return Ok(Vec::new());
        }
        let bytes = sentence.as_bytes();
        let unk_score = self.min_score - K_UNK_PENALTY;
        let empty = BestPathNode {
            id: 0,
            score: 0.0,
            starts_at: None,
        };
        let mut best = vec![empty; size + 1];
        // 1. Forward pass, one char at a time.
        for (starts_at, c) in sentence.char_indices() {
            let score_till_here = best[starts_at].score;
            let char_len = c.len_utf8();
            let mut has_single_node = false;
            self.trie
                .common_prefix_search(&bytes[starts_at..], |len, id| {
                    let id = id as usize;
                    let score = self.scores[id] + score_till_here;
                    let target = &mut best[starts_at + len];
                    if target.starts_at.is_none() || score > target.score {
                        *target = BestPathNode {
                            id,
                            score,
                            starts_at: Some(starts_at),
                        };
                    }
                    if len == char_len {
                        has_single_node = true;
                    }
                });
            if !has_single_node {
                let unk_id = self.unk_id.ok_or_else(Self::missing_unk)?;
                let score = unk_score + score_till_here;
                let target = &mut best[starts_at + char_len];
                if target.starts_at.is_none() || score > target.score {
                    *target = BestPathNode {
                        id: unk_id,
                        score,
                        starts_at: Some(starts_at),
                    };
                }
            }
        }
        // 2. Backward pass from the end, fusing runs of unknown nodes.
        let mut out: Vec<(usize, usize, Option<u32>)> = Vec::new();
        let mut ends_at = size;
        let mut unk_run_end: Option<usize> = None;
        while ends_at > 0 {
            let node = best[ends_at];
            // Every char boundary is reached (an unknown node covers any char), so a path
            // always exists; a missing link would mean a bug, reported instead of looping.
            let Some(starts_at) = node.starts_at else {
                return Err(Error::InvalidConfig {
                    field: "model".to_owned(),
                    message: format!("Unigram lattice has no path to byte {ends_at}"),
                });
            };
            if self.unk_id == Some(node.id) {
                unk_run_end.get_or_insert(ends_at);
            } else {
                if let Some(end) = unk_run_end.take() {
                    out.push((ends_at, end, None));
                }
                out.push((starts_at, ends_at, Some(node.id as u32)));
            }
            ends_at = starts_at;
        }
        if let Some(end) = unk_run_end {
            out.push((0, end, None));
        }
        out.reverse();
        Ok(out)
    }

    /// The pieces of `sentence` as strings (unknown runs fused), as HF's `Unigram::encode`.
    pub fn encode(&self, sentence: &str) -> Result<Vec<String>> {
        Ok(self
            .segment(sentence)?
            .into_iter()
            .map(|(s, e, _)| sentence[s..e].to_owned())
            .collect())
    }
}

impl Model for Unigram {
    /// Token values are the text they cover (an unknown run keeps its text, with `unk_id`);
    /// with byte fallback an unknown run becomes one `<0xNN>` token per byte, each carrying the
    /// offsets of the whole run, if every byte has a piece.
    fn tokenize(&self, word: &str) -> Result<Vec<Token>> {
        let segments = self.segment(word)?;
        let mut tokens = Vec::with_capacity(segments.len());
        for (start, end, id) in segments {
            let piece = &word[start..end];
            let offsets = (start, end);
            // A lattice node's id is already `token_to_ids[piece]` (the trie stores it); only an
            // unknown run needs the lookup (as HF, in case the fused text is itself a piece).
            if let Some(id) = id.or_else(|| self.token_to_ids.get(piece).copied()) {
                tokens.push(Token::new(id, piece.to_owned(), offsets));
                continue;
            }
            if self.byte_fallback {
                let bytes: Option<Vec<Token>> = piece
                    .bytes()
                    .map(|b| {
                        let name = format!("<0x{b:02X}>");
                        self.token_to_ids
                            .get(&name)
                            .map(|&id| Token::new(id, name, offsets))
                    })
                    .collect();
                if let Some(bytes) = bytes {
                    tokens.extend(bytes);
                    continue;
                }
            }
            let unk_id = self.unk_id.ok_or_else(Self::missing_unk)?;
            tokens.push(Token::new(unk_id as u32, piece.to_owned(), offsets));
        }
        Ok(tokens)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.token_to_ids.get(token).copied()
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.vocab.get(id as usize).map(|(p, _)| p.as_str())
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        self.token_to_ids
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.vocab.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(pieces: &[(&str, f64)], unk_id: Option<usize>, byte_fallback: bool) -> Unigram {
        let vocab = pieces.iter().map(|(p, s)| ((*p).to_owned(), *s)).collect();
        match Unigram::from_vocab(vocab, unk_id, byte_fallback) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    fn toks(m: &Unigram, s: &str) -> Vec<(u32, String, (usize, usize))> {
        match m.tokenize(s) {
            Ok(t) => t.into_iter().map(|t| (t.id, t.value, t.offsets)).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn viterbi_prefers_the_best_total_score() {
        let m = model(
            &[
                ("<unk>", 0.0),
                ("a", -1.0),
                ("b", -1.0),
                ("ab", -3.0),
                ("abc", -1.5),
                ("c", -1.0),
            ],
            Some(0),
            false,
        );
        // "ab" (-3) loses to "a"+"b" (-2); "abc" (-1.5) beats "a"+"b"+"c" (-3).
        assert_eq!(m.encode("ab").ok(), Some(vec!["a".into(), "b".into()]));
        assert_eq!(m.encode("abc").ok(), Some(vec!["abc".into()]));
    }

    #[test]
    fn unknown_runs_fuse_and_keep_their_text() {
        let m = model(&[("<unk>", 0.0), ("a", -1.0)], Some(0), false);
        assert_eq!(
            toks(&m, "xyaé<unk>z"),
            vec![
                (0, "xy".into(), (0, 2)),
                (1, "a".into(), (2, 3)),
                (0, "é<unk>z".into(), (3, 11)),
            ]
        );
    }

    #[test]
    fn byte_fallback_spells_unknown_runs_or_gives_up_whole() {
        let m = model(
            &[
                ("<unk>", 0.0),
                ("a", -1.0),
                ("<0x62>", -1.0),
                ("<0xC3>", -2.0),
                ("<0xA9>", -2.0),
            ],
            Some(0),
            true,
        );
        // "é" is <0xC3><0xA9>: both bytes have pieces, so the run is spelled out.
        assert_eq!(
            toks(&m, "aé"),
            vec![
                (1, "a".into(), (0, 1)),
                (3, "<0xC3>".into(), (1, 3)),
                (4, "<0xA9>".into(), (1, 3))
            ]
        );
        // 'c' (0x63) has no byte piece: the whole run "bcéb" is one unknown token.
        assert_eq!(
            toks(&m, "abcéb"),
            vec![(1, "a".into(), (0, 1)), (0, "bcéb".into(), (1, 6))]
        );
    }

    #[test]
    fn missing_unk_id_is_an_error_only_when_needed() {
        let m = model(&[("a", -1.0)], None, false);
        assert_eq!(toks(&m, "aa").len(), 2);
        assert!(matches!(m.tokenize("ab"), Err(Error::InvalidConfig { .. })));
    }

    #[test]
    fn rejects_bad_unk_id() {
        assert_eq!(
            Unigram::from_vocab(vec![("a".into(), -1.0)], Some(5), false).err(),
            Some(UnigramError::UnkIdNotInVocabulary {
                unk_id: 5,
                vocab_size: 1
            })
        );
        assert_eq!(
            Unigram::from_vocab(vec![], Some(0), false).err(),
            Some(UnigramError::EmptyVocabulary { unk_id: 0 })
        );
    }

    #[test]
    fn json_round_trip_in_hf_field_order() {
        let json = r#"{"unk_id":0,"vocab":[["<unk>",0.0],["▁a",-1.5]],"byte_fallback":false}"#;
        let m: Unigram = match serde_json::from_str(json) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(serde_json::to_string(&m).ok().as_deref(), Some(json));
        let bad = serde_json::from_str::<Unigram>(r#"{"unk_id":3,"vocab":[["a",0.0]]}"#);
        assert!(bad
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("out of range"));
    }
}
