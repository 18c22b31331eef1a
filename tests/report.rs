//! Memory reports as a user reads them: the tree, the table, Prometheus
//! text, and the derive for plain data types.

use std::collections::{HashMap, HashSet, VecDeque};

use leakproof::prelude::*;
use leakproof::{Kind, Report};

#[path = "support/prometheus.rs"]
mod prometheus;
use prometheus::assert_valid_exposition;

#[derive(MemoryReport)]
struct Player {
    name: String,
    inventory: Vec<u32>,
    #[report(skip)]
    secret: [u8; 32],
    #[report(with = report_score)]
    score: u64,
}

fn report_score(score: &u64) -> Report {
    Report::leaf::<u64>(0).with_len(usize::try_from(*score).unwrap_or(usize::MAX))
}

#[derive(MemoryReport)]
enum Slot<T> {
    Empty,
    Taken(T, String),
    Reserved { by: u64 },
}

#[derive(MemoryReport)]
struct Pair<T>(T, Vec<T>);

#[lifecycle]
struct ChatLogger {
    #[bounded(cap = 100, evict = "fifo")]
    queue: VecDeque<String>,
}

#[lifecycle]
struct ConnectionManager {
    #[bounded(cap = 1_000)]
    closed_websockets: HashSet<u64>,
    #[bounded(cap = 10, evict = "reject")]
    pending: HashMap<u64, u64>,
    #[unbounded(reason = "one entry per live socket; removed on disconnect")]
    active_websockets: HashMap<u64, u64>,
    #[subscription]
    on_disconnect: Subscriptions,
    #[shutdown]
    logger: ChatLogger,
    bus: EventBus,
    name: String,
    config: Config,
}

/// A type with no `MemoryReport`: reported by name, unmeasured.
struct Config;

struct Disconnect;

fn manager(bus: &EventBus) -> ConnectionManager {
    let mut m = ConnectionManager {
        closed_websockets: Default::default(),
        pending: Default::default(),
        active_websockets: HashMap::new(),
        on_disconnect: Subscriptions::new(),
        logger: ChatLogger { queue: Default::default() },
        bus: bus.clone(),
        name: "eu-west".to_string(),
        config: Config,
    };
    for id in 0..1_500 {
        m.closed_websockets.insert(id);
    }
    for id in 0..12 {
        let _ = m.pending.insert(id, id);
    }
    m.active_websockets.extend((0..40).map(|id| (id, id)));
    m.on_disconnect.push(bus.subscribe(|_: &Disconnect| {}));
    m.on_disconnect.push(bus.subscribe(|_: &Disconnect| {}));
    for i in 0..150 {
        m.logger.queue.push_back(format!("line {i}"));
    }
    m
}

#[test]
fn a_lifecycle_struct_reports_every_field() {
    let bus = EventBus::new();
    let m = manager(&bus);
    let report = m.memory_report();
    assert_eq!(report.name(), "ConnectionManager");
    assert_eq!(report.children().len(), 8);

    let closed = report.find("closed_websockets").unwrap();
    assert_eq!((closed.len(), closed.cap()), (Some(1_000), Some(1_000)));
    assert_eq!(closed.stats().unwrap().evictions, 500);
    assert_eq!(closed.heap_bytes(), m.closed_websockets.heap_bytes());
    assert!(matches!(closed.kind(), Kind::Bounded { .. }));

    assert_eq!(report.find("pending").unwrap().stats().unwrap().rejections, 2);
    let active = report.find("active_websockets").unwrap();
    assert_eq!(active.reason(), Some("one entry per live socket; removed on disconnect"));
    assert_eq!(active.len(), Some(40));
    assert!(active.heap_bytes() > 40 * 16);

    let subs = report.find("on_disconnect").unwrap();
    assert_eq!((subs.kind(), subs.len()), (&Kind::Subscription, Some(2)));
    let queue = report.find("logger.queue").unwrap();
    assert_eq!((queue.len(), queue.stats().unwrap().evictions), (Some(100), 50));
    assert_eq!(report.find("logger").unwrap().kind(), &Kind::Nested);
    assert_eq!(report.find("bus").unwrap().counts(), &[("report::Disconnect".to_string(), 2)]);
    assert_eq!(report.find("name").unwrap().heap_bytes(), m.name.capacity());
    assert!(!report.find("config").unwrap().is_measured());
    assert!(report.find("nope").is_none());

    let summed: usize = report.children().iter().map(Report::heap_bytes).sum();
    assert_eq!(report.heap_bytes(), summed);
    assert_eq!(report.total_len(), 1_000 + 10 + 40 + 2 + 100 + 2);
}

