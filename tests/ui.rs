//! The UI suite: what users see when they get an attribute wrong (the
//! `.stderr` files are the specification) and what must keep compiling.
//! One trybuild invocation builds every case. The `.stderr` files are
//! written for `--all-features`; without them, the cases whose source or
//! output involves an optional feature are skipped, and the test says so.

/// Types and paths that only exist, or only show in a message, with one of
/// the optional features: a case that mentions one (in its source or its
/// expected output) is run only when every feature is on.
const FEATURE_SPECIFIC: &[&str] = &[
    "tokio",
    "Task",
    "JoinHandle",
    "nats",
    "Nats",
    "futures",
    "bytes",
    "Bytes",
    "parking_lot",
    "indexmap",
    "IndexMap",
    "IndexSet",
    "serde",
    "metrics",
];

/// Whether a case needs the optional features to give its expected output.
fn needs_features(case: &std::path::Path) -> bool {
    let source = std::fs::read_to_string(case).unwrap_or_default();
    let expected = std::fs::read_to_string(case.with_extension("stderr")).unwrap_or_default();
    FEATURE_SPECIFIC.iter().any(|word| source.contains(word) || expected.contains(word))
}

#[test]
fn ui() {
    let every_feature =
        cfg!(all(feature = "tokio", feature = "nats", feature = "futures", feature = "bytes"));
    let cases = trybuild::TestCases::new();
    let mut skipped = Vec::new();
    for (folder, pass) in [
        ("pass", true),
        ("bounded", false),
        ("unbounded", false),
        ("lifecycle", false),
        ("audit", false),
        ("report", false),
    ] {
        let mut files: Vec<_> = std::fs::read_dir(format!("tests/ui/{folder}"))
            .expect("a UI folder")
            .map(|entry| entry.expect("a UI case").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            .collect();
        files.sort();
        for case in files {
            if !every_feature && needs_features(&case) {
                skipped.push(case.display().to_string());
            } else if pass {
                cases.pass(&case);
            } else {
                cases.compile_fail(&case);
            }
        }
    }
    if !skipped.is_empty() {
        eprintln!(
            "skipped {} UI cases that need every optional feature (run `cargo test --all-features --test ui`):\n  {}",
            skipped.len(),
            skipped.join("\n  ")
        );
    }
}

/// No message a user reads names leakproof's plumbing: every `.stderr` file
/// (the specification of those messages) is free of internal paths.
#[test]
fn no_plumbing_in_any_message() {
    // Paths into the runtime's source are allowed: they point at public
    // traits a user implements (`MemoryReport`, `Unsubscribe`).
    const INTERNAL: [&str; 4] =
        ["__leakproof", "__private", "leakproof_runtime::", "leakproof_macros::"];
    let mut checked = 0;
    let mut found = Vec::new();
    for topic in std::fs::read_dir("tests/ui").expect("tests/ui") {
        let topic = topic.expect("a UI topic").path();
        for case in std::fs::read_dir(&topic).expect("a UI topic folder") {
            let case = case.expect("a UI case").path();
            if case.extension().is_none_or(|ext| ext != "stderr") {
                continue;
            }
            checked += 1;
            let text = std::fs::read_to_string(&case).expect("a .stderr file");
            for (n, line) in text.lines().enumerate() {
                if INTERNAL.iter().any(|name| line.contains(name)) {
                    found.push(format!("{}:{}: {line}", case.display(), n + 1));
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} .stderr files found");
    assert!(found.is_empty(), "internal names in messages:\n{}", found.join("\n"));
}
