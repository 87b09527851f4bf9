//! Building fast tokenizers from the "slow" files (BERT `vocab.txt`), the way transformers'
//! `convert_slow_tokenizer` does, so the result equals HF's `tokenizer.json` for that model.

use crate::decoders::{DecoderWrapper, WordPieceDecoder};
use crate::models::{ModelWrapper, WordPiece};
use crate::normalizers::{BertNormalizer, NormalizerWrapper};
use crate::pre_tokenizers::{BertPreTokenizer, PreTokenizerWrapper};
use crate::processors::{Piece, PostProcessorWrapper, SpecialToken, TemplateProcessing};
use crate::tokenizer::{AddedToken, Tokenizer};
use crate::{Error, Result};
use serde::Deserialize;

/// Options of a BERT tokenizer (transformers' `BertTokenizer` arguments, camelCased).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BertOptions {
    pub lowercase: bool,
    pub strip_accents: Option<bool>,
    pub clean_text: bool,
    pub handle_chinese_chars: bool,
    pub unk_token: String,
    pub sep_token: String,
    pub cls_token: String,
    pub pad_token: String,
    pub mask_token: String,
    pub wordpieces_prefix: String,
    pub max_input_chars_per_word: usize,
}

impl Default for BertOptions {
    fn default() -> Self {
        Self {
            lowercase: true,
            strip_accents: None,
            clean_text: true,
            handle_chinese_chars: true,
            unk_token: "[UNK]".to_owned(),
            sep_token: "[SEP]".to_owned(),
            cls_token: "[CLS]".to_owned(),
            pad_token: "[PAD]".to_owned(),
            mask_token: "[MASK]".to_owned(),
            wordpieces_prefix: "##".to_owned(),
            max_input_chars_per_word: 100,
        }
    }
}

/// A BERT tokenizer from `vocab.txt`: BertNormalizer, BertPreTokenizer, WordPiece,
/// `[CLS] $A [SEP]` / `[CLS] $A [SEP] $B:1 [SEP]:1`, WordPiece decoder, and the five special
/// tokens as (special, non-normalized) added tokens.
pub fn bert_from_vocab_file(path: &str, o: &BertOptions) -> Result<Tokenizer> {
    let vocab = WordPiece::read_vocab_file(path)?;
    let id_of = |field: &str, token: &str| -> Result<u32> {
        vocab
            .get(token)
            .copied()
            .ok_or_else(|| Error::MissingToken {
                field: format!("{path}: {field}"),
                token: token.to_owned(),
            })
    };
    let cls_id = id_of("clsToken", &o.cls_token)?;
    let sep_id = id_of("sepToken", &o.sep_token)?;
    id_of("unkToken", &o.unk_token)?;
    let mut model = WordPiece::new(vocab, o.unk_token.clone());
    model.continuing_subword_prefix = o.wordpieces_prefix.clone();
    model.max_input_chars_per_word = o.max_input_chars_per_word;
    let mut t = Tokenizer::new(ModelWrapper::WordPiece(model));
    t.normalizer = Some(NormalizerWrapper::BertNormalizer(BertNormalizer {
        clean_text: o.clean_text,
        handle_chinese_chars: o.handle_chinese_chars,
        strip_accents: o.strip_accents,
        lowercase: o.lowercase,
    }));
    t.pre_tokenizer = Some(PreTokenizerWrapper::BertPreTokenizer(BertPreTokenizer {}));
    let (cls, sep) = (o.cls_token.clone(), o.sep_token.clone());
    let special = |id: &str, type_id| Piece::SpecialToken {
        id: id.to_owned(),
        type_id,
    };
    let seq = |id, type_id| Piece::Sequence { id, type_id };
    use crate::processors::SequenceId::{A, B};
    let template = TemplateProcessing::new(
        vec![special(&cls, 0), seq(A, 0), special(&sep, 0)],
        vec![
            special(&cls, 0),
            seq(A, 0),
            special(&sep, 0),
            seq(B, 1),
            special(&sep, 1),
        ],
        vec![
            SpecialToken {
                id: cls.clone(),
                ids: vec![cls_id],
                tokens: vec![cls.clone()],
            },
            SpecialToken {
                id: sep.clone(),
                ids: vec![sep_id],
                tokens: vec![sep.clone()],
            },
        ],
    )?;
    t.post_processor = Some(PostProcessorWrapper::TemplateProcessing(template));
    t.decoder = Some(DecoderWrapper::WordPiece(WordPieceDecoder {
        prefix: o.wordpieces_prefix.clone(),
        cleanup: true,
    }));
    let specials: Vec<AddedToken> = [
        &o.pad_token,
        &o.unk_token,
        &o.cls_token,
        &o.sep_token,
        &o.mask_token,
    ]
    .iter()
    .map(|c| AddedToken::new(c, true))
    .collect();
    t.add_tokens(&specials)?;
    Ok(t)
}

