//! BERT's pre-tokenizer: split on whitespace (dropped), then isolate each punctuation char.

use crate::tokenizer::{PreTokenizer, Split};
use crate::Result;
use serde::{Deserialize, Serialize};
use unicode_categories::UnicodeCategories;

use crate::tokenizer::pre_tokenized::SplitDelimiterBehavior;

/// Serialized as `{"type": "BertPreTokenizer"}`: it has no options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BertPreTokenizer {}

/// BERT counts every ASCII symbol ($, +, ^, ...) as punctuation, not only Unicode's P* chars.
pub(crate) fn is_bert_punc(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}

impl PreTokenizer for BertPreTokenizer {
    fn pre_tokenize(&self, splits: Vec<Split>) -> Result<Vec<Split>> {
        Ok(splits
            .iter()
            .flat_map(|s| s.split_on_char(char::is_whitespace, SplitDelimiterBehavior::Removed))
            .flat_map(|s| s.split_on_char(is_bert_punc, SplitDelimiterBehavior::Isolated))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::NormalizedString;

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
