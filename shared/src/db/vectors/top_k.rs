//! The `k` best of a stream of scored passages, in memory bounded by `k`: the exact scan's
//! ranking when the database has no vector index.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The `k` best `(id, similarity)` pairs offered, kept in a heap of `k`.
pub(super) struct TopK {
    k: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

/// A similarity ordered best first, ties by lower id.
#[derive(PartialEq)]
struct Ranked(f32, i64);

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
    }
}

impl TopK {
    pub(super) fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    pub(super) fn offer(&mut self, id: i64, similarity: f32) {
        self.heap.push(Reverse(Ranked(similarity, id)));
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    /// Best first.
    pub(super) fn into_sorted(self) -> Vec<(i64, f32)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(Ranked(similarity, id))| (id, similarity))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::TopK;

    #[test]
    fn the_best_k_are_kept_best_first_ties_by_lower_id() {
        let mut best = TopK::new(3);
        for (id, similarity) in [(1, 0.2), (2, 0.9), (3, -0.5), (4, 0.9), (5, 0.4), (6, 0.1)] {
            best.offer(id, similarity);
        }
        assert_eq!(best.into_sorted(), vec![(2, 0.9), (4, 0.9), (5, 0.4)]);
        let mut none = TopK::new(0);
        none.offer(1, 1.0);
        assert_eq!(none.into_sorted(), vec![]);
    }
}
