//! Model-based tests: random operation sequences run against each bounded
//! wrapper and against a deliberately naive reference model (a `Vec` of
//! entries in queue order, with ages, visited bits and a hand), written from
//! the policies' descriptions (SIEVE as in Zhang et al., NSDI '24) and
//! compared after every step: return values, contents, the queue order, the
//! visited bits, the victims (through the eviction events), the counters and
//! their identity, and what is left of each entry's TTL. Entries given a TTL
//! of their own (`insert_with_ttl`, `set_ttl`) are purged by the rule the
//! timer wheel promises: on a write, once their expiry's tick (2^20 ns,
//! rounded up) is at or before the current tick (rounded down).

use std::collections::VecDeque;
use std::collections::hash_map::RandomState;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakproof::collections::DequePolicy;
use leakproof::{
    BoundStats, BoundedDeque, BoundedMap, BoundedSet, Evict, EvictReason, Fifo, Guarded, KeyOnly,
    Lru, ManualClock, Reject, Sieve,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Insert(u8, u32),
    Get(u8),
    GetMut(u8),
    Contains(u8),
    Peek(u8),
    Remove(u8),
    /// `*entry(k).or_insert(v) += 1`, or the refused insert.
    Entry(u8, u32),
    /// `entry(k)`: remove if occupied.
    EntryRemove(u8),
    /// `insert_with_ttl(k, v, ttl)` (ns).
    InsertTtl(u8, u32, u64),
    /// `entry(k)`: `insert_with_ttl` into the occupied or the vacant entry.
    EntryTtl(u8, u32, u64),
    /// `set_ttl(k, ttl)` (ns).
    SetTtl(u8, u64),
    /// The clock moves by this many ns.
    Advance(u64),
    Purge,
    RetainEven,
    Clear,
    /// Adds 1 to every live value through `iter_mut`.
    BumpAll,
}

const MS: u64 = 1_000_000;

/// TTLs of an entry's own: within a few ticks (the wheel's rounding), near
/// the clock's steps, far (minutes to weeks: the wheel's upper levels),
/// beyond the wheel's reach (years: parked), and never ending.
fn own_ttl() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0..5 * MS,
        4 => 0..300 * MS,
        2 => 0..2_000_000 * MS,
        1 => (1u64 << 55)..(1u64 << 62),
        1 => Just(u64::MAX),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    // Few keys so that hits, updates and evictions are common.
    let key = 0u8..12;
    prop_oneof![
        2 => (key.clone(), any::<u32>(), own_ttl()).prop_map(|(k, v, t)| Op::InsertTtl(k, v, t)),
        1 => (key.clone(), any::<u32>(), own_ttl()).prop_map(|(k, v, t)| Op::EntryTtl(k, v, t)),
        1 => (key.clone(), own_ttl()).prop_map(|(k, t)| Op::SetTtl(k, t)),
        1 => (0..20_000_000 * MS).prop_map(Op::Advance),
        1 => (0..1u64 << 58).prop_map(Op::Advance),
        6 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::GetMut),
        2 => key.clone().prop_map(Op::Contains),
        2 => key.clone().prop_map(Op::Peek),
        2 => key.clone().prop_map(Op::Remove),
        2 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::Entry(k, v)),
        1 => key.prop_map(Op::EntryRemove),
        2 => (0..400 * MS).prop_map(Op::Advance),
        2 => (0..3 * MS).prop_map(Op::Advance),
        1 => Just(Op::Purge),
        1 => Just(Op::RetainEven),
        1 => Just(Op::Clear),
        1 => Just(Op::BumpAll),
    ]
}

#[derive(Debug, Clone)]
struct Entry {
    key: u8,
    value: u32,
    /// When it was last written (insert or update), for TTL order.
    written: u64,
    /// When it expires (ns), `None` for never.
    expires: Option<u64>,
    /// Whether that is by a TTL of its own (the wheel's tick rule).
    own: bool,
    /// Tick of last use (LRU).
    used: u64,
    /// SIEVE: used since the hand last passed.
    visited: bool,
}

/// The eviction guard the guarded runs use: multiples of 3 are "in use".
fn guarded_key(key: &u8) -> bool {
    key.is_multiple_of(3)
}

/// The reference: a plain `Vec` in queue order (oldest first, new entries
/// at the back), every rule written the obvious way.
struct Model {
    cap: usize,
    evict: Evict,
    guard: bool,
    ttl: Option<u64>,
    now: u64,
    tick: u64,
    entries: Vec<Entry>,
    /// SIEVE's hand: the index of the next entry to look at; `None` starts
    /// from the oldest.
    hand: Option<usize>,
    stats: BoundStats,
    events: Vec<(u8, u32, EvictReason)>,
}

