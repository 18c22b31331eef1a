//! Compile-time cost of `#[lifecycle]`, side by side in one run: a generated
//! crate of 200 structs of 10 fields each, `cargo check`ed after a touch, as
//!
//! - `plain`: the structs with no attributes;
//! - `lifecycle`: the same structs under `#[lifecycle]` (bounded, unbounded,
//!   subscription and plain fields, so every generator runs);
//! - `audit`: under `#[lifecycle]` with no teardown field (the subscription
//!   is a plain `u64`): the bound rewrite, the audit and the report;
//! - `report`: `#[derive(MemoryReport)]` alone, on the unannotated fields;
//! - `serde`: the same structs with `#[derive(Serialize, Deserialize)]`.
//!
//! Medians of 5 runs each, after one warm-up build of the dependencies.
//! `cargo bench -p leakproof-benches --bench compile_time`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const STRUCTS: usize = 200;
const RUNS: usize = 5;

fn fields(kind: &str) -> String {
    let mut out = String::new();
    let lines: [(&str, &str); 10] = [
        ("#[bounded(cap = 1024)]", "closed: HashSet<u64>"),
        ("#[bounded(cap = 512, ttl = \"5m\")]", "players: HashMap<u64, String>"),
        ("#[bounded(cap = 64, evict = \"fifo\")]", "recent: VecDeque<String>"),
        ("#[unbounded(reason = \"one per socket\")]", "active: HashMap<u64, u32>"),
        ("#[subscription]", "on_event: leakproof::Subscription"),
        ("", "name: String"),
        ("", "count: u64"),
        ("", "ratio: f64"),
        ("", "flags: [u8; 8]"),
        ("", "label: Option<String>"),
    ];
    for (attr, field) in lines {
        let annotated = kind == "lifecycle" || (kind == "audit" && !attr.contains("subscription"));
        if annotated {
            let _ = writeln!(out, "    {attr} pub {field},");
        } else {
            // The other crates cannot hold a `Subscription` (no serde impl).
            let _ = writeln!(out, "    pub {},", field.replace("leakproof::Subscription", "u64"));
        }
    }
    out
}

fn generate(root: &Path, kind: &str, workspace: &Path) -> PathBuf {
    let dir = root.join(kind);
    std::fs::create_dir_all(dir.join("src")).expect("create bench crate");
    let deps = match kind {
        "lifecycle" | "audit" | "report" => {
            format!("leakproof = {{ path = {:?} }}", workspace.display().to_string())
        }
        "serde" => "serde = { version = \"1\", features = [\"derive\"] }".to_string(),
        _ => String::new(),
    };
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"bench-{kind}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[workspace]\n\n[dependencies]\n{deps}\n"),
    )
    .expect("write manifest");
    let mut src =
        String::from("#![allow(dead_code)]\nuse std::collections::{HashMap, HashSet, VecDeque};\n");
    if matches!(kind, "lifecycle" | "audit" | "report") {
        src.push_str("use leakproof::prelude::*;\n");
    }
    for i in 0..STRUCTS {
        let attr = match kind {
            "lifecycle" | "audit" => "#[lifecycle]\n",
            "report" => "#[derive(MemoryReport)]\n",
            "serde" => "#[derive(serde::Serialize, serde::Deserialize)]\n",
            _ => "",
        };
        let _ = write!(src, "\n{attr}pub struct Service{i} {{\n{}}}\n", fields(kind));
    }
    std::fs::write(dir.join("src/lib.rs"), src).expect("write source");
    dir
}

fn check(dir: &Path, target: &Path) -> Duration {
    let lib = dir.join("src/lib.rs");
    let source = std::fs::read(&lib).expect("read source");
    std::fs::write(&lib, source).expect("touch source");
    let start = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .status()
        .expect("run cargo check");
    assert!(status.success(), "cargo check failed in {}", dir.display());
    start.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let workspace =
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
    let root = workspace.join("target/compile-bench");
    let target = root.join("target");
    let kinds = ["plain", "lifecycle", "audit", "report", "serde"];
    let dirs: Vec<_> = kinds.iter().map(|kind| generate(&root, kind, &workspace)).collect();
    for dir in &dirs {
        check(dir, &target); // dependencies, once
    }
    let mut results = Vec::new();
    for (kind, dir) in kinds.iter().zip(&dirs) {
        let times: Vec<_> = (0..RUNS).map(|_| check(dir, &target)).collect();
        results.push((kind, median(times)));
    }
    println!("cargo check of {STRUCTS} structs x 10 fields, median of {RUNS}:");
    for (kind, time) in &results {
        println!("  {kind:<10} {:>7.2} s", time.as_secs_f64());
    }
    let serde = results[4].1.as_secs_f64();
    for (kind, time) in &results[1..4] {
        println!("  {kind} / serde = {:.2}", time.as_secs_f64() / serde);
    }
}
