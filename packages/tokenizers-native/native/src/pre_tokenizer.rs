use crate::error::map_error;
use napi_derive::napi;
use transferjs_tokenizers_core::{
    NormalizedString, Normalizer, NormalizerWrapper, PreTokenizer, PreTokenizerWrapper,
};

/// Maps byte offsets of a string to char (Unicode scalar) offsets, as HF reports them.
pub(crate) struct ByteToChar(Vec<u32>);

impl ByteToChar {
    pub fn new(s: &str) -> Self {
        // table[b] = number of chars before byte b; table[len] = total chars.
        let mut table = Vec::with_capacity(s.len() + 1);
        let mut count = 0u32;
        for c in s.chars() {
            table.extend(std::iter::repeat(count).take(c.len_utf8()));
            count += 1;
        }
        table.push(count);
        Self(table)
    }

    pub fn get(&self, byte: usize) -> u32 {
        self.0
            .get(byte)
            .copied()
            .unwrap_or(*self.0.last().unwrap_or(&0))
    }
}

/// One pre-tokenized piece: its normalized text and `[start, end)` offsets in the original.
#[napi(object)]
pub struct PreToken {
    pub token: String,
    /// Char offsets (or byte offsets when asked) into the original text.
    pub offsets: Vec<u32>,
}

/// A pre-tokenizer parsed from its `tokenizer.json` object, with an optional normalizer in
/// front of it.
#[napi]
pub struct NativePreTokenizer {
    inner: PreTokenizerWrapper,
    normalizer: Option<NormalizerWrapper>,
}

#[napi]
impl NativePreTokenizer {
    /// `json` is a pre_tokenizer object; `normalizer_json`, if given, a normalizer object that
    /// runs first.
    #[napi(factory)]
    pub fn from_json(json: String, normalizer_json: Option<String>) -> napi::Result<Self> {
        let inner = PreTokenizerWrapper::from_json(&json).map_err(map_error)?;
        let normalizer = normalizer_json
            .map(|j| NormalizerWrapper::from_json(&j))
            .transpose()
            .map_err(map_error)?;
        Ok(Self { inner, normalizer })
    }

    #[napi]
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Normalizes (if configured) then pre-tokenizes `text`.
    #[napi]
    pub fn pre_tokenize(
        &self,
        text: String,
        byte_offsets: Option<bool>,
    ) -> napi::Result<Vec<PreToken>> {
        let mut n = NormalizedString::from(text.as_str());
        if let Some(norm) = &self.normalizer {
            norm.normalize(&mut n).map_err(map_error)?;
        }
        let splits = self.inner.pre_tokenize(vec![n.into()]).map_err(map_error)?;
        let to_char = (!byte_offsets.unwrap_or(false)).then(|| ByteToChar::new(&text));
        Ok(splits
            .into_iter()
            .filter_map(|s| {
                let (start, end) = s.original_offsets()?;
                let offsets = match &to_char {
                    Some(t) => vec![t.get(start), t.get(end)],
                    None => vec![start as u32, end as u32],
                };
                Some(PreToken {
                    token: s.normalized,
                    offsets,
                })
            })
            .collect())
    }
}
