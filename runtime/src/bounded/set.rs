//! [`BoundedSet`] and its iterators.

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::time::Duration;

use super::table::{IntoLive, Live, Table};
use super::{BoundStats, Builder, Config, Evict, EvictReason, Rejected};

/// A `HashSet` that never holds more than `cap` values.
///
/// What `#[bounded(cap = N, ...)]` turns a `HashSet<T>` field into; the const
/// parameters are as on [`BoundedMap`](super::BoundedMap): `CAP` (0 = set at
/// run time), `EVICT` (0 = LRU, 1 = FIFO, 2 = reject) and `TTL` in
/// nanoseconds (0 = none).
///
/// ```
/// use leakproof_runtime::BoundedSet;
///
/// // The audit's first leak: closed socket ids, inserted forever.
/// let mut closed = BoundedSet::<u64>::with_cap(3);
/// for socket in 0..1_000 {
///     closed.insert(socket).unwrap();
/// }
/// assert_eq!(closed.len(), 3);
/// assert!(closed.contains(&999));
/// assert!(!closed.contains(&0));
/// assert_eq!(closed.stats().evictions, 997);
/// ```
pub struct BoundedSet<
    T,
    S = RandomState,
    const CAP: usize = 0,
    const EVICT: u8 = 0,
    const TTL: u64 = 0,
> {
    table: Table<T, (), S>,
}

impl<T, S: Default, const CAP: usize, const EVICT: u8, const TTL: u64>
    BoundedSet<T, S, CAP, EVICT, TTL>
{
    /// An empty set holding at most `cap` values, evicting the least recently
    /// used.
    ///
    /// # Panics
    /// If `cap` is 0 or above [`MAX_CAP`](super::MAX_CAP).
    pub fn with_cap(cap: usize) -> Self {
        Self::from_config(Config::new(cap, Evict::Lru, None), S::default())
    }

    /// A builder for cap, policy, TTL and clock.
    pub fn builder() -> Builder<Self> {
        Builder::new(|config| Self::from_config(config, S::default()))
    }
}

impl<T, S, const CAP: usize, const EVICT: u8, const TTL: u64> BoundedSet<T, S, CAP, EVICT, TTL> {
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
}

impl<T: Hash + Eq, S: BuildHasher, const CAP: usize, const EVICT: u8, const TTL: u64>
    BoundedSet<T, S, CAP, EVICT, TTL>
{
    /// Adds `value`. `Ok(true)` if it was not present; `Ok(false)` if it was
    /// (its age is reset and under LRU it becomes the most recently used);
    /// `Err(Rejected(value))` when full under [`Evict::Reject`]. When full
    /// under LRU or FIFO one value is evicted to make room.
    pub fn insert(&mut self, value: T) -> Result<bool, Rejected<T>> {
        match self.table.insert(value, ()) {
            Ok(old) => Ok(old.is_none()),
            Err(Rejected((value, ()))) => Err(Rejected(value)),
        }
    }

    /// True if `value` is live, counting as a use (LRU order, hit/miss).
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
        self.table.touch(value).map(|node| &node.key)
    }

    /// The stored value equal to `value`, without counting as a use (`&self`).
    pub fn peek<Q>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.peek(value).map(|node| &node.key)
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

    /// Keeps only the values for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.table.retain(|v, ()| keep(v));
    }

    /// Removes every expired value now and returns how many.
    pub fn purge_expired(&mut self) -> usize {
        self.table.purge_expired()
    }

    /// Panics if an internal invariant of the table is broken (index,
    /// eviction and expiry lists, cap). For tests: O(len).
    #[doc(hidden)]
    pub fn assert_invariants(&self) {
        self.table.check_invariants();
    }

    /// Values in eviction order, the next victim first.
    pub fn eviction_order(&self) -> impl Iterator<Item = &T> + '_ {
        self.table.eviction_order()
    }
}

impl<T, S: Default, const CAP: usize, const EVICT: u8, const TTL: u64> Default
    for BoundedSet<T, S, CAP, EVICT, TTL>
{
    /// The set the type's const parameters describe. A type without a cap
    /// (`CAP = 0`) has no default: that is a compile-time error.
    fn default() -> Self {
        const { Config::assert_const(CAP, EVICT) };
        Self::from_config(Config::from_const(CAP, EVICT, TTL), S::default())
    }
}

impl<T: Clone, S: Clone, const CAP: usize, const EVICT: u8, const TTL: u64> Clone
    for BoundedSet<T, S, CAP, EVICT, TTL>
{
    fn clone(&self) -> Self {
        BoundedSet { table: self.table.clone() }
    }
}

impl<T: fmt::Debug, S, const CAP: usize, const EVICT: u8, const TTL: u64> fmt::Debug
    for BoundedSet<T, S, CAP, EVICT, TTL>
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

impl<T: Hash + Eq, S: BuildHasher, const CAP: usize, const EVICT: u8, const TTL: u64> Extend<T>
    for BoundedSet<T, S, CAP, EVICT, TTL>
{
    /// Inserts each value in turn, so the bound holds throughout. Under
    /// [`Evict::Reject`] the values that do not fit are dropped and counted in
    /// `stats().rejections`; use [`insert`](Self::insert) to get them back.
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            let _rejected = self.insert(value);
        }
    }
}

impl<T: Hash + Eq, S: BuildHasher + Default, const CAP: usize, const EVICT: u8, const TTL: u64>
    FromIterator<T> for BoundedSet<T, S, CAP, EVICT, TTL>
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

impl<'a, T, S, const CAP: usize, const EVICT: u8, const TTL: u64> IntoIterator
    for &'a BoundedSet<T, S, CAP, EVICT, TTL>
{
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T, S, const CAP: usize, const EVICT: u8, const TTL: u64> IntoIterator
    for BoundedSet<T, S, CAP, EVICT, TTL>
{
    type Item = T;
    type IntoIter = IntoIter<T>;
    /// The live values, in arbitrary order.
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { inner: self.table.into_live() }
    }
}