impl Model {
    fn new(cap: usize, evict: Evict, guard: bool, ttl: Option<u64>) -> Self {
        Model {
            cap,
            evict,
            guard,
            ttl,
            now: 0,
            tick: 0,
            entries: Vec::new(),
            hand: None,
            stats: BoundStats::default(),
            events: Vec::new(),
        }
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    fn is_expired(&self, e: &Entry) -> bool {
        e.expires.is_some_and(|at| at <= self.now)
    }

    /// Whether a write purges `e`: the exact instant for the collection's
    /// TTL, the wheel's ticks for a TTL of its own.
    fn is_due(&self, e: &Entry) -> bool {
        match e.expires {
            Some(at) if e.own => at.div_ceil(1 << 20) <= self.now >> 20,
            Some(at) => at <= self.now,
            None => false,
        }
    }

    /// The expiry of a write now: with a TTL of its own, or the model's.
    fn stamp(&self, own: Option<u64>) -> (Option<u64>, bool) {
        let at = |ttl: u64| Some(self.now.saturating_add(ttl)).filter(|&at| at != u64::MAX);
        match own {
            Some(ttl) => (at(ttl), true),
            None => (self.ttl.and_then(at), false),
        }
    }

    /// What `ttl_of` says for `key`.
    fn ttl_of(&self, key: u8) -> Option<Duration> {
        let e = &self.entries[self.position(key)?];
        let at = e.expires?;
        (at > self.now).then(|| Duration::from_nanos(at - self.now))
    }

    /// Removes entry `i`; a hand resting on it moves to the next newer one.
    fn remove_at(&mut self, i: usize) -> Entry {
        let e = self.entries.remove(i);
        self.hand = match self.hand {
            Some(h) if h > i => Some(h - 1),
            Some(h) if h == i => (i < self.entries.len()).then_some(i),
            other => other,
        };
        e
    }

    /// The purge every write does (in no particular order: events are
    /// compared as a set per step).
    fn purge(&mut self) -> usize {
        self.purge_if(Self::is_due)
    }

    /// Every expired entry, to the nanosecond (`iter_mut`, `retain`:
    /// `&mut` access to every entry never reaches an expired one).
    fn purge_exact(&mut self) -> usize {
        self.purge_if(Self::is_expired)
    }

    fn purge_if(&mut self, due: fn(&Self, &Entry) -> bool) -> usize {
        let expired: Vec<Entry> = self.entries.iter().filter(|e| due(self, e)).cloned().collect();
        let mut i = 0;
        while i < self.entries.len() {
            if due(self, &self.entries[i]) {
                self.remove_at(i);
            } else {
                i += 1;
            }
        }
        for e in &expired {
            self.stats.expirations += 1;
            self.events.push((e.key, e.value, EvictReason::Expired));
        }
        expired.len()
    }

    fn position(&self, key: u8) -> Option<usize> {
        self.entries.iter().position(|e| e.key == key)
    }

    fn expire_one(&mut self, i: usize) {
        let e = self.remove_at(i);
        self.stats.expirations += 1;
        self.events.push((e.key, e.value, EvictReason::Expired));
    }

    /// A use of entry `i`.
    fn use_entry(&mut self, i: usize) {
        let tick = self.next_tick();
        match self.evict {
            Evict::Lru => self.entries[i].used = tick,
            Evict::Sieve => self.entries[i].visited = true,
            Evict::Fifo | Evict::Reject => {}
        }
    }

    fn keeps(&self, i: usize) -> bool {
        self.guard && guarded_key(&self.entries[i].key)
    }

    /// The entry a full model gives up, or `None` (refused).
    fn victim(&mut self) -> Option<usize> {
        let len = self.entries.len();
        match self.evict {
            Evict::Reject => None,
            Evict::Fifo => (0..len).find(|&i| !self.keeps(i)),
            Evict::Lru => {
                (0..len).filter(|&i| !self.keeps(i)).min_by_key(|&i| self.entries[i].used)
            }
            Evict::Sieve => {
                // The hand goes from the oldest towards the newest, wraps,
                // clears visited bits, and stops at the first entry that is
                // neither visited nor guarded; two laps at most.
                let mut at = self.hand.unwrap_or(0);
                for _ in 0..=2 * len {
                    let was_visited = std::mem::replace(&mut self.entries[at].visited, false);
                    if !was_visited && !self.keeps(at) {
                        self.hand = Some(at);
                        return Some(at);
                    }
                    at = (at + 1) % len;
                }
                self.hand = Some(at);
                None
            }
        }
    }

    /// A new key: make room, then append. `Err` hands the entry back.
    fn insert_new(&mut self, key: u8, value: u32, own: Option<u64>) -> Result<(), (u8, u32)> {
        self.stats.inserts += 1;
        if self.entries.len() >= self.cap {
            let Some(i) = self.victim() else {
                self.stats.rejections += 1;
                return Err((key, value));
            };
            let e = self.remove_at(i);
            self.stats.evictions += 1;
            self.events.push((e.key, e.value, EvictReason::Capacity));
        }
        let tick = self.next_tick();
        let (expires, own) = self.stamp(own);
        self.entries.push(Entry {
            key,
            value,
            written: tick,
            expires,
            own,
            used: tick,
            visited: false,
        });
        Ok(())
    }

    fn insert(&mut self, key: u8, value: u32, own: Option<u64>) -> Result<Option<u32>, (u8, u32)> {
        self.purge();
        if let Some(i) = self.live_for_write(key) {
            let old = self.update(i, value, own);
            return Ok(Some(old));
        }
        self.insert_new(key, value, own).map(|()| None)
    }

    /// The live entry for `key`, for a write; an expired one the purge left
    /// (a TTL of its own, before its tick) goes now.
    fn live_for_write(&mut self, key: u8) -> Option<usize> {
        let i = self.position(key)?;
        if self.is_expired(&self.entries[i]) {
            self.expire_one(i);
            return None;
        }
        Some(i)
    }

    /// A write to a live entry: new value, new age, a use.
    fn update(&mut self, i: usize, value: u32, own: Option<u64>) -> u32 {
        self.use_entry(i);
        let tick = self.tick;
        let (expires, own) = self.stamp(own);
        let e = &mut self.entries[i];
        e.written = tick;
        e.expires = expires;
        e.own = own;
        std::mem::replace(&mut e.value, value)
    }

    /// `set_ttl`: a live entry gets a TTL of its own; an expired one goes.
    fn set_ttl(&mut self, key: u8, ttl: u64) -> bool {
        let Some(i) = self.position(key) else { return false };
        if self.is_expired(&self.entries[i]) {
            self.purge();
            self.live_for_write(key);
            return false;
        }
        let (expires, own) = self.stamp(Some(ttl));
        let e = &mut self.entries[i];
        e.expires = expires;
        e.own = own;
        true
    }

    /// A lookup that counts. Through `&mut self` an expired entry found is
    /// removed; through `&self` it is only a miss.
    fn touch(&mut self, key: u8, exclusive: bool) -> Option<u32> {
        let Some(i) = self.position(key) else {
            self.stats.misses += 1;
            return None;
        };
        if self.is_expired(&self.entries[i]) {
            self.stats.misses += 1;
            if exclusive {
                self.expire_one(i);
            }
            return None;
        }
        self.stats.hits += 1;
        self.use_entry(i);
        Some(self.entries[i].value)
    }

    /// `entry(key)`: a live entry is a hit and a use; an expired one for the
    /// key goes, with every other expired entry, before the miss.
    fn entry(&mut self, key: u8) -> Option<usize> {
        if let Some(i) = self.position(key)
            && !self.is_expired(&self.entries[i])
        {
            self.stats.hits += 1;
            self.use_entry(i);
            return Some(i);
        }
        if self.position(key).is_some() {
            self.purge();
            self.live_for_write(key);
        }
        self.stats.misses += 1;
        None
    }

    fn peek(&self, key: u8) -> Option<u32> {
        let e = &self.entries[self.position(key)?];
        (!self.is_expired(e)).then_some(e.value)
    }

    fn remove(&mut self, key: u8) -> Option<u32> {
        let i = self.position(key)?;
        if self.is_expired(&self.entries[i]) {
            self.expire_one(i);
            return None;
        }
        self.stats.removals += 1;
        Some(self.remove_at(i).value)
    }

    fn live(&self) -> Vec<(u8, u32)> {
        let mut live: Vec<_> =
            self.entries.iter().filter(|e| !self.is_expired(e)).map(|e| (e.key, e.value)).collect();
        live.sort();
        live
    }

    /// Keys in queue order: insertion order, or recency under LRU.
    fn queue(&self) -> Vec<u8> {
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        if self.evict == Evict::Lru {
            entries.sort_by_key(|e| e.used);
        }
        entries.iter().map(|e| e.key).collect()
    }
}

type Map<P> = BoundedMap<u8, u32, RandomState, P>;
type Set<P> = BoundedSet<u8, RandomState, P>;
type MapGuard = fn(&u8, &u32) -> bool;
type SetGuard = KeyOnly<fn(&u8) -> bool>;

/// What differs between policies: the return type of writes (std's, or a
/// `Result`) and whether reads take `&self`. Each policy maps its own calls
/// onto one shape.
trait UnderTest: Sized + leakproof::Policy + leakproof::collections::policy::Guard<u8, u32> {
    type SetPolicy;
    const EXCLUSIVE_READS: bool;
    fn insert(m: &mut Map<Self>, k: u8, v: u32) -> Result<Option<u32>, (u8, u32)>;
    fn insert_with_ttl(
        m: &mut Map<Self>,
        k: u8,
        v: u32,
        t: Duration,
    ) -> Result<Option<u32>, (u8, u32)>;
    /// `entry(k)`, then `insert_with_ttl` into it: the old value, if occupied.
    fn entry_insert_with_ttl(
        m: &mut Map<Self>,
        k: u8,
        v: u32,
        t: Duration,
    ) -> Result<Option<u32>, (u8, u32)>;
    fn set_insert_with_ttl(s: &mut Set<Self::SetPolicy>, k: u8, t: Duration) -> Result<bool, u8>;
    fn get(m: &mut Map<Self>, k: u8) -> Option<u32>;
    fn contains_key(m: &mut Map<Self>, k: u8) -> bool;
    fn entry_bump(m: &mut Map<Self>, k: u8, v: u32) -> Result<u32, (u8, u32)>;
    fn set_insert(s: &mut Set<Self::SetPolicy>, k: u8) -> Result<bool, u8>;
    fn set_get(s: &mut Set<Self::SetPolicy>, k: u8) -> Option<u8>;
    fn set_contains(s: &mut Set<Self::SetPolicy>, k: u8) -> bool;
}

macro_rules! under_test {
    ($policy:ty, $set_policy:ty, exclusive = $exclusive:literal, |$r:ident| $settle:expr) => {
        impl UnderTest for $policy {
            type SetPolicy = $set_policy;
            const EXCLUSIVE_READS: bool = $exclusive;
            fn insert(m: &mut Map<Self>, k: u8, v: u32) -> Result<Option<u32>, (u8, u32)> {
                let $r = m.insert(k, v);
                $settle
            }
            fn insert_with_ttl(
                m: &mut Map<Self>,
                k: u8,
                v: u32,
                t: Duration,
            ) -> Result<Option<u32>, (u8, u32)> {
                let $r = m.insert_with_ttl(k, v, t);
                $settle
            }
            fn entry_insert_with_ttl(
                m: &mut Map<Self>,
                k: u8,
                v: u32,
                t: Duration,
            ) -> Result<Option<u32>, (u8, u32)> {
                match m.entry(k) {
                    leakproof::collections::map::Entry::Occupied(mut e) => {
                        Ok(Some(e.insert_with_ttl(v, t)))
                    }
                    leakproof::collections::map::Entry::Vacant(e) => {
                        let $r = e.insert_with_ttl(v, t);
                        $settle.map(|_| None)
                    }
                }
            }
            fn set_insert_with_ttl(
                s: &mut Set<Self::SetPolicy>,
                k: u8,
                t: Duration,
            ) -> Result<bool, u8> {
                let $r = s.insert_with_ttl(k, t);
                $settle
            }
            fn get(m: &mut Map<Self>, k: u8) -> Option<u32> {
                m.get(&k).copied()
            }
            fn contains_key(m: &mut Map<Self>, k: u8) -> bool {
                m.contains_key(&k)
            }
            fn entry_bump(m: &mut Map<Self>, k: u8, v: u32) -> Result<u32, (u8, u32)> {
                let $r = m.entry(k).or_insert(v);
                let slot = $settle?;
                *slot = slot.wrapping_add(1);
                Ok(*slot)
            }
            fn set_insert(s: &mut Set<Self::SetPolicy>, k: u8) -> Result<bool, u8> {
                let $r = s.insert(k);
                $settle
            }
            fn set_get(s: &mut Set<Self::SetPolicy>, k: u8) -> Option<u8> {
                s.get(&k).copied()
            }
            fn set_contains(s: &mut Set<Self::SetPolicy>, k: u8) -> bool {
                s.contains(&k)
            }
        }
    };
}

under_test!(Sieve, Sieve, exclusive = false, |r| Ok(r));
under_test!(Lru, Lru, exclusive = true, |r| Ok(r));
under_test!(Fifo, Fifo, exclusive = false, |r| Ok(r));
under_test!(Reject, Reject, exclusive = false, |r| r.map_err(|e| e.into_inner()));
under_test!(Guarded<Sieve, MapGuard>, Guarded<Sieve, SetGuard>, exclusive = false, |r| r
    .map_err(|e| e.into_inner()));
under_test!(Guarded<Lru, MapGuard>, Guarded<Lru, SetGuard>, exclusive = true, |r| r
    .map_err(|e| e.into_inner()));
under_test!(Guarded<Fifo, MapGuard>, Guarded<Fifo, SetGuard>, exclusive = false, |r| r
    .map_err(|e| e.into_inner()));

/// Runs `ops` against a map and a set (already configured: cap, policy,
/// clock, ttl), each against its own model (the set's holds value 0).
fn run_map<P: UnderTest>(
    mut map: Map<P>,
    mut set: Set<P::SetPolicy>,
    clock: ManualClock,
    guard: bool,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let cap = map.cap();
    let ttl = map.ttl().map(|ttl| ttl.as_nanos() as u64);
    let (mut seen, mut set_seen) = (0, 0);
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    map.on_evict(move |k, v, why| sink.lock().unwrap().push((k, v, why)));
    let set_events = Arc::new(Mutex::new(Vec::new()));
    let set_sink = Arc::clone(&set_events);
    set.on_evict(move |k, why| set_sink.lock().unwrap().push((k, why)));
    let mut model = Model::new(cap, map.evict_policy(), guard, ttl);
    let mut sm = Model::new(cap, set.evict_policy(), guard, ttl);
    let exclusive = P::EXCLUSIVE_READS;

    for op in ops {
        match op {
            Op::Insert(k, v) => {
                let got = P::insert(&mut map, k, v);
                let want = model.insert(k, v, None);
                prop_assert_eq!(got, want, "insert({}, {})", k, v);
                let set_want = sm.insert(k, 0, None).map(|old| old.is_none()).map_err(|(k, _)| k);
                prop_assert_eq!(P::set_insert(&mut set, k), set_want);
            }
            Op::InsertTtl(k, v, ttl) => {
                let got = P::insert_with_ttl(&mut map, k, v, Duration::from_nanos(ttl));
                let want = model.insert(k, v, Some(ttl));
                prop_assert_eq!(got, want, "insert_with_ttl({}, {}, {})", k, v, ttl);
                let set_want =
                    sm.insert(k, 0, Some(ttl)).map(|old| old.is_none()).map_err(|(k, _)| k);
                let set_got = P::set_insert_with_ttl(&mut set, k, Duration::from_nanos(ttl));
                prop_assert_eq!(set_got, set_want);
            }
            Op::EntryTtl(k, v, ttl) => {
                let got = P::entry_insert_with_ttl(&mut map, k, v, Duration::from_nanos(ttl));
                let want = match model.entry(k) {
                    Some(i) => Ok(Some(model.update(i, v, Some(ttl)))),
                    None => {
                        model.purge();
                        model.insert_new(k, v, Some(ttl)).map(|()| None)
                    }
                };
                prop_assert_eq!(got, want, "entry({}).insert_with_ttl({}, {})", k, v, ttl);
            }
            Op::SetTtl(k, ttl) => {
                prop_assert_eq!(map.set_ttl(&k, Duration::from_nanos(ttl)), model.set_ttl(k, ttl));
                prop_assert_eq!(set.set_ttl(&k, Duration::from_nanos(ttl)), sm.set_ttl(k, ttl));
            }
            Op::Get(k) => {
                prop_assert_eq!(P::get(&mut map, k), model.touch(k, exclusive));
                prop_assert_eq!(P::set_get(&mut set, k), sm.touch(k, exclusive).map(|_| k));
            }
            Op::GetMut(k) => {
                let got = map.get_mut(&k).map(|v| {
                    let old = *v;
                    *v = v.wrapping_add(1);
                    old
                });
                let want = model.touch(k, true);
                if let Some(i) = want.and(model.position(k)) {
                    model.entries[i].value = model.entries[i].value.wrapping_add(1);
                }
                prop_assert_eq!(got, want);
                let set_want = sm.touch(k, exclusive).is_some();
                prop_assert_eq!(P::set_contains(&mut set, k), set_want);
            }
            Op::Contains(k) => {
                prop_assert_eq!(P::contains_key(&mut map, k), model.touch(k, exclusive).is_some());
                prop_assert_eq!(P::set_contains(&mut set, k), sm.touch(k, exclusive).is_some());
            }
            Op::Peek(k) => {
                prop_assert_eq!(map.peek(&k).copied(), model.peek(k));
                prop_assert_eq!(set.peek(&k).copied(), sm.peek(k).map(|_| k));
            }
            Op::Remove(k) => {
                let want = model.remove(k);
                let set_want = sm.remove(k);
                if k % 2 == 0 {
                    prop_assert_eq!(map.remove(&k), want);
                    prop_assert_eq!(set.remove(&k), set_want.is_some());
                } else {
                    prop_assert_eq!(map.remove_entry(&k), want.map(|v| (k, v)));
                    prop_assert_eq!(set.take(&k), set_want.map(|_| k));
                }
            }
            Op::Entry(k, v) => {
                let got = P::entry_bump(&mut map, k, v);
                let want = match model.entry(k) {
                    Some(i) => Ok(i),
                    None => {
                        // A vacant insert makes room as any insert does:
                        // expired entries first.
                        model.purge();
                        model.insert_new(k, v, None).map(|()| model.entries.len() - 1)
                    }
                }
                .map(|i| {
                    let e = &mut model.entries[i];
                    e.value = e.value.wrapping_add(1);
                    e.value
                });
                prop_assert_eq!(got, want, "entry({}).or_insert({})", k, v);
                let set_want = sm.insert(k, 0, None).map(|old| old.is_none()).map_err(|(k, _)| k);
                prop_assert_eq!(P::set_insert(&mut set, k), set_want);
            }
            Op::EntryRemove(k) => {
                let got = match map.entry(k) {
                    leakproof::collections::map::Entry::Occupied(e) => Some(e.remove()),
                    leakproof::collections::map::Entry::Vacant(_) => None,
                };
                let want = model.entry(k).map(|i| {
                    model.stats.removals += 1;
                    model.remove_at(i).value
                });
                prop_assert_eq!(got, want);
                prop_assert_eq!(set.remove(&k), sm.remove(k).is_some());
            }
            Op::Advance(ns) => {
                clock.advance(Duration::from_nanos(ns));
                model.now = model.now.saturating_add(ns);
                sm.now = sm.now.saturating_add(ns);
            }
            Op::Purge => {
                prop_assert_eq!(map.purge_expired(), model.purge());
                prop_assert_eq!(set.purge_expired(), sm.purge());
            }
            Op::RetainEven => {
                map.retain(|k, _| k % 2 == 0);
                set.retain(|k| k % 2 == 0);
                for m in [&mut model, &mut sm] {
                    m.purge_exact();
                    let mut i = 0;
                    while i < m.entries.len() {
                        if m.entries[i].key % 2 == 0 {
                            i += 1;
                        } else {
                            m.remove_at(i);
                            m.stats.removals += 1;
                        }
                    }
                }
            }
            Op::BumpAll => {
                for (_, v) in map.iter_mut() {
                    *v = v.wrapping_add(1);
                }
                // `&mut` access to every entry purges the expired ones first.
                model.purge_exact();
                for e in &mut model.entries {
                    e.value = e.value.wrapping_add(1);
                }
            }
            Op::Clear => {
                map.clear();
                set.clear();
                for m in [&mut model, &mut sm] {
                    m.stats.removals += m.entries.len() as u64;
                    m.entries.clear();
                    m.hand = None;
                }
            }
        }
        // After every step: the table's own invariants, the bound, the
        // contents, the queue, the visited bits, the counters and their
        // identity, the events (which name every victim).
        map.assert_invariants();
        prop_assert!(map.len() <= cap);
        prop_assert_eq!(map.len(), model.entries.len());
        let mut live: Vec<_> = map.iter().map(|(k, v)| (*k, *v)).collect();
        live.sort();
        prop_assert_eq!(live, model.live(), "no expired entry is ever returned");
        prop_assert_eq!(map.eviction_order().copied().collect::<Vec<_>>(), model.queue());
        for e in &model.entries {
            prop_assert_eq!(
                map.visited(&e.key).unwrap_or(e.visited),
                e.visited,
                "visited {}",
                e.key
            );
        }
        let stats = map.stats();
        prop_assert_eq!(stats, model.stats);
        prop_assert_eq!(
            stats.inserts,
            map.len() as u64
                + stats.evictions
                + stats.expirations
                + stats.removals
                + stats.rejections
        );
        // The events of this step, in any order: one write may expire
        // several entries, from the default list and from the wheel.
        let mut got_events = events.lock().unwrap()[seen..].to_vec();
        let mut want_events = model.events[seen..].to_vec();
        got_events.sort_by_key(|e| format!("{e:?}"));
        want_events.sort_by_key(|e| format!("{e:?}"));
        prop_assert_eq!(got_events, want_events);
        seen = model.events.len();
        for e in &model.entries {
            prop_assert_eq!(map.ttl_of(&e.key), model.ttl_of(e.key), "ttl_of({})", e.key);
        }
        let mut keys: Vec<u8> = map.keys().copied().collect();
        keys.sort();
        let mut values: Vec<u32> = map.values().copied().collect();
        values.sort();
        let mut want_values: Vec<u32> = model.live().iter().map(|(_, v)| *v).collect();
        want_values.sort();
        prop_assert_eq!(keys, model.live().iter().map(|(k, _)| *k).collect::<Vec<_>>());
        prop_assert_eq!(values, want_values);
        // The set against its own model.
        set.assert_invariants();
        prop_assert_eq!(set.len(), sm.entries.len());
        let mut set_keys: Vec<u8> = set.iter().copied().collect();
        set_keys.sort();
        prop_assert_eq!(set_keys, sm.live().iter().map(|(k, _)| *k).collect::<Vec<_>>());
        prop_assert_eq!(set.eviction_order().copied().collect::<Vec<_>>(), sm.queue());
        for e in &sm.entries {
            prop_assert_eq!(
                set.visited(&e.key).unwrap_or(e.visited),
                e.visited,
                "set visited {}",
                e.key
            );
        }
        prop_assert_eq!(set.stats(), sm.stats);
        let mut projected: Vec<(u8, EvictReason)> =
            sm.events[set_seen..].iter().map(|(k, _, why)| (*k, *why)).collect();
        let mut set_got = set_events.lock().unwrap()[set_seen..].to_vec();
        projected.sort_by_key(|e| format!("{e:?}"));
        set_got.sort_by_key(|e| format!("{e:?}"));
        prop_assert_eq!(set_got, projected);
        set_seen = sm.events.len();
        for e in &sm.entries {
            prop_assert_eq!(set.ttl_of(&e.key), sm.ttl_of(e.key), "set ttl_of({})", e.key);
        }
    }
    Ok(())
}

/// Builds the map and set for one policy and runs the ops.
macro_rules! run_policy {
    ($cap:expr, $ttl:expr, $ops:expr, |$b:ident, $sb:ident| $policy:expr, $set_policy:expr, guard = $guard:literal) => {{
        let clock = ManualClock::new();
        let $b = BoundedMap::<u8, u32>::builder().cap($cap).clock(clock.clone());
        let $b = match $ttl {
            Some(ttl) => $b.ttl(Duration::from_millis(ttl)),
            None => $b,
        };
        let $sb = BoundedSet::<u8>::builder().cap($cap).clock(clock.clone());
        let $sb = match $ttl {
            Some(ttl) => $sb.ttl(Duration::from_millis(ttl)),
            None => $sb,
        };
        run_map($policy.build(), $set_policy.build(), clock, $guard, $ops)
    }};
}

fn run_any(policy: u8, cap: usize, ttl: Option<u64>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let map_guard: MapGuard = |k, _| guarded_key(k);
    let set_guard: fn(&u8) -> bool = guarded_key;
    match policy {
        0 => run_policy!(cap, ttl, ops, |b, sb| b, sb, guard = false),
        1 => run_policy!(cap, ttl, ops, |b, sb| b.lru(), sb.lru(), guard = false),
        2 => run_policy!(cap, ttl, ops, |b, sb| b.fifo(), sb.fifo(), guard = false),
        3 => run_policy!(cap, ttl, ops, |b, sb| b.reject(), sb.reject(), guard = false),
        4 => run_policy!(
            cap,
            ttl,
            ops,
            |b, sb| b.keep_if(map_guard),
            sb.keep_if(set_guard),
            guard = true
        ),
        5 => run_policy!(
            cap,
            ttl,
            ops,
            |b, sb| b.lru().keep_if(map_guard),
            sb.lru().keep_if(set_guard),
            guard = true
        ),
        _ => run_policy!(
            cap,
            ttl,
            ops,
            |b, sb| b.fifo().keep_if(map_guard),
            sb.fifo().keep_if(set_guard),
            guard = true
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every policy (SIEVE, LRU, FIFO, reject, and the first three with a
    /// guard) against the model.
    #[test]
    fn map_matches_model(
        policy in 0u8..7,
        cap in 1usize..8,
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        run_any(policy, cap, None, ops)?;
    }

    #[test]
    fn map_with_ttl_matches_model(
        policy in 0u8..7,
        cap in 1usize..8,
        ttl in 1u64..1_000,
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        run_any(policy, cap, Some(ttl), ops)?;
    }

    #[test]
    fn deque_matches_model(
        reject in any::<bool>(),
        cap in 1usize..8,
        ops in proptest::collection::vec(deque_op(), 1..100),
    ) {
        if reject {
            let deque = BoundedDeque::<u16>::builder().cap(cap).reject().build();
            run_deque(deque, |d, v| d.push_back(v).map_err(|r| r.into_inner()), ops)?;
        } else {
            let deque = BoundedDeque::<u16>::with_cap(cap);
            run_deque(deque, |d, v| { d.push_back(v); Ok(()) }, ops)?;
        }
    }
}

/// One step against a deque.
#[derive(Debug, Clone)]
enum DequeOp {
    Push(u16),
    PopFront,
    PopBack,
    Get(usize),
    Bump(usize),
    Contains(u16),
    RetainEven,
    Drain,
    Clear,
    Clone,
}

fn deque_op() -> impl Strategy<Value = DequeOp> {
    prop_oneof![
        6 => (0u16..20).prop_map(DequeOp::Push),
        2 => Just(DequeOp::PopFront),
        1 => Just(DequeOp::PopBack),
        1 => (0usize..9).prop_map(DequeOp::Get),
        1 => (0usize..9).prop_map(DequeOp::Bump),
        1 => (0u16..20).prop_map(DequeOp::Contains),
        1 => Just(DequeOp::RetainEven),
        1 => Just(DequeOp::Drain),
        1 => Just(DequeOp::Clear),
        1 => Just(DequeOp::Clone),
    ]
}

/// A `BoundedDeque` against a `VecDeque` that is cut by hand: contents,
/// every return value, the counters, the eviction events and the memory
/// (never room for more than the cap) after every step.
fn run_deque<P: DequePolicy + Clone>(
    mut deque: BoundedDeque<u16, P>,
    push: fn(&mut BoundedDeque<u16, P>, u16) -> Result<(), u16>,
    ops: Vec<DequeOp>,
) -> Result<(), TestCaseError> {
    let cap = deque.cap();
    let evict = deque.evict_policy();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    deque.on_evict(move |v, why| sink.lock().unwrap().push((v, why)));
    let mut model: VecDeque<u16> = VecDeque::new();
    let mut stats = BoundStats::default();
    let mut evicted = Vec::new();
    for op in ops {
        match op {
            DequeOp::Push(v) => {
                stats.inserts += 1;
                let got = push(&mut deque, v);
                if model.len() < cap {
                    model.push_back(v);
                    prop_assert_eq!(got, Ok(()));
                } else if evict == Evict::Reject {
                    stats.rejections += 1;
                    prop_assert_eq!(got, Err(v));
                } else {
                    evicted.push((model.pop_front().unwrap(), EvictReason::Capacity));
                    model.push_back(v);
                    stats.evictions += 1;
                    prop_assert_eq!(got, Ok(()));
                }
            }
            DequeOp::PopFront => {
                let want = model.pop_front();
                stats.removals += u64::from(want.is_some());
                prop_assert_eq!(deque.pop_front(), want);
            }
            DequeOp::PopBack => {
                let want = model.pop_back();
                stats.removals += u64::from(want.is_some());
                prop_assert_eq!(deque.pop(), want);
            }
            DequeOp::Get(i) => {
                prop_assert_eq!(deque.get(i), model.get(i));
                prop_assert_eq!(deque.front(), model.front());
                prop_assert_eq!(deque.back(), model.back());
            }
            DequeOp::Bump(i) => {
                if let Some(v) = model.get_mut(i) {
                    *v += 100;
                }
                if let Some(v) = deque.get_mut(i) {
                    *v += 100;
                }
            }
            DequeOp::Contains(v) => prop_assert_eq!(deque.contains(&v), model.contains(&v)),
            DequeOp::RetainEven => {
                let before = model.len();
                model.retain(|v| v % 2 == 0);
                stats.removals += (before - model.len()) as u64;
                deque.retain(|v| v % 2 == 0);
            }
            DequeOp::Drain => {
                stats.removals += model.len() as u64;
                let drained: Vec<u16> = deque.drain().collect();
                prop_assert!(drained.iter().eq(model.drain(..).collect::<Vec<_>>().iter()));
            }
            DequeOp::Clear => {
                stats.removals += model.len() as u64;
                model.clear();
                deque.clear();
            }
            DequeOp::Clone => {
                let copy = deque.clone();
                prop_assert!(copy.iter().eq(deque.iter()));
                prop_assert_eq!(
                    (copy.cap(), copy.evict_policy()),
                    (deque.cap(), deque.evict_policy())
                );
            }
        }
        prop_assert!(deque.iter().eq(model.iter()));
        prop_assert_eq!(deque.len(), model.len());
        prop_assert_eq!(deque.is_empty(), model.is_empty());
        prop_assert_eq!(deque.stats(), stats);
        prop_assert_eq!(&*events.lock().unwrap(), &evicted);
        prop_assert!(
            deque.heap_bytes() <= cap * size_of::<u16>(),
            "room for more than the cap: {} bytes",
            deque.heap_bytes()
        );
    }
    Ok(())
}
