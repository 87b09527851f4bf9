//! Metaspace (SentencePiece style): spaces become a visible meta char (`▁`, U+2581), a `▁` is
//! prepended to mark the start of a word, and the text is cut before each `▁`.
//!
//! `"Hey   friend!"` -> `["▁Hey", "▁", "▁", "▁friend!"]`, offsets (0,3) (3,4) (4,5) (5,13).

use crate::tokenizer::{PreTokenizer, Split};
use crate::Result;
use serde::{Deserialize, Serialize};

/// When to prepend the replacement to a piece that does not start with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrependScheme {
    /// Every piece (each chunk between added tokens).
    Always,
    /// Only the piece that starts the original text.
    First,
    Never,
}

/// The Metaspace pre-tokenizer (and, in `decoders`, the matching decoder), serialized as
/// `{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "MetaspaceJson")]
pub struct Metaspace {
    pub replacement: char,
    pub prepend_scheme: PrependScheme,
    /// Cut the text before each replacement char (else only rewrite it).
    pub split: bool,
}

/// What `tokenizer.json` may hold, including files written before `prepend_scheme` existed
/// (`add_prefix_space: false` meant "never"; `str_rep` was a duplicate of `replacement`).
#[derive(Deserialize)]
struct MetaspaceJson {
    replacement: char,
    #[serde(default)]
    add_prefix_space: Option<bool>,
    #[serde(default)]
    prepend_scheme: Option<PrependScheme>,
    #[serde(default)]
    split: Option<bool>,
}

impl From<MetaspaceJson> for Metaspace {
    fn from(j: MetaspaceJson) -> Self {
        let mut prepend_scheme = j.prepend_scheme.unwrap_or(PrependScheme::Always);
        if j.add_prefix_space == Some(false) {
            prepend_scheme = PrependScheme::Never;
        }
        Self {
            replacement: j.replacement,
            prepend_scheme,
            split: j.split.unwrap_or(true),
        }
    }
}

impl Default for Metaspace {
    fn default() -> Self {
        Self::new('▁', PrependScheme::Always, true)
    }
}

impl Metaspace {
    pub fn new(replacement: char, prepend_scheme: PrependScheme, split: bool) -> Self {
        Self {
            replacement,
            prepend_scheme,
            split,
        }
    }

    /// Rewrites one piece: steps 1-2 of `pre_tokenize`.
    fn rewrite(&self, piece: Split) -> Split {
        let rep_len = self.replacement.len_utf8();
        let n_spaces = piece.normalized.bytes().filter(|&b| b == b' ').count();
        let mut normalized =
            String::with_capacity(piece.normalized.len() + n_spaces * rep_len + rep_len);
        let mut alignments = Vec::with_capacity(normalized.capacity());
        // 2. The prefix: it takes the alignment of the first char, as HF's `prepend`.
        // (Checked before step 1, so a leading ' ' counts as the replacement it will become.)
        let starts_with_rep =
            piece.normalized.starts_with(self.replacement) || piece.normalized.starts_with(' ');
        let prepend = !piece.normalized.is_empty()
            && !starts_with_rep
            && match self.prepend_scheme {
                PrependScheme::Always => true,
                // The piece that starts the original text (see the note on `First` below).
                PrependScheme::First => piece.alignments.first().is_some_and(|a| a.0 == 0),
                PrependScheme::Never => false,
            };
        if prepend {
            normalized.push(self.replacement);
            alignments.extend(std::iter::repeat_n(piece.alignments[0], rep_len));
        }
        // 1. Each ' ' becomes the replacement, keeping the space's alignment.
        let mut i = 0;
        for c in piece.normalized.chars() {
            let len = c.len_utf8();
            if c == ' ' {
                normalized.push(self.replacement);
                alignments.extend(std::iter::repeat_n(piece.alignments[i], rep_len));
            } else {
                normalized.push(c);
                alignments.extend_from_slice(&piece.alignments[i..i + len]);
            }
            i += len;
        }
        Split {
            normalized,
            alignments,
        }
    }
}

/// `piece[start..end]` (byte range on char boundaries).
fn slice(piece: &Split, start: usize, end: usize) -> Split {
    Split {
        normalized: piece.normalized[start..end].to_owned(),
        alignments: piece.alignments[start..end].to_vec(),
    }
}

