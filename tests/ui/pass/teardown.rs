#![deny(warnings, unused_qualifications)]
use leakproof::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A user's own handle, e.g. a broker subscriber.
struct BrokerSub(AtomicBool);

impl Unsubscribe for BrokerSub {
    fn unsubscribe(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
    fn is_active(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[lifecycle(on_shutdown = Self::flush)]
struct Logger {
    #[subscription]
    on_line: Subscription,
}

impl Logger {
    fn flush(&self) {}
}

#[lifecycle(drop = "shutdown")]
struct Chat<T: Send + 'static> {
    #[subscription]
    broker: BrokerSub,
    #[subscription]
    handlers: Subscriptions,
    #[subscription]
    maybe: Option<Subscription>,
    #[shutdown]
    logger: Arc<Logger>,
    #[lifecycle(skip)]
    kept: Subscription,
    payload: T,
}

fn main() {
    let bus = EventBus::new();
    let chat = Chat {
        broker: BrokerSub(AtomicBool::new(true)),
        handlers: [bus.subscribe(|_: &u8| {}), bus.subscribe(|_: &u16| {})].into_iter().collect(),
        maybe: None,
        logger: Arc::new(Logger { on_line: bus.subscribe(|_: &u32| {}) }),
        kept: bus.subscribe(|_: &u64| {}),
        payload: 5u8,
    };
    let chat = Arc::new(chat);
    let report = chat.shutdown();
    assert!(report.is_clean(), "{report}");
    assert!(chat.is_shut_down());
    assert_eq!(bus.subscriber_count::<u64>(), 1, "the skipped field is left alone");
    drop(chat);
    assert_eq!(bus.subscriber_count::<u64>(), 0, "until the struct drops it");
}
