//! Ordered graceful shutdown: each step awaited before the next, async
//! hooks, per-field grace, one overall deadline. Time is tokio's paused
//! clock: sleeps advance it instantly, so nothing here waits for real.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leakproof::prelude::*;
use leakproof::{Outcome, Report, StepKind};
use tokio::time::{Instant, sleep};

/// What happened, in order.
#[derive(Clone, Default)]
struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    fn push(&self, what: impl Into<String>) {
        self.0.lock().unwrap().push(what.into());
    }
    fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A task that needs `stop` to stop after it is cancelled, then writes
/// `name` into the journal.
fn slow_to_stop(journal: &Journal, name: &'static str, stop: Duration) -> TaskHandle {
    let journal = journal.clone();
    TaskHandle::spawn(name, move |token| async move {
        token.cancelled().await;
        sleep(stop).await;
        journal.push(name);
    })
}

/// A task that ignores cancellation.
fn stubborn(name: &'static str) -> TaskHandle {
    TaskHandle::spawn(name, |_token| async {
        loop {
            sleep(Duration::from_secs(3600)).await;
        }
    })
}

mod siblings {
    use super::*;

    #[lifecycle(on_shutdown = Self::flush)]
    pub struct Writer {
        pub producer_done: Arc<AtomicBool>,
        pub saw_producer_done: AtomicBool,
        #[subscription]
        pub on_line: Subscription,
    }

    impl Writer {
        async fn flush(&self) {
            sleep(Duration::from_millis(10)).await;
            let done = self.producer_done.load(Ordering::SeqCst);
            self.saw_producer_done.store(done, Ordering::SeqCst);
        }
    }

    #[lifecycle]
    pub struct Producer {
        #[task]
        pub worker: TaskHandle,
    }

    #[lifecycle]
    pub struct Pipeline {
        #[shutdown]
        pub a: Writer,
        #[shutdown]
        pub b: Producer,
    }
}

/// A is declared before B, so B goes first; B's task needs 100 ms to stop
/// once cancelled, and A's async hook checks that it has. Passes only when
/// B's whole subtree is awaited before A starts.
#[tokio::test(start_paused = true)]
async fn a_later_siblings_tasks_finish_before_an_earlier_siblings_hook() {
    use siblings::*;
    let bus = EventBus::new();
    let producer_done = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&producer_done);
    let pipeline = Pipeline {
        a: Writer {
            producer_done: Arc::clone(&producer_done),
            saw_producer_done: AtomicBool::new(false),
            on_line: bus.subscribe(|_: &u8| {}),
        },
        b: Producer {
            worker: TaskHandle::spawn("producer", move |token| async move {
                token.cancelled().await;
                sleep(Duration::from_millis(100)).await;
                flag.store(true, Ordering::SeqCst);
            }),
        },
    };
    let started = Instant::now();
    let report = pipeline.shutdown_graceful(Duration::from_secs(5)).await;
    assert!(report.is_clean(), "{report}");
    assert!(pipeline.a.saw_producer_done.load(Ordering::SeqCst), "{report}");
    let paths: Vec<&str> = report.steps().iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["b", "b.worker", "a", "a.on_line", "a.on_shutdown"]);
    // B's step spans its subtree: the 100 ms its task needed to stop.
    let b = report.step("b").unwrap();
    assert!(b.took >= Duration::from_millis(100), "{report}");
    let hook = report.step("a.on_shutdown").unwrap();
    assert!(hook.started >= b.started + b.took, "{report}");
    assert!(started.elapsed() >= Duration::from_millis(110));
    assert_eq!(bus.subscriber_count::<u8>(), 0);
}

mod deep {
    use super::*;

    #[lifecycle(on_shutdown = Self::hook)]
    pub struct Leaf {
        pub journal: Journal,
        #[task]
        pub work: TaskHandle,
    }
    impl Leaf {
        async fn hook(&self) {
            sleep(Duration::from_millis(5)).await;
            self.journal.push("leaf.hook");
        }
    }

    #[lifecycle(on_shutdown = Self::hook)]
    pub struct Middle {
        pub journal: Journal,
        #[shutdown]
        pub leaf: Leaf,
        #[task]
        pub work: TaskHandle,
    }
    impl Middle {
        fn hook(&self) {
            self.journal.push("middle.hook");
        }
    }

    #[lifecycle(on_shutdown = Self::hook)]
    pub struct Root {
        pub journal: Journal,
        #[task]
        pub work: TaskHandle,
        #[shutdown]
        pub middle: Middle,
    }
    impl Root {
        async fn hook(&self) {
            self.journal.push("root.hook");
        }
    }
}

