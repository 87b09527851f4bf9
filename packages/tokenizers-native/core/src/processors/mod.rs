//! Post-processors, one file each, and their `tokenizer.json` tagged union.

mod bert;
mod byte_level;
mod roberta;
mod template;

pub use crate::pre_tokenizers::ByteLevel;
pub use bert::BertProcessing;
pub use roberta::RobertaProcessing;
pub use template::{Piece, SequenceId, SpecialToken, TemplateProcessing};

use crate::tokenizer::{Encoding, PostProcessor};
use crate::Result;
use serde::{Deserialize, Serialize};

/// Every post-processor, tagged by `type` exactly as in `tokenizer.json`'s `post_processor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PostProcessorWrapper {
    BertProcessing(BertProcessing),
    TemplateProcessing(TemplateProcessing),
    RobertaProcessing(RobertaProcessing),
    ByteLevel(ByteLevel),
}

impl PostProcessorWrapper {
    const SUPPORTED: &'static str =
        "BertProcessing, TemplateProcessing, RobertaProcessing, ByteLevel";

    pub fn from_json(json: &str) -> Result<Self> {
        crate::normalizers::parse_tagged(json, "post_processor", Self::SUPPORTED)
    }

    pub fn from_value(value: serde_json::Value, field: &str) -> Result<Self> {
        crate::normalizers::parse_tagged_value(value, "post_processor", field, Self::SUPPORTED)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn inner(&self) -> &dyn PostProcessor {
        match self {
            PostProcessorWrapper::BertProcessing(p) => p,
            PostProcessorWrapper::TemplateProcessing(p) => p,
            PostProcessorWrapper::RobertaProcessing(p) => p,
            PostProcessorWrapper::ByteLevel(p) => p,
        }
    }
}

impl PostProcessor for PostProcessorWrapper {
    fn added_tokens(&self, is_pair: bool) -> usize {
        self.inner().added_tokens(is_pair)
    }
    fn process(
        &self,
        encoding: Encoding,
        pair: Option<Encoding>,
        add_special_tokens: bool,
    ) -> Result<Encoding> {
        self.inner().process(encoding, pair, add_special_tokens)
    }
}
