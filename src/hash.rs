//! The hasher of envdef's internal maps and sets.
//!
//! std's default, SipHash-1-3, is built to resist collision attacks with a key nobody can
//! guess, and pays for it on every lookup of a name, a span or an id. foldhash is several
//! times faster on such short keys and still seeds itself per process (so no input can
//! be prepared to collide in every run). The types below are the std and `indexmap`
//! collections with foldhash: `IndexMap` wherever declaration order reaches the output,
//! `HashMap`/`HashSet` where it never does.

/// The hasher of every map below, seeded once per process.
pub type FastState = foldhash::fast::RandomState;

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
