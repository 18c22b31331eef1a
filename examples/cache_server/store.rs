//! What both servers share: the pub/sub channel entry, and [`Store`], the
//! one interface the connection code calls (an enum over the two
//! implementations, so that their futures stay `Send` without boxing).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use leakproof::prelude::*;
use leakproof::{BoundStats, CancellationToken, Report};
use tokio::sync::mpsc;

use crate::guarded::Guarded;
use crate::resp::reply;
use crate::unguarded::Unguarded;

/// What a subscribed connection receives: an encoded `message` push,
/// encoded once per `PUBLISH` and shared by every subscriber.
pub type Outbox = mpsc::Sender<Arc<[u8]>>;

/// A pub/sub channel: the connections subscribed to it.
#[derive(Default, MemoryReport)]
pub struct Channel {
    subscribers: Vec<(u64, Outbox)>,
}

impl Channel {
    pub fn add(&mut self, conn: u64, outbox: &Outbox) {
        if !self.subscribers.iter().any(|(id, _)| *id == conn) {
            self.subscribers.push((conn, outbox.clone()));
        }
    }

    pub fn remove(&mut self, conn: u64) {
        self.subscribers.retain(|(id, _)| *id != conn);
    }

    pub fn is_empty(&self) -> bool {
        self.subscribers.is_empty()
    }

    /// Sends `message` to every subscriber whose queue has room; returns
    /// how many got it (what `PUBLISH` answers). A subscriber too slow to
    /// drain its queue loses the message rather than the server growing a
    /// queue for it.
    pub fn publish(&self, channel: &[u8], message: &[u8]) -> usize {
        if self.subscribers.is_empty() {
            return 0;
        }
        let mut push = Vec::with_capacity(32 + channel.len() + message.len());
        reply::push(&mut push, "message", Some(channel), reply::Last::Bulk(message));
        let push: Arc<[u8]> = push.into();
        self.subscribers
            .iter()
            .filter(|(_, outbox)| outbox.try_send(Arc::clone(&push)).is_ok())
            .count()
    }
}

/// A key's remaining time to live, as `TTL` reports it.
#[derive(Debug, PartialEq)]
pub enum Ttl {
    Missing,
    Persistent,
    Left(Duration),
}

/// The server's state: leak-proofed, or as first written.
#[derive(Clone)]
pub enum Store {
    Guarded(Arc<Guarded>),
    Unguarded(Arc<Unguarded>),
}

/// Calls the same method on whichever store this is.
macro_rules! either {
    ($store:expr, $s:ident => $call:expr) => {
        match $store {
            Store::Guarded($s) => $call,
            Store::Unguarded($s) => $call,
        }
    };
}

impl Store {
    pub async fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        either!(self, s => s.get(key).await)
    }

    pub async fn set(&self, key: Vec<u8>, value: Vec<u8>, ttl: Option<Duration>) {
        either!(self, s => s.set(key, value, ttl).await)
    }

    pub async fn del(&self, keys: &[Vec<u8>]) -> usize {
        either!(self, s => s.del(keys).await)
    }

    pub async fn exists(&self, keys: &[Vec<u8>]) -> usize {
        either!(self, s => s.exists(keys).await)
    }

    /// `EXPIRE`: `None` deletes the key (a TTL of zero or less).
    pub async fn expire(&self, key: &[u8], ttl: Option<Duration>) -> bool {
        either!(self, s => s.expire(key, ttl).await)
    }

    pub async fn ttl(&self, key: &[u8]) -> Ttl {
        either!(self, s => s.ttl(key).await)
    }

    pub async fn dbsize(&self) -> usize {
        either!(self, s => s.dbsize().await)
    }

    /// Adds `conn` to `channel`, or says why the channel cannot be created.
    pub async fn subscribe(
        &self,
        channel: &[u8],
        conn: u64,
        outbox: &Outbox,
    ) -> Result<(), String> {
        either!(self, s => s.subscribe(channel, conn, outbox).await)
    }

    pub async fn unsubscribe(&self, channel: &[u8], conn: u64) {
        either!(self, s => s.unsubscribe(channel, conn).await)
    }

    pub async fn publish(&self, channel: &[u8], message: &[u8]) -> usize {
        either!(self, s => s.publish(channel, message).await)
    }

    /// Channels in the channel map, live or not.
    pub async fn channels(&self) -> usize {
        either!(self, s => s.channels().await)
    }

    /// Heap bytes of keys, values and channels, each element counted.
    pub async fn used_memory(&self) -> usize {
        either!(self, s => s.used_memory().await)
    }

    /// The memory report (what `/metrics` serves).
    pub fn report(&self) -> Report {
        either!(self, s => s.report())
    }

    /// The keyspace's and channel map's counters, where bounded.
    pub fn stats(&self) -> Option<(BoundStats, BoundStats)> {
        match self {
            Store::Guarded(s) => Some(s.stats()),
            Store::Unguarded(_) => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Store::Guarded(_) => "guarded",
            Store::Unguarded(_) => "unguarded",
        }
    }

    /// Runs a connection (or the accept loop): a tracked task that shutdown
    /// cancels and awaits when guarded; a detached `tokio::spawn` otherwise,
    /// which nothing cancels.
    pub fn spawn<F, Fut>(&self, name: &str, task: F)
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        match self {
            Store::Guarded(s) => {
                s.connections.spawn(name, task);
            }
            Store::Unguarded(_) => {
                tokio::spawn(task(CancellationToken::new()));
            }
        }
    }
}
