//! SentencePiece `.model` files (ALBERT's `spiece.model`, T5's, ...): the `ModelProto` protobuf,
//! and the tokenizer components HF's converter (`convert_slow_tokenizer.py`, `SpmConverter`)
//! builds from it.
//!
//! ```text
//! ModelProto { 1: repeated SentencePiece { 1: piece, 2: score (float), 3: type }
//!              2: TrainerSpec { 3: model_type, 35: byte_fallback, 40: unk_id, 45: unk_piece, ... }
//!              3: NormalizerSpec { 1: name, 2: precompiled_charsmap, 3: add_dummy_prefix,
//!                                  4: remove_extra_whitespaces, 5: escape_whitespaces } }
//! ```
//!
//! ```no_run
//! # use transferjs_tokenizers_core::sentencepiece::SentencePieceModel;
//! let path = "spiece.model";
//! let spm = SentencePieceModel::from_file(path)?;
//! let unigram = spm.unigram().map_err(|e| e.in_file(path))?; // pieces + scores, unk_id
//! let charsmap = spm.precompiled().map_err(|e| e.in_file(path))?; // Some(Precompiled) if rules
//! let metaspace = spm.metaspace(); // "▁", prepend "always" when add_dummy_prefix
//! # Ok::<(), transferjs_tokenizers_core::Error>(())
//! ```

mod albert;
mod generic;
mod json;
mod proto;

pub use albert::AlbertOptions;

use crate::models::Unigram;
use crate::normalizers::{Precompiled, PrecompiledError};
use crate::pre_tokenizers::{Metaspace, PrependScheme};
use proto::{Reader, Value};
use thiserror::Error as ThisError;

/// Why a `.model` file cannot be read or converted. Offsets are bytes from the file start.
#[derive(Debug, Clone, PartialEq, ThisError)]
pub enum SentencePieceError {
    #[error("truncated protobuf: the {what} at byte {offset} runs past the end of its message")]
    Truncated { offset: usize, what: &'static str },
    #[error("malformed protobuf: varint at byte {offset} is longer than 10 bytes")]
    VarintTooLong { offset: usize },
    #[error("malformed protobuf: field number {field} at byte {offset} (must be 1..2^29)")]
    InvalidFieldNumber { offset: usize, field: u64 },
    #[error("malformed protobuf: field {field} at byte {offset} has wire type {wire_type}, which is not a valid one (0, 1, 2, 5)")]
    InvalidWireType {
        offset: usize,
        field: u32,
        wire_type: u8,
    },
    #[error("{field} at byte {offset}: expected a {expected} value, found a {found} one (is this a SentencePiece .model file?)")]
    WrongWireType {
        field: &'static str,
        offset: usize,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{field} at byte {offset}: not valid UTF-8")]
    InvalidUtf8 { field: &'static str, offset: usize },
    #[error("pieces[{index}].type is {value}; expected 1 (NORMAL) .. 6 (BYTE)")]
    InvalidPieceType { index: usize, value: u64 },
    #[error("pieces[{index}].score is {score}; expected a finite number")]
    InvalidScore { index: usize, score: f32 },
    #[error("the model has no pieces (is this a SentencePiece .model file?)")]
    NoPieces,
    #[error("trainer_spec.model_type is {found}; supported: 1 (UNIGRAM), 2 (BPE)")]
    UnsupportedModelType { found: u64 },
    #[error("trainer_spec.unk_id is {unk_id}; the model has {pieces} pieces")]
    UnkIdOutOfRange { unk_id: i64, pieces: usize },
    #[error("this is a {found} model; use {use_instead}")]
    WrongModelType {
        found: &'static str,
        use_instead: &'static str,
    },
    #[error("the model has no piece '{piece}', which the tokenizer needs as a special token")]
    MissingSpecialPiece { piece: String },
    #[error("normalizer_spec.precompiled_charsmap: {0}")]
    Precompiled(#[from] PrecompiledError),
    #[error("pieces: {0}")]
    Unigram(#[from] crate::models::unigram::UnigramError),
}

impl SentencePieceError {
    /// Names the file in the crate-wide error.
    pub fn in_file(self, path: &str) -> crate::Error {
        crate::Error::InvalidConfig {
            field: path.to_owned(),
            message: format!("invalid SentencePiece model: {self}"),
        }
    }
}

/// `SentencePiece.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceType {
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub piece: String,
    /// A float32 in the file; widened exactly, as HF's Python converter does.
    pub score: f32,
    pub kind: PieceType,
}

/// `TrainerSpec.model_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelType {
    Unigram,
    Bpe,
}

/// The `TrainerSpec` fields conversion needs, with protobuf defaults when absent.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerSpec {
    pub model_type: ModelType,
    pub vocab_size: i64,
    pub byte_fallback: bool,
    pub unk_id: i64,
    pub bos_id: i64,
    pub eos_id: i64,
    pub pad_id: i64,
    pub unk_piece: String,
    pub bos_piece: String,
    pub eos_piece: String,
    pub pad_piece: String,
    pub treat_whitespace_as_suffix: bool,
}

impl Default for TrainerSpec {
    fn default() -> Self {
        Self {
            model_type: ModelType::Unigram,
            vocab_size: 8000,
            byte_fallback: false,
            unk_id: 0,
            bos_id: 1,
            eos_id: 2,
            pad_id: -1,
            unk_piece: "<unk>".to_owned(),
            bos_piece: "<s>".to_owned(),
            eos_piece: "</s>".to_owned(),
            pad_piece: "<pad>".to_owned(),
            treat_whitespace_as_suffix: false,
        }
    }
}

/// `NormalizerSpec`, with protobuf defaults when absent.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizerSpec {
    pub name: String,
    pub precompiled_charsmap: Vec<u8>,
    pub add_dummy_prefix: bool,
    pub remove_extra_whitespaces: bool,
    pub escape_whitespaces: bool,
}

impl Default for NormalizerSpec {
    fn default() -> Self {
        Self {
            name: String::new(),
            precompiled_charsmap: Vec::new(),
            add_dummy_prefix: true,
            remove_extra_whitespaces: true,
            escape_whitespaces: true,
        }
    }
}

/// A token the converter registers as an added token: CONTROL pieces are special,
/// USER_DEFINED ones are not; both match the raw text (`normalized: false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpmAddedToken {
    pub id: u32,
    pub content: String,
    pub special: bool,
}

