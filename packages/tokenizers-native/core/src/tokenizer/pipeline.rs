//! The `Tokenizer`: normalizer -> pre-tokenizer -> model -> post-processor, plus added tokens,
//! truncation and padding; read from and written to `tokenizer.json` as HF does.

use super::added_vocabulary::{AddedToken, AddedTokenWithId, AddedVocabulary};
use super::params::{pad_encodings, truncate_encodings};
use super::pre_tokenized::Piece;
use super::{
    Decoder, Encoding, Model, PaddingParams, PostProcessor, PreTokenizer, TruncationParams,
};
use crate::decoders::DecoderWrapper;
use crate::models::ModelWrapper;
use crate::normalizers::NormalizerWrapper;
use crate::pre_tokenizers::PreTokenizerWrapper;
use crate::processors::PostProcessorWrapper;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::HashMap;

/// One input sequence: raw text, or text already split into words (offsets are then relative
/// to each word, and word ids are the word indices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSequence {
    Raw(String),
    PreTokenized(Vec<String>),
}

/// A single sequence or a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeInput {
    pub first: InputSequence,
    pub pair: Option<InputSequence>,
}

impl From<&str> for EncodeInput {
    fn from(s: &str) -> Self {
        Self {
            first: InputSequence::Raw(s.to_owned()),
            pair: None,
        }
    }
}

/// Unit of the offsets in an `Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OffsetType {
    /// UTF-8 byte positions.
    Byte,
    /// Unicode scalar positions (HF's default; JS strings index UTF-16 units, which differ
    /// only outside the BMP).
    #[default]
    Char,
}

#[derive(Debug, Clone)]
pub struct Tokenizer {
    pub normalizer: Option<NormalizerWrapper>,
    pub pre_tokenizer: Option<PreTokenizerWrapper>,
    pub model: ModelWrapper,
    pub post_processor: Option<PostProcessorWrapper>,
    pub decoder: Option<DecoderWrapper>,
    added_vocabulary: AddedVocabulary,
    truncation: Option<TruncationParams>,
    padding: Option<PaddingParams>,
}

/// The field order of HF's `tokenizer.json` (model last).
#[derive(Serialize)]
struct TokenizerJson<'a> {
    version: &'static str,
    truncation: &'a Option<TruncationParams>,
    padding: &'a Option<PaddingParams>,
    added_tokens: Vec<AddedTokenWithId>,
    normalizer: &'a Option<NormalizerWrapper>,
    pre_tokenizer: &'a Option<PreTokenizerWrapper>,
    post_processor: &'a Option<PostProcessorWrapper>,
    decoder: &'a Option<DecoderWrapper>,
    model: &'a ModelWrapper,
}

fn in_file(source: &str, e: Error) -> Error {
    match e {
        Error::UnknownComponent {
            kind,
            field,
            found,
            supported,
        } => Error::UnknownComponent {
            kind,
            field: format!("{source}: {field}"),
            found,
            supported,
        },
        Error::InvalidJson {
            kind,
            field,
            message,
        } => Error::InvalidJson {
            kind,
            field: format!("{source}: {field}"),
            message,
        },
        Error::InvalidConfig { field, message } => Error::InvalidConfig {
            field: format!("{source}: {field}"),
            message,
        },
        Error::MissingToken { field, token } => Error::MissingToken {
            field: format!("{source}: {field}"),
            token,
        },
        other => other,
    }
}

/// Maps byte offsets of one text to char offsets exactly as HF's `BytesToCharOffsetConverter`:
/// a byte inside a char maps to that char; an end at the text's end maps to the char count.
struct CharOffsets {
    /// `table[b]` = index of the char containing byte `b`; `table[len]` = char count.
    table: Vec<u32>,
}

impl CharOffsets {
    fn new(s: &str) -> Option<Self> {
        // ASCII text needs no table: bytes are chars.
        if s.is_ascii() {
            return None;
        }
        let mut table = Vec::with_capacity(s.len() + 1);
        for (i, c) in s.chars().enumerate() {
            table.extend(std::iter::repeat(i as u32).take(c.len_utf8()));
        }
        table.push(s.chars().count() as u32);
        Some(Self { table })
    }

    fn convert(&self, (s, e): (usize, usize)) -> (usize, usize) {
        let len = self.table.len() - 1;
        if s >= len {
            // HF leaves offsets it cannot map (an empty token at the very end) in bytes.
            return (s, e);
        }
        let start = self.table[s] as usize;
        let end = if e < len {
            self.table[e] as usize
        } else if e == len {
            self.table[len] as usize
        } else {
            return (s, e);
        };
        (start, end)
    }
}

/// `threads`, or every core when 0.
fn resolve_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

