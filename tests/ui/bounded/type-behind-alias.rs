use leakproof::prelude::*;
use std::collections::HashSet;

type Closed = HashSet<u64>;

#[lifecycle]
struct Server {
    #[bounded(cap = 10)]
    closed: Closed,
}

fn main() {}
