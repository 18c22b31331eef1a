use leakproof::prelude::*;

#[lifecycle(on_shutdown = Self::flush)]
struct Logger {
    #[subscription]
    on_line: Subscription,
}

impl Logger {
    fn flush(&self) -> usize {
        0
    }
}

#[lifecycle(on_shutdown = Self::drain)]
struct Drainer {
    #[subscription]
    on_line: Subscription,
}

impl Drainer {
    async fn drain(&self) -> Option<()> {
        None
    }
}

fn main() {}
