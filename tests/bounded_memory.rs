//! What the bounded collections really hold, measured by a counting global
//! allocator, on the test's own thread (the harness's other threads may
//! allocate meanwhile).

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use std::hash::{BuildHasherDefault, DefaultHasher};
use std::time::Duration;

use counting_alloc::{Counting, thread_live_bytes as live_bytes};
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
        burst.insert(key);
    }
    let one_burst = live_bytes() - before;
    clock.advance(Duration::from_secs(61));
    for key in N..2 * N {
        burst.insert(key);
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
            set.insert(key);
        }
        set
    });
    assert!(bytes < 1_024, "a cap of 1M with 10 entries holds {bytes} bytes");
    assert_eq!(small.heap_bytes() as isize, bytes);
    drop(small);

    // 3. Eviction churn does not grow a full map. Its index may settle once
    // at up to twice the first fill's buckets (hashbrown clears deletion
    // markers in place only while at most half full); after that, flat. A
    // fixed hasher makes the run reproducible.
    type Fixed = BuildHasherDefault<DefaultHasher>;
    let (mut map, _) =
        held(|| BoundedMap::<u64, u64, Fixed>::with_cap_and_hasher(10_000, Fixed::default()));
    let mut samples = Vec::with_capacity(100); // allocated before measuring
    let before = live_bytes();
    for key in 0..10_000 {
        map.insert(key, key);
    }
    let full = live_bytes() - before;
    for key in 10_000..1_000_000 {
        map.insert(key, key);
        if key % 10_000 == 0 {
            samples.push(live_bytes() - before);
        }
    }
    let peak = samples.iter().copied().max().unwrap_or(0);
    assert!(peak <= 2 * full, "churn peaked at {peak} bytes, first fill {full}");
    let settled = &samples[samples.len() / 2..];
    assert!(
        settled.iter().all(|&bytes| bytes == settled[0]),
        "the second half of a 1M-insert churn allocates nothing: {settled:?}"
    );
    assert_eq!(map.heap_bytes() as isize, live_bytes() - before);
    assert_eq!(map.len(), 10_000);
    assert_eq!(map.stats().evictions, 990_000);
    drop(map);

    // 4. Mixed per-entry TTLs (1 ms to 1 s, in no order) on a map with no
    // TTL of its own: a burst that is never read leaves memory as it
    // expires. A second burst is written over 1.1 s in 10 ms steps (the
    // writes are what expire entries; nothing is read), and after each step
    // every entry of the first burst more than two wheel ticks (2^21 ns)
    // past its expiry is gone.
    let ttl_of = |key: u64| Duration::from_millis(1 + key.wrapping_mul(2_654_435_761) % 1_000);
    let clock = ManualClock::new();
    let (mut cache, _) =
        held(|| BoundedMap::<u64, u64>::builder().cap(1_000_000).clock(clock.clone()).build());
    let before = live_bytes();
    for key in 0..N {
        cache.insert_with_ttl(key, key, ttl_of(key));
    }
    let one_burst = live_bytes() - before;
    let steps = 110;
    let mut next = N;
    for step in 1..=steps {
        clock.advance(Duration::from_millis(10));
        let now = Duration::from_millis(10 * step);
        for _ in 0..N / steps {
            cache.insert_with_ttl(next, next, ttl_of(next) + Duration::from_secs(5));
            next += 1;
        }
        let old_held = cache.len() as u64 - (next - N);
        let live = (0..N).filter(|&key| ttl_of(key) > now).count() as u64;
        let lingering = now.saturating_sub(Duration::from_nanos(2 << 20));
        let not_long_expired = (0..N).filter(|&key| ttl_of(key) > lingering).count() as u64;
        assert!(
            (live..=not_long_expired).contains(&old_held),
            "at {now:?}: {old_held} of the first burst held, {live} live, {not_long_expired} expired under two ticks ago"
        );
    }
    assert!((0..N).all(|key| cache.peek(&key).is_none()));
    assert_eq!(cache.stats().expirations, N, "the whole first burst expired, unread");
    assert_eq!(cache.len() as u64, next - N);
    // Expired entries' room is reused. As in 3, the table may settle once
    // at twice the first burst's buckets: removals leave deletion markers,
    // and, as in std's `HashMap`, a table more than half full that runs out
    // of room for them doubles rather than rehashing in place.
    let after_two = live_bytes() - before;
    assert!(
        after_two <= 2 * one_burst,
        "the second burst took more than twice the first one's room: {after_two} > 2 x {one_burst}"
    );
    assert_eq!(cache.heap_bytes() as isize, after_two, "heap_bytes() is the allocator's truth");
}
