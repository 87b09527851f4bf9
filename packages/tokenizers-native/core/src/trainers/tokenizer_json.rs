//! Writes a trained model as a complete `tokenizer.json`, key for key as HF's `Tokenizer::save`
//! (same key order, pretty-printed with two spaces), so HF loads it and encodes identically.
//!
//! Per family:
//! - WordPiece (BERT): `BertNormalizer`, `BertPreTokenizer`, `TemplateProcessing`
//!   (`[CLS] $A [SEP]`, `[CLS] $A [SEP] $B:1 [SEP]:1`) when both tokens exist, `WordPiece` decoder;
//! - byte-level BPE (GPT-2/RoBERTa): `ByteLevel` pre-tokenizer, post-processor and decoder;
//! - character-level BPE: the BERT normalizer and pre-tokenizer, `BPEDecoder` with the suffix;
//! - Unigram (ALBERT/T5): `Metaspace` pre-tokenizer and decoder;
//! - WordLevel: the BERT normalizer and pre-tokenizer.
//!
//! Special tokens are `added_tokens` (special, not normalized) and also in the model vocab.

use super::{ModelKind, PreTokenization, PrependScheme, TrainSpec, Trained};
use crate::Result;

/// A JSON value that keeps key order (serde_json's map sorts keys unless `preserve_order`).
#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    /// Already formatted number.
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn obj(items: Vec<(&str, J)>) -> J {
    J::Obj(items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn s(v: &str) -> J {
    J::Str(v.to_owned())
}

fn num<T: ToString>(v: T) -> J {
    J::Num(v.to_string())
}

fn float(v: f64) -> J {
    // serde_json's (ryu) formatting, as HF writes scores.
    J::Num(serde_json::to_string(&v).unwrap_or_else(|_| "0.0".to_owned()))
}

fn from_value(v: &serde_json::Value) -> J {
    match v {
        serde_json::Value::Null => J::Null,
        serde_json::Value::Bool(b) => J::Bool(*b),
        serde_json::Value::Number(n) => J::Num(n.to_string()),
        serde_json::Value::String(x) => J::Str(x.clone()),
        serde_json::Value::Array(a) => J::Arr(a.iter().map(from_value).collect()),
        serde_json::Value::Object(o) => {
            J::Obj(o.iter().map(|(k, v)| (k.clone(), from_value(v))).collect())
        }
    }
}

fn write(j: &J, indent: usize, out: &mut String) {
    let pad = |n: usize, out: &mut String| out.extend(std::iter::repeat("  ").take(n));
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(n),
        J::Str(x) => out.push_str(&serde_json::to_string(x).unwrap_or_default()),
        J::Arr(a) if a.is_empty() => out.push_str("[]"),
        J::Obj(o) if o.is_empty() => out.push_str("{}"),
        J::Arr(a) => {
            out.push_str("[\n");
            for (i, v) in a.iter().enumerate() {
                pad(indent + 1, out);
                write(v, indent + 1, out);
                out.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
            }
            pad(indent, out);
            out.push(']');
        }
        J::Obj(o) => {
            out.push_str("{\n");
            for (i, (k, v)) in o.iter().enumerate() {
                pad(indent + 1, out);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                write(v, indent + 1, out);
                out.push_str(if i + 1 < o.len() { ",\n" } else { "\n" });
            }
            pad(indent, out);
            out.push('}');
        }
    }
}

fn byte_level(add_prefix_space: bool, trim_offsets: bool) -> J {
    obj(vec![
        ("type", s("ByteLevel")),
        ("add_prefix_space", J::Bool(add_prefix_space)),
        ("trim_offsets", J::Bool(trim_offsets)),
        ("use_regex", J::Bool(true)),
    ])
}

fn metaspace(replacement: char, scheme: PrependScheme, split: bool) -> J {
    obj(vec![
        ("type", s("Metaspace")),
        ("replacement", J::Str(replacement.to_string())),
        (
            "prepend_scheme",
            s(if scheme == PrependScheme::Always {
                "always"
            } else {
                "never"
            }),
        ),
        ("split", J::Bool(split)),
    ])
}

/// `{"token": id, ...}` in id order.
fn vocab_map(vocab: &[String]) -> J {
    J::Obj(
        vocab
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), num(i)))
            .collect(),
    )
}

