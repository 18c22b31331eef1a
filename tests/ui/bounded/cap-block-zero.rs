use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[bounded(cap = { 3 - 3 })]
    closed: HashSet<u64>,
}

fn main() {}
