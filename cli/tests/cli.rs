//! The command as a user runs it (`cargo-leakproof leakproof audit ...`),
//! its four formats and `--deny`, acceptance in `leakproof.toml`; and the
//! audit of this workspace: the unguarded demos reported with the leaks the
//! README lists, the guarded ones clean.

use std::path::{Path, PathBuf};
use std::process::Command;

use leakproof_audit::{Rule, config::Config, discover};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn corpus(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(file).display().to_string()
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-leakproof")).args(args).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn json_is_the_contract_and_deny_fails_on_findings() {
    let (code, out) =
        run(&["leakproof", "audit", &corpus("fields.rs"), "--format", "json", "--deny"]);
    assert_eq!(code, 1, "--deny with findings exits 1");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let planted: usize = std::fs::read_to_string(corpus("fields.rs"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split("// expect: ").nth(1))
        .map(|rules| rules.split(',').count())
        .sum();
    assert_eq!(findings.len(), planted, "one finding per label in fields.rs");
    for f in findings {
        for key in ["rule", "severity", "file", "item", "message", "fix"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
        assert!(f["line"].as_u64().unwrap() >= 1);
        assert!(Rule::from_id(f["rule"].as_str().unwrap()).is_some());
    }
    assert_eq!(findings[0]["file"], "fields.rs");
    assert_eq!(findings[0]["item"], "Connections.closed");
    assert_eq!(findings[0]["line"], 9);
    assert!(json["reviewed"].is_array());

    let (code, _) = run(&["leakproof", "audit", &corpus("lookalikes.rs"), "--deny"]);
    assert_eq!(code, 0, "nothing to report: --deny passes");
    let (code, _) = run(&["leakproof", "audit", &corpus("fields.rs")]);
    assert_eq!(code, 0, "without --deny findings do not fail");
}

#[test]
fn sarif_markdown_and_text() {
    let (_, out) = run(&["audit", &corpus("tasks.rs"), "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["tool"]["driver"]["rules"].as_array().unwrap().len(), Rule::ALL.len());
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["ruleId"], "detached-task");
    assert_eq!(results[0]["level"], "warning");
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 14);

    let (_, md) = run(&["leakproof", "audit", &corpus("expiry.rs"), "--format", "markdown"]);
    for part in [
        "# Memory-leak audit",
        "## Summary",
        "## High severity",
        "## Medium severity",
        "- **Impact:**",
        "- **Recommendation:**",
        "`expiry.rs:8`",
    ] {
        assert!(md.contains(part), "{part} in\n{md}");
    }

    let (_, text) = run(&["leakproof", "audit", &corpus("globals.rs")]);
    assert!(text.contains("global-collection globals.rs:7  static SEEN"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when not on a terminal");
    assert!(
        text.ends_with("6 findings (6 high, 0 medium), 0 reviewed, 1 files, 26 lines\n"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["leakproof", "audit", "--format", "yaml"]).0, 2);
    assert_eq!(run(&["leakproof", "lint"]).0, 2);
    assert_eq!(run(&["leakproof", "audit", "/no/such/path"]).0, 2);
    assert_eq!(run(&["leakproof", "audit", ".", "--nope"]).0, 2);
}

#[test]
fn leakproof_toml_accepts_a_finding_with_its_reason() {
    let dir = std::env::temp_dir().join(format!("leakproof-audit-toml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(corpus("globals.rs"), dir.join("globals.rs")).unwrap();
    let mut toml = String::from("exclude = [\"skipped\"]\n");
    for name in ["SEEN", "NAMES", "ROUTES", "CACHE", "SCRATCH"] {
        toml += &format!(
            "[[accept]]\nrule = \"global-collection\"\nitem = \"static {name}\"\nreason = \"reviewed: {name}\"\n"
        );
    }
    std::fs::write(dir.join("leakproof.toml"), &toml).unwrap();
    std::fs::create_dir_all(dir.join("skipped")).unwrap();
    std::fs::write(
        dir.join("skipped/leak.rs"),
        "static X: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());",
    )
    .unwrap();
    let (code, out) =
        run(&["leakproof", "audit", dir.to_str().unwrap(), "--format", "json", "--deny"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 1, "one finding is left");
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["findings"][0]["item"], "static REGISTRY");
    let reviewed = json["reviewed"].as_array().unwrap();
    assert_eq!(reviewed.len(), 5);
    assert_eq!(reviewed[0]["reason"], "reviewed: SEEN");

    std::fs::write(
        dir.join("leakproof.toml"),
        "[[accept]]\nrule = \"no-such-rule\"\nitem = \"x\"\nreason = \"r\"\n",
    )
    .unwrap();
    assert_eq!(
        run(&["leakproof", "audit", dir.to_str().unwrap()]).0,
        2,
        "a bad leakproof.toml is a usage error"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The workspace as it is, with no acceptance: the unguarded game server
/// shows every leak its README paragraph names, the guarded servers none.
#[test]
fn this_workspace_unguarded_demo_reported_guarded_clean() {
    let root = workspace();
    let sources = discover::sources(&root, false, &[]);
    let audit = leakproof_audit::audit_sources(&sources, &Config::default());
    let at = |file: &str, rule: Rule, item: &str| {
        audit.findings.iter().any(|f| f.file == file && f.rule == rule && f.item == item)
    };
    let unguarded = "examples/game_server/unguarded.rs";
    // "a set only ever inserted into", the expire-on-read cache, and the
    // handlers that hold their service (one of which shutdown forgets).
    assert!(at(unguarded, Rule::UnboundedField, "ConnectionManager.closed_websockets"));
    assert!(at(unguarded, Rule::UnboundedField, "PlayerCache.players"));
    assert!(at(unguarded, Rule::ReadOnlyExpiry, "PlayerCache.players"));
    assert!(at(unguarded, Rule::LeakedSubscription, "fn ChatService::start"));
    let cache = "examples/cache_server/unguarded.rs";
    assert!(at(cache, Rule::UnboundedField, "Unguarded.keys"));
    assert!(at(cache, Rule::UnboundedField, "Unguarded.channels"));
    for guarded in ["examples/game_server/guarded.rs", "examples/cache_server/guarded.rs"] {
        let stray: Vec<_> = audit.findings.iter().filter(|f| f.file == guarded).collect();
        assert!(stray.is_empty(), "{stray:#?}");
        assert!(
            audit.reviewed.iter().any(|f| f.file == guarded),
            "annotated fields are listed as reviewed"
        );
    }
    // With the workspace's leakproof.toml, nothing is left (what .ci/run checks).
    let accepted = leakproof_audit::audit(&root, &Default::default()).unwrap();
    assert_eq!(accepted.findings, [], "unreviewed findings in the workspace");
    assert!(accepted.skipped.is_empty(), "{:?}", accepted.skipped);
}
