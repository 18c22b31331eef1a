use leakproof::prelude::*;
use std::collections::HashSet;

#[lifecycle]
struct Server {
    #[bounded]
    closed: HashSet<u64>,
}

fn main() {}
