//! BPE trainer: repeatedly merges the most frequent adjacent pair of symbols.
//!
//! Output equals HF's `BpeTrainer` (same vocab ids, same merges), which fixes every detail below.
//!
//! Steps:
//! 1. ids 0.. are the special tokens, in the given order;
//! 2. then the alphabet: every char of the corpus (plus `initial_alphabet`), reduced to the
//!    `limit_alphabet` most frequent (initial chars count as infinitely frequent), in code point
//!    order;
//! 3. each word becomes its chars; a char outside the alphabet is dropped; with
//!    `continuing_subword_prefix` every non-first char is `prefix + c`, with `end_of_word_suffix`
//!    the last is `c + suffix` (these new symbols get ids in word order: sorted words here; HF's
//!    order is its hash map's, so only these ids may differ from a given HF run);
//! 4. count adjacent pairs (weighted by word count) and where they occur, on all cores;
//! 5. loop until the vocabulary has `vocab_size` entries: pop the best pair, merge it in the
//!    words where it was seen, update the counts of the neighbouring pairs.
//!
//! Tie-breaking and queue semantics (HF's, reproduced exactly):
//! - the queue is a max-heap on `(count, Reverse((left_id, right_id)))`: among equally frequent
//!   pairs the one with the SMALLEST left id, then the smallest right id, wins. Ids follow
//!   step 1-3 order then merge order, so earlier-created symbols win ties;
//! - entries are lazy: a popped entry whose count differs from the pair's current count is
//!   pushed back with the current count (it keeps its positions) and the loop goes on;
//! - each step pushes one NEW entry per pair that gained occurrences, holding only the words of
//!   that step. A pair can therefore have several entries: one pop merges only its entry's
//!   words, and the merged pair's own count is never decreased, so a later entry of the same
//!   pair merges its words too and records the merge again. The written merge list keeps each
//!   pair once, at its LAST rank (HF stores merges in a map `pair -> (rank, id)`);
//! - a merge whose new string already exists reuses that id (no new vocab entry);
//! - stop when the best count is below `min_frequency` or the queue is empty;
//! - with `max_token_length`, a merge creates no new pair whose length (in initial symbols)
//!   would reach that limit (`len_a + len_b < max` is HF's test).

use super::words::{Progress, ProgressFn, WordCounts};
use super::TrainerOptions;
use crate::{Error, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A pair of symbol ids packed as `left << 32 | right`, so `u64` order is `(left, right)` order.
type PairKey = u64;

fn key(a: u32, b: u32) -> PairKey {
    (u64::from(a) << 32) | u64::from(b)
}

fn unkey(k: PairKey) -> (u32, u32) {
    ((k >> 32) as u32, k as u32)
}

/// BPE-specific options on top of the shared ones.
#[derive(Debug, Clone, Default)]
pub struct BpeOptions {
    pub common: TrainerOptions,
    /// Prefix of every symbol that does not start a word (`##` for WordPiece).
    pub continuing_subword_prefix: Option<String>,
    /// Suffix of every symbol that ends a word (`</w>` in the original BPE).
    pub end_of_word_suffix: Option<String>,
    /// Longest token, in chars of the original word.
    pub max_token_length: Option<usize>,
}

/// A trained BPE model: the vocabulary in id order and the merges in rank order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpeModel {
    pub vocab: Vec<String>,
    pub merges: Vec<(String, String)>,
    pub continuing_subword_prefix: Option<String>,
    pub end_of_word_suffix: Option<String>,
}

/// One word: its symbols with their lengths in initial chars.
#[derive(Debug, Clone, Default)]
struct Word {
    syms: Vec<u32>,
    lens: Vec<u32>,
}

