//! [`GrowthWatch`]: the "grows under constant load" leak signature.
//!
//! Fed a report on a schedule, it keeps the last `window` samples of every
//! field's `len` and heap bytes (and, optionally, a load figure such as live
//! connections), and names the fields that keep rising while the load does
//! not, steadily or in steps that never come back down. A bounded cache
//! that churns (a sawtooth, or flat at its cap) is not growth; neither is a
//! field that rises with the load.

use std::collections::{HashMap, VecDeque};

use super::Report;

/// Which figure of a field grew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Entries held.
    Len,
    /// Heap bytes.
    Bytes,
}

/// A field that keeps growing: the leak signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    /// Dotted path of the field.
    pub field: String,
    /// Which figure grew.
    pub metric: Metric,
    /// The figure at the start and the end of the window.
    pub from: f64,
    /// See `from`.
    pub to: f64,
    /// Average growth per sample over the window.
    pub per_sample: f64,
}

#[derive(Debug, Default, Clone)]
struct Series {
    len: VecDeque<f64>,
    bytes: VecDeque<f64>,
    /// The field has a cap (a bounded collection): it cannot leak.
    capped: bool,
}

/// Watches reports over time for fields that grow while the load does not.
///
/// ```
/// use leakproof_runtime::{BoundedSet, GrowthWatch, MemoryReport, Report};
///
/// let mut watch = GrowthWatch::new(8);
/// let mut leaky: Vec<u64> = Vec::new();
/// let mut capped = BoundedSet::<u64>::with_cap(50);
/// for tick in 0..8u64 {
///     for i in 0..100 {
///         leaky.push(tick * 100 + i);
///         capped.insert(tick * 100 + i);
///     }
///     let report = Report::structure::<()>("Service", vec![
///         leaky.memory_report().named("leaky"),
///         capped.memory_report().named("capped"),
///     ]);
///     watch.observe_with_load(&report, 10.0); // constant load
/// }
/// let growing: Vec<_> = watch.verdict().into_iter().map(|g| g.field).collect();
/// assert!(growing.contains(&"leaky".to_string()));
/// assert!(!growing.contains(&"capped".to_string()));
/// ```
#[derive(Debug, Clone)]
pub struct GrowthWatch {
    window: usize,
    fields: HashMap<String, Series>,
    load: VecDeque<f64>,
}

impl GrowthWatch {
    /// Watches the last `window` samples (at least 4).
    pub fn new(window: usize) -> Self {
        GrowthWatch { window: window.max(4), fields: HashMap::new(), load: VecDeque::new() }
    }

    /// Records one report, with no load figure.
    pub fn observe(&mut self, report: &Report) {
        self.record(report);
    }

    /// Records one report and the load it was taken under (live
    /// connections, requests per second, ...).
    pub fn observe_with_load(&mut self, report: &Report, load: f64) {
        push(&mut self.load, load, self.window);
        self.record(report);
    }

    fn record(&mut self, report: &Report) {
        for (path, node) in report.fields() {
            let series = self.fields.entry(path).or_default();
            series.capped = node.cap().is_some();
            push(&mut series.len, node.len().unwrap_or(0) as f64, self.window);
            push(&mut series.bytes, node.heap_bytes() as f64, self.window);
        }
    }

    /// Samples held (up to the window).
    pub fn samples(&self) -> usize {
        self.fields.values().map(|s| s.len.len()).max().unwrap_or(0)
    }

    /// The fields that grew across the whole window faster than the load
    /// did, in one of two shapes: rising step after step (a set only ever
    /// inserted into), or ratcheting, never down and up at least three
    /// times (a handler left behind at every reload). Fields with a cap are
    /// never named: they cannot grow past it. Empty until the window is
    /// full.
    pub fn verdict(&self) -> Vec<Growth> {
        let load_growth = relative_growth(&self.load);
        let mut out = Vec::new();
        for (field, series) in self.fields.iter().filter(|(_, s)| !s.capped) {
            for (metric, values) in [(Metric::Len, &series.len), (Metric::Bytes, &series.bytes)] {
                // Only entry counts ratchet for a reason: std collections
                // never give capacity back, so their bytes always ratchet.
                if values.len() < self.window
                    || !(keeps_rising(values) || (metric == Metric::Len && ratchets(values)))
                {
                    continue;
                }
                // A field that grows with the load is serving the load.
                if load_growth
                    .is_some_and(|load| relative_growth(values).unwrap_or(0.0) <= 2.0 * load + 0.05)
                {
                    continue;
                }
                let (from, to) = (values[0], values[values.len() - 1]);
                out.push(Growth {
                    field: field.clone(),
                    metric,
                    from,
                    to,
                    per_sample: (to - from) / (values.len() - 1) as f64,
                });
                break; // one verdict per field
            }
        }
        out.sort_by(|a, b| a.field.cmp(&b.field));
        out
    }
}

fn push(series: &mut VecDeque<f64>, value: f64, window: usize) {
    if series.len() == window {
        series.pop_front();
    }
    series.push_back(value);
}

/// Rising across the window: it ends above where it started, at least 3/4
/// of the steps go up, and no step goes down by more than a tenth of the
/// total rise (a churning cache's sawtooth drops by much more).
fn keeps_rising(values: &VecDeque<f64>) -> bool {
    let (first, last) = (values[0], values[values.len() - 1]);
    let rise = last - first;
    if rise <= 0.0 {
        return false;
    }
    let steps: Vec<f64> = values.iter().zip(values.iter().skip(1)).map(|(a, b)| b - a).collect();
    let ups = steps.iter().filter(|&&d| d > 0.0).count();
    let worst_drop = steps.iter().copied().fold(0.0f64, f64::min);
    ups * 4 >= steps.len() * 3 && -worst_drop <= rise / 10.0
}

/// Ratcheting across the window: no step goes down and at least three go
/// up.
fn ratchets(values: &VecDeque<f64>) -> bool {
    let steps = || values.iter().zip(values.iter().skip(1)).map(|(a, b)| b - a);
    steps().all(|d| d >= 0.0) && steps().filter(|&d| d > 0.0).count() >= 3
}

/// (last - first) / first, or `None` for fewer than two samples or a zero
/// start (growth from nothing is measured against 1).
fn relative_growth(values: &VecDeque<f64>) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let (first, last) = (values[0], values[values.len() - 1]);
    Some((last - first) / first.abs().max(1.0))
}
