use leakproof::prelude::*;
use std::collections::VecDeque;

#[lifecycle]
struct Server {
    #[bounded(cap = 10, ttl = "5m")]
    recent: VecDeque<String>,
}

fn main() {}
