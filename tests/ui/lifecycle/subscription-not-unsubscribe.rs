use leakproof::prelude::*;

#[lifecycle]
struct Chat {
    #[subscription]
    topic: String,
}

fn main() {}
