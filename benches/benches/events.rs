//! The event bus against the obvious alternatives, side by side:
//!
//! - `publish`: one event to 1, 10 and 1,000 subscribers, against a plain
//!   `Vec<Box<dyn Fn(&E)>>` loop (no unsubscribe, no isolation) and against
//!   `tokio::sync::broadcast` (send, then every receiver takes it);
//! - `subscribe_unsubscribe`: one subscribe + drop pair with 10 to 100,000
//!   subscribers already on the bus (O(1) means flat);
//! - `shutdown`: a `#[lifecycle]` service holding 1,000 subscriptions.
//!
//! `cargo bench -p leakproof-benches --bench events`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use leakproof::prelude::*;

struct Tick(u64);

/// The plain alternative: handlers in a `Vec`, called in a loop.
type PlainHandler = Box<dyn Fn(&Tick) + Send + Sync>;

fn publish(c: &mut Criterion) {
    let mut group = c.benchmark_group("publish");
    for n in [1usize, 10, 1_000] {
        let sink = Arc::new(AtomicU64::new(0));

        let handlers: Vec<PlainHandler> = (0..n)
            .map(|_| {
                let s = Arc::clone(&sink);
                Box::new(move |t: &Tick| {
                    s.fetch_add(t.0, Ordering::Relaxed);
                }) as PlainHandler
            })
            .collect();
        group.bench_with_input(BenchmarkId::new("Vec<Box<dyn Fn>> loop", n), &n, |b, _| {
            b.iter(|| {
                let event = Tick(black_box(1));
                for handler in &handlers {
                    handler(&event);
                }
            })
        });

        let bus = EventBus::new();
        let _subs: Vec<Subscription> = (0..n)
            .map(|_| {
                let s = Arc::clone(&sink);
                bus.subscribe(move |t: &Tick| {
                    s.fetch_add(t.0, Ordering::Relaxed);
                })
            })
            .collect();
        group.bench_with_input(BenchmarkId::new("leakproof EventBus", n), &n, |b, _| {
            b.iter(|| bus.publish(&Tick(black_box(1))))
        });

        let (tx, _) = tokio::sync::broadcast::channel::<u64>(16);
        let mut receivers: Vec<_> = (0..n).map(|_| tx.subscribe()).collect();
        group.bench_with_input(BenchmarkId::new("tokio broadcast", n), &n, |b, _| {
            b.iter(|| {
                tx.send(black_box(1)).ok();
                for rx in &mut receivers {
                    sink.fetch_add(rx.try_recv().unwrap_or(0), Ordering::Relaxed);
                }
            })
        });
    }
    group.finish();
}

fn subscribe_unsubscribe(c: &mut Criterion) {
    let mut group = c.benchmark_group("subscribe_unsubscribe");
    for existing in [10usize, 1_000, 100_000] {
        let bus = EventBus::new();
        let _subs: Vec<Subscription> =
            (0..existing).map(|_| bus.subscribe(|_: &Tick| {})).collect();
        bus.publish(&Tick(0)); // a snapshot exists, as in a live service
        group.bench_with_input(BenchmarkId::from_parameter(existing), &existing, |b, _| {
            b.iter(|| drop(bus.subscribe(|_: &Tick| {})))
        });
    }
    group.finish();
}

#[lifecycle]
struct Service {
    #[subscription]
    handlers: Subscriptions,
}

fn shutdown(c: &mut Criterion) {
    let bus = EventBus::new();
    c.bench_function("shutdown/1000 subscriptions", |b| {
        b.iter_batched(
            || Service { handlers: (0..1_000).map(|_| bus.subscribe(|_: &Tick| {})).collect() },
            |service| {
                let report = service.shutdown();
                assert_eq!(report.unsubscribed(), 1_000);
                service
            },
            BatchSize::SmallInput,
        )
    });
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = publish, subscribe_unsubscribe, shutdown
}
criterion_main!(benches);
