use leakproof::prelude::*;

// One error, on the fields: the field attributes bring no second one.
#[lifecycle]
struct Server(#[subscription] Subscription, #[bounded(cap = 3)] Vec<u32>);

fn main() {}
