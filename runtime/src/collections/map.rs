//! [`BoundedMap`], its entry API and its iterators.

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::time::Duration;

use super::policy::{Guard, Guarded, Lru, Outcome, Policy, SharedReads};
use super::table::{IntoLive, Live, Table, Ttl};
use super::{BoundStats, BoundedBuilder, Config, Configure, Evict, EvictReason};

/// A `HashMap` that never holds more than `cap` entries.
///
/// What `#[bounded(cap = N, ...)]` turns a `HashMap<K, V>` field into, and a
/// drop-in for it: `insert` returns `Option<V>`, `get` and `contains_key`
/// take `&self`, and `entry` works as std's does. The type parameters carry
/// the configuration, so `Default::default()` builds the map as declared:
/// `S` the hasher, `P` the eviction policy ([`Sieve`](super::Sieve) by
/// default, [`Lru`], [`Fifo`](super::Fifo), [`Reject`](super::Reject), or a
/// [`Guarded`] one), `CAP` (0 = set at run time) and `TTL` in nanoseconds (0
/// = none). Written by hand, `BoundedMap<K, V>` with
/// [`with_cap`](Self::with_cap) or [`builder`](Self::builder) is the usual
/// form.
///
/// Reads that count as a use, and update the hit/miss counters:
/// [`get`](Self::get), [`get_mut`](Self::get_mut),
/// [`contains_key`](Self::contains_key), [`get_key_value`](Self::get_key_value)
/// and [`entry`](Self::entry). They take `&self` under every policy but
/// [`Lru`] (where a use relinks the entry, so they take `&mut self`).
/// [`peek`](Self::peek) never counts.
///
/// ```
/// use leakproof_runtime::BoundedMap;
///
/// let mut sessions = BoundedMap::<&str, u32>::with_cap(2);
/// assert_eq!(sessions.insert("a", 1), None);      // std's return type
/// assert_eq!(sessions.insert("a", 10), Some(1));
/// sessions.insert("b", 2);
/// assert_eq!(sessions.get("a"), Some(&10));        // `&self`; marks "a" visited
/// sessions.insert("c", 3);                         // evicts "b": unvisited
/// assert!(!sessions.contains_key("b"));
/// *sessions.entry("c").or_insert(0) += 1;
/// assert_eq!(sessions.get("c"), Some(&4));
/// assert_eq!(sessions.stats().evictions, 1);
/// ```
///
/// A map that may refuse says so in its type, and its `insert` returns a
/// `Result` that hands the entry back:
///
/// ```
/// use leakproof_runtime::BoundedMap;
///
/// let mut pending = BoundedMap::<u64, String>::builder().cap(1).reject().build();
/// pending.insert(1, "first".into()).unwrap();
/// let rejected = pending.insert(2, "second".into()).unwrap_err();
/// assert_eq!(rejected.into_inner(), (2, "second".to_string()));
/// ```
///
/// What cannot exist: `reserve` past the cap (it reserves up to the cap:
/// room past it could never be used) and `with_capacity` (the cap is the
/// capacity). std's `get_many_mut` is here under its
/// stable name, [`get_disjoint_mut`](Self::get_disjoint_mut).
pub struct BoundedMap<
    K,
    V,
    S = RandomState,
    P = super::Sieve,
    const CAP: usize = 0,
    const TTL: u64 = 0,
> {
    pub(crate) table: Table<K, V, S>,
    policy: P,
}

