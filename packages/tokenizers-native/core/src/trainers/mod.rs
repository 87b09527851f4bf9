//! Trainers: learn a vocabulary (and merges / scores) from a corpus, then write a complete
//! `tokenizer.json` for the model family.
//!
//! ```text
//! files | batches of strings
//!   -> WordCounter (normalizer + pre-tokenizer, all cores)      words.rs
//!   -> word counts
//!   -> train_bpe | train_wordpiece | train_unigram | train_wordlevel
//!   -> Trained -> tokenizer_json()                                tokenizer_json.rs
//! ```
//!
//! `TrainSpec` is the one description of a training run (model, sizes, options), read from
//! camelCase JSON by the napi layer and the CLI.

pub mod bpe;
pub mod tokenizer_json;
pub mod unigram;
pub mod wordlevel;
pub mod wordpiece;
pub mod words;

pub use bpe::{train_bpe, BpeModel, BpeOptions};
pub use tokenizer_json::tokenizer_json;
pub use unigram::{train_unigram, UnigramModel, UnigramOptions};
pub use wordlevel::train_wordlevel;
pub use wordpiece::{train_wordpiece, WordPieceCriterion, WordPieceOptions};
pub use words::{
    byte_level_alphabet, count_sequences, no_progress, PreTokenization, PrependScheme, Progress,
    ProgressFn, WordCounter, WordCounts, WordSplitter,
};

use crate::normalizers::{BertNormalizer, NormalizerWrapper};
use crate::pre_tokenizers::{BertPreTokenizer, PreTokenizerWrapper};
use crate::{Error, Result};
use serde::Deserialize;

/// Options every vocabulary-building trainer shares (HF's names).
#[derive(Debug, Clone, Default)]
pub struct TrainerOptions {
    /// Final vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// Pairs (BPE, WordPiece) or words (WordLevel) seen fewer times are not used.
    pub min_frequency: u64,
    /// Tokens given the first ids, in this order.
    pub special_tokens: Vec<String>,
    /// Keep at most this many chars in the alphabet (the most frequent).
    pub limit_alphabet: Option<usize>,
    /// Chars always in the alphabet, even if unseen.
    pub initial_alphabet: Vec<char>,
}

/// The model family to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Bpe,
    Wordpiece,
    Unigram,
    Wordlevel,
}

/// One training run, as given by JS (`trainTokenizer` options) or the CLI, in camelCase JSON.
/// Unset fields take the family's defaults (see each field).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrainSpec {
    pub model: ModelKind,
    pub vocab_size: usize,
    #[serde(default)]
    pub min_frequency: Option<u64>,
    /// Default per family: BERT's five for WordPiece, `<|endoftext|>` for byte-level BPE,
    /// `<pad>`, `</s>`, `<unk>` for Unigram, `[UNK]` for WordLevel.
    #[serde(default)]
    pub special_tokens: Option<Vec<String>>,
    #[serde(default)]
    pub limit_alphabet: Option<usize>,
    #[serde(default)]
    pub initial_alphabet: Option<Vec<String>>,
    #[serde(default)]
    pub continuing_subword_prefix: Option<String>,
    #[serde(default)]
    pub end_of_word_suffix: Option<String>,
    #[serde(default)]
    pub max_token_length: Option<usize>,
    /// BPE only: byte-level (GPT-2/RoBERTa, default) or character-level (BERT pre-tokenizer).
    #[serde(default)]
    pub byte_level: Option<bool>,
    /// Byte-level BPE: prepend a space to each sequence (RoBERTa style).
    #[serde(default)]
    pub add_prefix_space: Option<bool>,
    /// WordPiece only: `"frequency"` (HF-compatible, default) or `"likelihood"`.
    #[serde(default)]
    pub criterion: Option<String>,
    /// Lowercase (and strip accents) in the BERT normalizer; default true.
    #[serde(default)]
    pub lowercase: Option<bool>,
    #[serde(default)]
    pub unk_token: Option<String>,
    #[serde(default)]
    pub shrinking_factor: Option<f64>,
    #[serde(default)]
    pub n_sub_iterations: Option<usize>,
    #[serde(default)]
    pub max_piece_length: Option<usize>,
    #[serde(default)]
    pub seed_size: Option<usize>,
    #[serde(default)]
    pub byte_fallback: Option<bool>,
    /// Overrides: a normalizer / pre-tokenizer object of `tokenizer.json` (the core's types).
    #[serde(default)]
    pub normalizer: Option<serde_json::Value>,
    #[serde(default)]
    pub pre_tokenizer: Option<serde_json::Value>,
}

