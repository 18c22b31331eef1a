//! The second-generation collection API as a user meets it: std's return
//! types, reads through `&self` (behind an `RwLock` read guard, on several
//! threads), `entry()`, the eviction guard on real pub/sub channels, and
//! builder errors.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::thread;
use std::time::Duration;

use leakproof::prelude::*;
use leakproof::{BuildError, ManualClock};

/// Readers on four threads call `get`/`contains_key` through read guards
/// while a writer inserts 200k keys into a cap of 1,000. Every value a
/// reader sees belongs to its key, the bound holds whenever a reader looks,
/// and the table is whole at the end.
#[test]
fn rwlock_readers_and_a_writer() {
    const KEYS: u64 = 200_000;
    let map = Arc::new(RwLock::new(BoundedMap::<u64, u64>::with_cap(1_000)));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|r| {
            let map = Arc::clone(&map);
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let (mut hits, mut reads) = (0u64, 0u64);
                let mut key: u64 = r;
                while !done.load(std::sync::atomic::Ordering::Relaxed) || reads < 1_000 {
                    let guard = map.read().unwrap();
                    assert!(guard.len() <= 1_000, "a reader saw {} entries", guard.len());
                    for _ in 0..64 {
                        key = key.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1) % KEYS;
                        if let Some(&value) = guard.get(&key) {
                            assert_eq!(value, key * 2, "key {key} holds another key's value");
                            hits += 1;
                        }
                        assert_eq!(guard.contains_key(&key), guard.peek(&key).is_some());
                        reads += 1;
                    }
                }
                (hits, reads)
            })
        })
        .collect();
    for key in 0..KEYS {
        map.write().unwrap().insert(key, key * 2);
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total_reads = 0;
    for reader in readers {
        let (_, reads) = reader.join().expect("a reader panicked");
        total_reads += reads;
    }
    let map = map.read().unwrap();
    map.assert_invariants();
    assert_eq!(map.len(), 1_000);
    let stats = map.stats();
    assert_eq!(stats.inserts, KEYS);
    assert_eq!(stats.inserts, map.len() as u64 + stats.evictions);
    assert!(total_reads >= 4_000);
    // Counters bumped from several threads may lose counts, never invent them.
    assert!(stats.hits + stats.misses <= total_reads * 2);
    for (k, v) in map.iter() {
        assert_eq!(*v, k * 2);
    }
}

/// The drop-in promise, spelled as code written for std: these lines
/// compile unchanged against the bounded types.
#[test]
fn std_shaped_code_compiles_unchanged() {
    fn count_new(set: &mut BoundedSet<u64>, ids: &[u64]) -> usize {
        ids.iter().filter(|id| set.insert(**id)).count()
    }
    fn lookup(map: &BoundedMap<String, u32>, key: &str) -> Option<u32> {
        map.get(key).copied()
    }
    let mut set = BoundedSet::<u64>::with_cap(10);
    assert_eq!(count_new(&mut set, &[1, 2, 2, 3]), 3);
    let mut map = BoundedMap::<String, u32>::with_cap(10);
    if map.insert("a".into(), 1).is_none() {
        map.entry("b".into()).or_insert_with(|| 2);
    }
    *map.entry("a".into()).or_default() += 10;
    map.entry("c".into()).and_modify(|v| *v += 1).or_insert(3);
    map.entry("c".into()).and_modify(|v| *v += 1).or_insert(100);
    assert_eq!(
        (lookup(&map, "a"), lookup(&map, "b"), lookup(&map, "c")),
        (Some(11), Some(2), Some(4))
    );
    assert_eq!(map.get_key_value("b"), Some((&"b".to_string(), &2)));
    let mut deque = BoundedDeque::<u8>::with_cap(2);
    deque.push_back(1);
    deque.push_front(0);
    deque.push_back(2); // drops the front
    assert_eq!(deque.make_contiguous(), &[1, 2]);
    let std_map: HashMap<String, u32> = map.drain().collect();
    assert_eq!(std_map.len(), 3);
    assert!(map.is_empty());
    assert_eq!(map.stats().removals, 3);
}

