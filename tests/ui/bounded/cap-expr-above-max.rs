use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[bounded(cap = u32::MAX as usize)]
    closed: HashSet<u64>,
}

fn main() {}
