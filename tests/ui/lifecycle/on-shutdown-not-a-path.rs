use leakproof::prelude::*;

#[lifecycle(on_shutdown = "flush")]
struct Chat {
    #[subscription]
    on_message: Subscription,
}

fn main() {}