impl Word {
    /// Merges every `(a, b)` into `new`, left to right; pushes `(pair, ±1)` changes of the
    /// neighbouring pairs, as HF's `Word::merge`.
    fn merge(
        &mut self,
        a: u32,
        b: u32,
        new: u32,
        max_len: usize,
        changes: &mut Vec<(PairKey, i32)>,
    ) {
        let n = self.syms.len();
        if n < 2 {
            return;
        }
        let mut out = 0usize; // write cursor
        let mut i = 0usize; // read cursor
        while i < n {
            if i + 1 < n && self.syms[i] == a && self.syms[i + 1] == b {
                let new_len = self.lens[i] + self.lens[i + 1];
                if out > 0 {
                    let prev = self.syms[out - 1];
                    changes.push((key(prev, a), -1));
                    if ((self.lens[out - 1] + new_len) as usize) < max_len {
                        changes.push((key(prev, new), 1));
                    }
                }
                if i + 2 < n {
                    let next = self.syms[i + 2];
                    changes.push((key(b, next), -1));
                    if ((self.lens[i + 2] + new_len) as usize) < max_len {
                        changes.push((key(new, next), 1));
                    }
                }
                self.syms[out] = new;
                self.lens[out] = new_len;
                out += 1;
                i += 2;
            } else {
                self.syms[out] = self.syms[i];
                self.lens[out] = self.lens[i];
                out += 1;
                i += 1;
            }
        }
        self.syms.truncate(out);
        self.lens.truncate(out);
    }
}

/// A queue entry: a pair, its count when pushed, and the words to merge it in.
#[derive(Debug)]
struct Entry {
    count: u64,
    pair: PairKey,
    pos: Vec<u32>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count && self.pair == other.pair
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Higher count first; on ties the smaller pair first.
        self.count
            .cmp(&other.count)
            .then_with(|| other.pair.cmp(&self.pair))
    }
}

/// Vocabulary being built: id -> string and string -> id.
#[derive(Debug, Default)]
pub(crate) struct Vocab {
    pub(crate) id_to_token: Vec<String>,
    pub(crate) token_to_id: FxHashMap<String, u32>,
}

impl Vocab {
    pub(crate) fn len(&self) -> usize {
        self.id_to_token.len()
    }

    /// The id of `token`, added at the end if new.
    pub(crate) fn add(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.token_to_id.get(token) {
            return id;
        }
        let id = self.id_to_token.len() as u32;
        self.id_to_token.push(token.to_owned());
        self.token_to_id.insert(token.to_owned(), id);
        id
    }
}

/// Chars of the corpus weighted by word count, plus `initial` with an infinite count, cut to the
/// `limit` most frequent, returned in code point order.
pub(crate) fn compute_alphabet(
    words: &WordCounts,
    initial: &[char],
    limit: Option<usize>,
) -> Vec<char> {
    let mut freq: FxHashMap<char, u64> = FxHashMap::default();
    for (w, &c) in words {
        for ch in w.chars() {
            let f = freq.entry(ch).or_insert(0);
            *f = f.saturating_add(c);
        }
    }
    for &ch in initial {
        freq.insert(ch, u64::MAX);
    }
    let mut kept: Vec<(char, u64)> = freq.into_iter().collect();
    if let Some(limit) = limit {
        if kept.len() > limit {
            // Drop the least frequent (ties: the larger code point goes first, for determinism).
            kept.sort_unstable_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
            let to_remove = kept.len() - limit;
            kept.drain(..to_remove);
        }
    }
    let mut chars: Vec<char> = kept.into_iter().map(|(c, _)| c).collect();
    chars.sort_unstable();
    chars
}

/// Checks that `vocab_size` leaves room for the special tokens and the alphabet.
pub(crate) fn check_vocab_size(
    vocab_size: usize,
    specials: usize,
    alphabet: usize,
    model: &str,
) -> Result<()> {
    if vocab_size < specials + alphabet {
        return Err(Error::InvalidConfig {
            field: "vocabSize".to_owned(),
            message: format!(
                "{model}: vocab_size {vocab_size} is smaller than the {specials} special tokens plus \
                 the {alphabet} chars of the alphabet ({} in all); raise vocab_size or set \
                 limit_alphabet",
                specials + alphabet
            ),
        });
    }
    Ok(())
}

/// Sorted words with their counts (a deterministic order for everything that follows).
pub(crate) fn sorted_words(words: &WordCounts) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = words.iter().map(|(w, &c)| (w.as_str(), c)).collect();
    v.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
    v
}

