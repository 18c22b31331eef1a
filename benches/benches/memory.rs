//! Memory, measured by a counting global allocator (not by what a crate says
//! it holds), side by side in one run:
//!
//! - bytes per entry of a cap-100k cache holding 100k `u64 -> u64` entries,
//!   once filled and after 1M inserts of fresh keys (churn);
//! - a cap of 1M holding 10 entries (nothing allocated for the cap up front);
//! - the TTL workload: 10M inserts of fresh keys with a 50 ms TTL and a cap
//!   of 1M, none ever read: peak live entries, peak heap, and the ns/op of the
//!   whole run;
//! - the same with a TTL per entry from 1 ms to 1 s (leakproof's
//!   `insert_with_ttl`, moka's `Expiry`; mini-moka has no per-entry TTL).
//!
//! `cargo bench -p leakproof-benches --bench memory`

#[path = "../../tests/support/counting_alloc.rs"]
mod counting_alloc;

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::time::{Duration, Instant};

use counting_alloc::{Counting, live_bytes};
use leakproof_benches::{self as anchors, Cache};

#[global_allocator]
static ALLOC: Counting = Counting;

fn bytes_per_entry<C: Cache>(name: &str, make: impl FnOnce() -> C, entries: usize) {
    let before = live_bytes();
    let mut cache = make();
    for key in anchors::keys(entries, 11) {
        cache.insert(key, key);
    }
    let bytes = live_bytes() - before;
    let len = cache.entries();
    println!(
        "{name:<28} {len:>9} entries {bytes:>12} bytes {:>8.1} bytes/entry",
        bytes as f64 / len.max(1) as f64
    );
    drop(cache);
}

/// 10M fresh keys into `cache`, none read; then, once `longest` (the
/// longest TTL) has passed, one more write, and what is left.
fn ttl_run<C: Cache>(name: &str, mut cache: C, longest: Duration) {
    const N: usize = 10_000_000;
    let keys = anchors::keys(N, 12);
    let base = live_bytes();
    let (mut peak_len, mut peak_bytes) = (0, 0);
    let start = Instant::now();
    for (i, &key) in keys.iter().enumerate() {
        cache.insert(key, key);
        if i % 100_000 == 0 {
            peak_len = peak_len.max(cache.entries());
            peak_bytes = peak_bytes.max(live_bytes() - base);
        }
    }
    let elapsed = start.elapsed();
    std::thread::sleep(longest + Duration::from_millis(50));
    cache.insert(u64::MAX, 0); // one write after everything expired
    println!(
        "{name:<12} {:>7.1} ns/op  peak live entries {peak_len:>9}  peak heap {:>8.1} MB  after expiry {:>9} entries",
        elapsed.as_nanos() as f64 / N as f64,
        peak_bytes as f64 / 1e6,
        cache.entries(),
    );
}

/// What each crate reports for the same 1M-entry data, against the
/// allocator's truth.
fn report_accuracy() {
    use deepsize::DeepSizeOf;
    use get_size2::GetSize;
    use leakproof::{DeepHeap, MemoryReport};
    use mem_dbg::{MemSize, SizeFlags};

    const N: u64 = 1_000_000;
    let before = live_bytes();
    let table: HashMap<u64, u64> = (0..N).map(|i| (i, i)).collect();
    let table_truth = live_bytes() - before;
    let before = live_bytes();
    let names: HashMap<u64, String> = (0..N).map(|i| (i, format!("player-{i}"))).collect();
    let names_truth = live_bytes() - before;
    let before = live_bytes();
    let scores: Vec<u64> = (0..N).collect();
    let vec_truth = live_bytes() - before;
    let row = |what: &str, truth: isize, figures: &[(&str, usize)]| {
        print!("{what:<22} truth {truth:>11}");
        for (name, bytes) in figures {
            let error = (*bytes as f64 - truth as f64) / truth as f64 * 100.0;
            print!(" | {name} {bytes:>11} ({error:+.1}%)");
        }
        println!();
    };
    // deepsize and mem_dbg count the value's own stack size too; take it off.
    row(
        "HashMap<u64, u64>",
        table_truth,
        &[
            ("leakproof", table.memory_report().heap_bytes()),
            ("deepsize", table.deep_size_of() - size_of_val(&table)),
            ("get-size2", table.get_heap_size()),
            ("mem_dbg cap", table.mem_size(SizeFlags::CAPACITY) - size_of_val(&table)),
        ],
    );
    row(
        "HashMap<u64, String>",
        names_truth,
        &[
            ("leakproof deep", names.deep_report().heap_bytes()),
            ("deepsize", names.deep_size_of() - size_of_val(&names)),
            ("get-size2", names.get_heap_size()),
            ("mem_dbg cap", names.mem_size(SizeFlags::CAPACITY) - size_of_val(&names)),
        ],
    );
    row(
        "Vec<u64>",
        vec_truth,
        &[
            ("leakproof", scores.memory_report().heap_bytes()),
            ("deepsize", scores.deep_size_of() - size_of_val(&scores)),
            ("get-size2", scores.get_heap_size()),
            ("mem_dbg cap", scores.mem_size(SizeFlags::CAPACITY) - size_of_val(&scores)),
        ],
    );
}

