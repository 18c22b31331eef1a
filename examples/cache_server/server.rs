//! Connections: read requests, run them in order (pipelined requests are
//! answered in one write), push pub/sub messages; and the `/metrics`
//! endpoint.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use leakproof::{CancellationToken, Report};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::command::{Command, Refusal};
use crate::resp::{self, Frame, reply};
use crate::store::{Store, Ttl};

/// Pushes a subscriber may have queued before it loses messages.
const OUTBOX: usize = 1024;
/// Replies buffered before they are written even mid-pipeline.
const FLUSH_AT: usize = 64 * 1024;

/// What every connection shares.
pub struct Shared {
    pub store: Store,
    pub clients: AtomicUsize,
    next_id: AtomicU64,
    pub port: u16,
}

impl Shared {
    pub fn new(store: Store, port: u16) -> Arc<Self> {
        Arc::new(Shared { store, clients: AtomicUsize::new(0), next_id: AtomicU64::new(1), port })
    }
}

/// Accepts clients until cancelled; each runs as its own task.
pub async fn accept(listener: TcpListener, shared: Arc<Shared>, cancel: CancellationToken) {
    loop {
        let socket = tokio::select! {
            _ = cancel.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                // Out of descriptors and the like: wait, then go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = socket.set_nodelay(true);
        let for_task = Arc::clone(&shared);
        shared.store.spawn("connection", move |cancel| connection(socket, for_task, cancel));
    }
}

/// One client's connection state.
struct Client {
    id: u64,
    /// Channels this connection is subscribed to: bounded by what one
    /// client asks for, gone when it disconnects.
    subscribed: HashSet<Vec<u8>>,
    outbox: mpsc::Sender<Arc<[u8]>>,
    quit: bool,
}

async fn connection(mut socket: TcpStream, shared: Arc<Shared>, cancel: CancellationToken) {
    shared.clients.fetch_add(1, Ordering::Relaxed);
    let (outbox, mut pushes) = mpsc::channel(OUTBOX);
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let mut client = Client { id, subscribed: HashSet::new(), outbox, quit: false };
    let mut input = BytesMut::with_capacity(16 * 1024);
    let mut out = Vec::with_capacity(16 * 1024);
    'connection: loop {
        loop {
            match resp::parse(&input) {
                Frame::Incomplete => break,
                Frame::Invalid(why) => {
                    // As Redis: the stream cannot be resynchronised; say why and close.
                    reply::error(&mut out, &format!("ERR Protocol error: {why}"));
                    break 'connection;
                }
                Frame::Request { args, len } => {
                    input.advance(len);
                    if !args.is_empty() {
                        run(args, &mut client, &shared, &mut out).await;
                    }
                }
            }
            if client.quit {
                break 'connection;
            }
            if out.len() >= FLUSH_AT && socket.write_all(&std::mem::take(&mut out)).await.is_err() {
                break 'connection;
            }
        }
        if !out.is_empty() {
            if socket.write_all(&out).await.is_err() {
                break;
            }
            out.clear();
        }
        tokio::select! {
            biased;
            _ = cancel.cancelled() => break,
            read = socket.read_buf(&mut input) => match read {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            },
            Some(push) = pushes.recv() => out.extend_from_slice(&push),
        }
    }
    if !out.is_empty() {
        let _ = socket.write_all(&out).await;
    }
    for channel in client.subscribed.drain() {
        shared.store.unsubscribe(&channel, client.id).await;
    }
    shared.clients.fetch_sub(1, Ordering::Relaxed);
}

