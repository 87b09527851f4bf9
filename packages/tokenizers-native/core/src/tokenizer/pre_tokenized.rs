//! Pieces of a normalized string produced by pre-tokenization.

use super::normalized::{NormalizedString, Offsets};

/// One piece (usually a word) of the normalized text, with the original byte range of each of
/// its bytes. Alignments are absolute, so a piece needs no reference to its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub normalized: String,
    pub alignments: Vec<Offsets>,
}

/// What to do with the chars a split matches, as HF's `SplitDelimiterBehavior` (same names
/// in `tokenizer.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SplitDelimiterBehavior {
    /// Matches are dropped.
    Removed,
    /// Each match is a piece of its own.
    Isolated,
    /// A match joins the piece before it.
    MergedWithPrevious,
    /// A match joins the piece after it.
    MergedWithNext,
    /// Consecutive matches form one piece (and so do consecutive non-matches).
    Contiguous,
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

    /// Splits by `matches`, `(range, is_match)` pairs that tile the text in order (HF's
    /// `find_matches` output), applying `behavior` exactly as HF's `NormalizedString::split`.
    /// Empty pieces are dropped.
    pub fn split_matches(
        &self,
        matches: Vec<((usize, usize), bool)>,
        behavior: SplitDelimiterBehavior,
    ) -> Vec<Split> {
        use SplitDelimiterBehavior as B;
        // (range, remove)
        let ranges: Vec<((usize, usize), bool)> = match behavior {
            B::Isolated => matches.into_iter().map(|(r, _)| (r, false)).collect(),
            B::Removed => matches,
            B::Contiguous => {
                let mut prev = false;
                let mut acc: Vec<((usize, usize), bool)> = Vec::new();
                for (r, m) in matches {
                    match acc.last_mut() {
                        Some(last) if m == prev => last.0 .1 = r.1,
                        _ => acc.push((r, false)),
                    }
                    prev = m;
                }
                acc
            }
            B::MergedWithPrevious => {
                let mut prev = false;
                let mut acc: Vec<((usize, usize), bool)> = Vec::new();
                for (r, m) in matches {
                    match acc.last_mut() {
                        Some(last) if m && !prev => last.0 .1 = r.1,
                        _ => acc.push((r, false)),
                    }
                    prev = m;
                }
                acc
            }
            B::MergedWithNext => {
                let mut prev = false;
                let mut acc: Vec<((usize, usize), bool)> = Vec::new();
                for (r, m) in matches.into_iter().rev() {
                    match acc.last_mut() {
                        Some(last) if m && !prev => last.0 .0 = r.0,
                        _ => acc.push((r, false)),
                    }
                    prev = m;
                }
                acc.reverse();
                acc
            }
        };
        ranges
            .into_iter()
            .filter(|((s, e), remove)| !remove && s < e)
            .map(|((s, e), _)| self.slice(s, e))
            .collect()
    }

    /// `(range, is_match)` for a char predicate: each matching char is its own match.
    pub fn char_matches<F: Fn(char) -> bool>(&self, f: F) -> Vec<((usize, usize), bool)> {
        let mut out = Vec::new();
        let mut last = 0;
        for (i, c) in self.normalized.char_indices() {
            if f(c) {
                if last < i {
                    out.push(((last, i), false));
                }
                let end = i + c.len_utf8();
                out.push(((i, end), true));
                last = end;
            }
        }
        if last < self.normalized.len() {
            out.push(((last, self.normalized.len()), false));
        }
        out
    }

    /// `(range, is_match)` from match ranges (sorted, disjoint), gaps included.
    pub fn range_matches(&self, found: &[(usize, usize)]) -> Vec<((usize, usize), bool)> {
        let mut out = Vec::with_capacity(found.len() * 2 + 1);
        let mut prev = 0;
        for &(s, e) in found {
            if prev != s {
                out.push(((prev, s), false));
            }
            out.push(((s, e), true));
            prev = e;
        }
        if prev != self.normalized.len() {
            out.push(((prev, self.normalized.len()), false));
        }
        out
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
