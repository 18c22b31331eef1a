// A broker subscription held by a service must be torn down by it: without
// `#[subscription]` the build fails, as it does for the runtime's own types.
use leakproof::nats::NatsSubscription;
use leakproof::prelude::*;

#[lifecycle]
struct Presence {
    feed: NatsSubscription,
}

fn main() {}
