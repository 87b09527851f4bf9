//! BERT's post-processor: `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]`, type ids 0 then 1.

use crate::tokenizer::{process_each, Encoding, PostProcessor};
use crate::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BertProcessing {
    /// `[token, id]`, as `tokenizer.json` writes it.
    pub sep: (String, u32),
    pub cls: (String, u32),
}

impl Default for BertProcessing {
    fn default() -> Self {
        Self {
            sep: ("[SEP]".to_owned(), 102),
            cls: ("[CLS]".to_owned(), 101),
        }
    }
}

/// Surrounds `e` (and each of its overflowing parts) with optional `head` and `tail` special
/// tokens of type `type_id`; the sequence range covers the original tokens only.
pub(crate) fn wrap(
    e: Encoding,
    seq: usize,
    head: Option<&(String, u32)>,
    tail: &(String, u32),
    type_id: u32,
) -> Encoding {
    let mut e = e;
    let overflowing = std::mem::take(&mut e.overflowing);
    let n = e.len() + usize::from(head.is_some()) + 1;
    let mut out = Encoding::with_capacity(n);
    let special = |out: &mut Encoding, t: &(String, u32)| {
        out.ids.push(t.1);
        out.type_ids.push(type_id);
        out.tokens.push(t.0.clone());
        out.words.push(None);
        out.offsets.push((0, 0));
        out.special_tokens_mask.push(1);
        out.attention_mask.push(1);
    };
    if let Some(h) = head {
        special(&mut out, h);
    }
    let start = out.len();
    out.ids.extend(e.ids);
    out.type_ids.extend(e.type_ids);
    out.tokens.extend(e.tokens);
    out.words.extend(e.words);
    out.offsets.extend(e.offsets);
    out.special_tokens_mask
        .extend(std::iter::repeat(0).take(out.ids.len() - start));
    out.attention_mask
        .extend(std::iter::repeat(1).take(out.ids.len() - start));
    let end = out.len();
    special(&mut out, tail);
    out.sequence_ranges = vec![(seq, (start, end))];
    out.overflowing = overflowing
        .into_iter()
        .map(|o| wrap(o, seq, head, tail, type_id))
        .collect();
    out
}

impl PostProcessor for BertProcessing {
    fn added_tokens(&self, is_pair: bool) -> usize {
        if is_pair {
            3
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
        Ok(process_each(encoding, pair, |i, e| {
            if !add_special_tokens {
                e
            } else if i == 0 {
                wrap(e, 0, Some(&self.cls), &self.sep, 0)
            } else {
                wrap(e, 1, None, &self.sep, 1)
            }
        }))
    }
}
