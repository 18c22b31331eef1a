//! The optional exporters, each observed where it lands: serde JSON, the
//! `metrics` facade (through a recorder written for the test), and the
//! `tracing` warning of `drop = "warn"` (through a subscriber written for the
//! test).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use leakproof::prelude::*;

#[lifecycle]
#[cfg_attr(not(any(feature = "serde", feature = "metrics")), allow(dead_code))]
struct Tracker {
    #[bounded(cap = 10)]
    closed: HashSet<u64>,
}

#[cfg_attr(not(any(feature = "serde", feature = "metrics")), allow(dead_code))]
fn tracker() -> Tracker {
    let mut t = Tracker { closed: Default::default() };
    for id in 0..15 {
        t.closed.insert(id);
    }
    t
}

#[cfg(feature = "serde")]
#[test]
fn reports_serialize() {
    let json = serde_json::to_value(tracker().memory_report()).unwrap();
    assert_eq!(json["name"], "Tracker");
    assert_eq!(json["kind"], "struct");
    let closed = &json["children"][0];
    assert_eq!(closed["name"], "closed");
    assert_eq!(closed["kind"], "bounded");
    assert_eq!(closed["evict"], "sieve");
    assert_eq!((closed["len"].as_u64(), closed["cap"].as_u64()), (Some(10), Some(10)));
    assert_eq!(closed["stats"]["evictions"], 5);
    assert_eq!(closed["heap_is_lower_bound"], false, "u64 entries own no heap");
}

#[cfg(feature = "metrics")]
#[test]
fn reports_publish_gauges() {
    use metrics::{
        Counter, Gauge, GaugeFn, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };

    /// Records every gauge set, by key.
    #[derive(Default)]
    struct Gauges(Arc<Mutex<Vec<(String, f64)>>>);

    struct One(String, Arc<Mutex<Vec<(String, f64)>>>);

    impl GaugeFn for One {
        fn increment(&self, _: f64) {}
        fn decrement(&self, _: f64) {}
        fn set(&self, value: f64) {
            self.1.lock().unwrap().push((self.0.clone(), value));
        }
    }

    impl Recorder for Gauges {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
            Counter::noop()
        }
        fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
            let labels: Vec<String> =
                key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
            Gauge::from_arc(Arc::new(One(
                format!("{}{{{}}}", key.name(), labels.join(",")),
                Arc::clone(&self.0),
            )))
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    let recorder = Gauges::default();
    let seen = Arc::clone(&recorder.0);
    metrics::with_local_recorder(&recorder, || tracker().memory_report().publish_metrics());
    let seen = seen.lock().unwrap();
    assert!(
        seen.contains(&("leakproof_field_len{struct=Tracker,field=closed}".to_string(), 10.0)),
        "{seen:?}"
    );
    assert!(seen.contains(&(
        "leakproof_field_evictions_total{struct=Tracker,field=closed}".to_string(),
        5.0
    )));
}

#[lifecycle(drop = "warn")]
struct Forgetful {
    #[subscription]
    on_tick: Subscription,
}

/// The messages of every `tracing` event `f` emits, as "LEVEL message".
fn events_of(f: impl FnOnce()) -> Vec<String> {
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Collects the message of every event.
    struct Messages(Arc<Mutex<Vec<String>>>);

    struct Message<'a>(&'a mut String);

    impl Visit for Message<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                *self.0 = format!("{value:?}");
            }
        }
    }

    impl Subscriber for Messages {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut message = String::new();
            event.record(&mut Message(&mut message));
            self.0.lock().unwrap().push(format!("{} {message}", event.metadata().level()));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    let messages = Arc::new(Mutex::new(Vec::new()));
    tracing::subscriber::with_default(Messages(Arc::clone(&messages)), f);
    messages.lock().unwrap().clone()
}

#[test]
fn drop_warn_logs_one_warning_naming_what_was_live() {
    let bus = EventBus::new();
    let messages = events_of(|| {
        drop(Forgetful { on_tick: bus.subscribe(|_: &u8| {}) });
        let clean = Forgetful { on_tick: bus.subscribe(|_: &u8| {}) };
        clean.shutdown();
        drop(clean);
    });
    assert_eq!(
        messages.len(),
        1,
        "one warning, and none for the struct that was shut down: {messages:?}"
    );
    assert_eq!(messages[0], "WARN Forgetful dropped without shutdown() while on_tick still live");
    assert_eq!(bus.subscriber_count::<u8>(), 0, "RAII still released the handler");
}

#[lifecycle(drop = "warn")]
struct Outer {
    #[shutdown]
    inner: Forgetful,
    #[subscription]
    on_tock: Subscription,
}

/// A live component inside a live component, both `drop = "warn"`: one drop
/// gives one warning each, and the outer one does not name the inner one
/// (which speaks for itself right after).
#[test]
fn nested_drop_warnings_are_not_repeated() {
    let bus = EventBus::new();
    let messages = events_of(|| {
        drop(Outer {
            inner: Forgetful { on_tick: bus.subscribe(|_: &u8| {}) },
            on_tock: bus.subscribe(|_: &u8| {}),
        });
    });
    assert_eq!(
        messages,
        [
            "WARN Outer dropped without shutdown() while on_tock still live",
            "WARN Forgetful dropped without shutdown() while on_tick still live",
        ]
    );
}

#[lifecycle(drop = "warn")]
struct Holder {
    #[shutdown]
    shared: Arc<Forgetful>,
    #[shutdown]
    maybe: Option<Forgetful>,
}

/// Through `Arc` and `Option`: a component that will be dropped with its
/// holder warns for itself; one that another `Arc` keeps alive will not be
/// dropped, so its holder names it.
#[test]
fn nested_drop_warnings_through_arc_and_option() {
    let bus = EventBus::new();
    let forgetful = || Forgetful { on_tick: bus.subscribe(|_: &u8| {}) };
    let alone =
        events_of(|| drop(Holder { shared: Arc::new(forgetful()), maybe: Some(forgetful()) }));
    assert_eq!(
        alone,
        [
            "WARN Forgetful dropped without shutdown() while on_tick still live",
            "WARN Forgetful dropped without shutdown() while on_tick still live",
        ],
        "the holder has nothing live of its own to name"
    );
    let kept = Arc::new(forgetful());
    let shared = events_of(|| drop(Holder { shared: Arc::clone(&kept), maybe: None }));
    assert_eq!(shared, ["WARN Holder dropped without shutdown() while shared still live"]);
}
