//! `GrowthWatch` on synthetic series, deterministic: what it must flag (a
//! steady climber under constant load) and what it must not (a flat field,
//! a bounded cache's sawtooth, a field that grows with the load).

use leakproof::{GrowthWatch, Metric, Report};

/// A report with one field per (name, len) pair.
fn report(fields: &[(&str, usize)]) -> Report {
    Report::structure::<()>(
        "Service",
        fields
            .iter()
            .map(|&(name, len)| Report::leaf::<Vec<u64>>(len * 8).with_len(len).named(name))
            .collect(),
    )
}

fn run(
    window: usize,
    ticks: usize,
    load: impl Fn(usize) -> Option<f64>,
    at: impl Fn(usize) -> Vec<(&'static str, usize)>,
) -> Vec<String> {
    let mut watch = GrowthWatch::new(window);
    for t in 0..ticks {
        let r = report(&at(t));
        match load(t) {
            Some(load) => watch.observe_with_load(&r, load),
            None => watch.observe(&r),
        }
    }
    watch.verdict().into_iter().map(|g| g.field).collect()
}

#[test]
fn flags_a_steady_climber_and_nothing_else() {
    let flagged = run(
        10,
        30,
        |_| Some(100.0),
        |t| {
            vec![
                ("flat", 500),
                ("sawtooth", 100 + (t % 5) * 200), // a churning cache: fills, evicts, refills
                ("climber", 1_000 + t * 37),
                ("noisy_flat", 1_000 + (t * 7919) % 13),
            ]
        },
    );
    assert_eq!(flagged, ["climber"]);
}

#[test]
fn a_field_that_tracks_the_load_is_not_a_leak() {
    // Live connections double over the window, and so do the sockets.
    let flagged =
        run(10, 10, |t| Some(100.0 + 10.0 * t as f64), |t| vec![("active_sockets", 100 + 10 * t)]);
    assert!(flagged.is_empty(), "{flagged:?}");
    // The same growth under flat load is the leak signature.
    let flagged = run(10, 10, |_| Some(100.0), |t| vec![("active_sockets", 100 + 10 * t)]);
    assert_eq!(flagged, ["active_sockets"]);
}

#[test]
fn needs_a_full_window_and_reports_the_rate() {
    let mut watch = GrowthWatch::new(5);
    for t in 0..4 {
        watch.observe(&report(&[("climber", 10 * t)]));
    }
    assert!(watch.verdict().is_empty(), "four samples of a five-sample window say nothing yet");
    watch.observe(&report(&[("climber", 40)]));
    let verdict = watch.verdict();
    assert_eq!(verdict.len(), 1);
    assert_eq!(verdict[0].metric, Metric::Len);
    assert_eq!((verdict[0].from, verdict[0].to, verdict[0].per_sample), (0.0, 40.0, 10.0));
}

#[test]
fn a_climber_that_stops_is_cleared_once_the_window_moves_on() {
    let series = |t: usize| vec![("grew_then_stopped", if t < 10 { t * 100 } else { 1_000 })];
    assert_eq!(run(8, 10, |_| None, series), ["grew_then_stopped"]);
    assert!(run(8, 20, |_| None, series).is_empty());
}

#[test]
fn a_count_that_steps_up_and_never_comes_down_is_flagged() {
    // One handler left behind at every third tick (a forgotten unsubscribe
    // at each reload): flat most of the time, never down.
    let flagged = run(
        12,
        12,
        |_| Some(100.0),
        |t| vec![("bus", 9 + t / 3), ("stepped_once", if t < 6 { 5 } else { 6 })],
    );
    assert_eq!(flagged, ["bus"], "three steps up and none down is the signature; one step is not");
    // The same steps with one drop back down are churn, not a leak.
    let flagged =
        run(12, 12, |_| Some(100.0), |t| vec![("bus", if t == 7 { 9 } else { 9 + t / 3 })]);
    assert!(flagged.is_empty(), "{flagged:?}");
}

#[test]
fn a_bounded_field_filling_up_to_its_cap_is_never_named() {
    let mut watch = GrowthWatch::new(6);
    for t in 0..6usize {
        let cache =
            Report::leaf::<Vec<u64>>(t * 800).with_len(t * 100).with_cap(1_000).named("cache");
        let plain = Report::leaf::<Vec<u64>>(t * 800).with_len(t * 100).named("plain");
        watch.observe(&Report::structure::<()>("Service", vec![cache, plain]));
    }
    let flagged: Vec<String> = watch.verdict().into_iter().map(|g| g.field).collect();
    assert_eq!(flagged, ["plain"], "the same climb, but the capped field cannot pass its cap");
}
