//! Property tests: the tokenizer.json loader and encode never panic. Random mutations of valid
//! tokenizer.json files (bytes edited, JSON subtrees swapped for random values) must give a
//! tokenizer or a typed error; random Unicode text must encode (and decode back) or give a
//! typed error.

use proptest::prelude::*;
use serde_json::{json, Value};
use transferjs_tokenizers_core::{EncodeInput, InputSequence, OffsetType, Tokenizer};

/// Small but complete tokenizer.json files covering every component family.
fn seeds() -> Vec<Value> {
    let vocab = json!({"<unk>": 0, "a": 1, "b": 2, "ab": 3, "Ġ": 4, "Ġa": 5, "<0x41>": 6, "c": 7, "[CLS]": 8, "[SEP]": 9, "##b": 10});
    let base = |model: Value, normalizer: Value, pre: Value, post: Value, decoder: Value| {
        json!({
            "version": "1.0", "truncation": null, "padding": null,
            "added_tokens": [{"id": 8, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
            "normalizer": normalizer, "pre_tokenizer": pre, "post_processor": post, "decoder": decoder, "model": model
        })
    };
    vec![
        base(
            json!({"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": true, "ignore_merges": false, "vocab": vocab, "merges": [["a", "b"], ["Ġ", "a"]]}),
            json!({"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}, {"type": "Prepend", "prepend": "▁"}, {"type": "Strip", "strip_left": true, "strip_right": true}]}),
            json!({"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}),
            json!({"type": "RobertaProcessing", "sep": ["[SEP]", 9], "cls": ["[CLS]", 8], "trim_offsets": true, "add_prefix_space": true}),
            json!({"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}, {"type": "Strip", "content": " ", "start": 1, "stop": 1}]}),
        ),
        base(
            json!({"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"}),
            json!({"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "StripAccents"}, {"type": "NFC"}]}),
            json!({"type": "Sequence", "pretokenizers": [{"type": "Whitespace"}, {"type": "Punctuation", "behavior": "MergedWithNext"}, {"type": "Split", "pattern": {"String": "a"}, "behavior": "Contiguous", "invert": true}, {"type": "Digits", "individual_digits": true}]}),
            json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}),
            json!({"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "Fuse"}, {"type": "BPEDecoder", "suffix": "</w>"}]}),
        ),
        base(
            json!({"type": "WordPiece", "unk_token": "<unk>", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab}),
            json!({"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}),
            json!({"type": "BertPreTokenizer"}),
            json!({"type": "BertProcessing", "sep": ["[SEP]", 9], "cls": ["[CLS]", 8]}),
            json!({"type": "WordPiece", "prefix": "##", "cleanup": true}),
        ),
    ]
}

/// A random JSON value, shallow.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        ".{0,6}".prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"type": "Sequence"})),
        Just(json!(["a", 1])),
    ]
}

/// Replaces the `k`-th node (pre-order) of `v` by `new`.
fn replace_nth(v: &mut Value, k: &mut usize, new: &Value) -> bool {
    if *k == 0 {
        *v = new.clone();
        return true;
    }
    *k -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|x| replace_nth(x, k, new)),
        Value::Object(o) => o.values_mut().any(|x| replace_nth(x, k, new)),
        _ => false,
    }
}

fn check_encode(t: &Tokenizer, text: &str) {
    for input in [
        EncodeInput::from(text),
        EncodeInput {
            first: InputSequence::Raw(text.to_owned()),
            pair: Some(InputSequence::Raw(text.to_owned())),
        },
        EncodeInput {
            first: InputSequence::PreTokenized(text.split(' ').map(str::to_owned).collect()),
            pair: None,
        },
    ] {
        for offsets in [OffsetType::Char, OffsetType::Byte] {
            if let Ok(e) = t.encode(&input, true, offsets) {
                let _ = t.decode(&e.ids, false);
                let _ = t.decode(&e.ids, true);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn json_subtree_mutations_never_panic(seed in 0usize..3, node in 0usize..200, new in any_value(), text in "\\PC{0,40}") {
        let mut v = seeds()[seed].clone();
        let mut k = node;
        replace_nth(&mut v, &mut k, &new);
        if let Ok(t) = Tokenizer::from_json(&v.to_string(), "fuzz.json") {
            check_encode(&t, &text);
            let _ = t.to_json(true);
        }
    }

    #[test]
    fn byte_mutations_never_panic(seed in 0usize..3, edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6)) {
        let mut bytes = seeds()[seed].to_string().into_bytes();
        for (pos, b, op) in edits {
            let i = pos % (bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = b,
                1 => bytes.insert(i, b),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        if let Ok(s) = String::from_utf8(bytes) {
            if let Ok(t) = Tokenizer::from_json(&s, "fuzz.json") {
                check_encode(&t, "Hello, wörld! 123 ab");
            }
        }
    }

    #[test]
    fn random_unicode_always_encodes(seed in 0usize..3, text in "\\PC{0,80}|[\\s\\p{M}a-c'0-9]{0,40}|[\\u{0}-\\u{10FFFF}]{0,30}") {
        let t = Tokenizer::from_json(&seeds()[seed].to_string(), "seed.json").unwrap_or_else(|e| panic!("{e}"));
        check_encode(&t, &text);
        // The seeds have an unk token: encoding must succeed, not just not panic.
        prop_assert!(t.encode(&EncodeInput::from(text.as_str()), true, OffsetType::Char).is_ok());
    }
}
