//! [`BoundedSet`] and its iterators.

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::time::Duration;

use super::policy::{Guard, Guarded, Lru, Outcome, Policy, SharedReads};
use super::table::{IntoLive, Live, Table, Ttl};
use super::{BoundStats, BoundedBuilder, Config, Configure, Evict, EvictReason};

/// A `HashSet` that never holds more than `cap` values.
///
/// What `#[bounded(cap = N, ...)]` turns a `HashSet<T>` field into, and a
/// drop-in for it: `insert` returns `bool`, `contains` takes `&self`. The
/// type parameters are as on [`BoundedMap`](super::BoundedMap): `S` the
/// hasher, `P` the policy (SIEVE by default), `CAP` (0 = set at run time)
/// and `TTL` in nanoseconds (0 = none).
///
/// ```
/// use leakproof_runtime::BoundedSet;
///
/// // The audit's first leak: closed socket ids, inserted forever.
/// let mut closed = BoundedSet::<u64>::with_cap(3);
/// for socket in 0..1_000 {
///     closed.insert(socket);
/// }
/// assert_eq!(closed.len(), 3);
/// assert!(closed.contains(&999));
/// assert!(!closed.contains(&0));
/// assert_eq!(closed.stats().evictions, 997);
/// ```
pub struct BoundedSet<
    T,
    S = RandomState,
    P = super::Sieve,
    const CAP: usize = 0,
    const TTL: u64 = 0,
> {
    table: Table<T, (), S>,
    policy: P,
}

impl<T, S: Default, P: Policy + Default, const CAP: usize, const TTL: u64>
    BoundedSet<T, S, P, CAP, TTL>
{
    /// An empty set holding at most `cap` values, under the type's policy
    /// (SIEVE unless written otherwise) and TTL.
    ///
    /// # Panics
    /// If `cap` is 0 or above [`MAX_CAP`](super::MAX_CAP).
    pub fn with_cap(cap: usize) -> Self {
        Self::with_cap_and_hasher(cap, S::default())
    }

    /// A builder for cap, policy, TTL and clock.
    pub fn builder() -> BoundedBuilder<Self> {
        BoundedBuilder::new(P::default())
    }
}

impl<T, S, P: Policy + Default, const CAP: usize, const TTL: u64> BoundedSet<T, S, P, CAP, TTL> {
    /// An empty set holding at most `cap` values, hashing with `hasher`.
    ///
    /// # Panics
    /// If `cap` is 0 or above [`MAX_CAP`](super::MAX_CAP).
    pub fn with_cap_and_hasher(cap: usize, hasher: S) -> Self {
        Self::from_parts(Config::from_const(cap, P::EVICT, TTL), P::default(), hasher)
    }
}

impl<T, S, P, const CAP: usize, const TTL: u64> Configure for BoundedSet<T, S, P, CAP, TTL> {
    type Policy = P;
    type Hasher = S;
    type With<Q> = BoundedSet<T, S, Q, CAP, TTL>;
    fn assemble(config: Config, policy: P, hasher: S) -> Self {
        Self::from_parts(config, policy, hasher)
    }
}

impl<T, S, P, const CAP: usize, const TTL: u64> BoundedSet<T, S, P, CAP, TTL> {
    table_accessors!("set", "values");

    /// Calls `listener` with every value the set drops on its own (capacity
    /// eviction or expiry) and why. Replaces any earlier listener.
    pub fn on_evict(&mut self, listener: impl Fn(T, EvictReason) + Send + Sync + 'static) {
        self.table.listener = Some(Arc::new(move |value, (), reason| listener(value, reason)));
    }

    /// Live values, in arbitrary order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { inner: self.table.iter() }
    }

    /// Empties the set and yields the live values (counted as removals;
    /// expired ones are removed first, as expirations).
    pub fn drain(&mut self) -> IntoIter<T> {
        IntoIter { inner: self.table.drain_live() }
    }

    /// The policy value (for a [`Guarded`] set, it holds the guard).
    pub fn policy(&self) -> &P {
        &self.policy
    }
}

