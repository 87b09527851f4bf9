//! BERT's pre-tokenizer: split on whitespace (dropped), then isolate each punctuation char.

use crate::tokenizer::{PreTokenizer, Split};
use crate::Result;
use serde::{Deserialize, Serialize};
use unicode_categories::UnicodeCategories;

/// Serialized as `{"type": "BertPreTokenizer"}`: it has no options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BertPreTokenizer {}

/// BERT counts every ASCII symbol ($, +, ^, ...) as punctuation, not only Unicode's P* chars.
pub(crate) fn is_bert_punc(c: char) -> bool {
    // ASCII's P* chars are all ASCII punctuation: no table lookup needed there.
    if c.is_ascii() {
        c.is_ascii_punctuation()
    } else {
        c.is_punctuation()
    }
}

impl PreTokenizer for BertPreTokenizer {
    fn pre_tokenize(&self, splits: Vec<Split>) -> Result<Vec<Split>> {
        // One pass per split, the same pieces as splitting on whitespace (removed) and then
        // isolating each punctuation char (whitespace is never punctuation).
        let mut out = Vec::with_capacity(splits.len() * 8);
        for s in &splits {
            let text = s.normalized.as_str();
            let mut start = 0;
            for (i, c) in text.char_indices() {
                let space = if c.is_ascii() {
                    c.is_ascii_whitespace() || c == '\u{b}'
                } else {
                    c.is_whitespace()
                };
                if space || is_bert_punc(c) {
                    if start < i {
                        out.push(s.slice(start, i));
                    }
                    let end = i + c.len_utf8();
                    if !space {
                        out.push(s.slice(i, end));
                    }
                    start = end;
                }
            }
            if start < text.len() {
                out.push(s.slice(start, text.len()));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::pre_tokenized::SplitDelimiterBehavior;
    use crate::tokenizer::NormalizedString;

    #[test]
    fn fused_pass_matches_split_then_isolate() {
        // Every ASCII char and a few non-ASCII spaces and punctuation, between letters.
        let mut text = String::new();
        for c in (0u8..0x80)
            .map(char::from)
            .chain(['\u{a0}', '\u{3000}', '\u{2014}', '¿', 'é'])
        {
            text.push('a');
            text.push(c);
            text.push(c);
        }
        let two_pass: Vec<Split> = [Split::from(NormalizedString::from(text.as_str()))]
            .iter()
            .flat_map(|s| s.split_on_char(char::is_whitespace, SplitDelimiterBehavior::Removed))
            .flat_map(|s| {
                s.split_on_char(
                    |c| c.is_ascii_punctuation() || c.is_punctuation(),
                    SplitDelimiterBehavior::Isolated,
                )
            })
            .collect();
        let fused = BertPreTokenizer::default()
            .pre_tokenize(vec![NormalizedString::from(text.as_str()).into()])
            .unwrap_or_default();
        assert_eq!(fused, two_pass);
    }

    #[test]
    fn splits_words_and_isolates_punctuation_with_offsets() {
        let splits = BertPreTokenizer::default()
            .pre_tokenize(vec![NormalizedString::from("Hey, you$1  ok?").into()])
            .unwrap_or_default();
        let got: Vec<(&str, Option<(usize, usize)>)> = splits
            .iter()
            .map(|s| (s.normalized.as_str(), s.original_offsets()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Hey", Some((0, 3))),
                (",", Some((3, 4))),
                ("you", Some((5, 8))),
                ("$", Some((8, 9))),
                ("1", Some((9, 10))),
                ("ok", Some((12, 14))),
                ("?", Some((14, 15))),
            ]
        );
    }
}
