//! Property checks of the SentencePiece components on random text (a deterministic generator,
//! so failures reproduce): no panic, alignments inside the input, pieces that tile their word.
//! Parity with HF itself is `unigram_parity.rs`; this covers inputs no corpus has.

use std::io::Read;
use transferjs_tokenizers_core::models::Unigram;
use transferjs_tokenizers_core::normalizers::Precompiled;
use transferjs_tokenizers_core::pre_tokenizers::{Metaspace, PrependScheme};
use transferjs_tokenizers_core::tokenizer::Model;
use transferjs_tokenizers_core::{NormalizedString, Normalizer, PreTokenizer, Split};

fn albert() -> (Precompiled, Unigram) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../fixtures/tokenizers/sentencepiece/albert_tokenizer.json.gz");
    let mut text = String::new();
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let pre = json["normalizer"]["normalizers"]
        .as_array()
        .and_then(|a| a.iter().find(|n| n["type"] == "Precompiled"))
        .cloned()
        .unwrap_or_default();
    (
        serde_json::from_value(pre).unwrap_or_else(|e| panic!("{e}")),
        serde_json::from_value(json["model"].clone()).unwrap_or_else(|e| panic!("{e}")),
    )
}

/// Random strings over chars that stress normalization, segmentation and offsets, plus random
/// code points from every plane.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn text(&mut self) -> String {
        const POOL: &[&str] = &[
            "a",
            "Z",
            "9",
            " ",
            "  ",
            "\t",
            "\r\n",
            "\n",
            "\0",
            "\u{7f}",
            "\u{200b}",
            "\u{200d}",
            "\u{a0}",
            "\u{3000}",
            "▁",
            "\u{feff}",
            "\u{fffd}",
            "\u{301}",
            "\u{20dd}",
            "\u{1100}",
            "\u{1161}",
            "\u{1f1eb}",
            "\u{1f44d}",
            "\u{1f3fd}",
            "\u{fe0f}",
            "ﬁ",
            "Ⅻ",
            "①",
            "ａ",
            "㌀",
            "中",
            "é",
            "ß",
            "İ",
            "Ω",
            "𝐀",
            "<unk>",
            "[CLS]",
            "``",
            "''",
        ];
        let len = self.next() % 30;
        let mut s = String::new();
        for _ in 0..len {
            if self.next().is_multiple_of(5) {
                // Any scalar value.
                let c = char::from_u32((self.next() % 0x11_0000) as u32).unwrap_or('x');
                s.push(c);
            } else {
                s.push_str(POOL[(self.next() as usize) % POOL.len()]);
            }
        }
        s
    }
}

#[test]
fn random_text_keeps_every_invariant() {
    let (precompiled, unigram) = albert();
    let schemes = [
        Metaspace::default(),
        Metaspace::new('▁', PrependScheme::First, true),
        Metaspace::new('▁', PrependScheme::Never, true),
        Metaspace::new('▁', PrependScheme::Always, false),
    ];
    let mut gen = Gen(42);
    let mut tokens = 0usize;
    for round in 0..6_000 {
        let text = gen.text();
        let mut n = NormalizedString::from(text.as_str());
        precompiled
            .normalize(&mut n)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
        // 1. Normalized bytes each map into the original, on char boundaries.
        assert_eq!(n.alignments().len(), n.get().len());
        for &(s, e) in n.alignments() {
            assert!(s <= e && e <= text.len(), "{text:?}: alignment ({s}, {e})");
            assert!(
                text.is_char_boundary(s) && text.is_char_boundary(e),
                "{text:?}"
            );
        }
        let meta = &schemes[round % schemes.len()];
        let splits = meta
            .pre_tokenize(vec![Split::from(n.clone())])
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
        // 2. Pieces are non-empty and, joined, give the normalized text with spaces replaced
        //    (plus at most one prefix).
        let joined: String = splits.iter().map(|s| s.normalized.as_str()).collect();
        let replaced = n.get().replace(' ', "▁");
        assert!(
            joined == replaced || joined == format!("▁{replaced}"),
            "{text:?}"
        );
        for split in &splits {
            assert!(!split.normalized.is_empty());
            assert_eq!(split.alignments.len(), split.normalized.len());
            // 3. Tokens tile the piece: contiguous byte ranges from 0 to its end, each a
            //    vocabulary piece or (unknown / byte fallback) the text it covers.
            let toks = unigram
                .tokenize(&split.normalized)
                .unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let mut at = 0;
            for t in &toks {
                assert_eq!(t.offsets.0, at, "{text:?}");
                assert!(t.offsets.1 > t.offsets.0);
                let covered = &split.normalized[t.offsets.0..t.offsets.1];
                if t.id == 1 {
                    assert_eq!(t.value, covered);
                } else {
                    assert_eq!(unigram.id_to_token(t.id), Some(covered));
                }
                at = t.offsets.1;
            }
            assert_eq!(at, split.normalized.len(), "{text:?}");
            tokens += toks.len();
        }
    }
    assert!(tokens > 50_000);
}

#[test]
fn random_json_never_panics() {
    // Mutated component JSON: always Ok or a serde error, never a panic.
    let bases = [
        r#"{"unk_id":0,"vocab":[["<unk>",0.0],["▁a",-1.5],["b",-2.0]],"byte_fallback":true}"#,
        r#"{"replacement":"▁","prepend_scheme":"first","split":false}"#,
        r#"{"precompiled_charsmap":"AAAAAA=="}"#,
    ];
    let mut gen = Gen(7);
    for round in 0..3_000 {
        let base = bases[round % bases.len()];
        let mut bytes = base.as_bytes().to_vec();
        for _ in 0..1 + gen.next() % 3 {
            let i = (gen.next() as usize) % bytes.len();
            bytes[i] = b" -019\"{}[],:.eEabnrux"[(gen.next() as usize) % 21];
        }
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        match round % 3 {
            0 => {
                if let Ok(m) = serde_json::from_str::<Unigram>(&text) {
                    let _ = m.tokenize("ab▁a xyz");
                }
            }
            1 => {
                if let Ok(m) = serde_json::from_str::<Metaspace>(&text) {
                    let _ = m.pre_tokenize(vec![Split::from(NormalizedString::from("a b"))]);
                }
            }
            _ => {
                if let Ok(p) = serde_json::from_str::<Precompiled>(&text) {
                    let _ = p.normalize(&mut NormalizedString::from("ａ b"));
                }
            }
        }
    }
}