/// Three levels, each with a task and a hook: leaf first, reverse
/// declaration order at every level, every hook after its own fields'
/// tasks stopped.
#[tokio::test(start_paused = true)]
async fn three_levels_shut_down_leaf_first_in_reverse_declaration_order() {
    use deep::*;
    let journal = Journal::default();
    let ms = Duration::from_millis;
    let root = Root {
        journal: journal.clone(),
        work: slow_to_stop(&journal, "root.work", ms(30)),
        middle: Middle {
            journal: journal.clone(),
            leaf: Leaf {
                journal: journal.clone(),
                work: slow_to_stop(&journal, "leaf.work", ms(20)),
            },
            work: slow_to_stop(&journal, "middle.work", ms(10)),
        },
    };
    let report = root.shutdown_graceful(Duration::from_secs(5)).await;
    assert!(report.is_clean(), "{report}");
    assert_eq!(
        journal.entries(),
        ["middle.work", "leaf.work", "leaf.hook", "middle.hook", "root.work", "root.hook"]
    );
    let steps: Vec<(&str, StepKind)> =
        report.steps().iter().map(|s| (s.path.as_str(), s.kind)).collect();
    assert_eq!(
        steps,
        [
            ("middle", StepKind::Nested),
            ("middle.work", StepKind::Task),
            ("middle.leaf", StepKind::Nested),
            ("middle.leaf.work", StepKind::Task),
            ("middle.leaf.on_shutdown", StepKind::Hook),
            ("middle.on_shutdown", StepKind::Hook),
            ("work", StepKind::Task),
            ("on_shutdown", StepKind::Hook),
        ]
    );
    // Every step starts once the one before it ended (a nested step is
    // followed by its own first step, which starts inside it).
    for pair in report.steps().windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        if before.kind != StepKind::Nested {
            assert!(after.started >= before.started + before.took, "{report}");
        }
    }
    assert_eq!(report.tasks_cancelled(), 3);
    assert_eq!(report.tasks_aborted(), 0);
    assert_eq!(report.step("middle").unwrap().outcome, Outcome::Done(String::new()));
    assert!(root.is_shut_down());
    // A second shutdown finds every step already done, nested ones included.
    let again = root.shutdown_graceful(Duration::from_secs(5)).await;
    assert!(again.was_already_done(), "{again}");
    assert_eq!(again.step("middle").unwrap().outcome, Outcome::AlreadyDone);
    assert_eq!(journal.entries().len(), 6, "no hook ran twice");
}

mod deadlines {
    use super::*;

