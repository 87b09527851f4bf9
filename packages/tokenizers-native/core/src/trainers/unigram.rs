//! Unigram trainer, as SentencePiece's `unigram_model_trainer.cc` (and HF's port of it).
//!
//! Steps:
//! 1. Seeds: every char of the corpus, then the frequent substrings of the words (2 to
//!    `max_piece_length` chars) ranked by `frequency * length`, up to `seed_size` pieces. Like
//!    SentencePiece's suffix array (whose internal nodes it enumerates), only right-branching
//!    repeats are kept: substrings seen at least twice and followed by at least two different
//!    chars (the word end counts as a char). Scores start as `ln(score / sum)`.
//! 2. EM, `n_sub_iterations` times per round:
//!    - E-step: for each word, the lattice of all pieces that match it; forward-backward gives
//!      each piece's expected count (`count * P(piece used)`), summed over words on all cores;
//!    - M-step: pieces with an expected count below 0.5 are dropped; the others get
//!      `digamma(count) - digamma(total)` (Bayesian EM with a sparse prior, as SentencePiece).
//! 3. Pruning (when more than `1.1 * vocab_size` pieces remain): for each piece, the loss of
//!    the corpus likelihood if it were removed and its occurrences re-segmented with its second
//!    best segmentation; keep the `max(1.1 * vocab_size, shrinking_factor * size)` pieces with
//!    the highest loss (plus those without an alternative). Back to 2.
//! 4. Finalize: the chars of the corpus are always kept; the rest by decreasing score up to
//!    `vocab_size` minus the special tokens (and 256 `<0xNN>` pieces with `byte_fallback`).
//!
//! Differences from HF's port, on purpose: the pruning loss uses the number of alternatives of
//! the piece (SentencePiece), where HF uses the number of pieces; step 4 keeps the best scores
//! (SentencePiece), where HF keeps the model order.

use super::words::{Progress, ProgressFn, WordCounts};
use crate::{Error, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

#[derive(Debug, Clone)]
pub struct UnigramOptions {
    pub vocab_size: usize,
    pub special_tokens: Vec<String>,
    /// Added first among the special tokens if not already one of them.
    pub unk_token: Option<String>,
    pub initial_alphabet: Vec<char>,
    pub shrinking_factor: f64,
    pub n_sub_iterations: usize,
    pub max_piece_length: usize,
    pub seed_size: usize,
    /// Add the 256 `<0x00>`..`<0xFF>` byte pieces, so unknown chars fall back to bytes.
    pub byte_fallback: bool,
}

impl Default for UnigramOptions {
    fn default() -> Self {
        Self {
            vocab_size: 8000,
            special_tokens: Vec::new(),
            unk_token: None,
            initial_alphabet: Vec::new(),
            shrinking_factor: 0.75,
            n_sub_iterations: 2,
            max_piece_length: 16,
            seed_size: 1_000_000,
            byte_fallback: false,
        }
    }
}

/// A trained Unigram model: `(piece, log probability)` in id order, and the unk id.
#[derive(Debug, Clone, PartialEq)]
pub struct UnigramModel {
    pub pieces: Vec<(String, f64)>,
    pub unk_id: Option<usize>,
    pub byte_fallback: bool,
}

/// Score penalty of the unknown piece below the worst piece (SentencePiece's `kUnkPenalty`).
const UNK_PENALTY: f64 = 10.0;

/// Prefix tree over chars of all seeds, built once: `trans[(node << 32) | char] = child`,
/// `piece[node]` = seed id (-1 if no seed ends there).
struct Trie {
    trans: FxHashMap<u64, u32>,
    piece: Vec<i32>,
}

impl Trie {
    fn new(seeds: &[Vec<char>]) -> Self {
        let mut t = Trie {
            trans: FxHashMap::default(),
            piece: vec![-1],
        };
        // Id 0 is the unknown piece: it is never matched by text.
        for (id, chars) in seeds.iter().enumerate().skip(1) {
            let mut node = 0u32;
            for &c in chars {
                let k = (u64::from(node) << 32) | u64::from(c as u32);
                node = match t.trans.get(&k) {
                    Some(&n) => n,
                    None => {
                        let n = t.piece.len() as u32;
                        t.piece.push(-1);
                        t.trans.insert(k, n);
                        n
                    }
                };
            }
            t.piece[node as usize] = id as i32;
        }
        t
    }
}

/// A seed found in a text: chars `[start, start + len)` are seed `seed`.
#[derive(Debug, Clone, Copy)]
struct Match {
    start: u16,
    len: u16,
    seed: u32,
}

impl Trie {
    /// Every seed occurring in `chars`, ordered by start then length. Texts longer than
    /// 65,535 chars (u16 positions) only get their first 65,535 chars matched.
    fn matches(&self, chars: &[char], out: &mut Vec<Match>) {
        out.clear();
        let n = chars.len().min(u16::MAX as usize);
        for i in 0..n {
            let mut node = 0u32;
            for (j, &c) in chars[i..n].iter().enumerate() {
                let k = (u64::from(node) << 32) | u64::from(c as u32);
                let Some(&next) = self.trans.get(&k) else {
                    break;
                };
                node = next;
                let seed = self.piece[next as usize];
                if seed > 0 {
                    out.push(Match {
                        start: i as u16,
                        len: (j + 1) as u16,
                        seed: seed as u32,
                    });
                }
            }
        }
    }
}

/// The current model: a subset of the seeds with scores. Pieces are `(seed id, score)`;
/// piece 0 is the unknown piece. Pieces only ever leave the model, so the seeds' trie serves
/// every round, and `piece_of_seed` says which seeds are still pieces.
struct Model<'a> {
    seeds: &'a [Vec<char>],
    trie: &'a Trie,
    pieces: Vec<(u32, f64)>,
    piece_of_seed: Vec<u32>,
    unk_score: f64,
}

