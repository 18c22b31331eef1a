//! What a user reads off the runtime types without driving them: their
//! `Debug` and `Display` text and their small accessors. Pinned exactly, so a
//! change to what a log line or a panic message shows is a visible change
//! (and the mutants that blank these out are caught).

use std::time::Duration;

use leakproof::prelude::*;
use leakproof::{BoundedDeque, BoundedMap, BoundedSet, Evict, ManualClock, Outcome, Rejected};

#[test]
fn rejected_shows_the_value_it_hands_back() {
    let mut full = BoundedSet::<u32>::builder().cap(1).reject().build();
    full.insert(1).unwrap();
    let rejected = full.insert(2).unwrap_err();
    assert_eq!(format!("{rejected:?}"), "Rejected(2)");
    assert_eq!(
        rejected.to_string(),
        "insert rejected: the collection is full and may evict nothing"
    );
    assert_eq!(rejected, Rejected(2));
    assert_eq!(rejected.into_inner(), 2);
}

#[test]
fn collections_debug_as_their_config_and_contents() {
    let mut map = BoundedMap::<u32, &str>::builder()
        .cap(4)
        .fifo()
        .ttl(Duration::from_secs(30))
        .clock(ManualClock::new())
        .build();
    assert_eq!(map.insert(1, "a"), None);
    assert_eq!(
        format!("{map:?}"),
        r#"BoundedMap { config: Config { cap: 4, evict: Fifo, ttl: 30s }, entries: {1: "a"} }"#
    );
    assert_eq!(format!("{:?}", map.iter()), "Iter { .. }");
    assert_eq!(format!("{:?}", map.clone().into_iter()), "IntoIter { .. }");
    assert_eq!(map.clone().into_iter().collect::<Vec<_>>(), [(1, "a")]);

    let mut set = BoundedSet::<u32>::with_cap(2);
    assert!(set.insert(7));
    assert_eq!(
        format!("{set:?}"),
        "BoundedSet { config: Config { cap: 2, evict: Sieve }, values: {7} }"
    );
    assert_eq!(format!("{:?}", set.iter()), "Iter { .. }");
    assert_eq!(format!("{:?}", set.clone().into_iter()), "IntoIter { .. }");
    assert_eq!(set.clone().into_iter().collect::<Vec<_>>(), [7]);

    let mut deque = BoundedDeque::<u8>::with_cap(3);
    deque.push_back(1);
    assert_eq!(
        format!("{deque:?}"),
        "BoundedDeque { config: Config { cap: 3, evict: Fifo }, values: [1] }"
    );

    let builder = BoundedSet::<u32>::builder().cap(9).reject();
    assert_eq!(format!("{builder:?}"), "BoundedBuilder { cap: 9, evict: Reject, ttl: None, .. }");
}

#[test]
fn collection_accessors() {
    let clock = ManualClock::new();
    let mut map = BoundedMap::<u32, u32>::builder()
        .cap(3)
        .fifo()
        .ttl(Duration::from_millis(5))
        .clock(clock.clone())
        .build();
    assert!(map.is_empty());
    map.insert(1, 1);
    assert!(!map.is_empty());
    assert_eq!(map.cap(), 3);
    assert_eq!(map.evict_policy(), Evict::Fifo);
    assert_eq!(map.ttl(), Some(Duration::from_millis(5)));
    assert!(map.heap_bytes() > 0);
    assert_eq!(BoundedMap::<u32, u32>::with_cap(3).ttl(), None);

    let mut deque = BoundedDeque::<u32>::builder().cap(2).reject().build();
    assert!(deque.is_empty());
    assert_eq!(deque.heap_bytes(), 0);
    deque.push_back(5).unwrap();
    assert!(!deque.is_empty());
    assert_eq!(deque.len(), 1);
    assert_eq!(deque.evict_policy(), Evict::Reject);
    assert_eq!(deque.heap_bytes(), deque.cap().min(4) * size_of::<u32>());
}

/// The configuration `#[bounded]` writes into the type's parameters (policy
/// type, cap, TTL in nanoseconds) is what `Default` builds.
#[test]
fn type_parameters_configure_default() {
    use leakproof::{Fifo, Lru, Reject, Sieve};
    use std::collections::hash_map::RandomState;
    let fifo = BoundedMap::<u32, u32, RandomState, Fifo, 4, 0>::default();
    assert_eq!((fifo.cap(), fifo.evict_policy(), fifo.ttl()), (4, Evict::Fifo, None));
    let sieve = BoundedMap::<u32, u32, RandomState, Sieve, 4, 0>::default();
    assert_eq!(sieve.evict_policy(), Evict::Sieve);
    let lru = BoundedSet::<u32, RandomState, Lru, 4, 0>::default();
    assert_eq!(lru.evict_policy(), Evict::Lru);
    let reject = BoundedSet::<u32, RandomState, Reject, 2, 5_000_000>::default();
    assert_eq!(
        (reject.cap(), reject.evict_policy(), reject.ttl()),
        (2, Evict::Reject, Some(Duration::from_millis(5)))
    );
    let fifo = BoundedDeque::<u32, Fifo, 3>::default();
    assert_eq!((fifo.cap(), fifo.evict_policy()), (3, Evict::Fifo));
}

