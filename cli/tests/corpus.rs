//! The labelled corpus (tests/corpus/): planted leaks of every rule, each
//! marked `// expect: RULE` on the line the finding must point at, and
//! look-alikes that must stay silent. Recall and precision are computed
//! over the whole corpus and printed; the test fails below 100% recall or
//! 90% precision.

use std::collections::BTreeSet;
use std::path::Path;

use leakproof_audit::{Rule, audit_text};

/// (file, line, rule) triples.
type Labels = BTreeSet<(String, usize, String)>;

fn expected(file: &str, text: &str) -> Labels {
    let mut labels = Labels::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(rules) = line.split("// expect: ").nth(1) {
            for rule in rules.split(',') {
                let rule = rule.trim();
                assert!(Rule::from_id(rule).is_some(), "{file}:{}: unknown rule `{rule}`", i + 1);
                labels.insert((file.to_owned(), i + 1, rule.to_owned()));
            }
        }
    }
    labels
}

#[test]
fn corpus_recall_and_precision() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut expect = Labels::new();
    let mut found = Labels::new();
    let mut rules_planted = BTreeSet::new();
    let mut entries: Vec<_> =
        std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "rs")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let labels = expected(&name, &text);
        rules_planted.extend(labels.iter().map(|(_, _, rule)| rule.clone()));
        expect.extend(labels);
        let audit = audit_text(&name, &text);
        assert!(audit.skipped.is_empty(), "{name} does not parse: {:?}", audit.skipped);
        found.extend(
            audit.findings.iter().map(|f| (f.file.clone(), f.line, f.rule.id().to_owned())),
        );
    }
    let every: BTreeSet<String> = Rule::ALL.iter().map(|r| r.id().to_owned()).collect();
    assert_eq!(rules_planted, every, "the corpus plants every rule");
    let hits = expect.intersection(&found).count();
    let recall = hits as f64 / expect.len() as f64;
    let precision = hits as f64 / found.len().max(1) as f64;
    println!(
        "corpus: {} planted, {} reported, {hits} right: recall {:.1}%, precision {:.1}%",
        expect.len(),
        found.len(),
        recall * 100.0,
        precision * 100.0
    );
    let missed: Vec<_> = expect.difference(&found).collect();
    let wrong: Vec<_> = found.difference(&expect).collect();
    assert!(missed.is_empty(), "missed (recall {:.1}%): {missed:#?}", recall * 100.0);
    assert!(precision >= 0.9, "precision {:.1}%, false findings: {wrong:#?}", precision * 100.0);
}
