//! Shared pieces of the benchmarks: one adapter per cache crate, so every
//! workload runs the same loop over each, and the key streams they share.
//!
//! Every adapter stores `u64 -> u64`. `H` is the hasher: the workloads run
//! each crate with `RandomState` (leakproof's default, so all hash equally)
//! and again with each crate's own default hasher.

use std::hash::BuildHasher;
use std::num::NonZeroUsize;
use std::time::Duration;

use leakproof::{BoundedMap, Lru, Sieve};

/// The operations the workloads need.
pub trait Cache {
    fn insert(&mut self, key: u64, value: u64);
    fn get(&mut self, key: u64) -> bool;
    fn entries(&mut self) -> usize;
}

impl<S: BuildHasher> Cache for BoundedMap<u64, u64, S, Sieve> {
    fn insert(&mut self, key: u64, value: u64) {
        BoundedMap::insert(self, key, value);
    }
    fn get(&mut self, key: u64) -> bool {
        BoundedMap::<u64, u64, S, Sieve>::get(self, &key).is_some()
    }
    fn entries(&mut self) -> usize {
        BoundedMap::len(self)
    }
}

impl<S: BuildHasher> Cache for BoundedMap<u64, u64, S, Lru> {
    fn insert(&mut self, key: u64, value: u64) {
        BoundedMap::insert(self, key, value);
    }
    fn get(&mut self, key: u64) -> bool {
        BoundedMap::<u64, u64, S, Lru>::get(self, &key).is_some()
    }
    fn entries(&mut self) -> usize {
        BoundedMap::len(self)
    }
}

/// leakproof's default policy, SIEVE.
pub fn leakproof<S: BuildHasher>(cap: usize, hasher: S) -> BoundedMap<u64, u64, S> {
    BoundedMap::with_cap_and_hasher(cap, hasher)
}

/// leakproof under exact LRU.
pub fn leakproof_lru<S: BuildHasher>(cap: usize, hasher: S) -> BoundedMap<u64, u64, S, Lru> {
    BoundedMap::with_cap_and_hasher(cap, hasher)
}

pub fn leakproof_ttl(cap: usize, ttl: Duration) -> BoundedMap<u64, u64> {
    BoundedMap::builder().cap(cap).ttl(ttl).build()
}

/// The TTL of `key` in the mixed-TTL workload: 1 ms to 1 s, spread
/// uniformly by the key's bits (the same for every crate).
pub fn mixed_ttl(key: u64) -> Duration {
    Duration::from_micros(1_000 + key % 999_001)
}

/// leakproof with a TTL per entry (`insert_with_ttl`, [`mixed_ttl`]) and
/// none of its own.
pub struct MixedTtl(pub BoundedMap<u64, u64>);

impl Cache for MixedTtl {
    fn insert(&mut self, key: u64, value: u64) {
        self.0.insert_with_ttl(key, value, mixed_ttl(key));
    }
    fn get(&mut self, key: u64) -> bool {
        self.0.get(&key).is_some()
    }
    fn entries(&mut self) -> usize {
        self.0.len()
    }
}

pub fn leakproof_mixed_ttl(cap: usize) -> MixedTtl {
    MixedTtl(BoundedMap::with_cap(cap))
}

/// moka's per-entry expiry, with [`mixed_ttl`].
pub struct MokaMixedTtl;

impl moka::Expiry<u64, u64> for MokaMixedTtl {
    fn expire_after_create(&self, key: &u64, _: &u64, _: std::time::Instant) -> Option<Duration> {
        Some(mixed_ttl(*key))
    }
}

pub fn moka_mixed_ttl<S: BuildHasher + Clone + Send + Sync + 'static>(
    cap: usize,
    hasher: S,
) -> moka::sync::Cache<u64, u64, S> {
    moka::sync::Cache::builder()
        .max_capacity(cap as u64)
        .expire_after(MokaMixedTtl)
        .build_with_hasher(hasher)
}

impl<S: BuildHasher> Cache for lru::LruCache<u64, u64, S> {
    fn insert(&mut self, key: u64, value: u64) {
        self.put(key, value);
    }
    fn get(&mut self, key: u64) -> bool {
        lru::LruCache::get(self, &key).is_some()
    }
    fn entries(&mut self) -> usize {
        lru::LruCache::len(self)
    }
}

pub fn lru<S: BuildHasher>(cap: usize, hasher: S) -> lru::LruCache<u64, u64, S> {
    lru::LruCache::with_hasher(NonZeroUsize::new(cap).expect("cap > 0"), hasher)
}