impl PreTokenizer for Metaspace {
    /// Per piece:
    /// 1. replace each ' ' with the replacement;
    /// 2. prepend the replacement if the scheme asks and the piece does not start with it;
    /// 3. if `split`, cut before each replacement (HF's `MergedWithNext`), dropping empties.
    ///
    /// Note on `First`: HF asks whether the piece's original range starts at 0; a piece here
    /// knows its original range only through its alignments, so a first piece whose leading
    /// chars a normalizer removed entirely counts as not first.
    fn pre_tokenize(&self, splits: Vec<Split>) -> Result<Vec<Split>> {
        let mut out = Vec::with_capacity(splits.len());
        for piece in splits {
            let piece = self.rewrite(piece);
            if !self.split {
                if !piece.normalized.is_empty() {
                    out.push(piece);
                }
                continue;
            }
            let mut start = 0;
            for (i, c) in piece.normalized.char_indices() {
                if c == self.replacement && i > start {
                    out.push(slice(&piece, start, i));
                    start = i;
                }
            }
            if start < piece.normalized.len() {
                out.push(slice(&piece, start, piece.normalized.len()));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::NormalizedString;

    fn run(m: &Metaspace, s: &str) -> Vec<(String, Option<(usize, usize)>)> {
        let splits = vec![Split::from(NormalizedString::from(s))];
        match m.pre_tokenize(splits) {
            Ok(v) => v
                .into_iter()
                .map(|p| (p.original_offsets(), p.normalized))
                .map(|(o, n)| (n, o))
                .collect(),
            Err(e) => panic!("{e}"),
        }
    }

    fn s(v: &[(&str, (usize, usize))]) -> Vec<(String, Option<(usize, usize)>)> {
        v.iter().map(|(a, o)| ((*a).to_owned(), Some(*o))).collect()
    }

    #[test]
    fn splits_like_hf() {
        let m = Metaspace::default();
        assert_eq!(
            run(&m, "Hey   friend!"),
            s(&[
                ("▁Hey", (0, 3)),
                ("▁", (3, 4)),
                ("▁", (4, 5)),
                ("▁friend!", (5, 13))
            ])
        );
        // Byte offsets (HF's Python shows char offsets: (0,1) (1,2) (2,4)).
        assert_eq!(
            run(&m, "a▁▁b"),
            s(&[("▁a", (0, 1)), ("▁", (1, 4)), ("▁b", (4, 8))])
        );
        assert_eq!(run(&m, " x"), s(&[("▁x", (0, 2))]));
        assert_eq!(run(&m, "▁ y"), s(&[("▁", (0, 3)), ("▁y", (3, 5))]));
        assert_eq!(run(&m, "  "), s(&[("▁", (0, 1)), ("▁", (1, 2))]));
        assert!(run(&m, "").is_empty());
    }

    #[test]
    fn prepend_schemes() {
        let first = Metaspace::new('▁', PrependScheme::First, true);
        let pieces = vec![
            Split {
                normalized: "a".into(),
                alignments: vec![(0, 1)],
            },
            Split {
                normalized: "b".into(),
                alignments: vec![(2, 3)],
            },
        ];
        let got: Vec<String> = first
            .pre_tokenize(pieces)
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.normalized)
            .collect();
        assert_eq!(got, vec!["▁a", "b"]);
        let never = Metaspace::new('▁', PrependScheme::Never, true);
        assert_eq!(run(&never, "a b"), s(&[("a", (0, 1)), ("▁b", (1, 3))]));
        let no_split = Metaspace::new('▁', PrependScheme::Always, false);
        assert_eq!(run(&no_split, "a b"), s(&[("▁a▁b", (0, 3))]));
    }

    #[test]
    fn json_like_hf() {
        let json =
            r#"{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true}"#;
        let w = crate::pre_tokenizers::PreTokenizerWrapper::from_json(json);
        assert_eq!(w.as_ref().map(|w| w.to_json()).ok().as_deref(), Some(json));
        // Legacy form.
        let old: Metaspace =
            serde_json::from_str(r#"{"replacement":"_","add_prefix_space":false,"str_rep":"_"}"#)
                .unwrap_or_default();
        assert_eq!(old, Metaspace::new('_', PrependScheme::Never, true));
    }
}
