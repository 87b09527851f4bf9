//! A string being normalized, with the map from each of its bytes back to the original.

use unicode_normalization::UnicodeNormalization;

/// A `[start, end)` range.
pub type Offsets = (usize, usize);

/// The original text, its normalized form, and for each byte of the normalized form the byte
/// range of the original it came from (`alignments.len() == normalized.len()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedString {
    original: String,
    normalized: String,
    alignments: Vec<Offsets>,
}

impl From<&str> for NormalizedString {
    fn from(s: &str) -> Self {
        Self::with_base(s, 0)
    }
}

impl NormalizedString {
    /// A piece of a larger input that starts at byte `base` of it: alignments point into the
    /// larger input.
    pub fn with_base(s: &str, base: usize) -> Self {
        // Identity alignment: each byte of a char points at the whole char.
        let mut alignments = Vec::with_capacity(s.len());
        for (start, c) in s.char_indices() {
            let (start, end) = (base + start, base + start + c.len_utf8());
            alignments.extend(std::iter::repeat((start, end)).take(c.len_utf8()));
        }
        Self {
            original: s.to_owned(),
            normalized: s.to_owned(),
            alignments,
        }
    }

    pub fn original(&self) -> &str {
        &self.original
    }

    pub fn get(&self) -> &str {
        &self.normalized
    }

    /// Per normalized byte, the original byte range it comes from.
    pub fn alignments(&self) -> &[Offsets] {
        &self.alignments
    }

    pub fn into_parts(self) -> (String, Vec<Offsets>) {
        (self.normalized, self.alignments)
    }

    /// Rewrites the whole normalized string from `dest`, one `(char, change)` per output char:
    /// - `0`: the char replaces the next char of the current string;
    /// - `1`: the char is inserted, and shares the alignment of the char before it;
    /// - `-n`: the char replaces the next char, and the `n` chars after that are removed.
    ///
    /// `initial_offset` chars at the very start are removed before `dest` applies. These are
    /// HF's `NormalizedString::transform` semantics, so offsets match HF's exactly.
    pub fn transform<I>(&mut self, dest: I, initial_offset: usize)
    where
        I: IntoIterator<Item = (char, isize)>,
    {
        let old = std::mem::take(&mut self.normalized);
        let mut old_chars = old.chars();
        // Byte cursor into `old` (and so into `self.alignments`).
        let mut cursor: usize = (&mut old_chars)
            .take(initial_offset)
            .map(char::len_utf8)
            .sum();
        let mut normalized = String::with_capacity(old.len());
        let mut alignments = Vec::with_capacity(self.alignments.len());
        for (c, change) in dest {
            let align = if change > 0 {
                // Inserted: borrow the previous byte's alignment (or an empty one at the start).
                if cursor == 0 {
                    (0, 0)
                } else {
                    self.alignments[cursor - 1]
                }
            } else {
                self.alignments.get(cursor).copied().unwrap_or_else(|| {
                    // Replacing past the end cannot come from a well-formed `dest`; align the
                    // char with the end of the original rather than panicking.
                    let end = self.original.len();
                    (end, end)
                })
            };
            if change <= 0 {
                cursor += old_chars.next().map_or(0, char::len_utf8);
            }
            if change < 0 {
                cursor += (&mut old_chars)
                    .take(change.unsigned_abs())
                    .map(char::len_utf8)
                    .sum::<usize>();
            }
            normalized.push(c);
            alignments.extend(std::iter::repeat(align).take(c.len_utf8()));
        }
        self.normalized = normalized;
        self.alignments = alignments;
    }

    /// Replaces each char by `f(c)`, one for one, unless `f` returns `None` for some char:
    /// then nothing changes and the result is false. Each new char keeps the alignment of the
    /// char it replaces (as `transform` with change 0).
    pub fn try_map<F: FnMut(char) -> Option<char>>(&mut self, mut f: F) -> bool {
        let mut out = String::with_capacity(self.normalized.len());
        let mut same_len = true;
        for c in self.normalized.chars() {
            let Some(m) = f(c) else {
                return false;
            };
            same_len &= m.len_utf8() == c.len_utf8();
            out.push(m);
        }
        if !same_len {
            // Per new byte, the alignment of the first byte of the char it replaces.
            let mut al = Vec::with_capacity(out.len());
            for ((i, _), m) in self.normalized.char_indices().zip(out.chars()) {
                let a = self.alignments.get(i).copied().unwrap_or_default();
                al.extend(std::iter::repeat_n(a, m.len_utf8()));
            }
            self.alignments = al;
        }
        self.normalized = out;
        true
    }