/// What a SentencePiece BPE model becomes in HF's BPE model (`tokenizer.json` `"type":"BPE"`),
/// as transformers' `SpmConverter.build_tokenizer_from_spm_proto` builds it.
#[derive(Debug, Clone, PartialEq)]
pub struct SpmBpe {
    /// Piece -> id, in id order (a duplicated piece keeps its last id, as a Python dict).
    pub vocab: Vec<(String, u32)>,
    /// Merges, highest priority first.
    pub merges: Vec<(String, String)>,
    pub unk_token: String,
    pub byte_fallback: bool,
    /// Always true: runs of unknown chars become one unknown token.
    pub fuse_unk: bool,
    /// True when the model has USER_DEFINED pieces (SentencePiece emits them whole).
    pub ignore_merges: bool,
}

/// A parsed `.model` file.
#[derive(Debug, Clone, PartialEq)]
pub struct SentencePieceModel {
    pub pieces: Vec<Piece>,
    pub trainer_spec: TrainerSpec,
    pub normalizer_spec: NormalizerSpec,
}

fn varint(field: &'static str, v: Value<'_>, at: usize) -> Result<u64, SentencePieceError> {
    match v {
        Value::Varint(x) => Ok(x),
        other => Err(SentencePieceError::WrongWireType {
            field,
            offset: at,
            expected: "varint",
            found: other.wire_type_name(),
        }),
    }
}

/// An `int32` field: negative values are sign-extended to 64 bits on the wire.
fn int32(field: &'static str, v: Value<'_>, at: usize) -> Result<i64, SentencePieceError> {
    Ok(i64::from(varint(field, v, at)? as i32))
}

fn bytes<'a>(field: &'static str, v: Value<'a>, at: usize) -> Result<&'a [u8], SentencePieceError> {
    match v {
        Value::Bytes(b) => Ok(b),
        other => Err(SentencePieceError::WrongWireType {
            field,
            offset: at,
            expected: "length-delimited",
            found: other.wire_type_name(),
        }),
    }
}

