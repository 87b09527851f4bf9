//! Word counting: the first step of every trainer, shared by all of them.
//!
//! As HF's `Tokenizer::train`, each input sequence (a line of a file, or one string of a batch)
//! is normalized and pre-tokenized, and every resulting word is counted. Trainers then only see
//! `word -> count`.
//!
//! Steps for files:
//! 1. read each file in blocks of about `BLOCK_BYTES`, cut after the last `\n` of the block, so
//!    a corpus larger than memory streams through;
//! 2. check the block is UTF-8 (the error names the file and the byte offset);
//! 3. cut the block into lines, each keeping its `\n` (HF reads files with `read_line`, so the
//!    newline is part of the sequence: byte-level BPE learns `Ċ`);
//! 4. count the words of the lines on all cores (rayon), one map per thread, merged at the end.

use crate::normalizers::NormalizerWrapper;
use crate::pre_tokenizers::PreTokenizerWrapper;
use crate::tokenizer::{NormalizedString, Normalizer, PreTokenizer, Split};
use crate::{Error, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::io::Read;
use unicode_categories::UnicodeCategories;

/// `word -> number of occurrences` in the corpus.
pub type WordCounts = FxHashMap<String, u64>;

/// Bytes read from a file at a time (then cut at the last newline).
const BLOCK_BYTES: usize = 8 << 20;

/// One progress event: `current` of `total` units of the named stage are done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// `"count words"`, `"compute merges"`, `"EM"`, ...
    pub stage: &'static str,
    pub current: u64,
    pub total: u64,
}

/// Receives progress events; called from worker threads, so it must be `Sync`.
pub type ProgressFn<'a> = &'a (dyn Fn(Progress) + Sync);

/// A progress sink that ignores everything.
pub fn no_progress(_: Progress) {}

/// Where the SentencePiece-style `▁` goes, as HF's Metaspace `prepend_scheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrependScheme {
    /// Prepend `▁` to every sequence that does not start with it.
    Always,
    /// Never prepend.
    Never,
}

/// How a normalized sequence is cut into words.
#[derive(Debug, Clone)]
pub enum PreTokenization {
    /// Any pre-tokenizer of the core (`BertPreTokenizer`, ...), run through its alignments.
    Core(PreTokenizerWrapper),
    /// GPT-2's byte-level split (contractions, ` ?letters`, ` ?digits`, ` ?symbols`,
    /// whitespace runs), each piece then written with the 256 printable byte chars
    /// (`Ġ` for a space), exactly as HF's `ByteLevel { use_regex: true }`.
    ByteLevel { add_prefix_space: bool },
    /// SentencePiece style as HF's `Metaspace`: `' '` becomes `replacement`, `replacement` is
    /// prepended per `prepend_scheme`, and with `split` each word starts at a `replacement`.
    Metaspace {
        replacement: char,
        prepend_scheme: PrependScheme,
        split: bool,
    },
    /// The whole sequence is one word.
    None,
}

/// Normalizer + pre-tokenization: what turns one input sequence into words.
#[derive(Debug, Clone)]
pub struct WordSplitter {
    pub normalizer: Option<NormalizerWrapper>,
    pub pre_tokenization: PreTokenization,
}

impl WordSplitter {
    pub fn new(normalizer: Option<NormalizerWrapper>, pre_tokenization: PreTokenization) -> Self {
        Self {
            normalizer,
            pre_tokenization,
        }
    }

    /// Calls `emit` with each word of `sequence`, in order.
    pub fn for_each_word(&self, sequence: &str, emit: &mut dyn FnMut(&str)) -> Result<()> {
        if let Some(lowercase) = self.bert_fast_path() {
            if sequence.is_ascii() {
                bert_ascii_words(sequence.as_bytes(), lowercase, emit);
                return Ok(());
            }
            if bert_simple_words(sequence, lowercase, emit) {
                return Ok(());
            }
        }
        match &self.normalizer {
            None => self.split_normalized(sequence, emit),
            Some(normalizer) => {
                let mut n = NormalizedString::from(sequence);
                normalizer.normalize(&mut n)?;
                self.split_normalized(n.get(), emit)
            }
        }
    }

    /// `Some(lowercase)` when this is BERT's normalizer (with `clean_text`) + pre-tokenizer,
    /// whose effect on ASCII text `bert_ascii_words` computes without alignments.
    fn bert_fast_path(&self) -> Option<bool> {
        match (&self.normalizer, &self.pre_tokenization) {
            (
                Some(NormalizerWrapper::BertNormalizer(n)),
                PreTokenization::Core(PreTokenizerWrapper::BertPreTokenizer(_)),
            ) if n.clean_text => Some(n.lowercase),
            _ => None,
        }
    }

