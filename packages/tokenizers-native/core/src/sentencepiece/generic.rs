//! The generic `tokenizer.json` for a SentencePiece model, byte for byte what transformers'
//! `SpmConverter.build_tokenizer_from_spm_proto` builds when no model class applies. It follows
//! the model's own settings, so it encodes like `SentencePieceProcessor.encode`:
//!
//! ```text
//! normalizer:     Sequence[Precompiled?, Replace(/\A +| +\z/ -> ""), Replace(/ {2,}/ -> " ")
//!                          (if remove_extra_whitespaces), Replace(" " -> "▁") (if
//!                          escape_whitespaces), Replace(/\A▁/ -> "▁▁") (if add_dummy_prefix, legacy)]
//! pre_tokenizer:  Sequence[Metaspace(split false, always|first) (if add_dummy_prefix),
//!                          Split(/user|defined/, Isolated) (if USER_DEFINED pieces)]
//! decoder:        Sequence[Replace("▁" -> " "), ByteFallback?, Fuse + Strip(" ", 1, 0)?]
//! model:          Unigram(pieces, unk_id, byte_fallback) or BPE(vocab, merges, ...)
//! ```

use super::json::{charsmap_base64, metaspace, replace, replace_pattern, s, typed, J};
use super::{ModelType, PieceType, SentencePieceError, SentencePieceModel};

/// Python's `re.escape` (3.7+): a backslash before each char of `()[]{}?*+-|^$\.&~#`, space,
/// and the whitespace controls.
fn re_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl SentencePieceModel {
    /// The `tokenizer.json` transformers builds from this model with no model-specific class,
    /// pretty-printed as HF prints it. `legacy` (transformers' default, true) prepends `▁` to
    /// every chunk between added tokens; false only to the first.
    pub fn tokenizer_json(&self, legacy: bool) -> Result<String, SentencePieceError> {
        let spec = &self.normalizer_spec;
        let byte_fallback = self.trainer_spec.byte_fallback;

        // 1. Model.
        let model = match self.trainer_spec.model_type {
            ModelType::Unigram => {
                let unigram = self.unigram_with(true)?;
                let vocab = unigram
                    .vocab()
                    .iter()
                    .map(|(p, score)| J::Arr(vec![s(p), J::Float(*score)]))
                    .collect();
                J::Obj(vec![
                    ("type", s("Unigram")),
                    (
                        "unk_id",
                        J::Int(unigram.unk_id().unwrap_or_default() as u64),
                    ),
                    ("vocab", J::Arr(vocab)),
                    ("byte_fallback", J::Bool(unigram.byte_fallback())),
                ])
            }
            ModelType::Bpe => {
                let bpe = self.bpe()?;
                J::Obj(vec![
                    ("type", s("BPE")),
                    ("dropout", J::Null),
                    ("unk_token", s(&bpe.unk_token)),
                    ("continuing_subword_prefix", J::Null),
                    ("end_of_word_suffix", J::Null),
                    ("fuse_unk", J::Bool(bpe.fuse_unk)),
                    ("byte_fallback", J::Bool(bpe.byte_fallback)),
                    ("ignore_merges", J::Bool(bpe.ignore_merges)),
                    (
                        "vocab",
                        J::Map(
                            bpe.vocab
                                .iter()
                                .map(|(p, id)| (p.clone(), J::Int(u64::from(*id))))
                                .collect(),
                        ),
                    ),
                    (
                        "merges",
                        J::Arr(
                            bpe.merges
                                .iter()
                                .map(|(l, r)| J::Arr(vec![s(l), s(r)]))
                                .collect(),
                        ),
                    ),
                ])
            }
        };

        // 2. Normalizer, in SentencePiece's order.
        let mut normalizers = Vec::new();
        if let Some(p) = self.precompiled()? {
            normalizers.push(J::Obj(vec![
                ("type", s("Precompiled")),
                ("precompiled_charsmap", s(&charsmap_base64(&p))),
            ]));
        }
        if spec.remove_extra_whitespaces {
            normalizers.push(replace_pattern("Regex", r"\A +| +\z", ""));
            normalizers.push(replace_pattern("Regex", " {2,}", " "));
        }
        if spec.escape_whitespaces {
            normalizers.push(replace(" ", "▁"));
        }
        if spec.add_dummy_prefix && legacy {
            normalizers.push(replace_pattern("Regex", r"\A▁", "▁▁"));
        }

        // 3. Pre-tokenizer: the dummy prefix, then user-defined pieces isolated (longest first,
        //    ties in id order, as Python's stable sort by length).
        let mut pre = Vec::new();
        if spec.add_dummy_prefix {
            pre.push(metaspace(if legacy { "always" } else { "first" }, false));
        }
        let mut user: Vec<&str> = self
            .pieces
            .iter()
            .filter(|p| p.kind == PieceType::UserDefined)
            .map(|p| p.piece.as_str())
            .collect();
        user.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        if !user.is_empty() {
            let pattern = user
                .iter()
                .map(|p| re_escape(p))
                .collect::<Vec<_>>()
                .join("|");
            pre.push(J::Obj(vec![
                ("type", s("Split")),
                ("pattern", J::Obj(vec![("Regex", J::Str(pattern))])),
                ("behavior", s("Isolated")),
                ("invert", J::Bool(false)),
            ]));
        }
        let pre_tokenizer = if pre.is_empty() {
            J::Null
        } else {
            J::Obj(vec![
                ("type", s("Sequence")),
                ("pretokenizers", J::Arr(pre)),
            ])
        };

        // 4. Decoder.
        let mut decoders = vec![replace("▁", " ")];
        if byte_fallback {
            decoders.push(typed("ByteFallback"));
        }
        if spec.add_dummy_prefix {
            decoders.push(typed("Fuse"));
            decoders.push(J::Obj(vec![
                ("type", s("Strip")),
                ("content", s(" ")),
                ("start", J::Int(1)),
                ("stop", J::Int(0)),
            ]));
        } else if byte_fallback {
            decoders.push(typed("Fuse"));
        }

        let root = J::Obj(vec![
            ("version", s("1.0")),
            ("truncation", J::Null),
            ("padding", J::Null),
            ("added_tokens", J::Arr(Vec::new())),
            (
                "normalizer",
                J::Obj(vec![
                    ("type", s("Sequence")),
                    ("normalizers", J::Arr(normalizers)),
                ]),
            ),
            ("pre_tokenizer", pre_tokenizer),
            ("post_processor", J::Null),
            (
                "decoder",
                J::Obj(vec![
                    ("type", s("Sequence")),
                    ("decoders", J::Arr(decoders)),
                ]),
            ),
            ("model", model),
        ]);
        Ok(serde_json::to_string_pretty(&root).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::re_escape;

    #[test]
    fn escapes_like_python() {
        assert_eq!(re_escape("<sep>"), "<sep>");
        assert_eq!(re_escape("a.b*c d#|"), r"a\.b\*c\ d\#\|");
        assert_eq!(re_escape("[x]"), r"\[x\]");
    }
}
