use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[bounded(cap = 10, evict = fifo)]
    closed: HashSet<u64>,
}

fn main() {}