    /// The words of `sequence`, as owned strings (convenient for tests and small inputs).
    pub fn words(&self, sequence: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        self.for_each_word(sequence, &mut |w| out.push(w.to_owned()))?;
        Ok(out)
    }

    fn split_normalized(&self, text: &str, emit: &mut dyn FnMut(&str)) -> Result<()> {
        match &self.pre_tokenization {
            PreTokenization::None => {
                if !text.is_empty() {
                    emit(text);
                }
            }
            PreTokenization::Core(p) => {
                let splits = p.pre_tokenize(vec![Split::from(NormalizedString::from(text))])?;
                for s in &splits {
                    if !s.normalized.is_empty() {
                        emit(&s.normalized);
                    }
                }
            }
            PreTokenization::ByteLevel { add_prefix_space } => {
                let owned;
                let text = if *add_prefix_space && !text.starts_with(' ') {
                    owned = format!(" {text}");
                    owned.as_str()
                } else {
                    text
                };
                let mut buf = String::new();
                for piece in ByteLevelSplits::new(text) {
                    buf.clear();
                    buf.extend(piece.bytes().map(byte_to_char));
                    emit(&buf);
                }
            }
            PreTokenization::Metaspace {
                replacement,
                prepend_scheme,
                split,
            } => {
                let mut s = String::with_capacity(text.len() + 3);
                if *prepend_scheme == PrependScheme::Always
                    && !text.is_empty()
                    && !text.starts_with(*replacement)
                    && !text.starts_with(' ')
                {
                    s.push(*replacement);
                }
                s.extend(
                    text.chars()
                        .map(|c| if c == ' ' { *replacement } else { c }),
                );
                if !*split {
                    if !s.is_empty() {
                        emit(&s);
                    }
                    return Ok(());
                }
                // MergedWithNext: each `replacement` starts a new word.
                let mut start = 0;
                for (i, c) in s.char_indices() {
                    if c == *replacement && i > start {
                        emit(&s[start..i]);
                        start = i;
                    }
                }
                if start < s.len() {
                    emit(&s[start..]);
                }
            }
        }
        Ok(())
    }
}

/// BERT normalizer (clean_text) + BERT pre-tokenizer on ASCII bytes, the same words as the
/// general path: control bytes are removed (joining their neighbours), `\t \n \r` and ' '
/// separate words, each ASCII punctuation byte is a word, the rest is (lower-cased) word text.
/// (NFD, accent stripping and CJK padding do nothing to ASCII.)
fn bert_ascii_words(bytes: &[u8], lowercase: bool, emit: &mut dyn FnMut(&str)) {
    let mut word: Vec<u8> = Vec::with_capacity(32);
    let flush = |word: &mut Vec<u8>, emit: &mut dyn FnMut(&str)| {
        if !word.is_empty() {
            // ASCII bytes are valid UTF-8.
            emit(std::str::from_utf8(word).unwrap_or_default());
            word.clear();
        }
    };
    for &b in bytes {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => flush(&mut word, emit),
            0..=0x1F | 0x7F => {}
            _ if b.is_ascii_punctuation() => {
                flush(&mut word, emit);
                let p = [b];
                emit(std::str::from_utf8(&p).unwrap_or_default());
            }
            _ => word.push(if lowercase { b.to_ascii_lowercase() } else { b }),
        }
    }
    flush(&mut word, emit);
}

/// As `bert_ascii_words` for text whose non-ASCII chars are all "simple": no canonical
/// decomposition, combining class 0, not a nonspacing mark, one-char lowercase. Such chars are
/// unchanged by NFD and accent stripping, so per char: controls are removed, whitespace
/// separates, CJK ideographs and punctuation are words of their own, the rest is lower-cased.
/// Returns false (having emitted nothing) at the first other char: the caller then takes the
/// general path.
fn bert_simple_words(text: &str, lowercase: bool, emit: &mut dyn FnMut(&str)) -> bool {
    let mut buf = String::with_capacity(text.len());
    let mut ends: Vec<usize> = Vec::with_capacity(text.len() / 4 + 1);
    let close = |buf: &String, ends: &mut Vec<usize>| {
        if ends.last().copied().unwrap_or(0) < buf.len() {
            ends.push(buf.len());
        }
    };
    for c in text.chars() {
        if c.is_ascii() {
            let b = c as u8;
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => close(&buf, &mut ends),
                0..=0x1F | 0x7F => {}
                _ if b.is_ascii_punctuation() => {
                    close(&buf, &mut ends);
                    buf.push(c);
                    ends.push(buf.len());
                }
                _ => buf.push(if lowercase { c.to_ascii_lowercase() } else { c }),
            }
            continue;
        }
        if !is_simple_char(c) {
            return false;
        }
        if c == '\u{fffd}' || (c.is_other()) {
            continue; // removed by clean_text
        }
        if c.is_whitespace() {
            close(&buf, &mut ends);
        } else if is_cjk_ideograph(c) || c.is_punctuation() {
            close(&buf, &mut ends);
            buf.push(c);
            ends.push(buf.len());
        } else if lowercase {
            let mut lc = c.to_lowercase();
            buf.push(lc.next().unwrap_or(c));
        } else {
            buf.push(c);
        }
    }
    close(&buf, &mut ends);
    let mut start = 0;
    for end in ends {
        emit(&buf[start..end]);
        start = end;
    }
    true
}

