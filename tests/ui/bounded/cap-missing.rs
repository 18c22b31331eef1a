use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[bounded(evict = "fifo")]
    closed: HashSet<u64>,
}

fn main() {}
