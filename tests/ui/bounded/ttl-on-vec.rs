use leakproof::prelude::*;

#[lifecycle]
struct Server {
    #[bounded(cap = 10, ttl = "5m")]
    log: Vec<String>,
}

fn main() {}
