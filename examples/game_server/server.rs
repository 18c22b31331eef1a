//! The server: events, configuration, the interface both service sets
//! implement ([`Backend`]), and the axum app (`/ws`, `/metrics`).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{Uri, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::serve::ListenerExt;
use futures_util::{SinkExt, StreamExt};
use leakproof::{CancellationToken, EventBus, Report};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A player's socket opened.
pub struct Connected {
    pub player: u64,
}

/// A socket closed.
pub struct Disconnected {
    pub socket: u64,
    pub player: u64,
}

/// A socket moved to a chat room.
pub struct RoomChange {
    pub socket: u64,
    pub room: u32,
}

/// A socket said something in its room.
pub struct ChatLine {
    pub socket: u64,
    pub text: Arc<str>,
}

/// A line to send down one socket.
pub struct Deliver {
    pub to: u64,
    pub line: Arc<str>,
}

/// A line for the chat log.
pub struct LogLine(pub Arc<str>);

/// What each socket's writer half receives.
pub type Outbox = mpsc::Sender<Arc<str>>;

/// Caps and timings. The `#[bounded]` attributes carry production values
/// (the audit's 5-minute player TTL); the demo shortens some so that a
/// 15-second run shows evictions and expirations.
#[derive(Clone, Debug)]
pub struct Config {
    /// Closed-socket ids remembered to drop late frames.
    pub closed_cap: usize,
    /// Chat lines kept for players who join late.
    pub history_cap: usize,
    /// Chat lines waiting for the flusher (the oldest go when it stalls).
    pub pending_cap: usize,
    /// Player profiles cached.
    pub player_cap: usize,
    /// How long a cached profile lives.
    pub player_ttl: Duration,
    /// Lines queued per socket before a slow client loses some.
    pub outbox: usize,
    /// How often the chat flusher hands lines to the logger.
    pub flush_every: Duration,
    /// How long a service gets to stop at a restart or shutdown.
    pub grace: Duration,
    /// Where the chat log goes (`None`: counted, then discarded).
    pub chat_log: Option<std::path::PathBuf>,
    /// NATS server for the presence service (feature `nats`).
    pub nats: Option<String>,
}

/// The demo's bounds, each written once: `guarded.rs`'s `#[bounded]`
/// attributes name these caps (so `Default` builds a field as declared), and
/// `Config::default()` starts from them; the tests lower them through
/// `Config`, which the services read into `with_cap`/`builder`.
pub const CLOSED_SOCKETS: usize = 1_024;
/// Chat lines kept for late joiners.
pub const HISTORY: usize = 256;
/// Chat lines waiting for the flusher.
pub const PENDING: usize = 4_096;
/// Player profiles cached.
pub const PLAYERS: usize = 4_096;
/// How long a cached profile lives: 2 seconds, so that a 15-second run
/// shows expirations (a real server would keep them minutes).
pub const PLAYER_TTL: Duration = Duration::from_secs(2);

impl Default for Config {
    fn default() -> Self {
        Config {
            closed_cap: CLOSED_SOCKETS,
            history_cap: HISTORY,
            pending_cap: PENDING,
            player_cap: PLAYERS,
            player_ttl: PLAYER_TTL,
            outbox: 64,
            flush_every: Duration::from_millis(100),
            grace: Duration::from_secs(1),
            chat_log: None,
            nats: None,
        }
    }
}

/// The services behind the sockets: `guarded::Guarded` (leakproof) or
/// `unguarded::Unguarded` (the audited server's plain std version).
pub trait Backend: Send + Sync + 'static {
    /// A socket opened for `player`; lines for it go to `outbox`.
    fn connect(&self, socket: u64, player: u64, outbox: Outbox);
    /// `join <room>`.
    fn join(&self, socket: u64, room: u32);
    /// `say <text>`.
    fn say(&self, socket: u64, text: &str);
    /// The socket closed.
    fn disconnect(&self, socket: u64);
    /// The chat log's (bytes written, lines dropped).
    fn chat_log(&self) -> (u64, u64);
    /// Sockets open now.
    fn live_sockets(&self) -> usize;
    /// A hot reload: the chat (and presence) services are shut down and
    /// started afresh, as a deploy of new chat rules would.
    fn restart(&self) -> impl Future<Output = ()> + Send;
    /// The memory report of every service and the event bus.
    fn report(&self) -> Report;
    /// Shuts every service down; returns what it did, for printing.
    fn shutdown(&self) -> impl Future<Output = String> + Send;
    /// Waits for Ctrl-C (SIGINT or SIGTERM), then shuts every service down;
    /// returns what it did, for printing. The guarded backend listens from
    /// the call on, so `main` calls it before printing that it runs.
    fn shutdown_on_signal(&self) -> impl Future<Output = String> + Send;
}