    /// Keeps only the chars for which `keep` is true.
    pub fn filter<F: Fn(char) -> bool>(&mut self, keep: F) -> &mut Self {
        // Walk backwards so each kept char can absorb the removed run that follows it.
        let mut removed: usize = 0;
        let mut out: Vec<(char, isize)> = Vec::with_capacity(self.normalized.len());
        for c in self.normalized.chars().rev() {
            if keep(c) {
                out.push((c, -(removed as isize)));
                removed = 0;
            } else {
                removed += 1;
            }
        }
        out.reverse();
        self.transform(out, removed);
        self
    }

    /// Replaces each char by `f(c)`, one for one.
    pub fn map<F: Fn(char) -> char>(&mut self, f: F) -> &mut Self {
        let out: Vec<(char, isize)> = self.normalized.chars().map(|c| (f(c), 0)).collect();
        self.transform(out, 0);
        self
    }

    /// Unicode lowercase; a char that lowercases to several chars inserts the extra ones.
    pub fn lowercase(&mut self) -> &mut Self {
        let mut out: Vec<(char, isize)> = Vec::with_capacity(self.normalized.len());
        for c in self.normalized.chars() {
            for (i, lc) in c.to_lowercase().enumerate() {
                out.push((lc, isize::from(i > 0)));
            }
        }
        self.transform(out, 0);
        self
    }

    /// Canonical decomposition (NFD).
    pub fn nfd(&mut self) -> &mut Self {
        // Fast path: ASCII is its own NFD.
        if self.normalized.is_ascii() {
            return self;
        }
        // 1. Per char: its decomposition, the first char replacing it and the rest inserted
        //    (Hangul syllables -> jamo all point at their syllable, as HF).
        let mut out: Vec<(char, isize)> = Vec::with_capacity(self.normalized.len());
        for c in self.normalized.chars() {
            let mut first = true;
            unicode_normalization::char::decompose_canonical(c, |d| {
                out.push((d, isize::from(!first)));
                first = false;
            });
        }
        // 2. Canonical reordering of combining marks across chars changes the order: then
        //    align by starter groups instead.
        let full: String = self.normalized.nfd().collect();
        if !out.iter().map(|(c, _)| *c).eq(full.chars()) {
            out = with_changes(&self.normalized, full.chars());
        }
        self.transform(out, 0);
        self
    }

    /// NFC / NFKC / NFKD (`nfd` above is NFD): the chars with HF's alignment changes (see
    /// `unicode_changes`).
    pub fn unicode_normalize(&mut self, form: UnicodeForm) -> &mut Self {
        if self.normalized.is_ascii() {
            return self;
        }
        let out = unicode_changes(&self.normalized, form);
        self.transform(out, 0);
        self
    }

    /// Removes leading and/or trailing whitespace; the chars kept keep their alignment.
    pub fn strip(&mut self, left: bool, right: bool) -> &mut Self {
        let n = self.normalized.chars().count();
        let lead = if left {
            self.normalized
                .chars()
                .take_while(|c| c.is_whitespace())
                .count()
        } else {
            0
        };
        let trail = if right && lead < n {
            self.normalized
                .chars()
                .rev()
                .take_while(|c| c.is_whitespace())
                .count()
        } else {
            0
        };
        if lead == 0 && trail == 0 {
            return self;
        }
        let keep_end = n.saturating_sub(trail).max(lead);
        let mut i = 0usize;
        let mut out: Vec<(char, isize)> = Vec::with_capacity(n);
        for c in self.normalized.chars() {
            if i >= lead && i < keep_end {
                out.push((c, 0));
            }
            i += 1;
        }
        self.transform(out, lead);
        self
    }

