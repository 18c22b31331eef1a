//! The audited game server, small but real: an axum WebSocket server whose
//! services are `#[lifecycle]` structs, under a steady load of real
//! WebSocket clients, with its services hot-reloaded every few seconds.
//! Every second it prints a line from `memory_report()` and the process
//! RSS; at the end, the `GrowthWatch` verdict and the shutdown report.
//!
//! ```text
//! cargo run --release --example game_server                 # leakproof: flat
//! cargo run --release --example game_server -- --unguarded  # the audited code: grows
//!   [--seconds 15] [--clients 64] [--rate 1000] [--restart-every 3] [--chat-log PATH]
//!   [--nats 127.0.0.1:4222]   (with --features nats)
//! ```
//!
//! While it runs, `curl http://ADDR/metrics` shows the report in the
//! Prometheus format.

mod guarded;
mod load;
mod logger;
#[cfg(feature = "nats")]
mod presence;
mod server;
mod unguarded;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use leakproof::{BoundStats, CancellationToken, GrowthWatch, Report};

use server::{Backend, Config};

struct Args {
    seconds: u64,
    clients: u64,
    rate: u64,
    restart_every: u64,
    unguarded: bool,
    config: Config,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        seconds: 15,
        clients: 64,
        rate: 1_000,
        restart_every: 3,
        unguarded: false,
        config: Config::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--seconds" => args.seconds = number(value()?)?.max(1),
            "--clients" => args.clients = number(value()?)?.max(1),
            "--rate" => args.rate = number(value()?)?.max(1),
            "--restart-every" => args.restart_every = number(value()?)?,
            "--chat-log" => args.config.chat_log = Some(value()?.into()),
            "--nats" if cfg!(feature = "nats") => args.config.nats = Some(value()?),
            "--nats" => return Err("--nats needs `--features nats`".into()),
            "--unguarded" => args.unguarded = true,
            "-h" | "--help" => return Err(HELP.into()),
            other => return Err(format!("unknown argument `{other}`\n{HELP}")),
        }
    }
    if args.unguarded && args.config.nats.is_some() {
        return Err("--nats: only the guarded server has a presence service".into());
    }
    Ok(args)
}

const HELP: &str = "usage: game_server [--unguarded] [--seconds N] [--clients N] [--rate CYCLES_PER_S] \
[--restart-every S (0: never)] [--chat-log PATH] [--nats HOST:PORT]";

#[tokio::main]
async fn main() {
    let args = match args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let result = if args.unguarded {
        match unguarded::Unguarded::new(args.config.clone()) {
            Ok(backend) => {
                run(backend, &args, "unguarded: plain std collections, hand-written shutdown").await
            }
            Err(e) => Err(e),
        }
    } else {
        match guarded::Guarded::new(args.config.clone()).await {
            Ok(backend) => run(backend, &args, "guarded: #[lifecycle] services").await,
            Err(e) => Err(e),
        }
    };
    if let Err(e) = result {
        eprintln!("game server: {e}");
        std::process::exit(1);
    }
}

