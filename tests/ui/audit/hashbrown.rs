use leakproof::prelude::*;

#[lifecycle]
struct Cache {
    entries: hashbrown::HashMap<u64, String>,
}

fn main() {}