impl TrainSpec {
    /// Parses the camelCase JSON of a training run; unknown or mistyped fields are errors.
    pub fn from_json(json: &str) -> Result<Self> {
        let spec: TrainSpec = serde_json::from_str(json).map_err(|e| Error::InvalidJson {
            kind: "trainer options",
            field: "options".to_owned(),
            message: e.to_string(),
        })?;
        spec.validate()?;
        Ok(spec)
    }

    fn validate(&self) -> Result<()> {
        let bad = |field: &str, message: String| Error::InvalidConfig {
            field: field.to_owned(),
            message,
        };
        if self.vocab_size == 0 {
            return Err(bad(
                "vocabSize",
                "expected a positive vocabulary size, found 0".into(),
            ));
        }
        if let Some(f) = self.shrinking_factor {
            if !(f > 0.0 && f < 1.0) {
                return Err(bad(
                    "shrinkingFactor",
                    format!("expected a number in (0, 1), found {f}"),
                ));
            }
        }
        if self.n_sub_iterations == Some(0) {
            return Err(bad("nSubIterations", "expected at least 1, found 0".into()));
        }
        if self.max_piece_length == Some(0) {
            return Err(bad("maxPieceLength", "expected at least 1, found 0".into()));
        }
        if let Some(c) = &self.criterion {
            if c != "frequency" && c != "likelihood" {
                return Err(bad(
                    "criterion",
                    format!("expected 'frequency' or 'likelihood', found '{c}'"),
                ));
            }
        }
        if let Some(chars) = &self.initial_alphabet {
            if let Some(s) = chars.iter().find(|s| s.chars().count() != 1) {
                return Err(bad(
                    "initialAlphabet",
                    format!("expected single chars, found '{s}'"),
                ));
            }
        }
        Ok(())
    }

    pub fn is_byte_level(&self) -> bool {
        self.model == ModelKind::Bpe && self.byte_level.unwrap_or(true)
    }