fn string(field: &'static str, v: Value<'_>, at: usize) -> Result<String, SentencePieceError> {
    let b = bytes(field, v, at)?;
    String::from_utf8(b.to_vec()).map_err(|_| SentencePieceError::InvalidUtf8 { field, offset: at })
}

fn parse_piece(index: usize, buf: &[u8], base: usize) -> Result<Piece, SentencePieceError> {
    let mut piece = Piece {
        piece: String::new(),
        score: 0.0,
        kind: PieceType::Normal,
    };
    let mut r = Reader::new(buf, base);
    while let Some((field, v, at)) = r.next_field()? {
        match field {
            1 => piece.piece = string("pieces[].piece", v, at)?,
            2 => {
                piece.score = match v {
                    // NaN or infinite scores would break Viterbi's comparisons and could not be
                    // written to tokenizer.json (JSON has no such numbers).
                    Value::Fixed32(x) if !f32::from_bits(x).is_finite() => {
                        return Err(SentencePieceError::InvalidScore {
                            index,
                            score: f32::from_bits(x),
                        })
                    }
                    Value::Fixed32(x) => f32::from_bits(x),
                    other => {
                        return Err(SentencePieceError::WrongWireType {
                            field: "pieces[].score",
                            offset: at,
                            expected: "32-bit",
                            found: other.wire_type_name(),
                        })
                    }
                }
            }
            3 => {
                let value = varint("pieces[].type", v, at)?;
                piece.kind = match value {
                    1 => PieceType::Normal,
                    2 => PieceType::Unknown,
                    3 => PieceType::Control,
                    4 => PieceType::UserDefined,
                    5 => PieceType::Unused,
                    6 => PieceType::Byte,
                    _ => return Err(SentencePieceError::InvalidPieceType { index, value }),
                };
            }
            _ => {}
        }
    }
    Ok(piece)
}

fn parse_trainer(buf: &[u8], base: usize, t: &mut TrainerSpec) -> Result<(), SentencePieceError> {
    let mut r = Reader::new(buf, base);
    while let Some((field, v, at)) = r.next_field()? {
        match field {
            3 => {
                t.model_type = match varint("trainer_spec.model_type", v, at)? {
                    1 => ModelType::Unigram,
                    2 => ModelType::Bpe,
                    found => return Err(SentencePieceError::UnsupportedModelType { found }),
                }
            }
            4 => t.vocab_size = int32("trainer_spec.vocab_size", v, at)?,
            24 => {
                t.treat_whitespace_as_suffix =
                    varint("trainer_spec.treat_whitespace_as_suffix", v, at)? != 0
            }
            35 => t.byte_fallback = varint("trainer_spec.byte_fallback", v, at)? != 0,
            40 => t.unk_id = int32("trainer_spec.unk_id", v, at)?,
            41 => t.bos_id = int32("trainer_spec.bos_id", v, at)?,
            42 => t.eos_id = int32("trainer_spec.eos_id", v, at)?,
            43 => t.pad_id = int32("trainer_spec.pad_id", v, at)?,
            45 => t.unk_piece = string("trainer_spec.unk_piece", v, at)?,
            46 => t.bos_piece = string("trainer_spec.bos_piece", v, at)?,
            47 => t.eos_piece = string("trainer_spec.eos_piece", v, at)?,
            48 => t.pad_piece = string("trainer_spec.pad_piece", v, at)?,
            _ => {}
        }
    }
    Ok(())
}

fn parse_normalizer(
    buf: &[u8],
    base: usize,
    n: &mut NormalizerSpec,
) -> Result<(), SentencePieceError> {
    let mut r = Reader::new(buf, base);
    while let Some((field, v, at)) = r.next_field()? {
        match field {
            1 => n.name = string("normalizer_spec.name", v, at)?,
            2 => {
                n.precompiled_charsmap =
                    bytes("normalizer_spec.precompiled_charsmap", v, at)?.to_vec()
            }
            3 => n.add_dummy_prefix = varint("normalizer_spec.add_dummy_prefix", v, at)? != 0,
            4 => {
                n.remove_extra_whitespaces =
                    varint("normalizer_spec.remove_extra_whitespaces", v, at)? != 0
            }
            5 => n.escape_whitespaces = varint("normalizer_spec.escape_whitespaces", v, at)? != 0,
            _ => {}
        }
    }
    Ok(())
}

