//! A byte trie over the vocabulary, for the lattice's "which pieces start here" query.

/// One trie node: its children sorted by byte, and the piece id ending here (if any).
#[derive(Debug, Clone, Default)]
struct Node {
    children: Vec<(u8, u32)>,
    id: Option<u32>,
}

/// Byte trie of the pieces. Node 0 is the root; the root's children are also kept in a
/// 256-entry table, since every lattice position starts there.
#[derive(Debug, Clone)]
pub(crate) struct Trie {
    nodes: Vec<Node>,
    root: Box<[u32; 256]>,
}

impl Default for Trie {
    fn default() -> Self {
        Self {
            nodes: vec![Node::default()],
            root: Box::new([0; 256]),
        }
    }
}

impl Trie {
    /// Inserts `piece` with `id`; inserting the same piece again overwrites its id (as HF's
    /// token -> id map, where the last duplicate wins).
    pub(crate) fn insert(&mut self, piece: &[u8], id: u32) {
        let mut node = 0usize;
        for &b in piece {
            let found = match self.nodes[node].children.binary_search_by_key(&b, |c| c.0) {
                Ok(i) => self.nodes[node].children[i].1,
                Err(i) => {
                    let next = self.nodes.len() as u32;
                    self.nodes.push(Node::default());
                    self.nodes[node].children.insert(i, (b, next));
                    if node == 0 {
                        self.root[usize::from(b)] = next;
                    }
                    next
                }
            };
            node = found as usize;
        }
        self.nodes[node].id = Some(id);
    }

    /// Calls `f(len, id)` for every piece that is a prefix of `text`, shortest first.
    #[inline]
    pub(crate) fn common_prefix_search<F: FnMut(usize, u32)>(&self, text: &[u8], mut f: F) {
        let Some((&first, rest)) = text.split_first() else {
            return;
        };
        let mut node = self.root[usize::from(first)] as usize;
        if node == 0 {
            return;
        }
        if let Some(id) = self.nodes[node].id {
            f(1, id);
        }
        for (i, &b) in rest.iter().enumerate() {
            let children = &self.nodes[node].children;
            match children.binary_search_by_key(&b, |c| c.0) {
                Ok(j) => node = children[j].1 as usize,
                Err(_) => return,
            }
            if let Some(id) = self.nodes[node].id {
                f(i + 2, id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_prefix_shortest_first() {
        let mut t = Trie::default();
        t.insert(b"a", 0);
        t.insert(b"ab", 1);
        t.insert(b"abc", 2);
        t.insert(b"b", 3);
        let mut got = Vec::new();
        t.common_prefix_search(b"abd", |len, id| got.push((len, id)));
        assert_eq!(got, vec![(1, 0), (2, 1)]);
        got.clear();
        t.common_prefix_search(b"", |len, id| got.push((len, id)));
        t.common_prefix_search(b"zz", |len, id| got.push((len, id)));
        assert!(got.is_empty());
    }

    #[test]
    fn duplicate_piece_keeps_last_id() {
        let mut t = Trie::default();
        t.insert(b"x", 0);
        t.insert(b"x", 7);
        let mut got = Vec::new();
        t.common_prefix_search(b"x", |len, id| got.push((len, id)));
        assert_eq!(got, vec![(1, 7)]);
    }
}
