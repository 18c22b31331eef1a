//! The engine behind `BoundedMap` and `BoundedSet`.
//!
//! Entries live inline in a `hashbrown::HashTable`, laid out exactly as in a
//! std `HashMap` (the key and the value, nothing else), so a lookup is what
//! std's is: one probe, no second hop. What the policy needs sits beside the
//! table, in arrays indexed by bucket: each bucket's links on the eviction
//! list (an intrusive doubly linked list by `u32` bucket index: insertion
//! order under SIEVE and FIFO, recency under LRU; its head is the oldest),
//! SIEVE's visited bits (one bit per bucket, 32 KiB for a table of 2^18
//! buckets, so they stay in cache: a hit sets its bit with one atomic op
//! through `&self`, skipped when already set), and, once entries can expire
//! (a TTL for the collection, or one entry given its own), a stamp on an
//! expiry list or the timer wheel of [`super::timers`], so a write finds the
//! expired entries without looking at the others.
//!
//! Bucket indices are stable while the table is not resized: a removal
//! leaves the other entries where they are. The table grows (or, full of
//! deletion markers, rehashes) only when the engine asks: before an insert
//! that would make hashbrown resize, [`Table::make_room`] moves every entry
//! into a new table itself, walking the eviction order, and renames every
//! link, bit and stamp as it goes. hashbrown then never moves an entry
//! behind the engine's back (asserted on every insert).
//!
//! Why this shape: an entry costs its key and value, a control byte and two
//! `u32` links (the bytes of schnellru's LRU), plus a bit under SIEVE; the
//! table grows by doubling but never past what `cap` entries need (doubled
//! once under churn), so a cap of a million that holds ten entries holds
//! memory for about ten.

use std::borrow::Borrow;
use std::cell::Cell;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use super::list::{Linked, Links, List, NIL, check_list, remap};
use super::policy::{Guard, Outcome};
use super::timers::{NEVER, Stamp, Timers};
use super::{BoundStats, Config, Evict, EvictReason, Listener};

/// The most buckets a table may have, so that bucket indices and `NIL` fit
/// a `u32`. [`super::MAX_CAP`] keeps a table at 2^31 buckets at most (2^30
/// for `cap` entries, doubled once under churn).
const MAX_BUCKETS: usize = 1 << 31;

/// The TTL a write stamps its entry with.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ttl {
    /// The collection's own (or none).
    Default,
    /// A TTL of the entry's own, in nanoseconds.
    Own(u64),
}

impl Ttl {
    /// A TTL of the entry's own.
    pub(crate) fn of(ttl: std::time::Duration) -> Self {
        Ttl::Own(super::clock::saturating_nanos(ttl))
    }

    pub(crate) fn is_own(self) -> bool {
        matches!(self, Ttl::Own(_))
    }
}

/// One entry, as std's `HashMap` stores it.
#[derive(Clone)]
pub(crate) struct Node<K, V> {
    pub(crate) key: K,
    pub(crate) value: V,
}

/// The node in bucket `i`, which the caller knows is full.
fn slot<K, V>(index: &HashTable<Node<K, V>>, i: u32) -> &Node<K, V> {
    index.get_bucket(i as usize).unwrap_or_else(|| unreachable!("slot {i} holds no entry"))
}

fn slot_mut<K, V>(index: &mut HashTable<Node<K, V>>, i: u32) -> &mut Node<K, V> {
    index.get_bucket_mut(i as usize).unwrap_or_else(|| unreachable!("slot {i} holds no entry"))
}

/// The rehash callback for an insert after `make_room`: hashbrown calls it
/// only to resize, which would move entries behind every link, so it notes
/// the call for [`assert_unmoved`].
fn unmoved<'a, K: Hash, V, S: BuildHasher>(
    hasher: &'a S,
    moved: &'a Cell<bool>,
) -> impl Fn(&Node<K, V>) -> u64 + 'a {
    move |node| {
        moved.set(true);
        hasher.hash_one(&node.key)
    }
}

/// `make_room` left room, so hashbrown did not resize: no entry moved and
/// every link still names the right bucket.
fn assert_unmoved(moved: &Cell<bool>) {
    assert!(!moved.get(), "the table resized on an insert it had room for");
}

impl Linked for Vec<Links> {
    fn links(&self, i: u32) -> Links {
        self[i as usize]
    }

    fn set_prev(&mut self, i: u32, prev: u32) {
        self[i as usize].prev = prev;
    }

    fn set_next(&mut self, i: u32, next: u32) {
        self[i as usize].next = next;
    }
}

/// SIEVE's visited bits, one per bucket. Set through `&self` by racing
/// readers (an atomic OR, skipped when the bit is already set: the common
/// case for a hot key), cleared by writers, who hold `&mut`.
#[derive(Default)]
struct Visited(Vec<AtomicU64>);

impl Clone for Visited {
    fn clone(&self) -> Self {
        Visited(self.0.iter().map(|word| AtomicU64::new(word.load(Relaxed))).collect())
    }
}

impl Visited {
    /// Room for `buckets` bits, all clear.
    fn with_buckets(buckets: usize) -> Self {
        Visited((0..buckets.div_ceil(64)).map(|_| AtomicU64::new(0)).collect())
    }

