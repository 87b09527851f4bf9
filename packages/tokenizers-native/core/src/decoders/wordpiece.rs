//! WordPiece decoder: glue `##` continuations to the previous token, optionally clean up the
//! spaces that tokenization put before punctuation and contractions.

use crate::tokenizer::Decoder;
use crate::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordPieceDecoder {
    #[serde(default = "default_prefix")]
    pub prefix: String,
    #[serde(default = "yes")]
    pub cleanup: bool,
}

fn default_prefix() -> String {
    "##".to_owned()
}
fn yes() -> bool {
    true
}

impl Default for WordPieceDecoder {
    fn default() -> Self {
        Self {
            prefix: default_prefix(),
            cleanup: true,
        }
    }
}

/// Undoes the spaces BERT-style tokenization puts around punctuation: `" ."` -> `"."`,
/// `" n't"` -> `"n't"`, ... (the same list as HF's `clean_up_tokenization`).
pub fn cleanup(s: &str) -> String {
    s.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" do not", " don't")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re")
}

impl Decoder for WordPieceDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        Ok(tokens
            .into_iter()
            .enumerate()
            .map(|(i, token)| {
                // 1. A continuation loses its prefix; any other token but the first gets a space.
                let mut t = if i != 0 {
                    match token.strip_prefix(self.prefix.as_str()) {
                        Some(rest) => rest.to_owned(),
                        None => format!(" {token}"),
                    }
                } else {
                    token
                };
                // 2. Optional clean-up of spaces before punctuation.
                if self.cleanup {
                    t = cleanup(&t);
                }
                t
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuations_and_cleans_punctuation() {
        let d = WordPieceDecoder::default();
        let toks = ["hello", "##s", "world", ",", "it", "is", "!"];
        let out = d
            .decode(toks.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        assert_eq!(out, "hellos world, it is!");
    }
}