/// The CJK Unified Ideographs blocks BERT's normalizer pads with spaces (the same ranges as
/// `normalizers::bert`).
fn is_cjk_ideograph(c: char) -> bool {
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

/// A char that NFD, accent stripping and lowercasing treat one for one (see
/// `bert_simple_words`).
fn is_simple_char(c: char) -> bool {
    use unicode_normalization::char::{canonical_combining_class, decompose_canonical};
    if canonical_combining_class(c) != 0 || c.is_mark_nonspacing() {
        return false;
    }
    let mut n = 0;
    let mut same = true;
    decompose_canonical(c, |d| {
        n += 1;
        same &= d == c;
    });
    n == 1 && same && c.to_lowercase().len() == 1
}

/// GPT-2's byte-to-char table: printable Latin-1 bytes map to themselves, the 68 others to
/// U+0100.. in byte order (so every byte is a visible char, and ' ' becomes 'Ġ').
pub fn byte_to_char(b: u8) -> char {
    BYTE_CHARS[b as usize]
}

static BYTE_CHARS: [char; 256] = build_byte_chars();

const fn build_byte_chars() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut n = 0u32;
    let mut b = 0usize;
    while b < 256 {
        let printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
        let code = if printable {
            b as u32
        } else {
            n += 1;
            255 + n
        };
        // All codes are below 0x144, valid scalar values.
        table[b] = match char::from_u32(code) {
            Some(c) => c,
            None => '\0',
        };
        b += 1;
    }
    table
}

/// The 256 byte chars, the `initial_alphabet` of byte-level BPE.
pub fn byte_level_alphabet() -> Vec<char> {
    BYTE_CHARS.to_vec()
}

fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_letter()
    }
}

fn is_number(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        c.is_number()
    }
}

/// The pieces of GPT-2's pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, matched by hand
/// (no regex engine: this is the hot loop of byte-level training).
struct ByteLevelSplits<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> ByteLevelSplits<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }
}

/// Byte length of the run of chars satisfying `f` at the start of `s`.
fn run_len(s: &str, f: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .find(|&(_, c)| !f(c))
        .map_or(s.len(), |(i, _)| i)
}

fn is_other(c: char) -> bool {
    !c.is_whitespace() && !is_letter(c) && !is_number(c)
}

impl<'a> Iterator for ByteLevelSplits<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = &self.text[self.pos..];
        let mut chars = rest.chars();
        let c = chars.next()?;
        let len = match c {
            // 1. Contractions, lowercase only as in GPT-2.
            '\'' if matches!(rest.as_bytes().get(1..3), Some(b"re" | b"ve" | b"ll")) => 3,
            '\'' if matches!(rest.as_bytes().get(1), Some(b's' | b't' | b'm' | b'd')) => 2,
            _ => {
                // 2. An optional space then a run of one class.
                let (lead, body) = if c == ' ' {
                    (1, chars.next())
                } else {
                    (0, Some(c))
                };
                match body {
                    Some(b) if is_letter(b) => lead + run_len(&rest[lead..], is_letter),
                    Some(b) if is_number(b) => lead + run_len(&rest[lead..], is_number),
                    Some(b) if is_other(b) => lead + run_len(&rest[lead..], is_other),
                    _ => {
                        // 3. Whitespace: the run, minus its last char when a non-space follows
                        //    (that char then leads the next piece), but at least one char.
                        let ws = run_len(rest, char::is_whitespace);
                        if ws == rest.len() {
                            ws
                        } else {
                            let last = rest[..ws].chars().next_back().map_or(1, char::len_utf8);
                            if ws > last {
                                ws - last
                            } else {
                                ws
                            }
                        }
                    }
                }
            }
        };
        let piece = &rest[..len];
        self.pos += len;
        Some(piece)
    }
}