#[test]
fn entry_api_follows_std() {
    let clock = ManualClock::new();
    let mut map = BoundedMap::<&str, u32>::builder()
        .cap(2)
        .ttl(Duration::from_secs(10))
        .clock(clock.clone())
        .build();
    match map.entry("a") {
        leakproof::collections::map::Entry::Vacant(vacant) => {
            assert_eq!(*vacant.key(), "a");
            *vacant.insert(1) += 1;
        }
        leakproof::collections::map::Entry::Occupied(_) => panic!("empty map"),
    }
    assert_eq!(map.get("a"), Some(&2));
    assert_eq!(map.entry("k").or_insert_with_key(|k| k.len() as u32), &mut 1);
    // An occupied insert is a write: the entry's age restarts.
    clock.advance(Duration::from_secs(8));
    if let leakproof::collections::map::Entry::Occupied(mut occupied) = map.entry("a") {
        assert_eq!((*occupied.key(), *occupied.get()), ("a", 2));
        assert_eq!(occupied.insert(5), 2);
        *occupied.get_mut() += 1;
        assert_eq!(*occupied.into_mut(), 6);
    } else {
        panic!("\"a\" is live");
    }
    clock.advance(Duration::from_secs(8));
    assert_eq!(map.get("a"), Some(&6), "restarted at 8s, so live at 16s");
    assert_eq!(map.get("k"), None, "written at 0s, expired at 10s");
    // A vacant entry for an expired key: the old entry goes, as a miss.
    let expirations = map.stats().expirations;
    assert_eq!(map.entry("k").key(), &"k");
    assert_eq!(map.stats().expirations, expirations + 1);
    // Removal through an occupied entry is a caller's removal.
    if let leakproof::collections::map::Entry::Occupied(occupied) = map.entry("a") {
        assert_eq!(occupied.remove_entry(), ("a", 6));
    }
    assert_eq!(map.stats().removals, 1);
    assert!(map.is_empty());
}

#[test]
fn a_refusing_entry_hands_the_entry_back() {
    let mut pending = BoundedMap::<u32, &str>::builder().cap(1).reject().build();
    assert_eq!(pending.entry(1).or_insert("one"), Ok(&mut "one"));
    assert_eq!(pending.entry(1).or_insert("uno"), Ok(&mut "one"), "occupied: no insert");
    let refused = pending.entry(2).or_insert("two").unwrap_err();
    assert_eq!(refused.into_inner(), (2, "two"));
    assert_eq!(pending.stats().rejections, 1);
}

/// The hazard the guard exists for: an LRU-style bound on a map of pub/sub
/// channels would drop the sender a live subscriber listens on.
#[cfg(feature = "tokio")]
#[test]
fn keep_if_never_evicts_a_channel_with_listeners() {
    use tokio::sync::broadcast;
    let mut channels = BoundedMap::<String, broadcast::Sender<String>>::builder()
        .cap(2)
        .keep_if(|_, tx: &broadcast::Sender<String>| tx.receiver_count() > 0)
        .build();
    let (news, mut listener) = broadcast::channel(4);
    channels.insert("news".into(), news).unwrap();
    let (idle, _) = broadcast::channel::<String>(4);
    channels.insert("idle".into(), idle).unwrap();
    // Full: the idle channel (no receiver) is the one to go.
    let (sport, _sport_rx) = broadcast::channel(4);
    channels.insert("sport".into(), sport).unwrap();
    assert!(channels.contains_key("news"), "a channel with a listener was evicted");
    assert!(!channels.contains_key("idle"));
    channels.get("news").unwrap().send("still here".into()).unwrap();
    assert_eq!(listener.try_recv().unwrap(), "still here");
    // Every channel has a listener now: the insert is refused, not a drop.
    let (weather, _) = broadcast::channel(4);
    let refused = channels.insert("weather".into(), weather).unwrap_err();
    assert_eq!(refused.into_inner().0, "weather");
    assert_eq!(channels.stats().rejections, 1);
    assert_eq!(channels.len(), 2);
    // Once its listener goes, a channel may be evicted again.
    drop(listener);
    let (weather, _w) = broadcast::channel(4);
    channels.insert("weather".into(), weather).unwrap();
    assert!(!channels.contains_key("news"));
}

fn in_use(_: &u64, sessions: &Arc<()>) -> bool {
    Arc::strong_count(sessions) > 1
}

fn pinned(id: &u64) -> bool {
    *id < 10
}

#[lifecycle]
struct Registry {
    #[bounded(cap = 3, keep_if = in_use)]
    sessions: HashMap<u64, Arc<()>>,
    #[bounded(cap = 2, evict = "fifo", keep_if = pinned)]
    recent: HashSet<u64>,
}

/// `#[bounded(keep_if = path)]`: the guard lives in the field's type, so
/// `Default` builds it, and inserts return `Result`.
#[test]
fn keep_if_attribute_guards_a_field() {
    let mut registry = Registry { sessions: Default::default(), recent: Default::default() };
    let held = Arc::new(());
    registry.sessions.insert(1, Arc::clone(&held)).unwrap();
    registry.sessions.insert(2, Arc::new(())).unwrap();
    registry.sessions.insert(3, Arc::new(())).unwrap();
    registry.sessions.insert(4, Arc::new(())).unwrap();
    assert!(registry.sessions.contains_key(&1), "a session in use was evicted");
    assert!(!registry.sessions.contains_key(&2));

    registry.recent.insert(1).unwrap();
    registry.recent.insert(2).unwrap();
    assert_eq!(registry.recent.insert(50).unwrap_err().into_inner(), 50, "both pinned");
    registry.recent.remove(&2);
    registry.recent.insert(60).unwrap();
    registry.recent.insert(70).unwrap();
    let mut kept: Vec<u64> = registry.recent.iter().copied().collect();
    kept.sort();
    assert_eq!(kept, [1, 70], "the pinned id stays, the unpinned oldest goes");
}

