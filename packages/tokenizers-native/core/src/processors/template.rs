//! Template post-processing: `"[CLS] $A [SEP]"`, `"[CLS] $A [SEP] $B:1 [SEP]:1"`, as HF's
//! `TemplateProcessing`, serialized as lists of pieces.

use crate::tokenizer::{Encoding, PostProcessor};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Which input a `Sequence` piece stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SequenceId {
    A,
    B,
}

/// One element of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Piece {
    Sequence { id: SequenceId, type_id: u32 },
    SpecialToken { id: String, type_id: u32 },
}

/// A named special token; one name may stand for several tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialToken {
    pub id: String,
    pub ids: Vec<u32>,
    pub tokens: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TemplateJson")]
pub struct TemplateProcessing {
    pub single: Vec<Piece>,
    pub pair: Vec<Piece>,
    /// Written sorted by name, as HF does.
    pub special_tokens: BTreeMap<String, SpecialToken>,
    #[serde(skip)]
    added_single: usize,
    #[serde(skip)]
    added_pair: usize,
}

#[derive(Deserialize)]
struct TemplateJson {
    single: Vec<Piece>,
    pair: Vec<Piece>,
    #[serde(default)]
    special_tokens: HashMap<String, SpecialToken>,
}

impl TryFrom<TemplateJson> for TemplateProcessing {
    type Error = String;
    fn try_from(j: TemplateJson) -> std::result::Result<Self, String> {
        let special_tokens: BTreeMap<String, SpecialToken> = j.special_tokens.into_iter().collect();
        for t in special_tokens.values() {
            if t.ids.len() != t.tokens.len() {
                return Err(format!(
                    "special token '{}' has {} ids but {} tokens; they must pair up",
                    t.id,
                    t.ids.len(),
                    t.tokens.len()
                ));
            }
        }
        for p in j.single.iter().chain(j.pair.iter()) {
            if let Piece::SpecialToken { id, .. } = p {
                if !special_tokens.contains_key(id) {
                    return Err(format!(
                        "template uses special token '{id}' which special_tokens does not define"
                    ));
                }
            }
        }
        let count = |t: &[Piece]| -> usize {
            t.iter()
                .map(|p| match p {
                    Piece::SpecialToken { id, .. } => {
                        special_tokens.get(id).map_or(0, |s| s.ids.len())
                    }
                    Piece::Sequence { .. } => 0,
                })
                .sum()
        };
        Ok(Self {
            added_single: count(&j.single),
            added_pair: count(&j.pair),
            single: j.single,
            pair: j.pair,
            special_tokens,
        })
    }
}

impl TemplateProcessing {
    /// Builds and checks a template (every special token it names must be defined).
    pub fn new(
        single: Vec<Piece>,
        pair: Vec<Piece>,
        special_tokens: Vec<SpecialToken>,
    ) -> Result<Self> {
        TemplateJson {
            single,
            pair,
            special_tokens: special_tokens
                .into_iter()
                .map(|t| (t.id.clone(), t))
                .collect(),
        }
        .try_into()
        .map_err(|message| Error::InvalidConfig {
            field: "post_processor".to_owned(),
            message,
        })
    }

    /// Lays out the template as HF does: each piece becomes an encoding (a sequence keeps its
    /// overflowing windows, a special token has none), then the pieces are merged in order.
    /// Merging is what gives the windows their special tokens and yields HF's overflowing
    /// layout for pairs: each window of A with B (holding B's windows nested), A's windows with
    /// each window of B, then A with each window of B (holding A's windows nested).
    fn apply(
        &self,
        template: &[Piece],
        a: Encoding,
        b: Option<Encoding>,
        add_special: bool,
    ) -> Result<Encoding> {
        // 1. Sequence ids on each input and its windows (as HF's default `process`).
        let mut inputs: Vec<Encoding> = std::iter::once(a).chain(b).collect();
        for (i, e) in inputs.iter_mut().enumerate() {
            e.set_sequence_id(i);
            for o in &mut e.overflowing {
                o.set_sequence_id(i);
            }
        }
        // 2. One encoding per piece; a sequence used once is moved, not cloned.
        let uses = |seq: usize| {
            template
                .iter()
                .filter(|p| matches!(p, Piece::Sequence { id, .. } if (*id == SequenceId::B) == (seq == 1)))
                .count()
        };
        let once = [uses(0) == 1, uses(1) == 1];
        let mut pieces: Vec<Encoding> = Vec::with_capacity(template.len());
        for piece in template {
            match piece {
                Piece::Sequence { id, type_id } => {
                    let i = usize::from(*id == SequenceId::B);
                    let e = inputs.get_mut(i).ok_or_else(|| Error::InvalidConfig {
                        field: "post_processor.single".to_owned(),
                        message: "the template uses $B but only one sequence was given".to_owned(),
                    })?;
                    // The type id goes on the tokens, not on the windows (as HF).
                    e.type_ids.iter_mut().for_each(|t| *t = *type_id);
                    pieces.push(if once[i] {
                        std::mem::take(e)
                    } else {
                        e.clone()
                    });
                }
                Piece::SpecialToken { id, type_id } => {
                    if !add_special {
                        continue;
                    }
                    let t = self
                        .special_tokens
                        .get(id)
                        .ok_or_else(|| Error::InvalidConfig {
                            field: "post_processor.special_tokens".to_owned(),
                            message: format!("missing special token '{id}'"),
                        })?;
                    let mut out = Encoding::with_capacity(t.ids.len());
                    for (tid, tok) in t.ids.iter().zip(&t.tokens) {
                        out.ids.push(*tid);
                        out.type_ids.push(*type_id);
                        out.tokens.push(tok.clone());
                        out.words.push(None);
                        out.offsets.push((0, 0));
                        out.special_tokens_mask.push(1);
                        out.attention_mask.push(1);
                    }
                    pieces.push(out);
                }
            }
        }
        // 3. Merge.
        Ok(Encoding::merge(pieces, false))
    }
}

impl PostProcessor for TemplateProcessing {
    fn added_tokens(&self, is_pair: bool) -> usize {
        if is_pair {
            self.added_pair
        } else {
            self.added_single
        }
    }

    fn process(
        &self,
        encoding: Encoding,
        pair: Option<Encoding>,
        add_special_tokens: bool,
    ) -> Result<Encoding> {
        let template = if pair.is_some() {
            &self.pair
        } else {
            &self.single
        };
        self.apply(template, encoding, pair, add_special_tokens)
    }
}
