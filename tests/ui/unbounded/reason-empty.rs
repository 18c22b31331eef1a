use leakproof::prelude::*;
use std::collections::HashMap;

#[lifecycle]
struct Server {
    #[unbounded(reason = "  ")]
    active: HashMap<u64, String>,
}

fn main() {}
