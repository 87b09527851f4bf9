//! SentencePiece's precompiled normalization rules (`normalizer_spec.precompiled_charsmap` of a
//! `.model`; base64 in `tokenizer.json`). The charsmap maps strings (a grapheme or a char) to
//! their normalized form, e.g. NFKC plus SentencePiece's own fixes.
//!
//! Blob layout (little-endian):
//!
//! ```text
//! [u32 trie_bytes] [trie_bytes / 4 x u32: double-array trie units] [normalized strings, each NUL-terminated]
//! ```
//!
//! A trie leaf's value is the byte offset of the replacement string in the strings blob.

use crate::tokenizer::{NormalizedString, Normalizer};
use crate::Result;
use serde::{Deserialize, Serialize};
use thiserror::Error as ThisError;
use unicode_segmentation::UnicodeSegmentation;

/// Why a charsmap blob cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
pub enum PrecompiledError {
    #[error("precompiled_charsmap is {len} bytes; expected at least 4 (a u32 trie size)")]
    TooShort { len: usize },
    #[error(
        "precompiled_charsmap declares a {trie_bytes}-byte trie but only {available} bytes follow \
         (or the size is not a multiple of 4)"
    )]
    TrieOutOfBounds { trie_bytes: usize, available: usize },
    #[error("precompiled_charsmap's trie is empty; expected at least the root unit")]
    EmptyTrie,
    #[error("precompiled_charsmap's normalized strings are not UTF-8 (at byte {byte})")]
    InvalidUtf8 { byte: usize },
    #[error("precompiled_charsmap is not valid base64: {message}")]
    InvalidBase64 { message: String },
}

/// The Precompiled normalizer, serialized as
/// `{"type":"Precompiled","precompiled_charsmap":"<base64>"}`.
#[derive(Debug, Clone)]
pub struct Precompiled {
    /// The blob as given, kept so serialization writes exactly what was read.
    precompiled_charsmap: Vec<u8>,
    trie: Vec<u32>,
    normalized: String,
    /// Per ASCII byte, its replacement's `[start, end)` in `normalized` (`None`: kept as is):
    /// the fast path for the common single-ASCII-char graphemes.
    ascii: Vec<Option<(usize, usize)>>,
}

impl PartialEq for Precompiled {
    fn eq(&self, other: &Self) -> bool {
        self.precompiled_charsmap == other.precompiled_charsmap
    }
}

impl Precompiled {
    /// Parses a raw charsmap blob (the bytes of `normalizer_spec.precompiled_charsmap`).
    pub fn from_bytes(blob: &[u8]) -> std::result::Result<Self, PrecompiledError> {
        let Some((size, rest)) = blob.split_first_chunk::<4>() else {
            return Err(PrecompiledError::TooShort { len: blob.len() });
        };
        let trie_bytes = u32::from_le_bytes(*size) as usize;
        if trie_bytes > rest.len() || !trie_bytes.is_multiple_of(4) {
            return Err(PrecompiledError::TrieOutOfBounds {
                trie_bytes,
                available: rest.len(),
            });
        }
        if trie_bytes == 0 {
            return Err(PrecompiledError::EmptyTrie);
        }
        let (trie_blob, strings) = rest.split_at(trie_bytes);
        let trie = trie_blob
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let normalized =
            String::from_utf8(strings.to_vec()).map_err(|e| PrecompiledError::InvalidUtf8 {
                byte: 4 + trie_bytes + e.utf8_error().valid_up_to(),
            })?;
        let mut p = Self {
            precompiled_charsmap: blob.to_vec(),
            trie,
            normalized,
            ascii: Vec::new(),
        };
        p.ascii = (0u8..128)
            .map(|b| {
                let c = [b];
                let s = std::str::from_utf8(&c).ok()?;
                let norm = p.transform(s)?;
                let start = norm.as_ptr() as usize - p.normalized.as_ptr() as usize;
                Some((start, start + norm.len()))
            })
            .collect();
        Ok(p)
    }

