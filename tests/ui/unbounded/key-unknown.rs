use leakproof::prelude::*;
use std::collections::HashMap;

#[lifecycle]
struct Server {
    #[unbounded(reson = "one per socket")]
    active: HashMap<u64, String>,
}

fn main() {}
