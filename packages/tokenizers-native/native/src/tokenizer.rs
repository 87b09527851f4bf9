//! napi glue for the `Tokenizer`: JS values in, core calls, typed arrays out.

use crate::error::map_error;
use napi::bindgen_prelude::{AsyncTask, Either, Int32Array, Uint32Array};
use napi::{Env, Task};
use napi_derive::napi;
use std::collections::HashMap;
use std::sync::Arc;
use transferjs_tokenizers_core::{
    AddedToken, EncodeInput, Encoding, Error, InputSequence, OffsetType, PaddingParams, Tokenizer,
    TruncationParams,
};

/// One encoding, in flat arrays (offsets interleaved `[s0, e0, s1, e1, ...]`; `-1` stands for
/// "no word" / "no sequence").
#[napi(object)]
pub struct EncodingData {
    pub ids: Uint32Array,
    pub type_ids: Uint32Array,
    pub tokens: Vec<String>,
    pub offsets: Uint32Array,
    pub words: Int32Array,
    pub sequence_ids: Int32Array,
    pub special_tokens_mask: Uint32Array,
    pub attention_mask: Uint32Array,
    pub overflowing: Vec<EncodingData>,
}

fn to_data(e: Encoding) -> EncodingData {
    let sequence_ids: Vec<i32> = e
        .sequence_ids()
        .into_iter()
        .map(|s| s.map_or(-1, |v| v as i32))
        .collect();
    let mut offsets = Vec::with_capacity(e.offsets.len() * 2);
    for (s, t) in &e.offsets {
        offsets.push(*s as u32);
        offsets.push(*t as u32);
    }
    let words: Vec<i32> = e.words.iter().map(|w| w.map_or(-1, |v| v as i32)).collect();
    EncodingData {
        ids: Uint32Array::new(e.ids),
        type_ids: Uint32Array::new(e.type_ids),
        tokens: e.tokens,
        offsets: Uint32Array::new(offsets),
        words: Int32Array::new(words),
        sequence_ids: Int32Array::new(sequence_ids),
        special_tokens_mask: Uint32Array::new(e.special_tokens_mask),
        attention_mask: Uint32Array::new(e.attention_mask),
        overflowing: e.overflowing.into_iter().map(to_data).collect(),
    }
}

#[napi(object)]
pub struct NativeEncodeOptions {
    /// Add the post-processor's special tokens (default true).
    pub add_special_tokens: Option<bool>,
    /// Offsets in UTF-8 bytes instead of chars (default false).
    pub byte_offsets: Option<bool>,
}

fn seq(input: Either<String, Vec<String>>) -> InputSequence {
    match input {
        Either::A(s) => InputSequence::Raw(s),
        Either::B(words) => InputSequence::PreTokenized(words),
    }
}

fn options(o: Option<NativeEncodeOptions>) -> (bool, OffsetType) {
    let o = o.unwrap_or(NativeEncodeOptions {
        add_special_tokens: None,
        byte_offsets: None,
    });
    let offsets = if o.byte_offsets.unwrap_or(false) {
        OffsetType::Byte
    } else {
        OffsetType::Char
    };
    (o.add_special_tokens.unwrap_or(true), offsets)
}

fn batch_inputs(
    inputs: Vec<Either<String, Vec<String>>>,
    pairs: Option<Vec<Either<String, Vec<String>>>>,
) -> napi::Result<Vec<EncodeInput>> {
    match pairs {
        None => Ok(inputs
            .into_iter()
            .map(|i| EncodeInput { first: seq(i), pair: None })
            .collect()),
        Some(pairs) => {
            if pairs.len() != inputs.len() {
                return Err(map_error(Error::InvalidConfig {
                    field: "encodeBatch(pairs)".to_owned(),
                    message: format!(
                        "{} inputs but {} pairs; give one pair per input",
                        inputs.len(),
                        pairs.len()
                    ),
                }));
            }
            Ok(inputs
                .into_iter()
                .zip(pairs)
                .map(|(i, p)| EncodeInput {
                    first: seq(i),
                    pair: Some(seq(p)),
                })
                .collect())
        }
    }
}

