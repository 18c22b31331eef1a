//! Skimming (emptying the function bodies no rule reads before parsing,
//! `src/skim.rs`) must not change what the audit finds: the same findings,
//! reviewed items and skipped files, line for line, with and without it, on
//! the labelled corpus, on this workspace, and on tokio's source (the
//! largest crate in the local registry, always there: leakproof depends on
//! it).

use std::path::Path;

use leakproof_audit::config::Config;
use leakproof_audit::discover::{self, Source, Sources};
use leakproof_audit::{Audit, audit_sources};

/// The same sources parsed whole, every body included.
fn whole(root: &Path, skimmed: &Sources) -> Sources {
    let files = skimmed
        .files
        .iter()
        .map(|s| {
            let path = if root.is_file() { root.to_path_buf() } else { root.join(&s.rel) };
            let text = std::fs::read_to_string(&path).unwrap();
            Source { rel: s.rel.clone(), lines: s.lines, parsed: discover::parse_whole(&text) }
        })
        .collect();
    Sources { files, crates: skimmed.crates.clone() }
}

fn same(what: &str, skimmed: &Audit, whole: &Audit) {
    assert_eq!(skimmed.findings, whole.findings, "{what}: findings differ when skimmed");
    assert_eq!(skimmed.reviewed, whole.reviewed, "{what}: reviewed items differ when skimmed");
    assert_eq!(skimmed.skipped.len(), whole.skipped.len(), "{what}: skipped files differ");
    assert_eq!(skimmed.lines, whole.lines, "{what}");
}

fn compare(what: &str, root: &Path, sources: Sources, config: &Config) -> usize {
    let whole_sources = whole(root, &sources);
    let skimmed = audit_sources(&sources, config);
    let whole = audit_sources(&whole_sources, config);
    same(what, &skimmed, &whole);
    skimmed.findings.len() + skimmed.reviewed.len()
}

#[test]
fn corpus_findings_are_the_same_skimmed_or_whole() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut found = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let sources = discover::sources(&path, false, &[]);
            found += compare(&path.display().to_string(), &path, sources, &Config::default());
        }
    }
    assert!(found > 30, "the corpus plants findings ({found} seen)");
}

#[test]
fn workspace_findings_are_the_same_skimmed_or_whole() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let config = Config::load(root).unwrap();
    let sources = discover::sources(root, true, &config.exclude);
    let found = compare("this workspace", root, sources, &config);
    assert!(found > 10, "the unguarded demos are reported ({found} seen)");
}

#[test]
fn tokio_findings_are_the_same_skimmed_or_whole() {
    let Some(src) = discover::registry_crate("tokio").map(|dir| dir.join("src")) else {
        panic!("tokio is a dependency of leakproof, so its source is in the cargo registry");
    };
    let sources = discover::sources(&src, false, &[]);
    let found = compare("tokio", &src, sources, &Config::default());
    assert!(found > 0, "tokio has findings (its detached spawns)");
}