impl<K, V, S: Default, P: Policy + Default, const CAP: usize, const TTL: u64>
    BoundedMap<K, V, S, P, CAP, TTL>
{
    /// An empty map holding at most `cap` entries, under the type's policy
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

impl<K, V, S, P: Policy + Default, const CAP: usize, const TTL: u64>
    BoundedMap<K, V, S, P, CAP, TTL>
{
    /// An empty map holding at most `cap` entries, hashing with `hasher`.
    ///
    /// # Panics
    /// If `cap` is 0 or above [`MAX_CAP`](super::MAX_CAP).
    pub fn with_cap_and_hasher(cap: usize, hasher: S) -> Self {
        Self::from_parts(Config::from_const(cap, P::EVICT, TTL), P::default(), hasher)
    }
}

impl<K, V, S, P, const CAP: usize, const TTL: u64> Configure for BoundedMap<K, V, S, P, CAP, TTL> {
    type Policy = P;
    type Hasher = S;
    type With<Q> = BoundedMap<K, V, S, Q, CAP, TTL>;
    fn assemble(config: Config, policy: P, hasher: S) -> Self {
        Self::from_parts(config, policy, hasher)
    }
}

impl<K, V, S, P, const CAP: usize, const TTL: u64> BoundedMap<K, V, S, P, CAP, TTL> {
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

    /// Live entries with mutable values, in arbitrary order. Expired
    /// entries are removed first (counted as expirations), as a write
    /// would: `&mut` access never reaches one.
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

    /// Live values, mutably, in arbitrary order (expired entries removed
    /// first, as for `iter_mut`).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> + '_ {
        self.iter_mut().map(|(_, v)| v)
    }

    /// The live keys, by value.
    pub fn into_keys(self) -> impl Iterator<Item = K> {
        self.into_iter().map(|(k, _)| k)
    }

    /// The live values, by value.
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.into_iter().map(|(_, v)| v)
    }

    /// Empties the map and yields the live entries (counted as removals;
    /// expired ones are removed first, as expirations). Unlike std's
    /// `Drain`, the map is empty as soon as this returns, whether or not the
    /// iterator is used.
    pub fn drain(&mut self) -> IntoIter<K, V> {
        IntoIter { inner: self.table.drain_live() }
    }

    /// The policy value (for a [`Guarded`] map, it holds the guard).
    pub fn policy(&self) -> &P {
        &self.policy
    }
}

impl<K: Hash + Eq, V, S: BuildHasher, P: Policy + Guard<K, V>, const CAP: usize, const TTL: u64>
    BoundedMap<K, V, S, P, CAP, TTL>
{
    /// Inserts `key` → `value`, as `HashMap::insert` does.
    ///
    /// Returns the old value when the key was present (the value is
    /// replaced, its age restarts, and the write counts as a use), `None`
    /// for a new key, evicting one entry if the map was full (the
    /// [`on_evict`](Self::on_evict) listener sees it). Expired entries go
    /// first. Under a policy that can refuse ([`Reject`](super::Reject), a
    /// [`Guarded`] one) the return type is `Result<Option<V>, Rejected<(K,
    /// V)>>`, and a refused entry comes back in the `Err`.
    pub fn insert(&mut self, key: K, value: V) -> P::Insert<Option<V>, (K, V)> {
        P::settle(self.table.insert(key, value, Ttl::Default, &self.policy))
    }

    /// Inserts `key` → `value` to expire `ttl` from now, whatever the map's
    /// own TTL (or if it has none): for expiries that differ per key, such
    /// as a cache's `SET key value EX 10`. Otherwise as [`insert`](Self::insert).
    ///
    /// The entry is never returned once `ttl` has passed, and it leaves
    /// memory within about a millisecond after that, on the next write,
    /// whether or not anyone reads it: entries with a TTL of their own sit
    /// in a hierarchical timer wheel, so expiring them costs amortized O(1)
    /// per write however their TTLs are mixed. A later plain `insert` of
    /// the key gives it the map's TTL again (none, if the map has none).
    ///
    /// ```
    /// use leakproof_runtime::{BoundedMap, ManualClock};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let mut cache = BoundedMap::<&str, &str>::builder().cap(100).clock(clock.clone()).build();
    /// cache.insert("motd", "hello"); // no TTL: this map has none
    /// cache.insert_with_ttl("otp", "493817", Duration::from_secs(30));
    /// clock.advance(Duration::from_secs(10));
    /// assert_eq!(cache.ttl_of("otp"), Some(Duration::from_secs(20)));
    /// clock.advance(Duration::from_secs(20));
    /// assert_eq!(cache.get("otp"), None);
    /// assert_eq!(cache.get("motd"), Some(&"hello"));
    /// ```
    pub fn insert_with_ttl(
        &mut self,
        key: K,
        value: V,
        ttl: Duration,
    ) -> P::Insert<Option<V>, (K, V)> {
        P::settle(self.table.insert(key, value, Ttl::of(ttl), &self.policy))
    }

    /// The entry for `key`, for in-place updates, as `HashMap::entry`. Finding
    /// the key counts as a use; inserting into a vacant entry makes room by
    /// the policy (and under one that can refuse, returns the `Rejected`
    /// entry instead).
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S, P> {
        let now = self.table.read_now();
        let hash = self.table.hash_of(&key);
        match self.table.find_for_write(hash, &key, now) {
            Some(slot) => {
                self.table.count_hit(slot);
                Entry::Occupied(OccupiedEntry { table: &mut self.table, slot })
            }
            None => {
                self.table.count_miss();
                Entry::Vacant(VacantEntry {
                    table: &mut self.table,
                    policy: &self.policy,
                    key,
                    hash,
                    now,
                })
            }
        }
    }
}

