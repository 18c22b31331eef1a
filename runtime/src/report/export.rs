//! Where operators look: a table for logs and terminals, Prometheus text
//! exposition for scrapers, and (feature `metrics`) the `metrics` facade.

use std::fmt::{self, Write as _};

use super::Report;

/// `1234567` as `1.2 MB`, for the table.
fn bytes(n: usize) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

pub(super) fn table(report: &Report, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let rows: Vec<[String; 8]> = report
        .iter()
        .map(|(path, node)| {
            let depth = path.matches('.').count() + usize::from(!path.is_empty());
            let name = node.name.clone();
            let len = match (node.len, node.cap) {
                (Some(len), Some(cap)) => format!("{len}/{cap}"),
                (Some(len), None) => len.to_string(),
                _ => String::new(),
            };
            let heap = match (node.measured, node.lower_bound) {
                (false, _) => "?".to_string(),
                (true, false) => bytes(node.heap_bytes),
                (true, true) => format!(">= {}", bytes(node.heap_bytes)),
            };
            let [evicted, expired, rejected] = node.stats.map_or(Default::default(), |s| {
                [s.evictions, s.expirations, s.rejections].map(|n| n.to_string())
            });
            let mut note = node.reason().map(|r| format!("reason: {r}")).unwrap_or_default();
            if let super::Kind::Shared { owner } = &node.kind {
                note = match owner {
                    Some(owner) => format!("shared: counted at {owner}"),
                    None => "shared: counted where it is owned".to_string(),
                };
            }
            if node.stale {
                note = if note.is_empty() { "stale".to_string() } else { format!("stale, {note}") };
            }
            for (name, count) in &node.counts {
                let _ = write!(note, "{}{name}: {count}", if note.is_empty() { "" } else { ", " });
            }
            [
                format!("{}{name}", "  ".repeat(depth)),
                node.kind.label().to_string(),
                len,
                heap,
                evicted,
                expired,
                rejected,
                note,
            ]
        })
        .collect();
    let header = ["field", "kind", "len/cap", "heap", "evicted", "expired", "rejected", ""];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 8]| {
        let mut text = String::new();
        for (n, (cell, width)) in cells.iter().zip(widths).enumerate() {
            let _ = match n {
                0 | 1 => write!(text, "{cell:<width$}  "),
                7 => write!(text, "{cell}"),
                _ => write!(text, "{cell:>width$}  "),
            };
        }
        writeln!(f, "{}", text.trim_end())
    };
    line(f, header)?;
    for row in &rows {
        line(f, row.each_ref().map(String::as_str))?;
    }
    Ok(())
}

/// Escapes a label value per the exposition format.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// One metric family: name, help, type, and how to read it off a node.
struct Family {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    read: fn(&Report) -> Option<u64>,
}

const FAMILIES: &[Family] = &[
    Family {
        name: "leakproof_field_len",
        help: "Entries held by a field (active handlers, running tasks for teardown fields).",
        kind: "gauge",
        read: |r| r.len.map(|n| n as u64),
    },
    Family {
        name: "leakproof_field_cap",
        help: "The bound of a bounded field.",
        kind: "gauge",
        read: |r| r.cap.map(|n| n as u64),
    },
    Family {
        name: "leakproof_field_heap_bytes",
        help: "Heap bytes a field holds, from capacities (elements' own heap not included).",
        kind: "gauge",
        read: |r| r.measured.then_some(r.heap_bytes as u64),
    },
    Family {
        name: "leakproof_field_heap_lower_bound",
        help: "1 when a field's heap figure is a lower bound: its elements may own heap memory no report measured.",
        kind: "gauge",
        read: |r| r.measured.then_some(u64::from(r.lower_bound)),
    },
    Family {
        name: "leakproof_field_stale",
        help: "1 when a field could not be read at this scrape (a lock held elsewhere) and its figures are the last ones read.",
        kind: "gauge",
        read: |r| Some(u64::from(r.stale)),
    },
    Family {
        name: "leakproof_field_evictions_total",
        help: "Entries evicted because a bounded field was full.",
        kind: "counter",
        read: |r| r.stats.map(|s| s.evictions),
    },
    Family {
        name: "leakproof_field_expirations_total",
        help: "Entries expired by a bounded field's TTL.",
        kind: "counter",
        read: |r| r.stats.map(|s| s.expirations),
    },
    Family {
        name: "leakproof_field_rejections_total",
        help: "Inserts refused by a full bounded field with evict = reject.",
        kind: "counter",
        read: |r| r.stats.map(|s| s.rejections),
    },
    Family {
        name: "leakproof_field_hits_total",
        help: "Lookups in a bounded field that found a live entry.",
        kind: "counter",
        read: |r| r.stats.map(|s| s.hits),
    },
    Family {
        name: "leakproof_field_misses_total",
        help: "Lookups in a bounded field that found nothing.",
        kind: "counter",
        read: |r| r.stats.map(|s| s.misses),
    },
];