#[test]
fn the_table_has_a_row_per_node() {
    let bus = EventBus::new();
    let table = manager(&bus).memory_report().to_string();
    println!("{table}");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1 + 1 + 8 + 1, "header, struct, 8 fields, 1 nested field");
    assert!(lines[0].starts_with("field"));
    let closed = lines.iter().find(|l| l.trim_start().starts_with("closed_websockets")).unwrap();
    assert!(closed.contains("1000/1000") && closed.contains("bounded") && closed.contains("500"));
    assert!(table.contains("reason: one entry per live socket"));
    assert!(lines.iter().any(|l| l.starts_with("    queue")), "nested fields are indented");
    // Rejections have a column: `pending` refused 2 of its 12 inserts.
    assert!(lines[0].contains("rejected"));
    let pending = lines.iter().find(|l| l.trim_start().starts_with("pending")).unwrap();
    let cells: Vec<&str> = pending.split_whitespace().collect();
    assert_eq!(cells[cells.len() - 3..], ["0", "0", "2"], "evicted, expired, rejected: {pending}");
    // A queue of `String`s counts the strings' handles, not their text: a
    // lower bound, and the table says so.
    let queue = lines.iter().find(|l| l.trim_start().starts_with("queue")).unwrap();
    assert!(queue.contains(">= "), "{queue}");
    assert!(!closed.contains(">="), "u64 entries own no heap: {closed}");
}

/// A node whose elements may own heap memory that no report measured says
/// its figure is a lower bound, in the tree, the struct above it, and
/// Prometheus; a deep report, which walks the elements, is exact.
#[test]
fn heap_figures_say_when_they_are_a_lower_bound() {
    use leakproof::DeepHeap;
    let bus = EventBus::new();
    let m = manager(&bus);
    let report = m.memory_report();
    assert!(!report.find("closed_websockets").unwrap().heap_is_lower_bound());
    assert!(!report.find("active_websockets").unwrap().heap_is_lower_bound());
    assert!(report.find("logger.queue").unwrap().heap_is_lower_bound());
    assert!(report.find("logger").unwrap().heap_is_lower_bound(), "a struct: any field's");
    assert!(report.heap_is_lower_bound());

    let lines: Vec<String> = (0..3).map(|i| format!("line {i}")).collect();
    assert!(lines.memory_report().heap_is_lower_bound());
    let deep = lines.deep_report();
    assert!(!deep.heap_is_lower_bound(), "the deep walk counts every string");
    let text_bytes: usize = lines.iter().map(String::capacity).sum();
    assert_eq!(deep.heap_bytes(), lines.memory_report().heap_bytes() + text_bytes);

    let text = report.to_prometheus();
    let samples = assert_valid_exposition(&text);
    let get = |field: &str| prometheus::value(&samples, "leakproof_field_heap_lower_bound", field);
    assert_eq!(get("logger.queue"), Some(1.0));
    assert_eq!(get("closed_websockets"), Some(0.0));
    assert_eq!(get("config"), None, "unmeasured: no figure to qualify");
}

#[test]
fn prometheus_text_has_one_family_per_figure() {
    let bus = EventBus::new();
    let text = manager(&bus).memory_report().to_prometheus();
    let samples = assert_valid_exposition(&text);
    let get = |family: &str, field: &str| prometheus::value(&samples, family, field);
    assert_eq!(get("leakproof_field_len", "closed_websockets"), Some(1_000.0));
    assert_eq!(get("leakproof_field_cap", "closed_websockets"), Some(1_000.0));
    assert_eq!(get("leakproof_field_evictions_total", "closed_websockets"), Some(500.0));
    assert_eq!(get("leakproof_field_rejections_total", "pending"), Some(2.0));
    assert_eq!(get("leakproof_field_len", "logger.queue"), Some(100.0));
    assert_eq!(get("leakproof_field_cap", "active_websockets"), None, "unbounded has no cap");
    assert!(text.contains(
        "leakproof_field_len{struct=\"ConnectionManager\",field=\"closed_websockets\"} 1000\n"
    ));
    assert!(text.contains("leakproof_field_subscribers{struct=\"ConnectionManager\",field=\"bus\",event=\"report::Disconnect\"} 2"));
    assert!(
        get("leakproof_field_heap_bytes", "config").is_none(),
        "unmeasured fields are not exported as 0"
    );
}

