use leakproof::prelude::*;

#[lifecycle]
enum Server {
    Up,
    Down,
}

fn main() {}
