//! The UI suite: what users see when they get an attribute wrong (the
//! `.stderr` files are the specification) and what must keep compiling.
//! One trybuild invocation builds every case.

#[test]
#[cfg_attr(
    not(all(feature = "tokio", feature = "nats")),
    ignore = "the .stderr files are written for `--all-features` (they list the task and NATS types)"
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
