//! `cargo leakproof audit`: the memory-leak audit of a whole crate, read from
//! its source with `syn` (no compilation, so it works on code that does not
//! build yet).
//!
//! The pipeline: [`discover`] finds the files (the packages' targets and
//! the modules they declare), [`index`] gathers what the rules need about
//! the whole crate (structs, aliases, imports, which structs live long),
//! [`rules`] runs the seven rules, [`config`] moves accepted findings to the
//! reviewed list, and [`output`] writes the report.
//!
//! ```no_run
//! let audit = leakproof_audit::audit(std::path::Path::new("."), &Default::default()).unwrap();
//! for finding in &audit.findings {
//!     println!("{} {}:{} {}", finding.rule.id(), finding.file, finding.line, finding.item);
//! }
//! ```

pub mod config;
pub mod discover;
pub mod finding;
pub mod index;
pub mod known;
pub mod output;
pub mod rules;
pub mod skim;

use std::path::Path;

pub use finding::{Audit, Finding, Rule, Severity, Skipped};

/// How to audit.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// Tests and benches too, not only what runs in production.
    pub all_targets: bool,
}

/// Audits the crate or workspace at `root` (or, without a `Cargo.toml`,
/// every `.rs` file under it). The error is a bad `leakproof.toml`.
pub fn audit(root: &Path, options: &Options) -> Result<Audit, String> {
    let config = config::Config::load(root)?;
    let sources = discover::sources(root, options.all_targets, &config.exclude);
    Ok(audit_sources(&sources, &config))
}

/// Audits sources already read (what [`audit`] does after discovery).
pub fn audit_sources(sources: &discover::Sources, config: &config::Config) -> Audit {
    let mut audit = Audit::default();
    for source in &sources.files {
        audit.files += 1;
        audit.lines += source.lines;
        if let Err(error) = &source.parsed {
            audit.skipped.push(Skipped { file: source.rel.clone(), error: error.clone() });
        }
    }
    let mut findings = Vec::new();
    for krate in &sources.crates {
        let files = krate
            .iter()
            .filter_map(|&i| {
                let source = &sources.files[i];
                source.parsed.as_ref().ok().map(|ast| index::FileCx::new(&source.rel, ast))
            })
            .collect();
        let mut index = index::Index::new(files);
        let found = rules::check(&mut index);
        audit.reviewed.extend(found.reviewed);
        findings.extend(found.findings);
    }
    for mut finding in findings {
        match config.accepted(&finding) {
            Some(reason) => {
                finding.reason = Some(reason.to_owned());
                audit.reviewed.push(finding);
            }
            None => audit.findings.push(finding),
        }
    }
    let order = |f: &Finding| (f.severity, f.file.clone(), f.line, f.rule);
    audit.findings.sort_by_key(order);
    audit.findings.dedup();
    audit.reviewed.sort_by_key(|f| (f.file.clone(), f.line, f.rule));
    audit.reviewed.dedup();
    audit
}

/// Audits one file's text alone (for tests and the never-panic check).
pub fn audit_text(rel: &str, text: &str) -> Audit {
    let source = discover::Source {
        rel: rel.to_owned(),
        lines: text.lines().count(),
        parsed: discover::parse(text),
    };
    let sources = discover::Sources { files: vec![source], crates: vec![vec![0]] };
    audit_sources(&sources, &config::Config::default())
}