/// Which converter to mirror when turning a `.model` into a whole tokenizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentencePieceFlavour {
    /// transformers' `AlbertTokenizer` (`albert_tokenizer_json`).
    Albert(AlbertOptions),
    /// transformers' model-agnostic converter (`tokenizer_json`); `legacy` is its default, true.
    Generic { legacy: bool },
}

/// Loads a `.model` file as a [`crate::Tokenizer`], through the `tokenizer.json` transformers
/// would write for it (so it saves back byte-identical). Errors name the file.
pub fn tokenizer_from_file(
    path: &str,
    flavour: &SentencePieceFlavour,
) -> crate::Result<crate::Tokenizer> {
    let spm = SentencePieceModel::from_file(path)?;
    let json = match flavour {
        SentencePieceFlavour::Albert(opts) => spm.albert_tokenizer_json(opts),
        SentencePieceFlavour::Generic { legacy } => spm.tokenizer_json(*legacy),
    }
    .map_err(|e| e.in_file(path))?;
    crate::Tokenizer::from_json(&json, path)
}

impl SentencePieceModel {
    /// Parses the bytes of a `.model` file.
    pub fn from_bytes(buf: &[u8]) -> Result<Self, SentencePieceError> {
        let mut model = SentencePieceModel {
            pieces: Vec::new(),
            trainer_spec: TrainerSpec::default(),
            normalizer_spec: NormalizerSpec::default(),
        };
        let mut r = Reader::new(buf, 0);
        while let Some((field, v, at)) = r.next_field()? {
            match field {
                1 => {
                    let b = bytes("pieces", v, at)?;
                    let index = model.pieces.len();
                    model
                        .pieces
                        .push(parse_piece(index, b, r.offset() - b.len())?);
                }
                2 => {
                    let b = bytes("trainer_spec", v, at)?;
                    parse_trainer(b, r.offset() - b.len(), &mut model.trainer_spec)?;
                }
                3 => {
                    let b = bytes("normalizer_spec", v, at)?;
                    parse_normalizer(b, r.offset() - b.len(), &mut model.normalizer_spec)?;
                }
                // 4: self_test_data, 5: denormalizer_spec: not used by the tokenizer.
                _ => {}
            }
        }
        if model.pieces.is_empty() {
            return Err(SentencePieceError::NoPieces);
        }
        Ok(model)
    }

