//! The engine behind `BoundedMap` and `BoundedSet`.
//!
//! Entries live in a dense slab (`Vec<Node>`), found through a
//! `hashbrown::HashTable<u32>` of slab indices, and are threaded on an
//! intrusive doubly linked list by `u32` index: the eviction order (insertion
//! order under SIEVE and FIFO, recency under LRU; its head is the oldest).
//! Under SIEVE a hand walks that list from the head; each node's "visited"
//! bit is kept in an unused bit of its stored hash (bit 56: hashbrown reads
//! the top seven bits and the low bits below the table size, never this one),
//! so a hit from `&self` is one relaxed store into a cache line the lookup
//! already touched, and a node stays as small as before. Once entries can
//! expire (a TTL for the collection, or one entry given its own), each has a
//! stamp in a parallel `Vec` (empty otherwise) on an expiry list or the
//! timer wheel of [`super::timers`], so a write finds the expired entries
//! without looking at the others.
//!
//! Why this shape: an evicting insert reuses the victim's slot in place (no
//! allocation, no slab hole), a removal swaps the last node into the hole (the
//! slab stays dense, so memory follows `len`, not history), and an entry costs
//! its key, value, stored hash and two `u32` links, plus 4 bytes and a control
//! byte in the index. The slab grows by doubling but never past `cap`, so a
//! cap of a million that holds ten entries holds memory for about ten.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use hashbrown::HashTable;

use super::list::{Linked, Links, List, NIL, check_list};
use super::policy::{Guard, Outcome};
use super::timers::{NEVER, Stamp, Timers};
use super::{BoundStats, Config, Evict, EvictReason, Listener};

/// SIEVE's visited bit, inside the stored hash. Every hash the table uses
/// has it cleared, so lookups, inserts and rehashing agree.
const VISITED: u64 = 1 << 56;

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

pub(crate) struct Node<K, V> {
    pub(crate) key: K,
    pub(crate) value: V,
    /// The key's hash with [`VISITED`] as the visited bit: atomic so that a
    /// read through `&self` can set it.
    hash: AtomicU64,
    links: Links,
}

impl<K: Clone, V: Clone> Clone for Node<K, V> {
    fn clone(&self) -> Self {
        Node {
            key: self.key.clone(),
            value: self.value.clone(),
            hash: AtomicU64::new(self.hash.load(Relaxed)),
            links: self.links,
        }
    }
}

impl<K, V> Node<K, V> {
    fn hash(&self) -> u64 {
        self.hash.load(Relaxed) & !VISITED
    }

    /// Marks the node used. From `&self`: racing readers all store the same
    /// bit, and writers, which clear it, hold `&mut`.
    #[inline]
    fn visit(&self) {
        let hash = self.hash.load(Relaxed);
        if hash & VISITED == 0 {
            self.hash.store(hash | VISITED, Relaxed);
        }
    }

    /// Whether the visited bit is set.
    pub(crate) fn is_visited(&self) -> bool {
        self.hash.load(Relaxed) & VISITED != 0
    }

