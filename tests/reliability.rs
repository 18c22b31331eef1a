//! Regressions for the defects adversarial testing found (issue 10), one test
//! per defect, each written as the user who hit it would, and failing on the
//! code before its fix. Plus the tests that kill mutants the rest of the
//! suite let live.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakproof::prelude::*;
use leakproof::{BoundedMap, Clock, ManualClock, MemoryReport, Outcome};

/// Runs `f` on a thread and fails if it has not returned within 10 s: a
/// deadlock detector, not a timing claim.
fn completes<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} deadlocked"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

struct Tick(#[allow(dead_code)] u32);

/// Defect 1: pruning a dead weak subscriber dropped its handler under the
/// slot's lock; a handler owning a subscription to the same event deadlocked.
#[test]
fn pruning_a_weak_subscriber_that_owns_a_subscription_does_not_deadlock() {
    for publish in [false, true] {
        completes("pruning a weak subscriber", move || {
            let bus = EventBus::new();
            let inner = bus.subscribe(|_: &Tick| {});
            let owner = Arc::new(());
            let _weak = bus.subscribe_weak(&owner, move |_: &(), _: &Tick| {
                let _keep = &inner;
            });
            drop(owner);
            if publish {
                bus.publish(&Tick(0));
            }
            // The weak entry is gone, and with it the subscription it owned.
            assert_eq!(bus.subscriber_count::<Tick>(), 0);
            bus.assert_invariants();
        });
    }
}

/// A value whose `Drop` panics when armed.
struct Bomb(bool);

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.0 {
            panic!("bomb");
        }
    }
}

fn bomb_map(armed: u32) -> BoundedMap<u32, Bomb> {
    let mut map = BoundedMap::with_cap(6);
    for k in 0..6 {
        let _ = map.insert(k, Bomb(k == armed));
    }
    map
}

/// After a panic in user code, the map still works: inserts, gets and its
/// internal invariants.
fn still_usable(map: &mut BoundedMap<u32, Bomb>) {
    map.assert_invariants();
    let _ = map.insert(100, Bomb(false));
    let _ = map.insert(101, Bomb(false));
    assert!(map.get(&100).is_some() && map.get(&101).is_some());
    assert_eq!(map.iter().count(), map.len());
    map.assert_invariants();
}

/// Defect 2: a panicking `Drop` during `clear()` left the index pointing past
/// the slab, and every later call panicked.
#[test]
fn a_panicking_drop_during_clear_leaves_the_map_usable() {
    let mut map = bomb_map(5);
    assert!(catch_unwind(AssertUnwindSafe(|| map.clear())).is_err());
    assert_eq!(map.len(), 0);
    still_usable(&mut map);
}

/// The same rule on every other path that drops user values mid-update.
#[test]
fn a_panicking_drop_on_retain_remove_or_eviction_leaves_the_map_usable() {
    let mut map = bomb_map(3);
    assert!(catch_unwind(AssertUnwindSafe(|| map.retain(|k, _| *k != 3))).is_err());
    still_usable(&mut map);

    let mut map = bomb_map(2);
    assert!(catch_unwind(AssertUnwindSafe(|| drop(map.remove(&2)))).is_err());
    still_usable(&mut map);

    // Full at 6: the next insert evicts key 0, whose drop panics.
    let mut map = bomb_map(0);
    assert!(catch_unwind(AssertUnwindSafe(|| map.insert(50, Bomb(false)))).is_err());
    assert!(map.get(&0).is_none());
    still_usable(&mut map);
}

/// A key whose `Hash` panics on a chosen call: the engine rehashes every
/// key when its table grows, and that must not leave the map half moved.
#[derive(PartialEq, Eq, Debug)]
struct Touchy(u32);

thread_local! {
    /// Hash calls left before one panics (0: never).
    static HASHES_LEFT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

impl std::hash::Hash for Touchy {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        HASHES_LEFT.with(|left| match left.get() {
            0 => {}
            1 => {
                left.set(0);
                panic!("hash bomb");
            }
            n => left.set(n - 1),
        });
        self.0.hash(state);
    }
}