    #[inline]
    fn get(&self, i: u32) -> bool {
        self.0[i as usize / 64].load(Relaxed) & (1 << (i % 64)) != 0
    }

    #[inline]
    fn set(&self, i: u32) {
        let (word, bit) = (&self.0[i as usize / 64], 1 << (i % 64));
        if word.load(Relaxed) & bit == 0 {
            word.fetch_or(bit, Relaxed);
        }
    }

    /// Clears bit `i`, returning whether it was set.
    fn take(&mut self, i: u32) -> bool {
        let (word, bit) = (self.0[i as usize / 64].get_mut(), 1 << (i % 64));
        let was = *word & bit != 0;
        *word &= !bit;
        was
    }

    fn bytes(&self) -> usize {
        self.0.capacity() * size_of::<AtomicU64>()
    }
}

/// Hit and miss counters, bumped by reads through `&self`. A load and a
/// store, not an atomic add: exact for one thread, and readers racing on
/// several threads may lose a count, which is the price of keeping shared
/// reads as cheap as a `HashMap::get`.
#[derive(Default)]
struct ReadCounts {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ReadCounts {
    #[inline]
    fn bump(counter: &AtomicU64) {
        counter.store(counter.load(Relaxed).wrapping_add(1), Relaxed);
    }
}

pub(crate) struct Table<K, V, S> {
    index: HashTable<Node<K, V>>,
    /// Each bucket's links on the eviction list (`Links::NONE` when empty);
    /// one per bucket of `index` once it allocates, none before.
    links: Vec<Links>,
    /// SIEVE's visited bits, one per bucket; empty under other policies.
    visited: Visited,
    /// Expiry stamps, one per bucket of `index`; empty while the table is
    /// untimed.
    timers: Timers,
    /// Whether entries can expire: a TTL for the collection, or one entry
    /// given a TTL of its own (which times the table from then on).
    timed: bool,
    hasher: S,
    order: List,
    /// SIEVE's hand: the next node to consider for eviction (`NIL`: start
    /// from the oldest).
    hand: u32,
    /// `stats.inserts` when the entries last moved to a new table.
    rebuilt_at: u64,
    pub(crate) config: Config,
    /// Every counter but hits and misses.
    stats: BoundStats,
    reads: ReadCounts,
    pub(crate) listener: Option<Listener<K, V>>,
    /// Each move of the entries to a new table: buckets before and after
    /// (tests only).
    #[cfg(test)]
    rebuilds: Vec<(usize, usize)>,
}

impl<K: Clone, V: Clone, S: Clone> Clone for Table<K, V, S> {
    fn clone(&self) -> Self {
        // hashbrown clones a table bucket for bucket, so every link and
        // stamp stays true of the copy.
        Table {
            index: self.index.clone(),
            links: self.links.clone(),
            visited: self.visited.clone(),
            timers: self.timers.clone(),
            timed: self.timed,
            hasher: self.hasher.clone(),
            order: self.order,
            hand: self.hand,
            rebuilt_at: self.rebuilt_at,
            config: self.config.clone(),
            stats: self.stats,
            reads: ReadCounts {
                hits: AtomicU64::new(self.reads.hits.load(Relaxed)),
                misses: AtomicU64::new(self.reads.misses.load(Relaxed)),
            },
            listener: self.listener.clone(),
            #[cfg(test)]
            rebuilds: self.rebuilds.clone(),
        }
    }
}

impl<K, V, S> Table<K, V, S> {
    pub(crate) fn new(config: Config, hasher: S) -> Self {
        Table {
            index: HashTable::new(),
            links: Vec::new(),
            visited: Visited::default(),
            timers: Timers::default(),
            timed: config.ttl.is_some(),
            hasher,
            order: List::EMPTY,
            hand: NIL,
            rebuilt_at: 0,
            config,
            stats: BoundStats::default(),
            reads: ReadCounts::default(),
            listener: None,
            #[cfg(test)]
            rebuilds: Vec::new(),
        }
    }

    /// All counters.
    pub(crate) fn stats(&self) -> BoundStats {
        BoundStats {
            hits: self.reads.hits.load(Relaxed),
            misses: self.reads.misses.load(Relaxed),
            ..self.stats
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    pub(crate) fn hasher(&self) -> &S {
        &self.hasher
    }

    /// Bytes this table has allocated, from capacities: O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.index.allocation_size()
            + self.links.capacity() * size_of::<Links>()
            + self.visited.bytes()
            + self.timers.stamps.capacity() * size_of::<Stamp>()
            + self.timers.wheel_bytes()
    }

    /// The instant reads compare against, or `None` while nothing expires.
    #[inline]
    pub(crate) fn read_now(&self) -> Option<u64> {
        self.timed.then(|| self.config.now())
    }

    fn expired(&self, i: u32, now: Option<u64>) -> bool {
        match now {
            Some(now) => self.timers.stamps[i as usize].expires <= now,
            None => false,
        }
    }

    /// How many links (and stamps, when timed) the table keeps: one per
    /// bucket, none before it allocates (an empty hashbrown table reports
    /// one bucket).
    fn slots(&self) -> usize {
        if self.index.allocation_size() == 0 { 0 } else { self.index.num_buckets() }
    }

    /// Times the table (an entry is getting a TTL of its own): every entry
    /// already held gets a stamp that never expires.
    fn make_timed(&mut self) {
        if !self.timed {
            self.timed = true;
            self.timers.reset(self.slots());
        }
    }

    /// Every value held, expired ones included (they still own what they
    /// hold until purged): what a shutdown must reach.
    pub(crate) fn all_values(&self) -> impl Iterator<Item = &V> + '_ {
        self.index.iter().map(|node| &node.value)
    }