/// Which transformers class a byte-level BPE tokenizer is built as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BpeFlavor {
    /// `GPT2Tokenizer`: no special tokens around the text, `<|endoftext|>` as the one special
    /// token.
    #[default]
    Gpt2,
    /// `RobertaTokenizer`: `<s> A </s>` / `<s> A </s></s> B </s>` (RobertaProcessing), special
    /// tokens `<s> </s> <unk> <pad> <mask>`.
    Roberta,
}

/// Options of a byte-level BPE tokenizer from `vocab.json` + `merges.txt`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BpeFilesOptions {
    pub flavor: BpeFlavor,
    pub add_prefix_space: bool,
    /// RoBERTa only: offsets leave out the spaces tokens carry.
    pub trim_offsets: bool,
}

impl Default for BpeFilesOptions {
    fn default() -> Self {
        Self {
            flavor: BpeFlavor::Gpt2,
            add_prefix_space: false,
            trim_offsets: true,
        }
    }
}

/// A GPT-2 or RoBERTa tokenizer from `vocab.json` + `merges.txt`, component for component as
/// transformers (5.x) builds `GPT2Tokenizer` / `RobertaTokenizer` from those files: BPE with
/// empty prefix/suffix, ByteLevel pre-tokenizer and decoder, then the flavor's post-processor
/// and special tokens (added tokens; ids from the vocab when it has them, else appended).
pub fn bpe_from_files(
    vocab_path: &str,
    merges_path: &str,
    o: &BpeFilesOptions,
) -> Result<Tokenizer> {
    use crate::models::{BpeOptions, BPE};
    use crate::pre_tokenizers::ByteLevel;
    use crate::processors::RobertaProcessing;
    let (vocab, merges) = BPE::read_files(vocab_path, merges_path)?;
    let options = BpeOptions {
        continuing_subword_prefix: Some(String::new()),
        end_of_word_suffix: Some(String::new()),
        ..Default::default()
    };
    let model = BPE::new(vocab, merges, options).map_err(|e| Error::InvalidFile {
        path: merges_path.to_owned(),
        line: 0,
        message: e.to_string(),
    })?;
    let mut t = Tokenizer::new(ModelWrapper::BPE(model));
    t.pre_tokenizer = Some(PreTokenizerWrapper::ByteLevel(ByteLevel {
        add_prefix_space: o.add_prefix_space,
        trim_offsets: true,
        use_regex: true,
    }));
    t.decoder = Some(DecoderWrapper::ByteLevel(ByteLevel::default()));
    match o.flavor {
        BpeFlavor::Gpt2 => {
            use crate::processors::SequenceId::{A, B};
            let seq = |id, type_id| Piece::Sequence { id, type_id };
            t.post_processor = Some(PostProcessorWrapper::TemplateProcessing(
                TemplateProcessing::new(vec![seq(A, 0)], vec![seq(A, 0), seq(B, 1)], vec![])?,
            ));
            t.add_tokens(&[AddedToken::new("<|endoftext|>", true)])?;
        }
        BpeFlavor::Roberta => {
            let specials: Vec<AddedToken> = ["<s>", "</s>", "<unk>", "<pad>", "<mask>"]
                .iter()
                .map(|c| AddedToken::new(c, true))
                .collect();
            t.add_tokens(&specials)?;
            let id = |tok: &str| {
                t.token_to_id(tok).ok_or_else(|| Error::MissingToken {
                    field: "RobertaProcessing".to_owned(),
                    token: tok.to_owned(),
                })
            };
            let (cls, sep) = (id("<s>")?, id("</s>")?);
            t.post_processor = Some(PostProcessorWrapper::RobertaProcessing(RobertaProcessing {
                sep: ("</s>".to_owned(), sep),
                cls: ("<s>".to_owned(), cls),
                trim_offsets: o.trim_offsets,
                add_prefix_space: o.add_prefix_space,
            }));
        }
    }
    Ok(t)
}