/// Counts words across threads. Feed it files and/or batches, then take the counts.
#[derive(Debug)]
pub struct WordCounter {
    splitter: WordSplitter,
    counts: WordCounts,
    sequences: u64,
}

impl WordCounter {
    pub fn new(splitter: WordSplitter) -> Self {
        Self {
            splitter,
            counts: WordCounts::default(),
            sequences: 0,
        }
    }

    pub fn splitter(&self) -> &WordSplitter {
        &self.splitter
    }

    /// Number of sequences (lines or batch items) seen so far.
    pub fn sequences(&self) -> u64 {
        self.sequences
    }

    /// Counts the words of every sequence of `batch`, in parallel.
    pub fn feed_batch<S: AsRef<str> + Sync>(&mut self, batch: &[S]) -> Result<()> {
        let counts = count_sequences(&self.splitter, batch)?;
        merge_into(&mut self.counts, counts);
        self.sequences += batch.len() as u64;
        Ok(())
    }

    /// Adds counts computed elsewhere (e.g. by `count_sequences` on another thread).
    pub fn merge_counts(&mut self, counts: WordCounts, sequences: u64) {
        merge_into(&mut self.counts, counts);
        self.sequences += sequences;
    }

    /// Streams each file line by line (lines keep their `\n`) and counts their words.
    /// Progress is reported in bytes over the total size of all files.
    pub fn feed_files<P: AsRef<str>>(&mut self, paths: &[P], progress: ProgressFn) -> Result<()> {
        let mut total = 0u64;
        for p in paths {
            let path = p.as_ref();
            let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
            if meta.is_dir() {
                return Err(Error::Io {
                    path: path.to_owned(),
                    message: "is a directory; expected a text file".to_owned(),
                });
            }
            total += meta.len();
        }
        let mut done = 0u64;
        progress(Progress {
            stage: "count words",
            current: 0,
            total,
        });
        for p in paths {
            let path = p.as_ref();
            let mut file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
            let size = file
                .metadata()
                .map(|m| m.len() as usize)
                .unwrap_or(BLOCK_BYTES);
            // `carry` holds the tail of the previous block after its last newline.
            let mut carry: Vec<u8> = Vec::new();
            let mut offset = 0usize; // file offset of carry[0]
            loop {
                let mut block = std::mem::take(&mut carry);
                let start_len = block.len();
                // Small files get a buffer of their size (+1 to see the end), big ones blocks.
                let want = BLOCK_BYTES
                    .min(size.saturating_sub(offset + start_len) + 1)
                    .max(1);
                block.resize(start_len + want, 0);
                let n = read_full(&mut file, &mut block[start_len..])
                    .map_err(|e| io_error(path, &e))?;
                block.truncate(start_len + n);
                let eof = n == 0;
                let cut = if eof {
                    block.len()
                } else {
                    match block.iter().rposition(|&b| b == b'\n') {
                        Some(i) => i + 1,
                        None => block.len(), // a very long line: take it whole later
                    }
                };
                if !eof && cut == block.len() && !block.ends_with(b"\n") {
                    // No newline in the whole block: keep reading into it.
                    carry = block;
                    continue;
                }
                carry = block.split_off(cut);
                let text = std::str::from_utf8(&block).map_err(|e| Error::InvalidUtf8 {
                    path: path.to_owned(),
                    byte: offset + e.valid_up_to(),
                })?;
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                self.feed_batch(&lines)?;
                offset += block.len();
                done += block.len() as u64;
                progress(Progress {
                    stage: "count words",
                    current: done,
                    total,
                });
                if eof {
                    break;
                }
            }
        }
        Ok(())
    }

    /// The counts; an error if the corpus produced no word at all.
    pub fn into_counts(self) -> Result<WordCounts> {
        self.ensure_words()?;
        Ok(self.counts)
    }

    /// The counts so far; an error if the corpus produced no word at all.
    pub fn ensure_words(&self) -> Result<&WordCounts> {
        if self.counts.is_empty() {
            return Err(Error::InvalidConfig {
                field: "corpus".to_owned(),
                message: format!(
                    "the corpus has no words after normalization and pre-tokenization ({} \
                     sequences read); expected at least one non-empty line",
                    self.sequences
                ),
            });
        }
        Ok(&self.counts)
    }

    /// The counts so far, without the emptiness check.
    pub fn counts(&self) -> &WordCounts {
        &self.counts
    }
}