impl<'a> Model<'a> {
    fn new(seeds: &'a [Vec<char>], trie: &'a Trie, pieces: Vec<(u32, f64)>) -> Self {
        let min = pieces
            .iter()
            .skip(1)
            .map(|p| p.1)
            .filter(|s| !s.is_nan())
            .fold(f64::INFINITY, f64::min);
        let mut piece_of_seed = vec![u32::MAX; seeds.len()];
        for (i, p) in pieces.iter().enumerate().skip(1) {
            piece_of_seed[p.0 as usize] = i as u32;
        }
        Self {
            seeds,
            trie,
            pieces,
            piece_of_seed,
            unk_score: if min.is_finite() {
                min - UNK_PENALTY
            } else {
                -UNK_PENALTY
            },
        }
    }

    fn chars(&self, piece: usize) -> &'a [char] {
        &self.seeds[self.pieces[piece].0 as usize]
    }

    /// All `(start, end, id, score)` nodes of the lattice of `chars`, ordered by start. A
    /// position that no 1-char piece covers gets an unknown node (id 0).
    fn lattice(&self, chars: &[char], nodes: &mut Vec<(u32, u32, u32, f64)>) {
        let mut matches = Vec::new();
        self.trie.matches(chars, &mut matches);
        self.lattice_from(chars.len(), &matches, nodes);
    }

    /// As `lattice`, from the seed matches of the text (`Trie::matches`), which do not change
    /// between rounds: only which seeds are still pieces does.
    fn lattice_from(&self, n: usize, matches: &[Match], nodes: &mut Vec<(u32, u32, u32, f64)>) {
        nodes.clear();
        let mut m = matches.iter().peekable();
        for i in 0..n as u32 {
            let mut has_single = false;
            while let Some(x) = m.next_if(|x| u32::from(x.start) == i) {
                let id = self.piece_of_seed[x.seed as usize];
                if id != u32::MAX {
                    has_single |= x.len == 1;
                    nodes.push((i, i + u32::from(x.len), id, self.pieces[id as usize].1));
                }
            }
            if !has_single {
                nodes.push((i, i + 1, 0, self.unk_score));
            }
        }
    }

    /// Best segmentation of `chars` (node indices into `nodes`), skipping node `skip`.
    fn viterbi(
        &self,
        n: usize,
        nodes: &[(u32, u32, u32, f64)],
        skip: Option<usize>,
    ) -> Option<Vec<usize>> {
        let mut best = vec![f64::NEG_INFINITY; n + 1];
        let mut back = vec![usize::MAX; n + 1];
        best[0] = 0.0;
        for (idx, &(s, e, _, score)) in nodes.iter().enumerate() {
            if Some(idx) == skip || best[s as usize] == f64::NEG_INFINITY {
                continue;
            }
            let v = best[s as usize] + score;
            if v > best[e as usize] {
                best[e as usize] = v;
                back[e as usize] = idx;
            }
        }
        if back[n] == usize::MAX {
            return None;
        }
        let mut path = Vec::new();
        let mut pos = n;
        while pos > 0 {
            let idx = back[pos];
            path.push(idx);
            pos = nodes[idx].0 as usize;
        }
        path.reverse();
        Some(path)
    }
}