#[test]
fn a_panicking_hash_while_the_table_grows_leaves_the_map_whole() {
    let mut map = BoundedMap::<Touchy, u32>::with_cap(100);
    let mut held = 0;
    // Fill until an insert must grow the table (its first rebuild hashes
    // every key), then let the second hash of that insert panic: the
    // insert's own hash is the first, the rebuild's first key the second.
    loop {
        let grew_at = map.heap_bytes();
        HASHES_LEFT.with(|left| left.set(2));
        let result = catch_unwind(AssertUnwindSafe(|| map.insert(Touchy(held), held)));
        HASHES_LEFT.with(|left| left.set(0));
        if result.is_err() {
            assert_eq!(map.heap_bytes(), grew_at, "the table moved despite the panic");
            break;
        }
        held += 1;
        assert!(held < 100, "no insert grew the table");
    }
    map.assert_invariants();
    assert_eq!(map.len() as u32, held, "the entries before the panic are all there");
    for k in 0..held {
        assert_eq!(map.get(&Touchy(k)), Some(&k));
    }
    assert_eq!(map.get(&Touchy(held)), None, "the insert that panicked did not happen");
    map.insert(Touchy(held), held);
    map.assert_invariants();
    assert_eq!(map.len() as u32, held + 1);
}

/// Defect 6: `advance` wrapped round to zero.
#[test]
fn manual_clock_saturates() {
    let clock = ManualClock::new();
    clock.advance(Duration::MAX);
    clock.advance(Duration::from_nanos(1));
    assert_eq!(clock.now(), Duration::from_nanos(u64::MAX));
}

/// Mutant: `SystemClock::now` returning a constant, so nothing would ever
/// expire in production. The clock moves forward (waited for by spinning
/// against `Instant`, not by sleeping).
#[test]
fn the_system_clock_moves_forward() {
    let first = leakproof::SystemClock.now();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while leakproof::SystemClock.now() <= first {
        assert!(std::time::Instant::now() < deadline, "SystemClock stands still");
        std::hint::spin_loop();
    }
}

/// A clock a test can set anywhere, backwards included.
#[derive(Clone, Default)]
struct SettableClock(Arc<AtomicU64>);

impl Clock for SettableClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.0.load(Ordering::SeqCst))
    }
}

/// Defect 6: with time running backwards the expiry order broke and one key
/// was stored twice.
#[test]
fn a_clock_that_goes_backwards_cannot_store_a_key_twice() {
    let clock = SettableClock::default();
    let mut map = BoundedMap::<u32, u32>::builder()
        .cap(3)
        .ttl(Duration::from_millis(10))
        .clock(clock.clone())
        .build();
    clock.0.store(1_000, Ordering::SeqCst);
    map.insert(1, 0);
    clock.0.store(0, Ordering::SeqCst); // back in time: 2 "expires at 10"
    map.insert(2, 0);
    clock.0.store(20, Ordering::SeqCst); // 2 looks expired, behind 1 which is not
    map.insert(2, 1);
    map.assert_invariants();
    let order: Vec<u32> = map.eviction_order().copied().collect();
    let mut unique = order.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(order.len(), unique.len(), "a key is stored twice: {order:?}");
    assert_eq!(map.len(), 2);
    assert_eq!(map.get(&2), Some(&1));
}

/// Mutant: the TTL boundary `<=` changed to `<`. An entry is expired at
/// exactly its TTL, not one tick later.
#[test]
fn an_entry_expires_exactly_at_its_ttl() {
    let clock = ManualClock::new();
    let mut map = BoundedMap::<u32, u32>::builder()
        .cap(4)
        .ttl(Duration::from_millis(10))
        .clock(clock.clone())
        .build();
    map.insert(1, 1);
    clock.advance(Duration::from_millis(9));
    assert_eq!(map.peek(&1), Some(&1));
    assert_eq!(map.iter_mut().count(), 1);
    clock.advance(Duration::from_millis(1));
    // Every read path agrees at the boundary.
    assert_eq!(map.peek(&1), None);
    assert_eq!(map.iter().count(), 0);
    assert_eq!(map.values().count(), 0);
    assert_eq!(map.clone().into_iter().count(), 0);
    assert_eq!(map.clone().purge_expired(), 1);
    // `&mut` access to every entry removes the expired ones first.
    assert_eq!(map.iter_mut().count(), 0);
    assert_eq!((map.len(), map.stats().expirations), (0, 1));
    map.insert(2, 2);
    clock.advance(Duration::from_millis(10));
    assert_eq!(map.get(&2), None, "a counted read at the boundary misses");
    assert_eq!(map.stats().misses, 1);
}