pub struct EncodeBatchTask {
    tokenizer: Arc<Tokenizer>,
    inputs: Vec<EncodeInput>,
    add_special_tokens: bool,
    offsets: OffsetType,
    threads: usize,
}

impl Task for EncodeBatchTask {
    type Output = Vec<Encoding>;
    type JsValue = Vec<EncodingData>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        self.tokenizer
            .encode_batch(&self.inputs, self.add_special_tokens, self.offsets, self.threads)
            .map_err(map_error)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output.into_iter().map(to_data).collect())
    }
}

/// A tokenizer pipeline (normalizer, pre-tokenizer, model, post-processor, decoder).
#[napi]
pub struct NativeTokenizer {
    inner: Arc<Tokenizer>,
}

fn parse_json<T: serde::de::DeserializeOwned>(json: &str, field: &str) -> napi::Result<T> {
    serde_json::from_str(json).map_err(|e| {
        map_error(Error::InvalidJson {
            kind: "option",
            field: field.to_owned(),
            message: e.to_string(),
        })
    })
}

#[napi]
impl NativeTokenizer {
    /// Reads a `tokenizer.json` file.
    #[napi(factory)]
    pub fn from_file(path: String) -> napi::Result<Self> {
        let inner = Tokenizer::from_file(&path).map_err(map_error)?;
        Ok(Self { inner: Arc::new(inner) })
    }

    /// Parses `tokenizer.json` text; `source` names it in errors.
    #[napi(factory)]
    pub fn from_json(json: String, source: Option<String>) -> napi::Result<Self> {
        let source = source.unwrap_or_else(|| "tokenizer.json".to_owned());
        let inner = Tokenizer::from_json(&json, &source).map_err(map_error)?;
        Ok(Self { inner: Arc::new(inner) })
    }

    /// A BERT tokenizer from a WordPiece `vocab.txt`, as transformers converts the slow one.
    #[napi(factory)]
    pub fn from_bert_vocab(path: String, options_json: String) -> napi::Result<Self> {
        let options = parse_json(&options_json, "fromVocab options")?;
        let inner = transferjs_tokenizers_core::slow::bert_from_vocab_file(&path, &options)
            .map_err(map_error)?;
        Ok(Self { inner: Arc::new(inner) })
    }

