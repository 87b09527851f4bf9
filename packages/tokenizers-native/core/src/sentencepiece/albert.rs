//! ALBERT's `tokenizer.json` from its `spiece.model`, byte for byte what transformers'
//! `AlbertTokenizer(vocab_file=...).save_pretrained()` writes:
//!
//! ```text
//! normalizer:     Sequence[Replace("``" -> '"'), Replace("''" -> '"'), NFKD, StripAccents,
//!                          Lowercase, Precompiled(charsmap)]   (NFKD+StripAccents unless
//!                          keep_accents; Lowercase if do_lower_case; Precompiled if rules)
//! pre_tokenizer:  Sequence[WhitespaceSplit, Metaspace("▁", always|never)]
//! post_processor: TemplateProcessing "[CLS]:0 $A:0 [SEP]:0" / "... $B:1 [SEP]:1"
//! decoder:        Metaspace("▁", always|never)
//! model:          Unigram(pieces + scores, unk_id, byte_fallback false)
//! added_tokens:   CONTROL pieces and the special tokens (special), USER_DEFINED pieces (not)
//! ```

use super::json::{charsmap_base64, metaspace, replace, s, template_piece, typed, J};
use super::{PieceType, SentencePieceError, SentencePieceModel};

/// `AlbertTokenizer`'s options (its defaults: lowercase, strip accents, prefix space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbertOptions {
    pub do_lower_case: bool,
    pub keep_accents: bool,
    pub add_prefix_space: bool,
}

impl Default for AlbertOptions {
    fn default() -> Self {
        Self {
            do_lower_case: true,
            keep_accents: false,
            add_prefix_space: true,
        }
    }
}

impl SentencePieceModel {
    /// The `tokenizer.json` transformers writes for this ALBERT `spiece.model`, pretty-printed
    /// as HF prints it.
    ///
    /// ```no_run
    /// # use transferjs_tokenizers_core::sentencepiece::{AlbertOptions, SentencePieceModel};
    /// let spm = SentencePieceModel::from_file("spiece.model")?;
    /// let json = spm.albert_tokenizer_json(&AlbertOptions::default()).map_err(|e| e.in_file("spiece.model"))?;
    /// std::fs::write("tokenizer.json", json)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn albert_tokenizer_json(
        &self,
        opts: &AlbertOptions,
    ) -> Result<String, SentencePieceError> {
        // The Unigram model validates unk_id and the pieces.
        let unigram = self.unigram_with(false)?;
        let id_of = |token: &str| -> Result<u64, SentencePieceError> {
            use crate::tokenizer::Model;
            unigram.token_to_id(token).map(u64::from).ok_or_else(|| {
                SentencePieceError::MissingSpecialPiece {
                    piece: token.to_owned(),
                }
            })
        };
        let specials = ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"];
        for sp in specials {
            id_of(sp)?;
        }

        // 1. Added tokens: CONTROL and USER_DEFINED pieces, and the named special tokens.
        let mut added = Vec::new();
        for (id, p) in self.pieces.iter().enumerate() {
            let named = specials.contains(&p.piece.as_str());
            if !(named || matches!(p.kind, PieceType::Control | PieceType::UserDefined)) {
                continue;
            }
            added.push(J::Obj(vec![
                ("id", J::Int(id as u64)),
                ("content", s(&p.piece)),
                ("single_word", J::Bool(false)),
                ("lstrip", J::Bool(false)),
                ("rstrip", J::Bool(false)),
                ("normalized", J::Bool(false)),
                ("special", J::Bool(named || p.kind == PieceType::Control)),
            ]));
        }

        // 2. Normalizer.
        let mut normalizers = vec![replace("``", "\""), replace("''", "\"")];
        if !opts.keep_accents {
            normalizers.push(typed("NFKD"));
            normalizers.push(typed("StripAccents"));
        }
        if opts.do_lower_case {
            normalizers.push(typed("Lowercase"));
        }
        if let Some(p) = self.precompiled()? {
            normalizers.push(J::Obj(vec![
                ("type", s("Precompiled")),
                ("precompiled_charsmap", s(&charsmap_base64(&p))),
            ]));
        }
        let scheme = if opts.add_prefix_space {
            "always"
        } else {
            "never"
        };

        // 3. Post-processor: [CLS] A [SEP] (B [SEP]).
        let special_token = |name: &str| -> Result<(String, J), SentencePieceError> {
            Ok((
                name.to_owned(),
                J::Obj(vec![
                    ("id", s(name)),
                    ("ids", J::Arr(vec![J::Int(id_of(name)?)])),
                    ("tokens", J::Arr(vec![s(name)])),
                ]),
            ))
        };
        let post = J::Obj(vec![
            ("type", s("TemplateProcessing")),
            (
                "single",
                J::Arr(vec![
                    template_piece("SpecialToken", "[CLS]", 0),
                    template_piece("Sequence", "A", 0),
                    template_piece("SpecialToken", "[SEP]", 0),
                ]),
            ),
            (
                "pair",
                J::Arr(vec![
                    template_piece("SpecialToken", "[CLS]", 0),
                    template_piece("Sequence", "A", 0),
                    template_piece("SpecialToken", "[SEP]", 0),
                    template_piece("Sequence", "B", 1),
                    template_piece("SpecialToken", "[SEP]", 1),
                ]),
            ),
            (
                "special_tokens",
                J::Map(vec![special_token("[CLS]")?, special_token("[SEP]")?]),
            ),
        ]);

        // 4. Model, scores as the float32 values widened (what HF's Python converter passes).
        let vocab = unigram
            .vocab()
            .iter()
            .map(|(p, score)| J::Arr(vec![s(p), J::Float(*score)]))
            .collect();
        let model = J::Obj(vec![
            ("type", s("Unigram")),
            (
                "unk_id",
                J::Int(unigram.unk_id().unwrap_or_default() as u64),
            ),
            ("vocab", J::Arr(vocab)),
            ("byte_fallback", J::Bool(false)),
        ]);

        let root = J::Obj(vec![
            ("version", s("1.0")),
            ("truncation", J::Null),
            ("padding", J::Null),
            ("added_tokens", J::Arr(added)),
            (
                "normalizer",
                J::Obj(vec![
                    ("type", s("Sequence")),
                    ("normalizers", J::Arr(normalizers)),
                ]),
            ),
            (
                "pre_tokenizer",
                J::Obj(vec![
                    ("type", s("Sequence")),
                    (
                        "pretokenizers",
                        J::Arr(vec![typed("WhitespaceSplit"), metaspace(scheme, true)]),
                    ),
                ]),
            ),
            ("post_processor", post),
            ("decoder", metaspace(scheme, true)),
            ("model", model),
        ]);
        // Serializing plain data with string keys cannot fail.
        Ok(serde_json::to_string_pretty(&root).unwrap_or_default())
    }
}
