//! The cache leak-proofed: the same code as `unguarded.rs`, with the state
//! in a `#[lifecycle]` struct.
//!
//! - The keyspace is a bounded map (SIEVE, `--max-keys`): a key written with
//!   `EX`/`PX` carries its own TTL (`insert_with_ttl`), and expired keys
//!   leave memory on the next write, or within 100 ms through the expirer
//!   task, whether or not anyone reads them.
//! - The channel map is bounded with an eviction guard: an emptied channel
//!   may be evicted, a channel with subscribers never is. When every channel
//!   is live, a new one is refused with an error naming the limit, instead of
//!   a live subscriber silently losing its messages.
//! - The expirer, the accept loop and every connection are tracked tasks:
//!   graceful shutdown cancels them (connections first, in reverse
//!   declaration order) and reports what each step did.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use leakproof::prelude::*;
use leakproof::{BoundStats, DeepHeap, Report, TaskSet};
use tokio::sync::RwLock;

use crate::store::{Channel, Outbox, Ttl};

/// The eviction guard: a channel someone listens on stays.
fn has_subscribers(_: &Vec<u8>, channel: &Channel) -> bool {
    !channel.is_empty()
}

/// How often the expirer sweeps keys whose TTL passed with no write since.
const SWEEP: Duration = Duration::from_millis(100);

#[lifecycle]
pub struct Guarded {
    /// The keyspace; the cap is the default of `--max-keys`.
    #[bounded(cap = 100_000)]
    keys: RwLock<HashMap<Vec<u8>, Vec<u8>>>,

    /// Sweeps expired keys when no write does.
    #[task]
    expirer: TaskSet,

    /// Pub/sub channels; the cap is the default of `--max-channels`.
    #[bounded(cap = 10_000, keep_if = has_subscribers)]
    channels: RwLock<HashMap<Vec<u8>, Channel>>,

    /// The accept loop and one task per connection.
    #[task(grace = "2s")]
    pub connections: TaskSet,
}

impl Guarded {
    pub fn start(max_keys: usize, max_channels: usize) -> Arc<Self> {
        let guarded = Arc::new(Guarded {
            keys: RwLock::new(BoundedMap::builder().cap(max_keys).build()),
            expirer: TaskSet::new(),
            channels: RwLock::new(BoundedMap::builder().cap(max_channels).build()),
            connections: TaskSet::new(),
        });
        // A weak handle: the task must not keep the service alive.
        let weak: Weak<Self> = Arc::downgrade(&guarded);
        guarded.expirer.spawn("expirer", |cancel| async move {
            let mut tick = tokio::time::interval(SWEEP);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tick.tick() => {}
                }
                let Some(guarded) = weak.upgrade() else { return };
                guarded.keys.write().await.purge_expired();
            }
        });
        guarded
    }

    pub async fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        // SIEVE: a read through the read lock still counts as a use.
        self.keys.read().await.get(key).cloned()
    }

    pub async fn set(&self, key: Vec<u8>, value: Vec<u8>, ttl: Option<Duration>) {
        let mut keys = self.keys.write().await;
        // A full keyspace evicts a key nobody read since the hand passed.
        match ttl {
            Some(ttl) => keys.insert_with_ttl(key, value, ttl),
            None => keys.insert(key, value),
        };
    }

    pub async fn del(&self, keys: &[Vec<u8>]) -> usize {
        let mut map = self.keys.write().await;
        keys.iter().filter(|k| map.remove(*k).is_some()).count()
    }

    pub async fn exists(&self, keys: &[Vec<u8>]) -> usize {
        let map = self.keys.read().await;
        keys.iter().filter(|k| map.contains_key(*k)).count()
    }

    pub async fn expire(&self, key: &[u8], ttl: Option<Duration>) -> bool {
        let mut map = self.keys.write().await;
        match ttl {
            Some(ttl) => map.set_ttl(key, ttl),
            None => map.remove(key).is_some(),
        }
    }

    pub async fn ttl(&self, key: &[u8]) -> Ttl {
        let map = self.keys.read().await;
        match map.ttl_of(key) {
            Some(left) => Ttl::Left(left),
            None if map.contains_key(key) => Ttl::Persistent,
            None => Ttl::Missing,
        }
    }

    pub async fn dbsize(&self) -> usize {
        self.keys.read().await.len()
    }

    pub async fn subscribe(
        &self,
        channel: &[u8],
        conn: u64,
        outbox: &Outbox,
    ) -> Result<(), String> {
        let mut channels = self.channels.write().await;
        if let Some(existing) = channels.get_mut(channel) {
            existing.add(conn, outbox);
            return Ok(());
        }
        let mut fresh = Channel::default();
        fresh.add(conn, outbox);
        let cap = channels.cap();
        match channels.insert(channel.to_vec(), fresh) {
            Ok(_) => Ok(()),
            Err(_) => Err(format!(
                "ERR max channels reached: all {cap} channels (--max-channels) have subscribers"
            )),
        }
    }

    pub async fn unsubscribe(&self, channel: &[u8], conn: u64) {
        if let Some(channel) = self.channels.write().await.get_mut(channel) {
            // Emptied, the channel may now be evicted when room is needed.
            channel.remove(conn);
        }
    }

    pub async fn publish(&self, channel: &[u8], message: &[u8]) -> usize {
        match self.channels.read().await.get(channel) {
            Some(subscribers) => subscribers.publish(channel, message),
            None => 0,
        }
    }

    pub async fn channels(&self) -> usize {
        self.channels.read().await.len()
    }

    pub async fn used_memory(&self) -> usize {
        self.keys.read().await.deep_heap(&mut Default::default())
            + self.channels.read().await.deep_heap(&mut Default::default())
    }

    pub fn report(&self) -> Report {
        self.memory_report()
    }

    pub fn stats(&self) -> (BoundStats, BoundStats) {
        let report = self.report();
        let stats = |name| report.find(name).and_then(Report::stats).unwrap_or_default();
        (stats("keys"), stats("channels"))
    }
}