/// Exact on a 64-bit target, where the sizes are known: per event type, the
/// entry table (8 bytes a slot, grown 0, 4, 8, ...), the free list (8 bytes
/// a slot) and, per subscriber, one `Arc` allocation of 16 bytes of counts
/// and a 40-byte entry; after a publish, the handler snapshot (16 bytes of
/// counts and 8 a subscriber).
#[cfg(target_pointer_width = "64")]
#[test]
fn bus_heap_bytes_are_its_tables_and_entries() {
    let bus = EventBus::new();
    assert_eq!(bus.heap_bytes(), 0);
    let subs: Vec<_> = (0..3).map(|_| bus.subscribe(|_: &u8| {})).collect();
    assert_eq!(bus.heap_bytes(), 4 * 8 + 3 * (16 + 40));
    drop(subs);
    assert_eq!(bus.heap_bytes(), 4 * 8 + 4 * 8, "three freed slots on the free list (capacity 4)");
    let _subs: Vec<_> = (0..2).map(|_| bus.subscribe(|_: &u8| {})).collect();
    bus.publish(&1u8);
    assert_eq!(bus.heap_bytes(), 4 * 8 + 4 * 8 + 2 * (16 + 40) + (16 + 2 * 8));
    let _other = bus.subscribe(|_: &u16| {});
    assert_eq!(bus.heap_bytes(), 4 * 8 + 4 * 8 + 2 * (16 + 40) + (16 + 2 * 8) + 4 * 8 + (16 + 40));
}

