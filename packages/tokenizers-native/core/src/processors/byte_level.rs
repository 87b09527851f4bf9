//! ByteLevel post-processor: no special tokens; with `trim_offsets`, token offsets leave out
//! the spaces a byte-level token carries (`Ġhello` -> the offsets of `hello`).

use crate::pre_tokenizers::{bytes_char, ByteLevel};
use crate::tokenizer::{default_process, Encoding, PostProcessor};
use crate::Result;

/// HF's `process_offsets`: per token, count leading and trailing spaces (`Ġ` or Unicode
/// whitespace) of its string and move the offsets inward by as many chars. The first token
/// (or one starting at 0) keeps a single leading space the pre-tokenizer added when
/// `add_prefix_space` is on.
pub(crate) fn trim_offsets(e: &mut Encoding, add_prefix_space: bool) {
    let space = bytes_char()[b' ' as usize];
    let is_space = |c: &char| *c == space || c.is_whitespace();
    for (i, (token, offsets)) in e.tokens.iter().zip(e.offsets.iter_mut()).enumerate() {
        let mut leading = token.chars().take_while(is_space).count();
        let trailing = token.chars().rev().take_while(is_space).count();
        if leading > 0 {
            let is_first = i == 0 || offsets.0 == 0;
            if is_first && add_prefix_space && leading == 1 {
                leading = 0;
            }
            offsets.0 = (offsets.0 + leading).min(offsets.1);
        }
        if trailing > 0 && offsets.1 >= trailing {
            offsets.1 = (offsets.1 - trailing).max(offsets.0);
        }
    }
}

/// Trims `e` and each of its overflowing parts.
pub(crate) fn trim_all(e: &mut Encoding, add_prefix_space: bool) {
    trim_offsets(e, add_prefix_space);
    for o in &mut e.overflowing {
        trim_offsets(o, add_prefix_space);
    }
}

impl PostProcessor for ByteLevel {
    fn added_tokens(&self, _is_pair: bool) -> usize {
        0
    }

    fn process(
        &self,
        mut encoding: Encoding,
        mut pair: Option<Encoding>,
        _add_special_tokens: bool,
    ) -> Result<Encoding> {
        if self.trim_offsets {
            trim_all(&mut encoding, self.add_prefix_space);
            if let Some(p) = pair.as_mut() {
                trim_all(p, self.add_prefix_space);
            }
        }
        Ok(default_process(encoding, pair))
    }
}
