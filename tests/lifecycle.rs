//! What `#[lifecycle]`'s generated `shutdown()` does, observed from outside:
//! handlers gone from the bus, order, isolation of failures, idempotence.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use leakproof::prelude::*;
use leakproof::{Outcome, StepKind};

struct PlayerJoined;
struct PlayerLeft;

/// The order hooks and steps ran in, as the services saw it.
type Journal = Arc<Mutex<Vec<String>>>;

#[lifecycle(on_shutdown = Self::flush)]
struct ChatLogger {
    #[subscription]
    on_join: Subscription,
    #[unbounded(reason = "a test journal, a few lines per test")]
    journal: Journal,
}

impl ChatLogger {
    fn flush(&self) {
        self.journal.lock().unwrap().push("logger.flush".into());
    }
}

#[lifecycle(on_shutdown = Self::announce)]
struct ChatService {
    #[subscription]
    on_join: Subscription,
    #[subscription]
    on_leave: Subscriptions,
    #[shutdown]
    logger: ChatLogger,
    #[subscription]
    presence: Subscription,
    #[unbounded(reason = "a test journal, a few lines per test")]
    journal: Journal,
}

impl ChatService {
    fn announce(&self) {
        self.journal.lock().unwrap().push("service.announce".into());
    }
}

struct Presence {
    seen: AtomicUsize,
}

