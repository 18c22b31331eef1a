//! The load generator: real WebSocket clients (tokio-tungstenite) that
//! connect, chat, move between rooms and disconnect.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use leakproof::CancellationToken;
use tokio::task::JoinSet;
use tokio::time::{MissedTickBehavior, timeout};
use tokio_tungstenite::tungstenite::Message;

/// Rooms the clients spread over.
pub const ROOMS: u64 = 16;

/// How long a client waits for its own line to come back.
const ECHO_WAIT: Duration = Duration::from_secs(2);

/// What the clients did.
#[derive(Default, Debug)]
pub struct Counters {
    /// Connect-chat-disconnect cycles completed.
    pub cycles: AtomicU64,
    /// Lines a client said and saw come back.
    pub echoes: AtomicU64,
    /// Cycles that failed (connection refused, no echo in time, ...).
    pub failures: AtomicU64,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A cycle that takes longer than this counts as failed.
const CYCLE_LIMIT: Duration = Duration::from_secs(10);

/// One cycle, bounded in time: a stuck connection fails the cycle rather
/// than the run.
async fn bounded_cycle(addr: SocketAddr, n: u64, counters: &Counters) {
    if !matches!(timeout(CYCLE_LIMIT, cycle(addr, n, counters)).await, Ok(Ok(()))) {
        counters.failures.fetch_add(1, Ordering::Relaxed);
    }
}

/// One cycle for guest player `n`: connect, join a room, say a line and see
/// it delivered, move to the next room, again, then close.
async fn cycle(addr: SocketAddr, n: u64, counters: &Counters) -> Result<(), Error> {
    let url = format!("ws://{addr}/ws?player={n}");
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
    for room in [n % ROOMS, (n + 1) % ROOMS] {
        ws.send(Message::text(format!("join {room}"))).await?;
        let line = format!("hello from {n} in {room}");
        ws.send(Message::text(format!("say {line}"))).await?;
        // Others' lines may come first; wait for our own.
        timeout(ECHO_WAIT, async {
            while let Some(frame) = ws.next().await {
                if let Message::Text(text) = frame?
                    && text.as_str().ends_with(&line)
                {
                    return Ok::<_, Error>(());
                }
            }
            Err("closed before the echo".into())
        })
        .await??;
        counters.echoes.fetch_add(1, Ordering::Relaxed);
    }
    ws.close(None).await?;
    // Finish the closing handshake.
    let _ = timeout(ECHO_WAIT, async { while ws.next().await.is_some() {} }).await;
    counters.cycles.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Runs `total` cycles, `concurrency` at a time, numbering players from
/// `first`; returns when all are done.
#[allow(dead_code)] // the soak test's driver (tests/game_server.rs)
pub async fn run_cycles(
    addr: SocketAddr,
    first: u64,
    total: u64,
    concurrency: usize,
    counters: Arc<Counters>,
) {
    let next = Arc::new(AtomicU64::new(first));
    let mut workers = JoinSet::new();
    for _ in 0..concurrency {
        let (next, counters) = (Arc::clone(&next), Arc::clone(&counters));
        workers.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= first + total {
                    break;
                }
                bounded_cycle(addr, n, &counters).await;
            }
        });
    }
    while workers.join_next().await.is_some() {}
}

/// Steady load until `stop`: `clients` clients, `rate` cycles per second
/// between them.
pub fn spawn_paced(
    addr: SocketAddr,
    clients: u64,
    rate: u64,
    counters: Arc<Counters>,
    stop: CancellationToken,
) -> JoinSet<()> {
    let next = Arc::new(AtomicU64::new(0));
    let period = Duration::from_secs_f64(clients.max(1) as f64 / rate.max(1) as f64);
    let mut workers = JoinSet::new();
    for client in 0..clients {
        let (next, counters, stop) = (Arc::clone(&next), Arc::clone(&counters), stop.clone());
        workers.spawn(async move {
            // Spread the clients over one period so the load is even.
            let offset = period.mul_f64(client as f64 / clients.max(1) as f64);
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            while stop.run_until_cancelled(tick.tick()).await.is_some() {
                let n = next.fetch_add(1, Ordering::Relaxed);
                bounded_cycle(addr, n, &counters).await;
            }
        });
    }
    workers
}
