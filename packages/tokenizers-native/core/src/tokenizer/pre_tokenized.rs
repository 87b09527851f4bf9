//! Pieces of a normalized string produced by pre-tokenization.

use super::normalized::{NormalizedString, Offsets};

/// One piece (usually a word) of the normalized text, with the original byte range of each of
/// its bytes. Alignments are absolute, so a piece needs no reference to its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub normalized: String,
    pub alignments: Vec<Offsets>,
}

/// What to do with the chars a split matches, as HF's `SplitDelimiterBehavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitDelimiterBehavior {
    Removed,
    Isolated,
}

/// A split plus, once known, its tokens (added tokens get theirs before pre-tokenization; the
/// model fills in the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub split: Split,
    pub tokens: Option<Vec<super::Token>>,
}

impl From<NormalizedString> for Split {
    fn from(n: NormalizedString) -> Self {
        let (normalized, alignments) = n.into_parts();
        Self {
            normalized,
            alignments,
        }
    }
}

impl Split {
    /// Byte range of this piece in the original text; empty pieces have none.
    pub fn original_offsets(&self) -> Option<Offsets> {
        let first = self.alignments.first()?;
        let last = self.alignments.last()?;
        Some((first.0, last.1))
    }

    pub(crate) fn slice(&self, start: usize, end: usize) -> Split {
        Split {
            normalized: self.normalized[start..end].to_owned(),
            alignments: self.alignments[start..end].to_vec(),
        }
    }

    /// Splits on every char where `is_delim` holds. Empty pieces are dropped.
    pub fn split_on_char<F: Fn(char) -> bool>(
        &self,
        is_delim: F,
        behavior: SplitDelimiterBehavior,
    ) -> Vec<Split> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in self.normalized.char_indices() {
            if is_delim(c) {
                if start < i {
                    out.push(self.slice(start, i));
                }
                let end = i + c.len_utf8();
                if behavior == SplitDelimiterBehavior::Isolated {
                    out.push(self.slice(i, end));
                }
                start = end;
            }
        }
        if start < self.normalized.len() {
            out.push(self.slice(start, self.normalized.len()));
        }
        out
    }
}
