//! [`Unsubscribe`] for [async-nats](https://docs.rs/async-nats) subscriptions
//! (feature `nats`).
//!
//! An `async_nats::Subscriber` is both the message stream and the only way to
//! unsubscribe, and its `unsubscribe` is `async` and needs `&mut`: it cannot
//! sit in a struct field that `shutdown()` reaches through `&self`. A
//! [`NatsSubscription`] owns the subscriber on a tokio task that hands each
//! message to a handler. `unsubscribe()` (from `shutdown()`, or on drop) only
//! cancels that task, so it never blocks; the task then sends `UNSUB` to the
//! server and ends. [`NatsSubscription::closed`] waits for that; a
//! `client.flush()` after it puts the `UNSUB` on the wire.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use leakproof_runtime::nats::{NatsSubscription, async_nats};
//! use leakproof_runtime::Unsubscribe;
//!
//! let client = async_nats::connect("127.0.0.1:4222").await?;
//! let sub = NatsSubscription::subscribe(&client, "presence.>", |msg| {
//!     println!("{}: {} bytes", msg.subject, msg.payload.len());
//! })
//! .await?;
//! sub.unsubscribe(); // never blocks
//! sub.closed().await; // UNSUB handed to the client
//! client.flush().await?; // ... and written to the server
//! # Ok(())
//! # }
//! ```

use std::fmt;

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::report::{Kind, MemoryReport, Report};
use crate::shutdown::Unsubscribe;

/// The async-nats crate this module is built against, re-exported so that a
/// user's client and ours are the same type.
#[doc(no_inline)]
pub use async_nats;

/// A NATS subscription whose messages go to a handler on a tokio task, and
/// that a `#[subscription]` field can hold: `unsubscribe()` is synchronous,
/// idempotent and non-blocking; dropping it unsubscribes too.
pub struct NatsSubscription {
    subject: String,
    token: CancellationToken,
    tracker: TaskTracker,
}

impl NatsSubscription {
    /// Subscribes `client` to `subject` and delivers each message to
    /// `handler` on a task spawned on the current tokio runtime.
    ///
    /// # Errors
    /// When the client cannot send the subscription to the server.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub async fn subscribe(
        client: &async_nats::Client,
        subject: impl Into<String>,
        handler: impl Fn(async_nats::Message) + Send + 'static,
    ) -> Result<Self, async_nats::SubscribeError> {
        let subject = subject.into();
        let subscriber = client.subscribe(subject.clone()).await?;
        Ok(Self::spawn(subject, subscriber, handler))
    }

    /// Takes over an existing subscriber (for `subject`), delivering its
    /// messages to `handler` on a task spawned on the current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(
        subject: impl Into<String>,
        mut subscriber: async_nats::Subscriber,
        handler: impl Fn(async_nats::Message) + Send + 'static,
    ) -> Self {
        let token = CancellationToken::new();
        let tracker = TaskTracker::new();
        let stop = token.clone();
        tracker.spawn(async move {
            while let Some(Some(message)) = stop.run_until_cancelled(subscriber.next()).await {
                handler(message);
            }
            // Cancelled (or the client closed the stream): tell the server.
            // An error means the connection is gone, and with it the
            // server's record of this subscription.
            let _ = subscriber.unsubscribe().await;
        });
        tracker.close();
        NatsSubscription { subject: subject.into(), token, tracker }
    }

    /// The subject this subscription listens on.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Waits until the delivery task has ended and handed `UNSUB` to the
    /// client: after an `unsubscribe()`, `closed().await` then
    /// `client.flush().await` means the `UNSUB` is written to the server
    /// (which drops the subscription as it reads it).
    pub async fn closed(&self) {
        self.tracker.wait().await;
    }
}

impl Unsubscribe for NatsSubscription {
    fn unsubscribe(&self) {
        self.token.cancel();
    }

    fn is_active(&self) -> bool {
        !self.token.is_cancelled()
    }
}

impl Drop for NatsSubscription {
    /// Unsubscribes without blocking: the task sends `UNSUB` on its own.
    fn drop(&mut self) {
        self.token.cancel();
    }
}

impl MemoryReport for NatsSubscription {
    fn memory_report(&self) -> Report {
        Report::leaf::<Self>(self.subject.capacity())
            .with_len(usize::from(self.is_active()))
            .with_kind(Kind::Subscription)
    }
}

impl crate::audit::TeardownResource for NatsSubscription {}

impl fmt::Debug for NatsSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsSubscription")
            .field("subject", &self.subject)
            .field("active", &self.is_active())
            .finish()
    }
}