#[test]
fn derived_reports_cover_structs_enums_and_generics() {
    let player =
        Player { name: "ada".to_string(), inventory: vec![1, 2, 3], secret: [0; 32], score: 42 };
    let report = player.memory_report();
    assert_eq!(report.name(), "Player");
    let names: Vec<&str> = report.children().iter().map(Report::name).collect();
    assert_eq!(names, ["name", "inventory", "score"], "skip leaves `secret` out");
    assert_eq!(report.find("inventory").unwrap().len(), Some(3));
    assert_eq!(report.find("score").unwrap().len(), Some(42), "`with` is used");
    assert_eq!(report.heap_bytes(), player.name.capacity() + player.inventory.capacity() * 4);
    assert_eq!(player.secret.len(), 32);

    let taken: Slot<Vec<u8>> = Slot::Taken(vec![0; 10], String::with_capacity(5));
    let report = taken.memory_report();
    assert_eq!(report.name(), "Slot::Taken");
    assert_eq!(report.find("0").unwrap().len(), Some(10));
    assert_eq!(report.heap_bytes(), 15);
    assert_eq!(Slot::<u8>::Empty.memory_report().children().len(), 0);
    assert_eq!(Slot::<u8>::Reserved { by: 1 }.memory_report().children()[0].name(), "by");

    let pair = Pair(String::with_capacity(3), vec![String::new()]);
    assert_eq!(pair.memory_report().find("1").unwrap().len(), Some(1));
}

fn summarize(sessions: &HashMap<u64, u64>) -> Report {
    Report::leaf::<HashMap<u64, u64>>(0).with_len(sessions.len()).with_count("summarized", 1)
}

/// `#[report(skip)]` and `#[report(with = f)]` on `#[lifecycle]` fields, as
/// on derived ones; the field keeps its kind.
#[lifecycle]
struct Gateway {
    #[unbounded(reason = "one entry per live session")]
    #[report(with = summarize)]
    sessions: HashMap<u64, u64>,
    #[report(skip)]
    secret: String,
    name: String,
}

#[test]
fn lifecycle_fields_take_report_skip_and_with() {
    let gateway = Gateway {
        sessions: (0..5).map(|id| (id, id)).collect(),
        secret: "hunter2".to_string(),
        name: "eu".to_string(),
    };
    let report = gateway.memory_report();
    let names: Vec<&str> = report.children().iter().map(Report::name).collect();
    assert_eq!(names, ["sessions", "name"], "`secret` is skipped");
    assert_eq!(gateway.secret, "hunter2", "the field itself is untouched");
    let sessions = report.find("sessions").unwrap();
    assert_eq!(sessions.counts(), &[("summarized".to_string(), 1)], "reported by `with`");
    assert_eq!(sessions.len(), Some(5));
    assert_eq!(sessions.reason(), Some("one entry per live session"));
    let deep = leakproof::DeepHeap::deep_report(&gateway);
    assert!(deep.find("secret").is_none());
    assert_eq!(deep.find("sessions").unwrap().counts(), sessions.counts());
}

