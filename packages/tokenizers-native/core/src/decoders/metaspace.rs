//! Metaspace decoder: the replacement char becomes a space again; the first token loses its
//! replacement chars when a prefix was prepended at encoding (HF's behaviour: all of them).
//!
//! `["▁Hey", "▁friend"]` -> `["Hey", " friend"]`.

pub use crate::pre_tokenizers::Metaspace;
use crate::pre_tokenizers::PrependScheme;
use crate::tokenizer::Decoder;
use crate::Result;

impl Decoder for Metaspace {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        Ok(tokens
            .into_iter()
            .enumerate()
            .map(|(i, token)| {
                let drop = i == 0 && self.prepend_scheme != PrependScheme::Never;
                token
                    .chars()
                    .filter_map(|c| match (c == self.replacement, drop) {
                        (true, true) => None,
                        (true, false) => Some(' '),
                        (false, _) => Some(c),
                    })
                    .collect()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(m: &Metaspace, toks: &[&str]) -> String {
        m.decode(toks.iter().map(|t| (*t).to_owned()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn decodes_like_hf() {
        let always = Metaspace::default();
        let never = Metaspace::new('▁', PrependScheme::Never, true);
        assert_eq!(dec(&always, &["▁Hey", "▁friend"]), "Hey friend");
        assert_eq!(dec(&never, &["▁Hey", "▁friend"]), " Hey friend");
        assert_eq!(dec(&always, &["▁▁a", "b▁"]), "ab ");
        assert_eq!(dec(&never, &["▁▁a", "b▁"]), "  ab ");
        assert_eq!(dec(&always, &["a▁b", "▁c▁"]), "ab c ");
    }
}
