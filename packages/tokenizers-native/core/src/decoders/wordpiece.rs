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

/// What `cleanup` replaces, in order (the same list as HF's `clean_up_tokenization`).
const CLEANUP: [(&str, &str); 11] = [
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" do not", " don't"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
];

/// Undoes the spaces BERT-style tokenization puts around punctuation: `" ."` -> `"."`,
/// `" n't"` -> `"n't"`, ... applied one after the other, as HF.
pub fn cleanup(s: &str) -> String {
    // Fast path: if no pattern occurs, no step changes anything (every step sees `s`).
    if !needs_cleanup(s) {
        return s.to_owned();
    }
    let mut out = s.to_owned();
    for (from, to) in CLEANUP {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

/// Whether any `CLEANUP` pattern occurs in `s` (each starts with a space).
fn needs_cleanup(s: &str) -> bool {
    s.match_indices(' ')
        .any(|(i, _)| CLEANUP.iter().any(|(from, _)| s[i..].starts_with(from)))
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
                if self.cleanup && needs_cleanup(&t) {
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
