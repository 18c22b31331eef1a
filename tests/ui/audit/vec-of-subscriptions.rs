use leakproof::prelude::*;

// A growable collection of teardown resources: both problems, both reported.
#[lifecycle]
struct Chat {
    handlers: Vec<Subscription>,
}

fn main() {}