/// Defect 4: two panicking unsubscribes in one group aborted the process.
/// Now every member runs and both failures are reported.
#[test]
fn a_group_with_two_panicking_unsubscribes_reports_both() {
    #[lifecycle]
    struct Chat {
        #[subscription]
        subs: Subscriptions,
    }
    let ran = Arc::new(AtomicUsize::new(0));
    let subs = Subscriptions::new();
    for i in 0..4 {
        let ran = Arc::clone(&ran);
        subs.push(Subscription::from_fn(move || {
            ran.fetch_add(1, Ordering::SeqCst);
            if i % 2 == 0 {
                panic!("broker {i} is gone");
            }
        }));
    }
    let chat = Chat { subs };
    let report = chat.shutdown();
    assert_eq!(ran.load(Ordering::SeqCst), 4, "every unsubscribe ran");
    assert!(!report.is_clean());
    let failed = format!("{report}");
    assert!(failed.contains("broker 0 is gone") && failed.contains("broker 2 is gone"), "{failed}");
    assert!(failed.contains("2 of 4 members failed"), "{failed}");
}

/// Mutant: `Subscriptions::push` never pruning ended entries. A group fed
/// with subscriptions that end stays small.
#[test]
fn a_group_does_not_grow_with_ended_subscriptions() {
    let group = Subscriptions::new();
    for _ in 0..1_000 {
        let sub = Subscription::from_fn(|| {});
        sub.unsubscribe();
        group.push(sub);
    }
    assert!(group.len() <= 64, "{} ended subscriptions kept", group.len());
}

/// Mutant: `publish` never pruning dead weak subscribers. The handler (and
/// what it captured) is freed by the publish that finds its owner gone.
#[test]
fn publish_frees_a_dead_weak_subscriber() {
    let bus = EventBus::new();
    let captured = Arc::new(());
    let in_handler = Arc::clone(&captured);
    let owner = Arc::new(());
    let _sub = bus.subscribe_weak(&owner, move |_: &(), _: &Tick| {
        let _ = &in_handler;
    });
    drop(owner);
    assert_eq!(Arc::strong_count(&captured), 2);
    bus.publish(&Tick(1));
    assert_eq!(Arc::strong_count(&captured), 1, "the dead subscriber's handler is still held");
}

/// Mutant: the bus never reusing freed slots. Its tables stay the same size
/// under subscribe/unsubscribe churn.
#[test]
fn bus_memory_is_flat_under_churn() {
    let bus = EventBus::new();
    let _resident = bus.subscribe(|_: &Tick| {});
    drop(bus.subscribe(|_: &Tick| {}));
    let after_one = bus.heap_bytes();
    for _ in 0..10_000 {
        drop(bus.subscribe(|_: &Tick| {}));
    }
    assert_eq!(bus.heap_bytes(), after_one);
    assert_eq!(bus.memory_report().heap_bytes(), after_one);
    bus.assert_invariants();
}

/// Defect 7: subscriptions inside an `#[unbounded]` map were skipped by
/// `shutdown()`. A field now carries both attributes, and the map's values
/// are unsubscribed.
#[test]
fn subscriptions_in_an_unbounded_map_are_unsubscribed() {
    #[lifecycle]
    struct Rooms {
        #[unbounded(reason = "one entry per open room; removed when it closes")]
        #[subscription]
        rooms: Mutex<HashMap<u64, Subscription>>,
    }
    let bus = EventBus::new();
    let rooms =
        Rooms { rooms: Mutex::new((0..2).map(|id| (id, bus.subscribe(|_: &Tick| {}))).collect()) };
    assert_eq!(bus.subscriber_count::<Tick>(), 2);
    let report = rooms.shutdown();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.unsubscribed(), 2);
    assert_eq!(bus.subscriber_count::<Tick>(), 0);
    assert!(rooms.is_shut_down());
    let report = rooms.memory_report();
    assert_eq!(
        report.find("rooms").and_then(|r| r.reason()),
        Some("one entry per open room; removed when it closes")
    );
}

