use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[bounded(cap = 10, cap = 20)]
    closed: HashSet<u64>,
}

fn main() {}
