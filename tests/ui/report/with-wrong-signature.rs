use leakproof::prelude::*;

fn report_name(name: &str) -> usize {
    name.len()
}

#[derive(MemoryReport)]
struct Player {
    #[report(with = report_name)]
    name: String,
}

fn main() {}