fn log_sum_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi + (lo - hi).exp().ln_1p()
}

/// Digamma function (asymptotic series after shifting x above 7), as SentencePiece's.
fn digamma(mut x: f64) -> f64 {
    let mut result = 0.0;
    while x < 7.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    x -= 0.5;
    let xx = 1.0 / x;
    let xx2 = xx * xx;
    let xx4 = xx2 * xx2;
    result + x.ln() + xx2 / 24.0 - 7.0 / 960.0 * xx4 + 31.0 / 8064.0 * xx4 * xx2
        - 127.0 / 30720.0 * xx4 * xx4
}

/// Per-substring statistics for the seed search.
#[derive(Clone, Copy)]
struct SubStat {
    freq: u64,
    right: u32,
    right_multi: bool,
}

/// Word boundary as a context char (U+0000 never occurs in words that reach here).
const BOUNDARY: u32 = 0;

/// Step 1: chars then frequent maximal substrings, scored `ln(score / total)`.
fn seed_pieces(sentences: &[(Vec<char>, u64)], opts: &UnigramOptions) -> Vec<(Vec<char>, f64)> {
    let mut chars: FxHashMap<char, u64> = FxHashMap::default();
    for (s, c) in sentences {
        for &ch in s {
            *chars.entry(ch).or_insert(0) += c;
        }
    }
    let max_len = opts.max_piece_length.max(1);
    // Substrings are counted length by length (2, 3, ...). A substring can occur twice only if
    // its prefix and its suffix one char shorter do, so at each length only positions whose
    // two shorter substrings were frequent are counted (`alive[i]` = the longest frequent
    // substring found at position i so far). Memory stays at the frequent substrings of one
    // length, not all substrings of the corpus.
    let mut alive: Vec<Vec<u8>> = sentences
        .iter()
        .map(|(s, _)| {
            s.iter()
                .map(|ch| u8::from(chars.get(ch).copied().unwrap_or(0) >= 2))
                .collect()
        })
        .collect();
    let budget = opts.seed_size.saturating_sub(chars.len());
    // Min-heap of the best `budget` (score, substring), ties as SentencePiece's sort.
    let mut best: std::collections::BinaryHeap<std::cmp::Reverse<(u64, &[char])>> =
        Default::default();
    let chunk = (sentences.len() / 16).max(1024);
    for len in 2..=max_len.min(u8::MAX as usize) {
        let l8 = len as u8;
        let candidate =
            |al: &[u8], i: usize| al[i] + 1 == l8 && al.get(i + 1).is_some_and(|&a| a + 1 >= l8);
        // 1. Count this length's candidates (all cores, merged).
        let counts: FxHashMap<&[char], SubStat> = sentences
            .par_chunks(chunk)
            .zip(alive.par_chunks(chunk))
            .map(|(part, part_alive)| {
                let mut m: FxHashMap<&[char], SubStat> = FxHashMap::default();
                for ((s, c), al) in part.iter().zip(part_alive) {
                    let n = s.len();
                    for i in 0..n.saturating_sub(len - 1) {
                        if !candidate(al, i) {
                            continue;
                        }
                        let sub = &s[i..i + len];
                        let right = if i + len == n {
                            BOUNDARY
                        } else {
                            s[i + len] as u32
                        };
                        match m.get_mut(sub) {
                            Some(st) => {
                                st.freq += c;
                                st.right_multi |= st.right != right;
                            }
                            None => {
                                m.insert(
                                    sub,
                                    SubStat {
                                        freq: *c,
                                        right,
                                        right_multi: false,
                                    },
                                );
                            }
                        }
                    }
                }
                m
            })
            .reduce(FxHashMap::default, |mut a, b| {
                let (mut a, b) = if a.len() >= b.len() {
                    (a, b)
                } else {
                    (b, std::mem::take(&mut a))
                };
                for (k, st) in b {
                    match a.get_mut(k) {
                        Some(x) => {
                            x.freq += st.freq;
                            x.right_multi |= st.right_multi || x.right != st.right;
                        }
                        None => {
                            a.insert(k, st);
                        }
                    }
                }
                a
            });
        if counts.is_empty() {
            break;
        }
        // 2. Frequent positions grow by one char.
        sentences
            .par_iter()
            .zip(alive.par_iter_mut())
            .for_each(|((s, _), al)| {
                for i in 0..s.len().saturating_sub(len - 1) {
                    if candidate(al, i) && counts.get(&s[i..i + len]).is_some_and(|st| st.freq >= 2)
                    {
                        al[i] = l8;
                    }
                }
            });
        // 3. Right-branching repeats are seed candidates, scored freq * length.
        for (k, st) in counts {
            if st.freq >= 2 && st.right_multi && budget > 0 {
                let item = std::cmp::Reverse((st.freq * len as u64, k));
                if best.len() < budget {
                    best.push(item);
                } else if best.peek().is_some_and(|min| item < *min) {
                    best.pop();
                    best.push(item);
                }
            }
        }
    }
    let mut ranked: Vec<(u64, &[char])> = best.into_iter().map(|r| r.0).collect();
    // Decreasing score; ties by decreasing string, as SentencePiece's sort of (score, string).
    ranked.par_sort_unstable_by(|a, b| b.cmp(a));

    let mut chars: Vec<(u64, char)> = chars.into_iter().map(|(c, f)| (f, c)).collect();
    chars.sort_unstable_by(|a, b| b.cmp(a));
    let mut seeds: Vec<(Vec<char>, f64)> = chars
        .into_iter()
        .map(|(f, c)| (vec![c], f as f64))
        .collect();
    for (score, s) in ranked {
        if seeds.len() >= opts.seed_size {
            break;
        }
        seeds.push((s.to_vec(), score as f64));
    }
    let logsum = seeds.iter().map(|p| p.1).sum::<f64>().ln();
    for p in &mut seeds {
        p.1 = p.1.ln() - logsum;
    }
    seeds
}

