use leakproof::prelude::*;
use std::collections::HashSet;

#[derive(MemoryReport)]
struct Sockets {
    #[bounded(cap = 10)]
    closed: HashSet<u64>,
}

fn main() {}
