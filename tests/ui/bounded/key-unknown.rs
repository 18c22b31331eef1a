use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[bounded(capacity = 10)]
    closed: HashSet<u64>,
}

fn main() {}
