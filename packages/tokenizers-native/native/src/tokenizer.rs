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

/// Encodings flattened into a few typed arrays and one string, so a whole batch crosses into
/// JS as ten values (no per-encoding objects, arrays or token strings).
///
/// - `table`: header `[n, roots, t]` (`n` encodings, `roots` of them top-level, `t` tokens in
///   all), the `roots` indices of the top-level encodings in input order, then per encoding
///   `[token_start, token_end, overflow_start, overflow_end]`: its token range in the columns
///   and the range of indices of its overflowing parts (contiguous);
/// - one column per field, `t` values each (`u32::MAX` = no word / no sequence), `offsets`
///   `2 t` values `[s0, e0, s1, e1, ...]`, `token_ends` the UTF-16 end of each token in
///   `tokens`.
#[napi(object)]
pub struct EncodingBatch {
    pub table: Uint32Array,
    pub ids: Uint32Array,
    pub type_ids: Uint32Array,
    pub attention_mask: Uint32Array,
    pub special_tokens_mask: Uint32Array,
    pub words: Uint32Array,
    pub sequence_ids: Uint32Array,
    pub token_ends: Uint32Array,
    pub offsets: Uint32Array,
    /// Every token string, concatenated.
    pub tokens: String,
}

const NONE: u32 = u32::MAX;

/// Builds an `EncodingBatch`'s buffers encoding by encoding, so a batch can be encoded in
/// slices and each slice's `Encoding`s dropped once copied (the batch never holds every
/// `Encoding` at once).
#[derive(Default)]
pub struct Flat {
    roots: Vec<u32>,
    /// Per encoding: token range, overflowing range.
    entries: Vec<[u32; 4]>,
    ids: Vec<u32>,
    type_ids: Vec<u32>,
    attention_mask: Vec<u32>,
    special_tokens_mask: Vec<u32>,
    words: Vec<u32>,
    sequence_ids: Vec<u32>,
    token_ends: Vec<u32>,
    offsets: Vec<u32>,
    tokens: String,
    utf16_end: u32,
}

impl Flat {
    /// Appends `roots` in order, each followed by its overflowing parts (breadth first, so
    /// the parts of each encoding get contiguous indices).
    fn extend(&mut self, roots: Vec<Encoding>) {
        for root in roots {
            self.roots.push(self.entries.len() as u32);
            let mut queue = std::collections::VecDeque::from([(root, self.entries.len())]);
            self.entries.push([0; 4]);
            while let Some((mut e, at)) = queue.pop_front() {
                let parts = std::mem::take(&mut e.overflowing);
                let first = self.entries.len() as u32;
                let n_parts = parts.len() as u32;
                for p in parts {
                    queue.push_back((p, self.entries.len()));
                    self.entries.push([0; 4]);
                }
                let start = self.ids.len() as u32;
                self.push_tokens(e);
                let end = self.ids.len() as u32;
                self.entries[at] = [start, end, first, first + n_parts];
            }
        }
    }

    fn push_tokens(&mut self, e: Encoding) {
        let seq = e.sequence_ids();
        self.ids.extend_from_slice(&e.ids);
        self.type_ids.extend_from_slice(&e.type_ids);
        self.attention_mask.extend_from_slice(&e.attention_mask);
        self.special_tokens_mask
            .extend_from_slice(&e.special_tokens_mask);
        self.words.extend(e.words.iter().map(|w| w.unwrap_or(NONE)));
        self.sequence_ids
            .extend(seq.iter().map(|s| s.unwrap_or(NONE)));
        for (s, t) in &e.offsets {
            self.offsets.push(*s as u32);
            self.offsets.push(*t as u32);
        }
        for tok in &e.tokens {
            self.tokens.push_str(tok);
            self.utf16_end += if tok.is_ascii() {
                tok.len() as u32
            } else {
                tok.chars().map(|c| c.len_utf16() as u32).sum::<u32>()
            };
            self.token_ends.push(self.utf16_end);
        }
    }

    fn into_batch(self) -> EncodingBatch {
        let mut table = Vec::with_capacity(3 + self.roots.len() + 4 * self.entries.len());
        table.extend([
            self.entries.len() as u32,
            self.roots.len() as u32,
            self.ids.len() as u32,
        ]);
        table.extend_from_slice(&self.roots);
        table.extend(self.entries.iter().flatten());
        EncodingBatch {
            table: Uint32Array::new(table),
            ids: Uint32Array::new(self.ids),
            type_ids: Uint32Array::new(self.type_ids),
            attention_mask: Uint32Array::new(self.attention_mask),
            special_tokens_mask: Uint32Array::new(self.special_tokens_mask),
            words: Uint32Array::new(self.words),
            sequence_ids: Uint32Array::new(self.sequence_ids),
            token_ends: Uint32Array::new(self.token_ends),
            offsets: Uint32Array::new(self.offsets),
            tokens: self.tokens,
        }
    }
}

/// One encoding (and its windows) packed in a single `u32` buffer, for `encode`'s one call per
/// line: `[table length, column length]`, the `table`, then the columns in `EncodingBatch`
/// order (ids, type ids, attention, special, words, sequence ids, token ends; then offsets).
#[napi(object)]
pub struct PackedEncoding {
    pub data: Uint32Array,
    pub tokens: String,
}

impl Flat {
    fn into_packed(self) -> PackedEncoding {
        let t = self.ids.len();
        let table_len = 3 + self.roots.len() + 4 * self.entries.len();
        let mut data = Vec::with_capacity(2 + table_len + 9 * t);
        data.extend([table_len as u32, t as u32]);
        data.extend([self.entries.len() as u32, self.roots.len() as u32, t as u32]);
        data.extend_from_slice(&self.roots);
        data.extend(self.entries.iter().flatten());
        for col in [
            &self.ids,
            &self.type_ids,
            &self.attention_mask,
            &self.special_tokens_mask,
            &self.words,
            &self.sequence_ids,
            &self.token_ends,
            &self.offsets,
        ] {
            data.extend_from_slice(col);
        }
        PackedEncoding {
            data: Uint32Array::new(data),
            tokens: self.tokens,
        }
    }
}

fn flatten(roots: Vec<Encoding>) -> Flat {
    let mut f = Flat::default();
    f.extend(roots);
    f
}

/// Lines encoded per slice when a batch is encoded slice by slice (no batch padding).
const SLICE: usize = 256;

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
    type Output = Flat;
    type JsValue = EncodingBatch;

    /// Encodes and flattens, both off the JS thread. Without padding (which needs the whole
    /// batch) the batch goes in slices, each slice's encodings dropped once copied.
    fn compute(&mut self) -> napi::Result<Self::Output> {
        let tok = &self.tokenizer;
        let encode = |inputs: &[EncodeInput]| {
            tok.encode_batch(inputs, self.add_special_tokens, self.offsets, self.threads)
                .map_err(map_error)
        };
        if tok.padding().is_some() {
            return encode(&self.inputs).map(flatten);
        }
        let mut flat = Flat::default();
        for slice in self.inputs.chunks(SLICE) {
            flat.extend(encode(slice)?);
        }
        Ok(flat)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output.into_batch())
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
    ) -> napi::Result<PackedEncoding> {
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
        Ok(flatten(vec![e]).into_packed())
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
        Ok(flatten(out).into_batch())
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
