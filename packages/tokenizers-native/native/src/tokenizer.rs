//! napi glue for the `Tokenizer`: JS values in, core calls, typed arrays out.

use crate::error::map_error;
use napi::bindgen_prelude::{AsyncTask, Either, Uint32Array};
use napi::{Env, Task};
use napi_derive::napi;
use std::collections::HashMap;
use std::sync::Arc;
use transferjs_tokenizers_core::{
    AddedToken, EncodeInput, Encoding, Error, InputSequence, OffsetType, PaddingParams, Tokenizer,
    TruncationParams,
};

/// Encodings flattened into one `u32` buffer and one string, so a whole batch crosses into JS
/// as two values (no per-encoding objects, arrays or token strings).
///
/// `data` layout (`n` encodings, `roots` of them top-level, `t` tokens in all):
/// 1. header `[n, roots, t]`;
/// 2. per encoding `[token_start, token_end, overflow_start, overflow_end]` (`4 n`): its token
///    range in the columns, and the range of encoding indices of its overflowing parts;
/// 3. columns of `t` values each: ids, type ids, attention mask, special-tokens mask, word ids,
///    sequence ids (`u32::MAX` = none), token ends (UTF-16 end of each token in `tokens`);
/// 4. offsets, `2 t` values `[s0, e0, s1, e1, ...]`.
///
/// Roots come first (in input order); overflowing parts follow breadth first, so each
/// encoding's parts are contiguous.
#[napi(object)]
pub struct EncodingBatch {
    pub data: Uint32Array,
    /// Every token string, concatenated.
    pub tokens: String,
}

const NONE: u32 = u32::MAX;

/// Flattens `roots` (and their overflowing parts) into an `EncodingBatch`'s buffers; runs on
/// the worker thread for batches.
fn flatten(roots: Vec<Encoding>) -> (Vec<u32>, String) {
    // 1. Breadth-first order: roots, then the parts of each encoding in turn.
    let n_roots = roots.len();
    let mut order: Vec<Encoding> = roots;
    let mut table: Vec<[u32; 4]> = Vec::with_capacity(order.len());
    let mut i = 0;
    while i < order.len() {
        let parts = std::mem::take(&mut order[i].overflowing);
        let first = order.len() as u32;
        order.extend(parts);
        table.push([0, 0, first, order.len() as u32]);
        i += 1;
    }
    let t: usize = order.iter().map(Encoding::len).sum();
    let n = order.len();
    // 2. Header, table, then the columns filled encoding by encoding.
    let cols = 3 + 4 * n;
    let mut data = vec![0u32; cols + 9 * t];
    data[0] = n as u32;
    data[1] = n_roots as u32;
    data[2] = t as u32;
    let token_chars: usize = order
        .iter()
        .flat_map(|e| e.tokens.iter())
        .map(String::len)
        .sum();
    let mut tokens = String::with_capacity(token_chars);
    let mut utf16_end: u32 = 0;
    let mut at = 0usize;
    for (k, e) in order.iter().enumerate() {
        let len = e.len();
        table[k][0] = at as u32;
        table[k][1] = (at + len) as u32;
        let col = |c: usize| cols + c * t + at;
        data[col(0)..col(0) + len].copy_from_slice(&e.ids);
        data[col(1)..col(1) + len].copy_from_slice(&e.type_ids);
        data[col(2)..col(2) + len].copy_from_slice(&e.attention_mask);
        data[col(3)..col(3) + len].copy_from_slice(&e.special_tokens_mask);
        for (d, w) in data[col(4)..col(4) + len].iter_mut().zip(&e.words) {
            *d = w.unwrap_or(NONE);
        }
        for (d, s) in data[col(5)..col(5) + len].iter_mut().zip(e.sequence_ids()) {
            *d = s.unwrap_or(NONE);
        }
        let ends = col(6);
        for (j, tok) in e.tokens.iter().enumerate() {
            tokens.push_str(tok);
            utf16_end += if tok.is_ascii() {
                tok.len() as u32
            } else {
                tok.chars().map(|c| c.len_utf16() as u32).sum::<u32>()
            };
            data[ends + j] = utf16_end;
        }
        let off = cols + 7 * t + 2 * at;
        for (j, (s, e)) in e.offsets.iter().enumerate() {
            data[off + 2 * j] = *s as u32;
            data[off + 2 * j + 1] = *e as u32;
        }
        at += len;
    }
    for (k, row) in table.iter().enumerate() {
        data[3 + 4 * k..3 + 4 * k + 4].copy_from_slice(row);
    }
    (data, tokens)
}

