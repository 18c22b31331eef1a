use leakproof::prelude::*;
use std::collections::VecDeque;

#[lifecycle]
struct Chat {
    #[bounded(cap = 10, evict = "lru")]
    history: VecDeque<String>,
}

fn main() {}
