use leakproof::prelude::*;

// `Vec<T>` is unbounded whatever `T` is.
#[lifecycle]
struct Buffer<T> {
    items: Vec<T>,
}

fn main() {}
