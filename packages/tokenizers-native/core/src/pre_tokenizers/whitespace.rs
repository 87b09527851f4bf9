//! `Whitespace` (words `\w+` and punctuation runs `[^\w\s]+`, spaces dropped) and
//! `WhitespaceSplit` (split on whitespace only).

use crate::tokenizer::pre_tokenized::SplitDelimiterBehavior;
use crate::tokenizer::{PreTokenizer, Split};
use crate::Result;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Oniguruma's Unicode `\w` (HF compiles `\w+|[^\w\s]+` with it): UTS #18's word chars
/// (Alphabetic, Mark, Decimal_Number, Connector_Punctuation, Join_Control: ZWJ is a word
/// char), which is also regex-syntax's `\w`.
fn is_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    static RANGES: OnceLock<Vec<(u32, u32)>> = OnceLock::new();
    let r = RANGES.get_or_init(|| {
        use regex_syntax::hir::{Class, HirKind};
        match regex_syntax::Parser::new()
            .parse(r"\w")
            .map(|h| h.into_kind())
        {
            Ok(HirKind::Class(Class::Unicode(c))) => c
                .ranges()
                .iter()
                .map(|r| (r.start() as u32, r.end() as u32))
                .collect(),
            _ => Vec::new(),
        }
    });
    let cp = c as u32;
    let i = r.partition_point(|&(_, hi)| hi < cp);
    r.get(i).is_some_and(|&(lo, _)| lo <= cp)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Whitespace {}

impl PreTokenizer for Whitespace {
    fn pre_tokenize(&self, splits: Vec<Split>) -> Result<Vec<Split>> {
        let mut out = Vec::with_capacity(splits.len() * 4);
        for s in splits {
            // Runs of one kind (word / other), whitespace ends a run and is dropped.
            let mut start: Option<(usize, bool)> = None;
            for (i, c) in s.normalized.char_indices() {
                let kind = if c.is_whitespace() {
                    None
                } else {
                    Some(is_word(c))
                };
                match (start, kind) {
                    (Some((st, k)), Some(k2)) if k == k2 => {
                        let _ = st;
                    }
                    (Some((st, _)), _) => {
                        out.push(s.slice(st, i));
                        start = kind.map(|k| (i, k));
                    }
                    (None, _) => start = kind.map(|k| (i, k)),
                }
            }
            if let Some((st, _)) = start {
                out.push(s.slice(st, s.normalized.len()));
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhitespaceSplit {}

impl PreTokenizer for WhitespaceSplit {
    fn pre_tokenize(&self, splits: Vec<Split>) -> Result<Vec<Split>> {
        Ok(splits
            .iter()
            .flat_map(|s| s.split_on_char(char::is_whitespace, SplitDelimiterBehavior::Removed))
            .collect())
    }
}
