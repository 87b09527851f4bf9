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
        vocab.get(token).copied().ok_or_else(|| Error::MissingToken {
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
    let special = |id: &str, type_id| Piece::SpecialToken { id: id.to_owned(), type_id };
    let seq = |id, type_id| Piece::Sequence { id, type_id };
    use crate::processors::SequenceId::{A, B};
    let template = TemplateProcessing::new(
        vec![special(&cls, 0), seq(A, 0), special(&sep, 0)],
        vec![special(&cls, 0), seq(A, 0), special(&sep, 0), seq(B, 1), special(&sep, 1)],
        vec![
            SpecialToken { id: cls.clone(), ids: vec![cls_id], tokens: vec![cls.clone()] },
            SpecialToken { id: sep.clone(), ids: vec![sep_id], tokens: vec![sep.clone()] },
        ],
    )?;
    t.post_processor = Some(PostProcessorWrapper::TemplateProcessing(template));
    t.decoder = Some(DecoderWrapper::WordPiece(WordPieceDecoder {
        prefix: o.wordpieces_prefix.clone(),
        cleanup: true,
    }));
    let specials: Vec<AddedToken> = [&o.pad_token, &o.unk_token, &o.cls_token, &o.sep_token, &o.mask_token]
        .iter()
        .map(|c| AddedToken::new(c, true))
        .collect();
    t.add_tokens(&specials)?;
    Ok(t)
}