#[test]
fn try_build_reports_what_is_wrong() {
    assert_eq!(BoundedMap::<u8, u8>::builder().try_build().unwrap_err(), BuildError::ZeroCap);
    assert_eq!(
        BoundedSet::<u8>::builder().cap(4).ttl(Duration::ZERO).try_build().unwrap_err(),
        BuildError::ZeroTtl
    );
    let err = BoundedDeque::<u8>::builder().cap(usize::MAX).try_build().unwrap_err();
    assert_eq!(err, BuildError::CapTooLarge(usize::MAX));
    assert!(err.to_string().contains("at most"));
    assert!(BuildError::ZeroCap.to_string().contains("`.cap(n)`"));
    assert_eq!(BoundedDeque::<u8>::builder().cap(3).try_build().unwrap().cap(), 3);
}

#[test]
#[should_panic(expected = "needs a cap of at least 1")]
fn build_panics_as_documented() {
    let _ = BoundedSet::<u8>::builder().build();
}

#[test]
fn ttl_of_says_what_is_left_and_index_reads() {
    let clock = ManualClock::new();
    let mut set = BoundedSet::<u32>::builder()
        .cap(4)
        .ttl(Duration::from_millis(100))
        .clock(clock.clone())
        .build();
    set.insert(1);
    clock.advance(Duration::from_millis(40));
    assert_eq!(set.ttl_of(&1), Some(Duration::from_millis(60)));
    set.insert(1); // a write restarts the age
    assert_eq!(set.ttl_of(&1), Some(Duration::from_millis(100)));
    assert_eq!(set.ttl_of(&2), None);
    assert_eq!(BoundedSet::<u32>::with_cap(2).ttl_of(&1), None, "no TTL");

    let mut map = BoundedMap::<&str, u32>::with_cap(2);
    map.insert("a", 1);
    assert_eq!(map["a"], 1);
    assert_eq!(map.stats().hits, 0, "indexing is a peek");
    let missing = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| map["b"]));
    assert!(missing.is_err());
}

/// A cache's `SET key value EX n`, `EXPIRE` and `TTL`, written as a user
/// would: per-key expiries beside the field's own TTL, and the entry forms.
#[test]
fn per_entry_ttls_beside_the_fields_own() {
    let clock = ManualClock::new();
    let mut keys = BoundedMap::<String, String>::builder()
        .cap(100)
        .ttl(Duration::from_secs(3600))
        .clock(clock.clone())
        .build();
    let secs = Duration::from_secs;
    keys.insert("session".into(), "a".into());
    keys.insert_with_ttl("otp".into(), "493817".into(), secs(30));
    assert_eq!(keys.ttl_of("otp"), Some(secs(30)));
    assert_eq!(keys.ttl_of("session"), Some(secs(3600)));

    // EXPIRE on a key that has the field's TTL, and on a missing one.
    assert!(keys.set_ttl("session", secs(10)));
    assert!(!keys.set_ttl("missing", secs(10)));

    // The entry forms: an occupied entry takes a new value and TTL; a
    // vacant one is inserted with its own.
    match keys.entry("otp".into()) {
        leakproof::collections::map::Entry::Occupied(mut e) => {
            assert_eq!(e.insert_with_ttl("111111".into(), secs(60)), "493817");
        }
        leakproof::collections::map::Entry::Vacant(_) => panic!("otp is live"),
    }
    match keys.entry("lock".into()) {
        leakproof::collections::map::Entry::Vacant(e) => {
            e.insert_with_ttl("held".into(), secs(5));
        }
        leakproof::collections::map::Entry::Occupied(_) => panic!("lock is new"),
    }

    clock.advance(secs(11));
    assert_eq!(keys.get("session"), None, "EXPIRE shortened it");
    assert_eq!(keys.get("lock"), None);
    assert_eq!(keys.get("otp").map(String::as_str), Some("111111"));
    assert_eq!(keys.ttl_of("otp"), Some(secs(49)));

    // A plain insert gives the key the field's TTL back.
    keys.insert("otp".into(), "222222".into());
    assert_eq!(keys.ttl_of("otp"), Some(secs(3600)));

    // Expired keys leave on the next write, unread.
    keys.insert_with_ttl("short".into(), "x".into(), Duration::from_millis(1));
    let before = keys.len();
    clock.advance(secs(1));
    keys.insert("next".into(), "y".into());
    assert_eq!(keys.len(), before, "`short` went as `next` came");
    assert_eq!(keys.stats().expirations, 3);
}

