use leakproof::prelude::*;
use std::sync::Mutex;

mod other {
    pub type HashSet<T> = std::collections::BTreeSet<T>;
}
use other::HashSet;

#[lifecycle]
struct Server {
    #[bounded(cap = 10)]
    closed: Mutex<HashSet<u64>>,
}

fn main() {}
