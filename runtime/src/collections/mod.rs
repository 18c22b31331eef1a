//! Bounded collections: the types `#[bounded]` fields become.
//!
//! Each wrapper holds at most `cap` entries. What happens on an insert into a
//! full collection is the [`Evict`] policy: drop the least recently used
//! entry, drop the oldest entry, or hand the new value back to the caller.
//! With a TTL, entries older than the TTL are never returned, and every write
//! first removes the expired entries, so a burst of inserts that is never
//! read again still leaves memory once it expires. A TTL can also be given
//! per entry (`insert_with_ttl`, `set_ttl`), with or without one for the
//! collection; those entries sit in a hierarchical timer wheel and leave
//! memory within about a millisecond of expiring, at amortized O(1) per
//! write however their TTLs are mixed.
//!
//! The configuration can live in the type (const generic parameters, which is
//! what `#[bounded(cap = N, evict = "...", ttl = "...")]` writes, so
//! `Default::default()` builds a correctly configured wrapper), or be given at
//! run time with [`BoundedMap::with_cap`] and [`BoundedMap::builder`].

#[macro_use]
mod accessors {
    /// The inherent methods `BoundedMap` and `BoundedSet` share: both wrap a
    /// `Table` in a field named `table` and a policy in `policy`. `$what`
    /// names the type ("map", "set") and `$items` its contents ("entries",
    /// "values") in the docs.
    macro_rules! table_accessors {
        ($what:literal, $items:literal) => {
            pub(crate) fn from_parts(config: Config, policy: P, hasher: S) -> Self {
                Self { table: Table::new(config, hasher), policy }
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

            /// The eviction policy, by name (the type parameter `P` is the
            /// policy itself).
            pub fn evict_policy(&self) -> Evict {
                self.table.config.evict
            }

            #[doc = concat!("The TTL, if ", $items, " expire.")]
            pub fn ttl(&self) -> Option<Duration> {
                self.table.config.ttl_duration()
            }

            /// Eviction, expiry, rejection and lookup counters.
            pub fn stats(&self) -> BoundStats {
                self.table.stats()
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
mod list;
pub mod map;
pub mod policy;
mod report;
mod rewrites;
pub mod set;
mod table;
mod timers;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use clock::{Clock, ManualClock, SystemClock};
pub use deque::BoundedDeque;
pub use map::BoundedMap;
pub use policy::{
    DequePolicy, Fifo, Guarded, KeepIf, KeyOnly, Lru, Policy, Reject, SharedReads, Sieve,
};
pub use set::BoundedSet;
// What `#[bounded]` checks about the written type; rustc names these in the
// help line of that error, by this path.
#[doc(hidden)]
pub use rewrites::{IsStdHashMap, IsStdHashSet, IsStdVec, IsStdVecDeque};

/// The eviction policies by name: what [`Policy::EVICT`] says and
/// `evict_policy()` returns. The policy itself is a type parameter
/// ([`Sieve`], [`Lru`], [`Fifo`], [`Reject`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "snake_case"))]
pub enum Evict {
    /// SIEVE: evict the oldest entry not used since the hand last passed.
    #[default]
    Sieve,
    /// Evict the least recently used entry.
    Lru,
    /// Evict the entry inserted first. Updating an existing key keeps its place.
    Fifo,
    /// Evict nothing: the insert fails and returns the entry in a [`Rejected`].
    Reject,
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
    /// Inserts refused because the collection was full and could evict
    /// nothing (under [`Reject`], or every entry guarded).
    pub rejections: u64,
    /// Lookups (`get`, `get_mut`, `contains`, `entry`) that found a live
    /// entry. Reads through `&self` on several threads at once may lose a
    /// count (see the collection's docs); every other counter is exact.
    pub hits: u64,
    /// Lookups that found nothing, or only an expired entry.
    pub misses: u64,
    /// Attempts to add a new entry (an update of a present key is not one).
    pub inserts: u64,
    /// Entries removed by the caller (`remove`, `retain`, `clear`, `pop_*`).
    pub removals: u64,
}

/// An insert refused because the collection was full and could evict
/// nothing: under [`Reject`], or with every entry kept by a [`Guarded`]
/// policy's guard.
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
        f.write_str("insert rejected: the collection is full and may evict nothing")
    }
}

impl<T: fmt::Debug> std::error::Error for Rejected<T> {}

/// The run-time configuration every wrapper holds: from the type's const
/// parameters (`Default`) or from a [`BoundedBuilder`]. Opaque.
#[doc(hidden)]
pub struct Config {
    pub(crate) cap: usize,
    pub(crate) evict: Evict,
    pub(crate) ttl: Option<u64>,
    pub(crate) clock: Option<Arc<dyn Clock>>,
    /// The latest time a write used: no read or write uses less, so a
    /// clock that steps back leaves the expiry order sound.
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

/// The largest cap a bounded collection accepts, 939,524,096 (7 x 2^27):
/// entries are linked by 32-bit bucket index, which keeps each entry small,
/// and this many entries fill a table of 2^30 buckets, which may double
/// once under churn (2^31 buckets: every index and the end marker still
/// fit 32 bits).
pub const MAX_CAP: usize = 7 << 27;

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
    pub(crate) const fn assert_const(cap: usize) {
        assert!(
            cap > 0,
            "this bounded type has no cap in its type (CAP = 0): build it with `with_cap(n)` or `builder()`, or write `#[bounded(cap = N)]`"
        );
        assert!(cap <= MAX_CAP, "a bounded collection's cap must be at most MAX_CAP (939524096)");
    }

    pub(crate) fn from_const(cap: usize, evict: Evict, ttl_nanos: u64) -> Self {
        let ttl = (ttl_nanos > 0).then(|| Duration::from_nanos(ttl_nanos));
        Config::new(cap, evict, ttl)
    }

    /// The checks `Config::new` panics on, as an error.
    fn check(cap: usize, ttl: Option<Duration>) -> Result<(), BuildError> {
        if cap == 0 {
            return Err(BuildError::ZeroCap);
        }
        if cap > MAX_CAP {
            return Err(BuildError::CapTooLarge(cap));
        }
        if ttl.is_some_and(|ttl| ttl.is_zero()) {
            return Err(BuildError::ZeroTtl);
        }
        Ok(())
    }

    /// The clock's time in nanoseconds.
    fn clock_now(&self) -> u64 {
        let now = match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        };
        clock::saturating_nanos(now)
    }

    /// Now, for a read: never earlier than the latest write's time, so a
    /// clock that steps back cannot revive what a write saw expire. Only
    /// read when a TTL is set. A load, not an atomic read-modify-write:
    /// reads through `&self` stay cheap.
    pub(crate) fn now(&self) -> u64 {
        self.clock_now().max(self.latest.load(Ordering::Relaxed))
    }

    /// Now, for a write: never earlier than any time a write used before,
    /// so the expiry list stays in time order whatever the clock does.
    pub(crate) fn now_mut(&mut self) -> u64 {
        let now = self.clock_now();
        let latest = self.latest.get_mut();
        *latest = (*latest).max(now);
        *latest
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

/// Why a [`BoundedBuilder`] could not build its collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildError {
    /// No cap was given, or a cap of 0.
    ZeroCap,
    /// The cap is above [`MAX_CAP`].
    CapTooLarge(usize),
    /// A TTL of zero: every entry would be expired on arrival.
    ZeroTtl,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ZeroCap => {
                f.write_str("a bounded collection needs a cap of at least 1: call `.cap(n)`")
            }
            BuildError::CapTooLarge(cap) => {
                write!(f, "a bounded collection's cap must be at most {MAX_CAP} (got {cap})")
            }
            BuildError::ZeroTtl => {
                f.write_str("a bounded collection's ttl must be longer than zero")
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// A collection a [`BoundedBuilder`] can build: the three wrappers.
///
/// `With<Q>` is the same collection under policy `Q`, which is how the
/// builder's `.lru()`, `.reject()` or `.keep_if(..)` change the type it
/// builds (and so what its `insert` returns).
pub trait Configure: Sized {
    /// The policy the collection is built with.
    type Policy;
    /// The hasher (`()` for a deque).
    type Hasher;
    /// The same collection under policy `Q`.
    type With<Q>: Configure<Policy = Q, Hasher = Self::Hasher>;
    /// Builds the collection.
    #[doc(hidden)]
    fn assemble(config: Config, policy: Self::Policy, hasher: Self::Hasher) -> Self;
}

/// Run-time configuration for a bounded collection, for caps and TTLs that
/// come from a configuration file rather than the type. The policy is part of
/// the type the builder builds: `.lru()`, `.fifo()`, `.reject()` and
/// `.keep_if(..)` return a builder of that type.
///
/// ```
/// use leakproof_runtime::BoundedSet;
/// use std::time::Duration;
///
/// let cap_from_config = 10_000;
/// let mut closed = BoundedSet::<u64>::builder()
///     .cap(cap_from_config)
///     .fifo()
///     .ttl(Duration::from_secs(300))
///     .build();
/// assert!(closed.insert(7));            // std's `bool`: FIFO always makes room
/// assert_eq!(closed.cap(), 10_000);
///
/// let mut pending = BoundedSet::<u64>::builder().cap(1).reject().build();
/// assert_eq!(pending.insert(1), Ok(true));
/// assert_eq!(pending.insert(2).unwrap_err().into_inner(), 2);
/// ```
#[must_use = "a builder does nothing until `build()` is called"]
pub struct BoundedBuilder<C: Configure> {
    cap: usize,
    ttl: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
    policy: C::Policy,
    hasher: Option<C::Hasher>,
}

impl<C: Configure> BoundedBuilder<C> {
    pub(crate) fn new(policy: C::Policy) -> Self {
        BoundedBuilder { cap: 0, ttl: None, clock: None, policy, hasher: None }
    }

    fn with_policy<Q>(self, policy: Q) -> BoundedBuilder<C::With<Q>> {
        BoundedBuilder {
            cap: self.cap,
            ttl: self.ttl,
            clock: self.clock,
            policy,
            hasher: self.hasher,
        }
    }

    /// The most entries the collection will hold (required, at least 1).
    pub fn cap(mut self, cap: usize) -> Self {
        self.cap = cap;
        self
    }

    /// Evict nothing: a full collection refuses inserts, which then return
    /// `Result<_, Rejected<_>>`.
    pub fn reject(self) -> BoundedBuilder<C::With<Reject>> {
        self.with_policy(Reject)
    }

    /// Evict the oldest entry.
    pub fn fifo(self) -> BoundedBuilder<C::With<Fifo>> {
        self.with_policy(Fifo)
    }

    /// Builds the collection.
    ///
    /// # Panics
    /// If the cap is 0 or above [`MAX_CAP`], or the TTL is zero; see
    /// [`try_build`](Self::try_build) for the same as an error.
    pub fn build(self) -> C
    where
        C::Policy: Policy,
        C::Hasher: Default,
    {
        match self.try_build() {
            Ok(collection) => collection,
            Err(err) => panic!("{err}"),
        }
    }

    /// Builds the collection, or says why the configuration is invalid.
    pub fn try_build(self) -> Result<C, BuildError>
    where
        C::Policy: Policy,
        C::Hasher: Default,
    {
        Config::check(self.cap, self.ttl)?;
        let mut config = Config::new(self.cap, <C::Policy as Policy>::EVICT, self.ttl);
        config.clock = self.clock;
        Ok(C::assemble(config, self.policy, self.hasher.unwrap_or_default()))
    }
}

/// The hashed collections: what SIEVE, LRU, a hasher and expiry apply to.
pub trait Hashed: Configure {}
impl<K, V, S, P, const CAP: usize, const TTL: u64> Hashed for BoundedMap<K, V, S, P, CAP, TTL> {}
impl<T, S, P, const CAP: usize, const TTL: u64> Hashed for BoundedSet<T, S, P, CAP, TTL> {}

/// Policies, hasher and expiry only hashed collections have.
impl<C: Hashed> BoundedBuilder<C> {
    /// Exact LRU (reads that count as a use take `&mut self`).
    pub fn lru(self) -> BoundedBuilder<C::With<Lru>> {
        self.with_policy(Lru)
    }

    /// SIEVE, the default.
    pub fn sieve(self) -> BoundedBuilder<C::With<Sieve>> {
        self.with_policy(Sieve)
    }

    /// The hasher (default `S::default()`).
    pub fn hasher(mut self, hasher: C::Hasher) -> Self {
        self.hasher = Some(hasher);
        self
    }

    /// Entries older than `ttl` (since their last write) expire.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// The time source for TTL expiry (default [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }
}

impl<K, V, S, P, const CAP: usize, const TTL: u64>
    BoundedBuilder<BoundedMap<K, V, S, P, CAP, TTL>>
{
    /// Never evict an entry for which `keep(key, value)` is true; when every
    /// entry is kept, an insert is refused (inserts then return
    /// `Result<_, Rejected<_>>`). See [`Guarded`] for the hazard it exists for.
    pub fn keep_if<F: Fn(&K, &V) -> bool>(
        self,
        keep: F,
    ) -> BoundedBuilder<BoundedMap<K, V, S, Guarded<P, F>, CAP, TTL>> {
        let BoundedBuilder { cap, ttl, clock, policy, hasher } = self;
        BoundedBuilder { cap, ttl, clock, policy: Guarded::new(policy, keep), hasher }
    }
}

impl<T, S, P, const CAP: usize, const TTL: u64> BoundedBuilder<BoundedSet<T, S, P, CAP, TTL>> {
    /// Never evict a value for which `keep(value)` is true; when every value
    /// is kept, an insert is refused (inserts then return
    /// `Result<_, Rejected<_>>`).
    pub fn keep_if<F: Fn(&T) -> bool>(
        self,
        keep: F,
    ) -> BoundedBuilder<BoundedSet<T, S, Guarded<P, KeyOnly<F>>, CAP, TTL>> {
        let BoundedBuilder { cap, ttl, clock, policy, hasher } = self;
        BoundedBuilder { cap, ttl, clock, policy: Guarded::new(policy, KeyOnly(keep)), hasher }
    }
}

impl<C: Configure<Policy: Policy>> fmt::Debug for BoundedBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedBuilder")
            .field("cap", &self.cap)
            .field("evict", &<C::Policy as Policy>::EVICT)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// A shared eviction listener: sees the key, value and reason of every entry
/// the collection drops on its own. Shared (not boxed) so clones keep it.
pub(crate) type Listener<K, V> = Arc<dyn Fn(K, V, EvictReason) + Send + Sync>;