    /// Live entries in bucket order (arbitrary, like std's hash collections).
    pub(crate) fn iter(&self) -> Live<'_, K, V> {
        Live {
            buckets: self.index.iter_buckets(),
            index: &self.index,
            stamps: &self.timers.stamps,
            now: self.read_now(),
        }
    }

    /// Resets the order, bits and stamps after the index was emptied.
    fn emptied(&mut self) {
        self.order = List::EMPTY;
        self.hand = NIL;
        self.links = Vec::new();
        self.visited = Visited::default();
        if self.timed {
            self.timers.reset(self.slots());
        }
    }

    /// Empties the table. The entries are taken out and the table reset
    /// before any of them is dropped: a key's or value's `Drop` is user code,
    /// and if it panics the table must already be consistent (and empty).
    pub(crate) fn clear(&mut self) {
        self.stats.removals += self.len() as u64;
        let index = std::mem::take(&mut self.index);
        self.emptied();
        drop(index);
    }

    /// The node in slot `i`.
    pub(crate) fn node(&self, i: u32) -> &Node<K, V> {
        slot(&self.index, i)
    }

    /// The node in slot `i`, mutably.
    pub(crate) fn node_mut(&mut self, i: u32) -> &mut Node<K, V> {
        slot_mut(&mut self.index, i)
    }

