//! WordLevel trainer: the vocabulary is the special tokens, then the most frequent words.
//!
//! As HF's `WordLevelTrainer`: words with a count below `min_frequency` are dropped, the rest
//! are ordered by decreasing count (ties: by word, so the result is deterministic), and the list
//! is cut at `vocab_size` entries including the special tokens.

use super::words::WordCounts;
use super::TrainerOptions;
use crate::{Error, Result};

/// Trains a WordLevel vocabulary (tokens in id order).
pub fn train_wordlevel(words: &WordCounts, opts: &TrainerOptions) -> Result<Vec<String>> {
    if opts.vocab_size < opts.special_tokens.len() {
        return Err(Error::InvalidConfig {
            field: "vocabSize".to_owned(),
            message: format!(
                "WordLevel: vocab_size {} is smaller than the {} special tokens; raise vocab_size",
                opts.vocab_size,
                opts.special_tokens.len()
            ),
        });
    }
    let mut ordered: Vec<(&String, u64)> = words
        .iter()
        .filter(|(w, &c)| c >= opts.min_frequency && !opts.special_tokens.contains(w))
        .map(|(w, &c)| (w, c))
        .collect();
    ordered.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    Ok(opts
        .special_tokens
        .iter()
        .cloned()
        .chain(ordered.into_iter().map(|(w, _)| w.clone()))
        .take(opts.vocab_size)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_frequent_first_after_specials() {
        let words: WordCounts = [
            ("the", 25u64),
            ("roses", 22),
            ("are", 24),
            ("red", 12),
            ("blue", 16),
        ]
        .iter()
        .map(|(w, c)| ((*w).to_owned(), *c))
        .collect();
        let opts = TrainerOptions {
            vocab_size: 4,
            min_frequency: 15,
            special_tokens: vec!["[UNK]".into()],
            ..Default::default()
        };
        let v = train_wordlevel(&words, &opts).unwrap_or_default();
        assert_eq!(v, vec!["[UNK]", "the", "are", "roses"]);
    }
}