impl<K: Hash + Eq, V, S: BuildHasher, P, const CAP: usize, const TTL: u64>
    BoundedMap<K, V, S, P, CAP, TTL>
{
    /// The value for `key`, mutably, counting as a use.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.table.touch(key)?;
        Some(&mut self.table.node_mut(slot).value)
    }

    /// The values of several keys at once, mutably, as std's
    /// `HashMap::get_disjoint_mut`: each lookup counts as a use or a miss.
    ///
    /// # Panics
    ///
    /// If two of the keys find the same entry.
    ///
    /// ```
    /// use leakproof_runtime::BoundedMap;
    ///
    /// let mut balances = BoundedMap::<&str, u64>::with_cap(100);
    /// balances.insert("ada", 10);
    /// balances.insert("bob", 5);
    /// if let [Some(from), Some(to)] = balances.get_disjoint_mut(["ada", "bob"]) {
    ///     *from -= 3;
    ///     *to += 3;
    /// }
    /// assert_eq!((balances["ada"], balances["bob"]), (7, 8));
    /// ```
    pub fn get_disjoint_mut<Q, const N: usize>(&mut self, keys: [&Q; N]) -> [Option<&mut V>; N]
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.get_disjoint_mut(keys)
    }

    /// The value for `key` without counting as a use: no order change, no
    /// visited bit, no counters.
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.peek(key).map(|node| &node.value)
    }

    /// What is left of `key`'s time to live: `None` when its entry never
    /// expires or is not live. Does not count as a use.
    ///
    /// ```
    /// use leakproof_runtime::{BoundedMap, ManualClock};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let mut sessions = BoundedMap::<u32, &str>::builder()
    ///     .cap(10)
    ///     .ttl(Duration::from_secs(30))
    ///     .clock(clock.clone())
    ///     .build();
    /// sessions.insert(1, "ada");
    /// clock.advance(Duration::from_secs(12));
    /// assert_eq!(sessions.ttl_of(&1), Some(Duration::from_secs(18)));
    /// clock.advance(Duration::from_secs(18));
    /// assert_eq!(sessions.ttl_of(&1), None);
    /// ```
    pub fn ttl_of<Q>(&self, key: &Q) -> Option<Duration>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.ttl_left(key)
    }

    /// Gives `key`'s live entry a TTL of its own, `ttl` from now (Redis's
    /// `EXPIRE`); its value and place in the eviction order stay. Returns
    /// whether there was a live entry.
    pub fn set_ttl<Q>(&mut self, key: &Q, ttl: Duration) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.set_ttl(key, Ttl::of(ttl))
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

    /// Keeps only the entries for which `keep` returns true. Expired
    /// entries are removed first (counted as expirations): `keep` only sees
    /// live ones.
    pub fn retain(&mut self, keep: impl FnMut(&K, &mut V) -> bool) {
        self.table.retain(keep);
    }

    /// Removes every expired entry now and returns how many. Writes already
    /// do this; call it from a timer when a map may see no writes for long.
    /// Entries with a TTL of their own leave once the timer wheel's tick
    /// (about 1 ms) after their expiry has come; until then reads already
    /// treat them as gone.
    pub fn purge_expired(&mut self) -> usize {
        self.table.purge_expired()
    }

    /// Makes room for `additional` more entries without growing again, as
    /// std's `reserve` does, but never past the cap: room for more than the
    /// cap could never be used. So `reserve(usize::MAX)` allocates what
    /// the cap needs, and nothing more.
    pub fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional);
    }

    /// Gives back the room the entries do not use (never below `len`).
    pub fn shrink_to_fit(&mut self) {
        self.table.shrink_to_fit();
    }

    /// Panics if an internal invariant of the table is broken (index,
    /// eviction and expiry lists, hand, cap). For tests: O(capacity).
    #[doc(hidden)]
    pub fn assert_invariants(&self) {
        self.table.check_invariants();
    }

    /// Keys in queue order, oldest first: under LRU and FIFO the next victim
    /// first; under SIEVE the order the hand walks (see
    /// [`visited`](Self::visited)).
    pub fn eviction_order(&self) -> impl Iterator<Item = &K> + '_ {
        self.table.eviction_order()
    }

    /// Whether `key`'s entry has been used since SIEVE's hand last passed it
    /// (always false under other policies). For tests and debugging.
    #[doc(hidden)]
    pub fn visited<Q>(&self, key: &Q) -> Option<bool>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.visited(key)
    }
}

