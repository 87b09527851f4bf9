//! WordPiece trainer, two merge criteria.
//!
//! - `Frequency` (HF-compatible): HF's `WordPieceTrainer` is the BPE trainer with
//!   `continuing_subword_prefix = "##"`: it merges the most frequent pair, and the WordPiece
//!   vocabulary is the BPE vocabulary (merges are dropped). Same vocabulary as HF's.
//! - `Likelihood` (the original WordPiece criterion): merge the pair whose merge raises the
//!   unigram likelihood of the corpus most, i.e. the highest `freq(ab) / (freq(a) * freq(b))`,
//!   where `freq(x)` is how often symbol `x` occurs in the current segmentation (weighted by
//!   word counts). Ties: higher `freq(ab)`, then smaller `(id_a, id_b)`.
//!
//! The likelihood loop scans all live pairs at each merge (scores of every pair touching `a`
//! or `b` change, so a lazy heap would need re-pushing most of them); the scan runs on all cores.

use super::bpe::{check_vocab_size, compute_alphabet, sorted_words, train_bpe, BpeOptions, Vocab};
use super::words::{Progress, ProgressFn, WordCounts};
use super::TrainerOptions;
use crate::Result;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// How the next pair to merge is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WordPieceCriterion {
    /// Most frequent pair, as HF's trainer.
    #[default]
    Frequency,
    /// Highest `freq(ab) / (freq(a) * freq(b))`.
    Likelihood,
}

#[derive(Debug, Clone)]
pub struct WordPieceOptions {
    pub common: TrainerOptions,
    pub continuing_subword_prefix: String,
    pub end_of_word_suffix: Option<String>,
    pub criterion: WordPieceCriterion,
}

impl Default for WordPieceOptions {
    fn default() -> Self {
        Self {
            common: TrainerOptions::default(),
            continuing_subword_prefix: "##".to_owned(),
            end_of_word_suffix: None,
            criterion: WordPieceCriterion::Frequency,
        }
    }
}

/// Trains a WordPiece vocabulary (tokens in id order).
pub fn train_wordpiece(
    words: &WordCounts,
    opts: &WordPieceOptions,
    progress: ProgressFn,
) -> Result<Vec<String>> {
    match opts.criterion {
        WordPieceCriterion::Frequency => {
            // Checked here so the error names WordPiece (train_bpe checks it again).
            let c = &opts.common;
            let alphabet = compute_alphabet(words, &c.initial_alphabet, c.limit_alphabet);
            check_vocab_size(
                c.vocab_size,
                c.special_tokens.len(),
                alphabet.len(),
                "WordPiece",
            )?;
            let bpe = BpeOptions {
                common: opts.common.clone(),
                continuing_subword_prefix: Some(opts.continuing_subword_prefix.clone()),
                end_of_word_suffix: opts.end_of_word_suffix.clone(),
                max_token_length: None,
            };
            Ok(train_bpe(words, &bpe, progress)?.vocab)
        }
        WordPieceCriterion::Likelihood => train_likelihood(words, opts, progress),
    }
}

type PairKey = u64;

fn key(a: u32, b: u32) -> PairKey {
    (u64::from(a) << 32) | u64::from(b)
}

