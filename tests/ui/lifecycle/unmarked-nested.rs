use leakproof::prelude::*;

#[lifecycle]
struct Logger {
    #[subscription]
    on_line: Subscription,
}

#[lifecycle]
struct Chat {
    logger: Logger,
}

fn main() {}
