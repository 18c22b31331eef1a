//! A Redis-compatible cache (RESP2) with per-key expiry and pub/sub, on
//! tokio locks: the shape of the key-value server leakproof was first tried
//! on, driven by the standard clients (`redis-cli`, `redis-benchmark`).
//!
//! ```text
//! cargo run --release --example cache_server                 # leak-proofed
//! cargo run --release --example cache_server -- --unguarded  # as first written
//!   [--port 6380] [--metrics-port 9380] [--max-keys 100000] [--max-channels 10000]
//! redis-cli -p 6380 SET greeting hello EX 10
//! redis-benchmark -p 6380 -r 1000000 -n 2000000 -t set,get -P 16 -q
//! curl http://127.0.0.1:9380/metrics
//! ```
//!
//! Commands: `PING`, `ECHO`, `GET`, `SET key value [EX s | PX ms]`, `DEL`,
//! `EXISTS`, `EXPIRE`, `TTL`, `DBSIZE`, `PUBLISH`, `SUBSCRIBE`,
//! `UNSUBSCRIBE`, `INFO`, `QUIT` (and `CONFIG GET`, answered with an empty
//! list, for `redis-benchmark`). A port of 0 picks a free one; the server
//! prints `listening on 127.0.0.1:PORT` once it accepts clients. Ctrl-C (or
//! SIGTERM) shuts the guarded server down gracefully and prints the report.

mod command;
mod guarded;
mod resp;
mod server;
mod store;
mod unguarded;

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use server::Shared;
use store::Store;

struct Args {
    port: u16,
    metrics_port: u16,
    max_keys: usize,
    max_channels: usize,
    unguarded: bool,
}

const HELP: &str = "usage: cache_server [--port 6380] [--metrics-port 9380] \
[--max-keys 100000] [--max-channels 10000] [--unguarded]";

fn args() -> Result<Args, String> {
    let mut args = Args {
        port: 6380,
        metrics_port: 9380,
        max_keys: 100_000,
        max_channels: 10_000,
        unguarded: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => args.port = number(&flag, value()?)?,
            "--metrics-port" => args.metrics_port = number(&flag, value()?)?,
            "--max-keys" => args.max_keys = positive(&flag, value()?)?,
            "--max-channels" => args.max_channels = positive(&flag, value()?)?,
            "--unguarded" => args.unguarded = true,
            "-h" | "--help" => return Err(HELP.into()),
            other => return Err(format!("unknown argument `{other}`\n{HELP}")),
        }
    }
    Ok(args)
}

fn number<T: std::str::FromStr<Err: std::fmt::Display>>(
    flag: &str,
    value: String,
) -> Result<T, String> {
    value.parse().map_err(|e| format!("{flag} {value}: {e}"))
}

fn positive(flag: &str, value: String) -> Result<usize, String> {
    match number(flag, value)? {
        0 => Err(format!("{flag} must be at least 1")),
        n => Ok(n),
    }
}

#[tokio::main]
async fn main() {
    let args = match args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if let Err(e) = serve(args).await {
        eprintln!("cache server: {e}");
        std::process::exit(1);
    }
}

async fn serve(args: Args) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", args.port)).await?;
    let metrics = TcpListener::bind(("127.0.0.1", args.metrics_port)).await?;
    let port = listener.local_addr()?.port();
    let metrics_port = metrics.local_addr()?.port();
    let store = if args.unguarded {
        Store::Unguarded(Arc::new(unguarded::Unguarded::new()))
    } else {
        Store::Guarded(guarded::Guarded::start(args.max_keys, args.max_channels))
    };
    let shared = Shared::new(store.clone(), port);
    let for_metrics = Arc::clone(&shared);
    store.spawn("metrics", move |cancel| server::metrics(metrics, for_metrics, cancel));
    let for_accept = Arc::clone(&shared);
    store.spawn("accept", move |cancel| server::accept(listener, for_accept, cancel));

    // Listening for Ctrl-C/SIGTERM before saying we are ready: a signal sent
    // right after the "listening" line must shut down, not kill, the server.
    let stop = match &store {
        Store::Guarded(guarded) => {
            Some(leakproof::shutdown_on_signal(&**guarded, Duration::from_secs(5)))
        }
        Store::Unguarded(_) => None,
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "cache server ({}), metrics on http://127.0.0.1:{metrics_port}/metrics",
        store.name()
    )?;
    writeln!(stdout, "listening on 127.0.0.1:{port}")?;
    stdout.flush()?;
    drop(stdout);

    match stop {
        Some(stop) => println!("{}", stop.await),
        // As first written: nothing to shut down but the process.
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    Ok(())
}