    /// The raw blob.
    pub fn charsmap(&self) -> &[u8] {
        &self.precompiled_charsmap
    }

    /// Values of every key in the trie that is a prefix of `key`, shortest first (Darts'
    /// `commonPrefixSearch`; a NUL byte ends the key). Out-of-range units end the search, so a
    /// corrupt trie gives fewer matches, never a panic.
    fn common_prefix_search(&self, key: &[u8]) -> Option<u32> {
        // Unit layout: bits 0-7 label, bit 8 has_leaf, bit 9 offset shift flag, bits 10-30
        // offset, bit 31 "is a leaf" (then bits 0-30 are the value).
        fn has_leaf(u: u32) -> bool {
            (u >> 8) & 1 == 1
        }
        fn value(u: u32) -> u32 {
            u & ((1 << 31) - 1)
        }
        fn label(u: u32) -> u32 {
            u & ((1 << 31) | 0xFF)
        }
        fn offset(u: u32) -> usize {
            ((u >> 10) << ((u & (1 << 9)) >> 6)) as usize
        }
        let mut pos = 0usize;
        let mut unit = *self.trie.first()?;
        pos ^= offset(unit);
        for &c in key {
            if c == 0 {
                break;
            }
            pos ^= usize::from(c);
            unit = *self.trie.get(pos)?;
            if label(unit) != u32::from(c) {
                return None;
            }
            pos ^= offset(unit);
            if has_leaf(unit) {
                // Only the first (shortest) match is ever used.
                return self.trie.get(pos).map(|&u| value(u));
            }
        }
        None
    }

    /// The replacement for `chunk` if the charsmap has one. As HF (and so not as SentencePiece
    /// itself), the first trie match that is a prefix of `chunk` wins, even if shorter.
    pub fn transform(&self, chunk: &str) -> Option<&str> {
        let start = self.common_prefix_search(chunk.as_bytes())? as usize;
        let tail = self.normalized.get(start..)?;
        let end = tail.find('\0').unwrap_or(tail.len());
        tail.get(..end)
    }
}

/// Appends `new_part` (replacing `old_part`) to the `(char, change)` list, HF's way: extra chars
/// are insertions; fewer chars make the last entry of the list (even one from an earlier
/// chunk, when `new_part` is empty) swallow the surplus.
fn replace(transformations: &mut Vec<(char, isize)>, old_part: &str, new_part: &str) {
    let old_count = old_part.chars().count() as isize;
    let new_count = new_part.chars().count() as isize;
    let diff = new_count - old_count;
    transformations.extend(new_part.chars().map(|c| (c, 0)));
    if diff > 0 {
        for entry in transformations.iter_mut().rev().take(diff as usize) {
            entry.1 = 1;
        }
    } else if diff < 0 {
        if let Some(last) = transformations.last_mut() {
            last.1 += diff;
        }
    }
}

impl Normalizer for Precompiled {
    /// Steps, per extended grapheme cluster:
    /// 1. a grapheme shorter than 6 bytes with a charsmap entry is replaced whole;
    /// 2. otherwise each of its chars is replaced by its entry, or kept.
    ///
    /// Fast path: an ASCII char followed by an ASCII char (or the end) is a grapheme on its own
    /// (only CR LF joins two ASCII chars; marks that extend a cluster are never ASCII), so it
    /// is looked up in a 128-entry table instead of segmenting. Segmentation restarts at each
    /// cluster boundary, which gives the same clusters as segmenting the whole text.
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
        let text = n.get();
        let bytes = text.as_bytes();
        let mut transformations: Vec<(char, isize)> = Vec::with_capacity(text.len());
        let mut modified = false;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 && b != b'\r' && bytes.get(i + 1).is_none_or(|&next| next < 0x80) {
                match self.ascii.get(usize::from(b)).copied().flatten() {
                    Some((start, end)) => {
                        modified = true;
                        replace(
                            &mut transformations,
                            &text[i..i + 1],
                            &self.normalized[start..end],
                        );
                    }
                    None => transformations.push((char::from(b), 0)),
                }
                i += 1;
                continue;
            }
            let Some(grapheme) = text[i..].graphemes(true).next() else {
                break;
            };
            i += grapheme.len();
            if grapheme.len() < 6 {
                if let Some(norm) = self.transform(grapheme) {
                    modified = true;
                    replace(&mut transformations, grapheme, norm);
                    continue;
                }
            }
            for (i, c) in grapheme.char_indices() {
                let part = &grapheme[i..i + c.len_utf8()];
                if let Some(norm) = self.transform(part) {
                    modified = true;
                    replace(&mut transformations, part, norm);
                } else {
                    transformations.push((c, 0));
                }
            }
        }
        if modified {
            n.transform(transformations, 0);
        }
        Ok(())
    }
}

