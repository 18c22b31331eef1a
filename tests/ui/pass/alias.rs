#![deny(warnings)]
use leakproof::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};

const MAX_PLAYERS: usize = 500;

#[bounded(cap = 1024)]
pub type ClosedSockets = HashSet<u64>;

#[bounded(cap = MAX_PLAYERS * 2, ttl = "1h 30m", evict = "fifo")]
pub type Sessions<V> = HashMap<u64, V>;

#[bounded(cap = 8, evict = "reject")]
type Recent = VecDeque<String>;

#[bounded(cap = 4)]
type Log = std::vec::Vec<u8>;

fn main() {
    let mut closed = ClosedSockets::default();
    closed.insert(1);
    assert_eq!(closed.cap(), 1024);
    let sessions: Sessions<&str> = Default::default();
    assert_eq!(sessions.cap(), 1000);
    assert_eq!(sessions.evict_policy(), Evict::Fifo);
    assert_eq!(sessions.ttl(), Some(std::time::Duration::from_secs(5400)));
    let recent = Recent::default();
    assert_eq!(recent.evict_policy(), Evict::Reject);
    let mut log = Log::default();
    for b in 0..10 {
        log.push(b);
    }
    assert_eq!(log.len(), 4);
}
