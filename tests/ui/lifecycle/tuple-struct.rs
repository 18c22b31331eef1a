use leakproof::prelude::*;

#[lifecycle]
struct Server(u32, String);

fn main() {}