fn main() {
    println!(
        "== reported heap bytes of 1M-entry collections vs the allocator (counting allocator)"
    );
    report_accuracy();
    println!();
    // `cargo bench` passes `--bench`; this binary has no filters.
    const CAP: usize = 100_000;
    println!("== bytes per entry, cap {CAP}, {CAP} u64 -> u64 entries (counting allocator)");
    let rs = RandomState::new;
    bytes_per_entry("std HashMap (unbounded)", HashMapCache::default, CAP);
    bytes_per_entry("leakproof BoundedMap", || anchors::leakproof(CAP, rs()), CAP);
    bytes_per_entry("schnellru", || anchors::schnellru(CAP, rs()), CAP);
    bytes_per_entry("lru", || anchors::lru(CAP, rs()), CAP);
    bytes_per_entry("hashlink", || anchors::hashlink(CAP, rs()), CAP);
    bytes_per_entry("quick_cache", || anchors::quick_cache(CAP, rs()), CAP);
    bytes_per_entry("mini_moka", || anchors::mini_moka(CAP, None, rs()), CAP);
    bytes_per_entry("moka", || anchors::moka(CAP, None, rs()), CAP);

    println!("\n== bytes per entry after churn: cap {CAP}, {} inserts of fresh keys", 10 * CAP);
    let churn = 10 * CAP;
    bytes_per_entry("leakproof BoundedMap", || anchors::leakproof(CAP, rs()), churn);
    bytes_per_entry("schnellru", || anchors::schnellru(CAP, rs()), churn);
    bytes_per_entry("lru", || anchors::lru(CAP, rs()), churn);
    bytes_per_entry("hashlink", || anchors::hashlink(CAP, rs()), churn);
    bytes_per_entry("quick_cache", || anchors::quick_cache(CAP, rs()), churn);
    bytes_per_entry("mini_moka", || anchors::mini_moka(CAP, None, rs()), churn);
    bytes_per_entry("moka", || anchors::moka(CAP, None, rs()), churn);

    println!("\n== a cap of 1M holding 10 entries");
    const BIG: usize = 1_000_000;
    bytes_per_entry("leakproof BoundedMap", || anchors::leakproof(BIG, rs()), 10);
    bytes_per_entry("schnellru", || anchors::schnellru(BIG, rs()), 10);
    bytes_per_entry("lru", || anchors::lru(BIG, rs()), 10);
    bytes_per_entry("quick_cache", || anchors::quick_cache(BIG, rs()), 10);

    println!("\n== TTL 50 ms, cap 1M, 10M inserts of fresh keys, none read");
    let ttl = Duration::from_millis(50);
    ttl_run("leakproof", anchors::leakproof_ttl(BIG, ttl), ttl);
    ttl_run("mini_moka", anchors::mini_moka(BIG, Some(ttl), rs()), ttl);
    ttl_run("moka", anchors::moka(BIG, Some(ttl), rs()), ttl);

    println!("\n== a TTL per entry, 1 ms to 1 s, cap 1M, 10M inserts of fresh keys, none read");
    let longest = Duration::from_secs(1);
    ttl_run("leakproof", anchors::leakproof_mixed_ttl(BIG), longest);
    ttl_run("moka", anchors::moka_mixed_ttl(BIG, rs()), longest);
}

/// std's `HashMap` as the unbounded baseline.
#[derive(Default)]
struct HashMapCache(HashMap<u64, u64>);

impl Cache for HashMapCache {
    fn insert(&mut self, key: u64, value: u64) {
        self.0.insert(key, value);
    }
    fn get(&mut self, key: u64) -> bool {
        self.0.contains_key(&key)
    }
    fn entries(&mut self) -> usize {
        self.0.len()
    }
}
