//! The audit's first leak, live: a connection manager that remembers closed
//! socket ids. The naive set grows with every disconnect; the `#[bounded]`
//! one stays at its cap. (A first version: the full WebSocket server with
//! event bus, TTL cache and task shutdown arrives with the lifecycle work.)
//!
//! ```text
//! cargo run --release --example game_server [-- --seconds 5 --rate 200000]
//! ```

use std::collections::HashSet;
use std::time::{Duration, Instant};

use leakproof::prelude::*;

#[lifecycle]
struct ConnectionManager {
    /// Ids of sockets that closed, so late messages for them are dropped.
    #[bounded(cap = 10_000)]
    closed_websockets: HashSet<u64>,

    /// The same set as the audited server had it: inserted into, never pruned.
    #[unbounded(reason = "the audit's leak, kept beside the fix for comparison")]
    naive_closed_websockets: HashSet<u64>,
}

impl ConnectionManager {
    fn on_disconnect(&mut self, socket: u64) {
        // Under LRU the bounded set drops the oldest ids; nothing to handle.
        let _ = self.closed_websockets.insert(socket);
        self.naive_closed_websockets.insert(socket);
    }

    /// A late message for `socket`: drop it if the socket is known closed.
    fn is_closed(&mut self, socket: u64) -> bool {
        self.closed_websockets.contains(&socket)
    }
}

/// Heap bytes of a std `HashSet`, from its capacity: hashbrown allocates a
/// power-of-two number of buckets (at most 7/8 full), one value and one
/// control byte each, plus a group of trailing control bytes.
fn std_set_bytes<T>(set: &HashSet<T>) -> usize {
    if set.capacity() == 0 {
        return 0;
    }
    let buckets = (set.capacity() * 8 / 7).next_power_of_two();
    buckets * (size_of::<T>() + 1) + 16
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let seconds = arg("--seconds", 5);
    let rate = arg("--rate", 200_000);
    println!("closed-socket tracking under {rate} disconnects/s for {seconds}s");
    println!(
        "{:>5}  {:>12}  {:>19}  {:>12}  {:>21}  {:>12}",
        "t", "disconnects", "bounded len/cap", "bytes", "unbounded len", "bytes"
    );
    let mut manager = ConnectionManager {
        closed_websockets: Default::default(),
        naive_closed_websockets: HashSet::new(),
    };
    let start = Instant::now();
    let mut next_socket = 0u64;
    let mut dropped_late = 0u64;
    for second in 1..=seconds {
        let tick = Instant::now();
        for _ in 0..rate {
            manager.on_disconnect(next_socket);
            // A late frame for a socket that closed a moment ago.
            if manager.is_closed(next_socket.saturating_sub(100)) {
                dropped_late += 1;
            }
            next_socket += 1;
        }
        let bounded = &manager.closed_websockets;
        let naive = &manager.naive_closed_websockets;
        println!(
            "{:>4}s  {:>12}  {:>19}  {:>12}  {:>21}  {:>12}",
            second,
            next_socket,
            format!("{}/{}", bounded.len(), bounded.cap()),
            bounded.heap_bytes(),
            naive.len(),
            std_set_bytes(naive),
        );
        if let Some(rest) = Duration::from_secs(1).checked_sub(tick.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    let stats = manager.closed_websockets.stats();
    println!(
        "\nafter {:.1}s: bounded set evicted {} ids and still recognised {} late frames; \
         the naive set holds every id it ever saw",
        start.elapsed().as_secs_f64(),
        stats.evictions,
        dropped_late,
    );
}