/// Runs one request, appending its reply.
async fn run(args: Vec<Vec<u8>>, client: &mut Client, shared: &Shared, out: &mut Vec<u8>) {
    let command = match Command::parse(args) {
        Ok(command) => command,
        Err(Refusal(text)) => return reply::error(out, &text),
    };
    if !client.subscribed.is_empty() && !command.allowed_while_subscribed() {
        return reply::error(
            out,
            &format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                command.name()
            ),
        );
    }
    let store = &shared.store;
    match command {
        Command::Ping(message) if !client.subscribed.is_empty() => {
            reply::array(out, 2);
            reply::bulk(out, Some(b"pong"));
            reply::bulk(out, Some(message.as_deref().unwrap_or_default()));
        }
        Command::Ping(None) => reply::simple(out, "PONG"),
        Command::Ping(Some(message)) | Command::Echo(message) => reply::bulk(out, Some(&message)),
        Command::Get(key) => reply::bulk(out, store.get(&key).await.as_deref()),
        Command::Set { key, value, ttl } => {
            store.set(key, value, ttl).await;
            reply::simple(out, "OK");
        }
        Command::Del(keys) => reply::integer(out, store.del(&keys).await as i64),
        Command::Exists(keys) => reply::integer(out, store.exists(&keys).await as i64),
        Command::Expire { key, seconds } => {
            let ttl = u64::try_from(seconds).ok().filter(|&s| s > 0).map(Duration::from_secs);
            reply::integer(out, store.expire(&key, ttl).await as i64);
        }
        Command::Ttl(key) => reply::integer(
            out,
            match store.ttl(&key).await {
                Ttl::Missing => -2,
                Ttl::Persistent => -1,
                // Rounded to the nearest second, as Redis does.
                Ttl::Left(left) => ((left.as_millis() + 500) / 1000) as i64,
            },
        ),
        Command::DbSize => reply::integer(out, store.dbsize().await as i64),
        Command::Publish { channel, message } => {
            reply::integer(out, store.publish(&channel, &message).await as i64)
        }
        Command::Subscribe(channels) => {
            for channel in channels {
                if !client.subscribed.contains(&channel) {
                    if let Err(text) = store.subscribe(&channel, client.id, &client.outbox).await {
                        reply::error(out, &text);
                        continue;
                    }
                    client.subscribed.insert(channel.clone());
                }
                let count = reply::Last::Count(client.subscribed.len());
                reply::push(out, "subscribe", Some(&channel), count);
            }
        }
        Command::Unsubscribe(channels) => {
            let channels = if channels.is_empty() {
                client.subscribed.iter().cloned().collect()
            } else {
                channels
            };
            if channels.is_empty() {
                reply::push(out, "unsubscribe", None, reply::Last::Count(0));
            }
            for channel in channels {
                if client.subscribed.remove(&channel) {
                    store.unsubscribe(&channel, client.id).await;
                }
                let count = reply::Last::Count(client.subscribed.len());
                reply::push(out, "unsubscribe", Some(&channel), count);
            }
        }
        Command::Info(section) => {
            let text = info(shared, section.as_deref()).await;
            reply::bulk(out, Some(text.as_bytes()));
        }
        Command::ConfigGet(parameter) => {
            let value: &[u8] = match parameter.to_ascii_lowercase().as_slice() {
                b"save" => b"",
                b"appendonly" => b"no",
                _ => return reply::array(out, 0),
            };
            reply::array(out, 2);
            reply::bulk(out, Some(&parameter));
            reply::bulk(out, Some(value));
        }
        Command::Quit => {
            reply::simple(out, "OK");
            client.quit = true;
        }
    }
}

/// `INFO [section]`: Redis's layout, with this server's figures. `used_memory`
/// is what the keyspace and channel map hold on the heap (the memory
/// report, every element counted); `used_memory_rss` is the process's.
pub async fn info(shared: &Shared, section: Option<&[u8]>) -> String {
    let store = &shared.store;
    let wanted = |name: &str| {
        section.is_none_or(|s| {
            s.eq_ignore_ascii_case(name.as_bytes())
                || s.eq_ignore_ascii_case(b"all")
                || s.eq_ignore_ascii_case(b"everything")
                || s.eq_ignore_ascii_case(b"default")
        })
    };
    let mut text = String::new();
    if wanted("server") {
        let _ = write!(
            text,
            "# Server\r\nredis_version:7.0.0\r\nleakproof_mode:{}\r\nprocess_id:{}\r\ntcp_port:{}\r\n\r\n",
            store.name(),
            std::process::id(),
            shared.port
        );
    }
    if wanted("clients") {
        let clients = shared.clients.load(Ordering::Relaxed);
        let _ = write!(text, "# Clients\r\nconnected_clients:{clients}\r\n\r\n");
    }
    if wanted("memory") {
        let used = store.used_memory().await;
        let _ = write!(
            text,
            "# Memory\r\nused_memory:{used}\r\nused_memory_human:{:.2}M\r\nused_memory_rss:{}\r\n\r\n",
            used as f64 / (1024.0 * 1024.0),
            rss_bytes().unwrap_or(0)
        );
    }
    if wanted("stats") {
        let (keys, channels) = store.stats().unwrap_or_default();
        let _ = write!(
            text,
            "# Stats\r\nexpired_keys:{}\r\nevicted_keys:{}\r\npubsub_channels:{}\r\nevicted_channels:{}\r\nrejected_channels:{}\r\n\r\n",
            keys.expirations,
            keys.evictions,
            store.channels().await,
            channels.evictions,
            channels.rejections,
        );
    }
    if wanted("keyspace") {
        let _ = write!(text, "# Keyspace\r\ndb0:keys={}\r\n", store.dbsize().await);
    }
    text
}

/// The process's resident set, from `/proc` (Linux); `None` elsewhere.
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `GET /metrics`: the memory report in the Prometheus text format.
pub async fn metrics(listener: TcpListener, shared: Arc<Shared>, cancel: CancellationToken) {
    loop {
        let mut socket = tokio::select! {
            _ = cancel.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                Err(_) => return,
            },
        };
        let for_task = Arc::clone(&shared);
        // Tracked (and cancelled at shutdown) when guarded, like a client.
        shared.store.spawn("scrape", move |_| async move {
            let shared = for_task;
            let mut request = Vec::new();
            let mut chunk = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let (status, body) = if request.starts_with(b"GET /metrics ") {
                let report = shared.store.report().named(&format!("cache_{}", shared.store.name()));
                ("200 OK", report.to_prometheus() + &Report::prometheus_build_info())
            } else {
                ("404 Not Found", "try /metrics\n".to_owned())
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
        });
    }
}
