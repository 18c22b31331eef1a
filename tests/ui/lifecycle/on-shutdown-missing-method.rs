use leakproof::prelude::*;

#[lifecycle(on_shutdown = Self::flush)]
struct Chat {
    #[subscription]
    on_message: Subscription,
}

fn main() {}