    /// Clears the visited bit, returning whether it was set.
    fn unvisit(&mut self) -> bool {
        let hash = self.hash.get_mut();
        let was = *hash & VISITED != 0;
        *hash &= !VISITED;
        was
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

impl<K, V> Linked for Vec<Node<K, V>> {
    fn links(&mut self, i: u32) -> &mut Links {
        &mut self[i as usize].links
    }
}

pub(crate) struct Table<K, V, S> {
    nodes: Vec<Node<K, V>>,
    /// Expiry stamps, parallel to `nodes`; empty while the table is untimed.
    timers: Timers,
    /// Whether entries can expire: a TTL for the collection, or one entry
    /// given a TTL of its own (which times the table from then on).
    timed: bool,
    index: HashTable<u32>,
    hasher: S,
    order: List,
    /// SIEVE's hand: the next node to consider for eviction (`NIL`: start
    /// from the oldest).
    hand: u32,
    pub(crate) config: Config,
    /// Every counter but hits and misses.
    stats: BoundStats,
    reads: ReadCounts,
    pub(crate) listener: Option<Listener<K, V>>,
}

impl<K: Clone, V: Clone, S: Clone> Clone for Table<K, V, S> {
    fn clone(&self) -> Self {
        Table {
            nodes: self.nodes.clone(),
            timers: self.timers.clone(),
            timed: self.timed,
            index: self.index.clone(),
            hasher: self.hasher.clone(),
            order: self.order,
            hand: self.hand,
            config: self.config.clone(),
            stats: self.stats,
            reads: ReadCounts {
                hits: AtomicU64::new(self.reads.hits.load(Relaxed)),
                misses: AtomicU64::new(self.reads.misses.load(Relaxed)),
            },
            listener: self.listener.clone(),
        }
    }
}

impl<K, V, S> Table<K, V, S> {
    pub(crate) fn new(config: Config, hasher: S) -> Self {
        Table {
            nodes: Vec::new(),
            timers: Timers::default(),
            timed: config.ttl.is_some(),
            index: HashTable::new(),
            hasher,
            order: List::EMPTY,
            hand: NIL,
            config,
            stats: BoundStats::default(),
            reads: ReadCounts::default(),
            listener: None,
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
        self.nodes.len()
    }

    pub(crate) fn hasher(&self) -> &S {
        &self.hasher
    }

    /// Bytes this table has allocated, from capacities: O(1).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<Node<K, V>>()
            + self.timers.stamps.capacity() * size_of::<Stamp>()
            + self.timers.wheel_bytes()
            + self.index.allocation_size()
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

    /// Times the table (an entry is getting a TTL of its own): every entry
    /// already held gets a stamp that never expires.
    fn make_timed(&mut self) {
        if !self.timed {
            self.timed = true;
            self.timers.stamps.reserve_exact(self.nodes.capacity());
            for _ in 0..self.nodes.len() {
                self.timers.push_never();
            }
        }
    }

    /// Every value held, expired ones included (they still own what they
    /// hold until purged): what a shutdown must reach.
    pub(crate) fn all_values(&self) -> impl Iterator<Item = &V> + '_ {
        self.nodes.iter().map(|node| &node.value)
    }

    /// Live entries in slab order (arbitrary, like std's hash collections).
    pub(crate) fn iter(&self) -> Live<'_, K, V> {
        Live { nodes: self.nodes.iter(), stamps: &self.timers.stamps, at: 0, now: self.read_now() }
    }

    /// Live entries, mutable values.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> + '_ {
        let now = self.read_now();
        let stamps = &self.timers.stamps;
        self.nodes
            .iter_mut()
            .enumerate()
            .filter(move |(i, _)| now.is_none_or(|now| stamps[*i].expires > now))
            .map(|(_, node)| (&node.key, &mut node.value))
    }

    /// The live entries, by value.
    pub(crate) fn into_live(self) -> IntoLive<K, V> {
        IntoLive {
            now: self.read_now(),
            nodes: self.nodes.into_iter(),
            stamps: self.timers.stamps.into_iter(),
        }
    }

    /// Empties the table. The entries are taken out and the table reset
    /// before any of them is dropped: a key's or value's `Drop` is user code,
    /// and if it panics the table must already be consistent (and empty).
    pub(crate) fn clear(&mut self) {
        self.stats.removals += self.nodes.len() as u64;
        let nodes = std::mem::take(&mut self.nodes);
        self.timers.clear();
        self.index.clear();
        self.order = List::EMPTY;
        self.hand = NIL;
        drop(nodes);
    }

    /// Takes every entry out (counted as removals), leaving the table empty;
    /// yields the live ones.
    pub(crate) fn drain_live(&mut self) -> IntoLive<K, V> {
        self.stats.removals += self.nodes.len() as u64;
        let now = self.read_now();
        let nodes = std::mem::take(&mut self.nodes);
        let stamps = self.timers.clear();
        self.index.clear();
        self.order = List::EMPTY;
        self.hand = NIL;
        IntoLive { now, nodes: nodes.into_iter(), stamps: stamps.into_iter() }
    }

