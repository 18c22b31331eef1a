//! Time per operation of leakproof's bounded map against the crates users
//! would pick instead, side by side in one run.
//!
//! `cargo bench -p leakproof-benches --bench bounded`
//!
//! Groups: `evicting_insert` (random u64 keys into a full cap-100k cache),
//! `get_heavy` (90% get / 10% insert over an 80k hot set, cap 100k),
//! `ttl_insert` (fresh keys, 50 ms TTL, every entry expires unread),
//! `vs_std` (non-evicting insert / get / contains against std with the same
//! hasher). Bytes per entry and peak live entries: the `memory` bench.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use leakproof::{BoundedMap, BoundedSet};
use leakproof_benches::{self as anchors, Cache};

const CAP: usize = 100_000;
const HOT: usize = 80_000;

fn bench_cache<C: Cache>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    mut cache: C,
    ops: &[(bool, u64)],
    warm: &[u64],
) {
    for &key in warm {
        cache.insert(key, key);
    }
    let mut at = 0;
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let (is_get, key) = ops[at];
                at = if at + 1 == ops.len() { 0 } else { at + 1 };
                if is_get {
                    black_box(cache.get(key));
                } else {
                    cache.insert(key, key);
                }
            }
            start.elapsed()
        })
    });
}

macro_rules! each_anchor {
    ($group:expr, $ops:expr, $warm:expr, $cap:expr) => {{
        let (g, ops, warm, cap) = ($group, $ops, $warm, $cap);
        let rs = RandomState::new;
        bench_cache(g, "leakproof/RandomState", anchors::leakproof(cap, rs()), ops, warm);
        bench_cache(g, "schnellru/RandomState", anchors::schnellru(cap, rs()), ops, warm);
        bench_cache(g, "lru/RandomState", anchors::lru(cap, rs()), ops, warm);
        bench_cache(g, "hashlink/RandomState", anchors::hashlink(cap, rs()), ops, warm);
        bench_cache(g, "quick_cache/RandomState", anchors::quick_cache(cap, rs()), ops, warm);
        bench_cache(g, "mini_moka/RandomState", anchors::mini_moka(cap, None, rs()), ops, warm);
        bench_cache(g, "moka/RandomState", anchors::moka(cap, None, rs()), ops, warm);
        // Each crate's own default hasher, and leakproof with foldhash.
        let fold = foldhash::fast::RandomState::default;
        bench_cache(g, "leakproof/foldhash", anchors::leakproof(cap, fold()), ops, warm);
        bench_cache(
            g,
            "schnellru/default(ahash)",
            schnellru::LruMap::new(schnellru::ByLength::new(cap as u32)),
            ops,
            warm,
        );
        bench_cache(
            g,
            "lru/default",
            lru::LruCache::new(std::num::NonZeroUsize::new(cap).unwrap()),
            ops,
            warm,
        );
        bench_cache(g, "hashlink/default", hashlink::LruCache::new(cap), ops, warm);
        bench_cache(
            g,
            "quick_cache/default",
            anchors::quick_cache(cap, quick_cache::DefaultHashBuilder::default()),
            ops,
            warm,
        );
    }};
}

fn evicting_insert(c: &mut Criterion) {
    let ops: Vec<(bool, u64)> =
        anchors::keys(10_000_000, 1).into_iter().map(|k| (false, k)).collect();
    let warm = anchors::keys(CAP, 2);
    let mut group = c.benchmark_group("evicting_insert");
    group.throughput(Throughput::Elements(1));
    each_anchor!(&mut group, &ops, &warm, CAP);
    group.finish();
}

fn get_heavy(c: &mut Criterion) {
    let hot = anchors::keys(HOT, 3);
    let picks = anchors::keys(10_000_000, 4);
    let ops: Vec<(bool, u64)> =
        picks.iter().map(|r| (r % 10 != 0, hot[((r >> 8) % HOT as u64) as usize])).collect();
    let mut group = c.benchmark_group("get_heavy");
    group.throughput(Throughput::Elements(1));
    each_anchor!(&mut group, &ops, &hot, CAP);
    group.finish();
}

fn ttl_insert(c: &mut Criterion) {
    let ttl = Duration::from_millis(50);
    let cap = 1_000_000;
    let ops: Vec<(bool, u64)> =
        anchors::keys(10_000_000, 5).into_iter().map(|k| (false, k)).collect();
    let mut group = c.benchmark_group("ttl_insert");
    group.throughput(Throughput::Elements(1));
    let rs = RandomState::new;
    bench_cache(&mut group, "leakproof", anchors::leakproof_ttl(cap, ttl), &ops, &[]);
    bench_cache(&mut group, "mini_moka", anchors::mini_moka(cap, Some(ttl), rs()), &ops, &[]);
    bench_cache(&mut group, "moka", anchors::moka(cap, Some(ttl), rs()), &ops, &[]);
    group.finish();
}

fn vs_std(c: &mut Criterion) {
    const N: usize = 100_000;
    let keys = anchors::keys(N, 6);
    let lookups = anchors::keys(1_000_000, 7);
    let lookups: Vec<u64> = lookups.iter().map(|r| keys[(r % N as u64) as usize]).collect();
    let mut group = c.benchmark_group("vs_std");

    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("insert/std HashMap", |b| {
        b.iter_batched(
            HashMap::<u64, u64>::new,
            |mut map| {
                for &k in &keys {
                    map.insert(k, k);
                }
                map
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("insert/leakproof BoundedMap", |b| {
        b.iter_batched(
            || BoundedMap::<u64, u64>::with_cap(10 * N),
            |mut map| {
                for &k in &keys {
                    let _ = map.insert(k, k);
                }
                map
            },
            BatchSize::LargeInput,
        )
    });

    group.throughput(Throughput::Elements(lookups.len() as u64));
    let std_map: HashMap<u64, u64> = keys.iter().map(|&k| (k, k)).collect();
    let mut bounded: BoundedMap<u64, u64> = BoundedMap::with_cap(10 * N);
    bounded.extend(keys.iter().map(|&k| (k, k)));
    group.bench_function("get/std HashMap", |b| {
        b.iter(|| lookups.iter().filter_map(|k| std_map.get(k)).count())
    });
    group.bench_function("get/leakproof BoundedMap", |b| {
        b.iter(|| lookups.iter().filter_map(|k| bounded.get(k).copied()).count())
    });
    group.bench_function("peek/leakproof BoundedMap", |b| {
        b.iter(|| lookups.iter().filter_map(|k| bounded.peek(k)).count())
    });

    let std_set: HashSet<u64> = keys.iter().copied().collect();
    let mut set: BoundedSet<u64> = BoundedSet::with_cap(10 * N);
    set.extend(keys.iter().copied());
    group.bench_function("contains/std HashSet", |b| {
        b.iter(|| lookups.iter().filter(|k| std_set.contains(*k)).count())
    });
    group.bench_function("contains/leakproof BoundedSet", |b| {
        b.iter(|| lookups.iter().filter(|k| set.contains(*k)).count())
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = evicting_insert, get_heavy, ttl_insert, vs_std
}
criterion_main!(benches);
