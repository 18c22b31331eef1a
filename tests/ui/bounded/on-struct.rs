use leakproof::prelude::*;
use std::collections::HashSet;

#[bounded(cap = 10)]
struct Server {
    closed: HashSet<u64>,
}

fn main() {}
