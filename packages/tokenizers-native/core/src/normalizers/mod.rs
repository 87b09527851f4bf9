//! Normalizers, one file each, and their `tokenizer.json` tagged union.

mod bert;
mod precompiled;
mod replace;
mod sequence;
mod simple;
mod unicode;

pub use bert::BertNormalizer;
pub use precompiled::{Precompiled, PrecompiledError};
pub use replace::{Pattern, PatternJson, Replace};
pub use sequence::Sequence;
pub use simple::{Lowercase, Prepend, Strip, StripAccents};
pub use unicode::{Nfc, Nfd, Nfkc, Nfkd};

use crate::tokenizer::{NormalizedString, Normalizer};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Every normalizer, tagged by `type` exactly as in `tokenizer.json`'s `normalizer` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum NormalizerWrapper {
    BertNormalizer(BertNormalizer),
    Precompiled(Precompiled),
    #[serde(rename = "NFC")]
    Nfc(Nfc),
    #[serde(rename = "NFD")]
    Nfd(Nfd),
    #[serde(rename = "NFKC")]
    Nfkc(Nfkc),
    #[serde(rename = "NFKD")]
    Nfkd(Nfkd),
    Lowercase(Lowercase),
    Strip(Strip),
    StripAccents(StripAccents),
    Replace(Replace),
    Prepend(Prepend),
    Sequence(Sequence),
}

impl NormalizerWrapper {
    const SUPPORTED: &'static str = "BertNormalizer, Precompiled, NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, Sequence";

    /// Parses one normalizer object (the value of `tokenizer.json`'s `normalizer`).
    pub fn from_json(json: &str) -> Result<Self> {
        parse_tagged(json, "normalizer", Self::SUPPORTED)
    }

    /// Parses an already parsed value found at `field` of a `tokenizer.json`.
    pub fn from_value(value: serde_json::Value, field: &str) -> Result<Self> {
        parse_tagged_value(value, "normalizer", field, Self::SUPPORTED)
    }

    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Normalizer for NormalizerWrapper {
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
        match self {
            NormalizerWrapper::BertNormalizer(b) => b.normalize(n),
            NormalizerWrapper::Precompiled(p) => p.normalize(n),
            NormalizerWrapper::Nfc(x) => x.normalize(n),
            NormalizerWrapper::Nfd(x) => x.normalize(n),
            NormalizerWrapper::Nfkc(x) => x.normalize(n),
            NormalizerWrapper::Nfkd(x) => x.normalize(n),
            NormalizerWrapper::Lowercase(x) => x.normalize(n),
            NormalizerWrapper::Strip(x) => x.normalize(n),
            NormalizerWrapper::StripAccents(x) => x.normalize(n),
            NormalizerWrapper::Replace(x) => x.normalize(n),
            NormalizerWrapper::Prepend(x) => x.normalize(n),
            NormalizerWrapper::Sequence(x) => x.normalize(n),
        }
    }
}

/// Parses a `type`-tagged component; an unknown tag gets an error that lists the supported ones.
pub(crate) fn parse_tagged<T: for<'de> Deserialize<'de>>(
    json: &str,
    kind: &'static str,
    supported: &str,
) -> Result<T> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| Error::InvalidJson {
        kind,
        field: kind.to_owned(),
        message: e.to_string(),
    })?;
    parse_tagged_value(value, kind, kind, supported)
}

/// As `parse_tagged`, from an already parsed value found at `field` (e.g. `normalizer` or
/// `normalizer.normalizers[2]`), which errors name.
pub(crate) fn parse_tagged_value<T: for<'de> Deserialize<'de>>(
    value: serde_json::Value,
    kind: &'static str,
    field: &str,
    supported: &str,
) -> Result<T> {
    let Some(tag) = value.get("type").and_then(|t| t.as_str()) else {
        return Err(Error::InvalidJson {
            kind,
            field: format!("{field}.type"),
            message: "expected a string field 'type'".to_owned(),
        });
    };
    if !supported.split(", ").any(|s| s == tag) {
        return Err(Error::UnknownComponent {
            kind,
            field: format!("{field}.type"),
            found: tag.to_owned(),
            supported: supported.to_owned(),
        });
    }
    let tag = tag.to_owned();
    serde_json::from_value(value).map_err(|e| Error::InvalidJson {
        kind,
        field: format!("{field} ({tag})"),
        message: e.to_string(),
    })
}