    pub fn special_tokens(&self) -> Vec<String> {
        if let Some(s) = &self.special_tokens {
            return s.clone();
        }
        let v: &[&str] = match self.model {
            ModelKind::Wordpiece => &["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
            ModelKind::Bpe if self.is_byte_level() => &["<|endoftext|>"],
            ModelKind::Bpe => &["<unk>"],
            ModelKind::Unigram => &["<pad>", "</s>", "<unk>"],
            ModelKind::Wordlevel => &["[UNK]"],
        };
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The unknown token of the family (None for byte-level BPE, which needs none).
    pub fn unk_token(&self) -> Option<String> {
        if let Some(u) = &self.unk_token {
            return Some(u.clone());
        }
        match self.model {
            ModelKind::Wordpiece | ModelKind::Wordlevel => Some("[UNK]".into()),
            ModelKind::Bpe if self.is_byte_level() => None,
            ModelKind::Bpe => Some("<unk>".into()),
            ModelKind::Unigram => Some("<unk>".into()),
        }
    }

    /// The normalizer + pre-tokenization of the family (or the given overrides).
    pub fn splitter(&self) -> Result<WordSplitter> {
        let normalizer = match &self.normalizer {
            Some(v) => Some(NormalizerWrapper::from_value(v.clone(), "normalizer")?),
            None => match self.model {
                ModelKind::Wordpiece | ModelKind::Wordlevel => Some(self.bert_normalizer()),
                ModelKind::Bpe if !self.is_byte_level() => Some(self.bert_normalizer()),
                _ => None,
            },
        };
        let pre = match &self.pre_tokenizer {
            Some(v) => {
                PreTokenization::Core(PreTokenizerWrapper::from_value(v.clone(), "preTokenizer")?)
            }
            None => match self.model {
                ModelKind::Bpe if self.is_byte_level() => PreTokenization::ByteLevel {
                    add_prefix_space: self.add_prefix_space.unwrap_or(false),
                },
                ModelKind::Unigram => PreTokenization::Metaspace {
                    replacement: '\u{2581}',
                    prepend_scheme: PrependScheme::Always,
                    split: true,
                },
                _ => PreTokenization::Core(PreTokenizerWrapper::BertPreTokenizer(
                    BertPreTokenizer::default(),
                )),
            },
        };
        Ok(WordSplitter::new(normalizer, pre))
    }

    fn bert_normalizer(&self) -> NormalizerWrapper {
        NormalizerWrapper::BertNormalizer(BertNormalizer {
            lowercase: self.lowercase.unwrap_or(true),
            ..BertNormalizer::default()
        })
    }

    fn common(&self) -> TrainerOptions {
        let mut initial: Vec<char> = self
            .initial_alphabet
            .iter()
            .flatten()
            .filter_map(|s| s.chars().next())
            .collect();
        if self.is_byte_level() {
            initial.extend(byte_level_alphabet());
        }
        TrainerOptions {
            vocab_size: self.vocab_size,
            // HF's default: no minimum.
            min_frequency: self.min_frequency.unwrap_or(0),
            special_tokens: self.special_tokens(),
            limit_alphabet: self.limit_alphabet,
            initial_alphabet: initial,
        }
    }
}

/// A trained model of any family.
#[derive(Debug, Clone, PartialEq)]
pub enum Trained {
    Bpe(BpeModel),
    WordPiece {
        vocab: Vec<String>,
        unk_token: String,
        continuing_subword_prefix: String,
    },
    WordLevel {
        vocab: Vec<String>,
        unk_token: String,
    },
    Unigram(UnigramModel),
}

impl Trained {
    /// Tokens in id order.
    pub fn vocab(&self) -> Vec<String> {
        match self {
            Trained::Bpe(m) => m.vocab.clone(),
            Trained::WordPiece { vocab, .. } | Trained::WordLevel { vocab, .. } => vocab.clone(),
            Trained::Unigram(m) => m.pieces.iter().map(|p| p.0.clone()).collect(),
        }
    }
}

/// Trains the model `spec` describes on word counts made with `spec.splitter()`.
pub fn train(spec: &TrainSpec, words: &WordCounts, progress: ProgressFn) -> Result<Trained> {
    let common = spec.common();
    match spec.model {
        ModelKind::Bpe => {
            let opts = BpeOptions {
                common,
                continuing_subword_prefix: spec.continuing_subword_prefix.clone(),
                end_of_word_suffix: spec.end_of_word_suffix.clone(),
                max_token_length: spec.max_token_length,
            };
            Ok(Trained::Bpe(train_bpe(words, &opts, progress)?))
        }
        ModelKind::Wordpiece => {
            let criterion = match spec.criterion.as_deref() {
                Some("likelihood") => WordPieceCriterion::Likelihood,
                _ => WordPieceCriterion::Frequency,
            };
            let prefix = spec
                .continuing_subword_prefix
                .clone()
                .unwrap_or_else(|| "##".into());
            let opts = WordPieceOptions {
                common,
                continuing_subword_prefix: prefix.clone(),
                end_of_word_suffix: spec.end_of_word_suffix.clone(),
                criterion,
            };
            let vocab = train_wordpiece(words, &opts, progress)?;
            Ok(Trained::WordPiece {
                vocab,
                unk_token: spec.unk_token().unwrap_or_else(|| "[UNK]".into()),
                continuing_subword_prefix: prefix,
            })
        }
        ModelKind::Wordlevel => Ok(Trained::WordLevel {
            vocab: train_wordlevel(words, &common)?,
            unk_token: spec.unk_token().unwrap_or_else(|| "[UNK]".into()),
        }),
        ModelKind::Unigram => {
            let d = UnigramOptions::default();
            let opts = UnigramOptions {
                vocab_size: spec.vocab_size,
                special_tokens: common.special_tokens,
                unk_token: spec.unk_token(),
                initial_alphabet: common.initial_alphabet,
                shrinking_factor: spec.shrinking_factor.unwrap_or(d.shrinking_factor),
                n_sub_iterations: spec.n_sub_iterations.unwrap_or(d.n_sub_iterations),
                max_piece_length: spec.max_piece_length.unwrap_or(d.max_piece_length),
                seed_size: spec.seed_size.unwrap_or(d.seed_size),
                byte_fallback: spec.byte_fallback.unwrap_or(false),
            };
            Ok(Trained::Unigram(train_unigram(words, &opts, progress)?))
        }
    }
}

/// Counts the words of `files` and trains: the whole run for the CLI and `trainTokenizerSync`.
pub fn train_files<P: AsRef<str>>(
    spec: &TrainSpec,
    files: &[P],
    progress: ProgressFn,
) -> Result<Trained> {
    if files.is_empty() {
        return Err(Error::InvalidConfig {
            field: "files".to_owned(),
            message: "expected at least one corpus file, found none".to_owned(),
        });
    }
    let mut counter = WordCounter::new(spec.splitter()?);
    counter.feed_files(files, progress)?;
    let words = counter.into_counts()?;
    train(spec, &words, progress)
}
