use leakproof::prelude::*;
use std::collections::HashMap;

#[lifecycle]
struct Channels {
    #[bounded(cap = 10, keep_if = "still_listened")]
    senders: HashMap<String, u64>,
}

fn main() {}
