//! `Replace`: every match of a pattern (a literal string or a regex) becomes `content`.
//! `{"type":"Replace","pattern":{"String":" "},"content":"▁"}` or `{"Regex":"\\s+"}`.
//! The same pattern type serves the `Split` pre-tokenizer and the `Replace` decoder.

use crate::tokenizer::{NormalizedString, Normalizer};
use crate::Result;
use serde::{Deserialize, Serialize};

/// A pattern as `tokenizer.json` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatternJson {
    String(String),
    Regex(String),
}

/// A compiled pattern. HF compiles both forms to an Oniguruma regex (a string escaped); this
/// uses the `regex` crate: same leftmost-first matches for the patterns tokenizers use;
/// look-around and back-references are rejected with an error naming the pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub json: PatternJson,
    regex: Option<regex::Regex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

impl TryFrom<PatternJson> for Pattern {
    type Error = String;
    fn try_from(json: PatternJson) -> std::result::Result<Self, String> {
        let source = match &json {
            PatternJson::String(s) if s.is_empty() => None,
            PatternJson::String(s) => Some(regex::escape(s)),
            PatternJson::Regex(r) => Some(r.clone()),
        };
        let regex = source
            .map(|r| {
                regex::Regex::new(&r).map_err(|e| {
                    format!("pattern {json:?} is not a supported regex (look-around and back-references are not): {e}")
                })
            })
            .transpose()?;
        Ok(Self { json, regex })
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Pattern::try_from(PatternJson::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Pattern {
    /// Byte ranges of the non-overlapping matches in `s`, in order. An empty string pattern
    /// matches nothing.
    pub fn find(&self, s: &str) -> Vec<(usize, usize)> {
        match &self.regex {
            None => Vec::new(),
            Some(r) => r.find_iter(s).map(|m| (m.start(), m.end())).collect(),
        }
    }

    /// `s` with every match replaced by `content`.
    pub fn replace_all(&self, s: &str, content: &str) -> String {
        match &self.regex {
            None => s.to_owned(),
            Some(r) => r.replace_all(s, regex::NoExpand(content)).into_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replace {
    pub pattern: Pattern,
    pub content: String,
}

impl Normalizer for Replace {
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
        let matches = self.pattern.find(n.get());
        n.replace_ranges(&matches, &self.content);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_strings_and_regexes() {
        let r: Replace =
            serde_json::from_str(r#"{"pattern":{"String":" "},"content":"▁"}"#).unwrap();
        let mut n = NormalizedString::from("a b");
        r.normalize(&mut n).unwrap();
        assert_eq!(n.get(), "a▁b");
        assert_eq!(n.alignments(), &[(0, 1), (1, 2), (1, 2), (1, 2), (2, 3)]);
        let r: Replace =
            serde_json::from_str(r#"{"pattern":{"Regex":"\\s+"},"content":" "}"#).unwrap();
        let mut n = NormalizedString::from("a \t b");
        r.normalize(&mut n).unwrap();
        assert_eq!(n.get(), "a b");
        assert_eq!(n.alignments()[1], (3, 4));
        assert!(
            serde_json::from_str::<Replace>(r#"{"pattern":{"Regex":"(?=a)"},"content":""}"#)
                .is_err()
        );
    }
}
