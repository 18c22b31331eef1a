use leakproof::prelude::*;

struct Logger;

#[lifecycle]
struct Chat {
    #[shutdown]
    logger: Logger,
}

fn main() {}
