//! Prints the memory report of a small service as a table and as
//! Prometheus text: `cargo run --example report_table`.

use std::collections::{HashMap, HashSet};

use leakproof::prelude::*;

#[lifecycle]
struct ConnectionManager {
    #[bounded(cap = 1_000)]
    closed_websockets: HashSet<u64>,
    #[unbounded(reason = "one entry per live socket; removed on disconnect")]
    active_websockets: HashMap<u64, String>,
}

fn main() {
    let mut manager = ConnectionManager {
        closed_websockets: Default::default(),
        active_websockets: HashMap::new(),
    };
    for id in 0..1_500 {
        manager.closed_websockets.insert(id);
    }
    manager.active_websockets.insert(7, "ada".into());
    let report = manager.memory_report();
    println!("{report}");
    print!("{}", report.to_prometheus());
}
