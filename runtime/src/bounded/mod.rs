//! Bounded collections: the types `#[bounded]` fields become.
//!
//! Each wrapper holds at most `cap` entries. What happens on an insert into a
//! full collection is the [`Evict`] policy: drop the least recently used
//! entry, drop the oldest entry, or hand the new value back to the caller.
//! With a TTL, entries older than the TTL are never returned, and every write
//! first removes the expired entries from the oldest end, so a burst of
//! inserts that is never read again still leaves memory once it expires.
//!
//! The configuration can live in the type (const generic parameters, which is
//! what `#[bounded(cap = N, evict = "...", ttl = "...")]` writes, so
//! `Default::default()` builds a correctly configured wrapper), or be given at
//! run time with [`BoundedMap::with_cap`] and [`BoundedMap::builder`].

#[macro_use]
mod accessors {
    /// The inherent methods `BoundedMap` and `BoundedSet` share: both wrap a
    /// `Table` in a field named `table`. `$what` names the type ("map", "set")
    /// and `$items` its contents ("entries", "values") in the docs.
    macro_rules! table_accessors {
        ($what:literal, $items:literal) => {
            #[doc = concat!("An empty LRU ", $what, " holding at most `cap` ", $items, ", hashing with `hasher`.")]
            ///
            /// # Panics
            /// If `cap` is 0 or above [`MAX_CAP`](super::MAX_CAP).
            pub fn with_cap_and_hasher(cap: usize, hasher: S) -> Self {
                Self::from_config(Config::new(cap, Evict::Lru, None), hasher)
            }

            pub(crate) fn from_config(config: Config, hasher: S) -> Self {
                Self { table: Table::new(config, hasher) }
            }

            #[doc = concat!("The ", $items, " held. With a TTL this may include expired ", $items, " that no")]
            /// write has purged yet; they are never returned, and
            /// `purge_expired()` drops them.
            pub fn len(&self) -> usize {
                self.table.len()
            }

            #[doc = concat!("True when no ", $items, " are held.")]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            #[doc = concat!("The most ", $items, " this ", $what, " will hold.")]
            pub fn cap(&self) -> usize {
                self.table.config.cap
            }

            /// The eviction policy.
            pub fn evict_policy(&self) -> Evict {
                self.table.config.evict
            }

            #[doc = concat!("The TTL, if ", $items, " expire.")]
            pub fn ttl(&self) -> Option<Duration> {
                self.table.config.ttl_duration()
            }

            /// Eviction, expiry, rejection and lookup counters.
            pub fn stats(&self) -> BoundStats {
                self.table.stats
            }

            #[doc = concat!("Bytes this ", $what, " has allocated for its ", $items, " and index, computed")]
            /// from capacities in O(1) (and equal to what the allocator handed
            /// out). Memory the elements own themselves is not included.
            pub fn heap_bytes(&self) -> usize {
                self.table.heap_bytes()
            }

            #[doc = concat!("The ", $what, "'s hasher.")]
            pub fn hasher(&self) -> &S {
                self.table.hasher()
            }

            #[doc = concat!("Removes all ", $items, " (counted as removals).")]
            pub fn clear(&mut self) {
                self.table.clear();
            }
        };
    }
}

mod clock;
pub mod deque;
pub mod map;
pub mod set;
mod table;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use clock::{Clock, ManualClock, SystemClock};
pub use deque::BoundedDeque;
pub use map::BoundedMap;
pub use set::BoundedSet;

/// What an insert into a full collection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "snake_case"))]
pub enum Evict {
    /// Evict the least recently used entry. `insert`, `get`, `get_mut` and
    /// `contains` count as a use; `peek` does not. On a deque, whose entries
    /// are never looked up, this is the same as [`Evict::Fifo`].
    #[default]
    Lru,
    /// Evict the entry inserted first. Updating an existing key keeps its place.
    Fifo,
    /// Evict nothing: the insert fails and returns the entry in a [`Rejected`].
    Reject,
}

impl Evict {
    /// The policy a const generic parameter stands for (0 = LRU, 1 = FIFO,
    /// 2 = reject): the encoding `#[bounded]` writes into the field's type.
    pub const fn from_const(code: u8) -> Evict {
        match code {
            1 => Evict::Fifo,
            2 => Evict::Reject,
            _ => Evict::Lru,
        }
    }
}

/// Why an entry left a collection without the caller removing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvictReason {
    /// The collection was full and the policy chose this entry.
    Capacity,
    /// The entry outlived the collection's TTL.
    Expired,
}

/// Counters kept by every bounded collection, returned by `stats()`.
///
/// For a map or set, after any sequence of operations:
/// `inserts == len + evictions + expirations + removals + rejections`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BoundStats {
    /// Entries dropped because the collection was full.
    pub evictions: u64,
    /// Entries dropped because they outlived the TTL.
    pub expirations: u64,
    /// Inserts refused under [`Evict::Reject`] because the collection was full.
    pub rejections: u64,
    /// Lookups (`get`, `get_mut`, `contains`) that found a live entry.
    pub hits: u64,
    /// Lookups that found nothing, or only an expired entry.
    pub misses: u64,
    /// Attempts to add a new entry (an update of a present key is not one).
    pub inserts: u64,
    /// Entries removed by the caller (`remove`, `retain`, `clear`, `pop_*`).
    pub removals: u64,
}

/// An insert refused because the collection was full under [`Evict::Reject`].
///
/// It carries the entry back to the caller, so nothing is dropped silently:
/// a map gives back `(key, value)`, a set or deque the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Rejected<T>(pub T);

