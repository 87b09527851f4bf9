//! `Fuse` (all tokens into one string) and `Strip` (up to `start` leading and `stop`
//! trailing `content` chars off each token).

use crate::tokenizer::Decoder;
use crate::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fuse {}

impl Decoder for Fuse {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        Ok(vec![tokens.concat()])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strip {
    pub content: char,
    pub start: usize,
    pub stop: usize,
}

impl Decoder for Strip {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        Ok(tokens
            .into_iter()
            .map(|t| {
                let chars: Vec<char> = t.chars().collect();
                let lead = chars
                    .iter()
                    .take(self.start)
                    .take_while(|c| **c == self.content)
                    .count();
                let trail = chars
                    .iter()
                    .rev()
                    .take(self.stop)
                    .take_while(|c| **c == self.content)
                    .count();
                let end = chars.len() - trail;
                // (HF panics when the two cuts cross; the token is then empty here.)
                if lead >= end {
                    String::new()
                } else {
                    chars[lead..end].iter().collect()
                }
            })
            .collect())
    }
}