    /// Live entries, mutable values. Expired entries are purged first (a
    /// `&mut` access, like a write).
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> + '_ {
        self.purge_exact();
        self.index.iter_mut().map(|node| (&node.key, &mut node.value))
    }

    /// The live entries, by value (expired ones purged first).
    pub(crate) fn into_live(mut self) -> IntoLive<K, V> {
        self.purge_exact();
        IntoLive { inner: self.index.into_iter() }
    }

    /// Takes every live entry out (counted as removals), leaving the table
    /// empty; expired ones are purged first.
    pub(crate) fn drain_live(&mut self) -> IntoLive<K, V> {
        self.purge_exact();
        self.stats.removals += self.len() as u64;
        let index = std::mem::take(&mut self.index);
        self.emptied();
        IntoLive { inner: index.into_iter() }
    }

    /// Removes every expired entry whose time the table has reached: those
    /// with the collection's TTL at once, those with a TTL of their own once
    /// their wheel tick has come. Writes do this on their own.
    pub(crate) fn purge_expired(&mut self) -> usize {
        match self.read_now() {
            Some(now) => self.purge_until(now),
            None => 0,
        }
    }

    /// Removes every expired entry, to the nanosecond: before handing out
    /// `&mut` access to every entry (`iter_mut`, `retain`, `drain`), which
    /// must never reach an expired one and cannot look at stamps as it goes.
    fn purge_exact(&mut self) -> usize {
        let Some(now) = self.read_now() else {
            return 0;
        };
        let mut purged = self.purge_until(now);
        for i in self.timers.overdue(now) {
            self.expire_at(i);
            purged += 1;
        }
        purged
    }

    /// Removes the entries of the default list expired at `now`, and the
    /// wheel's whose tick has come.
    fn purge_until(&mut self, now: u64) -> usize {
        let mut purged = 0;
        while let Some(bucket) = self.timers.due_bucket(now) {
            while let Some(i) = self.timers.pop(bucket) {
                if self.timers.due_or_replace(i, bucket, now) {
                    self.expire_at(i);
                    purged += 1;
                }
            }
        }
        while let Some(i) = self.timers.default_expired(now) {
            self.expire_at(i);
            purged += 1;
        }
        purged
    }

    fn expire_at(&mut self, i: u32) {
        let (key, value) = self.remove_at(i);
        self.stats.expirations += 1;
        self.notify(key, value, EvictReason::Expired);
    }

    /// Slot `i` is about to leave its place in the order: a hand resting on
    /// it moves on to the next newer entry.
    fn step_hand_off(&mut self, i: u32) {
        if self.hand == i {
            self.hand = self.links[i as usize].next;
        }
    }

    /// Removes slot `i`; no other entry moves.
    fn remove_at(&mut self, i: u32) -> (K, V) {
        self.step_hand_off(i);
        self.order.unlink(&mut self.links, i);
        self.links[i as usize] = Links::NONE;
        if self.config.evict == Evict::Sieve {
            self.visited.take(i);
        }
        if self.timed {
            self.timers.remove(i);
        }
        let Ok(entry) = self.index.get_bucket_entry(i as usize) else {
            unreachable!("slot {i} holds no entry");
        };
        let (node, _) = entry.remove();
        (node.key, node.value)
    }

    fn notify(&self, key: K, value: V, reason: EvictReason) {
        if let Some(listener) = &self.listener {
            listener(key, value, reason);
        }
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> Table<K, V, S> {
    /// The hash the table files `key` under.
    #[inline]
    pub(crate) fn hash_of<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key)
    }

    fn find<Q>(&self, hash: u64, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let i = self.index.find_bucket_index(hash, |node| node.key.borrow() == key)?;
        Some(i as u32)
    }

    fn lookup<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.index.is_empty() {
            return None;
        }
        self.find(self.hash_of(key), key)
    }

    /// `key`'s live slot: one probe of the table, as in std, plus a look at
    /// its stamp once entries can expire.
    #[inline]
    fn find_live<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.lookup(key)?;
        (!self.expired(i, self.read_now())).then_some(i)
    }

    /// Whether `key`'s live entry is marked visited (SIEVE), without
    /// counting as a use.
    pub(crate) fn visited<Q>(&self, key: &Q) -> Option<bool>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.find_live(key)?;
        Some(self.config.evict == Evict::Sieve && self.visited.get(i))
    }

    /// Read without counting as a use: no stats, no order change, `&self`.
    pub(crate) fn peek<Q>(&self, key: &Q) -> Option<&Node<K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.get_bucket(self.find_live(key)? as usize)
    }

    /// What is left of `key`'s TTL: `None` without a TTL or a live entry.
    pub(crate) fn ttl_left<Q>(&self, key: &Q) -> Option<std::time::Duration>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.read_now()?;
        let i = self.lookup(key)?;
        let expires = self.timers.stamps[i as usize].expires;
        (expires > now && expires != NEVER).then(|| std::time::Duration::from_nanos(expires - now))
    }

    /// A lookup that counts, through `&self`: hit and miss counters, and
    /// under SIEVE (`visit`) the entry's visited bit. An expired entry is a
    /// miss; the next write removes it.
    #[inline]
    pub(crate) fn get_shared<Q>(&self, key: &Q, visit: bool) -> Option<&Node<K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.find_live(key) {
            Some(i) => {
                ReadCounts::bump(&self.reads.hits);
                if visit {
                    self.visited.set(i);
                }
                self.index.get_bucket(i as usize)
            }
            None => {
                ReadCounts::bump(&self.reads.misses);
                None
            }
        }
    }

    /// A lookup that counts, through `&mut self`: a hit is a use (moved to
    /// the back under LRU, visited under SIEVE); an expired entry found on
    /// the way is removed and counts as a miss. Returns the slot.
    pub(crate) fn touch<Q>(&mut self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(i) = self.lookup(key) else {
            *self.reads.misses.get_mut() += 1;
            return None;
        };
        if self.expired(i, self.read_now()) {
            *self.reads.misses.get_mut() += 1;
            self.expire_at(i);
            return None;
        }
        *self.reads.hits.get_mut() += 1;
        self.used(i);
        Some(i)
    }

    /// The live values of `keys`, mutably, each lookup counting as a use (a
    /// hit) or a miss; an expired entry is a miss and stays until the next
    /// write. Panics if two keys find the same entry, as std's
    /// `get_disjoint_mut` does.
    pub(crate) fn get_disjoint_mut<Q, const N: usize>(
        &mut self,
        keys: [&Q; N],
    ) -> [Option<&mut V>; N]
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.read_now();
        let slots = keys.map(|key| self.lookup(key).filter(|&i| !self.expired(i, now)));
        for (n, slot) in slots.iter().enumerate() {
            if let Some(i) = slot {
                assert!(!slots[..n].contains(&Some(*i)), "duplicate keys found");
            }
        }
        for slot in slots {
            match slot {
                Some(i) => self.count_hit(i),
                None => self.count_miss(),
            }
        }
        let hashes = keys.map(|key| self.hash_of(key));
        self.index
            .get_disjoint_mut(hashes, |n, node| slots[n].is_some() && node.key.borrow() == keys[n])
            .map(|node| node.map(|node| &mut node.value))
    }

    /// `entry()` found slot `i`: a hit and a use.
    pub(crate) fn count_hit(&mut self, i: u32) {
        *self.reads.hits.get_mut() += 1;
        self.used(i);
    }

    /// `entry()` found nothing: a miss.
    pub(crate) fn count_miss(&mut self) {
        *self.reads.misses.get_mut() += 1;
    }

    /// Slot `i` was used: under LRU it moves to the back, under SIEVE it is
    /// marked visited; FIFO and reject change nothing.
    fn used(&mut self, i: u32) {
        match self.config.evict {
            Evict::Lru => self.order.move_to_back(&mut self.links, i),
            Evict::Sieve => self.visited.set(i),
            Evict::Fifo | Evict::Reject => {}
        }
    }

    /// The live slot holding `key` (hashed to `hash`), for a write: an
    /// expired entry for the key is purged first, with every older one.
    pub(crate) fn find_for_write<Q>(&mut self, hash: u64, key: &Q, now: Option<u64>) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let i = self.find(hash, key)?;
        if !self.expired(i, now) {
            return Some(i);
        }
        // The expiry list is in time order (the clock the table reads never
        // goes back), so the purge reaches it; the second lookup makes sure,
        // so that a key is never stored twice even if that order were broken.
        self.purge_until(now.unwrap_or(0));
        if let Some(i) = self.find(hash, key) {
            self.expire_at(i);
        }
        None
    }

    /// Replaces slot `i`'s value: a write, so the entry's age restarts (with
    /// the collection's TTL, or `ttl` of its own) and it counts as a use.
    pub(crate) fn replace_at(&mut self, i: u32, value: V, now: Option<u64>, ttl: Ttl) -> V {
        let old = std::mem::replace(&mut self.node_mut(i).value, value);
        self.used(i);
        self.restamp(i, now.unwrap_or(0), ttl);
        old
    }

    /// The instant writes stamp against: times the table first when the
    /// write brings a TTL of its own.
    pub(crate) fn write_now(&mut self, ttl: Ttl) -> Option<u64> {
        if ttl.is_own() {
            self.make_timed();
        } else if !self.timed {
            return None;
        }
        let now = self.config.now_mut();
        if ttl.is_own() {
            self.timers.start_wheel(now);
        }
        Some(now)
    }

    /// Inserts or updates. `Done(Some(old))` for an update, `Done(None)` for
    /// a new entry, `Refused` when full and nothing may be evicted (reject,
    /// or every entry guarded).
    pub(crate) fn insert<G: Guard<K, V>>(
        &mut self,
        key: K,
        value: V,
        ttl: Ttl,
        guard: &G,
    ) -> Outcome<Option<V>, (K, V)> {
        let now = self.write_now(ttl);
        let hash = self.hash_of(&key);
        if let Some(now) = now {
            // Expired entries go first (the key's own too, if it expired).
            self.purge_until(now);
        }
        if self.len() < self.config.cap {
            // Room to spare: one probe finds the key or the bucket it goes
            // to, as std's insert does.
            return Outcome::Done(self.insert_with_room(hash, key, value, now, ttl));
        }
        if let Some(i) = self.find_for_write(hash, &key, now) {
            return Outcome::Done(Some(self.replace_at(i, value, now, ttl)));
        }
        match self.insert_new(hash, key, value, now, ttl, guard) {
            Outcome::Done(_) => Outcome::Done(None),
            Outcome::Refused(entry) => Outcome::Refused(entry),
        }
    }

    /// Inserts or updates in a table with room for a new entry and nothing
    /// expired.
    fn insert_with_room(
        &mut self,
        hash: u64,
        key: K,
        value: V,
        now: Option<u64>,
        ttl: Ttl,
    ) -> Option<V> {
        self.make_room();
        let moved = Cell::new(false);
        let rehash = unmoved(&self.hasher, &moved);
        let entry = self.index.entry(hash, |node| node.key == key, rehash);
        assert_unmoved(&moved);
        match entry {
            Entry::Occupied(entry) => {
                let i = entry.bucket_index() as u32;
                if !self.expired(i, now) {
                    return Some(self.replace_at(i, value, now, ttl));
                }
                // Expired within the wheel's tick, so the purge left it.
                self.expire_at(i);
                self.stats.inserts += 1;
                self.push(key, value, hash, now.unwrap_or(0), ttl);
                None
            }
            Entry::Vacant(entry) => {
                let i = entry.insert(Node { key, value }).bucket_index() as u32;
                self.stats.inserts += 1;
                self.linked(i, now.unwrap_or(0), ttl);
                None
            }
        }
    }

    /// Adds a key known to be absent (`find_for_write` said so), making room
    /// by the policy: expired entries go first, then, if the table is full,
    /// the policy's victim. Returns the slot the key went to, which stays
    /// valid until the next write.
    pub(crate) fn insert_new<G: Guard<K, V>>(
        &mut self,
        hash: u64,
        key: K,
        value: V,
        now: Option<u64>,
        ttl: Ttl,
        guard: &G,
    ) -> Outcome<u32, (K, V)> {
        self.stats.inserts += 1;
        if let Some(now) = now {
            self.purge_until(now);
        }
        let now = now.unwrap_or(0);
        let mut evicted = None;
        if self.len() >= self.config.cap {
            let Some(victim) = self.victim(guard) else {
                self.stats.rejections += 1;
                return Outcome::Refused((key, value));
            };
            self.stats.evictions += 1;
            evicted = Some(self.remove_at(victim));
        }
        let i = self.push(key, value, hash, now, ttl);
        // The listener is user code: it runs once the table is whole again.
        if let Some((old_key, old_value)) = evicted {
            self.notify(old_key, old_value, EvictReason::Capacity);
        }
        Outcome::Done(i)
    }

    /// The slot a full table gives up, or `None` when it may give up none:
    /// under reject, or when the guard keeps every entry. LRU and FIFO take
    /// the oldest unguarded entry; SIEVE moves its hand from where it
    /// stopped, clearing visited bits, to the first unvisited, unguarded
    /// entry (two laps at most: the first clears every bit).
    fn victim<G: Guard<K, V>>(&mut self, guard: &G) -> Option<u32> {
        let len = self.len();
        let keeps = |index: &HashTable<Node<K, V>>, i: u32| {
            G::KEEPS_ANY && {
                let node = slot(index, i);
                guard.keeps(&node.key, &node.value)
            }
        };
        match self.config.evict {
            Evict::Reject => None,
            Evict::Lru | Evict::Fifo => {
                let mut at = self.order.head;
                while at != NIL {
                    if !keeps(&self.index, at) {
                        return Some(at);
                    }
                    at = self.links[at as usize].next;
                }
                None
            }
            Evict::Sieve => {
                let head = self.order.head;
                let mut at = if self.hand == NIL { head } else { self.hand };
                for _ in 0..=2 * len {
                    let next = match self.links[at as usize].next {
                        NIL => head,
                        next => next,
                    };
                    if !self.visited.take(at) && !keeps(&self.index, at) {
                        // `remove_at` moves the hand past it.
                        self.hand = at;
                        return Some(at);
                    }
                    at = next;
                }
                self.hand = at;
                None
            }
        }
    }

    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.lookup(key)?;
        if self.expired(i, self.read_now()) {
            self.expire_at(i);
            return None;
        }
        Some(self.remove_slot(i))
    }

    /// Removes slot `i` at the caller's request (counted as a removal).
    pub(crate) fn remove_slot(&mut self, i: u32) -> (K, V) {
        self.stats.removals += 1;
        self.remove_at(i)
    }

    /// Keeps the live entries for which `keep` returns true; expired entries
    /// go too (counted as expirations).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.purge_exact();
        // A removal moves no other entry, so the walk over buckets holds.
        for i in 0..self.index.num_buckets() {
            let Some(node) = self.index.get_bucket_mut(i) else {
                continue;
            };
            if !keep(&node.key, &mut node.value) {
                self.stats.removals += 1;
                self.remove_at(i as u32);
            }
        }
    }

    /// Makes room for `additional` more entries, never past the cap.
    pub(crate) fn reserve(&mut self, additional: usize) {
        let room = self.config.cap.min(self.len().saturating_add(additional));
        if self.index.capacity() < room {
            self.rebuild(room);
        }
    }

    /// Gives back room the entries do not use.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.rebuild(self.len());
    }

    /// Gives `key`'s live entry a new TTL; false when it has none.
    pub(crate) fn set_ttl<Q>(&mut self, key: &Q, ttl: Ttl) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.write_now(ttl);
        let hash = self.hash_of(key);
        match self.find_for_write(hash, key, now) {
            Some(i) => {
                self.restamp(i, now.unwrap_or(0), ttl);
                true
            }
            None => false,
        }
    }

    /// Gives live slot `i` a new TTL from `now` (its value and age in the
    /// eviction order unchanged).
    pub(crate) fn set_ttl_at(&mut self, i: u32, ttl: Ttl) {
        let now = self.write_now(ttl).unwrap_or(0);
        self.restamp(i, now, ttl);
    }

    /// When an entry written at `now` with `ttl` expires, and whether that
    /// is by a TTL of its own.
    fn expiry(&self, now: u64, ttl: Ttl) -> (u64, bool) {
        match ttl {
            Ttl::Own(ttl) => (now.saturating_add(ttl), true),
            Ttl::Default => (self.config.ttl.map_or(NEVER, |ttl| now.saturating_add(ttl)), false),
        }
    }

    fn restamp(&mut self, i: u32, now: u64, ttl: Ttl) {
        if self.timed {
            let (expires, own) = self.expiry(now, ttl);
            self.timers.restamp(i, expires, own);
        }
    }

    /// Adds an entry as the newest, growing the table first if it has no
    /// room. Returns its slot.
    fn push(&mut self, key: K, value: V, hash: u64, now: u64, ttl: Ttl) -> u32 {
        self.make_room();
        let moved = Cell::new(false);
        let rehash = unmoved(&self.hasher, &moved);
        let i = self.index.insert_unique(hash, Node { key, value }, rehash).bucket_index() as u32;
        assert_unmoved(&moved);
        self.linked(i, now, ttl);
        i
    }

    /// Slot `i` was just filled: it becomes the newest in the eviction
    /// order and gets its stamp.
    fn linked(&mut self, i: u32, now: u64, ttl: Ttl) {
        self.order.push_back(&mut self.links, i);
        if self.timed {
            let (expires, own) = self.expiry(now, ttl);
            self.timers.insert(i, expires, own);
        }
    }

    /// Makes sure the next insert needs no resize. When hashbrown has no
    /// room left (its growth budget, which deletion markers use up, is
    /// spent), the engine moves the entries itself, by hashbrown's own rule:
    /// into a table of the same size when at most half full (which clears
    /// the markers), else into one twice as large, never larger than what
    /// `cap` entries need. A table already that large clears its markers in
    /// place too, unless they come back fast: a full table under churn (an
    /// evicting insert is a removal and an insert) can fill with markers
    /// within a fraction of its length in inserts, and moving every entry
    /// that often would cost more than the inserts. That table doubles,
    /// once, as std's `HashMap` and schnellru would, and then has room to
    /// spare; memory stays within twice what `cap` entries need.
    fn make_room(&mut self) {
        let len = self.len();
        if self.index.capacity() > len {
            return;
        }
        let buckets = self.index.num_buckets();
        let full = if buckets < 8 { buckets - 1 } else { buckets / 8 * 7 };
        let since = self.stats.inserts - self.rebuilt_at;
        let capacity = if len < full / 2 {
            full
        } else if full < self.config.cap {
            (full + 1).max(len + 1).min(self.config.cap)
        } else if since >= 4 * len as u64 {
            full
        } else {
            2 * full
        };
        self.rebuild(capacity);
    }

    /// Moves every entry into a new table with room for `capacity`, in
    /// bucket order (the old table is read front to back, as hashbrown's own
    /// resize reads it), noting where each lands; then every link, visited
    /// bit, the hand and every stamp are renamed through that map.
    fn rebuild(&mut self, capacity: usize) {
        debug_assert!(capacity >= self.len(), "a rebuild must keep every entry");
        // The user's `Hash` runs first, before anything moves: if it panics,
        // the table is as it was.
        let hashes: Vec<u64> = (0..self.links.len())
            .filter_map(|i| self.index.get_bucket(i))
            .map(|node| self.hasher.hash_one(&node.key))
            .collect();
        let mut old = std::mem::replace(&mut self.index, HashTable::with_capacity(capacity));
        self.rebuilt_at = self.stats.inserts;
        #[cfg(test)]
        self.rebuilds.push((old.num_buckets(), self.index.num_buckets()));
        let slots = self.slots();
        assert!(slots <= MAX_BUCKETS, "{slots} buckets: more than 32-bit links reach");
        let mut map = vec![NIL; self.links.len()];
        let mut hashes = hashes.into_iter();
        for (from, to) in map.iter_mut().enumerate() {
            let Ok(entry) = old.get_bucket_entry(from) else {
                continue;
            };
            let (node, _) = entry.remove();
            let Some(hash) = hashes.next() else {
                unreachable!("more entries than hashes");
            };
            let hasher = &self.hasher;
            let at = self.index.insert_unique(hash, node, |node| hasher.hash_one(&node.key));
            *to = at.bucket_index() as u32;
        }
        debug_assert!(old.is_empty(), "an entry was left behind");
        let mut links = vec![Links::NONE; slots];
        let sieve = self.config.evict == Evict::Sieve;
        let visited = if sieve { Visited::with_buckets(slots) } else { Visited::default() };
        for (from, &to) in map.iter().enumerate() {
            if to == NIL {
                continue;
            }
            let Links { prev, next } = self.links[from];
            links[to as usize] = Links { prev: remap(&map, prev), next: remap(&map, next) };
            if sieve && self.visited.get(from as u32) {
                visited.set(to);
            }
        }
        self.links = links;
        self.visited = visited;
        self.order = self.order.remapped(&map);
        self.hand = remap(&map, self.hand);
        if self.timed {
            self.timers.remap(&map, slots);
        }
    }

    /// Checks every internal invariant, panicking with the first one broken:
    /// every entry is found under its own hash; there are links (and, under
    /// SIEVE, bits) for every bucket, and an empty bucket has none set; the
    /// eviction list is mutually linked and visits every entry once; the
    /// table holds no more room than twice what the cap needs; the stamps
    /// agree with the entries and the expiry lists (see
    /// `Timers::check_invariants`). For tests (the model tests call it after
    /// every step); O(buckets).
    pub(crate) fn check_invariants(&self) {
        let (len, cap) = (self.len(), self.config.cap);
        assert!(len <= cap, "len {len} above cap {cap}");
        let most = 2 * (cap.saturating_mul(8) / 7).next_power_of_two().max(16);
        let slots = self.slots();
        assert!(slots <= most, "{slots} buckets for a cap of {cap}");
        assert_eq!(self.links.len(), slots, "links and buckets disagree");
        let sieve = self.config.evict == Evict::Sieve;
        let words = if sieve { slots.div_ceil(64) } else { 0 };
        assert_eq!(self.visited.0.len(), words, "visited bits and buckets disagree");
        let mut full = vec![false; slots];
        for i in self.index.iter_buckets() {
            full[i] = true;
            let node = self.node(i as u32);
            let found = self
                .index
                .find_bucket_index(self.hash_of(&node.key), |other| std::ptr::eq(other, node));
            assert_eq!(found, Some(i), "slot {i} not found under its own hash");
        }
        for (i, _) in full.iter().enumerate().filter(|(_, full)| !**full) {
            assert_eq!(self.links[i], Links::NONE, "empty slot {i} has links");
            assert!(!sieve || !self.visited.get(i as u32), "empty slot {i} is visited");
        }
        assert!(self.hand == NIL || full[self.hand as usize], "hand at {}, empty", self.hand);
        check_list("eviction", &self.order, &self.links, len, |i| full[i as usize]);
        if self.timed {
            self.timers.check_invariants(&full);
        } else {
            assert!(self.timers.stamps.is_empty(), "stamps kept in an untimed table");
        }
    }

    /// Entries in eviction order, next victim first (for tests and debugging).
    pub(crate) fn eviction_order(&self) -> impl Iterator<Item = &K> + '_ {
        let mut at = self.order.head;
        std::iter::from_fn(move || {
            let node = self.index.get_bucket(at as usize)?;
            at = self.links[at as usize].next;
            Some(&node.key)
        })
    }
}

