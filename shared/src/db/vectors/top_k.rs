//! The `k` best of a stream of scored passages, in memory bounded by `k`: the exact scan's
//! ranking when the database has no vector index.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::best_first;

/// The `k` best `(id, similarity)` pairs offered, kept in a heap of `k` whose top is the
/// worst kept.
pub(super) struct TopK {
    k: usize,
    heap: BinaryHeap<Ranked>,
}

/// A passage ordered by [`best_first`]: the better one is the lesser.
#[derive(PartialEq)]
struct Ranked((i64, f32));

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        best_first(&self.0, &other.0)
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
        self.heap.push(Ranked((id, similarity)));
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    /// Best first.
    pub(super) fn into_sorted(self) -> Vec<(i64, f32)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.0)
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
