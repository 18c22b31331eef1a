use leakproof::prelude::*;
use std::collections::BTreeMap;

#[lifecycle]
struct Server {
    #[bounded(cap = 10)]
    ranking: BTreeMap<u32, u64>,
}

fn main() {}
