//! Presence over a real message broker (feature `nats`): every server
//! publishes joins and leaves to NATS and follows everyone's on
//! `presence.>`. The broker subscription is a `#[subscription]` field, so a
//! restart or shutdown unsubscribes it; the audited server relied on
//! someone remembering to.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use leakproof::nats::{NatsSubscription, async_nats};
use leakproof::prelude::*;
use leakproof::{Reloadable, TaskSet};
use tokio::sync::mpsc;

use crate::server::{Connected, Disconnected};

/// Joins and leaves waiting to be published; a stalled broker costs
/// dropped presence updates, not memory.
const OUTBOX: usize = 1_024;

#[lifecycle]
pub struct PresenceService {
    /// Everyone's joins and leaves.
    #[subscription]
    feed: NatsSubscription,

    /// This server's `Connected` / `Disconnected` events.
    #[subscription]
    events: Subscriptions,

    /// Forwards this server's events to NATS.
    #[task]
    tasks: TaskSet,

    outbox: mpsc::Sender<(&'static str, u64)>,
    /// Players online, as the feed tells it.
    online: Arc<AtomicI64>,
}

impl PresenceService {
    pub async fn start(
        client: &async_nats::Client,
        bus: &EventBus,
    ) -> Result<Arc<Self>, async_nats::SubscribeError> {
        let online = Arc::new(AtomicI64::new(0));
        let counter = Arc::clone(&online);
        let feed = NatsSubscription::subscribe(client, "presence.>", move |msg| {
            let delta = if msg.subject.ends_with(".join") { 1 } else { -1 };
            counter.fetch_add(delta, Ordering::Relaxed);
        })
        .await?;
        let (outbox, mut queued) = mpsc::channel(OUTBOX);
        let service = Arc::new(PresenceService {
            feed,
            events: Subscriptions::new(),
            tasks: TaskSet::new(),
            outbox,
            online,
        });
        service
            .events
            .push(bus.subscribe_weak(&service, |s: &Self, e: &Connected| s.send("join", e.player)));
        service.events.push(
            bus.subscribe_weak(&service, |s: &Self, e: &Disconnected| s.send("leave", e.player)),
        );
        let client = client.clone();
        service.tasks.spawn("presence-publisher", move |stop| async move {
            while let Some(Some((what, player))) = stop.run_until_cancelled(queued.recv()).await {
                let subject = format!("presence.{what}");
                if client.publish(subject, player.to_string().into()).await.is_err() {
                    break;
                }
            }
        });
        Ok(service)
    }

    fn send(&self, what: &'static str, player: u64) {
        let _ = self.outbox.try_send((what, player));
    }

    /// Players online, from the broker's feed.
    #[allow(dead_code)] // read by tests/nats.rs
    pub fn online(&self) -> i64 {
        self.online.load(Ordering::Relaxed)
    }

    /// Shuts down gracefully and waits until the `UNSUB` is written to the
    /// broker.
    pub async fn stop(&self, client: &async_nats::Client, grace: Duration) -> ShutdownReport {
        let report = self.shutdown_graceful(grace).await;
        self.feed.closed().await;
        let _ = client.flush().await;
        report
    }
}

/// The game server's handle on presence: the client and the current
/// (restartable) service. Its generated shutdown stops the service, then
/// its hook waits until the broker has the `UNSUB`.
#[lifecycle(on_shutdown = Self::flush)]
pub struct Presence {
    client: async_nats::Client,
    #[shutdown]
    service: Reloadable<PresenceService>,
}

impl Presence {
    pub async fn connect(bus: &EventBus, url: &str) -> std::io::Result<Self> {
        let client = async_nats::connect(url).await.map_err(std::io::Error::other)?;
        let service = PresenceService::start(&client, bus).await.map_err(std::io::Error::other)?;
        Ok(Presence { client, service: Reloadable::new(service) })
    }

    pub async fn restart(&self, bus: &EventBus, grace: Duration) {
        match PresenceService::start(&self.client, bus).await {
            Ok(fresh) => {
                self.service.replace(fresh).stop(&self.client, grace).await;
            }
            // The running service stays; the next reload tries again.
            Err(e) => eprintln!("presence: restart failed, keeping the running service: {e}"),
        }
    }

    /// After the service's own steps: the `UNSUB` reaches the broker.
    async fn flush(&self) {
        self.service.current().feed.closed().await;
        let _ = self.client.flush().await;
    }
}