/// Defect (issue 12): a field behind a lock that was held at the instant of
/// a report vanished from it, and with it every Prometheus series below it.
/// Now it carries its last figures, marked stale, the scrape has the same
/// series, and reporting from the thread that holds the lock does not
/// deadlock.
#[test]
fn a_held_lock_reports_its_last_figures_as_stale() {
    #[derive(MemoryReport)]
    struct State {
        names: Vec<String>,
        scores: HashMap<u64, u64>,
    }

    #[lifecycle]
    struct Server {
        #[unbounded(reason = "test state")]
        state: std::sync::Mutex<State>,
        #[unbounded(reason = "test state")]
        index: std::sync::RwLock<Vec<u64>>,
    }

    let server = Server {
        state: std::sync::Mutex::new(State {
            names: vec!["ada".into()],
            scores: (0..10).map(|i| (i, i)).collect(),
        }),
        index: std::sync::RwLock::new(vec![1, 2, 3]),
    };
    let free = server.memory_report();
    assert!(!free.find("state.scores").unwrap().is_stale());
    let series = prometheus::series;

    let guard = server.state.lock().unwrap();
    let write = server.index.write().unwrap();
    let held = server.memory_report(); // on the holding thread: no deadlock
    let scores = held.find("state.scores").expect("the held lock's subtree is still there");
    assert!(scores.is_stale() && held.find("state").unwrap().is_stale());
    assert_eq!(scores.len(), Some(10), "its last figures");
    assert_eq!(held.find("index").unwrap().len(), Some(3));
    assert_eq!(series(&held.to_prometheus()), series(&free.to_prometheus()), "the same series");
    let text = held.to_prometheus();
    assert!(text.contains("leakproof_field_stale{struct=\"Server\",field=\"state.scores\"} 1"));
    assert!(held.to_string().contains("stale"), "the table says so");
    drop((guard, write));

    let again = server.memory_report();
    assert!(!again.find("state.scores").unwrap().is_stale(), "fresh once the lock is free");
    assert!(
        again
            .to_prometheus()
            .contains("leakproof_field_stale{struct=\"Server\",field=\"state.scores\"} 0")
    );
}

/// parking_lot's locks report through, and go stale while held.
#[cfg(feature = "parking_lot")]
#[test]
fn parking_lot_locks_report_and_go_stale() {
    let lock = parking_lot::Mutex::new(vec![1u64, 2, 3]);
    assert_eq!(lock.memory_report().len(), Some(3));
    let guard = lock.lock();
    let held = lock.memory_report();
    assert!(held.is_stale());
    assert_eq!(held.len(), Some(3));
    drop(guard);
    let rw = parking_lot::RwLock::new(vec![0u8; 4]);
    assert_eq!(rw.memory_report().len(), Some(4));
}

/// tokio's channels report what is queued in them; their heap is a lower
/// bound (the queue's blocks are not visible).
#[cfg(feature = "tokio")]
#[test]
fn channels_report_what_is_queued() {
    #[lifecycle]
    struct Fanout {
        #[unbounded(reason = "drained by the writer task")]
        backlog: tokio::sync::mpsc::UnboundedReceiver<String>,
        queue: tokio::sync::mpsc::Receiver<u64>,
        events: tokio::sync::broadcast::Sender<u64>,
    }
    let (tx, backlog) = tokio::sync::mpsc::unbounded_channel();
    let (bounded_tx, queue) = tokio::sync::mpsc::channel(8);
    let (events, _rx) = tokio::sync::broadcast::channel(16);
    for i in 0..3 {
        tx.send(format!("line {i}")).unwrap();
        bounded_tx.try_send(i).unwrap();
        events.send(i).unwrap();
    }
    let fanout = Fanout { backlog, queue, events };
    let report = fanout.memory_report();
    let backlog = report.find("backlog").unwrap();
    assert_eq!(backlog.len(), Some(3));
    assert!(backlog.heap_is_lower_bound());
    let queue = report.find("queue").unwrap();
    assert_eq!((queue.len(), queue.cap()), (Some(3), Some(8)));
    assert_eq!(report.find("events").unwrap().len(), Some(3));
    assert_eq!(bounded_tx.memory_report().len(), Some(3), "a sender sees the queue too");
}

/// A lock poisoned by a panic elsewhere still reports its value, current
/// (not stale): the panic did not make the figures wrong.
#[test]
fn a_poisoned_lock_reports_its_value() {
    let lock = std::sync::Arc::new(std::sync::Mutex::new(vec![1u64, 2, 3]));
    let poisoner = std::sync::Arc::clone(&lock);
    let _ = std::thread::spawn(move || {
        let _guard = poisoner.lock().unwrap();
        panic!("poison the lock");
    })
    .join();
    assert!(lock.is_poisoned());
    let report = lock.memory_report();
    assert_eq!(report.len(), Some(3));
    assert!(!report.is_stale());
}
