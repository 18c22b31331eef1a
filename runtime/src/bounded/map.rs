//! [`BoundedMap`] and its iterators.

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::time::Duration;

use super::table::{IntoLive, Live, Table};
use super::{BoundStats, Builder, Config, Evict, EvictReason, Rejected};

/// A `HashMap` that never holds more than `cap` entries.
///
/// What `#[bounded(cap = N, ...)]` turns a `HashMap<K, V>` field into. The
/// const parameters carry the attribute's configuration so that
/// `Default::default()` builds it as declared: `CAP` (0 = set at run time),
/// `EVICT` (0 = LRU, 1 = FIFO, 2 = reject, see [`Evict`]) and `TTL` in
/// nanoseconds (0 = none). Written by hand, `BoundedMap<K, V>` with
/// [`with_cap`](Self::with_cap) or [`builder`](Self::builder) is the usual form.
///
/// Reads that count as a use under LRU, and update the hit/miss counters:
/// [`get`](Self::get), [`get_mut`](Self::get_mut),
/// [`contains_key`](Self::contains_key). [`peek`](Self::peek) reads through
/// `&self` without counting, so shared reads work under an `RwLock`.
///
/// ```
/// use leakproof_runtime::{BoundedMap, Evict};
///
/// let mut cache = BoundedMap::<&str, u32>::with_cap(2);
/// cache.insert("a", 1).unwrap();
/// cache.insert("b", 2).unwrap();
/// cache.get("a");                      // "a" is now the most recently used
/// cache.insert("c", 3).unwrap();       // evicts "b", the least recently used
/// assert_eq!(cache.peek("b"), None);
/// assert_eq!(cache.len(), 2);
/// assert_eq!(cache.stats().evictions, 1);
///
/// let mut pending = BoundedMap::<u64, String>::builder().cap(1).evict(Evict::Reject).build();
/// pending.insert(1, "first".into()).unwrap();
/// let rejected = pending.insert(2, "second".into()).unwrap_err();
/// assert_eq!(rejected.into_inner(), (2, "second".to_string()));
/// ```
pub struct BoundedMap<
    K,
    V,
    S = RandomState,
    const CAP: usize = 0,
    const EVICT: u8 = 0,
    const TTL: u64 = 0,
> {
    table: Table<K, V, S>,
}

impl<K, V, S: Default, const CAP: usize, const EVICT: u8, const TTL: u64>
    BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    /// An empty map holding at most `cap` entries, evicting the least
    /// recently used.
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

impl<K, V, S, const CAP: usize, const EVICT: u8, const TTL: u64>
    BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    table_accessors!("map", "entries");

    /// Calls `listener` with the key, value and reason of every entry the map
    /// drops on its own (capacity eviction or expiry), after it is removed.
    /// Replaces any earlier listener; clones of the map share it.
    pub fn on_evict(&mut self, listener: impl Fn(K, V, EvictReason) + Send + Sync + 'static) {
        self.table.listener = Some(Arc::new(listener));
    }

    /// Live entries, in arbitrary order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter { inner: self.table.iter() }
    }

    /// Live entries with mutable values, in arbitrary order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> + '_ {
        self.table.iter_mut()
    }

    /// Live keys, in arbitrary order.
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.iter().map(|(k, _)| k)
    }

    /// Live values, in arbitrary order.
    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }
}

impl<K: Hash + Eq, V, S: BuildHasher, const CAP: usize, const EVICT: u8, const TTL: u64>
    BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    /// Inserts `key` → `value`.
    ///
    /// Returns `Ok(Some(old))` when the key was present (its value is
    /// replaced, its age reset, and under LRU it becomes the most recently
    /// used), `Ok(None)` for a new key (evicting one entry if the map was
    /// full, which the [`on_evict`](Self::on_evict) listener sees), and
    /// `Err(Rejected((key, value)))` when the map is full under
    /// [`Evict::Reject`]. Expired entries are removed first.
    pub fn insert(&mut self, key: K, value: V) -> Result<Option<V>, Rejected<(K, V)>> {
        self.table.insert(key, value)
    }

    /// The value for `key`, counting as a use (LRU order, hit/miss counters).
    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.touch(key).map(|node| &node.value)
    }

    /// The value for `key`, mutably, counting as a use.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.touch(key).map(|node| &mut node.value)
    }

    /// True if `key` has a live entry, counting as a use.
    pub fn contains_key<Q>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.touch(key).is_some()
    }

    /// The value for `key` without counting as a use: `&self`, no LRU move,
    /// no counters.
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.peek(key).map(|node| &node.value)
    }

    /// Removes `key`, returning its value if it was live.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.remove(key).map(|(_, v)| v)
    }

    /// Removes `key`, returning the stored key and value if it was live.
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.remove(key)
    }

    /// Keeps only the entries for which `keep` returns true.
    pub fn retain(&mut self, keep: impl FnMut(&K, &mut V) -> bool) {
        self.table.retain(keep);
    }

    /// Removes every expired entry now and returns how many. Writes already
    /// do this; call it from a timer when a map may see no writes for long.
    pub fn purge_expired(&mut self) -> usize {
        self.table.purge_expired()
    }

    /// Panics if an internal invariant of the table is broken (index,
    /// eviction and expiry lists, cap). For tests: O(len).
    #[doc(hidden)]
    pub fn assert_invariants(&self) {
        self.table.check_invariants();
    }

    /// Keys in eviction order, the next victim first.
    pub fn eviction_order(&self) -> impl Iterator<Item = &K> + '_ {
        self.table.eviction_order()
    }
}