/// E-step: expected count of each piece, and the objective (negative mean log likelihood).
fn e_step(
    model: &Model,
    sentences: &[(Vec<char>, u64)],
    matches: &[Vec<Match>],
) -> (Vec<f64>, f64) {
    let total: f64 = sentences.iter().map(|s| s.1 as f64).sum();
    let size = model.pieces.len();
    // Few chunks: each holds an `expected` vector as long as the model.
    let chunk = (sentences.len() / (2 * rayon::current_num_threads()).max(1)).max(256);
    sentences
        .par_chunks(chunk)
        .zip(matches.par_chunks(chunk))
        .map(|(part, part_matches)| {
            let mut expected = vec![0.0f64; size];
            let mut obj = 0.0f64;
            let mut nodes = Vec::new();
            let mut alpha = Vec::new();
            let mut beta = Vec::new();
            for ((s, c), m) in part.iter().zip(part_matches) {
                let n = s.len().min(u16::MAX as usize);
                let freq = *c as f64;
                model.lattice_from(n, m, &mut nodes);
                // Forward: alpha[p] = log sum of all paths from 0 to p.
                alpha.clear();
                alpha.resize(n + 1, f64::NEG_INFINITY);
                alpha[0] = 0.0;
                for &(st, e, _, score) in nodes.iter() {
                    alpha[e as usize] = log_sum_exp(alpha[e as usize], alpha[st as usize] + score);
                }
                // Backward: beta[p] = log sum of all paths from p to n.
                beta.clear();
                beta.resize(n + 1, f64::NEG_INFINITY);
                beta[n] = 0.0;
                for &(st, e, _, score) in nodes.iter().rev() {
                    beta[st as usize] = log_sum_exp(beta[st as usize], score + beta[e as usize]);
                }
                let z = alpha[n];
                for &(st, e, id, score) in nodes.iter() {
                    expected[id as usize] +=
                        freq * (alpha[st as usize] + score + beta[e as usize] - z).exp();
                }
                obj -= freq * z / total;
            }
            (expected, obj)
        })
        .reduce(
            || (vec![0.0; size], 0.0),
            |(mut ea, oa), (eb, ob)| {
                for (x, y) in ea.iter_mut().zip(eb) {
                    *x += y;
                }
                (ea, oa + ob)
            },
        )
}

