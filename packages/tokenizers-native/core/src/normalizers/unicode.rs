//! The Unicode normalization forms as normalizers: `{"type":"NFC"}`, `NFD`, `NFKC`, `NFKD`.

use crate::tokenizer::{NormalizedString, Normalizer, UnicodeForm};
use crate::Result;
use serde::{Deserialize, Serialize};

macro_rules! unicode_normalizer {
    ($name:ident, $doc:literal, |$n:ident| $body:expr) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {}

        impl Normalizer for $name {
            fn normalize(&self, $n: &mut NormalizedString) -> Result<()> {
                $body;
                Ok(())
            }
        }
    };
}

unicode_normalizer!(Nfd, "Canonical decomposition.", |n| n.nfd());
unicode_normalizer!(
    Nfc,
    "Canonical decomposition, then canonical composition.",
    |n| n.unicode_normalize(UnicodeForm::Nfc)
);
unicode_normalizer!(Nfkd, "Compatibility decomposition.", |n| n
    .unicode_normalize(UnicodeForm::Nfkd));
unicode_normalizer!(
    Nfkc,
    "Compatibility decomposition, then canonical composition.",
    |n| n.unicode_normalize(UnicodeForm::Nfkc)
);

#[cfg(test)]
mod tests {
    use super::*;

    fn run<N: Normalizer>(n: N, s: &str) -> (String, Vec<(usize, usize)>) {
        let mut x = NormalizedString::from(s);
        n.normalize(&mut x).unwrap();
        (x.get().to_owned(), x.alignments().to_vec())
    }

    #[test]
    fn forms() {
        assert_eq!(run(Nfc {}, "e\u{301}x").0, "éx");
        // The composed char points at the base letter; 'x' keeps its own byte.
        assert_eq!(run(Nfc {}, "e\u{301}x").1, vec![(0, 1), (0, 1), (3, 4)]);
        assert_eq!(run(Nfkc {}, "ﬁ²").0, "fi2");
        assert_eq!(run(Nfkd {}, "é").0, "e\u{301}");
        assert_eq!(run(Nfd {}, "é").0, "e\u{301}");
        // Decomposed Hangul jamo compose to one syllable; the next char keeps its alignment.
        let (s, al) = run(Nfc {}, "\u{1100}\u{1161}a");
        assert_eq!(s, "가a");
        assert_eq!(al.last(), Some(&(6, 7)));
    }
}