impl Serialize for Precompiled {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Precompiled", 1)?;
        st.serialize_field(
            "precompiled_charsmap",
            &base64_encode(&self.precompiled_charsmap),
        )?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Precompiled {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Json {
            precompiled_charsmap: String,
        }
        let j = Json::deserialize(d)?;
        let bytes = base64_decode(&j.precompiled_charsmap).map_err(serde::de::Error::custom)?;
        Precompiled::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding (what HF writes).
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Strict standard base64: length a multiple of 4, padding only at the end.
pub(crate) fn base64_decode(text: &str) -> std::result::Result<Vec<u8>, PrecompiledError> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(PrecompiledError::InvalidBase64 {
            message: format!("length {} is not a multiple of 4", bytes.len()),
        });
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let quads = bytes.len() / 4;
    for (q, quad) in bytes.chunks_exact(4).enumerate() {
        let mut n: u32 = 0;
        let mut pad = 0;
        for (i, &c) in quad.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if q + 1 == quads && i >= 2 => {
                    pad += 1;
                    0
                }
                _ => {
                    return Err(PrecompiledError::InvalidBase64 {
                        message: format!("unexpected byte {c:#04x} at {}", q * 4 + i),
                    })
                }
            };
            if pad > 0 && c != b'=' {
                return Err(PrecompiledError::InvalidBase64 {
                    message: format!("data after padding at {}", q * 4 + i),
                });
            }
            n = (n << 6) | u32::from(v);
        }
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for data in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            &[0, 255, 128],
        ] {
            let enc = base64_encode(data);
            assert_eq!(base64_decode(&enc).ok().as_deref(), Some(data));
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert!(base64_decode("Zm8").is_err());
        assert!(base64_decode("Z=8=").is_err());
        assert!(base64_decode("Zm8*").is_err());
    }

    #[test]
    fn malformed_blobs_are_typed_errors() {
        assert_eq!(
            Precompiled::from_bytes(&[1, 0]).err(),
            Some(PrecompiledError::TooShort { len: 2 })
        );
        assert_eq!(
            Precompiled::from_bytes(&[8, 0, 0, 0, 1, 2, 3, 4]).err(),
            Some(PrecompiledError::TrieOutOfBounds {
                trie_bytes: 8,
                available: 4
            })
        );
        assert_eq!(
            Precompiled::from_bytes(&[0, 0, 0, 0]).err(),
            Some(PrecompiledError::EmptyTrie)
        );
        assert_eq!(
            Precompiled::from_bytes(&[4, 0, 0, 0, 0, 0, 0, 0, 0xff]).err(),
            Some(PrecompiledError::InvalidUtf8 { byte: 8 })
        );
    }

    #[test]
    fn a_garbage_trie_never_panics() {
        // Units pointing far out of range: every lookup just finds nothing.
        let mut blob = vec![8, 0, 0, 0];
        blob.extend_from_slice(&u32::MAX.to_le_bytes());
        blob.extend_from_slice(&0x0000_0161u32.to_le_bytes());
        blob.extend_from_slice(b"x\0");
        let p = match Precompiled::from_bytes(&blob) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        let mut n = NormalizedString::from("abc é 中");
        assert!(p.normalize(&mut n).is_ok());
        assert_eq!(n.get(), "abc é 中");
    }
}
