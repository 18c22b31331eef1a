use leakproof::prelude::*;

#[lifecycle]
struct Writer {
    #[task]
    flusher: TaskHandle,
}

#[lifecycle]
struct Service {
    #[task(grace = 5)]
    a: TaskHandle,
    #[task(grace = "soon")]
    b: TaskHandle,
    #[shutdown(wait = "1s")]
    c: Writer,
    #[task(grace = "1s", grace = "2s")]
    d: TaskHandle,
    #[task()]
    e: TaskHandle,
    #[shutdown = "1s"]
    f: Writer,
}

fn main() {}
