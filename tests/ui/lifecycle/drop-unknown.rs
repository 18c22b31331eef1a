use leakproof::prelude::*;

#[lifecycle(drop = "panic")]
struct Chat {
    #[subscription]
    on_message: Subscription,
}

fn main() {}
