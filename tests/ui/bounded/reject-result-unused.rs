#![deny(unused_must_use)]
use leakproof::prelude::*;
use std::collections::{HashMap, HashSet};

#[lifecycle]
struct Server {
    #[bounded(cap = 10)]
    closed: HashSet<u64>,
    #[bounded(cap = 2, evict = "reject")]
    pending: HashMap<u64, String>,
}

fn main() {
    let mut server = Server { closed: Default::default(), pending: Default::default() };
    // Under SIEVE an insert never fails: std's `bool`, nothing to handle.
    if server.closed.insert(1) {
        server.closed.insert(2);
    }
    // A collection that can refuse says so: its `Result` must be used.
    server.pending.insert(1, "login".into());
}
