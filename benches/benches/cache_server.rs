//! What leak-proofing costs and saves in a cache, side by side in one run:
//! the cache-server example guarded and unguarded (and Debian's
//! `redis-server`, when installed, as a row for orientation), each driven by
//! `redis-benchmark` and `redis-cli` (package `redis-tools`).
//!
//! - throughput: `redis-benchmark -r 1000000 -n 2000000 -t set,get -P 16 -q`,
//!   ops/s for SET and GET;
//! - peak RSS (`VmHWM`) of a fresh server after each workload: that
//!   benchmark, 200,000 `SET k v PX 50` never read, and subscribe/unsubscribe
//!   churn over 100,000 channel names from four connections.
//!
//! Medians of 5 runs, the servers taking turns within each run. The example
//! is built in release first.
//! `cargo bench -p leakproof-benches --bench cache_server`

#[allow(dead_code)] // example() serves the test binaries that start an example
#[path = "../../tests/support/process.rs"]
mod process;
#[allow(dead_code)] // the test's helpers that this benchmark does not use
#[path = "../../tests/support/redis.rs"]
mod redis;

use std::path::{Path, PathBuf};
use std::process::Command;

use redis::{Server, benchmark, channel_churn, expiring_writes, peak_rss_of};

const RUNS: usize = 5;

/// Builds the example in release; returns the executable.
fn build_example(workspace: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace)
        .args(["build", "--release", "--example", "cache_server", "--features", "tokio"])
        .args(["--message-format", "json"])
        .output()
        .expect("cargo build");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let artifact = stdout
        .lines()
        .find(|l| l.contains("\"compiler-artifact\"") && l.contains("\"name\":\"cache_server\""))
        .expect("the example's artifact");
    let start = artifact.find("\"executable\":\"").expect("an executable") + 14;
    let end = start + artifact[start..].find('"').unwrap();
    PathBuf::from(&artifact[start..end])
}

#[derive(Clone, Copy)]
enum Kind {
    Guarded,
    /// Guarded with a cap above the benchmark's million keys, so that its
    /// GETs hit as often as the unguarded server's: the cost of the bound
    /// itself, not of a smaller keyspace.
    GuardedRoomy,
    Unguarded,
    Redis,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Guarded => "leakproof (guarded, --max-keys 100000)",
            Kind::GuardedRoomy => "leakproof (guarded, --max-keys 1000000)",
            Kind::Unguarded => "unguarded",
            Kind::Redis => "redis-server 7 (orientation)",
        }
    }

    fn start(self, example: &Path) -> Server {
        match self {
            Kind::Guarded => Server::start(example, &[]),
            Kind::GuardedRoomy => Server::start(example, &["--max-keys", "1000000"]),
            Kind::Unguarded => Server::start(example, &["--unguarded"]),
            Kind::Redis => Server::redis(process::free_port()).expect("redis-server"),
        }
    }
}

/// `SET` and `GET` ops/s from `redis-benchmark -q` output.
fn ops_per_second(output: &str) -> (f64, f64) {
    let rate = |name: &str| {
        let line = output.split(['\r', '\n']).rev().find(|l| l.starts_with(name)).unwrap();
        line[name.len()..].split_whitespace().next().unwrap().parse::<f64>().unwrap()
    };
    (rate("SET: "), rate("GET: "))
}

#[derive(Default)]
struct Figures {
    set: Vec<f64>,
    get: Vec<f64>,
    rss_benchmark: Vec<f64>,
    rss_expiring: Vec<f64>,
    rss_churn: Vec<f64>,
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for the list; there is none.
    }
    if Command::new("redis-benchmark").arg("--version").output().is_err() {
        eprintln!("cache_server bench: redis-benchmark not found (apt-get install redis-tools)");
        return;
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let example = build_example(workspace);
    let mut kinds = vec![Kind::Guarded, Kind::GuardedRoomy, Kind::Unguarded];
    if Command::new("redis-server").arg("--version").output().is_ok() {
        kinds.push(Kind::Redis);
    }
    let mut figures: Vec<Figures> = kinds.iter().map(|_| Figures::default()).collect();
    let expiring = expiring_writes(200_000);
    let churn = channel_churn(4, 250, "churn");
    for run in 0..RUNS {
        for (kind, figures) in kinds.iter().zip(&mut figures) {
            let server = kind.start(&example);
            let (set, get) = ops_per_second(&benchmark(server.port));
            figures.set.push(set);
            figures.get.push(get);
            figures.rss_benchmark.push(mib(peak_rss_of(server.process.0.id())));
            drop(server);

            let server = kind.start(&example);
            let out = server.pipe(expiring.clone()).join().unwrap();
            assert!(out.contains("errors: 0"), "{out}");
            std::thread::sleep(std::time::Duration::from_millis(200));
            server.cli(&["SET", "after", "v"]);
            figures.rss_expiring.push(mib(peak_rss_of(server.process.0.id())));
            drop(server);

            let server = kind.start(&example);
            let pipes: Vec<_> = churn.iter().map(|input| server.pipe(input.clone())).collect();
            for pipe in pipes {
                let out = pipe.join().unwrap();
                assert!(out.contains("errors: 0"), "{out}");
            }
            figures.rss_churn.push(mib(peak_rss_of(server.process.0.id())));
            eprintln!("run {}/{RUNS} {}: SET {set:.0}/s GET {get:.0}/s", run + 1, kind.name());
        }
    }
    println!(
        "\nmedians of {RUNS} runs (ops/s; peak RSS in MiB after each workload, fresh server each)\n"
    );
    println!(
        "| server | SET ops/s | GET ops/s | peak RSS: redis-benchmark | 200k `PX 50` unread | 100k channel churn |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (kind, f) in kinds.iter().zip(&figures) {
        println!(
            "| {} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} |",
            kind.name(),
            median(&f.set),
            median(&f.get),
            median(&f.rss_benchmark),
            median(&f.rss_expiring),
            median(&f.rss_churn)
        );
    }
    let unguarded = &figures[2];
    for (kind, g) in kinds.iter().zip(&figures).take(2) {
        println!(
            "\nratios {} / unguarded (medians): SET {:.3}x, GET {:.3}x ops/s; peak RSS {:.2}x, {:.2}x, {:.2}x",
            kind.name(),
            median(&g.set) / median(&unguarded.set),
            median(&g.get) / median(&unguarded.get),
            median(&g.rss_benchmark) / median(&unguarded.rss_benchmark),
            median(&g.rss_expiring) / median(&unguarded.rss_expiring),
            median(&g.rss_churn) / median(&unguarded.rss_churn),
        );
    }
}
