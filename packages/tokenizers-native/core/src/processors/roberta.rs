//! RoBERTa's post-processor: `<s> A </s>` and `<s> A </s> </s> B </s>`, every type id 0, and
//! ByteLevel's offset trimming when `trim_offsets`.

use super::bert::wrap;
use super::byte_level::trim_all;
use crate::tokenizer::{process_each, Encoding, PostProcessor};
use crate::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobertaProcessing {
    /// `[token, id]`, as `tokenizer.json` writes it.
    pub sep: (String, u32),
    pub cls: (String, u32),
    #[serde(default = "default_true")]
    pub trim_offsets: bool,
    #[serde(default = "default_true")]
    pub add_prefix_space: bool,
}

fn default_true() -> bool {
    true
}

impl Default for RobertaProcessing {
    fn default() -> Self {
        Self {
            sep: ("</s>".to_owned(), 2),
            cls: ("<s>".to_owned(), 0),
            trim_offsets: true,
            add_prefix_space: true,
        }
    }
}

impl PostProcessor for RobertaProcessing {
    fn added_tokens(&self, is_pair: bool) -> usize {
        if is_pair {
            4
        } else {
            2
        }
    }

    fn process(
        &self,
        encoding: Encoding,
        pair: Option<Encoding>,
        add_special_tokens: bool,
    ) -> Result<Encoding> {
        Ok(process_each(encoding, pair, |i, mut e| {
            // 1. Trim, 2. every type id 0 (RoBERTa has one segment), 3. special tokens.
            if self.trim_offsets {
                trim_all(&mut e, self.add_prefix_space);
            }
            set_type_ids_zero(&mut e);
            if !add_special_tokens {
                e
            } else if i == 0 {
                wrap(e, 0, Some(&self.cls), &self.sep, 0)
            } else {
                wrap(e, 1, Some(&self.sep), &self.sep, 0)
            }
        }))
    }
}

fn set_type_ids_zero(e: &mut Encoding) {
    e.type_ids.iter_mut().for_each(|t| *t = 0);
    for o in &mut e.overflowing {
        set_type_ids_zero(o);
    }
}