fn train_likelihood(
    words: &WordCounts,
    opts: &WordPieceOptions,
    progress: ProgressFn,
) -> Result<Vec<String>> {
    let common = &opts.common;
    let prefix = opts.continuing_subword_prefix.as_str();
    let mut vocab = Vocab::default();
    for t in &common.special_tokens {
        vocab.add(t);
    }
    let alphabet = compute_alphabet(words, &common.initial_alphabet, common.limit_alphabet);
    check_vocab_size(common.vocab_size, vocab.len(), alphabet.len(), "WordPiece")?;
    let mut buf = [0u8; 4];
    for c in &alphabet {
        vocab.add(c.encode_utf8(&mut buf));
    }

    // 1. Words as symbols (`##` on non-first chars), symbol and pair frequencies.
    let sorted = sorted_words(words);
    let mut ws: Vec<Vec<u32>> = Vec::with_capacity(sorted.len());
    let mut counts: Vec<i64> = Vec::with_capacity(sorted.len());
    let mut s = String::new();
    for (w, c) in &sorted {
        let n = w.chars().count();
        let mut syms = Vec::with_capacity(n);
        for (i, ch) in w.chars().enumerate() {
            if !vocab
                .token_to_id
                .contains_key(ch.encode_utf8(&mut buf) as &str)
            {
                continue;
            }
            s.clear();
            if i > 0 {
                s.push_str(prefix);
            }
            s.push(ch);
            if i + 1 == n {
                if let Some(x) = &opts.end_of_word_suffix {
                    s.push_str(x);
                }
            }
            syms.push(vocab.add(&s));
        }
        ws.push(syms);
        counts.push(*c as i64);
    }
    let mut sym_freq: Vec<i64> = vec![0; vocab.len()];
    let mut pair_freq: FxHashMap<PairKey, i64> = FxHashMap::default();
    let mut where_: FxHashMap<PairKey, Vec<u32>> = FxHashMap::default();
    for (i, w) in ws.iter().enumerate() {
        let c = counts[i];
        for &x in w {
            sym_freq[x as usize] += c;
        }
        for win in w.windows(2) {
            let k = key(win[0], win[1]);
            *pair_freq.entry(k).or_insert(0) += c;
            let v = where_.entry(k).or_default();
            if v.last() != Some(&(i as u32)) {
                v.push(i as u32);
            }
        }
    }

    // 2. Merge the best-scoring pair until the vocabulary is full.
    let target = common.vocab_size;
    let total = target.saturating_sub(vocab.len()) as u64;
    let min_freq = common.min_frequency.max(1) as i64;
    let mut done = 0u64;
    while vocab.len() < target {
        let best = pair_freq
            .par_iter()
            .filter(|(_, &f)| f >= min_freq)
            .map(|(&k, &f)| {
                let (a, b) = ((k >> 32) as usize, (k as u32) as usize);
                let score = f as f64 / (sym_freq[a] as f64 * sym_freq[b] as f64);
                (score, f, k)
            })
            .reduce_with(|x, y| {
                let better = x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(y.2.cmp(&x.2));
                if better.is_ge() {
                    x
                } else {
                    y
                }
            });
        let Some((_, _, k)) = best else { break };
        let (a, b) = ((k >> 32) as u32, k as u32);
        let part_b = vocab.id_to_token[b as usize]
            .strip_prefix(prefix)
            .unwrap_or(&vocab.id_to_token[b as usize]);
        let new_token = format!("{}{}", vocab.id_to_token[a as usize], part_b);
        let new_id = vocab.add(&new_token);
        if sym_freq.len() < vocab.len() {
            sym_freq.resize(vocab.len(), 0);
        }
        let positions = where_.remove(&k).unwrap_or_default();
        for wi in positions {
            let c = counts[wi as usize];
            let w = &mut ws[wi as usize];
            let mut out = Vec::with_capacity(w.len());
            let mut i = 0;
            let mut merged = false;
            while i < w.len() {
                if i + 1 < w.len() && w[i] == a && w[i + 1] == b {
                    out.push(new_id);
                    i += 2;
                    merged = true;
                } else {
                    out.push(w[i]);
                    i += 1;
                }
            }
            if !merged {
                continue;
            }
            // Replace the word's contribution: old symbols/pairs out, new ones in.
            for &x in w.iter() {
                sym_freq[x as usize] -= c;
            }
            for win in w.windows(2) {
                let pk = key(win[0], win[1]);
                if let Some(f) = pair_freq.get_mut(&pk) {
                    *f -= c;
                }
            }
            for &x in &out {
                sym_freq[x as usize] += c;
            }
            for win in out.windows(2) {
                let pk = key(win[0], win[1]);
                *pair_freq.entry(pk).or_insert(0) += c;
                if win[0] == new_id || win[1] == new_id {
                    let v = where_.entry(pk).or_default();
                    if v.last() != Some(&wi) {
                        v.push(wi);
                    }
                }
            }
            *w = out;
        }
        pair_freq.retain(|_, f| *f > 0);
        done += 1;
        if done % 100 == 0 {
            progress(Progress {
                stage: "compute merges",
                current: done,
                total,
            });
        }
    }
    progress(Progress {
        stage: "compute merges",
        current: done,
        total,
    });
    Ok(vocab.id_to_token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::words::no_progress;

    fn wc(items: &[(&str, u64)]) -> WordCounts {
        items.iter().map(|(w, c)| ((*w).to_owned(), *c)).collect()
    }

    #[test]
    fn frequency_mode_prefixes_continuations() {
        let words = wc(&[("hugging", 10), ("hug", 5), ("bugs", 3)]);
        let opts = WordPieceOptions {
            common: TrainerOptions {
                vocab_size: 30,
                ..Default::default()
            },
            ..Default::default()
        };
        let v = train_wordpiece(&words, &opts, &no_progress).unwrap_or_default();
        assert!(
            v.contains(&"##u".to_owned()) && v.contains(&"h".to_owned()),
            "{v:?}"
        );
        assert!(v.contains(&"hug".to_owned()), "{v:?}");
    }

    #[test]
    fn likelihood_prefers_pairs_that_only_occur_together() {
        // "q" is always followed by "u": freq(qu)/(freq(q)freq(u)) beats the frequent "e e".
        let words = wc(&[("quee", 2), ("ee", 50), ("eel", 40), ("ue", 30)]);
        let opts = WordPieceOptions {
            common: TrainerOptions {
                vocab_size: 0,
                ..Default::default()
            },
            criterion: WordPieceCriterion::Likelihood,
            ..Default::default()
        };
        // Room for exactly one merge after the alphabet and the ## symbols.
        let base = train_wordpiece(
            &words,
            &WordPieceOptions {
                common: TrainerOptions {
                    vocab_size: 1000,
                    ..Default::default()
                },
                ..opts.clone()
            },
            &no_progress,
        )
        .unwrap_or_default();
        assert!(
            base.iter().position(|t| t == "q##u").is_some() || base.contains(&"qu".to_owned()),
            "{base:?}"
        );
        let symbols = base
            .iter()
            .take_while(|t| t.chars().count() <= 3 && (t.len() == 1 || t.starts_with("##")))
            .count();
        let one = train_wordpiece(
            &words,
            &WordPieceOptions {
                common: TrainerOptions {
                    vocab_size: symbols + 1,
                    ..Default::default()
                },
                ..opts
            },
            &no_progress,
        )
        .unwrap_or_default();
        assert_eq!(one.last().map(String::as_str), Some("qu"), "{one:?}");
    }
}
