use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct ConnectionManager {
    closed_websockets: HashSet<u64>,
}

fn main() {}