/// Trains BPE on `words` (see the module doc for the exact algorithm).
pub fn train_bpe(words: &WordCounts, opts: &BpeOptions, progress: ProgressFn) -> Result<BpeModel> {
    let common = &opts.common;
    let max_len = opts.max_token_length.unwrap_or(usize::MAX);
    let mut vocab = Vocab::default();

    // 1. Special tokens.
    for t in &common.special_tokens {
        vocab.add(t);
    }
    // 2. Alphabet.
    let alphabet = compute_alphabet(words, &common.initial_alphabet, common.limit_alphabet);
    check_vocab_size(common.vocab_size, vocab.len(), alphabet.len(), "BPE")?;
    let mut buf = [0u8; 4];
    for c in &alphabet {
        vocab.add(c.encode_utf8(&mut buf));
    }

    // 3. Words as symbol ids.
    let sorted = sorted_words(words);
    let mut ws: Vec<Word> = Vec::with_capacity(sorted.len());
    let mut counts: Vec<u64> = Vec::with_capacity(sorted.len());
    let mut s = String::new();
    for (w, c) in &sorted {
        let mut word = Word::default();
        let n = w.chars().count();
        for (i, ch) in w.chars().enumerate() {
            if !vocab
                .token_to_id
                .contains_key(ch.encode_utf8(&mut buf) as &str)
            {
                continue;
            }
            s.clear();
            if i > 0 {
                if let Some(p) = &opts.continuing_subword_prefix {
                    s.push_str(p);
                }
            }
            s.push(ch);
            if i + 1 == n {
                if let Some(x) = &opts.end_of_word_suffix {
                    s.push_str(x);
                }
            }
            word.syms.push(vocab.add(&s));
            word.lens.push(1);
        }
        ws.push(word);
        counts.push(*c);
    }
    drop(sorted);

    // 4. Pair counts and positions, on all cores.
    let chunk = (ws.len() / 8).max(1024);
    let (mut pair_counts, where_to_update) = ws
        .par_chunks(chunk)
        .enumerate()
        .map(|(ci, part)| {
            let mut pc: FxHashMap<PairKey, i64> = FxHashMap::default();
            let mut wtu: FxHashMap<PairKey, Vec<u32>> = FxHashMap::default();
            for (j, w) in part.iter().enumerate() {
                let i = (ci * chunk + j) as u32;
                let c = counts[i as usize] as i64;
                for win in w.syms.windows(2) {
                    let k = key(win[0], win[1]);
                    *pc.entry(k).or_insert(0) += c;
                    let v = wtu.entry(k).or_default();
                    if v.last() != Some(&i) {
                        v.push(i);
                    }
                }
            }
            (pc, wtu)
        })
        .reduce(
            || (FxHashMap::default(), FxHashMap::default()),
            |(mut pa, mut wa), (pb, wb)| {
                for (k, v) in pb {
                    *pa.entry(k).or_insert(0) += v;
                }
                for (k, mut v) in wb {
                    wa.entry(k).or_default().append(&mut v);
                }
                (pa, wa)
            },
        );
    let mut queue: BinaryHeap<Entry> = BinaryHeap::with_capacity(where_to_update.len());
    for (pair, mut pos) in where_to_update {
        let count = pair_counts.get(&pair).copied().unwrap_or(0);
        if count > 0 {
            pos.sort_unstable();
            queue.push(Entry {
                count: count as u64,
                pair,
                pos,
            });
        }
    }

    // 5. Merges.
    let target = common.vocab_size;
    let total_merges = target.saturating_sub(vocab.len()) as u64;
    let mut merges: Vec<(u32, u32)> = Vec::new();
    let mut changes: Vec<(PairKey, i32)> = Vec::new();
    let mut new_where: FxHashMap<PairKey, Vec<u32>> = FxHashMap::default();
    let mut last_report = 0usize;
    progress(Progress {
        stage: "compute merges",
        current: 0,
        total: total_merges,
    });
    while vocab.len() < target {
        let Some(mut top) = queue.pop() else { break };
        let current = pair_counts.get(&top.pair).copied().unwrap_or(0);
        if top.count as i64 != current {
            top.count = current.max(0) as u64;
            queue.push(top);
            continue;
        }
        if top.count < 1 || common.min_frequency > top.count {
            break;
        }
        let (a, b) = unkey(top.pair);
        let mut part_b = vocab.id_to_token[b as usize].as_str();
        if let Some(p) = &opts.continuing_subword_prefix {
            if let Some(stripped) = part_b.strip_prefix(p.as_str()) {
                part_b = stripped;
            }
        }
        let new_token = format!("{}{}", vocab.id_to_token[a as usize], part_b);
        let new_id = vocab.add(&new_token);
        merges.push((a, b));

        // Merge in the entry's words; collect the neighbouring pairs' changes.
        for &wi in &top.pos {
            let before = changes.len();
            ws[wi as usize].merge(a, b, new_id, max_len, &mut changes);
            let c = counts[wi as usize] as i64;
            for &(pair, delta) in &changes[before..] {
                *pair_counts.entry(pair).or_insert(0) += i64::from(delta) * c;
                if delta > 0 {
                    let v = new_where.entry(pair).or_default();
                    if v.last() != Some(&wi) {
                        v.push(wi);
                    }
                }
            }
            changes.clear();
        }
        for (pair, pos) in new_where.drain() {
            let count = pair_counts.get(&pair).copied().unwrap_or(0);
            if count > 0 {
                queue.push(Entry {
                    count: count as u64,
                    pair,
                    pos,
                });
            }
        }
        if merges.len() - last_report >= 100 {
            last_report = merges.len();
            progress(Progress {
                stage: "compute merges",
                current: merges.len() as u64,
                total: total_merges,
            });
        }
    }
    progress(Progress {
        stage: "compute merges",
        current: merges.len() as u64,
        total: total_merges,
    });

    // HF keeps one rank per pair: the last time it was merged.
    let mut last_rank: FxHashMap<(u32, u32), usize> = FxHashMap::default();
    for (rank, m) in merges.iter().enumerate() {
        last_rank.insert(*m, rank);
    }
    let merges: Vec<(String, String)> = merges
        .iter()
        .enumerate()
        .filter(|(rank, m)| last_rank.get(m) == Some(rank))
        .map(|(_, &(a, b))| {
            (
                vocab.id_to_token[a as usize].clone(),
                vocab.id_to_token[b as usize].clone(),
            )
        })
        .collect();

    Ok(BpeModel {
        vocab: vocab.id_to_token,
        merges,
        continuing_subword_prefix: opts.continuing_subword_prefix.clone(),
        end_of_word_suffix: opts.end_of_word_suffix.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::words::no_progress;

    fn wc(items: &[(&str, u64)]) -> WordCounts {
        items.iter().map(|(w, c)| ((*w).to_owned(), *c)).collect()
    }

    #[test]
    fn merges_most_frequent_pairs_with_hf_ids() {
        // HF's own unit test corpus and expectations (min_frequency 2).
        let words = wc(&[
            ("roses", 1),
            ("are", 2),
            ("red", 1),
            ("voilets", 1),
            ("blue", 1),
            ("BERT", 1),
            ("is", 2),
            ("big", 1),
            ("and", 1),
            ("so", 1),
            ("GPT-2", 1),
        ]);
        let opts = BpeOptions {
            common: TrainerOptions {
                vocab_size: 30000,
                min_frequency: 2,
                ..Default::default()
            },
            ..Default::default()
        };
        let m = train_bpe(&words, &opts, &no_progress).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&m.vocab[..3], &["-", "2", "B"]);
        assert_eq!(&m.vocab[22..], &["re", "are", "is"]);
        let pairs: Vec<(&str, &str)> = m
            .merges
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(pairs, vec![("r", "e"), ("a", "re"), ("i", "s")]);
    }

    #[test]
    fn max_token_length_caps_tokens() {
        let words = wc(&[
            ("singlelongtokenwithoutcasechange", 2),
            ("短字符串短字符串短字", 2),
            ("so", 2),
        ]);
        let opts = BpeOptions {
            common: TrainerOptions {
                vocab_size: 30000,
                ..Default::default()
            },
            max_token_length: Some(4),
            ..Default::default()
        };
        let m = train_bpe(&words, &opts, &no_progress).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            m.vocab.iter().all(|t| t.chars().count() <= 4),
            "{:?}",
            m.vocab
        );
        assert!(m.vocab.len() > 20);
    }

    #[test]
    fn too_small_vocab_is_an_error() {
        let words = wc(&[("abc", 1)]);
        let opts = BpeOptions {
            common: TrainerOptions {
                vocab_size: 3,
                special_tokens: vec!["<s>".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let err = train_bpe(&words, &opts, &no_progress)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("vocab_size 3 is smaller than the 1 special tokens plus the 3 chars"),
            "{err}"
        );
    }
}
