use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[lifecycle(skip)]
    #[bounded(cap = 10)]
    closed: HashSet<u64>,
}

fn main() {}