#[test]
fn subscriptions_debug_and_sizes() {
    let bus = EventBus::new();
    let sub = bus.subscribe(|_: &u8| {});
    assert_eq!(format!("{sub:?}"), "Subscription { active: true }");
    sub.unsubscribe();
    assert_eq!(format!("{sub:?}"), "Subscription { active: false }");
    assert!(!Subscription::ended().is_active());

    let group = Subscriptions::new();
    assert!(group.is_empty());
    assert_eq!(group.heap_bytes(), 0);
    group.push(bus.subscribe(|_: &u8| {}));
    group.push(Subscription::ended());
    assert!(!group.is_empty());
    assert_eq!(group.len(), 2);
    assert_eq!(group.active_count(), 1);
    assert!(group.heap_bytes() >= 2 * size_of::<Subscription>());
    assert_eq!(format!("{group:?}"), "Subscriptions { len: 2, active: 1 }");
    let collected: Subscriptions = [bus.subscribe(|_: &u8| {})].into_iter().collect();
    assert_eq!(collected.active_count(), 1);
    assert_eq!(format!("{bus:?}"), r#"EventBus { subscribers: [("u8", 2)] }"#);
}

#[lifecycle]
struct Chat {
    #[subscription]
    on_line: Subscription,
}

#[test]
fn shutdown_report_text() {
    let bus = EventBus::new();
    let chat = Chat { on_line: bus.subscribe(|_: &u8| {}) };
    assert_eq!(chat.live_fields(), ["on_line"]);
    let report = chat.shutdown();
    assert!(chat.live_fields().is_empty());
    assert!(!report.was_already_done());
    assert!(chat.shutdown().was_already_done());
    assert_eq!(report.component(), "Chat");
    // The text, with the times (which vary) taken out.
    let text = report.to_string();
    let words: Vec<&str> = text.split_whitespace().filter(|w| !w.ends_with("ms")).collect();
    assert_eq!(
        words.join(" "),
        "shutdown of Chat: clean in (1 step, 1 handler unsubscribed, 0 tasks cancelled, 0 aborted) 1. on_line subscription done: 1 handler unsubscribed"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
    let step = report.step("on_line").expect("the step");
    assert!(step.took <= report.took(), "{step:?} in {report:?}");
    assert_eq!(
        report.step("on_line").map(|s| &s.outcome),
        Some(&Outcome::Done("1 handler unsubscribed".into()))
    );
    assert!(report.step("nothing").is_none());
    assert_eq!(Outcome::Done(String::new()).to_string(), "done");
    assert_eq!(Outcome::AlreadyDone.to_string(), "already done");
    assert_eq!(Outcome::Failed("boom".into()).to_string(), "FAILED: boom");
    assert_eq!(
        Outcome::TimedOut(vec!["a".into(), "b".into()]).to_string(),
        "TIMED OUT, aborted: a, b"
    );
    assert!(!Outcome::TimedOut(Vec::new()).is_ok());
    assert_eq!(Outcome::NotRun("why".into()).to_string(), "NOT RUN: why");
    assert!(!Outcome::NotRun(String::new()).is_ok());
    assert!(!Outcome::Failed(String::new()).is_ok());
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn task_set_debug_and_accessors() {
    use leakproof::TaskSet;
    let tasks = TaskSet::new();
    assert!(tasks.is_empty());
    assert!(tasks.spawn("b", |token| async move { token.cancelled().await }));
    assert!(tasks.spawn("a", |token| async move { token.cancelled().await }));
    assert!(!tasks.is_empty());
    assert_eq!(tasks.names(), ["a", "b"]);
    assert_eq!(format!("{tasks:?}"), r#"TaskSet { running: ["a", "b"], shut_down: false }"#);
    assert!(!tasks.token().is_cancelled());
    let stopper = leakproof::shutdown::Cancel::stopper(&tasks);
    assert_eq!(format!("{stopper:?}"), "Stopper { .. }");
    assert!(leakproof::shutdown::Cancel::is_active(&tasks));
    assert_eq!(leakproof::shutdown::Cancel::cancel(&tasks), 2);
    assert!(!leakproof::shutdown::Cancel::is_active(&tasks));
    assert!(tasks.token().is_cancelled());
    stopper.finished.await;
    assert!(tasks.is_empty());
    assert!(!tasks.spawn("late", |_| async {}), "a shut-down set refuses new tasks");
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn task_handle_knows_when_its_task_ends() {
    use leakproof::TaskHandle;
    use leakproof::shutdown::Cancel;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = TaskHandle::spawn("waits", |_| async move {
        let _ = rx.await;
    });
    assert!(handle.is_running());
    assert!(handle.is_active());
    tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        while handle.is_running() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the task ends once its channel fires");
    assert!(!handle.is_running(), "the task ended on its own");
    assert!(!handle.is_active());
}

/// A cancelled handle is no longer active even while its task, which ignores
/// the signal, still runs; `abort` names it once.
#[cfg(feature = "tokio")]
#[tokio::test(flavor = "current_thread")]
async fn task_handle_cancel_and_abort() {
    use leakproof::TaskHandle;
    use leakproof::shutdown::Cancel;
    let handle = TaskHandle::spawn("stubborn", |_| std::future::pending());
    tokio::task::yield_now().await;
    assert_eq!(handle.cancel(), 1);
    assert!(handle.is_running(), "it ignores the signal");
    assert!(!handle.is_active(), "but it was told to stop");
    assert_eq!(handle.abort(), ["stubborn"]);
}

/// `Extend` and `FromIterator` insert one by one, so the bound holds; the
/// borrowing iterators know their length exactly without a TTL, and only an
/// upper bound with one (an entry may have expired since the last write).
#[test]
fn extend_collect_and_size_hints() {
    use std::collections::hash_map::RandomState;
    let mut map = BoundedMap::<u32, u32>::with_cap(3);
    map.extend((0..5).map(|k| (k, k * 10)));
    assert_eq!(map.len(), 3);
    assert_eq!(map.stats().evictions, 2);
    assert_eq!(map.iter().size_hint(), (3, Some(3)));
    let collected: BoundedMap<u32, u32, RandomState, leakproof::Reject, 2, 0> =
        (0..4).map(|k| (k, k)).collect();
    assert_eq!((collected.len(), collected.stats().rejections), (2, 2));

    let mut set = BoundedSet::<u32>::with_cap(2);
    set.extend([1, 2, 3]);
    assert_eq!(set.len(), 2);
    assert_eq!(set.iter().size_hint(), (2, Some(2)));
    assert_eq!(set.iter().count(), 2);
    let collected: BoundedSet<u32, RandomState, leakproof::Sieve, 5, 0> = (0..3).collect();
    assert_eq!(collected.len(), 3);

    let mut expiring = BoundedSet::<u32>::builder()
        .cap(4)
        .ttl(Duration::from_secs(1))
        .clock(ManualClock::new())
        .build();
    expiring.insert(1);
    assert_eq!(expiring.iter().size_hint(), (0, Some(1)));

    let mut deque = BoundedDeque::<u32>::with_cap(2);
    deque.extend([1, 2, 3]);
    assert_eq!(deque.iter().copied().collect::<Vec<_>>(), [2, 3]);
    let collected: BoundedDeque<u32, leakproof::Reject, 2> = (0..4).collect();
    assert_eq!((collected.len(), collected.stats().rejections), (2, 2));
}

/// `Unsubscribe` through `Option` and on a group: active while something is
/// subscribed, counted, and inactive once ended or empty.
#[test]
fn optional_and_grouped_subscriptions_know_their_state() {
    let bus = EventBus::new();
    let some = Some(bus.subscribe(|_: &u8| {}));
    let none: Option<Subscription> = None;
    assert!(some.is_active());
    assert_eq!(some.active_count(), 1);
    assert!(!none.is_active());
    assert_eq!(none.active_count(), 0);
    some.unsubscribe();
    assert!(!some.is_active());
    assert_eq!(some.active_count(), 0);

    let group = Subscriptions::new();
    assert!(!group.is_active());
    group.push(bus.subscribe(|_: &u8| {}));
    assert!(group.is_active());
    group.unsubscribe();
    assert!(!group.is_active());
    assert_eq!(bus.subscriber_count::<u8>(), 0);
}
