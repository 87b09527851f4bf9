//! `BPEDecoder`: `{"type":"BPEDecoder","suffix":"</w>"}`: the end-of-word suffix becomes a
//! space (nothing after the last token).

use crate::tokenizer::Decoder;
use crate::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BpeDecoder {
    #[serde(default = "default_suffix")]
    pub suffix: String,
}

fn default_suffix() -> String {
    "</w>".to_owned()
}

impl Decoder for BpeDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        let n = tokens.len();
        Ok(tokens
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let with = if i + 1 == n { "" } else { " " };
                if self.suffix.is_empty() {
                    t
                } else {
                    t.replace(&self.suffix, with)
                }
            })
            .collect())
    }
}