impl<K, V, S: Default, const CAP: usize, const EVICT: u8, const TTL: u64> Default
    for BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    /// The map the type's const parameters describe. A type without a cap
    /// (`CAP = 0`) has no default: that is a compile-time error.
    fn default() -> Self {
        const { Config::assert_const(CAP, EVICT) };
        Self::from_config(Config::from_const(CAP, EVICT, TTL), S::default())
    }
}

impl<K: Clone, V: Clone, S: Clone, const CAP: usize, const EVICT: u8, const TTL: u64> Clone
    for BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    fn clone(&self) -> Self {
        BoundedMap { table: self.table.clone() }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, const CAP: usize, const EVICT: u8, const TTL: u64> fmt::Debug
    for BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Entries<'a, K, V>(Iter<'a, K, V>);
        impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Entries<'_, K, V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map().entries(self.0.clone()).finish()
            }
        }
        f.debug_struct("BoundedMap")
            .field("config", &self.table.config)
            .field("entries", &Entries(self.iter()))
            .finish()
    }
}

impl<K: Hash + Eq, V, S: BuildHasher, const CAP: usize, const EVICT: u8, const TTL: u64>
    Extend<(K, V)> for BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    /// Inserts each entry in turn, so the bound holds throughout. Under
    /// [`Evict::Reject`] the entries that do not fit are dropped and counted in
    /// `stats().rejections`; use [`insert`](Self::insert) to get them back.
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            let _rejected = self.insert(k, v);
        }
    }
}

impl<K: Hash + Eq, V, S: BuildHasher + Default, const CAP: usize, const EVICT: u8, const TTL: u64>
    FromIterator<(K, V)> for BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    /// Collects into the map the type describes (which needs `CAP > 0`).
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        map.extend(iter);
        map
    }
}

/// Iterator over a [`BoundedMap`]'s live entries, in arbitrary order.
pub struct Iter<'a, K, V> {
    inner: Live<'a, K, V>,
}

impl<K, V> Clone for Iter<'_, K, V> {
    fn clone(&self) -> Self {
        Iter { inner: self.inner.clone() }
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|node| (&node.key, &node.value))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Iter { .. }")
    }
}

/// Owning iterator over a [`BoundedMap`]'s live entries.
pub struct IntoIter<K, V> {
    inner: IntoLive<K, V>,
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);
    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next()
    }
}

impl<K, V> fmt::Debug for IntoIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IntoIter { .. }")
    }
}

impl<'a, K, V, S, const CAP: usize, const EVICT: u8, const TTL: u64> IntoIterator
    for &'a BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<K, V, S, const CAP: usize, const EVICT: u8, const TTL: u64> IntoIterator
    for BoundedMap<K, V, S, CAP, EVICT, TTL>
{
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;
    /// The live entries, in arbitrary order.
    fn into_iter(self) -> IntoIter<K, V> {
        IntoIter { inner: self.table.into_live() }
    }
}

// A map of subscriptions, tasks or components is torn down value by value,
// expired values included (see `lifecycle::containers`).
crate::lifecycle::through_collection! {
    [K, S, const CAP: usize, const EVICT: u8, const TTL: u64]
    BoundedMap<K, T, S, CAP, EVICT, TTL> => |c| c.table.all_values();
}
impl<K, V: crate::audit::TeardownResource, S, const CAP: usize, const EVICT: u8, const TTL: u64>
    crate::audit::TeardownResource for BoundedMap<K, V, S, CAP, EVICT, TTL>
{
}
