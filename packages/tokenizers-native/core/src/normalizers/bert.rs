//! BERT's normalizer: clean control chars, pad CJK ideographs, strip accents, lowercase.

use crate::tokenizer::{NormalizedString, Normalizer};
use crate::Result;
use serde::{Deserialize, Serialize};
use unicode_categories::UnicodeCategories;
use unicode_normalization::char::{canonical_combining_class, decompose_canonical};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BertNormalizer {
    /// Remove control chars and map every whitespace char to ' '.
    #[serde(default = "yes")]
    pub clean_text: bool,
    /// Surround each CJK ideograph with spaces, so each becomes its own word.
    #[serde(default = "yes")]
    pub handle_chinese_chars: bool,
    /// `null` means "same as lowercase", as in BERT's original code.
    #[serde(default)]
    pub strip_accents: Option<bool>,
    #[serde(default = "yes")]
    pub lowercase: bool,
}

fn yes() -> bool {
    true
}

impl Default for BertNormalizer {
    fn default() -> Self {
        Self {
            clean_text: true,
            handle_chinese_chars: true,
            strip_accents: None,
            lowercase: true,
        }
    }
}

/// BERT treats \t \n \r as whitespace, not control, whatever their Unicode category.
fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

fn is_control(c: char) -> bool {
    // Cc, Cf, Cn, Co: the "C*" categories BERT's `_is_control` tests for (a Rust char cannot
    // be a surrogate, Cs).
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

/// The ASCII chars step 1 removes: the C0 controls and DEL, except \t \n \r (whitespace).
fn is_ascii_control_removed(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f
}

/// The CJK Unified Ideographs blocks BERT pads (not Hangul, Hiragana or Katakana).
pub(crate) fn is_chinese_char(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B820..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

impl BertNormalizer {
    /// What steps 1-4 make of `c` when that is exactly one char; `None` otherwise.
    fn simple_map(&self, c: char) -> Option<char> {
        let strip = self.strip_accents.unwrap_or(self.lowercase);
        if c.is_ascii() {
            if self.clean_text && is_ascii_control_removed(c as u8) {
                return None;
            }
            let c = if self.clean_text && matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            };
            return Some(if self.lowercase {
                c.to_ascii_lowercase()
            } else {
                c
            });
        }
        if self.clean_text && (c == '\u{fffd}' || is_control(c)) {
            return None;
        }
        if self.handle_chinese_chars && is_chinese_char(c) {
            return None;
        }
        let c = if self.clean_text && is_whitespace(c) {
            ' '
        } else {
            c
        };
        if strip {
            // A combining mark may be reordered or removed; a decomposition inserts chars.
            if canonical_combining_class(c) != 0 || c.is_mark_nonspacing() {
                return None;
            }
            let mut itself = true;
            decompose_canonical(c, |d| itself &= d == c);
            if !itself {
                return None;
            }
        }
        if self.lowercase {
            let mut lower = c.to_lowercase();
            let first = lower.next()?;
            return if lower.next().is_none() {
                Some(first)
            } else {
                None
            };
        }
        Some(c)
    }
}

impl Normalizer for BertNormalizer {
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
        // 0. Fast path: when every char maps to exactly one char (nothing removed, no
        //    ideograph padded, no decomposition, no mark, a one-char lowercase), the steps
        //    below reduce to a char map that keeps alignments.
        if n.try_map(|c| self.simple_map(c)) {
            return Ok(());
        }
        // 1. Drop NUL, U+FFFD and control chars; unify whitespace.
        if self.clean_text {
            n.filter(|c| !(c == '\0' || c == '\u{fffd}' || is_control(c)));
            n.map(|c| if is_whitespace(c) { ' ' } else { c });
        }
        // 2. " X " around each ideograph; the spaces share the ideograph's alignment.
        if self.handle_chinese_chars {
            let mut out: Vec<(char, isize)> = Vec::with_capacity(n.get().len());
            for c in n.get().chars() {
                if is_chinese_char(c) {
                    out.extend([(' ', 0), (c, 1), (' ', 1)]);
                } else {
                    out.push((c, 0));
                }
            }
            n.transform(out, 0);
        }
        // 3. Decompose, then drop the nonspacing marks (the accents).
        if self.strip_accents.unwrap_or(self.lowercase) {
            n.nfd();
            n.filter(|c| !c.is_mark_nonspacing());
        }
        // 4. Lowercase.
        if self.lowercase {
            n.lowercase();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> NormalizedString {
        let mut n = NormalizedString::from(s);
        BertNormalizer::default().normalize(&mut n).ok();
        n
    }

    #[test]
    fn lowercases_strips_accents_and_cleans() {
        assert_eq!(run("Héllo\tWÖRLD\u{0}\u{200b}!").get(), "hello world!");
    }

    #[test]
    fn pads_ideographs_but_not_kana() {
        assert_eq!(run("中文かな").get(), " 中  文 かな");
    }

    #[test]
    fn ascii_fast_path_matches_the_general_steps() {
        // Every ASCII char and a sample of others, in a line; the general path is forced by a
        // char whose own output is known (é -> e).
        let others = [
            '\u{a0}', '—', 'Ω', '\u{2126}', 'İ', 'ß', '中', '\u{301}', 'Ä', '\u{85}',
        ];
        for c in (0u8..0x80).map(char::from).chain(others) {
            let b = c as u32;
            for lower in [true, false] {
                let norm = BertNormalizer {
                    lowercase: lower,
                    strip_accents: Some(true),
                    ..BertNormalizer::default()
                };
                let text = format!("Ab{c}Cd");
                let mut fast = NormalizedString::from(text.as_str());
                norm.normalize(&mut fast).ok();
                let mut slow = NormalizedString::from(format!("{text}é").as_str());
                norm.normalize(&mut slow).ok();
                assert_eq!(format!("{}e", fast.get()), slow.get(), "byte {b:#x}");
                assert_eq!(
                    fast.alignments(),
                    &slow.alignments()[..fast.get().len()],
                    "{b:#x}"
                );
            }
        }
    }

    #[test]
    fn keeps_accents_when_asked() {
        let mut n = NormalizedString::from("Émile");
        let b = BertNormalizer {
            strip_accents: Some(false),
            ..BertNormalizer::default()
        };
        b.normalize(&mut n).ok();
        assert_eq!(n.get(), "émile");
    }
}
