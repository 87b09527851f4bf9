use crate::error::map_error;
use napi_derive::napi;
use transferjs_tokenizers_core::{NormalizedString, Normalizer, NormalizerWrapper};

/// The result of normalizing a string.
#[napi(object)]
pub struct NormalizedOutput {
    /// The normalized text.
    pub normalized: String,
    /// For each char of `normalized`, the
    /// `[start, end)` char range of the original text it came from.
    pub alignments: Vec<Vec<u32>>,
}

/// A normalizer parsed from its `tokenizer.json` object.
#[napi]
pub struct NativeNormalizer {
    inner: NormalizerWrapper,
}

#[napi]
impl NativeNormalizer {
    /// Parses e.g. `{"type":"BertNormalizer","lowercase":true}`.
    #[napi(factory)]
    pub fn from_json(json: String) -> napi::Result<Self> {
        let inner = NormalizerWrapper::from_json(&json).map_err(map_error)?;
        Ok(Self { inner })
    }

    /// The canonical `tokenizer.json` form.
    #[napi]
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }

    #[napi]
    pub fn normalize(&self, text: String) -> napi::Result<NormalizedOutput> {
        let mut n = NormalizedString::from(text.as_str());
        self.inner.normalize(&mut n).map_err(map_error)?;
        let to_char = crate::pre_tokenizer::ByteToChar::new(&text);
        let mut alignments = Vec::new();
        for (b, _) in n.get().char_indices() {
            let (s, e) = n.alignments()[b];
            alignments.push(vec![to_char.get(s), to_char.get(e)]);
        }
        Ok(NormalizedOutput {
            normalized: n.get().to_owned(),
            alignments,
        })
    }
}
