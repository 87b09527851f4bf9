//! ByteLevel (GPT-2, RoBERTa): splits with GPT-2's pattern, then spells every UTF-8 byte as one
//! printable char (`' '` -> `Ġ`, `'\n'` -> `Ċ`), so a byte-level BPE never meets an unknown
//! char. The same `{"type":"ByteLevel","add_prefix_space":..,"trim_offsets":..,"use_regex":..}`
//! object is also a decoder (`decoders/byte_level.rs`) and a post-processor
//! (`processors/byte_level.rs`), as in HF.

use crate::tokenizer::{Offsets, PreTokenizer, Split};
use crate::Result;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteLevel {
    /// Prepend a space to each piece that does not start with one, so the first word is
    /// spelled like any other (`Ġhello`).
    pub add_prefix_space: bool,
    /// Post-processor: offsets leave out the leading/trailing spaces of a token.
    pub trim_offsets: bool,
    /// Split with GPT-2's pattern (else each piece stays whole).
    #[serde(default = "default_true")]
    pub use_regex: bool,
}

fn default_true() -> bool {
    true
}

impl Default for ByteLevel {
    fn default() -> Self {
        Self {
            add_prefix_space: true,
            trim_offsets: true,
            use_regex: true,
        }
    }
}

/// GPT-2's byte -> char table: printable Latin-1 bytes stand for themselves, the 68 others
/// (controls, space, 0x7F-0xA0, 0xAD) map to U+0100.. in byte order.
pub fn bytes_char() -> &'static [char; 256] {
    static TABLE: OnceLock<[char; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = ['\0'; 256];
        let mut n = 0u32;
        for b in 0..=255u8 {
            let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
            table[b as usize] = if printable {
                char::from(b)
            } else {
                n += 1;
                char::from_u32(255 + n).unwrap_or('\0')
            };
        }
        table
    })
}

/// The inverse table: the byte a byte-level char stands for (chars are all < U+0144).
pub fn char_byte(c: char) -> Option<u8> {
    static TABLE: OnceLock<[i16; 0x144]> = OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [-1i16; 0x144];
        for (b, c) in bytes_char().iter().enumerate() {
            t[*c as usize] = b as i16;
        }
        t
    });
    t.get(c as usize).and_then(|&b| u8::try_from(b).ok())
}

/// Char classes of GPT-2's pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Number,
    Space,
    Other,
}

/// `\p{L}` / `\p{N}` / `\s` (Oniguruma's Unicode `\s`: U+0009-000D, U+0085 and Z* = Rust's
/// `is_whitespace`). Letters and numbers come from regex-syntax's Unicode tables; the BMP
/// is a 64 KiB lookup table, the rest a binary search.
fn class(c: char) -> Class {
    if c.is_ascii() {
        return match c {
            'a'..='z' | 'A'..='Z' => Class::Letter,
            '0'..='9' => Class::Number,
            '\t'..='\r' | ' ' => Class::Space,
            _ => Class::Other,
        };
    }
    let t = tables();
    let cp = c as u32;
    if cp < 0x10000 {
        return t.bmp[cp as usize];
    }
    if in_ranges(&t.letters, cp) {
        Class::Letter
    } else if in_ranges(&t.numbers, cp) {
        Class::Number
    } else if c.is_whitespace() {
        Class::Space
    } else {
        Class::Other
    }
}

struct Tables {
    bmp: Vec<Class>,
    letters: Vec<(u32, u32)>,
    numbers: Vec<(u32, u32)>,
}

fn in_ranges(r: &[(u32, u32)], cp: u32) -> bool {
    r.binary_search_by(|&(lo, hi)| {
        if hi < cp {
            std::cmp::Ordering::Less
        } else if lo > cp {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    })
    .is_ok()
}

fn unicode_class(pattern: &str) -> Vec<(u32, u32)> {
    use regex_syntax::hir::{Class as HirClass, HirKind};
    match regex_syntax::Parser::new()
        .parse(pattern)
        .map(|h| h.into_kind())
    {
        Ok(HirKind::Class(HirClass::Unicode(c))) => c
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        _ => Vec::new(),
    }
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let letters = unicode_class(r"\p{L}");
        let numbers = unicode_class(r"\p{N}");
        let bmp = (0..0x10000u32)
            .map(|cp| match char::from_u32(cp) {
                None => Class::Other,
                Some(c) if in_ranges(&letters, cp) => {
                    let _ = c;
                    Class::Letter
                }
                Some(_) if in_ranges(&numbers, cp) => Class::Number,
                Some(c) if c.is_whitespace() => Class::Space,
                Some(_) => Class::Other,
            })
            .collect();
        Tables {
            bmp,
            letters,
            numbers,
        }
    })
}

/// Byte length of the run of chars of class `k` at the start of `s`.
fn run(s: &str, k: Class) -> usize {
    s.char_indices()
        .find(|&(_, c)| class(c) != k)
        .map_or(s.len(), |(i, _)| i)
}

