//! `Split` (a pattern, a behaviour, optionally inverted), `Punctuation` and `Digits`: the
//! pre-tokenizers that cut at matches, with HF's `SplitDelimiterBehavior` semantics.

use crate::normalizers::Pattern;
use crate::tokenizer::pre_tokenized::SplitDelimiterBehavior;
use crate::tokenizer::{PreTokenizer, Split as Piece};
use crate::Result;
use serde::{Deserialize, Serialize};

/// `{"type":"Split","pattern":{"String":" "}|{"Regex":".."},"behavior":"Removed","invert":false}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub pattern: Pattern,
    pub behavior: SplitDelimiterBehavior,
    /// Treat the gaps between matches as the matches.
    #[serde(default)]
    pub invert: bool,
}

impl PreTokenizer for Split {
    fn pre_tokenize(&self, splits: Vec<Piece>) -> Result<Vec<Piece>> {
        let mut out = Vec::with_capacity(splits.len() * 4);
        for s in splits {
            let found = self.pattern.find(&s.normalized);
            let mut m = s.range_matches(&found);
            if self.invert {
                m.iter_mut().for_each(|(_, x)| *x = !*x);
            }
            out.extend(s.split_matches(m, self.behavior));
        }
        Ok(out)
    }
}

/// `{"type":"Punctuation","behavior":"Isolated"}`: cuts at each punctuation char (ASCII
/// punctuation or Unicode P*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Punctuation {
    #[serde(default = "isolated")]
    pub behavior: SplitDelimiterBehavior,
}

fn isolated() -> SplitDelimiterBehavior {
    SplitDelimiterBehavior::Isolated
}

impl Default for Punctuation {
    fn default() -> Self {
        Self {
            behavior: isolated(),
        }
    }
}

fn is_punc(c: char) -> bool {
    use unicode_categories::UnicodeCategories;
    c.is_ascii_punctuation() || c.is_punctuation()
}

impl PreTokenizer for Punctuation {
    fn pre_tokenize(&self, splits: Vec<Piece>) -> Result<Vec<Piece>> {
        Ok(splits
            .iter()
            .flat_map(|s| s.split_matches(s.char_matches(is_punc), self.behavior))
            .collect())
    }
}

/// `{"type":"Digits","individual_digits":false}`: numeric chars apart from the rest, one
/// piece per digit or per run of digits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digits {
    #[serde(default)]
    pub individual_digits: bool,
}

impl PreTokenizer for Digits {
    fn pre_tokenize(&self, splits: Vec<Piece>) -> Result<Vec<Piece>> {
        let behavior = if self.individual_digits {
            SplitDelimiterBehavior::Isolated
        } else {
            SplitDelimiterBehavior::Contiguous
        };
        Ok(splits
            .iter()
            .flat_map(|s| s.split_matches(s.char_matches(char::is_numeric), behavior))
            .collect())
    }
}

/// `{"type":"Sequence","pretokenizers":[...]}`: each applied to the pieces of the one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub pretokenizers: Vec<super::PreTokenizerWrapper>,
}

impl PreTokenizer for Sequence {
    fn pre_tokenize(&self, mut splits: Vec<Piece>) -> Result<Vec<Piece>> {
        for p in &self.pretokenizers {
            splits = p.pre_tokenize(splits)?;
        }
        Ok(splits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::NormalizedString;

    fn run<P: PreTokenizer>(p: &P, s: &str) -> Vec<String> {
        p.pre_tokenize(vec![Piece::from(NormalizedString::from(s))])
            .unwrap()
            .into_iter()
            .map(|x| x.normalized)
            .collect()
    }

    #[test]
    fn behaviours_like_hf() {
        let mk = |b: &str, invert: bool| -> Split {
            serde_json::from_str(&format!(
                r#"{{"pattern":{{"String":"-"}},"behavior":"{b}","invert":{invert}}}"#
            ))
            .unwrap()
        };
        let s = "the-final--countdown";
        assert_eq!(run(&mk("Removed", false), s), ["the", "final", "countdown"]);
        assert_eq!(
            run(&mk("Isolated", false), s),
            ["the", "-", "final", "-", "-", "countdown"]
        );
        assert_eq!(
            run(&mk("MergedWithPrevious", false), s),
            ["the-", "final-", "-", "countdown"]
        );
        assert_eq!(
            run(&mk("MergedWithNext", false), s),
            ["the", "-final", "-", "-countdown"]
        );
        assert_eq!(
            run(&mk("Contiguous", false), s),
            ["the", "-", "final", "--", "countdown"]
        );
        assert_eq!(run(&mk("Removed", true), s), ["-", "-", "-"]);
        assert_eq!(
            run(
                &Digits {
                    individual_digits: false
                },
                "ab123c4"
            ),
            ["ab", "123", "c", "4"]
        );
        assert_eq!(
            run(
                &Digits {
                    individual_digits: true
                },
                "12"
            ),
            ["1", "2"]
        );
        assert_eq!(run(&Punctuation::default(), "Hey!?"), ["Hey", "!", "?"]);
    }
}