    /// Gives back room the entries do not use.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.timers.stamps.shrink_to_fit();
        let nodes = &self.nodes;
        self.index.shrink_to_fit(|&j| nodes[j as usize].hash());
    }

    /// The node in slot `i`.
    pub(crate) fn node(&self, i: u32) -> &Node<K, V> {
        &self.nodes[i as usize]
    }

    /// The node in slot `i`, mutably.
    pub(crate) fn node_mut(&mut self, i: u32) -> &mut Node<K, V> {
        &mut self.nodes[i as usize]
    }

    fn notify(&self, key: K, value: V, reason: EvictReason) {
        if let Some(listener) = &self.listener {
            listener(key, value, reason);
        }
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> Table<K, V, S> {
    /// The hash the table files `key` under (visited bit cleared).
    #[inline]
    pub(crate) fn hash_of<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key) & !VISITED
    }

    fn find<Q>(&self, hash: u64, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let nodes = &self.nodes;
        self.index.find(hash, |&i| nodes[i as usize].key.borrow() == key).copied()
    }

    fn lookup<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.nodes.is_empty() {
            return None;
        }
        self.find(self.hash_of(key), key)
    }

    /// Read without counting as a use: no stats, no order change, `&self`.
    pub(crate) fn peek<Q>(&self, key: &Q) -> Option<&Node<K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.lookup(key)?;
        (!self.expired(i, self.read_now())).then(|| &self.nodes[i as usize])
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
        match self.lookup(key) {
            Some(i) if !self.expired(i, self.read_now()) => {
                ReadCounts::bump(&self.reads.hits);
                let node = &self.nodes[i as usize];
                if visit {
                    node.visit();
                }
                Some(node)
            }
            _ => {
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

    /// The live slots of `keys`, each lookup counting as a use (a hit) or a
    /// miss; an expired entry is a miss and stays until the next write, so
    /// no slot moves between the lookups. Panics if two keys find the same
    /// entry, as std's `get_disjoint_mut` does.
    pub(crate) fn touch_disjoint<Q, const N: usize>(&mut self, keys: [&Q; N]) -> [Option<u32>; N]
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
        slots
    }

    /// Values of distinct slots, mutably (`None` stays `None`).
    pub(crate) fn values_disjoint_mut<const N: usize>(
        &mut self,
        slots: [Option<u32>; N],
    ) -> [Option<&mut V>; N] {
        let mut order: Vec<(usize, usize)> = Vec::with_capacity(N);
        for (n, slot) in slots.iter().enumerate() {
            if let Some(i) = slot {
                order.push((*i as usize, n));
            }
        }
        order.sort_unstable();
        let mut out = [(); N].map(|()| None);
        let mut rest: &mut [Node<K, V>] = &mut self.nodes;
        let mut offset = 0;
        for (i, n) in order {
            let Some((node, tail)) = rest.get_mut(i - offset..).and_then(<[_]>::split_first_mut)
            else {
                break;
            };
            out[n] = Some(&mut node.value);
            rest = tail;
            offset = i + 1;
        }
        out
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
            Evict::Lru => self.order.move_to_back(&mut self.nodes, i),
            Evict::Sieve => self.nodes[i as usize].visit(),
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
        let old = std::mem::replace(&mut self.nodes[i as usize].value, value);
        self.used(i);
        self.restamp(i, now.unwrap_or(0), ttl);
        old
    }

    /// The instant writes stamp against: times the table first when the
    /// write brings a TTL of its own.
    pub(crate) fn write_now(&mut self, ttl: Ttl) -> Option<u64> {
        if !ttl.is_own() {
            return self.read_now();
        }
        self.make_timed();
        let now = self.config.now();
        self.timers.start_wheel(now);
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
        if let Some(i) = self.find_for_write(hash, &key, now) {
            let old = self.replace_at(i, value, now, ttl);
            self.purge_until(now.unwrap_or(0));
            return Outcome::Done(Some(old));
        }
        match self.insert_new(hash, key, value, now, ttl, guard) {
            Outcome::Done(_) => Outcome::Done(None),
            Outcome::Refused(entry) => Outcome::Refused(entry),
        }
    }

    /// Adds a key known to be absent (`find_for_write` said so), making room
    /// by the policy. Returns the slot it went to, which stays valid until
    /// the next write.
    ///
    /// Expired entries go first, oldest first. The last of them lends its
    /// slot to the new key, which saves a removal and a push on the TTL path:
    /// in steady state each write expires about one entry.
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
            // Every expired entry goes, but one lends its slot to the new
            // key, which saves a removal (and the relocation of the last
            // slot it costs) and a push: in steady state each write expires
            // about one entry.
            let mut spare = None;
            self.advance_wheel(now, Some(&mut spare));
            while let Some(i) = self.timers.default_expired(now) {
                if spare.is_none() && !self.timers.next_expired(i, now) {
                    spare = Some(i);
                    break;
                }
                self.expire_sparing(i, &mut spare);
            }
            if let Some(i) = spare {
                let (old_key, old_value) = self.reuse_slot(i, key, value, hash, now, ttl);
                self.stats.expirations += 1;
                self.notify(old_key, old_value, EvictReason::Expired);
                return Outcome::Done(i);
            }
        }
        let now = now.unwrap_or(0);
        if self.nodes.len() < self.config.cap {
            return Outcome::Done(self.push(key, value, hash, now, ttl));
        }
        let Some(victim) = self.victim(guard) else {
            self.stats.rejections += 1;
            return Outcome::Refused((key, value));
        };
        let (old_key, old_value) = self.reuse_slot(victim, key, value, hash, now, ttl);
        self.stats.evictions += 1;
        self.notify(old_key, old_value, EvictReason::Capacity);
        Outcome::Done(victim)
    }

    /// The slot a full table gives up, or `None` when it may give up none:
    /// under reject, or when the guard keeps every entry. LRU and FIFO take
    /// the oldest unguarded entry; SIEVE moves its hand from where it
    /// stopped, clearing visited bits, to the first unvisited, unguarded
    /// entry (two laps at most: the first clears every bit).
    fn victim<G: Guard<K, V>>(&mut self, guard: &G) -> Option<u32> {
        let len = self.nodes.len();
        match self.config.evict {
            Evict::Reject => None,
            Evict::Lru | Evict::Fifo => {
                let mut at = self.order.head;
                while at != NIL {
                    let node = &self.nodes[at as usize];
                    if !guard.keeps(&node.key, &node.value) {
                        return Some(at);
                    }
                    at = node.links.next;
                }
                None
            }
            Evict::Sieve => {
                let mut at = if self.hand == NIL { self.order.head } else { self.hand };
                for _ in 0..=2 * len {
                    let node = &mut self.nodes[at as usize];
                    let next = match node.links.next {
                        NIL => self.order.head,
                        next => next,
                    };
                    if !node.unvisit() && !guard.keeps(&node.key, &node.value) {
                        // `reuse_slot` moves the hand past it.
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
        self.purge_expired();
        let mut i = 0;
        while i < self.nodes.len() {
            let node = &mut self.nodes[i];
            if keep(&node.key, &mut node.value) {
                i += 1;
            } else {
                self.stats.removals += 1;
                // The last node moves into slot `i`: look at it next.
                self.remove_at(i as u32);
            }
        }
    }

    /// Removes every expired entry now (those with a TTL of their own once
    /// their wheel tick has come). Writes do this on their own.
    pub(crate) fn purge_expired(&mut self) -> usize {
        match self.read_now() {
            Some(now) => self.purge_until(now),
            None => 0,
        }
    }

    fn purge_until(&mut self, now: u64) -> usize {
        let mut purged = self.advance_wheel(now, None);
        while let Some(i) = self.timers.default_expired(now) {
            self.expire_at(i);
            purged += 1;
        }
        purged
    }

    /// Expires the wheel's entries whose tick has come; returns how many.
    /// With `spare`, the first of them is not removed but left in place,
    /// off every expiry list, for the caller to reuse (and counted by it).
    fn advance_wheel(&mut self, now: u64, mut spare: Option<&mut Option<u32>>) -> usize {
        let mut expired = 0;
        while let Some(bucket) = self.timers.due_bucket(now) {
            while let Some(i) = self.timers.pop(bucket) {
                if !self.timers.due_or_replace(i, bucket, now) {
                    continue;
                }
                match spare.as_deref_mut() {
                    Some(slot @ None) => *slot = Some(i),
                    Some(kept) => self.expire_sparing(i, kept),
                    None => {
                        self.expire_at(i);
                        expired += 1;
                    }
                }
            }
        }
        expired
    }

    /// Expires slot `i`, following the spare slot if the removal moves it.
    fn expire_sparing(&mut self, i: u32, spare: &mut Option<u32>) {
        let last = (self.nodes.len() - 1) as u32;
        self.expire_at(i);
        if *spare == Some(last) {
            *spare = Some(i);
        }
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

    fn expire_at(&mut self, i: u32) {
        let (key, value) = self.remove_at(i);
        self.stats.expirations += 1;
        self.notify(key, value, EvictReason::Expired);
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

    fn push(&mut self, key: K, value: V, hash: u64, now: u64, ttl: Ttl) -> u32 {
        let i = self.nodes.len();
        if i == self.nodes.capacity() {
            // Double, but never past the cap: a full collection holds no slack.
            let extra = i.max(4).min(self.config.cap - i);
            self.nodes.reserve_exact(extra);
            if self.timed {
                self.timers.stamps.reserve_exact(extra);
            }
        }
        let i = i as u32;
        self.nodes.push(Node { key, value, hash: AtomicU64::new(hash), links: Links::NONE });
        self.order.push_back(&mut self.nodes, i);
        if self.timed {
            let (expires, own) = self.expiry(now, ttl);
            self.timers.push(expires, own);
        }
        let nodes = &self.nodes;
        self.index.insert_unique(hash, i, |&j| nodes[j as usize].hash());
        i
    }

    /// Replaces slot `i`'s entry with a new one in place (no allocation, no
    /// slab movement), making it the newest in both orders and unvisited.
    /// Returns the old entry. Used for capacity eviction and for reusing an
    /// expired slot.
    fn reuse_slot(&mut self, i: u32, key: K, value: V, hash: u64, now: u64, ttl: Ttl) -> (K, V) {
        self.unindex(i);
        self.step_hand_off(i);
        let node = &mut self.nodes[i as usize];
        let old_key = std::mem::replace(&mut node.key, key);
        let old_value = std::mem::replace(&mut node.value, value);
        *node.hash.get_mut() = hash;
        self.order.move_to_back(&mut self.nodes, i);
        self.restamp(i, now, ttl);
        let nodes = &self.nodes;
        self.index.insert_unique(hash, i, |&j| nodes[j as usize].hash());
        (old_key, old_value)
    }

    /// Slot `i` is about to leave its place in the order: a hand resting on
    /// it moves on to the next newer entry.
    fn step_hand_off(&mut self, i: u32) {
        if self.hand == i {
            self.hand = self.nodes[i as usize].links.next;
        }
    }

    fn unindex(&mut self, i: u32) {
        let hash = self.nodes[i as usize].hash();
        if let Ok(entry) = self.index.find_entry(hash, |&j| j == i) {
            entry.remove();
        }
    }

    /// Removes slot `i`, moving the last node into it so the slab stays dense.
    fn remove_at(&mut self, i: u32) -> (K, V) {
        self.unindex(i);
        self.step_hand_off(i);
        self.order.unlink(&mut self.nodes, i);
        if self.timed {
            self.timers.swap_remove(i);
        }
        let last = (self.nodes.len() - 1) as u32;
        let node = self.nodes.swap_remove(i as usize);
        if last != i {
            self.order.relocate(&mut self.nodes, last, i);
            if self.hand == last {
                self.hand = i;
            }
            let hash = self.nodes[i as usize].hash();
            if let Some(slot) = self.index.find_mut(hash, |&j| j == last) {
                *slot = i;
            }
        }
        (node.key, node.value)
    }

    /// Checks every internal invariant, panicking with the first one broken:
    /// every index entry points at a slot that holds a key of that hash and
    /// each slot is indexed once; both lists are mutually linked, visit every
    /// slot once and agree with their head and tail; the slab never holds
    /// room past the cap; the expiry list is in time order. For tests (the
    /// model tests call it after every step); O(len).
    pub(crate) fn check_invariants(&self) {
        let len = self.nodes.len();
        assert!(len <= self.config.cap, "len {len} above cap {}", self.config.cap);
        assert!(
            self.nodes.capacity() <= self.config.cap,
            "slab capacity {} above cap {}",
            self.nodes.capacity(),
            self.config.cap
        );
        assert_eq!(
            self.index.len(),
            len,
            "index holds {} entries for {len} slots",
            self.index.len()
        );
        let mut seen = vec![false; len];
        for &i in self.index.iter() {
            let node = self
                .nodes
                .get(i as usize)
                .unwrap_or_else(|| panic!("index points at {i}, len {len}"));
            assert!(!std::mem::replace(&mut seen[i as usize], true), "slot {i} indexed twice");
            let found = self.index.find(node.hash(), |&j| j == i);
            assert!(found.is_some(), "slot {i} not found under its own hash");
        }
        assert!(self.hand == NIL || (self.hand as usize) < len, "hand at {}, len {len}", self.hand);
        let order: Vec<Links> = self.nodes.iter().map(|n| n.links).collect();
        check_list("eviction", &self.order, &order, len);
        if self.timed {
            self.timers.check_invariants(len);
        } else {
            assert!(self.timers.stamps.is_empty(), "stamps kept in an untimed table");
        }
    }

    /// Entries in eviction order, next victim first (for tests and debugging).
    pub(crate) fn eviction_order(&self) -> impl Iterator<Item = &K> + '_ {
        let mut at = self.order.head;
        std::iter::from_fn(move || {
            let node = self.nodes.get(at as usize)?;
            at = node.links.next;
            Some(&node.key)
        })
    }
}

/// Borrowing iterator over live entries.
pub(crate) struct Live<'a, K, V> {
    nodes: std::slice::Iter<'a, Node<K, V>>,
    stamps: &'a [Stamp],
    at: usize,
    now: Option<u64>,
}

impl<K, V> Clone for Live<'_, K, V> {
    fn clone(&self) -> Self {
        Live { nodes: self.nodes.clone(), stamps: self.stamps, at: self.at, now: self.now }
    }
}

impl<'a, K, V> Iterator for Live<'a, K, V> {
    type Item = &'a Node<K, V>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let node = self.nodes.next()?;
            let at = self.at;
            self.at += 1;
            match self.now {
                Some(now) if self.stamps[at].expires <= now => continue,
                _ => return Some(node),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (_, upper) = self.nodes.size_hint();
        match self.now {
            None => (upper.unwrap_or(0), upper),
            Some(_) => (0, upper),
        }
    }
}

/// Owning iterator over live entries.
pub(crate) struct IntoLive<K, V> {
    nodes: std::vec::IntoIter<Node<K, V>>,
    stamps: std::vec::IntoIter<Stamp>,
    now: Option<u64>,
}

impl<K, V> Iterator for IntoLive<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        loop {
            let node = self.nodes.next()?;
            let expires = self.stamps.next().map(|s| s.expires);
            match (self.now, expires) {
                (Some(now), Some(expires)) if expires <= now => continue,
                _ => return Some((node.key, node.value)),
            }
        }
    }
}
