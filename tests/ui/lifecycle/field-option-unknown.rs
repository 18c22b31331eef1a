use leakproof::prelude::*;

#[lifecycle]
struct Chat {
    #[lifecycle(skp)]
    on_message: Subscription,
}

fn main() {}