impl Report {
    /// The report in the Prometheus text exposition format: one family per
    /// figure, one sample per field, labelled with the root struct and the
    /// field's dotted path, e.g.
    /// `leakproof_field_len{struct="ConnectionManager",field="closed_websockets"} 9876`.
    pub fn to_prometheus(&self) -> String {
        let root = label(&self.name);
        let fields: Vec<(String, &Report)> =
            self.fields().map(|(path, node)| (label(&path), node)).collect();
        let mut out = String::new();
        for family in FAMILIES {
            let samples: Vec<_> = fields
                .iter()
                .filter_map(|(path, node)| Some((path, (family.read)(node)?)))
                .collect();
            if samples.is_empty() {
                continue;
            }
            let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
            let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind);
            for (path, value) in samples {
                let _ =
                    writeln!(out, "{}{{struct=\"{root}\",field=\"{path}\"}} {value}", family.name);
            }
        }
        let counts: Vec<_> = fields
            .iter()
            .flat_map(|(path, node)| {
                node.counts.iter().map(move |(name, n)| (path, label(name), n))
            })
            .collect();
        if !counts.is_empty() {
            let name = "leakproof_field_subscribers";
            let _ = writeln!(
                out,
                "# HELP {name} Live subscribers per event type, for event-bus fields."
            );
            let _ = writeln!(out, "# TYPE {name} gauge");
            for (path, event, n) in counts {
                let _ = writeln!(
                    out,
                    "{name}{{struct=\"{root}\",field=\"{path}\",event=\"{event}\"}} {n}"
                );
            }
        }
        out
    }

    /// The `leakproof_build_info` family: one sample, always 1, labelled
    /// with the version of leakproof exporting the series, so a fleet
    /// dashboard or alert can tell versions apart. Append it once per
    /// scrape, after the reports:
    ///
    /// ```
    /// use leakproof_runtime::{BoundedSet, MemoryReport, Report};
    ///
    /// let closed: BoundedSet<u64> = BoundedSet::with_cap(16);
    /// let body = closed.memory_report().named("closed").to_prometheus()
    ///     + &Report::prometheus_build_info();
    /// assert!(body.contains("leakproof_build_info{version=\""));
    /// ```
    pub fn prometheus_build_info() -> String {
        let name = "leakproof_build_info";
        format!(
            "# HELP {name} The version of leakproof exporting these series; always 1.\n# TYPE {name} gauge\n{name}{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        )
    }

    /// Sets one `metrics` gauge per figure and field (the same names and
    /// labels as [`to_prometheus`](Self::to_prometheus)); counters are
    /// published as gauges holding the running total.
    #[cfg(feature = "metrics")]
    pub fn publish_metrics(&self) {
        let root = self.name.clone();
        for (path, node) in self.fields() {
            for family in FAMILIES {
                if let Some(value) = (family.read)(node) {
                    metrics::gauge!(family.name, "struct" => root.clone(), "field" => path.clone())
                        .set(value as f64);
                }
            }
        }
    }
}