    /// Prepends `s` (when not empty): its chars take the alignment of the first char, as HF's
    /// `prepend`.
    pub fn prepend(&mut self, s: &str) -> &mut Self {
        if let Some(&first) = self.alignments.first() {
            let mut al = Vec::with_capacity(self.alignments.len() + s.len());
            al.extend(std::iter::repeat(first).take(s.len()));
            al.extend_from_slice(&self.alignments);
            self.alignments = al;
            self.normalized.insert_str(0, s);
        }
        self
    }

    /// Replaces each `[start, end)` byte range of `matches` (sorted, disjoint) by `content`;
    /// the content's chars align with the last char of what they replace (HF's `replace`:
    /// insertions after a removal share the previous byte's alignment).
    pub fn replace_ranges(&mut self, matches: &[(usize, usize)], content: &str) -> &mut Self {
        if matches.is_empty() {
            return self;
        }
        let mut normalized = String::with_capacity(self.normalized.len());
        let mut alignments = Vec::with_capacity(self.alignments.len());
        let mut last = 0;
        for &(start, end) in matches {
            normalized.push_str(&self.normalized[last..start]);
            alignments.extend_from_slice(&self.alignments[last..start]);
            let align = if end == 0 {
                (0, 0)
            } else {
                self.alignments[end - 1]
            };
            normalized.push_str(content);
            alignments.extend(std::iter::repeat(align).take(content.len()));
            last = end;
        }
        normalized.push_str(&self.normalized[last..]);
        alignments.extend_from_slice(&self.alignments[last..]);
        self.normalized = normalized;
        self.alignments = alignments;
        self
    }

    /// Byte offsets of `[start, end)` (normalized bytes) in the original string.
    pub fn original_offsets(&self, start: usize, end: usize) -> Option<Offsets> {
        if start >= end {
            return None;
        }
        let first = self.alignments.get(start)?;
        let last = self.alignments.get(end - 1)?;
        Some((first.0, last.1))
    }
}

/// The Unicode normalization forms besides NFD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnicodeForm {
    Nfc,
    Nfkc,
    Nfkd,
}

/// `(char, change)` pairs for `transform` that normalize `s`, tracking where each output char
/// comes from as HF's alignment-aware normalization does:
/// 1. decompose each char (canonically, or by compatibility): the first char of a
///    decomposition replaces its source, the others are insertions (+1);
/// 2. reorder runs of combining marks by combining class (stable), changes travel with chars;
/// 3. (NFC/NFKC) compose each char into the last starter it is not blocked from: the
///    starter absorbs what the removed char consumed.
/// If the result differs from the reference normalization (which it should not), falls back
/// to aligning by starter groups.
pub(crate) fn unicode_changes(s: &str, form: UnicodeForm) -> Vec<(char, isize)> {
    use unicode_normalization::char::{
        canonical_combining_class as ccc, compose, decompose_canonical, decompose_compatible,
    };
    // Originals consumed by a char with change `c`, and back.
    fn consumed(c: isize) -> isize {
        if c > 0 {
            0
        } else {
            1 - c
        }
    }
    fn change(k: isize) -> isize {
        if k == 0 {
            1
        } else {
            1 - k
        }
    }
    // 1. Decompose.
    let mut d: Vec<(char, isize)> = Vec::with_capacity(s.len());
    for c in s.chars() {
        let mut first = true;
        let mut push = |x: char| {
            d.push((x, isize::from(!first)));
            first = false;
        };
        match form {
            UnicodeForm::Nfc => decompose_canonical(c, &mut push),
            UnicodeForm::Nfkc | UnicodeForm::Nfkd => decompose_compatible(c, &mut push),
        }
    }
    // 2. Canonical ordering within each run of non-starters.
    let mut i = 0;
    while i < d.len() {
        if ccc(d[i].0) == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < d.len() && ccc(d[i].0) != 0 {
            i += 1;
        }
        d[start..i].sort_by_key(|(c, _)| ccc(*c));
    }
    // 3. Compose.
    let out = if form == UnicodeForm::Nfkd {
        d
    } else {
        let mut out: Vec<(char, isize)> = Vec::with_capacity(d.len());
        let mut starter: Option<usize> = None;
        // Combining class of the last char kept since the starter (None: adjacent).
        let mut last_class: Option<u8> = None;
        for (c, ch) in d {
            let class = ccc(c);
            if let Some(si) = starter {
                let blocked = match last_class {
                    None => false,
                    Some(l) => l == 0 || l >= class || class == 0,
                };
                if !blocked {
                    if let Some(comp) = compose(out[si].0, c) {
                        let k = consumed(out[si].1) + consumed(ch);
                        out[si] = (comp, change(k));
                        continue;
                    }
                }
            }
            if class == 0 {
                starter = Some(out.len());
                last_class = None;
            } else {
                last_class = Some(class);
            }
            out.push((c, ch));
        }
        out
    };
    let reference: String = match form {
        UnicodeForm::Nfc => unicode_normalization::UnicodeNormalization::nfc(s).collect(),
        UnicodeForm::Nfkc => unicode_normalization::UnicodeNormalization::nfkc(s).collect(),
        UnicodeForm::Nfkd => unicode_normalization::UnicodeNormalization::nfkd(s).collect(),
    };
    if out.iter().map(|(c, _)| *c).eq(reference.chars()) {
        out
    } else {
        with_changes(s, reference.chars())
    }
}

