use leakproof::prelude::*;

#[lifecycle]
struct Chat {
    on_message: Subscription,
}

fn main() {}