async fn run<B: Backend>(backend: B, args: &Args, what: &str) -> std::io::Result<()> {
    let running = server::start(backend, &args.config).await?;
    // Ctrl-C is a shutdown from here on, before the first line says we run.
    let on_signal = running.backend.shutdown_on_signal();
    let addr = running.addr;
    println!("game server ({what})");
    println!("  ws://{addr}/ws   metrics: http://{addr}/metrics");
    println!(
        "  {} clients, {} connect-chat-disconnect cycles/s, {} s, services reloaded every {} s\n",
        args.clients, args.rate, args.seconds, args.restart_every
    );
    println!(
        "{:>7} {:>7} {:>5} {:>24} {:>18} {:>10} {:>8} {:>11} {:>9}",
        "t",
        "cycles",
        "live",
        "closed sockets (evicted)",
        "players (expired)",
        "chat queue",
        "bus subs",
        "report heap",
        "RSS"
    );

    // The load runs until `--seconds` are over, or until Ctrl-C: then the
    // generated shutdown runs at once, in order, and prints its report (a
    // second Ctrl-C cuts it short).
    let load = async {
        let counters = Arc::new(load::Counters::default());
        let stop = CancellationToken::new();
        let mut clients =
            load::spawn_paced(addr, args.clients, args.rate, Arc::clone(&counters), stop.clone());
        let mut watch = GrowthWatch::new(args.seconds.saturating_sub(2).clamp(4, 12) as usize);
        let start = Instant::now();
        let mut cycles_before = 0;
        for second in 1..=args.seconds {
            tokio::time::sleep_until((start + Duration::from_secs(second)).into()).await;
            let report = running.backend.report();
            let cycles = counters.cycles.load(Ordering::Relaxed);
            watch.observe_with_load(&report, (cycles - cycles_before) as f64);
            cycles_before = cycles;
            let reload =
                args.restart_every > 0 && second % args.restart_every == 0 && second < args.seconds;
            println!(
                "{:>4}/{:<2} {:>7} {:>5} {:>24} {:>18} {:>10} {:>8} {:>11} {:>9}{}",
                format!("{second}s"),
                args.seconds,
                cycles,
                running.backend.live_sockets(),
                with_stat(&report, "connections.closed_websockets", |s| s.evictions),
                with_stat(&report, "players.players", |s| s.expirations),
                len_cap(&report, "chat.pending"),
                report.find("bus").and_then(Report::len).unwrap_or(0),
                bytes(report.heap_bytes() as u64),
                server::rss_bytes().map_or("-".into(), bytes),
                if reload { "  reload" } else { "" },
            );
            if reload {
                running.backend.restart().await;
            }
        }

        stop.cancel();
        while clients.join_next().await.is_some() {}
        // Let the last disconnects reach the services.
        let settle = Instant::now();
        while running.backend.live_sockets() > 0 && settle.elapsed() < Duration::from_secs(2) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let report = running.backend.report();
        let (logged, dropped) = running.backend.chat_log();
        println!(
            "\n{} cycles ({} lines echoed, {} failed) in {:.1} s; {} frames served; chat log {} written, {} lines dropped",
            counters.cycles.load(Ordering::Relaxed),
            counters.echoes.load(Ordering::Relaxed),
            counters.failures.load(Ordering::Relaxed),
            start.elapsed().as_secs_f64(),
            running.traffic.frames.load(Ordering::Relaxed),
            bytes(logged),
            dropped,
        );
        println!("\nmemory report, load stopped:\n{report}");
        let growing = watch.verdict();
        if growing.is_empty() {
            println!(
                "GrowthWatch: nothing grew under constant load over the last {} seconds",
                watch.samples()
            );
        } else {
            println!("GrowthWatch: growing under constant load (the leak signature):");
            for g in growing {
                println!(
                    "  {:<34} {:?} {} -> {} (+{}/s)",
                    g.field,
                    g.metric,
                    g.from,
                    g.to,
                    rate(g.per_sample)
                );
            }
        }
    };
    let interrupted = tokio::select! {
        () = load => None,
        report = on_signal => Some(report),
    };
    match interrupted {
        None => println!("\nshutdown:\n{}", running.stop().await),
        Some(report) => println!("\ninterrupted: shutdown on signal:\n{report}"),
    }
    Ok(())
}

fn len_cap(report: &Report, path: &str) -> String {
    match report.find(path) {
        Some(node) => match (node.len(), node.cap()) {
            (Some(len), Some(cap)) => format!("{len}/{cap}"),
            (Some(len), None) => len.to_string(),
            _ => "?".into(),
        },
        None => "-".into(),
    }
}

/// `len/cap (stat)` for a bounded field, `len` for a plain one.
fn with_stat(report: &Report, path: &str, stat: fn(&BoundStats) -> u64) -> String {
    match report.find(path).and_then(Report::stats) {
        Some(stats) => format!("{} ({})", len_cap(report, path), stat(&stats)),
        None => len_cap(report, path),
    }
}

/// A per-second rate: whole numbers when large, two decimals when small.
fn rate(per_second: f64) -> String {
    if per_second >= 10.0 { format!("{per_second:.0}") } else { format!("{per_second:.2}") }
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}
