use leakproof::prelude::*;

#[derive(MemoryReport)]
#[report(bound = "T MemoryReport")]
struct Wrapper<T> {
    inner: T,
}

fn main() {}
