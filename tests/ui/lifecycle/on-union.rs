use leakproof::prelude::*;

#[lifecycle]
union Server {
    a: u32,
    b: f32,
}

fn main() {}
