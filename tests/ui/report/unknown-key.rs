use leakproof::prelude::*;

#[derive(MemoryReport)]
struct Player {
    #[report(skipp)]
    name: String,
}

fn main() {}
