//! One word being merged: a doubly linked list of symbols over a flat array, and HF's merge
//! order (lowest merge rank first, leftmost first among equal ranks).

use super::MergeMap;
use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One symbol (a token id) of the word; `len == 0` marks a symbol merged into its left
/// neighbour. `prev`/`next` are indices into the symbol array (`usize::MAX` = none).
#[derive(Debug, Clone, Copy)]
pub(super) struct Symbol {
    pub id: u32,
    pub len: u32,
    prev: usize,
    next: usize,
}

const NONE: usize = usize::MAX;

/// A queued merge: `(rank, pos)` orders the heap (a min-heap through `Reverse`), `new_id`
/// detects entries made stale by an earlier merge.
type Queued = Reverse<(u32, usize, u32)>;

thread_local! {
    // Reused across words: a heap allocation per word would dominate short words.
    static HEAP: RefCell<BinaryHeap<Queued>> = const { RefCell::new(BinaryHeap::new()) };
    static SKIPPED: RefCell<Vec<Queued>> = const { RefCell::new(Vec::new()) };
    // Dropout's random stream: xorshift64*, one per thread, seeded with a fixed constant so a
    // run is reproducible (HF draws from an unseeded thread RNG; dropout output is random
    // there and never comparable).
    static RNG: Cell<u64> = const { Cell::new(0x9E37_79B9_7F4A_7C15) };
}

/// A uniform draw in [0, 1).
fn next_f32() -> f32 {
    RNG.with(|r| {
        let mut x = r.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r.set(x);
        // Top 24 bits -> [0, 1).
        ((x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / (1u32 << 24) as f32
    })
}

/// Re-seeds the calling thread's dropout stream.
pub fn seed_dropout(seed: u64) {
    RNG.with(|r| r.set(seed.max(1)));
}

#[derive(Debug, Clone, Default)]
pub(super) struct Word {
    pub symbols: Vec<Symbol>,
}

impl Word {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            symbols: Vec::with_capacity(n),
        }
    }

    /// Appends a symbol of `len` bytes.
    pub fn add(&mut self, id: u32, len: usize) {
        let n = self.symbols.len();
        let prev = if n == 0 { NONE } else { n - 1 };
        if let Some(last) = self.symbols.last_mut() {
            last.next = n;
        }
        self.symbols.push(Symbol {
            id,
            len: len as u32,
            prev,
            next: NONE,
        });
    }

    /// Applies merges until none applies: 1. queue every adjacent pair that has a merge;
    /// 2. pop the lowest (rank, position); with dropout, a popped merge is skipped with
    /// probability `dropout` (skipped ones return to the queue after the next merge);
    /// 3. drop stale entries (the pair at `pos` changed); 4. merge, queue the two new pairs.
    pub fn merge_all(&mut self, merges: &MergeMap, dropout: Option<f32>) {
        if self.symbols.len() < 2 {
            return;
        }
        HEAP.with(|heap| {
            SKIPPED.with(|skipped| {
                let mut heap = heap.borrow_mut();
                let mut skipped = skipped.borrow_mut();
                heap.clear();
                skipped.clear();
                for (pos, w) in self.symbols.windows(2).enumerate() {
                    if let Some(&(rank, new_id)) = merges.get(&(w[0].id, w[1].id)) {
                        heap.push(Reverse((rank, pos, new_id)));
                    }
                }
                let dropout = dropout.filter(|d| *d > 0.0);
                while let Some(top) = heap.pop() {
                    let Reverse((_, pos, new_id)) = top;
                    if let Some(d) = dropout {
                        if next_f32() < d {
                            skipped.push(top);
                            continue;
                        }
                    }
                    heap.extend(skipped.drain(..));
                    let cur = self.symbols[pos];
                    if cur.len == 0 || cur.next == NONE {
                        continue;
                    }
                    let right = self.symbols[cur.next];
                    match merges.get(&(cur.id, right.id)) {
                        Some(&(_, id)) if id == new_id => {}
                        _ => continue,
                    }
                    // Merge `right` into `cur`.
                    let right_pos = cur.next;
                    {
                        let s = &mut self.symbols[pos];
                        s.id = new_id;
                        s.len += right.len;
                        s.next = right.next;
                    }
                    self.symbols[right_pos].len = 0;
                    if right.next != NONE {
                        self.symbols[right.next].prev = pos;
                    }
                    let cur = self.symbols[pos];
                    if cur.prev != NONE {
                        let p = self.symbols[cur.prev];
                        if let Some(&(rank, id)) = merges.get(&(p.id, cur.id)) {
                            heap.push(Reverse((rank, cur.prev, id)));
                        }
                    }
                    if cur.next != NONE {
                        let n = self.symbols[cur.next];
                        if let Some(&(rank, id)) = merges.get(&(cur.id, n.id)) {
                            heap.push(Reverse((rank, pos, id)));
                        }
                    }
                }
            })
        });
        self.symbols.retain(|s| s.len != 0);
    }

    /// `(id, [start, end))` per remaining symbol, byte offsets in the word.
    pub fn tokens(&self) -> impl Iterator<Item = (u32, (usize, usize))> + '_ {
        let mut pos = 0usize;
        self.symbols.iter().map(move |s| {
            let start = pos;
            pos += s.len as usize;
            (s.id, (start, pos))
        })
    }
}
