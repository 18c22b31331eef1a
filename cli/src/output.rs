//! The report, in four formats: a terminal report (coloured on a
//! terminal), Markdown laid out like a written audit, JSON (the contract in
//! API.md) and SARIF 2.1.0 for code-scanning UIs.

use std::fmt::Write as _;

use serde_json::json;

use crate::finding::{Audit, Finding, Rule, Severity};

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    Sarif,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "text" => Format::Text,
            "markdown" | "md" => Format::Markdown,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            _ => return None,
        })
    }
}

pub fn render(audit: &Audit, format: Format, colour: bool) -> String {
    match format {
        Format::Text => text(audit, colour),
        Format::Markdown => markdown(audit),
        Format::Json => serde_json::to_string_pretty(audit).unwrap_or_default() + "\n",
        Format::Sarif => serde_json::to_string_pretty(&sarif(audit)).unwrap_or_default() + "\n",
    }
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn paint(colour: bool, code: &str, text: &str) -> String {
    if colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
}

fn text(audit: &Audit, colour: bool) -> String {
    let mut out = String::new();
    for f in &audit.findings {
        let (code, label) = match f.severity {
            Severity::High => ("1;31", "HIGH  "),
            Severity::Medium => ("1;33", "MEDIUM"),
        };
        let _ = writeln!(
            out,
            "{} {} {}:{}  {}",
            paint(colour, code, label),
            paint(colour, "1", f.rule.id()),
            f.file,
            f.line,
            paint(colour, "36", &f.item)
        );
        let _ = writeln!(out, "       {}", f.message);
        let _ = writeln!(out, "       {} {}\n", paint(colour, "32", "fix:"), f.fix);
    }
    if !audit.reviewed.is_empty() {
        let _ = writeln!(out, "{}", paint(colour, "1", "reviewed:"));
        for f in &audit.reviewed {
            let reason = f.reason.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}:{}  {}  {}",
                f.file,
                f.line,
                f.item,
                paint(colour, "2", reason)
            );
        }
        out.push('\n');
    }
    for s in &audit.skipped {
        let _ = writeln!(
            out,
            "{} {}: {}",
            paint(colour, "33", "skipped (does not parse)"),
            s.file,
            s.error
        );
    }
    let verdict = if audit.findings.is_empty() {
        paint(colour, "1;32", "no findings")
    } else {
        paint(colour, "1", &format!("{} findings", audit.findings.len()))
    };
    let _ = writeln!(
        out,
        "leakproof audit: {verdict} ({} high, {} medium), {} reviewed, {} files, {} lines{}",
        count(&audit.findings, Severity::High),
        count(&audit.findings, Severity::Medium),
        audit.reviewed.len(),
        audit.files,
        audit.lines,
        if audit.skipped.is_empty() {
            String::new()
        } else {
            format!(", {} skipped", audit.skipped.len())
        }
    );
    out
}

fn markdown(audit: &Audit) -> String {
    let mut out = String::from("# Memory-leak audit\n\n");
    let _ = writeln!(
        out,
        "{} files ({} lines) read; {} findings ({} high, {} medium); {} reviewed.\n",
        audit.files,
        audit.lines,
        audit.findings.len(),
        count(&audit.findings, Severity::High),
        count(&audit.findings, Severity::Medium),
        audit.reviewed.len()
    );
    out.push_str(
        "## Summary\n\n| # | Severity | Rule | Location | Item |\n|---|---|---|---|---|\n",
    );
    for (i, f) in audit.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | `{}:{}` | `{}` |",
            i + 1,
            f.severity.name(),
            f.rule.id(),
            f.file,
            f.line,
            f.item
        );
    }
    for severity in [Severity::High, Severity::Medium] {
        let mut numbered =
            audit.findings.iter().enumerate().filter(|(_, f)| f.severity == severity).peekable();
        if numbered.peek().is_none() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n## {} severity\n",
            if severity == Severity::High { "High" } else { "Medium" }
        );
        for (i, f) in numbered {
            let _ = writeln!(out, "### {}. `{}` ({})\n", i + 1, f.item, f.rule.id());
            let _ = writeln!(out, "- **Location:** `{}:{}`", f.file, f.line);
            let _ = writeln!(out, "- **Issue:** {}", f.message);
            let _ = writeln!(out, "- **Impact:** {}", f.rule.impact());
            let _ = writeln!(out, "- **Recommendation:** {}\n", f.fix);
        }
    }
    if !audit.reviewed.is_empty() {
        out.push_str("\n## Reviewed\n\n| Location | Item | Rule | Reason |\n|---|---|---|---|\n");
        for f in &audit.reviewed {
            let reason = f.reason.as_deref().unwrap_or_default().replace('|', "\\|");
            let _ = writeln!(
                out,
                "| `{}:{}` | `{}` | `{}` | {} |",
                f.file,
                f.line,
                f.item,
                f.rule.id(),
                reason
            );
        }
    }
    if !audit.skipped.is_empty() {
        out.push_str("\n## Not audited (does not parse)\n\n");
        for s in &audit.skipped {
            let _ = writeln!(out, "- `{}`: {}", s.file, s.error);
        }
    }
    out
}

fn sarif(audit: &Audit) -> serde_json::Value {
    let rules: Vec<_> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "shortDescription": { "text": r.summary() },
                "fullDescription": { "text": r.impact() },
                "defaultConfiguration": { "level": level(r.severity()) },
            })
        })
        .collect();
    let result = |f: &Finding, suppressed: bool| {
        let mut r = json!({
            "ruleId": f.rule.id(),
            "ruleIndex": Rule::ALL.iter().position(|r| *r == f.rule),
            "level": level(f.severity),
            "message": { "text": format!("{} ({}). Fix: {}", f.message, f.item, f.fix) },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": f.file },
                    "region": { "startLine": f.line.max(1) },
                },
                "logicalLocations": [{ "fullyQualifiedName": f.item }],
            }],
        });
        if suppressed {
            r["suppressions"] = json!([{
                "kind": "external",
                "justification": f.reason.clone().unwrap_or_default(),
            }]);
        }
        r
    };
    let mut results: Vec<_> = audit.findings.iter().map(|f| result(f, false)).collect();
    results.extend(audit.reviewed.iter().filter(|f| !f.fix.is_empty()).map(|f| result(f, true)));
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cargo-leakproof",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/leakproof-rs/leakproof",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
    }
}
