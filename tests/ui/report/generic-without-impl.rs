use leakproof::prelude::*;

#[derive(MemoryReport)]
struct Wrapper<T> {
    inner: T,
}

struct NoReport;

fn main() {
    // `T: MemoryReport` is required of type parameters.
    let _ = Wrapper { inner: NoReport }.memory_report();
}