/// Defect 7, with a bound: a `#[bounded]` map of subscriptions is torn down
/// value by value, expired values included (they still hold their handler
/// until purged).
#[test]
fn subscriptions_in_a_bounded_map_are_unsubscribed() {
    #[lifecycle]
    struct Channels {
        #[bounded(cap = 8, ttl = "1s")]
        #[subscription]
        channels: Mutex<HashMap<u64, Subscription>>,
    }
    let bus = EventBus::new();
    let channels = Channels { channels: Mutex::default() };
    for id in 0..3 {
        let _ = channels.channels.lock().unwrap().insert(id, bus.subscribe(|_: &Tick| {}));
    }
    let report = channels.shutdown();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.unsubscribed(), 3);
    assert_eq!(bus.subscriber_count::<Tick>(), 0);
}

/// Defects 7 and 8: a `Vec` of components is shut down element by element.
#[test]
fn components_in_a_vec_are_shut_down() {
    #[lifecycle]
    struct Session {
        #[subscription]
        on_tick: Subscription,
    }
    #[lifecycle]
    struct Server {
        #[unbounded(reason = "one per connected player")]
        #[shutdown]
        sessions: Vec<Session>,
    }
    let bus = EventBus::new();
    let server = Server {
        sessions: (0..2).map(|_| Session { on_tick: bus.subscribe(|_: &Tick| {}) }).collect(),
    };
    let report = server.shutdown();
    assert!(report.is_clean(), "{report}");
    assert_eq!(bus.subscriber_count::<Tick>(), 0);
    let paths: Vec<&str> = report.steps().iter().map(|s| s.path.as_str()).collect();
    assert!(
        paths.contains(&"sessions.1.on_tick") && paths.contains(&"sessions.0.on_tick"),
        "{paths:?}"
    );
    assert!(server.shutdown().was_already_done());
}

