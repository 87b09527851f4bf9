//! `ByteFallback`: runs of `<0xNN>` tokens become the text their bytes spell; a run that is
//! not valid UTF-8 becomes one U+FFFD per byte (as HF).

use crate::tokenizer::Decoder;
use crate::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteFallback {}

/// The byte a `<0xNN>` token stands for.
fn byte_of(t: &str) -> Option<u8> {
    let hex = t.strip_prefix("<0x")?.strip_suffix('>')?;
    if hex.len() != 2 {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}

fn flush(bytes: &mut Vec<u8>, out: &mut Vec<String>) {
    if bytes.is_empty() {
        return;
    }
    match String::from_utf8(std::mem::take(bytes)) {
        Ok(s) => out.push(s),
        Err(e) => out.extend(std::iter::repeat("\u{FFFD}".to_owned()).take(e.as_bytes().len())),
    }
}

impl Decoder for ByteFallback {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        let mut out = Vec::with_capacity(tokens.len());
        let mut bytes = Vec::new();
        for t in tokens {
            match byte_of(&t) {
                Some(b) => bytes.push(b),
                None => {
                    flush(&mut bytes, &mut out);
                    out.push(t);
                }
            }
        }
        flush(&mut bytes, &mut out);
        Ok(out)
    }
}