impl<T: Hash + Eq, S: BuildHasher, P: Policy + Guard<T, ()>, const CAP: usize, const TTL: u64>
    BoundedSet<T, S, P, CAP, TTL>
{
    /// Adds `value`, as `HashSet::insert`: true if it was not present; false
    /// if it was (its age restarts and the write counts as a use). When full
    /// one value is evicted to make room. Under a policy that can refuse the
    /// return type is `Result<bool, Rejected<T>>`.
    pub fn insert(&mut self, value: T) -> P::Insert<bool, T> {
        self.insert_timed(value, Ttl::Default)
    }

    /// Adds `value` to expire `ttl` from now, whatever the set's own TTL:
    /// see [`BoundedMap::insert_with_ttl`](super::BoundedMap::insert_with_ttl).
    ///
    /// ```
    /// use leakproof_runtime::{BoundedSet, ManualClock};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let mut banned = BoundedSet::<u32>::builder().cap(1000).clock(clock.clone()).build();
    /// banned.insert_with_ttl(7, Duration::from_secs(60));
    /// banned.insert(8); // for good
    /// clock.advance(Duration::from_secs(61));
    /// assert!(!banned.contains(&7));
    /// assert!(banned.contains(&8));
    /// ```
    pub fn insert_with_ttl(&mut self, value: T, ttl: Duration) -> P::Insert<bool, T> {
        self.insert_timed(value, Ttl::of(ttl))
    }

    fn insert_timed(&mut self, value: T, ttl: Ttl) -> P::Insert<bool, T> {
        P::settle(match self.table.insert(value, (), ttl, &self.policy) {
            Outcome::Done(old) => Outcome::Done(old.is_none()),
            Outcome::Refused((value, ())) => Outcome::Refused(value),
        })
    }

    /// Adds `value`, replacing an equal stored one, which is returned.
    pub fn replace(&mut self, value: T) -> P::Insert<Option<T>, T> {
        let old = self.table.remove(&value).map(|(old, ())| old);
        P::settle(match self.table.insert(value, (), Ttl::Default, &self.policy) {
            Outcome::Done(_) => Outcome::Done(old),
            Outcome::Refused((value, ())) => Outcome::Refused(value),
        })
    }
}

impl<T: Hash + Eq, S: BuildHasher, P, const CAP: usize, const TTL: u64>
    BoundedSet<T, S, P, CAP, TTL>
{
    /// The stored value equal to `value`, without counting as a use.
    pub fn peek<Q>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.peek(value).map(|node| &node.key)
    }

    /// What is left of `value`'s time to live: `None` when it never expires
    /// or is not live. Does not count as a use.
    pub fn ttl_of<Q>(&self, value: &Q) -> Option<Duration>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.ttl_left(value)
    }

    /// Gives `value` a TTL of its own, `ttl` from now; true if it was live.
    pub fn set_ttl<Q>(&mut self, value: &Q, ttl: Duration) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.set_ttl(value, Ttl::of(ttl))
    }

    /// Removes `value`; true if it was live.
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.remove(value).is_some()
    }

    /// Removes and returns the stored value equal to `value`.
    pub fn take<Q>(&mut self, value: &Q) -> Option<T>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.remove(value).map(|(v, ())| v)
    }

    /// Keeps only the values for which `keep` returns true. Expired values
    /// are removed first (counted as expirations): `keep` only sees live
    /// ones.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.table.retain(|v, ()| keep(v));
    }

    /// Removes every expired value now and returns how many. Values with a
    /// TTL of their own leave once the timer wheel's tick (about 1 ms) after
    /// their expiry has come; until then reads already treat them as gone.
    pub fn purge_expired(&mut self) -> usize {
        self.table.purge_expired()
    }

    /// True if every live value is also in `other`.
    pub fn is_subset<S2: BuildHasher, P2, const C2: usize, const T2: u64>(
        &self,
        other: &BoundedSet<T, S2, P2, C2, T2>,
    ) -> bool {
        self.iter().all(|v| other.peek(v).is_some())
    }

    /// True if the two sets share no live value.
    pub fn is_disjoint<S2: BuildHasher, P2, const C2: usize, const T2: u64>(
        &self,
        other: &BoundedSet<T, S2, P2, C2, T2>,
    ) -> bool {
        self.iter().all(|v| other.peek(v).is_none())
    }

    /// Makes room for `additional` more values without growing again, as
    /// std's `reserve` does, but never past the cap: room for more than the
    /// cap could never be used. So `reserve(usize::MAX)` allocates what
    /// the cap needs, and nothing more.
    pub fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional);
    }

    /// Gives back the room the values do not use (never below `len`).
    pub fn shrink_to_fit(&mut self) {
        self.table.shrink_to_fit();
    }

    /// Panics if an internal invariant of the table is broken (index,
    /// eviction and expiry lists, hand, cap). For tests: O(capacity).
    #[doc(hidden)]
    pub fn assert_invariants(&self) {
        self.table.check_invariants();
    }

    /// Values in queue order, oldest first: under LRU and FIFO the next
    /// victim first; under SIEVE the order the hand walks.
    pub fn eviction_order(&self) -> impl Iterator<Item = &T> + '_ {
        self.table.eviction_order()
    }

    /// Whether `value` has been used since SIEVE's hand last passed it.
    #[doc(hidden)]
    pub fn visited<Q>(&self, value: &Q) -> Option<bool>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.visited(value)
    }
}

impl<T: Hash + Eq, S: BuildHasher, P: SharedReads, const CAP: usize, const TTL: u64>
    BoundedSet<T, S, P, CAP, TTL>
{
    /// True if `value` is live, counting as a use (hit/miss, and under SIEVE
    /// the visited bit). `&self`, so it works behind an `RwLock` read guard.
    #[inline]
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.get_shared(value, P::EVICT == Evict::Sieve).is_some()
    }

    /// The stored value equal to `value`, counting as a use.
    pub fn get<Q>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.get_shared(value, P::EVICT == Evict::Sieve).map(|node| &node.key)
    }
}

