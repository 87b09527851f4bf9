//! Parity of the SentencePiece components with HF tokenizers on real text.
//!
//! Fixtures (`fixtures/tokenizers/sentencepiece/`, made by `generate.py` with HF Python): the
//! input lines, ALBERT's `tokenizer.json` as transformers writes it, and what HF's
//! `Precompiled -> Metaspace -> Unigram` (ALBERT's charsmap and vocab) and a byte-fallback
//! Unigram give on every line: ids, char offsets into the original, and unknown tokens' text.

use std::io::Read;
use transferjs_tokenizers_core::models::Unigram;
use transferjs_tokenizers_core::normalizers::Precompiled;
use transferjs_tokenizers_core::pre_tokenizers::Metaspace;
use transferjs_tokenizers_core::tokenizer::Model;
use transferjs_tokenizers_core::{NormalizedString, Normalizer, PreTokenizer, Split};

fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../fixtures/tokenizers/sentencepiece")
        .join(name)
}

fn read_gz(name: &str) -> String {
    let path = fixture_path(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut out)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    out
}

fn jsonl(name: &str) -> Vec<serde_json::Value> {
    read_gz(name)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

pub fn lines() -> Vec<String> {
    jsonl("lines.jsonl.gz")
        .into_iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("lines: not a string"))
        })
        .collect()
}

/// One token as HF reports it: id, value, char offsets in the original text.
#[derive(Debug, PartialEq)]
struct Tok {
    id: u32,
    value: String,
    offsets: (usize, usize),
}

/// normalizer -> Metaspace -> Unigram, offsets mapped back to the original as char offsets.
fn encode(
    text: &str,
    normalizer: Option<&Precompiled>,
    pre: &Metaspace,
    model: &Unigram,
) -> Vec<Tok> {
    let mut n = NormalizedString::from(text);
    if let Some(p) = normalizer {
        p.normalize(&mut n)
            .unwrap_or_else(|e| panic!("normalize: {e}"));
    }
    // Byte index in `text` -> char index (HF Python reports char offsets).
    let mut char_at = vec![0usize; text.len() + 1];
    let mut count = 0;
    for (b, c) in text.char_indices() {
        for k in 0..c.len_utf8() {
            char_at[b + k] = count;
        }
        count += 1;
    }
    char_at[text.len()] = count;
    let splits = pre
        .pre_tokenize(vec![Split::from(n)])
        .unwrap_or_else(|e| panic!("pre_tokenize: {e}"));
    let mut out = Vec::new();
    for split in splits {
        for t in model
            .tokenize(&split.normalized)
            .unwrap_or_else(|e| panic!("tokenize: {e}"))
        {
            let (s, e) = t.offsets;
            let start = split.alignments[s].0;
            let end = split.alignments[e - 1].1;
            out.push(Tok {
                id: t.id,
                value: t.value,
                offsets: (char_at[start], char_at[end]),
            });
        }
    }
    out
}

fn expected(row: &serde_json::Value, model: &Unigram) -> Vec<Tok> {
    let ids: Vec<u32> = serde_json::from_value(row["ids"].clone()).unwrap_or_default();
    let offsets: Vec<usize> = serde_json::from_value(row["offsets"].clone()).unwrap_or_default();
    let unk: Vec<(usize, String)> = serde_json::from_value(row["unk"].clone()).unwrap_or_default();
    let mut toks: Vec<Tok> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| Tok {
            id,
            value: model.id_to_token(id).unwrap_or_default().to_owned(),
            offsets: (offsets[2 * i], offsets[2 * i + 1]),
        })
        .collect();
    for (i, value) in unk {
        toks[i].value = value;
    }
    toks
}

fn albert_json() -> serde_json::Value {
    serde_json::from_str(&read_gz("albert_tokenizer.json.gz")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn albert_components_match_hf_on_every_line() {
    let json = albert_json();
    let normalizers = json["normalizer"]["normalizers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let pre_json = normalizers
        .iter()
        .find(|n| n["type"] == "Precompiled")
        .cloned()
        .unwrap_or_else(|| panic!("no Precompiled in ALBERT's normalizer"));
    let precompiled: Precompiled =
        serde_json::from_value(pre_json).unwrap_or_else(|e| panic!("{e}"));
    let model: Unigram =
        serde_json::from_value(json["model"].clone()).unwrap_or_else(|e| panic!("{e}"));
    let pre = Metaspace::default();

    let lines = lines();
    let rows = jsonl("albert_components.jsonl.gz");
    assert_eq!(lines.len(), rows.len());
    let mut identical = 0;
    let mut first_diff = None;
    for (i, (line, row)) in lines.iter().zip(&rows).enumerate() {
        let got = encode(line, Some(&precompiled), &pre, &model);
        let want = expected(row, &model);
        if got == want {
            identical += 1;
        } else if first_diff.is_none() {
            first_diff = Some(format!("line {i} {line:?}\n got: {got:?}\nwant: {want:?}"));
        }
    }
    println!(
        "ALBERT Precompiled+Metaspace+Unigram: {identical}/{} lines identical",
        lines.len()
    );
    assert!(lines.len() >= 10_000);
    assert_eq!(identical, lines.len(), "{}", first_diff.unwrap_or_default());
}

#[test]
fn byte_fallback_unigram_matches_hf() {
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_path("bytefallback_tokenizer.json")).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let model: Unigram =
        serde_json::from_value(json["model"].clone()).unwrap_or_else(|e| panic!("{e}"));
    assert!(model.byte_fallback());
    let pre: Metaspace =
        serde_json::from_value(json["pre_tokenizer"].clone()).unwrap_or_else(|e| panic!("{e}"));
    let lines = lines();
    let rows = jsonl("bytefallback.jsonl.gz");
    let mut identical = 0;
    let mut byte_tokens = 0;
    let mut first_diff = None;
    for row in &rows {
        let i = row["line"].as_u64().unwrap_or_default() as usize;
        let got = encode(&lines[i], None, &pre, &model);
        let want = expected(row, &model);
        byte_tokens += got.iter().filter(|t| t.value.starts_with("<0x")).count();
        if got == want {
            identical += 1;
        } else if first_diff.is_none() {
            first_diff = Some(format!(
                "line {i} {:?}\n got: {got:?}\nwant: {want:?}",
                lines[i]
            ));
        }
    }
    println!(
        "byte-fallback Unigram: {identical}/{} lines identical ({byte_tokens} byte tokens)",
        rows.len()
    );
    assert!(
        byte_tokens > 1000,
        "the corpus should exercise byte fallback"
    );
    assert_eq!(identical, rows.len(), "{}", first_diff.unwrap_or_default());
}

#[test]
fn albert_model_and_charsmap_round_trip_to_hf_json() {
    let json = albert_json();
    let model: Unigram =
        serde_json::from_value(json["model"].clone()).unwrap_or_else(|e| panic!("{e}"));
    let mut written = serde_json::to_value(&model).unwrap_or_default();
    written["type"] = "Unigram".into();
    assert_eq!(written, json["model"]);
    let pre = json["normalizer"]["normalizers"][5].clone();
    let p: Precompiled = serde_json::from_value(pre.clone()).unwrap_or_else(|e| panic!("{e}"));
    let mut written = serde_json::to_value(&p).unwrap_or_default();
    written["type"] = "Precompiled".into();
    assert_eq!(written, pre);
}