/// M-step: drop pieces expected less than half a time; Bayesian (digamma) log probabilities.
fn m_step(pieces: &[(u32, f64)], expected: &[f64]) -> Vec<(u32, f64)> {
    let mut kept: Vec<(u32, f64)> = Vec::with_capacity(pieces.len());
    let mut sum = 0.0;
    for (i, (p, &f)) in pieces.iter().zip(expected).enumerate() {
        if i == 0 {
            kept.push((p.0, f64::NAN));
            continue;
        }
        if f < 0.5 {
            continue;
        }
        kept.push((p.0, f));
        sum += f;
    }
    let logsum = digamma(sum);
    for p in kept.iter_mut().skip(1) {
        p.1 = digamma(p.1) - logsum;
    }
    kept
}

/// Step 3: keeps the pieces whose removal would cost the most likelihood.
fn prune(
    model: &Model,
    sentences: &[(Vec<char>, u64)],
    matches: &[Vec<Match>],
    opts: &UnigramOptions,
) -> Vec<(u32, f64)> {
    let pieces = &model.pieces;
    let size = pieces.len();
    // 3a. How each piece would be segmented without itself.
    let alt: Vec<(bool, Vec<u32>)> = pieces
        .par_iter()
        .enumerate()
        .map(|(id, _)| {
            let chars = model.chars(id);
            if id == 0 {
                return (false, Vec::new());
            }
            let mut nodes = Vec::new();
            model.lattice(chars, &mut nodes);
            let Some(best) = model.viterbi(chars.len(), &nodes, None) else {
                return (true, Vec::new());
            };
            if best.len() >= 2 {
                // The piece is not even its own best segmentation.
                return (false, Vec::new());
            }
            let whole = best[0];
            match model.viterbi(chars.len(), &nodes, Some(whole)) {
                None => (true, Vec::new()),
                Some(second) => (true, second.iter().map(|&i| nodes[i].2).collect()),
            }
        })
        .collect();

    // 3b. Viterbi counts over the corpus. (SentencePiece also lists, per piece, the words whose
    // best path uses it, once per use, and sums those words' counts: that sum is the piece's
    // Viterbi count itself, so no list is kept.)
    let chunk = (sentences.len() / (2 * rayon::current_num_threads()).max(1)).max(256);
    let freq = sentences
        .par_chunks(chunk)
        .zip(matches.par_chunks(chunk))
        .map(|(part, part_matches)| {
            let mut freq = vec![0.0f64; size];
            let mut nodes = Vec::new();
            for ((s, c), m) in part.iter().zip(part_matches) {
                let n = s.len().min(u16::MAX as usize);
                model.lattice_from(n, m, &mut nodes);
                if let Some(path) = model.viterbi(n, &nodes, None) {
                    for idx in path {
                        freq[nodes[idx].2 as usize] += *c as f64;
                    }
                }
            }
            freq
        })
        .reduce(
            || vec![0.0; size],
            |mut fa, fb| {
                for (x, y) in fa.iter_mut().zip(fb) {
                    *x += y;
                }
                fa
            },
        );
    let vsum: f64 = sentences.iter().map(|s| s.1 as f64).sum();
    let sum: f64 = freq.iter().sum();
    let logsum = sum.ln();

    // 3c. Loss of removing each piece.
    let mut new_pieces: Vec<(u32, f64)> = vec![pieces[0]];
    let mut candidates: Vec<(usize, f64)> = Vec::new();
    for id in 1..size {
        let (keep, alternatives) = &alt[id];
        if freq[id] == 0.0 && !keep {
            continue; // never used by the Viterbi path
        }
        if alternatives.is_empty() {
            new_pieces.push(pieces[id]);
            continue;
        }
        let f = freq[id] / vsum;
        if f == 0.0 || f.is_nan() {
            continue;
        }
        let logprob_sp = freq[id].ln() - logsum;
        // Removing the piece moves its frequency onto each alternative:
        // new_sum = sum + freq * (alternatives - 1).
        let logsum_alt = (sum + freq[id] * (alternatives.len() as f64 - 1.0)).ln();
        let logprob_alt: f64 = alternatives
            .iter()
            .map(|&a| (freq[a as usize] + freq[id]).ln() - logsum_alt)
            .sum();
        let loss = f * (logprob_sp - logprob_alt);
        if loss.is_nan() {
            continue;
        }
        candidates.push((id, loss));
    }
    let desired = opts.vocab_size * 11 / 10;
    let pruned_size = desired.max((size as f64 * opts.shrinking_factor) as usize);
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for (id, _) in candidates {
        if new_pieces.len() >= pruned_size {
            break;
        }
        new_pieces.push(pieces[id]);
    }
    new_pieces
}