impl<K: Hash + Eq, V, S: BuildHasher, P: SharedReads, const CAP: usize, const TTL: u64>
    BoundedMap<K, V, S, P, CAP, TTL>
{
    /// The value for `key`, counting as a use (the hit/miss counters, and
    /// under SIEVE the entry's visited bit). `&self`: a relaxed store, no
    /// relinking, so it works behind an `RwLock` read guard.
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.get_shared(key, P::EVICT == Evict::Sieve).map(|node| &node.value)
    }

    /// The stored key and value for `key`, counting as a use.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.get_shared(key, P::EVICT == Evict::Sieve).map(|node| (&node.key, &node.value))
    }

    /// True if `key` has a live entry, counting as a use.
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.get_shared(key, P::EVICT == Evict::Sieve).is_some()
    }
}

impl<K, V, S, P, Q, const CAP: usize, const TTL: u64> std::ops::Index<&Q>
    for BoundedMap<K, V, S, P, CAP, TTL>
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ?Sized,
    S: BuildHasher,
{
    type Output = V;

    /// The value for `key`, without counting as a use (as `peek`).
    ///
    /// # Panics
    /// If `key` has no live entry, as std's.
    fn index(&self, key: &Q) -> &V {
        match self.peek(key) {
            Some(value) => value,
            None => panic!("no live entry for the key"),
        }
    }
}

/// Under exact LRU a use relinks the entry: these reads take `&mut self`.
macro_rules! lru_reads {
    ($([$($gen:tt)*] $policy:ty;)*) => {$(
        impl<K: Hash + Eq, V, S: BuildHasher, $($gen)* const CAP: usize, const TTL: u64>
            BoundedMap<K, V, S, $policy, CAP, TTL>
        {
            /// The value for `key`, counting as a use: under LRU it becomes
            /// the most recently used, so this takes `&mut self` (use
            /// [`peek`](Self::peek) to read without counting).
            pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
            where
                K: Borrow<Q>,
                Q: Hash + Eq + ?Sized,
            {
                let slot = self.table.touch(key)?;
                Some(&self.table.node(slot).value)
            }

            /// The stored key and value for `key`, counting as a use.
            pub fn get_key_value<Q>(&mut self, key: &Q) -> Option<(&K, &V)>
            where
                K: Borrow<Q>,
                Q: Hash + Eq + ?Sized,
            {
                let slot = self.table.touch(key)?;
                let node = self.table.node(slot);
                Some((&node.key, &node.value))
            }

            /// True if `key` has a live entry, counting as a use.
            pub fn contains_key<Q>(&mut self, key: &Q) -> bool
            where
                K: Borrow<Q>,
                Q: Hash + Eq + ?Sized,
            {
                self.table.touch(key).is_some()
            }
        }
    )*};
}

lru_reads! {
    [] Lru;
    [G,] Guarded<Lru, G>;
}

/// A view into one entry of a [`BoundedMap`], as std's `hash_map::Entry`.
pub enum Entry<'a, K, V, S, P> {
    /// The key has a live entry.
    Occupied(OccupiedEntry<'a, K, V, S>),
    /// The key has none.
    Vacant(VacantEntry<'a, K, V, S, P>),
}

/// A live entry, as std's `hash_map::OccupiedEntry`.
pub struct OccupiedEntry<'a, K, V, S> {
    table: &'a mut Table<K, V, S>,
    slot: u32,
}

/// An absent key, as std's `hash_map::VacantEntry`.
pub struct VacantEntry<'a, K, V, S, P> {
    table: &'a mut Table<K, V, S>,
    policy: &'a P,
    key: K,
    hash: u64,
    now: Option<u64>,
}

