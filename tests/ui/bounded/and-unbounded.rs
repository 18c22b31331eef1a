use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[bounded(cap = 10)]
    #[unbounded(reason = "changed my mind")]
    closed: HashSet<u64>,
}

fn main() {}