/// Borrowing iterator over live entries.
pub(crate) struct Live<'a, K, V> {
    buckets: hashbrown::hash_table::IterBuckets<'a, Node<K, V>>,
    index: &'a HashTable<Node<K, V>>,
    stamps: &'a [Stamp],
    now: Option<u64>,
}

impl<K, V> Clone for Live<'_, K, V> {
    fn clone(&self) -> Self {
        Live {
            buckets: self.buckets.clone(),
            index: self.index,
            stamps: self.stamps,
            now: self.now,
        }
    }
}

impl<'a, K, V> Iterator for Live<'a, K, V> {
    type Item = &'a Node<K, V>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let i = self.buckets.next()?;
            if let Some(now) = self.now
                && self.stamps[i].expires <= now
            {
                continue;
            }
            if let Some(node) = self.index.get_bucket(i) {
                return Some(node);
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (_, upper) = self.buckets.size_hint();
        match self.now {
            None => (upper.unwrap_or(0), upper),
            Some(_) => (0, upper),
        }
    }
}

/// Owning iterator over live entries.
pub(crate) struct IntoLive<K, V> {
    inner: hashbrown::hash_table::IntoIter<Node<K, V>>,
}

impl<K, V> Iterator for IntoLive<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next().map(|node| (node.key, node.value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasherDefault, DefaultHasher};
    use std::time::Duration;

    use crate::collections::{BoundedMap, ManualClock};

    type Fixed = BuildHasherDefault<DefaultHasher>;

    /// Churn through a table that stays full (evictions) and one that stays
    /// about three quarters full (removals). Removals leave deletion
    /// markers, so the tables run out of room and move their entries to new
    /// tables, larger ones and (once doubled) ones of the same size, entries
    /// with stamps on the default list and in the wheel among them. Every link, hand and stamp
    /// must follow its entry each time.
    #[test]
    fn entries_keep_their_links_and_stamps_across_rebuilds() {
        let clock = ManualClock::new();
        let mut full = BoundedMap::<u64, u64, Fixed>::builder()
            .cap(3_000)
            .ttl(Duration::from_secs(3600))
            .clock(clock.clone())
            .hasher(Fixed::default())
            .build();
        let mut partial = BoundedMap::<u64, u64, Fixed>::builder()
            .cap(4_096)
            .clock(clock.clone())
            .hasher(Fixed::default())
            .build();
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let (mut full_sizes, mut partial_sizes) = (Vec::new(), Vec::new());
        for step in 0..200_000_u64 {
            let key = next() % 1_000_000;
            if key % 3 == 0 {
                full.insert_with_ttl(key, step, Duration::from_millis(1 + key % 5_000));
            } else {
                full.insert(key, step);
            }
            let _ = full.get(&(next() % 1_000_000));
            partial.insert(key, step);
            if partial.len() > 3_000 {
                let victim = *partial.iter().next().map(|(k, _)| k).unwrap();
                partial.remove(&victim);
            }
            clock.advance(Duration::from_micros(50));
            if step % 20_000 == 0 {
                full.assert_invariants();
                partial.assert_invariants();
                full_sizes.push(full.table.index.num_buckets());
                partial_sizes.push(partial.table.index.num_buckets());
            }
        }
        full.assert_invariants();
        partial.assert_invariants();
        for sizes in [&full_sizes, &partial_sizes] {
            let settled = &sizes[sizes.len() / 2..];
            assert!(settled.iter().all(|&b| b == settled[0]), "the table keeps growing: {sizes:?}");
        }
        // The full one grew to the 4,096 buckets 3,000 entries need, doubled
        // once under churn, and then cleared its markers in place.
        assert!(full.stats().evictions > 0 && full.stats().expirations > 0);
        let rebuilds = &full.table.rebuilds;
        assert!(rebuilds.contains(&(4_096, 8_192)), "no doubling under churn: {rebuilds:?}");
        assert!(rebuilds.iter().any(|(from, to)| from == to), "no same-size rebuild: {rebuilds:?}");
        assert_eq!(rebuilds.iter().map(|r| r.1).max(), Some(8_192), "grew twice: {rebuilds:?}");
    }

    /// A full table whose deletion markers come back slowly (256 entries in
    /// 512 buckets: half full) clears them in place and never doubles, so a
    /// long-running service's memory stays flat.
    #[test]
    fn a_table_that_marks_slowly_keeps_its_size() {
        let mut map = BoundedMap::<u64, u64, Fixed>::with_cap_and_hasher(256, Fixed::default());
        for key in 0..2_000_000_u64 {
            map.insert(key.wrapping_mul(0x9E37_79B9_7F4A_7C15), key);
        }
        map.assert_invariants();
        let rebuilds = &map.table.rebuilds;
        assert!(rebuilds.contains(&(512, 512)), "no same-size rebuild: {rebuilds:?}");
        assert_eq!(rebuilds.iter().map(|r| r.1).max(), Some(512), "doubled: {rebuilds:?}");
    }
}
