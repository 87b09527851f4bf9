//! ByteLevel decoder: byte-level chars back to bytes, then UTF-8 (invalid sequences become
//! U+FFFD, as HF's `from_utf8_lossy`). A token with any char outside the byte alphabet (an
//! added token such as `<|endoftext|>`) contributes its own UTF-8 bytes.

use crate::pre_tokenizers::{char_byte, ByteLevel};
use crate::tokenizer::Decoder;
use crate::Result;

impl Decoder for ByteLevel {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        let mut bytes: Vec<u8> = Vec::with_capacity(tokens.iter().map(String::len).sum());
        for t in &tokens {
            let start = bytes.len();
            let mut all = true;
            for c in t.chars() {
                match char_byte(c) {
                    Some(b) => bytes.push(b),
                    None => {
                        all = false;
                        break;
                    }
                }
            }
            if !all {
                bytes.truncate(start);
                bytes.extend_from_slice(t.as_bytes());
            }
        }
        Ok(vec![String::from_utf8_lossy(&bytes).into_owned()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_bytes_and_keeps_other_tokens() {
        let d = ByteLevel::default();
        let toks = ["Hello", "Ġmy", "Ċ", "<|endoftext|>", "âŃ", "¢"]
            .map(String::from)
            .to_vec();
        assert_eq!(d.decode(toks).unwrap(), "Hello my\n<|endoftext|>⭢");
        // A lone continuation byte is not UTF-8.
        assert_eq!(d.decode(vec!["¢".to_owned()]).unwrap(), "\u{FFFD}");
    }
}
