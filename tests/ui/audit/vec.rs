use leakproof::prelude::*;

#[lifecycle]
struct Chat {
    history: Vec<String>,
}

fn main() {}
