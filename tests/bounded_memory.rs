//! What the bounded collections really hold, measured by a counting global
//! allocator. One test function, so no other test allocates concurrently.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use std::time::Duration;

use counting_alloc::{Counting, live_bytes};
use leakproof::{BoundedMap, BoundedSet, ManualClock};

#[global_allocator]
static ALLOC: Counting = Counting;

const N: u64 = 50_000;

/// Heap bytes `f`'s result holds after it returns.
fn held<T>(f: impl FnOnce() -> T) -> (T, isize) {
    let before = live_bytes();
    let value = f();
    (value, live_bytes() - before)
}

#[test]
fn memory_follows_live_entries() {
    // 1. A burst that is never read again leaves memory once it expires:
    // N inserts, the clock past the TTL, N inserts of new keys, no reads.
    let clock = ManualClock::new();
    let (mut burst, _) = held(|| {
        BoundedSet::<u64>::builder()
            .cap(1_000_000)
            .ttl(Duration::from_secs(60))
            .clock(clock.clone())
            .build()
    });
    let before = live_bytes();
    for key in 0..N {
        burst.insert(key).unwrap();
    }
    let one_burst = live_bytes() - before;
    clock.advance(Duration::from_secs(61));
    for key in N..2 * N {
        burst.insert(key).unwrap();
    }
    let after_two = live_bytes() - before;
    assert_eq!(burst.len() as u64, N, "only the second burst is held");
    assert!((0..N).all(|key| burst.peek(&key).is_none()));
    assert_eq!(burst.stats().expirations, N);
    assert!(
        after_two <= one_burst,
        "two bursts, the first expired, hold no more than one: {after_two} > {one_burst}"
    );
    assert_eq!(burst.heap_bytes() as isize, after_two, "heap_bytes() is the allocator's truth");
    drop(burst);

    // 2. No allocation of the whole cap up front: a cap of 1M holding ten
    // entries holds memory for about ten.
    let (small, bytes) = held(|| {
        let mut set = BoundedSet::<u64>::with_cap(1_000_000);
        for key in 0..10 {
            set.insert(key).unwrap();
        }
        set
    });
    assert!(bytes < 1_024, "a cap of 1M with 10 entries holds {bytes} bytes");
    assert_eq!(small.heap_bytes() as isize, bytes);
    drop(small);

    // 3. Eviction churn does not grow a full map. (Its index settles once at
    // up to twice the first fill's buckets: hashbrown rehashes its deletion
    // markers in place only while at most half full. After that, flat.)
    let (mut map, _) = held(|| BoundedMap::<u64, u64>::with_cap(10_000));
    let before = live_bytes();
    for key in 0..10_000 {
        map.insert(key, key).unwrap();
    }
    let full = live_bytes() - before;
    for key in 10_000..100_000 {
        map.insert(key, key).unwrap();
    }
    let settled = live_bytes() - before;
    assert!(settled < 2 * full, "churn settled at {settled} bytes, first fill {full}");
    for key in 100_000..1_000_000 {
        map.insert(key, key).unwrap();
    }
    assert_eq!(live_bytes() - before, settled, "ten times more churn, not one byte more");
    assert_eq!(map.heap_bytes() as isize, settled);
    assert_eq!(map.len(), 10_000);
    assert_eq!(map.stats().evictions, 990_000);
}
