use leakproof::prelude::*;

#[derive(MemoryReport)]
struct Player {
    #[report(skipp)]
    name: String,
}

// The type's uses still compile (a stub impl stands in): the only error is
// the attribute's.
fn main() {
    let player = Player { name: String::new() };
    let _ = player.memory_report();
}