    /// A byte-level BPE tokenizer (GPT-2 or RoBERTa) from `vocab.json` + `merges.txt`, as
    /// transformers builds it from those files.
    #[napi(factory)]
    pub fn from_bpe_files(vocab_path: String, merges_path: String, options_json: String) -> napi::Result<Self> {
        let options = parse_json(&options_json, "fromBpeFiles options")?;
        let inner = transferjs_tokenizers_core::slow::bpe_from_files(&vocab_path, &merges_path, &options)
            .map_err(map_error)?;
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The `tokenizer.json` text (pretty = HF's `save` format).
    #[napi]
    pub fn to_json(&self, pretty: bool) -> napi::Result<String> {
        self.inner.to_json(pretty).map_err(map_error)
    }

    /// Writes `tokenizer.json` atomically (temp file, fsync, rename).
    #[napi]
    pub fn save(&self, path: String, pretty: bool) -> napi::Result<()> {
        let json = self.inner.to_json(pretty).map_err(map_error)?;
        transferjs_tokenizers_core::error::write_atomic(&path, json.as_bytes()).map_err(map_error)
    }

    #[napi]
    pub fn encode(
        &self,
        input: Either<String, Vec<String>>,
        pair: Option<Either<String, Vec<String>>>,
        options: Option<NativeEncodeOptions>,
    ) -> napi::Result<EncodingData> {
        let (add, offsets) = self::options(options);
        let input = EncodeInput {
            first: seq(input),
            pair: pair.map(seq),
        };
        let e = self.inner.encode(&input, add, offsets).map_err(map_error)?;
        Ok(to_data(e))
    }

    /// Encodes on native threads (`threads` 0 or absent = all cores); resolves in input order.
    #[napi(ts_return_type = "Promise<Array<EncodingData>>")]
    pub fn encode_batch(
        &self,
        inputs: Vec<Either<String, Vec<String>>>,
        pairs: Option<Vec<Either<String, Vec<String>>>>,
        options: Option<NativeEncodeOptions>,
        threads: Option<u32>,
    ) -> napi::Result<AsyncTask<EncodeBatchTask>> {
        let (add, offsets) = self::options(options);
        Ok(AsyncTask::new(EncodeBatchTask {
            tokenizer: Arc::clone(&self.inner),
            inputs: batch_inputs(inputs, pairs)?,
            add_special_tokens: add,
            offsets,
            threads: threads.unwrap_or(0) as usize,
        }))
    }

    #[napi]
    pub fn encode_batch_sync(
        &self,
        inputs: Vec<Either<String, Vec<String>>>,
        pairs: Option<Vec<Either<String, Vec<String>>>>,
        options: Option<NativeEncodeOptions>,
        threads: Option<u32>,
    ) -> napi::Result<Vec<EncodingData>> {
        let (add, offsets) = self::options(options);
        let inputs = batch_inputs(inputs, pairs)?;
        let out = self
            .inner
            .encode_batch(&inputs, add, offsets, threads.unwrap_or(0) as usize)
            .map_err(map_error)?;
        Ok(out.into_iter().map(to_data).collect())
    }

    #[napi]
    pub fn decode(&self, ids: Vec<u32>, skip_special_tokens: bool) -> napi::Result<String> {
        self.inner.decode(&ids, skip_special_tokens).map_err(map_error)
    }

    #[napi]
    pub fn decode_batch(&self, batch: Vec<Vec<u32>>, skip_special_tokens: bool) -> napi::Result<Vec<String>> {
        batch
            .iter()
            .map(|ids| self.inner.decode(ids, skip_special_tokens))
            .collect::<Result<_, _>>()
            .map_err(map_error)
    }

    #[napi]
    pub fn token_to_id(&self, token: String) -> Option<u32> {
        self.inner.token_to_id(&token)
    }

    #[napi]
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id).map(str::to_owned)
    }

    #[napi]
    pub fn vocab_size(&self, with_added_tokens: bool) -> u32 {
        self.inner.get_vocab_size(with_added_tokens) as u32
    }

    #[napi]
    pub fn get_vocab(&self, with_added_tokens: bool) -> HashMap<String, u32> {
        self.inner.get_vocab(with_added_tokens)
    }

    /// `null` clears; otherwise HF's truncation JSON (`max_length`, `stride`, ...).
    #[napi]
    pub fn set_truncation(&mut self, json: Option<String>) -> napi::Result<()> {
        let params: Option<TruncationParams> = json.map(|j| parse_json(&j, "truncation")).transpose()?;
        Arc::make_mut(&mut self.inner).set_truncation(params).map_err(map_error)
    }

    /// `null` clears; otherwise HF's padding JSON.
    #[napi]
    pub fn set_padding(&mut self, json: Option<String>) -> napi::Result<()> {
        let params: Option<PaddingParams> = json.map(|j| parse_json(&j, "padding")).transpose()?;
        Arc::make_mut(&mut self.inner).set_padding(params);
        Ok(())
    }

    #[napi]
    pub fn truncation_json(&self) -> Option<String> {
        self.inner.truncation().and_then(|t| serde_json::to_string(t).ok())
    }

    #[napi]
    pub fn padding_json(&self) -> Option<String> {
        self.inner.padding().and_then(|p| serde_json::to_string(p).ok())
    }

    /// Adds tokens given as HF `AddedToken` JSON objects (an array); returns how many were new.
    #[napi]
    pub fn add_tokens(&mut self, json: String) -> napi::Result<u32> {
        let tokens: Vec<AddedToken> = parse_json(&json, "addTokens")?;
        let n = Arc::make_mut(&mut self.inner).add_tokens(&tokens).map_err(map_error)?;
        Ok(n as u32)
    }
}