/// Runs `f` on each chunk on its own scoped thread; results in chunk order. A panicking
/// worker becomes an error naming `what`.
fn in_threads<'a, T: Sync + 'a, R: Send, F>(
    chunks: impl Iterator<Item = &'a [T]>,
    f: F,
    what: &str,
) -> Vec<Result<R>>
where
    F: Fn(&'a [T]) -> Result<R> + Sync,
{
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks.map(|c| scope.spawn(move || f(c))).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::InvalidConfig {
                        field: what.to_owned(),
                        message: "a worker thread panicked".to_owned(),
                    })
                })
            })
            .collect()
    })
}

impl Tokenizer {
    pub fn new(model: ModelWrapper) -> Self {
        Self {
            normalizer: None,
            pre_tokenizer: None,
            model,
            post_processor: None,
            decoder: None,
            added_vocabulary: AddedVocabulary::default(),
            truncation: None,
            padding: None,
        }
    }

    /// Reads a `tokenizer.json` file; errors name the file and the field.
    pub fn from_file(path: &str) -> Result<Self> {
        let text = crate::error::read_text_file(path)?;
        Self::from_json(&text, path)
    }

    /// Parses the text of a `tokenizer.json`; `source` (a file name) prefixes error fields.
    pub fn from_json(json: &str, source: &str) -> Result<Self> {
        Self::parse(json).map_err(|e| in_file(source, e))
    }

