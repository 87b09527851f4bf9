//! Tokens added on top of the model's vocabulary (`added_tokens` in `tokenizer.json`): they are
//! cut out of the input before the model sees it, each becoming exactly one token.

use super::pre_tokenized::Piece;
use super::{Model, NormalizedString, Normalizer, Split, Token};
use crate::normalizers::NormalizerWrapper;
use crate::Result;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// One added token and how it matches, with HF's field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedToken {
    pub content: String,
    /// Match only when not glued to word chars on either side.
    #[serde(default)]
    pub single_word: bool,
    /// Swallow the whitespace on the left.
    #[serde(default)]
    pub lstrip: bool,
    /// Swallow the whitespace on the right.
    #[serde(default)]
    pub rstrip: bool,
    /// Match against the normalized text (true) or the raw input (false).
    #[serde(default = "yes")]
    pub normalized: bool,
    /// Special tokens are skipped by `decode(.., skip_special_tokens)`.
    #[serde(default)]
    pub special: bool,
}

fn yes() -> bool {
    true
}

impl AddedToken {
    /// A token with HF's defaults: special tokens are not normalized, others are.
    pub fn new(content: &str, special: bool) -> Self {
        Self {
            content: content.to_owned(),
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: !special,
            special,
        }
    }
}

/// How `tokenizer.json` lists an added token: its id, then the token's fields.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AddedTokenWithId {
    pub id: u32,
    #[serde(flatten)]
    pub token: AddedToken,
}

/// An Aho-Corasick automaton (leftmost-longest) and the id of each pattern.
#[derive(Debug, Clone)]
struct MatchingSet {
    automaton: Option<AhoCorasick>,
    ids: Vec<u32>,
}

impl MatchingSet {
    fn new(patterns: &[String], ids: Vec<u32>) -> Self {
        let automaton = if patterns.is_empty() {
            None
        } else {
            // Building only fails for absurdly large pattern sets; then nothing matches, which
            // the caller cannot observe as anything but "no added token found".
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(patterns)
                .ok()
        };
        Self { automaton, ids }
    }
}

#[derive(Debug, Clone)]
pub struct AddedVocabulary {
    map: HashMap<String, u32>,
    map_r: HashMap<u32, AddedToken>,
    /// Non-special added tokens, in the order given.
    added: Vec<AddedToken>,
    /// Special tokens, in the order given.
    special: Vec<AddedToken>,
    special_set: HashSet<String>,
    /// For normalized tokens, their normalized form: what decoding yields (as HF).
    normalized_cache: HashMap<u32, String>,
    raw_set: MatchingSet,
    normalized_set: MatchingSet,
}

impl Default for AddedVocabulary {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            map_r: HashMap::new(),
            added: Vec::new(),
            special: Vec::new(),
            special_set: HashSet::new(),
            normalized_cache: HashMap::new(),
            raw_set: MatchingSet::new(&[], vec![]),
            normalized_set: MatchingSet::new(&[], vec![]),
        }
    }
}

fn is_word_char(c: char) -> bool {
    // Regex `\w` in Unicode mode: alphabetic, marks, decimal digits, connector punctuation,
    // join controls.
    use unicode_categories::UnicodeCategories;
    c.is_alphanumeric()
        || c.is_mark()
        || c.is_punctuation_connector()
        || c == '\u{200c}'
        || c == '\u{200d}'
}

impl AddedVocabulary {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn get_vocab(&self) -> &HashMap<String, u32> {
        &self.map
    }

    pub fn token_to_id(&self, token: &str, model: &dyn Model) -> Option<u32> {
        self.map
            .get(token)
            .copied()
            .or_else(|| model.token_to_id(token))
    }

    /// The string of an added token with this id, if any: its normalized form for tokens
    /// matched on normalized text, else its content (HF's `simple_id_to_token`).
    pub fn id_to_token(&self, id: u32) -> Option<&str> {
        let t = self.map_r.get(&id)?;
        Some(
            self.normalized_cache
                .get(&id)
                .map_or(t.content.as_str(), String::as_str),
        )
    }

    pub fn is_special_token(&self, token: &str) -> bool {
        self.special_set.contains(token)
    }

    /// Adds tokens (ids as HF assigns them: the model's id if the model knows the content,
    /// else the next id after the vocabulary and the added tokens). Returns how many were new.
    pub fn add_tokens(
        &mut self,
        tokens: &[AddedToken],
        model: &dyn Model,
        normalizer: Option<&NormalizerWrapper>,
    ) -> Result<usize> {
        for t in tokens {
            if t.special && !t.content.is_empty() && !self.special_set.contains(&t.content) {
                self.special.push(t.clone());
                self.special_set.insert(t.content.clone());
            }
        }
        let mut ignored = 0;
        for t in tokens {
            if t.content.is_empty() || self.map_r.values().any(|v| v == t) {
                ignored += 1;
                continue;
            }
            let id = match self.token_to_id(&t.content, model) {
                Some(id) => id,
                None => {
                    let size = model.get_vocab_size() as u32;
                    match self.map.values().copied().max() {
                        Some(max) if max >= size || size == 0 => max + 1,
                        _ => size,
                    }
                }
            };
            self.map.insert(t.content.clone(), id);
            self.map_r.insert(id, t.clone());
            if !self.special_set.contains(&t.content) {
                self.added.push(t.clone());
            }
        }
        self.refresh(model, normalizer)?;
        Ok(tokens.len() - ignored)
    }