impl<S: BuildHasher> Cache for hashlink::LruCache<u64, u64, S> {
    fn insert(&mut self, key: u64, value: u64) {
        hashlink::LruCache::insert(self, key, value);
    }
    fn get(&mut self, key: u64) -> bool {
        hashlink::LruCache::get(self, &key).is_some()
    }
    fn entries(&mut self) -> usize {
        hashlink::LruCache::len(self)
    }
}

pub fn hashlink<S: BuildHasher>(cap: usize, hasher: S) -> hashlink::LruCache<u64, u64, S> {
    hashlink::LruCache::with_hasher(cap, hasher)
}

impl<S: BuildHasher> Cache for schnellru::LruMap<u64, u64, schnellru::ByLength, S> {
    fn insert(&mut self, key: u64, value: u64) {
        schnellru::LruMap::insert(self, key, value);
    }
    fn get(&mut self, key: u64) -> bool {
        schnellru::LruMap::get(self, &key).is_some()
    }
    fn entries(&mut self) -> usize {
        schnellru::LruMap::len(self)
    }
}

pub fn schnellru<S: BuildHasher>(
    cap: usize,
    hasher: S,
) -> schnellru::LruMap<u64, u64, schnellru::ByLength, S> {
    schnellru::LruMap::with_hasher(schnellru::ByLength::new(cap as u32), hasher)
}

pub type QuickCache<S> = quick_cache::unsync::Cache<
    u64,
    u64,
    quick_cache::UnitWeighter,
    S,
    quick_cache::unsync::DefaultLifecycle<u64, u64>,
>;

impl<S: BuildHasher + Clone> Cache for QuickCache<S> {
    fn insert(&mut self, key: u64, value: u64) {
        quick_cache::unsync::Cache::insert(self, key, value);
    }
    fn get(&mut self, key: u64) -> bool {
        quick_cache::unsync::Cache::get(self, &key).is_some()
    }
    fn entries(&mut self) -> usize {
        quick_cache::unsync::Cache::len(self)
    }
}

pub fn quick_cache<S: BuildHasher + Clone>(cap: usize, hasher: S) -> QuickCache<S> {
    quick_cache::unsync::Cache::with(
        cap,
        cap as u64,
        quick_cache::UnitWeighter,
        hasher,
        Default::default(),
    )
}

impl<S: BuildHasher + Clone> Cache for mini_moka::unsync::Cache<u64, u64, S> {
    fn insert(&mut self, key: u64, value: u64) {
        mini_moka::unsync::Cache::insert(self, key, value);
    }
    fn get(&mut self, key: u64) -> bool {
        mini_moka::unsync::Cache::get(self, &key).is_some()
    }
    fn entries(&mut self) -> usize {
        self.entry_count() as usize
    }
}

pub fn mini_moka<S: BuildHasher + Clone>(
    cap: usize,
    ttl: Option<Duration>,
    hasher: S,
) -> mini_moka::unsync::Cache<u64, u64, S> {
    let builder = mini_moka::unsync::Cache::builder().max_capacity(cap as u64);
    match ttl {
        Some(ttl) => builder.time_to_live(ttl).build_with_hasher(hasher),
        None => builder.build_with_hasher(hasher),
    }
}

impl<S: BuildHasher + Clone + Send + Sync + 'static> Cache for moka::sync::Cache<u64, u64, S> {
    fn insert(&mut self, key: u64, value: u64) {
        moka::sync::Cache::insert(self, key, value);
    }
    fn get(&mut self, key: u64) -> bool {
        moka::sync::Cache::get(self, &key).is_some()
    }
    fn entries(&mut self) -> usize {
        self.run_pending_tasks();
        self.entry_count() as usize
    }
}

pub fn moka<S: BuildHasher + Clone + Send + Sync + 'static>(
    cap: usize,
    ttl: Option<Duration>,
    hasher: S,
) -> moka::sync::Cache<u64, u64, S> {
    let builder = moka::sync::Cache::builder().max_capacity(cap as u64);
    match ttl {
        Some(ttl) => builder.time_to_live(ttl).build_with_hasher(hasher),
        None => builder.build_with_hasher(hasher),
    }
}

/// A fast deterministic generator (splitmix64) for key streams: the same
/// keys for every crate in every run.
pub fn keys(n: usize, seed: u64) -> Vec<u64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .collect()
}
