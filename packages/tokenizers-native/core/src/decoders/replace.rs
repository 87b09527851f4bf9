//! `Replace` decoder: `{"type":"Replace","pattern":{"String":"▁"},"content":" "}`, in each
//! token.

use crate::normalizers::Pattern;
use crate::tokenizer::Decoder;
use crate::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replace {
    pub pattern: Pattern,
    pub content: String,
}

impl Decoder for Replace {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        Ok(tokens
            .iter()
            .map(|t| self.pattern.replace_all(t, &self.content))
            .collect())
    }
}

/// `{"type":"Sequence","decoders":[...]}`: each decoder's output feeds the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub decoders: Vec<super::DecoderWrapper>,
}

impl Decoder for Sequence {
    fn decode_chain(&self, mut tokens: Vec<String>) -> Result<Vec<String>> {
        for d in &self.decoders {
            tokens = d.decode_chain(tokens)?;
        }
        Ok(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::Decoder as _;

    #[test]
    fn chains_like_hf() {
        let d: super::super::DecoderWrapper = serde_json::from_str(
            r#"{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]}"#,
        )
        .unwrap();
        let toks = ["▁Hey", "▁", "<0xE2>", "<0xAD>", "<0xA2>", "<0xFF>", "!"]
            .map(String::from)
            .to_vec();
        // One invalid byte spoils its whole run: one U+FFFD per byte, as HF.
        assert_eq!(
            d.decode(toks).unwrap(),
            "Hey \u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}!"
        );
        let toks = ["▁Hey", "▁", "<0xE2>", "<0xAD>", "<0xA2>"]
            .map(String::from)
            .to_vec();
        assert_eq!(d.decode(toks).unwrap(), "Hey ⭢");
        let b: super::super::DecoderWrapper =
            serde_json::from_str(r#"{"type":"BPEDecoder","suffix":"</w>"}"#).unwrap();
        assert_eq!(
            b.decode(["a</w>", "b", "c</w>"].map(String::from).to_vec())
                .unwrap(),
            "a bc"
        );
    }
}
