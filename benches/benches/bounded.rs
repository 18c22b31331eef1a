//! Time per operation of leakproof's bounded map against the crates users
//! would pick instead, side by side in one run.
//!
//! `cargo bench -p leakproof-benches --bench bounded`
//!
//! Groups: `evicting_insert` (random u64 keys into a full cap-100k cache),
//! `get_heavy` (90% get / 10% insert over an 80k hot set, cap 100k),
//! `get_zipf` (90% get / 10% insert, keys drawn Zipf(0.99) over 1M, cap
//! 100k; before it, the hit ratio of each policy on the same trace is
//! printed),
//! `ttl_insert` (fresh keys, 50 ms TTL, every entry expires unread),
//! `ttl_mixed` (fresh keys, a TTL per entry from 1 ms to 1 s, against moka's
//! per-entry expiry),
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
        bench_cache(g, "leakproof-lru/RandomState", anchors::leakproof_lru(cap, rs()), ops, warm);
        bench_cache(g, "schnellru/RandomState", anchors::schnellru(cap, rs()), ops, warm);
        bench_cache(g, "lru/RandomState", anchors::lru(cap, rs()), ops, warm);
        bench_cache(g, "hashlink/RandomState", anchors::hashlink(cap, rs()), ops, warm);
        bench_cache(g, "quick_cache/RandomState", anchors::quick_cache(cap, rs()), ops, warm);
        bench_cache(g, "mini_moka/RandomState", anchors::mini_moka(cap, None, rs()), ops, warm);
        bench_cache(g, "moka/RandomState", anchors::moka(cap, None, rs()), ops, warm);
        // Each crate's own default hasher, and leakproof with foldhash.
        let fold = foldhash::fast::RandomState::default;
        bench_cache(g, "leakproof/foldhash", anchors::leakproof(cap, fold()), ops, warm);
        bench_cache(g, "leakproof-lru/foldhash", anchors::leakproof_lru(cap, fold()), ops, warm);
        bench_cache(g, "schnellru/foldhash", anchors::schnellru(cap, fold()), ops, warm);
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

/// Keys drawn from Zipf(`s`) over `n` ranks (rank 0 the most popular),
/// each rank mapped to a random-looking `u64`: a precomputed CDF searched
/// with a uniform draw. Deterministic.
fn zipf_keys(len: usize, n: usize, s: f64, seed: u64) -> Vec<u64> {
    let mut cdf = Vec::with_capacity(n);
    let mut total = 0.0;
    for rank in 1..=n {
        total += 1.0 / (rank as f64).powf(s);
        cdf.push(total);
    }
    let names = anchors::keys(n, seed ^ 0xABCD);
    anchors::keys(len, seed)
        .into_iter()
        .map(|r| {
            let u = (r >> 11) as f64 / (1u64 << 53) as f64 * total;
            names[cdf.partition_point(|&c| c < u).min(n - 1)]
        })
        .collect()
}

/// The hit ratio of a cache on `trace`: each key is looked up and inserted
/// on a miss, as a cache in front of a slower store is used.
fn hit_ratio<C: Cache>(mut cache: C, trace: &[u64]) -> f64 {
    let mut hits = 0usize;
    for &key in trace {
        if cache.get(key) {
            hits += 1;
        } else {
            cache.insert(key, key);
        }
    }
    hits as f64 / trace.len() as f64
}

fn get_zipf(c: &mut Criterion) {
    let trace = zipf_keys(10_000_000, 1_000_000, 0.99, 8);
    let rs = RandomState::new;
    let sieve = hit_ratio(anchors::leakproof(CAP, rs()), &trace);
    let lru = hit_ratio(anchors::leakproof_lru(CAP, rs()), &trace);
    let schnellru = hit_ratio(anchors::schnellru(CAP, rs()), &trace);
    let quick = hit_ratio(anchors::quick_cache(CAP, rs()), &trace);
    eprintln!(
        "hit ratio, Zipf(0.99) over 1M keys, cap 100k, 10M lookups (insert on miss): \
         leakproof SIEVE {:.4}, leakproof LRU {:.4}, schnellru (LRU) {:.4}, quick_cache (S3-FIFO) {:.4}",
        sieve, lru, schnellru, quick
    );
    let picks = anchors::keys(trace.len(), 9);
    let ops: Vec<(bool, u64)> = trace.iter().zip(&picks).map(|(&k, r)| (r % 10 != 0, k)).collect();
    let warm: Vec<u64> = trace[..CAP].to_vec();
    let mut group = c.benchmark_group("get_zipf");
    group.throughput(Throughput::Elements(1));
    each_anchor!(&mut group, &ops, &warm, CAP);
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

/// Fresh keys, each with its own TTL from 1 ms to 1 s, every entry expiring
/// unread: leakproof's `insert_with_ttl` (timer wheel) against moka's
/// per-entry expiry (`Expiry`, also a timer wheel). mini-moka has no
/// per-entry TTL.
fn ttl_mixed(c: &mut Criterion) {
    let cap = 1_000_000;
    let ops: Vec<(bool, u64)> =
        anchors::keys(10_000_000, 10).into_iter().map(|k| (false, k)).collect();
    let mut group = c.benchmark_group("ttl_mixed");
    group.throughput(Throughput::Elements(1));
    let rs = RandomState::new;
    bench_cache(&mut group, "leakproof", anchors::leakproof_mixed_ttl(cap), &ops, &[]);
    bench_cache(&mut group, "moka", anchors::moka_mixed_ttl(cap, rs()), &ops, &[]);
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
                    map.insert(k, k);
                }
                map
            },
            BatchSize::LargeInput,
        )
    });

    group.throughput(Throughput::Elements(lookups.len() as u64));
    let std_map: HashMap<u64, u64> = keys.iter().map(|&k| (k, k)).collect();
    let bounded: BoundedMap<u64, u64> = {
        let mut map = BoundedMap::with_cap(10 * N);
        map.extend(keys.iter().map(|&k| (k, k)));
        map
    };
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

    // The same with foldhash on both sides.
    type Fold = foldhash::fast::FixedState;
    let std_fold: HashMap<u64, u64, Fold> = keys.iter().map(|&k| (k, k)).collect();
    let mut bounded_fold = BoundedMap::<u64, u64, Fold>::with_cap(10 * N);
    bounded_fold.extend(keys.iter().map(|&k| (k, k)));
    group.bench_function("get/std HashMap foldhash", |b| {
        b.iter(|| lookups.iter().filter_map(|k| std_fold.get(k)).count())
    });
    group.bench_function("get/leakproof BoundedMap foldhash", |b| {
        b.iter(|| lookups.iter().filter_map(|k| bounded_fold.get(k)).count())
    });
    let std_set_fold: HashSet<u64, Fold> = keys.iter().copied().collect();
    let mut set_fold = BoundedSet::<u64, Fold>::with_cap(10 * N);
    set_fold.extend(keys.iter().copied());
    group.bench_function("contains/std HashSet foldhash", |b| {
        b.iter(|| lookups.iter().filter(|k| std_set_fold.contains(*k)).count())
    });
    group.bench_function("contains/leakproof BoundedSet foldhash", |b| {
        b.iter(|| lookups.iter().filter(|k| set_fold.contains(*k)).count())
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
    targets = evicting_insert, get_heavy, get_zipf, ttl_insert, ttl_mixed, vs_std
}
criterion_main!(benches);
