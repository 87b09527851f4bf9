//! The BERT normalizer + pre-tokenizer together, through the public JSON entry points, with
//! offsets into the original text.

use transferjs_tokenizers_core::{
    Error, NormalizedString, Normalizer, NormalizerWrapper, PreTokenizer, PreTokenizerWrapper,
};

fn words(text: &str) -> Vec<(String, (usize, usize))> {
    let norm = NormalizerWrapper::from_json(r#"{"type":"BertNormalizer","lowercase":true}"#)
        .expect("valid normalizer");
    let pre = PreTokenizerWrapper::from_json(r#"{"type":"BertPreTokenizer"}"#).expect("valid");
    let mut n = NormalizedString::from(text);
    norm.normalize(&mut n).expect("normalize");
    pre.pre_tokenize(vec![n.into()])
        .expect("pre-tokenize")
        .into_iter()
        .filter_map(|s| Some((s.normalized.clone(), s.original_offsets()?)))
        .collect()
}

#[test]
fn accented_cjk_and_punctuation_keep_original_byte_offsets() {
    let text = "Café 北京, naïve!";
    let got = words(text);
    let slices: Vec<(&str, &str)> = got
        .iter()
        .map(|(w, (s, e))| (w.as_str(), &text[*s..*e]))
        .collect();
    assert_eq!(
        slices,
        vec![
            ("cafe", "Café"),
            ("北", "北"),
            ("京", "京"),
            (",", ","),
            ("naive", "naïve"),
            ("!", "!"),
        ]
    );
}

#[test]
fn unknown_type_is_a_typed_error_listing_the_supported_ones() {
    let err = NormalizerWrapper::from_json(r#"{"type":"Foo"}"#).unwrap_err();
    assert!(matches!(err, Error::UnknownComponent { .. }));
    let msg = err.to_string();
    assert!(
        msg.starts_with("normalizer.type: unknown normalizer type 'Foo' (supported: "),
        "{msg}"
    );
    assert!(msg.contains("BertNormalizer"), "{msg}");
}

#[test]
fn wrong_field_type_names_the_component() {
    let err =
        NormalizerWrapper::from_json(r#"{"type":"BertNormalizer","lowercase":"yes"}"#).unwrap_err();
    assert_eq!(err.code(), "INVALID_JSON");
    assert!(err
        .to_string()
        .starts_with("normalizer (BertNormalizer): invalid normalizer JSON"));
}

#[test]
fn roundtrips_through_json() {
    let json = r#"{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":false,"strip_accents":null,"lowercase":true}"#;
    let n = NormalizerWrapper::from_json(json).expect("valid");
    assert_eq!(n.to_json(), json);
}