fn to_batch((data, tokens): (Vec<u32>, String)) -> EncodingBatch {
    EncodingBatch {
        data: Uint32Array::new(data),
        tokens,
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
            .map(|i| EncodeInput {
                first: seq(i),
                pair: None,
            })
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
    type Output = (Vec<u32>, String);
    type JsValue = EncodingBatch;

    /// Encodes and flattens, both off the JS thread.
    fn compute(&mut self) -> napi::Result<Self::Output> {
        self.tokenizer
            .encode_batch(
                &self.inputs,
                self.add_special_tokens,
                self.offsets,
                self.threads,
            )
            .map(flatten)
            .map_err(map_error)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(to_batch(output))
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
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Parses `tokenizer.json` text; `source` names it in errors.
    #[napi(factory)]
    pub fn from_json(json: String, source: Option<String>) -> napi::Result<Self> {
        let source = source.unwrap_or_else(|| "tokenizer.json".to_owned());
        let inner = Tokenizer::from_json(&json, &source).map_err(map_error)?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// A BERT tokenizer from a WordPiece `vocab.txt`, as transformers converts the slow one.
    #[napi(factory)]
    pub fn from_bert_vocab(path: String, options_json: String) -> napi::Result<Self> {
        let options = parse_json(&options_json, "fromVocab options")?;
        let inner = transferjs_tokenizers_core::slow::bert_from_vocab_file(&path, &options)
            .map_err(map_error)?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// A byte-level BPE tokenizer (GPT-2 or RoBERTa) from `vocab.json` + `merges.txt`, as
    /// transformers builds it from those files.
    #[napi(factory)]
    pub fn from_bpe_files(
        vocab_path: String,
        merges_path: String,
        options_json: String,
    ) -> napi::Result<Self> {
        let options = parse_json(&options_json, "fromBpeFiles options")?;
        let inner =
            transferjs_tokenizers_core::slow::bpe_from_files(&vocab_path, &merges_path, &options)
                .map_err(map_error)?;
        Ok(Self {
            inner: Arc::new(inner),
        })
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

    /// Encodes one input or a pair (plain arguments, not an options object: one call per
    /// line is the hot path).
    #[napi]
    pub fn encode(
        &self,
        input: Either<String, Vec<String>>,
        pair: Option<Either<String, Vec<String>>>,
        add_special_tokens: bool,
        byte_offsets: bool,
    ) -> napi::Result<EncodingBatch> {
        let offsets = if byte_offsets {
            OffsetType::Byte
        } else {
            OffsetType::Char
        };
        let input = EncodeInput {
            first: seq(input),
            pair: pair.map(seq),
        };
        let e = self
            .inner
            .encode(&input, add_special_tokens, offsets)
            .map_err(map_error)?;
        Ok(to_batch(flatten(vec![e])))
    }

    /// Encodes on native threads (`threads` 0 or absent = all cores); resolves in input order.
    #[napi(ts_return_type = "Promise<EncodingBatch>")]
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
    ) -> napi::Result<EncodingBatch> {
        let (add, offsets) = self::options(options);
        let inputs = batch_inputs(inputs, pairs)?;
        let out = self
            .inner
            .encode_batch(&inputs, add, offsets, threads.unwrap_or(0) as usize)
            .map_err(map_error)?;
        Ok(to_batch(flatten(out)))
    }

    #[napi]
    pub fn decode(&self, ids: Vec<u32>, skip_special_tokens: bool) -> napi::Result<String> {
        self.inner
            .decode(&ids, skip_special_tokens)
            .map_err(map_error)
    }

    /// Decodes `lengths.length` id lists laid end to end in `ids` (one typed array each way
    /// instead of an array per list), on native threads (`threads` 0 = all cores).
    #[napi]
    pub fn decode_batch(
        &self,
        ids: Uint32Array,
        lengths: Uint32Array,
        skip_special_tokens: bool,
        threads: Option<u32>,
    ) -> napi::Result<Vec<String>> {
        let mut lists: Vec<&[u32]> = Vec::with_capacity(lengths.len());
        let mut at = 0usize;
        for &n in lengths.iter() {
            let end = at + n as usize;
            let list = ids.get(at..end).ok_or_else(|| {
                map_error(Error::InvalidConfig {
                    field: "decodeBatch".to_owned(),
                    message: format!("lengths add up past the {} ids given", ids.len()),
                })
            })?;
            lists.push(list);
            at = end;
        }
        self.inner
            .decode_batch(&lists, skip_special_tokens, threads.unwrap_or(0) as usize)
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
        let params: Option<TruncationParams> =
            json.map(|j| parse_json(&j, "truncation")).transpose()?;
        Arc::make_mut(&mut self.inner)
            .set_truncation(params)
            .map_err(map_error)
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
        self.inner
            .truncation()
            .and_then(|t| serde_json::to_string(t).ok())
    }

    #[napi]
    pub fn padding_json(&self) -> Option<String> {
        self.inner
            .padding()
            .and_then(|p| serde_json::to_string(p).ok())
    }

    /// Adds tokens given as HF `AddedToken` JSON objects (an array); returns how many were new.
    #[napi]
    pub fn add_tokens(&mut self, json: String) -> napi::Result<u32> {
        let tokens: Vec<AddedToken> = parse_json(&json, "addTokens")?;
        let n = Arc::make_mut(&mut self.inner)
            .add_tokens(&tokens)
            .map_err(map_error)?;
        Ok(n as u32)
    }
}