/// Locks a mutex; a handler that panicked while holding it (the bus
/// isolates that panic) does not take the service down with it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A chat line as every listener sees it: `#room socket: text`.
pub fn chat_text(room: Option<u32>, line: &ChatLine) -> Arc<str> {
    Arc::from(format!("#{} {}: {}", room.unwrap_or(0), line.socket, line.text))
}

/// Sends `text` to every member of `room`, through the bus (the connection
/// manager owns the sockets).
pub fn deliver_to_room(
    bus: &EventBus,
    rooms: &Mutex<HashMap<u32, HashSet<u64>>>,
    room: u32,
    text: &Arc<str>,
) {
    let members: Vec<u64> = lock(rooms).get(&room).into_iter().flatten().copied().collect();
    for to in members {
        bus.publish(&Deliver { to, line: Arc::clone(text) });
    }
}

/// Puts `fresh` into a hot-reloadable slot; returns the service it replaced.
pub fn swap<T>(slot: &RwLock<Arc<T>>, fresh: Arc<T>) -> Arc<T> {
    std::mem::replace(&mut *slot.write().unwrap_or_else(PoisonError::into_inner), fresh)
}

/// The service in a hot-reloadable slot now.
pub fn current<T>(slot: &RwLock<Arc<T>>) -> Arc<T> {
    Arc::clone(&slot.read().unwrap_or_else(PoisonError::into_inner))
}

/// Traffic counters, for the summary line.
#[derive(Default)]
pub struct Traffic {
    /// Text frames received from clients.
    pub frames: AtomicU64,
}

struct App<B> {
    backend: Arc<B>,
    traffic: Arc<Traffic>,
    next_socket: AtomicU64,
    outbox: usize,
}

/// A server listening on loopback.
pub struct Running<B> {
    pub addr: SocketAddr,
    pub backend: Arc<B>,
    pub traffic: Arc<Traffic>,
    stop: CancellationToken,
    serve: JoinHandle<std::io::Result<()>>,
}

/// Starts the server on `127.0.0.1`, port 0.
pub async fn start<B: Backend>(backend: B, config: &Config) -> std::io::Result<Running<B>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // Game traffic is small frames: send them now, not after a delayed ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let backend = Arc::new(backend);
    let traffic = Arc::new(Traffic::default());
    let app = Arc::new(App {
        backend: Arc::clone(&backend),
        traffic: Arc::clone(&traffic),
        next_socket: AtomicU64::new(1),
        outbox: config.outbox,
    });
    let router = Router::new()
        .route("/ws", get(upgrade::<B>))
        .route("/metrics", get(metrics::<B>))
        .with_state(app);
    let stop = CancellationToken::new();
    let serve = tokio::spawn(
        axum::serve(listener, router)
            .with_graceful_shutdown(stop.clone().cancelled_owned())
            .into_future(),
    );
    Ok(Running { addr, backend, traffic, stop, serve })
}

impl<B: Backend> Running<B> {
    /// Stops accepting, waits for open sockets to close, then shuts the
    /// services down; returns their shutdown report.
    pub async fn stop(self) -> String {
        self.stop.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.serve).await;
        self.backend.shutdown().await
    }
}

/// `GET /metrics`: the memory report in the Prometheus text format.
async fn metrics<B: Backend>(State(app): State<Arc<App<B>>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        app.backend.report().to_prometheus() + &Report::prometheus_build_info(),
    )
}

/// `GET /ws?player=N`: one game socket.
async fn upgrade<B: Backend>(
    State(app): State<Arc<App<B>>>,
    uri: Uri,
    ws: WebSocketUpgrade,
) -> impl IntoResponse {
    let player = uri
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("player=")))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    ws.on_upgrade(move |socket| session(app, socket, player))
}

async fn session<B: Backend>(app: Arc<App<B>>, socket: WebSocket, player: u64) {
    let id = app.next_socket.fetch_add(1, Ordering::Relaxed);
    let (outbox, mut lines) = mpsc::channel(app.outbox);
    app.backend.connect(id, player, outbox);
    let (mut tx, mut rx) = socket.split();
    loop {
        tokio::select! {
            line = lines.recv() => match line {
                Some(line) => {
                    if tx.send(Message::Text(line.as_ref().into())).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            frame = rx.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    app.traffic.frames.fetch_add(1, Ordering::Relaxed);
                    command(&*app.backend, id, text.as_str());
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    app.backend.disconnect(id);
}

/// The protocol: `join <room>` or `say <text>`.
fn command<B: Backend>(backend: &B, socket: u64, text: &str) {
    if let Some(room) = text.strip_prefix("join ") {
        if let Ok(room) = room.trim().parse() {
            backend.join(socket, room);
        }
    } else if let Some(line) = text.strip_prefix("say ") {
        backend.say(socket, line);
    }
}

/// Resident set size of this process, from `/proc/self/statm` (Linux).
pub fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