    #[lifecycle(on_shutdown = Self::close)]
    pub struct Service {
        pub closed: AtomicUsize,
        #[subscription]
        pub on_tick: Subscription,
        #[task(grace = "2s")]
        pub stubborn: TaskHandle,
    }
    impl Service {
        fn close(&self) {
            self.closed.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[lifecycle(on_shutdown = Self::never)]
    pub struct Hangs {
        #[task]
        pub stubborn: TaskHandle,
    }
    impl Hangs {
        async fn never(&self) {
            std::future::pending::<()>().await;
        }
    }

    #[lifecycle]
    pub struct Outer {
        #[subscription]
        pub first: Subscription,
        #[shutdown(grace = "10s")]
        pub hangs: Hangs,
    }
}

/// A task that ignores cancellation is aborted at its own grace and named;
/// the steps after it still run.
#[tokio::test(start_paused = true)]
async fn a_task_that_ignores_cancellation_is_aborted_at_its_grace() {
    use deadlines::*;
    let bus = EventBus::new();
    let service = Service {
        closed: AtomicUsize::new(0),
        on_tick: bus.subscribe(|_: &u8| {}),
        stubborn: stubborn("ignores-cancel"),
    };
    let started = Instant::now();
    let report = service.shutdown_graceful(Duration::from_secs(60)).await;
    assert!(!report.is_clean());
    assert_eq!(
        report.step("stubborn").unwrap().outcome,
        Outcome::TimedOut(vec!["ignores-cancel".to_string()]),
        "{report}"
    );
    assert_eq!(report.tasks_aborted(), 1);
    assert_eq!(bus.subscriber_count::<u8>(), 0, "the step after it ran");
    assert_eq!(service.closed.load(Ordering::SeqCst), 1, "the hook ran");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert!(report.to_string().contains("TIMED OUT, aborted: ignores-cancel"), "{report}");
}

/// With a stubborn task and a hook that never returns, the whole shutdown
/// still ends within the overall deadline (shorter than the field's own
/// grace), and the step declared before them still runs.
#[tokio::test(start_paused = true)]
async fn the_overall_deadline_is_never_exceeded() {
    use deadlines::*;
    let bus = EventBus::new();
    let outer =
        Outer { first: bus.subscribe(|_: &u8| {}), hangs: Hangs { stubborn: stubborn("stuck") } };
    let started = Instant::now();
    let report = outer.shutdown_graceful(Duration::from_secs(1)).await;
    assert!(started.elapsed() <= Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(
        report.step("hangs.stubborn").unwrap().outcome,
        Outcome::TimedOut(vec!["stuck".to_string()])
    );
    assert_eq!(
        report.step("hangs.on_shutdown").unwrap().outcome,
        Outcome::TimedOut(vec!["on_shutdown".to_string()])
    );
    assert!(report.step("first").unwrap().outcome.is_ok(), "{report}");
    assert_eq!(bus.subscriber_count::<u8>(), 0);
    assert!(report.took() <= Duration::from_secs(1));
}

mod hooks {
    use super::*;

    #[derive(Debug)]
    pub struct DiskFull;
    impl std::fmt::Display for DiskFull {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("disk full")
        }
    }

    #[lifecycle(on_shutdown = Self::hook)]
    pub struct Panics {
        #[subscription]
        pub sub: Subscription,
    }
    impl Panics {
        async fn hook(&self) {
            sleep(Duration::from_millis(1)).await;
            panic!("hook exploded");
        }
    }

    #[lifecycle(on_shutdown = Self::hook)]
    pub struct Errs {
        #[subscription]
        pub sub: Subscription,
    }
    impl Errs {
        async fn hook(&self) -> Result<(), DiskFull> {
            Err(DiskFull)
        }
    }

    #[lifecycle(on_shutdown = Self::hook)]
    pub struct SyncErrs {
        #[subscription]
        pub sub: Subscription,
    }
    impl SyncErrs {
        fn hook(&self) -> Result<(), DiskFull> {
            Err(DiskFull)
        }
    }

    #[lifecycle(on_shutdown = Self::hook)]
    pub struct Hangs {
        #[subscription]
        pub sub: Subscription,
    }
    impl Hangs {
        async fn hook(&self) {
            std::future::pending::<()>().await;
        }
    }

    #[lifecycle]
    pub struct All {
        #[subscription]
        pub last: Subscription,
        #[shutdown]
        pub panics: Panics,
        #[shutdown]
        pub errs: Errs,
        #[shutdown]
        pub sync_errs: SyncErrs,
        #[shutdown(grace = "1s")]
        pub hangs: Hangs,
    }
}

/// A hook that panics, one that never returns and two that return an error
/// are each recorded, and every other step still runs.
#[tokio::test(start_paused = true)]
async fn failing_hooks_are_recorded_and_the_rest_still_runs() {
    use hooks::*;
    let bus = EventBus::new();
    let sub = || bus.subscribe(|_: &u8| {});
    let all = All {
        last: sub(),
        panics: Panics { sub: sub() },
        errs: Errs { sub: sub() },
        sync_errs: SyncErrs { sub: sub() },
        hangs: Hangs { sub: sub() },
    };
    let report = all.shutdown_graceful(Duration::from_secs(30)).await;
    let outcome = |path: &str| report.step(path).unwrap().outcome.clone();
    assert_eq!(outcome("panics.on_shutdown"), Outcome::Failed("hook exploded".into()));
    assert_eq!(outcome("errs.on_shutdown"), Outcome::Failed("returned an error: disk full".into()));
    assert_eq!(
        outcome("sync_errs.on_shutdown"),
        Outcome::Failed("returned an error: disk full".into())
    );
    assert_eq!(outcome("hangs.on_shutdown"), Outcome::TimedOut(vec!["on_shutdown".into()]));
    assert!(outcome("last").is_ok());
    assert_eq!(bus.subscriber_count::<u8>(), 0, "every subscription went");
    assert_eq!(report.unsubscribed(), 5);

    // The synchronous path runs the sync hook and says why the async ones
    // did not run; nothing is left to unsubscribe.
    let bus = EventBus::new();
    let errs = Errs { sub: bus.subscribe(|_: &u8| {}) };
    let report = errs.shutdown();
    match &report.step("on_shutdown").unwrap().outcome {
        Outcome::NotRun(why) => assert!(why.contains("shutdown_graceful"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(!report.is_clean());
    assert_eq!(bus.subscriber_count::<u8>(), 0);
}

mod twice {
    use super::*;

    #[lifecycle(on_shutdown = Self::flush)]
    pub struct Service {
        pub flushes: AtomicUsize,
        pub journal: Journal,
        #[task]
        pub work: TaskHandle,
    }
    impl Service {
        async fn flush(&self) {
            self.flushes.fetch_add(1, Ordering::SeqCst);
            sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Two shutdowns at once, from one task and from two: the second waits for
/// the first and returns its report; nothing runs twice.
#[tokio::test(start_paused = true)]
async fn concurrent_shutdowns_run_each_step_once() {
    use twice::*;
    let journal = Journal::default();
    let make = |journal: &Journal| Service {
        flushes: AtomicUsize::new(0),
        journal: journal.clone(),
        work: slow_to_stop(journal, "work", Duration::from_millis(50)),
    };
    let service = make(&journal);
    let grace = Duration::from_secs(5);
    let (first, second) =
        tokio::join!(service.shutdown_graceful(grace), service.shutdown_graceful(grace));
    assert_eq!(service.flushes.load(Ordering::SeqCst), 1);
    assert_eq!(journal.entries(), ["work"]);
    assert_eq!(first, second);
    assert!(first.is_clean(), "{first}");
    // Once it is over, a third call finds everything done.
    let third = service.shutdown_graceful(grace).await;
    assert!(third.step("work").unwrap().outcome == Outcome::AlreadyDone, "{third}");
    assert_eq!(third.step("on_shutdown").unwrap().outcome, Outcome::AlreadyDone);
    assert_eq!(service.flushes.load(Ordering::SeqCst), 1);

    // From two spawned tasks, through two clones of one `Arc`.
    let journal = Journal::default();
    let service = Arc::new(make(&journal));
    let a = tokio::spawn(Arc::clone(&service).shutdown_graceful_owned(grace));
    let b = tokio::spawn(Arc::clone(&service).shutdown_graceful_owned(grace));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a, b);
    assert_eq!(service.flushes.load(Ordering::SeqCst), 1);
    assert_eq!(journal.entries(), ["work"]);
}

/// A component that is not `Sync` still shuts down gracefully, walked
/// synchronously with its tasks awaited.
#[tokio::test(start_paused = true)]
async fn a_component_that_is_not_sync_falls_back_to_the_synchronous_walk() {
    #[lifecycle]
    struct Local {
        #[unbounded(reason = "one per local listener")]
        #[subscription]
        listeners: std::rc::Rc<std::cell::RefCell<Vec<Subscription>>>,
        #[task]
        work: TaskHandle,
    }
    let journal = Journal::default();
    let bus = EventBus::new();
    let local = Local {
        listeners: Default::default(),
        work: slow_to_stop(&journal, "work", Duration::from_millis(30)),
    };
    local.listeners.borrow_mut().push(bus.subscribe(|_: &u8| {}));
    let report = local.shutdown_graceful(Duration::from_secs(1)).await;
    assert!(report.is_clean(), "{report}");
    assert_eq!(journal.entries(), ["work"], "its task was awaited");
    assert_eq!(bus.subscriber_count::<u8>(), 0);
    assert_eq!((report.unsubscribed(), report.tasks_cancelled()), (1, 1), "{report}");

    // Its tasks are awaited within the same deadline; one that ignores
    // cancellation is aborted and named.
    #[lifecycle]
    struct LocalStuck {
        owner: std::rc::Rc<()>,
        #[task]
        stuck: TaskHandle,
    }
    let local = LocalStuck { owner: std::rc::Rc::new(()), stuck: stubborn("stuck") };
    let started = Instant::now();
    let report = local.shutdown_graceful(Duration::from_millis(300)).await;
    let stuck = report.step("stuck").unwrap();
    assert_eq!(stuck.outcome, Outcome::TimedOut(vec!["stuck".into()]));
    assert!(stuck.took >= Duration::from_millis(300), "its wait counts: {report}");
    assert_eq!(report.tasks_aborted(), 1);
    assert!(started.elapsed() <= Duration::from_millis(300));
    assert_eq!(std::rc::Rc::strong_count(&local.owner), 1);

    // Behind a std lock inside a `Sync` component, the subtree is walked
    // synchronously when its turn comes, and its steps are timed from the
    // start of the whole shutdown.
    struct NotSync(std::cell::Cell<u8>);
    #[lifecycle]
    struct Inner {
        flag: NotSync,
        #[task]
        stuck: TaskHandle,
        #[task]
        work: TaskHandle,
    }
    #[lifecycle]
    struct Outer {
        #[shutdown]
        locked: std::sync::Mutex<Inner>,
        #[task]
        slow: TaskHandle,
    }
    let journal = Journal::default();
    let outer = Outer {
        locked: std::sync::Mutex::new(Inner {
            flag: NotSync(std::cell::Cell::new(0)),
            stuck: stubborn("inner-stuck"),
            work: slow_to_stop(&journal, "inner", Duration::from_millis(10)),
        }),
        slow: slow_to_stop(&journal, "slow", Duration::from_millis(50)),
    };
    let report = outer.shutdown_graceful(Duration::from_secs(1)).await;
    assert_eq!(journal.entries(), ["slow", "inner"]);
    let inner = report.step("locked.work").unwrap();
    assert!(inner.started >= Duration::from_millis(50), "{report}");
    assert_eq!(inner.outcome, Outcome::Done("1 task cancelled".into()), "{report}");
    // The late task is named on its own step, not a neighbour's.
    let stuck = report.step("locked.stuck").unwrap();
    assert_eq!(stuck.outcome, Outcome::TimedOut(vec!["inner-stuck".into()]), "{report}");
    assert_eq!(report.steps().iter().filter(|s| !s.outcome.is_ok()).count(), 1, "{report}");
    assert_eq!(outer.locked.lock().unwrap().flag.0.get(), 0);
}

/// Components behind a tokio lock and in a `Vec` are awaited in order too.
#[tokio::test(start_paused = true)]
async fn components_behind_tokio_locks_and_in_collections_are_ordered() {
    #[lifecycle(on_shutdown = Self::hook)]
    struct Worker {
        journal: Journal,
        name: &'static str,
        #[task]
        work: TaskHandle,
    }
    impl Worker {
        async fn hook(&self) {
            self.journal.push(format!("{}.hook", self.name));
        }
    }
    #[lifecycle]
    struct Pool {
        #[unbounded(reason = "one per configured worker")]
        #[shutdown]
        workers: tokio::sync::RwLock<Vec<Worker>>,
    }
    let journal = Journal::default();
    let worker = |name: &'static str, ms: u64| Worker {
        journal: journal.clone(),
        name,
        work: slow_to_stop(&journal, name, Duration::from_millis(ms)),
    };
    let pool = Pool { workers: tokio::sync::RwLock::new(vec![worker("w0", 10), worker("w1", 40)]) };
    let report = pool.shutdown_graceful(Duration::from_secs(1)).await;
    assert!(report.is_clean(), "{report}");
    // The newest member first, each member's task before its hook, and the
    // slower w1 done before w0 starts.
    assert_eq!(journal.entries(), ["w1", "w1.hook", "w0", "w0.hook"]);
}

mod reload {
    use super::*;

    #[lifecycle]
    pub struct Chat {
        pub generation: usize,
        #[subscription]
        pub on_line: Subscription,
        #[task]
        pub flusher: TaskHandle,
    }

    #[lifecycle]
    pub struct Server {
        #[shutdown]
        pub chat: Reloadable<Chat>,
    }
}

/// A hot reload through `Reloadable`: the old instance is shut down
/// gracefully (its task awaited), the new one is what the server's own
/// shutdown and memory report reach.
#[tokio::test(start_paused = true)]
async fn a_reloadable_field_shuts_down_the_instance_current_at_the_time() {
    use reload::*;
    let bus = EventBus::new();
    let journal = Journal::default();
    let start = |generation: usize, name: &'static str| {
        Arc::new(Chat {
            generation,
            on_line: bus.subscribe(|_: &u8| {}),
            flusher: slow_to_stop(&journal, name, Duration::from_millis(10)),
        })
    };
    let server = Server { chat: Reloadable::new(start(1, "first")) };
    let first = Arc::downgrade(&server.chat.current());

    let report = server.chat.reload(start(2, "second"), Duration::from_secs(1)).await;
    assert!(report.is_clean(), "{report}");
    assert_eq!(journal.entries(), ["first"], "the old flusher was awaited");
    assert!(first.upgrade().is_none(), "nothing keeps the old instance");
    assert_eq!(server.chat.current().generation, 2);
    assert_eq!(bus.subscriber_count::<u8>(), 1);
    assert_eq!(server.memory_report().find("chat.on_line").and_then(Report::len), Some(1));

    let report = server.shutdown_graceful(Duration::from_secs(1)).await;
    assert!(report.is_clean(), "{report}");
    assert_eq!(journal.entries(), ["first", "second"]);
    assert_eq!(bus.subscriber_count::<u8>(), 0);
    assert!(server.is_shut_down());
}