    fn parse(json: &str) -> Result<Self> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| Error::InvalidJson {
                kind: "tokenizer",
                field: "(root)".to_owned(),
                message: e.to_string(),
            })?;
        let serde_json::Value::Object(mut root) = value else {
            return Err(Error::InvalidJson {
                kind: "tokenizer",
                field: "(root)".to_owned(),
                message: "expected a JSON object".to_owned(),
            });
        };
        let mut take = |key: &str| root.remove(key).filter(|v| !v.is_null());
        let model_value = take("model").ok_or_else(|| Error::InvalidJson {
            kind: "tokenizer",
            field: "model".to_owned(),
            message: "missing field 'model'".to_owned(),
        })?;
        let field_err = |field: &str, e: serde_json::Error| Error::InvalidJson {
            kind: "tokenizer",
            field: field.to_owned(),
            message: e.to_string(),
        };
        let mut t = Tokenizer::new(ModelWrapper::from_value(model_value, "model")?);
        t.normalizer = take("normalizer")
            .map(|v| NormalizerWrapper::from_value(v, "normalizer"))
            .transpose()?;
        t.pre_tokenizer = take("pre_tokenizer")
            .map(|v| PreTokenizerWrapper::from_value(v, "pre_tokenizer"))
            .transpose()?;
        t.post_processor = take("post_processor")
            .map(|v| PostProcessorWrapper::from_value(v, "post_processor"))
            .transpose()?;
        t.decoder = take("decoder")
            .map(|v| DecoderWrapper::from_value(v, "decoder"))
            .transpose()?;
        t.truncation = take("truncation")
            .map(|v| serde_json::from_value(v).map_err(|e| field_err("truncation", e)))
            .transpose()?;
        t.padding = take("padding")
            .map(|v| serde_json::from_value(v).map_err(|e| field_err("padding", e)))
            .transpose()?;
        let added: Vec<AddedTokenWithId> = take("added_tokens")
            .map(|v| serde_json::from_value(v).map_err(|e| field_err("added_tokens", e)))
            .transpose()?
            .unwrap_or_default();
        let tokens: Vec<AddedToken> = added.into_iter().map(|t| t.token).collect();
        t.add_tokens(&tokens)?;
        Ok(t)
    }

    /// The `tokenizer.json` text, pretty-printed (2-space indent) as HF's `save` writes it.
    pub fn to_json(&self, pretty: bool) -> Result<String> {
        let json = TokenizerJson {
            version: "1.0",
            truncation: &self.truncation,
            padding: &self.padding,
            added_tokens: self.added_vocabulary.to_list(),
            normalizer: &self.normalizer,
            pre_tokenizer: &self.pre_tokenizer,
            post_processor: &self.post_processor,
            decoder: &self.decoder,
            model: &self.model,
        };
        let out = if pretty {
            serde_json::to_string_pretty(&json)
        } else {
            serde_json::to_string(&json)
        };
        out.map_err(|e| Error::InvalidConfig {
            field: "tokenizer".to_owned(),
            message: format!("cannot serialize: {e}"),
        })
    }

    /// Adds tokens (special or not); returns how many were new.
    pub fn add_tokens(&mut self, tokens: &[AddedToken]) -> Result<usize> {
        self.added_vocabulary
            .add_tokens(tokens, &self.model, self.normalizer.as_ref())
    }

    pub fn truncation(&self) -> Option<&TruncationParams> {
        self.truncation.as_ref()
    }

    pub fn padding(&self) -> Option<&PaddingParams> {
        self.padding.as_ref()
    }

    /// Sets (or clears) truncation; a stride that cannot fit the room left after special
    /// tokens is an error.
    pub fn set_truncation(&mut self, params: Option<TruncationParams>) -> Result<()> {
        if let Some(p) = &params {
            let added = self.n_added_tokens(false);
            let effective = p.max_length.checked_sub(added).ok_or_else(|| Error::InvalidConfig {
                field: "truncation.max_length".to_owned(),
                message: format!(
                    "max_length ({}) is smaller than the {added} special tokens the post-processor adds",
                    p.max_length
                ),
            })?;
            if effective < p.stride {
                return Err(Error::InvalidConfig {
                    field: "truncation.stride".to_owned(),
                    message: format!(
                        "stride ({}) is greater than the effective max length {effective} (= max_length {} - {added} special tokens)",
                        p.stride, p.max_length
                    ),
                });
            }
        }
        self.truncation = params;
        Ok(())
    }

    pub fn set_padding(&mut self, params: Option<PaddingParams>) {
        self.padding = params;
    }

    fn n_added_tokens(&self, is_pair: bool) -> usize {
        self.post_processor
            .as_ref()
            .map_or(0, |p| p.added_tokens(is_pair))
    }

    /// Encodes one text (or one word of a pre-tokenized input) into an `Encoding` without
    /// special tokens. `word_idx` is the word index for pre-tokenized input.
    fn encode_text(
        &self,
        text: &str,
        type_id: u32,
        word_idx: Option<u32>,
        offset_type: OffsetType,
    ) -> Result<Encoding> {
        // 1. Added tokens out, normalize the rest.
        let pieces = self
            .added_vocabulary
            .extract_and_normalize(self.normalizer.as_ref(), text)?;
        // 2. Pre-tokenize the pieces that are not already tokens.
        let pieces: Vec<Piece> = match &self.pre_tokenizer {
            None => pieces,
            Some(pre) => {
                let mut out = Vec::with_capacity(pieces.len() * 4);
                for p in pieces {
                    if p.tokens.is_some() {
                        out.push(p);
                        continue;
                    }
                    for split in pre.pre_tokenize(vec![p.split])? {
                        if !split.normalized.is_empty() {
                            out.push(Piece {
                                split,
                                tokens: None,
                            });
                        }
                    }
                }
                out
            }
        };
        // 3. Model, then 4. offsets back into `text`.
        let chars = match offset_type {
            OffsetType::Char => CharOffsets::new(text),
            OffsetType::Byte => None,
        };
        let mut enc = Encoding::with_capacity(pieces.len() * 2);
        for (i, p) in pieces.into_iter().enumerate() {
            let word = word_idx.or(Some(i as u32));
            let tokens = match p.tokens {
                Some(t) => t,
                None => self.model.tokenize(&p.split.normalized)?,
            };
            let al = &p.split.alignments;
            for t in tokens {
                let (s, e) = t.offsets;
                let bytes = if s < e && e <= al.len() {
                    (al[s].0, al[e - 1].1)
                } else {
                    let base = al.first().map_or(0, |a| a.0);
                    (base + s, base + e)
                };
                let offsets = match &chars {
                    Some(c) => c.convert(bytes),
                    None => bytes,
                };
                enc.push(t.id, t.value, offsets, word, type_id);
            }
        }
        Ok(enc)
    }

    fn encode_sequence(
        &self,
        seq: &InputSequence,
        type_id: u32,
        offset_type: OffsetType,
    ) -> Result<Encoding> {
        match seq {
            InputSequence::Raw(s) => self.encode_text(s, type_id, None, offset_type),
            InputSequence::PreTokenized(words) => {
                let encs = words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| self.encode_text(w, type_id, Some(i as u32), offset_type))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Encoding::merge(encs, false))
            }
        }
    }

    /// Encodes a sequence or a pair: tokens, then truncation, special tokens and padding.
    pub fn encode(
        &self,
        input: &EncodeInput,
        add_special_tokens: bool,
        offset_type: OffsetType,
    ) -> Result<Encoding> {
        // Every token of both sequences is kept until truncation: the overflowing windows
        // cover the whole input, as HF's Rust core (tokenizers 0.23.3, what transformers runs).
        let a = self.encode_sequence(&input.first, 0, offset_type)?;
        let b = input
            .pair
            .as_ref()
            .map(|p| self.encode_sequence(p, 1, offset_type))
            .transpose()?;
        self.post_process(a, b, add_special_tokens)
    }

    /// Truncates, adds special tokens, pads: the last steps of `encode`.
    pub fn post_process(
        &self,
        a: Encoding,
        b: Option<Encoding>,
        add_special_tokens: bool,
    ) -> Result<Encoding> {
        // 1. Truncate, leaving room for the special tokens.
        let (a, b) = match &self.truncation {
            None => (a, b),
            Some(t) => {
                let added = if add_special_tokens {
                    self.n_added_tokens(b.is_some())
                } else {
                    0
                };
                let mut params = t.clone();
                params.max_length =
                    t.max_length
                        .checked_sub(added)
                        .ok_or_else(|| Error::InvalidConfig {
                            field: "truncation.max_length".to_owned(),
                            message: format!(
                                "max_length ({}) is smaller than the {added} special tokens to add",
                                t.max_length
                            ),
                        })?;
                truncate_encodings(a, b, &params)?
            }
        };
        // 2. Special tokens.
        let mut enc = match &self.post_processor {
            Some(p) => p.process(a, b, add_special_tokens)?,
            None => super::default_process(a, b),
        };
        // 3. Pad.
        if let Some(p) = &self.padding {
            pad_encodings(std::slice::from_mut(&mut enc), p);
        }
        Ok(enc)
    }

    /// Encodes many inputs on up to `threads` native threads (0 = all cores), then pads them
    /// together (batch-longest padding uses the longest of the batch).
    pub fn encode_batch(
        &self,
        inputs: &[EncodeInput],
        add_special_tokens: bool,
        offset_type: OffsetType,
        threads: usize,
    ) -> Result<Vec<Encoding>> {
        let threads = resolve_threads(threads).min(inputs.len().max(1));
        let run = |part: &[EncodeInput]| -> Result<Vec<Encoding>> {
            part.iter()
                .map(|i| self.encode(i, add_special_tokens, offset_type))
                .collect()
        };
        let mut out: Vec<Encoding> = if threads <= 1 {
            run(inputs)?
        } else {
            // Contiguous chunks, one per thread, joined back in order.
            let chunk = inputs.len().div_ceil(threads);
            let parts = in_threads(inputs.chunks(chunk), run, "encode_batch");
            let mut all = Vec::with_capacity(inputs.len());
            for p in parts {
                all.extend(p?);
            }
            all
        };
        if let Some(p) = &self.padding {
            pad_encodings(&mut out, p);
        }
        Ok(out)
    }

    /// Ids back to text. Unknown ids are an error (HF drops them silently).
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        let mut tokens = Vec::with_capacity(ids.len());
        for &id in ids {
            let token = self
                .added_vocabulary
                .id_to_token(id)
                .or_else(|| self.model.id_to_token(id))
                .ok_or_else(|| Error::IdOutOfRange {
                    id,
                    vocab_size: self.get_vocab_size(true),
                })?;
            if skip_special_tokens && self.added_vocabulary.is_special_token(token) {
                continue;
            }
            tokens.push(token.to_owned());
        }
        match &self.decoder {
            Some(d) => d.decode(tokens),
            None => Ok(tokens.join(" ")),
        }
    }

    /// Decodes many id lists on up to `threads` native threads (0 = all cores), in order.
    pub fn decode_batch(
        &self,
        batch: &[&[u32]],
        skip_special_tokens: bool,
        threads: usize,
    ) -> Result<Vec<String>> {
        let run = |part: &[&[u32]]| -> Result<Vec<String>> {
            part.iter()
                .map(|ids| self.decode(ids, skip_special_tokens))
                .collect()
        };
        let threads = resolve_threads(threads).min(batch.len().max(1));
        if threads <= 1 {
            return run(batch);
        }
        let chunk = batch.len().div_ceil(threads);
        let parts = in_threads(batch.chunks(chunk), run, "decode_batch");
        let mut out = Vec::with_capacity(batch.len());
        for p in parts {
            out.extend(p?);
        }
        Ok(out)
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.added_vocabulary.token_to_id(token, &self.model)
    }

    pub fn id_to_token(&self, id: u32) -> Option<&str> {
        self.added_vocabulary
            .id_to_token(id)
            .or_else(|| self.model.id_to_token(id))
    }

    pub fn get_vocab(&self, with_added_tokens: bool) -> HashMap<String, u32> {
        let mut v = self.model.get_vocab();
        if with_added_tokens {
            for (k, id) in self.added_vocabulary.get_vocab() {
                v.insert(k.clone(), *id);
            }
        }
        v
    }

    pub fn get_vocab_size(&self, with_added_tokens: bool) -> usize {
        if with_added_tokens {
            self.get_vocab(true).len()
        } else {
            self.model.get_vocab_size()
        }
    }
}
