//! Read answers already rendered (the bytes of a JSON body), by request, filed under the wiki
//! generation they were read at ([`crate::db::generation`]). Only the current generation's
//! answers are kept: once the wiki changes, every answer of before is useless, so they are
//! dropped at once rather than aged out. Bounded in bytes; the oldest answers go first.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use bytes::Bytes;

/// What an entry costs beyond its key and answer (the map's and the queue's share).
const ENTRY_OVERHEAD: usize = 96;

/// Rendered answers of one generation: the one last asked for.
#[derive(Debug)]
pub struct ReadCache {
    limit: usize,
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    generation: i64,
    answers: HashMap<String, Bytes>,
    /// Keys in the order they were filed, for evicting the oldest first.
    filed: VecDeque<String>,
    bytes: usize,
}

impl Held {
    /// Holds `generation`'s answers from now on, dropping every other.
    fn switch_to(&mut self, generation: i64) {
        *self = Self {
            generation,
            ..Self::default()
        };
    }
}

fn cost(key: &str, answer: &Bytes) -> usize {
    key.len() + answer.len() + ENTRY_OVERHEAD
}

impl ReadCache {
    /// A cache holding at most `limit` bytes of answers; 0 keeps none.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            held: Mutex::new(Held::default()),
        }
    }

    /// Whether answers are kept at all.
    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    /// The answer to `key` read at `generation`, if one was filed.
    pub fn get(&self, generation: i64, key: &str) -> Option<Bytes> {
        if !self.enabled() {
            return None;
        }
        let mut held = self.lock();
        if held.generation != generation {
            // Newer: the wiki changed. Older only when the database itself was replaced (a
            // reader that read the generation just before a change asks rarely enough to
            // cost nothing but a cleared cache).
            held.switch_to(generation);
            return None;
        }
        held.answers.get(key).cloned()
    }

    /// Files `answer` to `key`, read at `generation` (read before the answer was). An answer
    /// of a generation older than one already seen is dropped; one larger than an eighth of
    /// the cache is not kept (it would push out many others).
    pub fn put(&self, generation: i64, key: String, answer: Bytes) {
        let size = cost(&key, &answer);
        if !self.enabled() || size > self.limit / 8 {
            return;
        }
        let mut held = self.lock();
        if generation < held.generation {
            return;
        }
        if generation > held.generation {
            held.switch_to(generation);
        }
        if let Some(old) = held.answers.remove(&key) {
            held.bytes -= cost(&key, &old);
            held.filed.retain(|k| k != &key);
        }
        while held.bytes + size > self.limit {
            let Some(oldest) = held.filed.pop_front() else {
                break;
            };
            if let Some(old) = held.answers.remove(&oldest) {
                held.bytes -= cost(&oldest, &old);
            }
        }
        held.bytes += size;
        held.filed.push_back(key.clone());
        held.answers.insert(key, answer);
    }

    /// Bytes held now (keys, answers and bookkeeping).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    #[test]
    fn an_answer_is_served_only_for_the_generation_it_was_read_at() {
        let cache = ReadCache::new(1 << 20);
        cache.put(3, "/a".into(), answer(10));
        assert_eq!(cache.get(3, "/a"), Some(answer(10)));
        assert_eq!(cache.get(3, "/b"), None);
        // The wiki changed: the answer is gone, and memory with it.
        assert_eq!(cache.get(4, "/a"), None);
        assert_eq!(cache.bytes(), 0);
        // A slow reader that read generation 3 cannot file its answer any more.
        cache.put(3, "/a".into(), answer(10));
        assert_eq!(cache.get(4, "/a"), None);
        cache.put(4, "/a".into(), answer(12));
        assert_eq!(cache.get(4, "/a"), Some(answer(12)));
        // A database put back to an earlier state counts lower: the cache follows it.
        assert_eq!(cache.get(2, "/a"), None);
        cache.put(2, "/a".into(), answer(7));
        assert_eq!(cache.get(2, "/a"), Some(answer(7)));
    }

    #[test]
    fn the_cache_stays_within_its_bytes_dropping_the_oldest_answers_first() {
        let each = 3 + 100 + ENTRY_OVERHEAD;
        let cache = ReadCache::new(8 * each);
        for i in 0..20 {
            cache.put(1, format!("/{i:02}"), answer(100));
            assert!(cache.bytes() <= 8 * each, "{} bytes", cache.bytes());
        }
        // Eight fit: the last eight filed.
        assert_eq!(cache.get(1, "/11"), None);
        assert_eq!(cache.get(1, "/12"), Some(answer(100)));
        assert_eq!(cache.get(1, "/19"), Some(answer(100)));
        // Filing a key again replaces its answer rather than counting it twice.
        cache.put(1, "/19".into(), answer(50));
        assert_eq!(cache.get(1, "/19"), Some(answer(50)));
        assert_eq!(cache.bytes(), 7 * each + 3 + 50 + ENTRY_OVERHEAD);
    }

    #[test]
    fn an_answer_too_large_for_its_share_or_a_disabled_cache_keeps_nothing() {
        let cache = ReadCache::new(8_000);
        cache.put(1, "/big".into(), answer(1_000));
        assert_eq!(cache.get(1, "/big"), None);
        let off = ReadCache::new(0);
        assert!(!off.enabled());
        off.put(1, "/a".into(), answer(1));
        assert_eq!(off.get(1, "/a"), None);
    }
}
