use leakproof::prelude::*;

#[lifecycle]
struct Chat {
    #[subscription(order = 1)]
    on_message: Subscription,
}

fn main() {}
