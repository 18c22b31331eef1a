use leakproof::prelude::*;

#[lifecycle(crat = leakproof)]
struct Server {
    name: String,
}

fn main() {}
