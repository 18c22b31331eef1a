//! Model-based tests: random operation sequences run against each bounded
//! wrapper and against a deliberately naive reference model (a `Vec` of
//! entries with ages), compared after every step.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakproof::{
    BoundStats, BoundedDeque, BoundedMap, BoundedSet, Evict, EvictReason, ManualClock,
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
    Advance(u16),
    Purge,
    RetainEven,
    Clear,
    /// Adds 1 to every live value through `iter_mut`.
    BumpAll,
}

fn op() -> impl Strategy<Value = Op> {
    // Few keys so that hits, updates and evictions are common.
    let key = 0u8..12;
    prop_oneof![
        6 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => key.clone().prop_map(Op::Get),
        1 => key.clone().prop_map(Op::GetMut),
        2 => key.clone().prop_map(Op::Contains),
        2 => key.clone().prop_map(Op::Peek),
        2 => key.prop_map(Op::Remove),
        2 => (0u16..400).prop_map(Op::Advance),
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
    expires: Option<u64>,
    /// Tick of last use (LRU) and of first insertion (FIFO).
    used: u64,
    inserted: u64,
}

/// The reference: a plain `Vec`, every rule written the obvious way.
struct Model {
    cap: usize,
    evict: Evict,
    ttl: Option<u64>,
    now: u64,
    tick: u64,
    entries: Vec<Entry>,
    stats: BoundStats,
    events: Vec<(u8, u32, EvictReason)>,
}

impl Model {
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    fn is_expired(&self, e: &Entry) -> bool {
        e.expires.is_some_and(|at| at <= self.now)
    }

    fn purge(&mut self) -> usize {
        let mut expired: Vec<Entry> =
            self.entries.iter().filter(|e| self.is_expired(e)).cloned().collect();
        expired.sort_by_key(|e| e.written);
        let now = self.now;
        self.entries.retain(|e| e.expires.is_none_or(|at| at > now));
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
        let e = self.entries.remove(i);
        self.stats.expirations += 1;
        self.events.push((e.key, e.value, EvictReason::Expired));
    }

    fn insert(&mut self, key: u8, value: u32) -> Result<Option<u32>, (u8, u32)> {
        self.purge();
        let tick = self.next_tick();
        let expires = self.ttl.map(|ttl| self.now + ttl);
        if let Some(i) = self.position(key) {
            let e = &mut self.entries[i];
            let old = std::mem::replace(&mut e.value, value);
            e.written = tick;
            e.expires = expires;
            if self.evict == Evict::Lru {
                e.used = tick;
            }
            return Ok(Some(old));
        }
        self.stats.inserts += 1;
        if self.entries.len() >= self.cap {
            let victim = match self.evict {
                Evict::Reject => {
                    self.stats.rejections += 1;
                    return Err((key, value));
                }
                Evict::Lru => self.entries.iter().enumerate().min_by_key(|(_, e)| e.used),
                Evict::Fifo => self.entries.iter().enumerate().min_by_key(|(_, e)| e.inserted),
            };
            let i = victim.map(|(i, _)| i).expect("a full model has entries");
            let e = self.entries.remove(i);
            self.stats.evictions += 1;
            self.events.push((e.key, e.value, EvictReason::Capacity));
        }
        self.entries.push(Entry { key, value, written: tick, expires, used: tick, inserted: tick });
        Ok(None)
    }

    fn touch(&mut self, key: u8) -> Option<u32> {
        let Some(i) = self.position(key) else {
            self.stats.misses += 1;
            return None;
        };
        if self.is_expired(&self.entries[i]) {
            self.stats.misses += 1;
            self.expire_one(i);
            return None;
        }
        self.stats.hits += 1;
        let tick = self.next_tick();
        if self.evict == Evict::Lru {
            self.entries[i].used = tick;
        }
        Some(self.entries[i].value)
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
        Some(self.entries.remove(i).value)
    }

    fn live(&self) -> Vec<(u8, u32)> {
        let mut live: Vec<_> =
            self.entries.iter().filter(|e| !self.is_expired(e)).map(|e| (e.key, e.value)).collect();
        live.sort();
        live
    }
}

fn run_map(cap: usize, evict: Evict, ttl: Option<u64>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let clock = ManualClock::new();
    let mut builder = BoundedMap::<u8, u32>::builder().cap(cap).evict(evict).clock(clock.clone());
    if let Some(ttl) = ttl {
        builder = builder.ttl(Duration::from_millis(ttl));
    }
    let mut map = builder.build();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    map.on_evict(move |k, v, why| sink.lock().unwrap().push((k, v, why)));
    // A set with the same configuration is the same table with unit
    // values: it must follow the same model, projected on the keys.
    let mut set_builder = BoundedSet::<u8>::builder().cap(cap).evict(evict).clock(clock.clone());
    if let Some(ttl) = ttl {
        set_builder = set_builder.ttl(Duration::from_millis(ttl));
    }
    let mut set = set_builder.build();
    let set_events = Arc::new(Mutex::new(Vec::new()));
    let set_sink = Arc::clone(&set_events);
    set.on_evict(move |k, why| set_sink.lock().unwrap().push((k, why)));
    let mut model = Model {
        cap,
        evict,
        ttl,
        now: 0,
        tick: 0,
        entries: Vec::new(),
        stats: BoundStats::default(),
        events: Vec::new(),
    };

    for op in ops {
        match op {
            Op::Insert(k, v) => {
                let got = map.insert(k, v).map_err(|r| r.into_inner());
                let want = model.insert(k, v);
                prop_assert_eq!(got, want, "insert({}, {})", k, v);
                let set_want = want.map(|old| old.is_none()).map_err(|(k, _)| k);
                prop_assert_eq!(set.insert(k).map_err(|r| r.into_inner()), set_want);
            }
            Op::Get(k) => {
                let want = model.touch(k);
                prop_assert_eq!(map.get(&k).copied(), want);
                prop_assert_eq!(set.get(&k).copied(), want.map(|_| k));
            }
            Op::GetMut(k) => {
                let got = map.get_mut(&k).map(|v| {
                    let old = *v;
                    *v = v.wrapping_add(1);
                    old
                });
                let want = model.touch(k);
                if let Some(i) = want.and(model.position(k)) {
                    model.entries[i].value = model.entries[i].value.wrapping_add(1);
                }
                prop_assert_eq!(got, want);
                prop_assert_eq!(set.contains(&k), want.is_some());
            }
            Op::Contains(k) => {
                let want = model.touch(k).is_some();
                prop_assert_eq!(map.contains_key(&k), want);
                prop_assert_eq!(set.contains(&k), want);
            }
            Op::Peek(k) => {
                let want = model.peek(k);
                prop_assert_eq!(map.peek(&k).copied(), want);
                prop_assert_eq!(set.peek(&k).copied(), want.map(|_| k));
            }
            Op::Remove(k) => {
                let want = model.remove(k);
                if k % 2 == 0 {
                    prop_assert_eq!(map.remove(&k), want);
                    prop_assert_eq!(set.remove(&k), want.is_some());
                } else {
                    prop_assert_eq!(map.remove_entry(&k), want.map(|v| (k, v)));
                    prop_assert_eq!(set.take(&k), want.map(|_| k));
                }
            }
            Op::Advance(ms) => {
                clock.advance(Duration::from_millis(u64::from(ms)));
                model.now += u64::from(ms);
            }
            Op::Purge => {
                let want = model.purge();
                prop_assert_eq!(map.purge_expired(), want);
                prop_assert_eq!(set.purge_expired(), want);
            }
            Op::RetainEven => {
                map.retain(|k, _| k % 2 == 0);
                set.retain(|k| k % 2 == 0);
                model.purge();
                let before = model.entries.len();
                model.entries.retain(|e| e.key % 2 == 0);
                model.stats.removals += (before - model.entries.len()) as u64;
            }
            Op::BumpAll => {
                for (_, v) in map.iter_mut() {
                    *v = v.wrapping_add(1);
                }
                let live: Vec<bool> = model.entries.iter().map(|e| !model.is_expired(e)).collect();
                for (e, live) in model.entries.iter_mut().zip(live) {
                    if live {
                        e.value = e.value.wrapping_add(1);
                    }
                }
            }
            Op::Clear => {
                map.clear();
                set.clear();
                model.stats.removals += model.entries.len() as u64;
                model.entries.clear();
            }
        }
        // After every step: the table's own invariants, the bound, the
        // contents, the counters, the events.
        map.assert_invariants();
        prop_assert!(map.len() <= cap);
        prop_assert_eq!(map.len(), model.entries.len());
        let mut live: Vec<_> = map.iter().map(|(k, v)| (*k, *v)).collect();
        live.sort();
        prop_assert_eq!(live, model.live(), "no expired entry is ever returned");
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
        prop_assert_eq!(&*events.lock().unwrap(), &model.events);
        // Keys and values agree with the entries.
        let mut keys: Vec<u8> = map.keys().copied().collect();
        keys.sort();
        let mut values: Vec<u32> = map.values().copied().collect();
        values.sort();
        let mut want_values: Vec<u32> = model.live().iter().map(|(_, v)| *v).collect();
        want_values.sort();
        prop_assert_eq!(keys, model.live().iter().map(|(k, _)| *k).collect::<Vec<_>>());
        prop_assert_eq!(values, want_values);
        // The set twin: the same keys, counters and events, without values.
        set.assert_invariants();
        prop_assert_eq!(set.len(), model.entries.len());
        let mut set_keys: Vec<u8> = set.iter().copied().collect();
        set_keys.sort();
        prop_assert_eq!(set_keys, model.live().iter().map(|(k, _)| *k).collect::<Vec<_>>());
        prop_assert_eq!(set.stats(), model.stats);
        let projected: Vec<(u8, EvictReason)> =
            model.events.iter().map(|(k, _, why)| (*k, *why)).collect();
        prop_assert_eq!(&*set_events.lock().unwrap(), &projected);
        prop_assert!(set.eviction_order().eq(map.eviction_order()));
    }
    Ok(())
}

fn policy() -> impl Strategy<Value = Evict> {
    prop_oneof![Just(Evict::Lru), Just(Evict::Fifo), Just(Evict::Reject)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn map_matches_model(
        cap in 1usize..8,
        evict in policy(),
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        run_map(cap, evict, None, ops)?;
    }

    #[test]
    fn map_with_ttl_matches_model(
        cap in 1usize..8,
        evict in policy(),
        ttl in 1u64..1_000,
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        run_map(cap, evict, Some(ttl), ops)?;
    }

    #[test]
    fn deque_matches_model(
        cap in 1usize..8,
        evict in policy(),
        ops in proptest::collection::vec(deque_op(), 1..100),
    ) {
        run_deque(cap, evict, ops)?;
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
fn run_deque(cap: usize, evict: Evict, ops: Vec<DequeOp>) -> Result<(), TestCaseError> {
    let mut deque = BoundedDeque::<u16>::builder().cap(cap).evict(evict).build();
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
                let got = deque.push_back(v).map_err(|r| r.into_inner());
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