/// The `tokenizer.json` text for `trained`, trained as `spec` says.
pub fn tokenizer_json(spec: &TrainSpec, trained: &Trained) -> Result<String> {
    let splitter = spec.splitter()?;
    let vocab = trained.vocab();
    let id_of = |t: &str| vocab.iter().position(|v| v == t);

    // 1. added_tokens: the special tokens, with their ids in the model vocab.
    let added: Vec<J> = spec
        .special_tokens()
        .iter()
        .filter_map(|t| id_of(t).map(|id| (t, id)))
        .map(|(t, id)| {
            obj(vec![
                ("id", num(id)),
                ("content", s(t)),
                ("single_word", J::Bool(false)),
                ("lstrip", J::Bool(false)),
                ("rstrip", J::Bool(false)),
                ("normalized", J::Bool(false)),
                ("special", J::Bool(true)),
            ])
        })
        .collect();

    // 2. normalizer and pre-tokenizer: what the words were counted with.
    let normalizer = match &splitter.normalizer {
        Some(n) => {
            from_value(&serde_json::from_str(&n.to_json()).unwrap_or(serde_json::Value::Null))
        }
        None => J::Null,
    };
    let pre_tokenizer = match &splitter.pre_tokenization {
        PreTokenization::Core(p) => {
            from_value(&serde_json::from_str(&p.to_json()).unwrap_or(serde_json::Value::Null))
        }
        PreTokenization::ByteLevel { add_prefix_space } => byte_level(*add_prefix_space, true),
        PreTokenization::Metaspace {
            replacement,
            prepend_scheme,
            split,
        } => metaspace(*replacement, *prepend_scheme, *split),
        PreTokenization::None => J::Null,
    };

    // 3. post-processor and decoder of the family.
    let (post_processor, decoder) = match (spec.model, trained) {
        (
            ModelKind::Wordpiece,
            Trained::WordPiece {
                continuing_subword_prefix,
                ..
            },
        ) => {
            let pp = match (id_of("[CLS]"), id_of("[SEP]")) {
                (Some(cls), Some(sep)) => template_processing(cls, sep),
                _ => J::Null,
            };
            let dec = obj(vec![
                ("type", s("WordPiece")),
                ("prefix", s(continuing_subword_prefix)),
                ("cleanup", J::Bool(true)),
            ]);
            (pp, dec)
        }
        (ModelKind::Bpe, Trained::Bpe(m)) => {
            if spec.is_byte_level() {
                (byte_level(true, false), byte_level(true, true))
            } else {
                let dec = match &m.end_of_word_suffix {
                    Some(x) => obj(vec![("type", s("BPEDecoder")), ("suffix", s(x))]),
                    None => J::Null,
                };
                (J::Null, dec)
            }
        }
        (ModelKind::Unigram, _) => match &splitter.pre_tokenization {
            PreTokenization::Metaspace {
                replacement,
                prepend_scheme,
                split,
            } => (J::Null, metaspace(*replacement, *prepend_scheme, *split)),
            _ => (J::Null, J::Null),
        },
        _ => (J::Null, J::Null),
    };

    // 4. the model.
    let model = match trained {
        Trained::WordPiece {
            vocab,
            unk_token,
            continuing_subword_prefix,
        } => obj(vec![
            ("type", s("WordPiece")),
            ("unk_token", s(unk_token)),
            ("continuing_subword_prefix", s(continuing_subword_prefix)),
            ("max_input_chars_per_word", num(100)),
            ("vocab", vocab_map(vocab)),
        ]),
        Trained::WordLevel { vocab, unk_token } => obj(vec![
            ("type", s("WordLevel")),
            ("vocab", vocab_map(vocab)),
            ("unk_token", s(unk_token)),
        ]),
        Trained::Bpe(m) => {
            let opt = |o: &Option<String>| o.as_deref().map_or(J::Null, s);
            let unk = if spec.is_byte_level() {
                None
            } else {
                spec.unk_token().filter(|u| id_of(u).is_some())
            };
            obj(vec![
                ("type", s("BPE")),
                ("dropout", J::Null),
                ("unk_token", opt(&unk)),
                (
                    "continuing_subword_prefix",
                    opt(&m.continuing_subword_prefix),
                ),
                ("end_of_word_suffix", opt(&m.end_of_word_suffix)),
                ("fuse_unk", J::Bool(false)),
                ("byte_fallback", J::Bool(false)),
                ("ignore_merges", J::Bool(false)),
                ("vocab", vocab_map(&m.vocab)),
                (
                    "merges",
                    J::Arr(
                        m.merges
                            .iter()
                            .map(|(a, b)| J::Arr(vec![s(a), s(b)]))
                            .collect(),
                    ),
                ),
            ])
        }
        Trained::Unigram(m) => obj(vec![
            ("type", s("Unigram")),
            ("unk_id", m.unk_id.map_or(J::Null, num)),
            (
                "vocab",
                J::Arr(
                    m.pieces
                        .iter()
                        .map(|(p, sc)| J::Arr(vec![s(p), float(*sc)]))
                        .collect(),
                ),
            ),
            ("byte_fallback", J::Bool(m.byte_fallback)),
        ]),
    };

    let root = obj(vec![
        ("version", s("1.0")),
        ("truncation", J::Null),
        ("padding", J::Null),
        ("added_tokens", J::Arr(added)),
        ("normalizer", normalizer),
        ("pre_tokenizer", pre_tokenizer),
        ("post_processor", post_processor),
        ("decoder", decoder),
        ("model", model),
    ]);
    let mut out = String::new();
    write(&root, 0, &mut out);
    Ok(out)
}

fn template_processing(cls: usize, sep: usize) -> J {
    let special = |id: &str, type_id: u32| {
        obj(vec![(
            "SpecialToken",
            obj(vec![("id", s(id)), ("type_id", num(type_id))]),
        )])
    };
    let seq = |id: &str, type_id: u32| {
        obj(vec![(
            "Sequence",
            obj(vec![("id", s(id)), ("type_id", num(type_id))]),
        )])
    };
    let entry = |t: &str, id: usize| {
        obj(vec![
            ("id", s(t)),
            ("ids", J::Arr(vec![num(id)])),
            ("tokens", J::Arr(vec![s(t)])),
        ])
    };
    obj(vec![
        ("type", s("TemplateProcessing")),
        (
            "single",
            J::Arr(vec![special("[CLS]", 0), seq("A", 0), special("[SEP]", 0)]),
        ),
        (
            "pair",
            J::Arr(vec![
                special("[CLS]", 0),
                seq("A", 0),
                special("[SEP]", 0),
                seq("B", 1),
                special("[SEP]", 1),
            ]),
        ),
        (
            "special_tokens",
            obj(vec![
                ("[CLS]", entry("[CLS]", cls)),
                ("[SEP]", entry("[SEP]", sep)),
            ]),
        ),
    ])
}
