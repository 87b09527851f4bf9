//! Pipeline traits and the string types that flow between the steps.

mod normalized;
pub(crate) mod pre_tokenized;

pub use normalized::{NormalizedString, Offsets};
pub use pre_tokenized::Split;

use crate::Result;

/// Step 1 of the pipeline: rewrites the text in place, keeping alignments.
pub trait Normalizer {
    fn normalize(&self, normalized: &mut NormalizedString) -> Result<()>;
}

/// Step 2: cuts the normalized text into words, each still aligned to the original.
pub trait PreTokenizer {
    fn pre_tokenize(&self, splits: Vec<Split>) -> Result<Vec<Split>>;
}
