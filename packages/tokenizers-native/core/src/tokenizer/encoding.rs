//! The output of the pipeline: ids and everything aligned with them.

use super::Offsets;

/// Per token: id, type id, string, offsets into the original input (chars by default), word
/// index, special-token flag and attention flag; plus the overflowing parts cut by truncation
/// and which token range belongs to which input sequence. Field semantics follow HF's
/// `Encoding` exactly, including how merge / truncate / pad treat `sequence_ranges`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encoding {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    pub tokens: Vec<String>,
    pub words: Vec<Option<u32>>,
    pub offsets: Vec<Offsets>,
    pub special_tokens_mask: Vec<u32>,
    pub attention_mask: Vec<u32>,
    pub overflowing: Vec<Encoding>,
    /// `(sequence id, [start, end) token range)`, at most one entry per sequence id.
    pub sequence_ranges: Vec<(usize, (usize, usize))>,
}

/// Which end of a sequence loses tokens (truncation) or gains padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    Left,
    #[default]
    Right,
}

impl Encoding {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            ids: Vec::with_capacity(n),
            type_ids: Vec::with_capacity(n),
            tokens: Vec::with_capacity(n),
            words: Vec::with_capacity(n),
            offsets: Vec::with_capacity(n),
            special_tokens_mask: Vec::with_capacity(n),
            attention_mask: Vec::with_capacity(n),
            overflowing: Vec::new(),
            sequence_ranges: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Appends one ordinary (non-special, attended) token.
    pub fn push(
        &mut self,
        id: u32,
        token: String,
        offsets: Offsets,
        word: Option<u32>,
        type_id: u32,
    ) {
        self.ids.push(id);
        self.tokens.push(token);
        self.offsets.push(offsets);
        self.words.push(word);
        self.type_ids.push(type_id);
        self.special_tokens_mask.push(0);
        self.attention_mask.push(1);
    }

    fn set_range(&mut self, seq: usize, range: (usize, usize)) {
        match self.sequence_ranges.iter_mut().find(|(s, _)| *s == seq) {
            Some(entry) => entry.1 = range,
            None => self.sequence_ranges.push((seq, range)),
        }
    }

    /// Marks the whole encoding as sequence `seq`.
    pub fn set_sequence_id(&mut self, seq: usize) {
        let len = self.len();
        self.set_range(seq, (0, len));
    }

    pub fn set_sequence_ranges(&mut self, ranges: Vec<(usize, (usize, usize))>) {
        self.sequence_ranges = ranges;
    }

    /// Per token, the input sequence it comes from (`None` for tokens outside every range).
    /// With no recorded range, every token belongs to sequence 0.
    pub fn sequence_ids(&self) -> Vec<Option<u32>> {
        if self.sequence_ranges.is_empty() {
            return vec![Some(0); self.len()];
        }
        let mut out = vec![None; self.len()];
        let n = self.sequence_ranges.len();
        for seq in 0..n {
            let (start, end) = self
                .sequence_ranges
                .iter()
                .find(|(s, _)| *s == seq)
                .map_or((0, self.len()), |(_, r)| *r);
            for slot in out.iter_mut().take(end).skip(start) {
                *slot = Some(seq as u32);
            }
        }
        out
    }

    fn slice(&self, start: usize, stop: usize) -> Encoding {
        Encoding {
            ids: self.ids[start..stop].to_vec(),
            type_ids: self.type_ids[start..stop].to_vec(),
            tokens: self.tokens[start..stop].to_vec(),
            words: self.words[start..stop].to_vec(),
            offsets: self.offsets[start..stop].to_vec(),
            special_tokens_mask: self.special_tokens_mask[start..stop].to_vec(),
            attention_mask: self.attention_mask[start..stop].to_vec(),
            overflowing: Vec::new(),
            sequence_ranges: Vec::new(),
        }
    }

    /// Keeps `max_len` tokens; the rest goes to `overflowing` in windows of `max_len` that
    /// overlap by `stride` tokens. The caller guarantees `stride < max_len` when `max_len > 0`.
    pub fn truncate(&mut self, max_len: usize, stride: usize, direction: Direction) {
        let len = self.len();
        if max_len >= len {
            return;
        }
        if max_len == 0 {
            let whole = std::mem::take(self);
            self.overflowing.push(whole);
            return;
        }
        let step = max_len.saturating_sub(stride).max(1);
        // 1. The windows, first one kept, in the order HF produces them.
        let mut parts: Vec<(usize, usize)> = Vec::new();
        match direction {
            Direction::Right => {
                let mut start = 0;
                while start < len {
                    let stop = (start + max_len).min(len);
                    parts.push((start, stop));
                    if stop == len {
                        break;
                    }
                    start += step;
                }
            }
            Direction::Left => {
                // Stops walk down from `len` by `step`.
                let mut stop = len;
                loop {
                    let start = stop.saturating_sub(max_len);
                    parts.push((start, stop));
                    if start == 0 || stop <= step {
                        break;
                    }
                    stop -= step;
                }
            }
        }
        // 2. Cut; sequence ranges are lost, as in HF.
        let mut first = self.slice(parts[0].0, parts[0].1);
        first.overflowing = parts[1..].iter().map(|&(s, e)| self.slice(s, e)).collect();
        *self = first;
    }

