//! The cache as such servers are usually first written: plain std
//! collections behind tokio locks, and two leaks nobody sees in a review.
//!
//! - A key's expiry is checked only when the key is read, so keys written
//!   with `EX`/`PX` and never read again stay in memory for good (Redis
//!   itself expires keys proactively; a hand-written cache often does not).
//! - `SUBSCRIBE` creates a channel entry that `UNSUBSCRIBE` empties but never
//!   removes, so the channel map grows with every distinct channel name ever
//!   used: the leak that grew a real server by 338 MiB in 15 seconds.
//!
//! And nothing bounds the keyspace: `--max-keys` does not apply here.
//! `#[derive(MemoryReport)]` reports these structs for the side-by-side
//! figures; it checks nothing (that is `#[lifecycle]`'s job).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use leakproof::prelude::*;
use leakproof::{DeepHeap, Report};
use tokio::sync::RwLock;

use crate::store::{Channel, Outbox, Ttl};

/// A value and when it expires.
type Entry = (Vec<u8>, Option<Instant>);

#[derive(MemoryReport)]
pub struct Unguarded {
    keys: RwLock<HashMap<Vec<u8>, Entry>>,
    channels: RwLock<HashMap<Vec<u8>, Channel>>,
}

impl Unguarded {
    pub fn new() -> Self {
        Unguarded { keys: RwLock::default(), channels: RwLock::default() }
    }

    pub async fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let keys = self.keys.read().await;
        match keys.get(key) {
            Some((value, expires)) if expires.is_none_or(|at| at > Instant::now()) => {
                Some(value.clone())
            }
            Some(_) => {
                drop(keys);
                // Expired: removed now that someone read it.
                let mut keys = self.keys.write().await;
                if keys.get(key).is_some_and(|(_, at)| at.is_some_and(|at| at <= Instant::now())) {
                    keys.remove(key);
                }
                None
            }
            None => None,
        }
    }

    pub async fn set(&self, key: Vec<u8>, value: Vec<u8>, ttl: Option<Duration>) {
        let expires = ttl.map(|ttl| Instant::now() + ttl);
        self.keys.write().await.insert(key, (value, expires));
    }

    pub async fn del(&self, keys: &[Vec<u8>]) -> usize {
        let mut map = self.keys.write().await;
        let now = Instant::now();
        keys.iter().filter(|k| map.remove(*k).is_some_and(|(_, at)| live(at, now))).count()
    }

    pub async fn exists(&self, keys: &[Vec<u8>]) -> usize {
        let map = self.keys.read().await;
        let now = Instant::now();
        keys.iter().filter(|k| map.get(*k).is_some_and(|(_, at)| live(*at, now))).count()
    }

    pub async fn expire(&self, key: &[u8], ttl: Option<Duration>) -> bool {
        let mut map = self.keys.write().await;
        let now = Instant::now();
        match map.get_mut(key) {
            Some((_, at)) if live(*at, now) => {
                match ttl {
                    Some(ttl) => *at = Some(now + ttl),
                    None => drop(map.remove(key)),
                }
                true
            }
            _ => false,
        }
    }

    pub async fn ttl(&self, key: &[u8]) -> Ttl {
        let now = Instant::now();
        match self.keys.read().await.get(key) {
            Some((_, None)) => Ttl::Persistent,
            Some((_, Some(at))) if *at > now => Ttl::Left(*at - now),
            _ => Ttl::Missing,
        }
    }

    /// Every key held, expired ones included: they are still in memory.
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
        channels.entry(channel.to_vec()).or_default().add(conn, outbox);
        Ok(())
    }

    pub async fn unsubscribe(&self, channel: &[u8], conn: u64) {
        if let Some(channel) = self.channels.write().await.get_mut(channel) {
            // The channel stays, empty, for good.
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

    /// Heap bytes of the keyspace and channel map, every element counted.
    pub async fn used_memory(&self) -> usize {
        self.keys.read().await.deep_heap(&mut Default::default())
            + self.channels.read().await.deep_heap(&mut Default::default())
    }

    pub fn report(&self) -> Report {
        self.memory_report()
    }
}

fn live(expires: Option<Instant>, now: Instant) -> bool {
    expires.is_none_or(|at| at > now)
}
