use leakproof::prelude::*;

#[lifecycle]
struct Chat {
    #[task]
    flusher: u64,
}

fn main() {}
