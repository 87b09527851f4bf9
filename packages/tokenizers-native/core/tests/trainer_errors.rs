//! Bad input to the trainers, at the core level: typed errors with the file, option and
//! numbers in them; never a panic.

use transferjs_tokenizers_core::trainers::{self, no_progress, TrainSpec, WordCounter};
use transferjs_tokenizers_core::Error;

fn tmp(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("trainer-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or(());
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or(());
    path.to_string_lossy().into_owned()
}

fn spec(json: &str) -> TrainSpec {
    TrainSpec::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn unreadable_and_non_utf8_files_name_the_file() {
    let s = spec(r#"{"model": "wordpiece", "vocabSize": 100}"#);
    let missing = tmp("x", b"") + ".missing";
    match trainers::train_files(&s, &[missing.as_str()], &no_progress) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected Io, got {other:?}"),
    }
    // Invalid byte after a first block of valid lines: the offset counts from the file start.
    let mut bytes = b"valid line\n".repeat(3);
    bytes.extend_from_slice(b"caf\xe9\n");
    let bad = tmp("latin1.txt", &bytes);
    match trainers::train_files(&s, &[bad.as_str()], &no_progress) {
        Err(Error::InvalidUtf8 { path, byte }) => {
            assert_eq!(path, bad);
            assert_eq!(byte, 36);
        }
        other => panic!("expected InvalidUtf8, got {other:?}"),
    }
}

#[test]
fn empty_corpus_and_small_vocab_are_config_errors() {
    let s = spec(r#"{"model": "unigram", "vocabSize": 100}"#);
    let empty = tmp("empty.txt", b"");
    let e = trainers::train_files(&s, &[empty.as_str()], &no_progress)
        .err()
        .map(|e| e.to_string());
    assert!(e
        .unwrap_or_default()
        .starts_with("corpus: the corpus has no words"));
    let none: [&str; 0] = [];
    let e = trainers::train_files(&s, &none, &no_progress)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("files: expected at least one corpus file, found none")
    );

    let mut c = WordCounter::new(s.splitter().unwrap_or_else(|e| panic!("{e}")));
    c.feed_batch(&["abcdefghij klmnopqrst"]).unwrap_or(());
    let words = c.into_counts().unwrap_or_default();
    let small = spec(r#"{"model": "unigram", "vocabSize": 10}"#);
    let e = trainers::train(&small, &words, &no_progress)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.starts_with("vocabSize: Unigram: vocab_size 10 is smaller than the 3 special tokens plus the 21 chars"), "{e}");
}

#[test]
fn options_are_checked_by_name() {
    let e = TrainSpec::from_json(r#"{"model": "bpe", "vocabSize": 10, "vocab_size": 3}"#)
        .err()
        .map(|e| e.to_string());
    assert!(e.unwrap_or_default().contains("unknown field `vocab_size`"));
    let e = TrainSpec::from_json(r#"{"model": "bpe", "vocabSize": 10, "initialAlphabet": ["ab"]}"#)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("initialAlphabet: expected single chars, found 'ab'")
    );
}
