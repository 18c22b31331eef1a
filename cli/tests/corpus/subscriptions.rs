// leaked-subscription: subscriptions nothing can ever drop.
use std::sync::{Arc, Mutex};

pub struct Chat {
    subscription: Mutex<Option<Subscription>>,
    lines: Mutex<u64>,
}

impl Chat {
    pub fn start(bus: &EventBus) -> Arc<Chat> {
        let chat = Arc::new(Chat { subscription: Mutex::new(None), lines: Mutex::new(0) });
        let me = Arc::clone(&chat);
        let sub = bus.subscribe(move |_: &Line| *me.lines.lock().unwrap() += 1); // expect: leaked-subscription
        *chat.subscription.lock().unwrap() = Some(sub);
        chat
    }

    /// Look-alike: a weak subscription breaks the cycle.
    pub fn start_weak(bus: &EventBus) -> Arc<Chat> {
        let chat = Arc::new(Chat { subscription: Mutex::new(None), lines: Mutex::new(0) });
        let sub = bus.subscribe_weak(&chat, |c: &Chat, _: &Line| *c.lines.lock().unwrap() += 1);
        *chat.subscription.lock().unwrap() = Some(sub);
        chat
    }
}

pub fn forever(bus: &EventBus) {
    let subscription = bus.subscribe(|_: &Line| {});
    std::mem::forget(subscription); // expect: leaked-subscription
    Box::leak(Box::new(bus.subscribe(|_: &Line| {}))); // expect: leaked-subscription
}

/// Look-alike: the handler holds a counter, not the struct that keeps the
/// subscription.
pub fn counted(bus: &EventBus, registry: &Registry) {
    let counter = Arc::new(Mutex::new(0u64));
    let seen = Arc::clone(&counter);
    let sub = bus.subscribe(move |_: &Line| *seen.lock().unwrap() += 1);
    registry.keep(sub);
    std::mem::forget(counter);
}