impl<'a, K: Hash + Eq, V, S: BuildHasher, P: Policy + Guard<K, V>> Entry<'a, K, V, S, P> {
    /// The value, inserting `default` if the key was vacant.
    pub fn or_insert(self, default: V) -> P::Insert<&'a mut V, (K, V)> {
        self.or_insert_with(|| default)
    }

    /// The value, inserting `default()` if the key was vacant.
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> P::Insert<&'a mut V, (K, V)> {
        self.or_insert_with_key(|_| default())
    }

    /// The value, inserting `default(&key)` if the key was vacant.
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(
        self,
        default: F,
    ) -> P::Insert<&'a mut V, (K, V)> {
        match self {
            Entry::Occupied(entry) => P::settle(Outcome::Done(entry.into_mut())),
            Entry::Vacant(entry) => {
                let value = default(&entry.key);
                entry.insert(value)
            }
        }
    }

    /// The value, inserting `V::default()` if the key was vacant.
    pub fn or_default(self) -> P::Insert<&'a mut V, (K, V)>
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// Runs `f` on the value if the key is occupied.
    pub fn and_modify<F: FnOnce(&mut V)>(mut self, f: F) -> Self {
        if let Entry::Occupied(entry) = &mut self {
            f(entry.get_mut());
        }
        self
    }

    /// The entry's key.
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(entry) => entry.key(),
            Entry::Vacant(entry) => entry.key(),
        }
    }
}

impl<'a, K, V, S> OccupiedEntry<'a, K, V, S> {
    /// The stored key.
    pub fn key(&self) -> &K {
        &self.table.node(self.slot).key
    }

    /// The value.
    pub fn get(&self) -> &V {
        &self.table.node(self.slot).value
    }

    /// The value, mutably.
    pub fn get_mut(&mut self) -> &mut V {
        &mut self.table.node_mut(self.slot).value
    }

    /// The value, mutably, for as long as the map's borrow.
    pub fn into_mut(self) -> &'a mut V {
        &mut self.table.node_mut(self.slot).value
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> OccupiedEntry<'_, K, V, S> {
    /// Replaces the value, returning the old one. A write: the entry's age
    /// restarts, under the map's TTL.
    pub fn insert(&mut self, value: V) -> V {
        let now = self.table.read_now();
        self.table.replace_at(self.slot, value, now, Ttl::Default)
    }

    /// Replaces the value, returning the old one, to expire `ttl` from now
    /// (see [`BoundedMap::insert_with_ttl`]).
    pub fn insert_with_ttl(&mut self, value: V, ttl: Duration) -> V {
        let ttl = Ttl::of(ttl);
        let now = self.table.write_now(ttl);
        self.table.replace_at(self.slot, value, now, ttl)
    }

    /// Gives the entry a TTL of its own, `ttl` from now (see
    /// [`BoundedMap::set_ttl`]).
    pub fn set_ttl(&mut self, ttl: Duration) {
        self.table.set_ttl_at(self.slot, Ttl::of(ttl));
    }

    /// Removes the entry, returning its value.
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Removes the entry, returning the stored key and value.
    pub fn remove_entry(self) -> (K, V) {
        self.table.remove_slot(self.slot)
    }
}

impl<'a, K: Hash + Eq, V, S: BuildHasher, P: Policy + Guard<K, V>> VacantEntry<'a, K, V, S, P> {
    /// The key that would be inserted.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Takes the key back.
    pub fn into_key(self) -> K {
        self.key
    }

