use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[bounded(cap = 100_000_000_000_000_000_000)]
    closed: HashSet<u64>,
}

fn main() {}
