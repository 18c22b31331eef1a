use leakproof::prelude::*;
use std::collections::HashMap;

// A map's guard sees the key and the value.
fn still_listened(value: &u32) -> bool {
    *value > 0
}

#[lifecycle]
struct Channels {
    #[bounded(cap = 10, keep_if = still_listened)]
    senders: HashMap<String, u32>,
}

fn main() {}
