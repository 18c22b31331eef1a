//! The audit never panics: every corpus file and every source file of this
//! workspace, cut at many points and garbled, is audited without a panic;
//! a file that does not parse is reported as skipped with its error, and
//! the rest of a crate is still audited.

use std::path::Path;

use leakproof_audit::audit_text;

fn inputs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for dir in [
        "cli/tests/corpus",
        "cli/src",
        "examples/game_server",
        "examples/cache_server",
        "runtime/src/collections",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for path in entries.flatten().map(|e| e.path()) {
            if path.extension().is_some_and(|e| e == "rs") {
                files.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    assert!(files.len() > 10, "found the inputs");
    files
}

/// A small deterministic generator (no dependency needed for this).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % below.max(1)
    }
}

#[test]
fn truncated_files_never_panic() {
    for (name, text) in inputs() {
        let step = (text.len() / 40).max(1);
        for cut in (0..text.len()).step_by(step) {
            let cut = (0..=cut).rev().find(|&c| text.is_char_boundary(c)).unwrap();
            let audit = audit_text(&name, &text[..cut]);
            assert_eq!(audit.files, 1);
        }
    }
}

#[test]
fn garbled_files_never_panic() {
    let fragments = [
        "{", "}", "(", ")", "<", ">", "::", ";", "static", "struct", "fn", "#[", "]", "'a", "\"",
        "mod x;", "spawn(", "Arc<", "Vec<", "loop {", "=", ",", "impl",
    ];
    let mut rng = Lcg(7);
    for (name, text) in inputs() {
        let lines: Vec<&str> = text.lines().collect();
        for _ in 0..20 {
            let mut garbled: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
            for _ in 0..3 {
                let at = rng.next(garbled.len());
                match rng.next(3) {
                    0 => {
                        garbled.remove(at);
                    }
                    1 => garbled.insert(at, fragments[rng.next(fragments.len())].to_owned()),
                    _ => {
                        let other = rng.next(garbled.len());
                        garbled.swap(at, other);
                    }
                }
                if garbled.is_empty() {
                    break;
                }
            }
            let _ = audit_text(&name, &garbled.join("\n"));
        }
    }
}

#[test]
fn a_file_that_does_not_parse_is_skipped_with_its_error_and_the_rest_is_audited() {
    let dir = std::env::temp_dir().join(format!("leakproof-audit-skip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.rs"), "pub struct Broken {\n    items: Vec<u64>,\n").unwrap();
    std::fs::write(
        dir.join("fine.rs"),
        "static SEEN: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());\n",
    )
    .unwrap();
    let audit = leakproof_audit::audit(&dir, &Default::default()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(audit.skipped.len(), 1, "{audit:?}");
    assert_eq!(audit.skipped[0].file, "broken.rs");
    // The unclosed brace is where the lexer stops.
    assert!(audit.skipped[0].error.starts_with("line 1:19:"), "{}", audit.skipped[0].error);
    assert_eq!(audit.findings.len(), 1);
    assert_eq!(audit.findings[0].item, "static SEEN");
}