    /// Rebuilds the two matchers: raw-text tokens and normalized-text tokens (whose patterns
    /// are themselves normalized).
    fn refresh(&mut self, model: &dyn Model, normalizer: Option<&NormalizerWrapper>) -> Result<()> {
        let (mut raw, mut raw_ids) = (Vec::new(), Vec::new());
        let (mut norm, mut norm_ids) = (Vec::new(), Vec::new());
        self.normalized_cache.clear();
        for t in self.special.iter().chain(self.added.iter()) {
            let Some(id) = self.token_to_id(&t.content, model) else {
                continue;
            };
            if t.normalized {
                let mut n = NormalizedString::from(t.content.as_str());
                if let Some(normalizer) = normalizer {
                    normalizer.normalize(&mut n)?;
                }
                norm.push(n.get().to_owned());
                norm_ids.push(id);
                if self.map_r.contains_key(&id) {
                    self.normalized_cache.insert(id, n.get().to_owned());
                }
            } else {
                raw.push(t.content.clone());
                raw_ids.push(id);
            }
        }
        self.raw_set = MatchingSet::new(&raw, raw_ids);
        self.normalized_set = MatchingSet::new(&norm, norm_ids);
        Ok(())
    }

    /// Cuts `sentence` into `(Some(id) | None, byte range)` pieces covering all of it.
    fn find_matches(
        &self,
        sentence: &str,
        set: &MatchingSet,
    ) -> Vec<(Option<u32>, (usize, usize))> {
        let Some(ac) = &set.automaton else {
            return vec![(None, (0, sentence.len()))];
        };
        if sentence.is_empty() {
            return vec![(None, (0, 0))];
        }
        let mut splits = Vec::new();
        let mut start_offset = 0;
        for m in ac.find_iter(sentence) {
            let (mut start, mut stop) = (m.start(), m.end());
            let id = set.ids[m.pattern().as_usize()];
            let Some(token) = self.map_r.get(&id) else {
                continue;
            };
            if token.single_word {
                let start_space = start == 0
                    || !sentence[..start]
                        .chars()
                        .next_back()
                        .is_some_and(is_word_char);
                let stop_space = stop == sentence.len()
                    || !sentence[stop..].chars().next().is_some_and(is_word_char);
                if !start_space || !stop_space {
                    continue;
                }
            }
            if token.lstrip {
                let trimmed = sentence[..start]
                    .trim_end_matches(char::is_whitespace)
                    .len();
                start = trimmed.max(start_offset);
            }
            if token.rstrip {
                let rest = &sentence[stop..];
                stop += rest.len() - rest.trim_start_matches(char::is_whitespace).len();
            }
            if start_offset < start {
                splits.push((None, (start_offset, start)));
            }
            splits.push((Some(id), (start, stop)));
            start_offset = stop;
        }
        if start_offset != sentence.len() {
            splits.push((None, (start_offset, sentence.len())));
        }
        splits
    }

    fn split_piece(&self, split: Split, set: &MatchingSet, out: &mut Vec<Piece>) {
        if set.automaton.is_none() {
            if !split.normalized.is_empty() {
                out.push(Piece {
                    split,
                    tokens: None,
                });
            }
            return;
        }
        for (id, (s, e)) in self.find_matches(&split.normalized, set) {
            if s == e {
                continue;
            }
            let piece = split.slice(s, e);
            let tokens = id.map(|id| {
                let len = piece.normalized.len();
                vec![Token::new(id, piece.normalized.clone(), (0, len))]
            });
            out.push(Piece {
                split: piece,
                tokens,
            });
        }
    }

    /// Step 1 of encoding: cut out raw-text added tokens, normalize the rest piece by piece,
    /// then cut out normalized added tokens. `base` is the byte position of `sequence` in the
    /// text offsets refer to (0 for a whole input).
    pub fn extract_and_normalize(
        &self,
        normalizer: Option<&NormalizerWrapper>,
        sequence: &str,
    ) -> Result<Vec<Piece>> {
        // 1. Raw-text added tokens.
        let mut first = Vec::new();
        if self.raw_set.automaton.is_none() {
            first.push((None, (0, sequence.len())));
        } else {
            first = self.find_matches(sequence, &self.raw_set);
        }
        let mut out = Vec::new();
        for (id, (s, e)) in first {
            if s == e {
                continue;
            }
            let piece = &sequence[s..e];
            if let Some(id) = id {
                let split = Split::from(NormalizedString::with_base(piece, s));
                let len = piece.len();
                out.push(Piece {
                    split,
                    tokens: Some(vec![Token::new(id, piece.to_owned(), (0, len))]),
                });
                continue;
            }
            // 2. Normalize the text between them.
            let mut n = NormalizedString::with_base(piece, s);
            if let Some(normalizer) = normalizer {
                normalizer.normalize(&mut n)?;
            }
            // 3. Normalized-text added tokens.
            self.split_piece(Split::from(n), &self.normalized_set, &mut out);
        }
        Ok(out)
    }

    /// The `added_tokens` array of `tokenizer.json`, by ascending id.
    pub(crate) fn to_list(&self) -> Vec<AddedTokenWithId> {
        let mut list: Vec<AddedTokenWithId> = self
            .map_r
            .iter()
            .map(|(id, t)| AddedTokenWithId {
                id: *id,
                token: t.clone(),
            })
            .collect();
        list.sort_by_key(|t| t.id);
        list
    }
}