fn start(
    bus: &EventBus,
    journal: &Journal,
    presence: &Arc<Presence>,
    hits: &Arc<AtomicUsize>,
) -> ChatService {
    let h = Arc::clone(hits);
    let on_join = bus.subscribe(move |_: &PlayerJoined| {
        h.fetch_add(1, Ordering::SeqCst);
    });
    let h = Arc::clone(hits);
    let on_leave: Subscriptions = (0..2)
        .map(|_| {
            let h = Arc::clone(&h);
            bus.subscribe(move |_: &PlayerLeft| {
                h.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    let h = Arc::clone(hits);
    let logger = ChatLogger {
        on_join: bus.subscribe(move |_: &PlayerJoined| {
            h.fetch_add(1, Ordering::SeqCst);
        }),
        journal: Arc::clone(journal),
    };
    let presence = bus.subscribe_weak(presence, |p: &Presence, _: &PlayerJoined| {
        p.seen.fetch_add(1, Ordering::SeqCst);
    });
    ChatService { on_join, on_leave, logger, presence, journal: Arc::clone(journal) }
}

#[test]
fn shutdown_unsubscribes_everything_in_reverse_order_once() {
    let bus = EventBus::new();
    let journal = Journal::default();
    let presence = Arc::new(Presence { seen: AtomicUsize::new(0) });
    let hits = Arc::new(AtomicUsize::new(0));
    let service = Arc::new(start(&bus, &journal, &presence, &hits));

    bus.publish(&PlayerJoined);
    bus.publish(&PlayerLeft);
    assert_eq!(hits.load(Ordering::SeqCst), 4, "2 join handlers + 2 leave handlers");
    assert_eq!(presence.seen.load(Ordering::SeqCst), 1);
    assert_eq!(bus.subscriber_count::<PlayerJoined>(), 3);
    assert_eq!(bus.subscriber_count::<PlayerLeft>(), 2);
    assert!(!service.is_shut_down());

    let report = service.shutdown(); // through the Arc
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.component(), "ChatService");
    let order: Vec<(&str, StepKind)> =
        report.steps().iter().map(|s| (s.path.as_str(), s.kind)).collect();
    assert_eq!(
        order,
        [
            ("presence", StepKind::Subscription),
            ("logger", StepKind::Nested),
            ("logger.on_join", StepKind::Subscription),
            ("logger.on_shutdown", StepKind::Hook),
            ("on_leave", StepKind::Subscription),
            ("on_join", StepKind::Subscription),
            ("on_shutdown", StepKind::Hook),
        ],
        "teardown fields in reverse declaration order, nested recursively, each hook after its own fields"
    );
    assert_eq!(*journal.lock().unwrap(), ["logger.flush", "service.announce"]);
    assert_eq!(report.unsubscribed(), 5);
    assert_eq!(
        report.step("on_leave").unwrap().outcome,
        Outcome::Done("2 handlers unsubscribed".into())
    );

    assert_eq!(bus.subscriber_count::<PlayerJoined>(), 0);
    assert_eq!(bus.subscriber_count::<PlayerLeft>(), 0);
    bus.publish(&PlayerJoined);
    bus.publish(&PlayerLeft);
    assert_eq!(hits.load(Ordering::SeqCst), 4, "no handler runs after shutdown");
    assert_eq!(presence.seen.load(Ordering::SeqCst), 1);
    assert!(service.is_shut_down());

    // A second call does nothing: every step already done, hooks not rerun.
    let again = service.shutdown();
    assert!(again.was_already_done(), "{again}");
    assert_eq!(again.steps().len(), report.steps().len());
    assert_eq!(again.unsubscribed(), 0);
    assert_eq!(journal.lock().unwrap().len(), 2);
    println!("{report}");
}

#[lifecycle]
struct Fragile {
    #[subscription]
    first: Subscription,
    #[subscription]
    exploding: Subscription,
    #[subscription]
    last: Subscription,
}

#[test]
fn a_panicking_step_is_recorded_and_the_rest_still_run() {
    let bus = EventBus::new();
    let service = Fragile {
        first: bus.subscribe(|_: &u8| {}),
        exploding: Subscription::from_fn(|| panic!("broker connection lost")),
        last: bus.subscribe(|_: &u16| {}),
    };
    let report = service.shutdown();
    assert!(!report.is_clean());
    assert_eq!(
        report.step("exploding").unwrap().outcome,
        Outcome::Failed("broker connection lost".into())
    );
    assert_eq!(
        report.step("first").unwrap().outcome,
        Outcome::Done("1 handler unsubscribed".into())
    );
    assert_eq!(
        report.step("last").unwrap().outcome,
        Outcome::Done("1 handler unsubscribed".into())
    );
    assert_eq!(bus.total_subscribers(), 0);
    assert!(report.to_string().contains("FAILED: broker connection lost"));
    // The failed action was taken out before it ran: the field is inactive now.
    assert!(service.is_shut_down());
}

#[lifecycle(drop = "shutdown")]
struct DropsClean {
    #[subscription]
    on_tick: Subscription,
    #[lifecycle(skip)]
    kept: Subscriptions,
}

#[test]
fn drop_shutdown_runs_the_synchronous_shutdown() {
    let bus = EventBus::new();
    let kept = Subscriptions::new();
    let service = DropsClean { on_tick: bus.subscribe(|_: &u32| {}), kept };
    service.kept.push(bus.subscribe(|_: &u64| {}));
    assert_eq!(bus.total_subscribers(), 2);
    drop(service);
    assert_eq!(bus.total_subscribers(), 0);
}

#[test]
fn a_struct_with_only_a_hook_runs_it_every_time() {
    #[lifecycle(on_shutdown = Self::flush)]
    struct Flusher {
        flushed: AtomicUsize,
    }
    impl Flusher {
        fn flush(&self) {
            self.flushed.fetch_add(1, Ordering::SeqCst);
        }
    }
    let flusher = Flusher { flushed: AtomicUsize::new(0) };
    assert!(flusher.shutdown().is_clean());
    assert!(flusher.shutdown().is_clean());
    assert_eq!(flusher.flushed.load(Ordering::SeqCst), 2, "no state says it was done, so it runs");
}

/// A handle to a component owned elsewhere: one owner shuts it down and
/// counts its memory; the holders mark it `#[shared]` and need no `skip`.
mod shared_handles {
    use std::collections::HashMap;
    use std::sync::Arc;

    use leakproof::prelude::*;
    use leakproof::{Kind, Report};

    struct Changed;

    #[lifecycle]
    struct Db {
        #[bounded(cap = 100)]
        rows: HashMap<u64, String>,
        #[subscription]
        on_change: Subscription,
    }

    #[lifecycle]
    struct Api {
        #[shared]
        db: Arc<Db>,
        name: String,
    }

    #[lifecycle]
    struct App {
        #[shutdown]
        db: Arc<Db>,
        #[shutdown]
        api: Api,
        #[shutdown]
        admin: Api,
    }

    fn app(bus: &EventBus) -> App {
        let mut rows = leakproof::BoundedMap::with_cap(100);
        for id in 0..50 {
            rows.insert(id, format!("row {id}"));
        }
        let db = Arc::new(Db { rows, on_change: bus.subscribe(|_: &Changed| {}) });
        let api = |name: &str| Api { db: Arc::clone(&db), name: name.to_string() };
        App { api: api("api"), admin: api("admin"), db }
    }

    #[test]
    fn a_holder_does_not_shut_down_what_it_shares() {
        let bus = EventBus::new();
        let app = app(&bus);
        let report = app.api.shutdown();
        assert!(report.steps().is_empty(), "nothing of the api's own to tear down: {report}");
        assert_eq!(bus.subscriber_count::<Changed>(), 1, "the db is still subscribed");
        app.shutdown();
        assert_eq!(bus.subscriber_count::<Changed>(), 0, "its owner shut it down");
    }

    #[test]
    fn a_shared_handle_is_counted_once_at_its_owner() {
        let bus = EventBus::new();
        let app = app(&bus);
        let report = app.memory_report();
        let db = report.find("db").unwrap();
        for holder in ["api.db", "admin.db"] {
            let node = report.find(holder).unwrap();
            assert_eq!(node.kind(), &Kind::Shared { owner: Some("db".into()) }, "{holder}");
            assert_eq!(node.heap_bytes(), db.heap_bytes(), "shown with its figures");
        }
        let names = report.find("api.name").unwrap().heap_bytes()
            + report.find("admin.name").unwrap().heap_bytes();
        assert_eq!(report.heap_bytes(), db.heap_bytes() + names, "the db counted once");
        assert!(app.memory_report().to_string().contains("shared: counted at db"));

        // Reported on its own, a holder names no owner and counts only its own.
        let api = app.api.memory_report();
        assert_eq!(api.find("db").unwrap().kind(), &Kind::Shared { owner: None });
        assert_eq!(api.heap_bytes(), app.api.name.capacity());
        let _: &Report = &api;
    }
}
