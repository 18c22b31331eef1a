use leakproof::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};

#[lifecycle]
struct Server {
    #[bounded(cap = 0)]
    closed: HashSet<u64>,
    #[bounded(cap = 10, ttl = "soon")]
    players: HashMap<u64, String>,
    #[bounded(cap = 10, evict = "random")]
    recent: VecDeque<String>,
}

fn main() {}
