use leakproof::prelude::*;
use std::collections::HashMap;

fn live<T>(_: &u64, _: &T) -> bool {
    true
}

#[lifecycle]
struct Channels<T> {
    #[bounded(cap = 10, keep_if = live)]
    senders: HashMap<u64, T>,
}

fn main() {}