/// Trains a Unigram model on `words` (see the module doc).
pub fn train_unigram(
    words: &WordCounts,
    opts: &UnigramOptions,
    progress: ProgressFn,
) -> Result<UnigramModel> {
    // Special tokens, with the unk token first when it is not one of them.
    let mut specials: Vec<String> = opts.special_tokens.clone();
    let unk_id = match &opts.unk_token {
        Some(unk) => match specials.iter().position(|t| t == unk) {
            Some(i) => Some(i),
            None => {
                specials.insert(0, unk.clone());
                Some(0)
            }
        },
        None => None,
    };
    let bytes = if opts.byte_fallback { 256 } else { 0 };

    let mut sorted: Vec<(&String, &u64)> = words.iter().collect();
    sorted.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
    let sentences: Vec<(Vec<char>, u64)> = sorted
        .into_iter()
        .map(|(w, &c)| (w.chars().filter(|&ch| ch != '\0').collect::<Vec<char>>(), c))
        .filter(|(w, _)| !w.is_empty())
        .collect();
    let mut required: Vec<char> = sentences
        .iter()
        .flat_map(|(s, _)| s.iter().copied())
        .collect();
    required.extend(opts.initial_alphabet.iter().copied());
    required.par_sort_unstable();
    required.dedup();
    let budget = opts.vocab_size as i64 - specials.len() as i64 - bytes as i64;
    if budget < required.len() as i64 {
        return Err(Error::InvalidConfig {
            field: "vocabSize".to_owned(),
            message: format!(
                "Unigram: vocab_size {} is smaller than the {} special tokens{} plus the {} chars of the \
                 corpus ({} in all); raise vocab_size",
                opts.vocab_size,
                specials.len(),
                if bytes > 0 { " and 256 byte pieces" } else { "" },
                required.len(),
                specials.len() + bytes + required.len()
            ),
        });
    }
    let target = budget as usize;

    // 1. Seeds, behind the unknown piece (id 0, never matched by text).
    progress(Progress {
        stage: "seed pieces",
        current: 0,
        total: 1,
    });
    let mut seeds: Vec<Vec<char>> = vec![Vec::new()];
    let mut pieces: Vec<(u32, f64)> = vec![(0, f64::NAN)];
    for (chars, score) in seed_pieces(&sentences, opts) {
        pieces.push((seeds.len() as u32, score));
        seeds.push(chars);
    }
    let trie = Trie::new(&seeds);
    // Seed matches of every word, once: rounds only change which seeds are pieces.
    let matches: Vec<Vec<Match>> = sentences
        .par_iter()
        .map(|(s, _)| {
            let mut m = Vec::new();
            trie.matches(s, &mut m);
            m.shrink_to_fit();
            m
        })
        .collect();
    progress(Progress {
        stage: "seed pieces",
        current: 1,
        total: 1,
    });

    // 2-3. EM rounds and pruning.
    let inner = UnigramOptions {
        vocab_size: target,
        ..opts.clone()
    };
    let desired = target * 11 / 10;
    let rounds = (((desired as f64).ln() - (pieces.len() as f64).ln()) / opts.shrinking_factor.ln())
        .max(0.0) as u64
        + 1;
    let total = rounds * opts.n_sub_iterations as u64;
    let mut done = 0u64;
    let mut model = Model::new(&seeds, &trie, pieces);
    loop {
        for _ in 0..opts.n_sub_iterations {
            let (expected, _objective) = e_step(&model, &sentences, &matches);
            model = Model::new(&seeds, &trie, m_step(&model.pieces, &expected));
            done += 1;
            progress(Progress {
                stage: "EM",
                current: done.min(total),
                total,
            });
        }
        if model.pieces.len() <= desired {
            break;
        }
        model = Model::new(&seeds, &trie, prune(&model, &sentences, &matches, &inner));
    }
    progress(Progress {
        stage: "EM",
        current: total,
        total,
    });

    // 4. Finalize: required chars, then best scores.
    let min_score = model.unk_score + UNK_PENALTY;
    let mut by_piece: FxHashMap<String, f64> = FxHashMap::default();
    for (seed, score) in model.pieces.iter().skip(1) {
        by_piece.insert(seeds[*seed as usize].iter().collect(), *score);
    }
    let mut finals: Vec<(String, f64)> = Vec::with_capacity(target);
    let mut penalty = 0.0;
    for c in &required {
        let s = c.to_string();
        let score = match by_piece.remove(&s) {
            Some(sc) => sc,
            None => {
                penalty += 0.0001;
                min_score + penalty - 0.0001
            }
        };
        finals.push((s, score));
    }
    let mut rest: Vec<(String, f64)> = by_piece
        .into_iter()
        .filter(|(p, _)| !specials.contains(p))
        .collect();
    rest.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let room = target.saturating_sub(finals.len());
    finals.extend(rest.into_iter().take(room));
    finals.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let mut out: Vec<(String, f64)> = specials.into_iter().map(|t| (t, 0.0)).collect();
    if opts.byte_fallback {
        out.extend((0..=255u8).map(|b| (format!("<0x{b:02X}>"), 0.0)));
    }
    out.extend(finals);
    Ok(UnigramModel {
        pieces: out,
        unk_id,
        byte_fallback: opts.byte_fallback,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainers::words::no_progress;

    #[test]
    fn digamma_matches_known_values() {
        // digamma(1) = -Euler-Mascheroni, digamma(10) = 2.251752589...
        assert!((digamma(1.0) + 0.5772156649).abs() < 1e-8);
        assert!((digamma(10.0) - 2.2517525891).abs() < 1e-8);
    }

    #[test]
    fn seeds_keep_maximal_repeats_only() {
        let sentences = vec![
            ("abcx".chars().collect(), 1u64),
            ("abcy".chars().collect(), 1),
            ("zabc".chars().collect(), 1),
        ];
        let seeds = seed_pieces(&sentences, &UnigramOptions::default());
        let names: Vec<String> = seeds.iter().map(|p| p.0.iter().collect()).collect();
        // "abc" occurs 3 times, followed by x, y and the word end: a suffix-tree node.
        // "ab" is always followed by "c": not a node.
        assert!(names.contains(&"abc".to_owned()), "{names:?}");
        assert!(!names.contains(&"ab".to_owned()), "{names:?}");
    }

    #[test]
    fn trains_a_small_vocab_with_specials_first() {
        let text = "the cat sat on the mat the cat ate the rat that sat on the hat";
        let mut words = WordCounts::default();
        for w in text.split(' ') {
            *words.entry(format!("▁{w}")).or_insert(0) += 1;
        }
        let opts = UnigramOptions {
            vocab_size: 24,
            special_tokens: vec!["<pad>".into(), "<unk>".into()],
            unk_token: Some("<unk>".into()),
            ..Default::default()
        };
        let m = train_unigram(&words, &opts, &no_progress).unwrap_or_else(|e| panic!("{e}"));
        // EM drops pieces expected less than half a time, so a tiny corpus may end below 24.
        assert!(
            m.pieces.len() <= 24 && m.pieces.len() > 12,
            "{}",
            m.pieces.len()
        );
        assert_eq!(m.unk_id, Some(1));
        assert_eq!(m.pieces[0].0, "<pad>");
        // "▁th" starts "▁the", "▁that": a multi-char seed that survives EM.
        assert!(m.pieces.iter().any(|p| p.0 == "▁th"), "{:?}", m.pieces);
        // Every char of the corpus is a piece.
        for c in text.chars().filter(|c| *c != ' ') {
            assert!(m.pieces.iter().any(|p| p.0 == c.to_string()), "{c}");
        }
    }
}
