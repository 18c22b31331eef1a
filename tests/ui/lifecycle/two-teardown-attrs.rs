use leakproof::prelude::*;

#[lifecycle]
struct Chat {
    #[subscription]
    #[task]
    on_message: Subscription,
}

fn main() {}
