//! Soak: a fixed number of connect-chat-disconnect cycles of real WebSocket
//! clients against the game server, with a hot reload after every tenth.
//! Guarded, every bounded field stays at or under its cap and the live heap
//! (counting allocator) at the end is within 10% of the heap after the
//! first 10% of cycles; unguarded, the same run grows past that, so the
//! test shows it can fail.
//!
//! The short soak runs in the normal suite; the long one (1M cycles each):
//! `cargo test --release --test soak -- --ignored soak --nocapture`.

include!("support/game_server.rs");

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use counting_alloc::{Counting, live_bytes};
use leakproof::Report;
use server::{Backend, Config};

#[global_allocator]
static ALLOC: Counting = Counting;

/// The heap is the whole process's: one soak at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Caps small enough that the first 10% of even the short soak fills them,
/// and a TTL long enough that the player cache is full (by LRU) at both
/// checkpoints rather than at whatever size the clock left it. The flusher's
/// queue keeps the largest allocation it ever needed, so its cap is small:
/// a scheduling stall late in the run must not read as growth.
fn config() -> Config {
    Config {
        closed_cap: 256,
        history_cap: 64,
        pending_cap: 256,
        player_cap: 256,
        player_ttl: Duration::from_secs(3_600),
        ..Config::default()
    }
}

#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    cycles: u64,
    heap: isize,
    rss: u64,
}

struct Soak {
    first: Checkpoint,
    last: Checkpoint,
    /// Every checkpoint, for the chart (`docs/soak.svg`).
    points: Vec<Checkpoint>,
    /// "path len/cap" for every bounded field seen over its cap.
    over_cap: Vec<String>,
    failures: u64,
    seconds: f64,
}

impl Soak {
    fn growth(&self) -> f64 {
        (self.last.heap - self.first.heap) as f64 / self.first.heap as f64
    }

    fn print(&self, what: &str) {
        let mib = |b: f64| b / (1 << 20) as f64;
        println!(
            "{what:<9} {:>9} cycles in {:>6.1} s: heap {:>7.2} MiB at {:>8} cycles -> {:>7.2} MiB at {:>9} ({:+.1}%); \
             RSS {:>6.1} -> {:>6.1} MiB; {} failed cycles",
            self.last.cycles,
            self.seconds,
            mib(self.first.heap as f64),
            self.first.cycles,
            mib(self.last.heap as f64),
            self.last.cycles,
            self.growth() * 100.0,
            mib(self.first.rss as f64),
            mib(self.last.rss as f64),
            self.failures,
        );
    }
}

fn over_cap(report: &Report) -> Vec<String> {
    report
        .fields()
        .filter_map(|(path, node)| match (node.len(), node.cap()) {
            (Some(len), Some(cap)) if len > cap => Some(format!("{path} {len}/{cap}")),
            _ => None,
        })
        .collect()
}

/// Runs `cycles` cycles in ten phases, reloading the services after each;
/// measures after the first phase and after the last, each time once the
/// load has stopped and the last disconnects and log lines have landed.
async fn soak<B: Backend>(backend: B, cycles: u64, concurrency: usize) -> Soak {
    let config = config();
    let running = server::start(backend, &config).await.unwrap();
    let counters = Arc::new(load::Counters::default());
    let per_phase = cycles / 10;
    let started = Instant::now();
    let (mut first, mut last, mut over) = (None, None, Vec::new());
    let mut points = Vec::new();
    for phase in 0..10 {
        load::run_cycles(
            running.addr,
            phase * per_phase,
            per_phase,
            concurrency,
            Arc::clone(&counters),
        )
        .await;
        let settle = Instant::now();
        while running.backend.live_sockets() > 0 && settle.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(config.flush_every * 3).await;
        let report = running.backend.report();
        over.extend(over_cap(&report));
        let point = Checkpoint {
            cycles: (phase + 1) * per_phase,
            heap: live_bytes(),
            rss: server::rss_bytes().unwrap_or(0),
        };
        if phase == 0 {
            first = Some(point);
        }
        last = Some(point);
        points.push(point);
        running.backend.restart().await;
    }
    let seconds = started.elapsed().as_secs_f64();
    running.stop().await;
    Soak {
        first: first.unwrap(),
        last: last.unwrap(),
        points,
        over_cap: over,
        failures: counters.failures.load(Ordering::Relaxed),
        seconds,
    }
}

fn run(cycles: u64) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let guarded = soak(guarded::Guarded::new(config()).await.unwrap(), cycles, 16).await;
        guarded.print("guarded");
        let unguarded = soak(unguarded::Unguarded::new(config()).unwrap(), cycles, 16).await;
        unguarded.print("unguarded");
        write_csv(cycles, &[("guarded", &guarded), ("unguarded", &unguarded)]);

        assert_eq!(guarded.failures, 0, "every guarded cycle completed");
        assert!(guarded.over_cap.is_empty(), "bounded fields over their cap: {:?}", guarded.over_cap);
        assert!(
            guarded.growth().abs() <= 0.10,
            "guarded heap moved {:+.1}% between 10% and 100% of cycles",
            guarded.growth() * 100.0
        );
        assert!(
            unguarded.growth() > 0.10,
            "the unguarded server should grow past the 10% the guarded one must stay within, grew {:+.1}%",
            unguarded.growth() * 100.0
        );
    });
}

/// The checkpoints as CSV, what `docs/soak.svg` is drawn from:
/// `cargo run -p leakproof-benches --bin soak_chart -- PATH docs/soak.svg`.
fn write_csv(cycles: u64, runs: &[(&str, &Soak)]) {
    let mut csv = String::from("server,cycles,heap_bytes,rss_bytes\n");
    for (name, run) in runs {
        for p in &run.points {
            csv.push_str(&format!("{name},{},{},{}\n", p.cycles, p.heap, p.rss));
        }
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("soak-{cycles}.csv"));
    match std::fs::write(&path, csv) {
        Ok(()) => println!("checkpoints written to {}", path.display()),
        Err(e) => println!("checkpoints not written to {}: {e}", path.display()),
    }
}

#[test]
fn soak_short() {
    run(20_000);
}

#[test]
#[ignore = "long soak, 1M cycles per server: cargo test --release --test soak -- --ignored soak"]
fn soak_1m_cycles() {
    run(1_000_000);
}