    /// Inserts `value`, making room by the policy, and returns it mutably.
    /// Under a policy that can refuse the return type is `Result<&mut V,
    /// Rejected<(K, V)>>`.
    pub fn insert(self, value: V) -> P::Insert<&'a mut V, (K, V)> {
        self.insert_timed(value, Ttl::Default)
    }

    /// Inserts `value` to expire `ttl` from now (see
    /// [`BoundedMap::insert_with_ttl`]); otherwise as [`insert`](Self::insert).
    pub fn insert_with_ttl(self, value: V, ttl: Duration) -> P::Insert<&'a mut V, (K, V)> {
        self.insert_timed(value, Ttl::of(ttl))
    }

    fn insert_timed(self, value: V, ttl: Ttl) -> P::Insert<&'a mut V, (K, V)> {
        let VacantEntry { table, policy, key, hash, now } = self;
        let now = if ttl.is_own() { table.write_now(ttl) } else { now };
        P::settle(match table.insert_new(hash, key, value, now, ttl, policy) {
            Outcome::Done(slot) => Outcome::Done(&mut table.node_mut(slot).value),
            Outcome::Refused(entry) => Outcome::Refused(entry),
        })
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, P> fmt::Debug for Entry<'_, K, V, S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(entry) => f.debug_tuple("Entry").field(entry).finish(),
            Entry::Vacant(entry) => f.debug_tuple("Entry").field(entry).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for OccupiedEntry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry").field("key", self.key()).field("value", self.get()).finish()
    }
}

impl<K: fmt::Debug, V, S, P> fmt::Debug for VacantEntry<'_, K, V, S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(&self.key).finish()
    }
}

impl<K, V, S: Default, P: Policy + Default, const CAP: usize, const TTL: u64> Default
    for BoundedMap<K, V, S, P, CAP, TTL>
{
    /// The map the type's parameters describe. A type without a cap
    /// (`CAP = 0`) has no default: that is a compile-time error.
    fn default() -> Self {
        const { Config::assert_const(CAP) };
        Self::from_parts(Config::from_const(CAP, P::EVICT, TTL), P::default(), S::default())
    }
}

impl<K: Clone, V: Clone, S: Clone, P: Clone, const CAP: usize, const TTL: u64> Clone
    for BoundedMap<K, V, S, P, CAP, TTL>
{
    fn clone(&self) -> Self {
        BoundedMap { table: self.table.clone(), policy: self.policy.clone() }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, P, const CAP: usize, const TTL: u64> fmt::Debug
    for BoundedMap<K, V, S, P, CAP, TTL>
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

impl<K: Hash + Eq, V, S: BuildHasher, P: Policy + Guard<K, V>, const CAP: usize, const TTL: u64>
    Extend<(K, V)> for BoundedMap<K, V, S, P, CAP, TTL>
{
    /// Inserts each entry in turn, so the bound holds throughout. Under a
    /// policy that can refuse, the entries that do not fit are dropped and
    /// counted in `stats().rejections`; use `insert` to get them back.
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            let _refused = self.table.insert(k, v, Ttl::Default, &self.policy);
        }
    }
}

impl<K: Hash + Eq, V: PartialEq, S: BuildHasher, P, const CAP: usize, const TTL: u64> PartialEq
    for BoundedMap<K, V, S, P, CAP, TTL>
{
    /// Equal when both hold the same live entries (configuration and
    /// counters are not compared), as std's `HashMap`.
    fn eq(&self, other: &Self) -> bool {
        let mut count = 0;
        let all_found = self.iter().all(|(k, v)| {
            count += 1;
            other.table.peek(k).is_some_and(|node| node.value == *v)
        });
        all_found && count == other.iter().count()
    }
}

impl<
    K: Hash + Eq,
    V,
    S: BuildHasher + Default,
    P: Policy + Guard<K, V> + Default,
    const CAP: usize,
    const TTL: u64,
> FromIterator<(K, V)> for BoundedMap<K, V, S, P, CAP, TTL>
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

impl<'a, K, V, S, P, const CAP: usize, const TTL: u64> IntoIterator
    for &'a BoundedMap<K, V, S, P, CAP, TTL>
{
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<K, V, S, P, const CAP: usize, const TTL: u64> IntoIterator
    for BoundedMap<K, V, S, P, CAP, TTL>
{
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;
    /// The live entries, in arbitrary order.
    fn into_iter(self) -> IntoIter<K, V> {
        IntoIter { inner: self.table.into_live() }
    }
}

// A map of subscriptions, tasks or components is torn down value by value,
// expired values included (see `shutdown::containers`).
crate::shutdown::through_collection! {
    [K, S, P, const CAP: usize, const TTL: u64]
    BoundedMap<K, T, S, P, CAP, TTL> => |c| c.table.all_values();
}
impl<K, V: crate::audit::TeardownResource, S, P, const CAP: usize, const TTL: u64>
    crate::audit::TeardownResource for BoundedMap<K, V, S, P, CAP, TTL>
{
}
