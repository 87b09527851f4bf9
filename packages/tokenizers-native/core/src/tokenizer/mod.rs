//! Pipeline traits and the string types that flow between the steps.

pub mod added_vocabulary;
pub mod encoding;
mod normalized;
pub mod params;
mod pipeline;
pub(crate) mod pre_tokenized;

pub use added_vocabulary::AddedToken;
pub use encoding::{Direction, Encoding};
pub use normalized::{NormalizedString, Offsets, UnicodeForm};
pub use params::{PaddingParams, PaddingStrategy, TruncationParams, TruncationStrategy};
pub use pipeline::{EncodeInput, InputSequence, OffsetType, Tokenizer};
pub use pre_tokenized::Split;

use crate::Result;
use std::collections::HashMap;

/// Step 1 of the pipeline: rewrites the text in place, keeping alignments.
pub trait Normalizer {
    fn normalize(&self, normalized: &mut NormalizedString) -> Result<()>;
}

/// Step 2: cuts the normalized text into words, each still aligned to the original.
pub trait PreTokenizer {
    fn pre_tokenize(&self, splits: Vec<Split>) -> Result<Vec<Split>>;
}

/// One token produced by a model: its id, its string, and its `[start, end)` byte range in the
/// word (the pre-tokenized piece) it was cut from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: u32,
    pub value: String,
    pub offsets: Offsets,
}

impl Token {
    pub fn new(id: u32, value: String, offsets: Offsets) -> Self {
        Self { id, value, offsets }
    }
}

/// Step 3: turns one word into tokens, and owns the vocabulary.
pub trait Model {
    /// Tokenizes one pre-tokenized word; token offsets are byte ranges in `word`.
    fn tokenize(&self, word: &str) -> Result<Vec<Token>>;
    fn token_to_id(&self, token: &str) -> Option<u32>;
    fn id_to_token(&self, id: u32) -> Option<&str>;
    /// The whole vocabulary, token -> id.
    fn get_vocab(&self) -> HashMap<String, u32>;
    fn get_vocab_size(&self) -> usize;
}

/// Step 5 (after the post-processor): turns tokens back into text pieces. Each decoder maps a
/// list of token strings to a list of strings, so decoders can be chained; the final text is
/// their concatenation.
pub trait Decoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>>;

    fn decode(&self, tokens: Vec<String>) -> Result<String> {
        Ok(self.decode_chain(tokens)?.concat())
    }
}

/// Step 4: adds special tokens around the encoded sequence(s) and sets type ids.
pub trait PostProcessor {
    /// How many tokens `process` adds, for truncation to leave room for them.
    fn added_tokens(&self, is_pair: bool) -> usize;
    fn process(
        &self,
        encoding: Encoding,
        pair: Option<Encoding>,
        add_special_tokens: bool,
    ) -> Result<Encoding>;
}

/// What HF does with no post-processor (and ByteLevel after trimming): a single encoding as
/// is; a pair marked with sequence ids 0 and 1 and concatenated.
pub(crate) fn default_process(a: Encoding, b: Option<Encoding>) -> Encoding {
    match b {
        None => a,
        Some(b) => {
            let mut out = Encoding::default();
            for (i, mut e) in [a, b].into_iter().enumerate() {
                e.set_sequence_id(i);
                out.merge_with(e, false);
            }
            out
        }
    }
}

/// What processors that work "one encoding at a time" share (HF's default `process`): mark each
/// input with its sequence id, transform them, merge them.
pub(crate) fn process_each<F>(encoding: Encoding, pair: Option<Encoding>, f: F) -> Encoding
where
    F: Fn(usize, Encoding) -> Encoding,
{
    let mut encodings = vec![encoding];
    encodings.extend(pair);
    let processed = encodings.into_iter().enumerate().map(|(i, mut e)| {
        e.set_sequence_id(i);
        f(i, e)
    });
    Encoding::merge(processed, false)
}
