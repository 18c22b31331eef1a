//! `cargo leakproof audit` speed: the audit of large real crates from the
//! local cargo registry (tokio, hyper, axum, and syn), on one core: read,
//! parse, index and run every rule. Lines per second, median of 5 runs of
//! each crate's full audit, beside reading and parsing the same files whole
//! with `syn::parse_file` (the audit empties the bodies no rule reads before
//! parsing, `cli/src/skim.rs`, so it can beat a plain parse).
//! `cargo fetch && taskset -c 1 cargo bench -p leakproof-benches --bench audit`
//! (`cargo fetch` brings hyper and axum, dev-dependencies of the demos, into
//! the registry; a crate that is not there is skipped with a message).

use std::path::PathBuf;
use std::time::Instant;

use leakproof_audit::config::Config;
use leakproof_audit::{audit_sources, discover};

const RUNS: usize = 5;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!(
        "| crate | files | lines | audit (median) | lines/s | read + syn::parse_file | audit / parse | findings |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let (mut all_lines, mut all_secs, mut all_parse) = (0usize, 0f64, 0f64);
    for name in ["tokio", "hyper", "axum", "syn"] {
        let Some(dir) = discover::registry_crate(name) else {
            eprintln!("{name}: not in the local registry, skipped");
            continue;
        };
        // The plain-tree walk: every .rs file under the crate (no `cargo
        // metadata`, which would resolve the crate's own manifest).
        let src = dir.join("src");
        let files: Vec<PathBuf> =
            discover::sources(&src, false, &[]).files.iter().map(|f| src.join(&f.rel)).collect();
        let mut times = Vec::new();
        let mut parse_times = Vec::new();
        let mut summary = (0, 0, 0);
        for _ in 0..RUNS {
            // Reading and parsing every file whole with syn (what a tool
            // that parses everything pays), then the whole audit.
            let start = Instant::now();
            for file in &files {
                let text = std::fs::read_to_string(file).unwrap_or_default();
                std::hint::black_box(discover::parse_whole(&text).is_ok());
            }
            parse_times.push(start.elapsed().as_secs_f64());
            let start = Instant::now();
            let sources = discover::sources(&src, false, &[]);
            let audit = audit_sources(&sources, &Config::default());
            times.push(start.elapsed().as_secs_f64());
            summary = (audit.files, audit.lines, audit.findings.len());
        }
        times.sort_by(f64::total_cmp);
        parse_times.sort_by(f64::total_cmp);
        let median = times[RUNS / 2];
        let parse = parse_times[RUNS / 2];
        all_parse += parse;
        let (files, lines, findings) = summary;
        all_lines += lines;
        all_secs += median;
        println!(
            "| {} | {files} | {lines} | {:.1} ms | {:.0} | {:.1} ms | {:.2}x | {findings} |",
            dir.file_name().unwrap().to_string_lossy(),
            median * 1e3,
            lines as f64 / median,
            parse * 1e3,
            median / parse
        );
    }
    if all_secs > 0.0 {
        println!(
            "\nall together: {all_lines} lines in {:.1} ms, {:.0} lines/s; reading and parsing whole with syn {:.0} lines/s (the audit takes {:.2}x that)",
            all_secs * 1e3,
            all_lines as f64 / all_secs,
            all_lines as f64 / all_parse,
            all_secs / all_parse
        );
    }
}
