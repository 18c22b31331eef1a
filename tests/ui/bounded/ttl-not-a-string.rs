use leakproof::prelude::*;
use std::collections::HashMap;

#[lifecycle]
struct Server {
    #[bounded(cap = 10, ttl = 300)]
    players: HashMap<u64, String>,
}

fn main() {}
