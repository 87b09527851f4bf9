//! BERT's normalizer: clean control chars, pad CJK ideographs, strip accents, lowercase.

use crate::tokenizer::{NormalizedString, Normalizer};
use crate::Result;
use serde::{Deserialize, Serialize};
use unicode_categories::UnicodeCategories;

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

impl Normalizer for BertNormalizer {
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
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