fn io_error(path: &str, e: &std::io::Error) -> Error {
    Error::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Counts the words of `sequences` on all cores: one map per rayon task, then merged.
pub fn count_sequences<S: AsRef<str> + Sync>(
    splitter: &WordSplitter,
    sequences: &[S],
) -> Result<WordCounts> {
    // Chunks big enough that per-task maps stay few, small enough to balance two cores.
    let chunk = (sequences.len() / (4 * rayon::current_num_threads()).max(1)).max(256);
    sequences
        .par_chunks(chunk)
        .map(|part| {
            let mut counts = WordCounts::default();
            for s in part {
                splitter.for_each_word(s.as_ref(), &mut |w| {
                    if let Some(c) = counts.get_mut(w) {
                        *c += 1;
                    } else {
                        counts.insert(w.to_owned(), 1);
                    }
                })?;
            }
            Ok(counts)
        })
        .try_reduce(WordCounts::default, |mut a, b| {
            if a.len() < b.len() {
                let mut b = b;
                merge_into(&mut b, a);
                return Ok(b);
            }
            merge_into(&mut a, b);
            Ok(a)
        })
}

fn merge_into(into: &mut WordCounts, from: WordCounts) {
    for (w, c) in from {
        *into.entry(w).or_insert(0) += c;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn byte_level(text: &str) -> Vec<String> {
        WordSplitter::new(
            None,
            PreTokenization::ByteLevel {
                add_prefix_space: false,
            },
        )
        .words(text)
        .unwrap_or_default()
    }

    #[test]
    fn byte_level_splits_like_gpt2() {
        assert_eq!(
            byte_level("Hello, world! It's  2024\n"),
            vec!["Hello", ",", "Ġworld", "!", "ĠIt", "'s", "Ġ", "Ġ2024", "Ċ"]
        );
        // `\s+(?!\S)` takes the run but its last char, which then leads " b".
        assert_eq!(byte_level("a  \n b"), vec!["a", "ĠĠĊ", "Ġb"]);
        assert_eq!(byte_level("x 'll"), vec!["x", "Ġ'", "ll"]);
        assert_eq!(byte_level("héllo"), vec!["hÃ©llo"]);
    }

    #[test]
    fn bert_ascii_fast_path_equals_the_components() {
        let fast = WordSplitter::new(
            Some(NormalizerWrapper::BertNormalizer(
                crate::normalizers::BertNormalizer::default(),
            )),
            PreTokenization::Core(PreTokenizerWrapper::BertPreTokenizer(Default::default())),
        );
        for text in [
            "Hello,\tWORLD! a\u{1}b  it's $3.50\r\n(x)\u{7f}~",
            "\u{201c}Whale\u{2014}ho!\u{201d} said Ahab\u{2019}s MATE \u{200b}x \u{4e2d}\u{6587} \u{fb01} \u{130} \u{3a9}",
            "\u{c9}mile \u{e0} l\u{2019}\u{e9}cole\u{a0}na\u{ef}ve",
        ] {
            let mut slow = Vec::new();
            let mut n = NormalizedString::from(text);
            if let Some(x) = fast.normalizer.as_ref() {
                x.normalize(&mut n).unwrap_or(());
            }
            if let PreTokenization::Core(p) = &fast.pre_tokenization {
                for s in p.pre_tokenize(vec![Split::from(n)]).unwrap_or_default() {
                    slow.push(s.normalized);
                }
            }
            assert_eq!(fast.words(text).unwrap_or_default(), slow, "{text}");
        }
    }

    #[test]
    fn metaspace_prepends_and_splits() {
        let s = WordSplitter::new(
            None,
            PreTokenization::Metaspace {
                replacement: '▁',
                prepend_scheme: PrependScheme::Always,
                split: true,
            },
        );
        assert_eq!(
            s.words("Hey  you\n").unwrap_or_default(),
            vec!["▁Hey", "▁", "▁you\n"]
        );
    }

    #[test]
    fn counts_batches_and_reports_empty() {
        let s = WordSplitter::new(
            None,
            PreTokenization::Metaspace {
                replacement: '▁',
                prepend_scheme: PrependScheme::Never,
                split: true,
            },
        );
        let mut c = WordCounter::new(s.clone());
        c.feed_batch(&["a b", "b"]).unwrap_or(());
        assert_eq!(c.counts().get("b"), Some(&1));
        assert_eq!(c.counts().get("▁b"), Some(&1));
        let empty = WordCounter::new(s);
        assert!(matches!(
            empty.into_counts(),
            Err(Error::InvalidConfig { .. })
        ));
    }
}
