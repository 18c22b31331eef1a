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
//! Medians of 7 rounds, each checking every crate once (so a slow spell of
//! the machine lands on all alike), after one warm-up build of the
//! dependencies; the ratios are the median of the rounds' own ratios.
//! `cargo bench -p leakproof-benches --bench compile_time`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const STRUCTS: usize = 200;
const RUNS: usize = 7;
/// Where serde's crate is in `kinds`: the denominator of every ratio.
const SERDE: usize = 4;

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
    // Rounds, each checking every crate once: a slow spell of this shared
    // machine then lands on all of them alike, and each round gives its own
    // ratios, of which the median is printed.
    let mut times = vec![Vec::new(); kinds.len()];
    let mut ratios = vec![Vec::new(); kinds.len()];
    for _ in 0..RUNS {
        let round: Vec<_> = dirs.iter().map(|dir| check(dir, &target)).collect();
        for (k, time) in round.iter().enumerate() {
            times[k].push(*time);
            ratios[k].push(time.as_secs_f64() / round[SERDE].as_secs_f64());
        }
    }
    println!("cargo check of {STRUCTS} structs x 10 fields, median of {RUNS} rounds:");
    for (kind, times) in kinds.iter().zip(&times) {
        println!("  {kind:<10} {:>7.2} s", median(times.clone()).as_secs_f64());
    }
    for (kind, ratios) in kinds.iter().zip(&ratios).take(SERDE).skip(1) {
        let mut ratios = ratios.clone();
        ratios.sort_by(f64::total_cmp);
        println!(
            "  {kind} / serde = {:.2} (median of the rounds' ratios; range {:.2}-{:.2})",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
}