/// Byte length of the first match of GPT-2's pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` at the start
/// of non-empty `s`. Every char is in one class, so matches tile the text.
pub(crate) fn gpt2_match(s: &str) -> usize {
    let b = s.as_bytes();
    // 1. Contractions (lowercase only, as the pattern).
    if b[0] == b'\'' {
        match b.get(1..3) {
            Some(b"re" | b"ve" | b"ll") => return 3,
            _ => {}
        }
        if matches!(b.get(1), Some(b's' | b't' | b'm' | b'd')) {
            return 2;
        }
    }
    // 2. An optional space then a run of letters, numbers or others.
    let lead = usize::from(b[0] == b' ');
    if let Some(c) = s[lead..].chars().next() {
        let k = class(c);
        if k != Class::Space {
            return lead + run(&s[lead..], k);
        }
    }
    // 3. Whitespace: the whole run when it ends the text or is one char; else all but its
    //    last char (which then leads the next match, `\s+(?!\S)`).
    let ws = run(s, Class::Space);
    if ws == s.len() {
        return ws;
    }
    let last = s[..ws].chars().next_back().map_or(ws, char::len_utf8);
    if ws > last {
        ws - last
    } else {
        ws
    }
}

/// Rewrites bytes `[start, end)` of a split into byte-level chars, one new split, without an
/// intermediate slice; every char keeps the alignment of the original char its byte came from
/// (HF's `transform` with the extra bytes of a char as insertions).
fn to_byte_level(s: &Split, start: usize, end: usize) -> Split {
    let table = bytes_char();
    let bytes = &s.normalized.as_bytes()[start..end];
    let mut normalized = String::with_capacity(bytes.len() * 2);
    let mut alignments: Vec<Offsets> = Vec::with_capacity(bytes.len() * 2);
    for (b, &a) in bytes.iter().zip(&s.alignments[start..end]) {
        let c = table[*b as usize];
        normalized.push(c);
        alignments.push(a);
        if c.len_utf8() == 2 {
            alignments.push(a);
        }
    }
    Split {
        normalized,
        alignments,
    }
}

/// Prepends `' '` aligned with the first char, as HF's `NormalizedString::prepend`.
fn prepend_space(s: &mut Split) {
    if let Some(&first) = s.alignments.first() {
        s.normalized.insert(0, ' ');
        s.alignments.insert(0, first);
    }
}

impl PreTokenizer for ByteLevel {
    fn pre_tokenize(&self, splits: Vec<Split>) -> Result<Vec<Split>> {
        let mut out = Vec::with_capacity(splits.len() * 8);
        for mut split in splits {
            if self.add_prefix_space && !split.normalized.starts_with(' ') {
                prepend_space(&mut split);
            }
            let n = split.normalized.len();
            if !self.use_regex {
                out.push(to_byte_level(&split, 0, n));
                continue;
            }
            let mut start = 0;
            while start < n {
                let len = gpt2_match(&split.normalized[start..]);
                out.push(to_byte_level(&split, start, start + len));
                start += len;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::NormalizedString;

    fn pieces(b: &ByteLevel, s: &str) -> Vec<(String, Offsets)> {
        let split = Split::from(NormalizedString::from(s));
        b.pre_tokenize(vec![split])
            .unwrap()
            .into_iter()
            .map(|p| {
                let o = p.original_offsets().unwrap_or((0, 0));
                (p.normalized, o)
            })
            .collect()
    }

    #[test]
    fn splits_like_hf() {
        let b = ByteLevel {
            add_prefix_space: false,
            ..Default::default()
        };
        let got = pieces(&b, "Hello there       dear\nx's it's 12ab?!");
        let want = [
            ("Hello", (0, 5)),
            ("Ġthere", (5, 11)),
            ("ĠĠĠĠĠĠ", (11, 17)),
            ("Ġdear", (17, 22)),
            ("Ċ", (22, 23)),
            ("x", (23, 24)),
            ("'s", (24, 26)),
            ("Ġit", (26, 29)),
            ("'s", (29, 31)),
            ("Ġ12", (31, 34)),
            ("ab", (34, 36)),
            ("?!", (36, 38)),
        ];
        let want: Vec<(String, Offsets)> =
            want.iter().map(|(s, o)| ((*s).to_owned(), *o)).collect();
        assert_eq!(got, want);
        // A char split over several byte chars: every piece points at the whole char.
        assert_eq!(pieces(&b, "i⭢j")[1], ("âŃ¢".to_owned(), (1, 4)));
    }

    #[test]
    fn prefix_space_and_no_regex() {
        let b = ByteLevel {
            use_regex: false,
            ..Default::default()
        };
        assert_eq!(pieces(&b, "Hi you"), vec![("ĠHiĠyou".to_owned(), (0, 6))]);
        assert_eq!(pieces(&b, " Hi"), vec![("ĠHi".to_owned(), (0, 3))]);
    }

    #[test]
    fn byte_tables_are_inverse() {
        for b in 0..=255u8 {
            assert_eq!(char_byte(bytes_char()[b as usize]), Some(b));
        }
        assert_eq!(bytes_char()[b' ' as usize], 'Ġ');
        assert_eq!(bytes_char()[b'\n' as usize], 'Ċ');
    }
}