/// Turns a normalization of `before` into `(char, change)` pairs for `transform`, matching
/// HF: composed/decomposed chars are aligned by walking both strings char by char within each
/// stable run (a char plus its combining marks).
pub(crate) fn with_changes<I: Iterator<Item = char>>(before: &str, after: I) -> Vec<(char, isize)> {
    // Group both sides by "starter" (a char with canonical combining class 0): normalization
    // never moves text across a starter, so groups correspond one to one.
    let mut out = Vec::new();
    let before_groups = group_by_starter(before.chars());
    let after_groups = group_by_starter(after);
    let mut bi = before_groups.into_iter();
    for ag in after_groups {
        let bg = bi.next().unwrap_or_default();
        let (nb, na) = (bg.len() as isize, ag.len() as isize);
        for (i, c) in ag.into_iter().enumerate() {
            let i = i as isize;
            let change = if na >= nb {
                // Decomposition: the first nb chars replace, the rest are insertions.
                isize::from(i >= nb)
            } else if i == na - 1 {
                // Composition: the last char also swallows the surplus originals.
                -(nb - na)
            } else {
                0
            };
            out.push((c, change));
        }
    }
    out
}

fn group_by_starter<I: Iterator<Item = char>>(chars: I) -> Vec<Vec<char>> {
    use unicode_normalization::char::canonical_combining_class;
    let mut groups: Vec<Vec<char>> = Vec::new();
    for c in chars {
        match groups.last_mut() {
            Some(g) if canonical_combining_class(c) != 0 => g.push(c),
            _ => groups.push(vec![c]),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_keeps_alignment_to_original() {
        let mut n = NormalizedString::from("a\u{0}b");
        n.filter(|c| c != '\u{0}');
        assert_eq!(n.get(), "ab");
        assert_eq!(n.alignments(), &[(0, 1), (2, 3)]);
    }

    #[test]
    fn nfd_then_strip_marks_points_at_the_accented_char() {
        let mut n = NormalizedString::from("é!");
        n.nfd();
        assert_eq!(n.get(), "e\u{301}!");
        n.filter(|c| c != '\u{301}');
        assert_eq!(n.get(), "e!");
        // 'e' still covers the 2-byte 'é', '!' its own byte.
        assert_eq!(n.alignments(), &[(0, 2), (2, 3)]);
    }

    #[test]
    fn lowercase_expansion_inserts() {
        // U+0130 (İ) lowercases to "i\u{307}".
        let mut n = NormalizedString::from("İx");
        n.lowercase();
        assert_eq!(n.get(), "i\u{307}x");
        assert_eq!(n.original_offsets(0, n.get().len()), Some((0, 3)));
    }
}
