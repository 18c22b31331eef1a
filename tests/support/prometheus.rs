//! A strict reader of the Prometheus text exposition format, for tests that
//! check what `Report::to_prometheus` (or `GET /metrics`) produced.

use std::collections::HashSet;

/// A parsed sample: family name, labels, value.
pub type Sample = (String, Vec<(String, String)>, f64);

/// Checks text against the exposition format: `# HELP`/`# TYPE` once per
/// family, before its samples; sample lines `name{labels} value`.
pub fn assert_valid_exposition(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut typed = HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap().to_string();
            assert!(["gauge", "counter"].contains(&parts.next().unwrap()));
            assert!(typed.insert(name), "one TYPE per family");
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (name, rest) = line.split_once('{').expect("labels");
        let (labels, value) = rest.rsplit_once("} ").expect("value");
        assert!(typed.contains(name), "{name} has a TYPE line before its samples");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let labels: Vec<(String, String)> = labels
            .split("\",")
            .map(|pair| {
                let (k, v) = pair.split_once("=\"").expect("label=\"value\"");
                (k.to_string(), v.trim_end_matches('"').to_string())
            })
            .collect();
        samples.push((name.to_string(), labels, value.parse::<f64>().expect("numeric value")));
    }
    samples
}

/// The value of `family` for the field labelled `field`, if exported.
pub fn value(samples: &[Sample], family: &str, field: &str) -> Option<f64> {
    samples
        .iter()
        .find(|(n, labels, _)| {
            n == family && labels.iter().any(|(k, v)| k == "field" && v == field)
        })
        .map(|(_, _, v)| *v)
}

/// The series a scrape exposes (each sample's name and labels), sorted, after
/// checking the text: two scrapes with the same series list the same keys.
#[allow(dead_code)] // not every test binary that reads expositions compares scrapes
pub fn series(text: &str) -> Vec<String> {
    let mut keys: Vec<String> = assert_valid_exposition(text)
        .into_iter()
        .map(|(name, labels, _)| {
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{name}{{{}}}", labels.join(","))
        })
        .collect();
    keys.sort();
    keys
}