/// Under exact LRU a use relinks the entry: these reads take `&mut self`.
macro_rules! lru_reads {
    ($([$($gen:tt)*] $policy:ty;)*) => {$(
        impl<T: Hash + Eq, S: BuildHasher, $($gen)* const CAP: usize, const TTL: u64>
            BoundedSet<T, S, $policy, CAP, TTL>
        {
            /// True if `value` is live, counting as a use: under LRU it
            /// becomes the most recently used, so this takes `&mut self`.
            pub fn contains<Q>(&mut self, value: &Q) -> bool
            where
                T: Borrow<Q>,
                Q: Hash + Eq + ?Sized,
            {
                self.table.touch(value).is_some()
            }

            /// The stored value equal to `value`, counting as a use.
            pub fn get<Q>(&mut self, value: &Q) -> Option<&T>
            where
                T: Borrow<Q>,
                Q: Hash + Eq + ?Sized,
            {
                let slot = self.table.touch(value)?;
                Some(&self.table.node(slot).key)
            }
        }
    )*};
}

lru_reads! {
    [] Lru;
    [G,] Guarded<Lru, G>;
}

impl<T, S: Default, P: Policy + Default, const CAP: usize, const TTL: u64> Default
    for BoundedSet<T, S, P, CAP, TTL>
{
    /// The set the type's parameters describe. A type without a cap
    /// (`CAP = 0`) has no default: that is a compile-time error.
    fn default() -> Self {
        const { Config::assert_const(CAP) };
        Self::from_parts(Config::from_const(CAP, P::EVICT, TTL), P::default(), S::default())
    }
}

impl<T: Clone, S: Clone, P: Clone, const CAP: usize, const TTL: u64> Clone
    for BoundedSet<T, S, P, CAP, TTL>
{
    fn clone(&self) -> Self {
        BoundedSet { table: self.table.clone(), policy: self.policy.clone() }
    }
}

impl<T: fmt::Debug, S, P, const CAP: usize, const TTL: u64> fmt::Debug
    for BoundedSet<T, S, P, CAP, TTL>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Values<'a, T>(Iter<'a, T>);
        impl<T: fmt::Debug> fmt::Debug for Values<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_set().entries(self.0.clone()).finish()
            }
        }
        f.debug_struct("BoundedSet")
            .field("config", &self.table.config)
            .field("values", &Values(self.iter()))
            .finish()
    }
}

impl<T: Hash + Eq, S: BuildHasher, P: Policy + Guard<T, ()>, const CAP: usize, const TTL: u64>
    Extend<T> for BoundedSet<T, S, P, CAP, TTL>
{
    /// Inserts each value in turn, so the bound holds throughout. Under a
    /// policy that can refuse, the values that do not fit are dropped and
    /// counted in `stats().rejections`; use `insert` to get them back.
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            let _refused = self.table.insert(value, (), Ttl::Default, &self.policy);
        }
    }
}

impl<T: Hash + Eq, S: BuildHasher, P, const CAP: usize, const TTL: u64> PartialEq
    for BoundedSet<T, S, P, CAP, TTL>
{
    /// Equal when both hold the same live values, as std's `HashSet`.
    fn eq(&self, other: &Self) -> bool {
        let mut count = 0;
        let all_found = self.iter().all(|v| {
            count += 1;
            other.table.peek(v).is_some()
        });
        all_found && count == other.iter().count()
    }
}

impl<
    T: Hash + Eq,
    S: BuildHasher + Default,
    P: Policy + Guard<T, ()> + Default,
    const CAP: usize,
    const TTL: u64,
> FromIterator<T> for BoundedSet<T, S, P, CAP, TTL>
{
    /// Collects into the set the type describes (which needs `CAP > 0`).
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self::default();
        set.extend(iter);
        set
    }
}

/// Iterator over a [`BoundedSet`]'s live values, in arbitrary order.
pub struct Iter<'a, T> {
    inner: Live<'a, T, ()>,
}

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Iter { inner: self.inner.clone() }
    }
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        self.inner.next().map(|node| &node.key)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Iter { .. }")
    }
}

/// Owning iterator over a [`BoundedSet`]'s live values.
pub struct IntoIter<T> {
    inner: IntoLive<T, ()>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|(v, ())| v)
    }
}

impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IntoIter { .. }")
    }
}

impl<'a, T, S, P, const CAP: usize, const TTL: u64> IntoIterator
    for &'a BoundedSet<T, S, P, CAP, TTL>
{
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T, S, P, const CAP: usize, const TTL: u64> IntoIterator for BoundedSet<T, S, P, CAP, TTL> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    /// The live values, in arbitrary order.
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { inner: self.table.into_live() }
    }
}