    /// Reads and parses a `.model` file; errors name the file.
    pub fn from_file(path: &str) -> crate::Result<Self> {
        let buf = std::fs::read(path).map_err(|e| crate::Error::Io {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Self::from_bytes(&buf).map_err(|e| e.in_file(path))
    }

    /// The Unigram model, as `SpmConverter` builds it: every piece with its score (in id order),
    /// `unk_id` from the trainer spec, and byte fallback when the model was trained with it and
    /// `byte_fallback` is asked for (HF's ALBERT/T5 converters leave it off; LLaMA-style ones
    /// turn it on).
    pub fn unigram_with(&self, byte_fallback: bool) -> Result<Unigram, SentencePieceError> {
        if self.trainer_spec.model_type != ModelType::Unigram {
            return Err(SentencePieceError::WrongModelType {
                found: "BPE",
                use_instead: "SentencePieceModel::bpe()",
            });
        }
        let unk_id = self.unk_id()?;
        let vocab = self
            .pieces
            .iter()
            .map(|p| (p.piece.clone(), f64::from(p.score)))
            .collect();
        Ok(Unigram::from_vocab(
            vocab,
            Some(unk_id),
            byte_fallback && self.trainer_spec.byte_fallback,
        )?)
    }

    /// `unigram_with(trainer_spec.byte_fallback)`.
    pub fn unigram(&self) -> Result<Unigram, SentencePieceError> {
        self.unigram_with(self.trainer_spec.byte_fallback)
    }

    fn unk_id(&self) -> Result<usize, SentencePieceError> {
        let unk = self.trainer_spec.unk_id;
        usize::try_from(unk)
            .ok()
            .filter(|&u| u < self.pieces.len())
            .ok_or(SentencePieceError::UnkIdOutOfRange {
                unk_id: unk,
                pieces: self.pieces.len(),
            })
    }

    /// The Precompiled normalizer for `normalizer_spec.precompiled_charsmap`; `None` when the
    /// model has no rules (e.g. trained with `normalization_rule_name=identity`).
    pub fn precompiled(&self) -> Result<Option<Precompiled>, SentencePieceError> {
        let blob = &self.normalizer_spec.precompiled_charsmap;
        if blob.is_empty() {
            return Ok(None);
        }
        Ok(Some(Precompiled::from_bytes(blob)?))
    }

    /// The Metaspace pre-tokenizer (and decoder): `▁`, prepended when the model adds a dummy
    /// prefix (`"always"`, HF's legacy behaviour), never otherwise.
    pub fn metaspace(&self) -> Metaspace {
        let scheme = if self.normalizer_spec.add_dummy_prefix {
            PrependScheme::Always
        } else {
            PrependScheme::Never
        };
        Metaspace::new('▁', scheme, true)
    }

    /// The BPE flavour: vocab, merges and options for HF's BPE model.
    ///
    /// Merges are rebuilt from the NORMAL pieces: every way of cutting a normal piece into two
    /// normal pieces `(left, right)` is a merge, ranked by the piece's score (higher first), then
    /// its id, then the cut position (shorter left first) — the order of transformers'
    /// `sorted((-score, id, left, right))`.
    pub fn bpe(&self) -> Result<SpmBpe, SentencePieceError> {
        if self.trainer_spec.model_type != ModelType::Bpe {
            return Err(SentencePieceError::WrongModelType {
                found: "Unigram",
                use_instead: "SentencePieceModel::unigram()",
            });
        }
        // 1. Vocab, id order; a duplicate piece keeps its last id.
        let mut ids: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for (id, p) in self.pieces.iter().enumerate() {
            ids.insert(p.piece.as_str(), id as u32);
        }
        let vocab = self
            .pieces
            .iter()
            .enumerate()
            .filter(|(id, p)| ids.get(p.piece.as_str()) == Some(&(*id as u32)))
            .map(|(id, p)| (p.piece.clone(), id as u32))
            .collect();
        // 2. Normal pieces: piece -> (score, id), a duplicate keeping its last entry.
        let mut normal: std::collections::HashMap<&str, (f32, u32)> =
            std::collections::HashMap::new();
        for (id, p) in self.pieces.iter().enumerate() {
            if p.kind == PieceType::Normal {
                normal.insert(p.piece.as_str(), (p.score, id as u32));
            }
        }
        // 3. Every two-normal-piece cut of a normal piece, ranked.
        let mut ranked: Vec<(f32, u32, usize, &str, &str)> = Vec::new();
        for (&piece, &(score, id)) in &normal {
            for (cut, _) in piece.char_indices().skip(1) {
                let (left, right) = piece.split_at(cut);
                if normal.contains_key(left) && normal.contains_key(right) {
                    ranked.push((score, id, cut, left, right));
                }
            }
        }
        ranked.sort_by(|a, b| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.1.cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        let merges = ranked
            .into_iter()
            .map(|(_, _, _, l, r)| (l.to_owned(), r.to_owned()))
            .collect();
        Ok(SpmBpe {
            vocab,
            merges,
            unk_token: self.trainer_spec.unk_piece.clone(),
            byte_fallback: self.trainer_spec.byte_fallback,
            fuse_unk: true,
            ignore_merges: self.pieces.iter().any(|p| p.kind == PieceType::UserDefined),
        })
    }

    /// CONTROL and USER_DEFINED pieces, in id order: the converter's added tokens.
    pub fn added_tokens(&self) -> Vec<SpmAddedToken> {
        self.pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p.kind, PieceType::Control | PieceType::UserDefined))
            .map(|(id, p)| SpmAddedToken {
                id: id as u32,
                content: p.piece.clone(),
                special: p.kind == PieceType::Control,
            })
            .collect()
    }
}
