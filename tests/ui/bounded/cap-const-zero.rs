use leakproof::prelude::*;
use std::collections::HashSet;

const MAX_CLOSED: usize = 0;

#[lifecycle]
struct Server {
    #[bounded(cap = MAX_CLOSED)]
    closed: HashSet<u64>,
}

fn main() {}
