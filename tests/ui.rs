//! The UI suite: what users see when they get an attribute wrong (the
//! `.stderr` files are the specification) and what must keep compiling.
//! One trybuild invocation builds every case.

#[test]
#[cfg_attr(
    not(all(feature = "tokio", feature = "nats", feature = "futures", feature = "bytes")),
    ignore = "the .stderr files are written for `--all-features` (they list the task, NATS, futures and bytes types)"
)]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/bounded/*.rs");
    cases.compile_fail("tests/ui/unbounded/*.rs");
    cases.compile_fail("tests/ui/lifecycle/*.rs");
    cases.compile_fail("tests/ui/audit/*.rs");
    cases.compile_fail("tests/ui/report/*.rs");
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
