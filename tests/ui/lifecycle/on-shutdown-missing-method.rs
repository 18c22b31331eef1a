use leakproof::prelude::*;

#[lifecycle(on_shutdown = Self::drain_log)]
struct Chat {
    #[subscription]
    on_message: Subscription,
}

fn main() {}
