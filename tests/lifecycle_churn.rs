//! 100,000 service start/shutdown cycles against one shared bus: the bus
//! ends with no subscribers and the live heap stays flat (counting
//! allocator). One test function, so nothing else allocates meanwhile.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use counting_alloc::{Counting, thread_live_bytes as live_bytes};
use leakproof::prelude::*;

#[global_allocator]
static ALLOC: Counting = Counting;

struct Joined(u64);
struct Left;

#[lifecycle]
struct Session {
    #[subscription]
    on_join: Subscription,
    #[subscription]
    on_leave: Subscriptions,
    #[shutdown]
    inner: Presence,
}

#[lifecycle]
struct Presence {
    #[subscription]
    watch: Subscription,
}

fn start(bus: &EventBus, owner: &Arc<AtomicU64>) -> Session {
    let counter = Arc::clone(owner);
    let on_join = bus.subscribe(move |e: &Joined| {
        counter.fetch_add(e.0, Ordering::Relaxed);
    });
    let on_leave = Subscriptions::new();
    on_leave.push(bus.subscribe(|_: &Left| {}));
    on_leave.push(bus.subscribe(|_: &Left| {}));
    let watch = bus.subscribe_weak(owner, |c: &AtomicU64, _: &Left| {
        c.fetch_sub(1, Ordering::Relaxed);
    });
    Session { on_join, on_leave, inner: Presence { watch } }
}

#[test]
fn start_shutdown_churn_leaves_nothing_behind() {
    const CYCLES: usize = 100_000;
    let bus = EventBus::new();
    let owner = Arc::new(AtomicU64::new(0));
    let _resident = bus.subscribe(|_: &Joined| {}); // one long-lived subscriber
    let mut at_ten_percent = 0;
    for cycle in 0..CYCLES {
        let session = start(&bus, &owner);
        bus.publish(&Joined(1));
        bus.publish(&Left);
        let report = session.shutdown();
        assert_eq!(report.unsubscribed(), 4);
        drop((report, session));
        if cycle == CYCLES / 10 {
            at_ten_percent = live_bytes();
        }
    }
    let at_end = live_bytes();
    assert_eq!(bus.subscriber_count::<Joined>(), 1, "only the resident subscriber");
    assert_eq!(bus.subscriber_count::<Left>(), 0);
    assert_eq!(owner.load(Ordering::Relaxed), 0, "joins and leaves balance");
    println!("live heap after 10% of cycles: {at_ten_percent} B, at the end: {at_end} B");
    assert_eq!(at_end, at_ten_percent, "100,000 cycles, not one byte retained");
}
