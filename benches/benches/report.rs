//! Memory reports against the deep-size crates, side by side in one run, on
//! the same data: a `HashMap<u64, String>`, a `Vec<u64>` and (leakproof only,
//! the others cannot see inside it) a `BoundedMap<u64, u64>`, each at 1k and
//! 1M entries. Reported bytes against the allocator's truth: the `memory`
//! bench.
//!
//! `cargo bench -p leakproof-benches --bench report`

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use deepsize::DeepSizeOf;
use get_size2::GetSize;
use leakproof::prelude::*;
use mem_dbg::{MemSize, SizeFlags};

#[lifecycle]
struct Service {
    #[bounded(cap = 1_000_000)]
    sessions: HashMap<u64, u64>,
    #[unbounded(reason = "benchmark data")]
    names: HashMap<u64, String>,
    #[unbounded(reason = "benchmark data")]
    scores: Vec<u64>,
}

fn service(n: usize) -> Service {
    let mut service = Service {
        sessions: Default::default(),
        names: (0..n as u64).map(|i| (i, format!("player-{i}"))).collect(),
        scores: (0..n as u64).collect(),
    };
    service.sessions.extend((0..n as u64).map(|i| (i, i)));
    service
}

fn report(c: &mut Criterion) {
    for n in [1_000usize, 1_000_000] {
        let s = service(n);
        let mut group = c.benchmark_group(format!("report/{n}"));
        group.sample_size(if n > 1_000 { 10 } else { 50 });

        group.bench_function("leakproof memory_report (3 fields)", |b| {
            b.iter(|| black_box(&s).memory_report())
        });
        group.bench_function("leakproof deep_report (3 fields)", |b| {
            b.iter(|| black_box(&s).deep_report())
        });

        let names = &s.names;
        group.bench_with_input(
            BenchmarkId::new("HashMap<u64,String>", "leakproof shallow"),
            names,
            |b, m| b.iter(|| black_box(m).memory_report().heap_bytes()),
        );
        group.bench_with_input(
            BenchmarkId::new("HashMap<u64,String>", "leakproof deep"),
            names,
            |b, m| b.iter(|| black_box(m).deep_report().heap_bytes()),
        );
        group.bench_with_input(
            BenchmarkId::new("HashMap<u64,String>", "deepsize"),
            names,
            |b, m| b.iter(|| black_box(m).deep_size_of()),
        );
        group.bench_with_input(
            BenchmarkId::new("HashMap<u64,String>", "get-size2"),
            names,
            |b, m| b.iter(|| black_box(m).get_heap_size()),
        );
        group.bench_with_input(
            BenchmarkId::new("HashMap<u64,String>", "mem_dbg capacity"),
            names,
            |b, m| b.iter(|| black_box(m).mem_size(SizeFlags::CAPACITY)),
        );

        let scores = &s.scores;
        group.bench_with_input(BenchmarkId::new("Vec<u64>", "leakproof"), scores, |b, v| {
            b.iter(|| black_box(v).memory_report().heap_bytes())
        });
        group.bench_with_input(BenchmarkId::new("Vec<u64>", "deepsize"), scores, |b, v| {
            b.iter(|| black_box(v).deep_size_of())
        });
        group.bench_with_input(BenchmarkId::new("Vec<u64>", "get-size2"), scores, |b, v| {
            b.iter(|| black_box(v).get_heap_size())
        });
        group.bench_with_input(BenchmarkId::new("Vec<u64>", "mem_dbg capacity"), scores, |b, v| {
            b.iter(|| black_box(v).mem_size(SizeFlags::CAPACITY))
        });
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = report
}
criterion_main!(benches);
