//! Small normalizers: `Lowercase`, `Strip`, `StripAccents`, `Prepend`.

use crate::tokenizer::{NormalizedString, Normalizer};
use crate::Result;
use serde::{Deserialize, Serialize};

/// Unicode lowercase (a char may become several).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lowercase {}

impl Normalizer for Lowercase {
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
        n.lowercase();
        Ok(())
    }
}

/// Removes leading (`strip_left`) and trailing (`strip_right`) whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strip {
    pub strip_left: bool,
    pub strip_right: bool,
}

impl Normalizer for Strip {
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
        n.strip(self.strip_left, self.strip_right);
        Ok(())
    }
}

/// Removes combining marks (Unicode categories Mn, Mc, Me); usually after NFD/NFKD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StripAccents {}

impl Normalizer for StripAccents {
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
        n.filter(|c| !unicode_normalization::char::is_combining_mark(c));
        Ok(())
    }
}

/// Prepends a string to non-empty text (e.g. `▁` for SentencePiece-style tokenizers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prepend {
    pub prepend: String,
}

impl Normalizer for Prepend {
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
        if !n.get().is_empty() {
            n.prepend(&self.prepend);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_prepend_accents() {
        let mut n = NormalizedString::from("  héllo ");
        Strip {
            strip_left: true,
            strip_right: true,
        }
        .normalize(&mut n)
        .unwrap();
        assert_eq!(n.get(), "héllo");
        assert_eq!(n.alignments()[0], (2, 3));
        Prepend {
            prepend: "▁".to_owned(),
        }
        .normalize(&mut n)
        .unwrap();
        assert_eq!(n.get(), "▁héllo");
        assert_eq!(n.alignments()[0], (2, 3));
        let mut n = NormalizedString::from("e\u{301}");
        StripAccents {}.normalize(&mut n).unwrap();
        assert_eq!(n.get(), "e");
    }
}