impl<T> Rejected<T> {
    /// The entry that was not inserted.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Rejected<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rejected").field(&self.0).finish()
    }
}

impl<T> fmt::Display for Rejected<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("insert rejected: the collection is full (evict = \"reject\")")
    }
}

impl<T: fmt::Debug> std::error::Error for Rejected<T> {}

/// The run-time configuration every wrapper holds: from the type's const
/// parameters (`Default`) or from a [`Builder`].
pub(crate) struct Config {
    pub(crate) cap: usize,
    pub(crate) evict: Evict,
    pub(crate) ttl: Option<u64>,
    pub(crate) clock: Option<Arc<dyn Clock>>,
    /// The latest time read: `now()` never returns less, so a clock that
    /// steps backwards cannot reorder the expiry list.
    latest: AtomicU64,
}

impl Clone for Config {
    fn clone(&self) -> Self {
        Config {
            cap: self.cap,
            evict: self.evict,
            ttl: self.ttl,
            clock: self.clock.clone(),
            latest: AtomicU64::new(self.latest.load(Ordering::Relaxed)),
        }
    }
}

/// The largest cap a bounded collection accepts: entries are linked by `u32`
/// indices, which keeps each entry small.
pub const MAX_CAP: usize = (u32::MAX - 1) as usize;

impl Config {
    pub(crate) fn new(cap: usize, evict: Evict, ttl: Option<Duration>) -> Self {
        assert!(cap > 0, "a bounded collection needs a cap of at least 1 (got 0)");
        assert!(cap <= MAX_CAP, "a bounded collection's cap must be at most {MAX_CAP} (got {cap})");
        let ttl = ttl.map(clock::saturating_nanos);
        assert!(ttl != Some(0), "a bounded collection's ttl must be longer than zero");
        Config { cap, evict, ttl, clock: None, latest: AtomicU64::new(0) }
    }

    /// The configuration a type's const parameters describe; a `CAP` of 0
    /// means "set at run time", so `Default` refuses it at compile time.
    pub(crate) const fn assert_const(cap: usize, evict: u8) {
        assert!(
            cap > 0,
            "this bounded type has no cap in its type (CAP = 0): build it with `with_cap(n)` or `builder()`, or write `#[bounded(cap = N)]`"
        );
        assert!(cap <= MAX_CAP, "a bounded collection's cap must be at most u32::MAX - 1");
        assert!(evict <= 2, "EVICT must be 0 (lru), 1 (fifo) or 2 (reject)");
    }

    pub(crate) fn from_const(cap: usize, evict: u8, ttl_nanos: u64) -> Self {
        let ttl = (ttl_nanos > 0).then(|| Duration::from_nanos(ttl_nanos));
        Config::new(cap, Evict::from_const(evict), ttl)
    }

    /// Now, in clock nanoseconds, never less than a time read before; only
    /// read when a TTL is set.
    pub(crate) fn now(&self) -> u64 {
        let now = match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        };
        let now = clock::saturating_nanos(now);
        let latest = self.latest.fetch_max(now, Ordering::Relaxed);
        latest.max(now)
    }

    pub(crate) fn ttl_duration(&self) -> Option<Duration> {
        self.ttl.map(Duration::from_nanos)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Config");
        d.field("cap", &self.cap).field("evict", &self.evict);
        if let Some(ttl) = self.ttl_duration() {
            d.field("ttl", &ttl);
        }
        d.finish()
    }
}

/// Run-time configuration for a bounded collection, for caps and TTLs that
/// come from a configuration file rather than the type.
///
/// ```
/// use leakproof_runtime::{BoundedSet, Evict};
/// use std::time::Duration;
///
/// let cap_from_config = 10_000;
/// let mut closed = BoundedSet::<u64>::builder()
///     .cap(cap_from_config)
///     .evict(Evict::Fifo)
///     .ttl(Duration::from_secs(300))
///     .build();
/// closed.insert(7).unwrap();
/// assert_eq!(closed.cap(), 10_000);
/// ```
#[must_use = "a builder does nothing until `build()` is called"]
pub struct Builder<C> {
    cap: usize,
    evict: Evict,
    ttl: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
    build: fn(Config) -> C,
}

impl<C> Builder<C> {
    pub(crate) fn new(build: fn(Config) -> C) -> Self {
        Builder { cap: 0, evict: Evict::Lru, ttl: None, clock: None, build }
    }

    /// The most entries the collection will hold (required, at least 1).
    pub fn cap(mut self, cap: usize) -> Self {
        self.cap = cap;
        self
    }

    /// What an insert into a full collection does (default [`Evict::Lru`]).
    pub fn evict(mut self, evict: Evict) -> Self {
        self.evict = evict;
        self
    }

    /// Entries older than `ttl` (since their last insert) expire.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// The time source for TTL expiry (default [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Builds the collection.
    ///
    /// # Panics
    /// If the cap is 0 or above [`MAX_CAP`], or the TTL is zero.
    pub fn build(self) -> C {
        let mut config = Config::new(self.cap, self.evict, self.ttl);
        config.clock = self.clock;
        (self.build)(config)
    }
}

impl<C> fmt::Debug for Builder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("cap", &self.cap)
            .field("evict", &self.evict)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// A shared eviction listener: sees the key, value and reason of every entry
/// the collection drops on its own. Shared (not boxed) so clones keep it.
pub(crate) type Listener<K, V> = Arc<dyn Fn(K, V, EvictReason) + Send + Sync>;
