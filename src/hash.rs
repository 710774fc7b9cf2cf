//! The hasher of envdef's internal maps and sets.
//!
//! std's default, SipHash-1-3, is built to resist collision attacks with a key nobody can
//! guess, and pays for it on every lookup of a name, a span or an id. foldhash is several
//! times faster on such short keys and still seeds itself per process (so no input can
//! be prepared to collide in every run). The types below are the std and `indexmap`
//! collections with foldhash: `IndexMap` wherever declaration order reaches the output,
//! `HashMap`/`HashSet` where it never does.

/// The hasher of every map below, seeded at random.
#[cfg(not(test))]
pub type FastState = foldhash::fast::RandomState;

/// In the library's own unit tests, one fixed seed: they compare whole structures (the
/// parse cache's test compares two compilations' `Debug` text), and two maps with the same
/// entries must not print them in two orders. Integration tests run the real, random one.
#[cfg(test)]
pub type FastState = foldhash::fast::FixedState;

/// A `HashMap` with foldhash. Build one with `FastHashMap::default()`.
pub type FastHashMap<K, V> = std::collections::HashMap<K, V, FastState>;

/// A `HashSet` with foldhash. Build one with `FastHashSet::default()`.
pub type FastHashSet<K> = std::collections::HashSet<K, FastState>;

/// An `IndexMap` (iteration in insertion order) with foldhash. Build one with
/// `FastIndexMap::default()`.
pub type FastIndexMap<K, V> = indexmap::IndexMap<K, V, FastState>;

/// A `HashMap` with foldhash, room made for `capacity` entries up front.
pub fn map_with_capacity<K, V>(capacity: usize) -> FastHashMap<K, V> {
    FastHashMap::with_capacity_and_hasher(capacity, FastState::default())
}

/// A process-wide memo of a pure function, for what every artifact of a compile would
/// otherwise compute again (a `matching` pattern translated for each service's schema).
/// Shared by the render threads; bounded, since a language server lives through many
/// edits: past `budget` bytes of results it stops remembering and only computes.
pub struct Memo<K, V> {
    inner: std::sync::Mutex<(FastHashMap<K, V>, usize)>,
    budget: usize,
}

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    /// An empty memo that keeps at most `budget` bytes of results (as `size` counts them).
    pub fn new(budget: usize) -> Memo<K, V> {
        Memo {
            inner: std::sync::Mutex::new((FastHashMap::default(), 0)),
            budget,
        }
    }

    /// The result for `key`: remembered, or `compute`d (outside the lock) and remembered
    /// while the budget lasts. `size` says how many bytes a result holds; a result whose
    /// size is `usize::MAX` is never remembered.
    pub fn get_or(&self, key: K, size: impl Fn(&V) -> usize, compute: impl FnOnce() -> V) -> V {
        // A panic elsewhere cannot leave a half-written entry: entries are inserted whole.
        let lock = || self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = lock().0.get(&key) {
            return done.clone();
        }
        let value = compute();
        let bytes = size(&value);
        let mut memo = lock();
        if memo.1.saturating_add(bytes) <= self.budget {
            memo.1 += bytes;
            memo.0.insert(key, value.clone());
        }
        value
    }
}
