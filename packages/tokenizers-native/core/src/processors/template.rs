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

    fn apply(
        &self,
        template: &[Piece],
        mut a: Encoding,
        mut b: Option<Encoding>,
        add_special: bool,
    ) -> Result<Encoding> {
        // 1. Overflowing parts: each of A's with B (and B's parts), then A with B's parts.
        let b_over = b
            .as_mut()
            .map_or_else(Vec::new, |e| std::mem::take(&mut e.overflowing));
        let mut overflowing = Vec::new();
        for a_o in std::mem::take(&mut a.overflowing) {
            overflowing.push(self.apply(template, a_o.clone(), b.clone(), add_special)?);
            for b_o in &b_over {
                overflowing.push(self.apply(
                    template,
                    a_o.clone(),
                    Some(b_o.clone()),
                    add_special,
                )?);
            }
        }
        for b_o in b_over {
            overflowing.push(self.apply(template, a.clone(), Some(b_o), add_special)?);
        }
        // 2. Lay out the pieces.
        let mut out = Encoding::default();
        for piece in template {
            match piece {
                Piece::Sequence { id, type_id } => {
                    let (seq, e) = match id {
                        SequenceId::A => (0, &a),
                        SequenceId::B => (
                            1,
                            b.as_ref().ok_or_else(|| Error::InvalidConfig {
                                field: "post_processor.single".to_owned(),
                                message: "the template uses $B but only one sequence was given"
                                    .to_owned(),
                            })?,
                        ),
                    };
                    let start = out.len();
                    out.ids.extend(&e.ids);
                    out.type_ids
                        .extend(std::iter::repeat(*type_id).take(e.len()));
                    out.tokens.extend(e.tokens.iter().cloned());
                    out.words.extend(&e.words);
                    out.offsets.extend(&e.offsets);
                    out.special_tokens_mask.extend(&e.special_tokens_mask);
                    out.attention_mask.extend(&e.attention_mask);
                    let end = out.len();
                    match out.sequence_ranges.iter_mut().find(|(s, _)| *s == seq) {
                        Some(r) => r.1 = (start, end),
                        None => out.sequence_ranges.push((seq, (start, end))),
                    }
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
                    for (tid, tok) in t.ids.iter().zip(&t.tokens) {
                        out.ids.push(*tid);
                        out.type_ids.push(*type_id);
                        out.tokens.push(tok.clone());
                        out.words.push(None);
                        out.offsets.push((0, 0));
                        out.special_tokens_mask.push(1);
                        out.attention_mask.push(1);
                    }
                }
            }
        }
        out.overflowing = overflowing;
        Ok(out)
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