/// Defect 9: raw identifiers compile, and both reports use one name.
#[test]
fn raw_identifiers_have_one_name() {
    #[lifecycle]
    struct Keywords {
        r#type: String,
        #[subscription]
        r#fn: Subscription,
    }
    let bus = EventBus::new();
    let k = Keywords { r#type: "t".into(), r#fn: bus.subscribe(|_: &Tick| {}) };
    assert!(k.memory_report().find("type").is_some());
    assert!(k.memory_report().find("fn").is_some());
    let report = k.shutdown();
    assert_eq!(report.steps().last().map(|s| s.path.as_str()), Some("fn"));
}

/// Defect 10: `Self` in a field type and in a where-clause.
#[test]
fn self_in_field_types() {
    #[lifecycle]
    struct Node
    where
        Self: Sized,
    {
        #[shutdown]
        next: Option<Box<Self>>,
        parent: Option<std::sync::Weak<Self>>,
        #[subscription]
        on_tick: Subscription,
    }
    let bus = EventBus::new();
    let tail = Node { next: None, parent: None, on_tick: bus.subscribe(|_: &Tick| {}) };
    let list =
        Node { next: Some(Box::new(tail)), parent: None, on_tick: bus.subscribe(|_: &Tick| {}) };
    assert!(list.shutdown().is_clean());
    assert_eq!(bus.subscriber_count::<Tick>(), 0);
}

/// Defect 11: caps that are valid `usize` expressions, and the struct's
/// const generic.
#[test]
fn cap_expressions_are_usize() {
    use std::collections::{HashSet, VecDeque};
    #[lifecycle]
    struct Caps<const N: usize> {
        // Each overflows an `i32` on the way (`1 << 33`, `3_000_000_000`):
        // only as `usize` expressions do they compile.
        #[bounded(cap = (1 << 33) / 16)]
        shifted: HashSet<u64>,
        #[bounded(cap = 3_000_000_000 / 4)]
        product: HashSet<u64>,
        #[bounded(cap = { 3 + 4 })]
        block: VecDeque<u64>,
        #[bounded(cap = N)]
        generic: VecDeque<u64>,
        #[bounded(cap = CAP)]
        named_cap: VecDeque<u64>,
    }
    const CAP: usize = 9;
    let caps = Caps::<5> {
        shifted: Default::default(),
        product: Default::default(),
        block: Default::default(),
        generic: Default::default(),
        named_cap: Default::default(),
    };
    assert_eq!(caps.shifted.cap(), 1 << 29);
    assert_eq!(caps.product.cap(), 750_000_000);
    assert_eq!(caps.block.cap(), 7);
    assert_eq!(caps.generic.cap(), 5);
    assert_eq!(caps.named_cap.cap(), 9);
}

/// Defect 13: a hook that panicked runs again at the next shutdown instead
/// of being reported as done.
#[test]
fn a_hook_that_panicked_is_not_already_done() {
    #[lifecycle(on_shutdown = Self::flush)]
    struct Logger {
        fail: std::sync::atomic::AtomicBool,
        flushed: AtomicUsize,
        #[subscription]
        on_line: Subscription,
    }
    impl Logger {
        fn flush(&self) {
            if self.fail.swap(false, Ordering::SeqCst) {
                panic!("disk full");
            }
            self.flushed.fetch_add(1, Ordering::SeqCst);
        }
    }
    let bus = EventBus::new();
    let logger = Logger {
        fail: true.into(),
        flushed: AtomicUsize::new(0),
        on_line: bus.subscribe(|_: &Tick| {}),
    };
    let first = logger.shutdown();
    assert!(!first.is_clean());
    let second = logger.shutdown();
    let hook = second.step("on_shutdown").expect("the hook's step");
    assert_eq!(hook.outcome, Outcome::Done(String::new()), "{second}");
    assert_eq!(logger.flushed.load(Ordering::SeqCst), 1);
    // Done now: a third shutdown has nothing left to do.
    assert!(logger.shutdown().was_already_done());
}

/// Mutant: `drop = "shutdown"`'s `Drop` doing nothing. Observed through a
/// handle that does not release itself on drop, so only the generated
/// shutdown can have released it.
#[test]
fn drop_shutdown_runs_the_shutdown() {
    struct Handle(Arc<AtomicUsize>);
    impl leakproof::Unsubscribe for Handle {
        fn unsubscribe(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn is_active(&self) -> bool {
            self.0.load(Ordering::SeqCst) == 0
        }
    }
    #[lifecycle(drop = "shutdown")]
    struct Service {
        #[subscription]
        handle: Handle,
    }
    let released = Arc::new(AtomicUsize::new(0));
    drop(Service { handle: Handle(Arc::clone(&released)) });
    assert_eq!(released.load(Ordering::SeqCst), 1);
}

#[cfg(feature = "tokio")]
mod tasks {
    use super::*;
    use leakproof::{TaskHandle, TaskSet};

    /// Counts the futures alive: +1 when one starts, -1 when it is dropped.
    #[derive(Clone, Default)]
    struct Alive(Arc<AtomicUsize>);

    impl Alive {
        fn guard(&self) -> impl Drop + Send + 'static {
            struct Guard(Arc<AtomicUsize>);
            impl Drop for Guard {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, Ordering::SeqCst);
                }
            }
            self.0.fetch_add(1, Ordering::SeqCst);
            Guard(Arc::clone(&self.0))
        }
    }

    /// Defect 3: tasks spawned while `shutdown()` ran escaped it. Here a
    /// thread spawns tasks that ignore cancellation while another shuts the
    /// set down; afterwards none may still be running.
    #[test]
    fn tasks_spawned_during_shutdown_do_not_escape() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let alive = Alive::default();
        for _ in 0..200 {
            #[lifecycle]
            struct Workers {
                #[task]
                tasks: TaskSet,
            }
            let workers = Arc::new(Workers { tasks: TaskSet::new() });
            let spawner = {
                let (workers, alive, handle) =
                    (Arc::clone(&workers), alive.clone(), rt.handle().clone());
                std::thread::spawn(move || {
                    let _enter = handle.enter();
                    // Spawns until the set refuses (bounded, in case it never
                    // does), so spawns overlap the shutdown.
                    for _ in 0..100_000 {
                        let guard = alive.guard();
                        let spawned = workers.tasks.spawn("stubborn", move |_token| async move {
                            let _guard = guard;
                            loop {
                                tokio::time::sleep(Duration::from_millis(1)).await;
                            }
                        });
                        if !spawned {
                            break;
                        }
                    }
                })
            };
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while workers.tasks.is_empty() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the spawner never got a task running"
                );
                std::thread::yield_now();
            }
            let report = workers.shutdown();
            spawner.join().unwrap();
            assert!(report.is_clean(), "{report}");
        }
        // Every abort is processed at the task's next await point.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while alive.0.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(alive.0.load(Ordering::SeqCst), 0, "tasks escaped the shutdown");
    }

    /// Defect 5: `shutdown_graceful(Duration::MAX)` overflowed an `Instant`.
    #[tokio::test]
    async fn graceful_shutdown_with_the_largest_grace() {
        #[lifecycle]
        struct Worker {
            #[task]
            task: TaskHandle,
        }
        let worker = Worker {
            task: TaskHandle::spawn("polite", |token| async move { token.cancelled().await }),
        };
        let report = worker.shutdown_graceful(Duration::MAX).await;
        assert!(report.is_clean(), "{report}");
    }

    /// Defect 8: an optional task compiles as a `#[task]` field and is
    /// cancelled.
    #[tokio::test]
    async fn an_optional_task_is_cancelled() {
        #[lifecycle]
        struct Worker {
            #[task]
            task: Option<TaskHandle>,
        }
        let worker = Worker {
            task: Some(TaskHandle::spawn("polite", |token| async move { token.cancelled().await })),
        };
        let report = worker.shutdown_graceful(Duration::from_secs(5)).await;
        assert!(report.is_clean(), "{report}");
        assert_eq!(report.tasks_cancelled(), 1);
        assert!(worker.is_shut_down());
    }

    /// Tasks in a `Vec` behind a tokio lock: the graceful shutdown waits for
    /// every one within the grace, then aborts and names the stubborn one.
    #[tokio::test]
    async fn tasks_in_a_locked_vec_are_awaited_then_aborted() {
        #[lifecycle]
        struct Pool {
            #[unbounded(reason = "one per worker")]
            #[task]
            workers: tokio::sync::Mutex<Vec<TaskHandle>>,
        }
        let polite = |name: &str| {
            TaskHandle::spawn(name.to_string(), |token| async move { token.cancelled().await })
        };
        let stubborn = TaskHandle::spawn("stubborn", |_| std::future::pending());
        let pool =
            Pool { workers: tokio::sync::Mutex::new(vec![polite("a"), stubborn, polite("b")]) };
        let report = pool.shutdown_graceful(Duration::from_millis(200)).await;
        assert_eq!(report.tasks_cancelled(), 3);
        assert_eq!(
            report.step("workers").map(|s| &s.outcome),
            Some(&Outcome::TimedOut(vec!["stubborn".into()]))
        );
        assert_eq!(report.tasks_aborted(), 1);
        tokio::task::yield_now().await;
        assert!(pool.is_shut_down());
    }

    /// A tokio lock held at the instant of a synchronous shutdown fails that
    /// step with a message (the runtime is never blocked), counts as still
    /// active, and the next shutdown, once it is free, does the work.
    #[tokio::test]
    async fn a_held_tokio_lock_fails_its_step_and_is_retried() {
        #[lifecycle]
        struct Rooms {
            #[subscription]
            rooms: tokio::sync::RwLock<Option<Subscription>>,
        }
        let bus = EventBus::new();
        let rooms = Rooms { rooms: tokio::sync::RwLock::new(Some(bus.subscribe(|_: &Tick| {}))) };
        let guard = rooms.rooms.write().await;
        let first = rooms.shutdown();
        assert!(!first.is_clean());
        assert!(first.to_string().contains("tokio lock was held"), "{first}");
        assert!(!rooms.is_shut_down());
        drop(guard);
        let second = rooms.shutdown();
        assert!(second.is_clean(), "{second}");
        assert_eq!(second.unsubscribed(), 1);
        assert_eq!(bus.subscriber_count::<Tick>(), 0);
    }

    /// Outside a runtime a tokio lock is waited for, not failed: the
    /// shutdown blocks until another thread lets go of it.
    #[test]
    fn outside_a_runtime_a_tokio_lock_is_waited_for() {
        #[lifecycle]
        struct Rooms {
            #[subscription]
            rooms: Arc<tokio::sync::Mutex<Option<Subscription>>>,
        }
        let bus = EventBus::new();
        let rooms =
            Rooms { rooms: Arc::new(tokio::sync::Mutex::new(Some(bus.subscribe(|_: &Tick| {})))) };
        let (held_tx, held_rx) = mpsc::channel();
        let lock = Arc::clone(&rooms.rooms);
        let holder = std::thread::spawn(move || {
            let _guard = lock.blocking_lock();
            held_tx.send(()).unwrap();
            // Held a moment after the shutdown starts: ordering, not timing.
            std::thread::sleep(Duration::from_millis(50));
        });
        held_rx.recv().unwrap();
        let report = rooms.shutdown();
        holder.join().unwrap();
        assert!(report.is_clean(), "{report}");
        assert_eq!(bus.subscriber_count::<Tick>(), 0);
    }

    /// A stubborn optional task is aborted and named by the synchronous path.
    #[tokio::test]
    async fn an_optional_stubborn_task_is_aborted_by_name() {
        #[lifecycle]
        struct Worker {
            #[task]
            task: Option<TaskHandle>,
        }
        let worker =
            Worker { task: Some(TaskHandle::spawn("stubborn", |_| std::future::pending())) };
        let report = worker.shutdown();
        assert_eq!(
            report.step("task").map(|s| &s.outcome),
            Some(&Outcome::Done("1 task cancelled, aborted: stubborn".into()))
        );
    }

    /// A `#[bounded]` map behind a tokio lock reports as bounded (len, cap,
    /// policy); while the lock is held the node carries its last figures,
    /// marked stale, never waited for.
    #[tokio::test]
    async fn bounded_state_behind_a_tokio_lock_reports() {
        #[lifecycle]
        struct Db {
            #[bounded(cap = 100)]
            entries: tokio::sync::Mutex<HashMap<u64, u64>>,
        }
        let db = Db { entries: Default::default() };
        let _ = db.entries.lock().await.insert(1, 1);
        let report = db.memory_report();
        let entries = report.find("entries").unwrap();
        assert_eq!((entries.len(), entries.cap()), (Some(1), Some(100)));
        let _held = db.entries.lock().await;
        let report = db.memory_report();
        let entries = report.find("entries").unwrap();
        assert!(entries.is_stale(), "held: not waited for");
        assert_eq!((entries.len(), entries.cap()), (Some(1), Some(100)), "the last figures");
    }

    /// Defect 12: a second shutdown aborted a `JoinHandle` again, because the
    /// first abort is only processed when the runtime next polls the task.
    #[tokio::test(flavor = "current_thread")]
    async fn a_join_handle_is_aborted_once() {
        #[lifecycle]
        struct Worker {
            #[task]
            task: tokio::task::JoinHandle<()>,
            #[task]
            other: tokio::task::JoinHandle<()>,
        }
        let worker = Worker {
            task: tokio::spawn(std::future::pending()),
            other: tokio::spawn(std::future::pending()),
        };
        let first = worker.shutdown();
        assert_eq!(first.tasks_aborted(), 2, "each task is aborted, whatever else was: {first}");
        assert!(worker.is_shut_down(), "aborted, so no longer active");
        let second = worker.shutdown();
        assert!(second.was_already_done(), "{second}");
        assert_eq!(second.tasks_aborted(), 0);
    }
}