/// Per-entry TTLs on a collection with no TTL of its own: the other entries
/// never expire.
#[test]
fn per_entry_ttls_without_a_default() {
    let clock = ManualClock::new();
    let mut seen = BoundedSet::<u32>::builder().cap(10).clock(clock.clone()).build();
    seen.insert(1);
    seen.insert_with_ttl(2, Duration::from_secs(1));
    assert_eq!(seen.ttl_of(&1), None, "no TTL: never expires");
    assert_eq!(seen.ttl_of(&2), Some(Duration::from_secs(1)));
    clock.advance(Duration::from_secs(365 * 24 * 3600));
    assert!(seen.contains(&1));
    assert!(!seen.contains(&2));
    assert!(seen.set_ttl(&1, Duration::from_secs(2)));
    clock.advance(Duration::from_secs(2));
    assert!(!seen.contains(&1), "expired to reads at the exact instant");
    clock.advance(Duration::from_millis(2));
    assert_eq!(seen.purge_expired(), 2, "and gone from memory within a wheel tick (about 1 ms)");
    assert!(seen.is_empty());
}

/// `get_disjoint_mut` as std's: several values at once, missing keys as
/// `None`, each lookup a use, the same entry twice a panic.
#[test]
fn get_disjoint_mut_follows_std() {
    let mut map = BoundedMap::<u32, u32>::builder().cap(3).lru().build();
    for key in 1..=3 {
        map.insert(key, key * 10);
    }
    let [a, missing, c] = map.get_disjoint_mut([&3, &9, &1]);
    assert_eq!(missing, None);
    let (a, c) = (a.expect("3 is held"), c.expect("1 is held"));
    std::mem::swap(a, c);
    assert_eq!((map.peek(&1), map.peek(&3)), (Some(&30), Some(&10)));
    assert_eq!((map.stats().hits, map.stats().misses), (2, 1));
    // 3 then 1 were used, so 2 is the least recently used.
    map.insert(4, 40);
    assert!(!map.contains_key(&2));

    let twice = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = map.get_disjoint_mut([&1, &1]);
    }));
    assert!(twice.is_err(), "the same key twice panics, as std's");
}

/// `reserve` makes room as std's does, so inserts up to it allocate no
/// more, but never past the cap, where the room could never be used.
#[test]
fn reserve_makes_room_up_to_the_cap() {
    let mut map = BoundedMap::<u64, u64>::with_cap(10_000);
    map.reserve(1_000);
    let reserved = map.heap_bytes();
    assert!(reserved > 0, "reserve allocated nothing");
    for k in 0..1_000 {
        map.insert(k, k);
    }
    assert_eq!(map.heap_bytes(), reserved, "inserts up to the reservation grew the map");
    map.assert_invariants();

    // Past the cap, it reserves what the cap needs: as much as filling the
    // map to its cap takes, not more.
    let mut huge = BoundedMap::<u64, u64>::with_cap(10_000);
    huge.reserve(usize::MAX);
    let mut filled = BoundedMap::<u64, u64>::with_cap(10_000);
    filled.extend((0..10_000).map(|k| (k, k)));
    assert_eq!(huge.heap_bytes(), filled.heap_bytes());

    let mut set = BoundedSet::<u64>::with_cap(100);
    set.reserve(usize::MAX);
    let room = set.heap_bytes();
    set.extend(0..100);
    assert_eq!(set.heap_bytes(), room, "a set reserved to its cap still grew");

    let mut deque = BoundedDeque::<u64>::with_cap(100);
    deque.reserve(usize::MAX);
    assert_eq!(deque.heap_bytes(), 100 * size_of::<u64>());
    deque.reserve(10);
    assert_eq!(deque.heap_bytes(), 100 * size_of::<u64>(), "a second reserve grew it");
}

/// Zero-sized keys and values: the table stores nothing per entry but its
/// control byte, and the engine's links and bits still line up.
#[test]
fn zero_sized_entries() {
    let mut set = BoundedSet::<()>::with_cap(3);
    assert!(set.insert(()));
    assert!(!set.insert(()));
    assert!(set.contains(&()));
    set.assert_invariants();
    let mut map = BoundedMap::<(), ()>::with_cap(1);
    assert_eq!(map.insert((), ()), None);
    assert_eq!(map.insert((), ()), Some(()));
    assert_eq!(map.remove(&()), Some(()));
    map.assert_invariants();
    let mut flags = BoundedMap::<bool, ()>::with_cap(1);
    for round in 0..100 {
        flags.insert(round % 2 == 0, ());
        flags.assert_invariants();
    }
    assert_eq!((flags.len(), flags.stats().evictions), (1, 99));
}