    /// Appends `pair` (and combines the overflowing parts of both), as HF's `merge_with`.
    pub fn merge_with(&mut self, pair: Encoding, growing_offsets: bool) {
        let mut overflowings = Vec::new();
        for self_o in &self.overflowing {
            let mut n = self_o.clone();
            n.merge_with(pair.clone(), growing_offsets);
            overflowings.push(n);
            for other_o in &pair.overflowing {
                let mut n = self_o.clone();
                n.merge_with(other_o.clone(), growing_offsets);
                overflowings.push(n);
            }
        }
        for other_o in &pair.overflowing {
            let mut n = self.clone();
            n.merge_with(other_o.clone(), growing_offsets);
            overflowings.push(n);
        }
        let base = self.len();
        for (seq, (s, e)) in pair.sequence_ranges {
            self.set_range(seq, (base + s, base + e));
        }
        self.ids.extend(pair.ids);
        self.type_ids.extend(pair.type_ids);
        self.tokens.extend(pair.tokens);
        self.words.extend(pair.words);
        let shift = if growing_offsets {
            self.offsets.last().map_or(0, |o| o.1)
        } else {
            0
        };
        self.offsets.extend(
            pair.offsets
                .into_iter()
                .map(|(s, e)| (s + shift, e + shift)),
        );
        self.special_tokens_mask.extend(pair.special_tokens_mask);
        self.attention_mask.extend(pair.attention_mask);
        self.overflowing = overflowings;
    }

    /// Merges encodings in order, starting from an empty one.
    pub fn merge<I: IntoIterator<Item = Encoding>>(encodings: I, growing_offsets: bool) -> Self {
        let mut out = Encoding::default();
        for e in encodings {
            out.merge_with(e, growing_offsets);
        }
        out
    }

    /// Pads to `target` tokens (and every overflowing part too).
    pub fn pad(
        &mut self,
        target: usize,
        pad_id: u32,
        pad_type_id: u32,
        pad_token: &str,
        direction: Direction,
    ) {
        for o in &mut self.overflowing {
            o.pad(target, pad_id, pad_type_id, pad_token, direction);
        }
        let len = self.len();
        if len >= target {
            return;
        }
        let n = target - len;
        fn grow<T: Clone>(v: &mut Vec<T>, n: usize, value: T, left: bool) {
            if left {
                v.splice(0..0, std::iter::repeat(value).take(n));
            } else {
                v.extend(std::iter::repeat(value).take(n));
            }
        }
        let left = direction == Direction::Left;
        if left {
            // Sequence ranges move right with the content (as HF 0.23 does).
            for (_, (s, e)) in &mut self.sequence_ranges {
                *s += n;
                *e += n;
            }
        }
        grow(&mut self.ids, n, pad_id, left);
        grow(&mut self.type_ids, n, pad_type_id, left);
        grow(&mut self.tokens, n, pad_token.to_owned(), left);
        grow(&mut self.words, n, None, left);
        grow(&mut self.attention_mask, n, 0, left);
        grow(&mut self.special_tokens_mask, n, 1, left);
        grow(&mut self.offsets, n, (0, 0), left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(ids: &[u32]) -> Encoding {
        let mut e = Encoding::default();
        for (i, &id) in ids.iter().enumerate() {
            e.push(id, id.to_string(), (i, i + 1), Some(i as u32), 0);
        }
        e
    }

    #[test]
    fn truncate_right_with_stride() {
        let mut e = enc(&[1, 2, 3, 4, 5]);
        e.truncate(4, 2, Direction::Right);
        assert_eq!(e.ids, vec![1, 2, 3, 4]);
        assert_eq!(e.overflowing.len(), 1);
        assert_eq!(e.overflowing[0].ids, vec![3, 4, 5]);
    }

    #[test]
    fn truncate_left_windows() {
        let mut e = enc(&[1, 2, 3, 4, 5]);
        e.truncate(2, 0, Direction::Left);
        assert_eq!(e.ids, vec![4, 5]);
        let rest: Vec<Vec<u32>> = e.overflowing.iter().map(|o| o.ids.clone()).collect();
        assert_eq!(rest, vec![vec![2, 3], vec![1]]);
    }

    #[test]
    fn pad_left_and_merge_offsets() {
        let mut a = enc(&[1]);
        a.merge_with(enc(&[2]), true);
        assert_eq!(a.offsets, vec![(0, 1), (1, 2)]);
        a.pad(4, 0, 0, "[PAD]", Direction::Left);
        assert_eq!(a.ids, vec![0, 0, 1, 2]);
        assert_eq!(a.attention_mask, vec![0, 0, 1, 1]);
    }
}
