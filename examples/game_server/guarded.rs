//! The guarded services: the audited server's services written with
//! leakproof. Every tracking structure is bounded or carries a reviewed
//! reason, observers hold weak references, and `shutdown()` is generated,
//! so a restart leaves nothing behind.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, Weak};

use leakproof::prelude::*;
use leakproof::{Reloadable, Report, TaskSet};

use crate::logger::ChatLogger;
use crate::server::{
    Backend, CLOSED_SOCKETS, ChatLine, Config, Connected, Deliver, Disconnected, HISTORY, LogLine,
    Outbox, PENDING, PLAYERS, RoomChange, chat_text, deliver_to_room, lock,
};

/// One open socket.
pub struct Socket {
    pub player: u64,
    pub room: Option<u32>,
    pub outbox: Outbox,
}

/// Tracks open sockets, and remembers recently closed ones so that late
/// frames for them are dropped: the audit's "set only ever inserted into",
/// now capped.
#[lifecycle]
pub struct ConnectionManager {
    /// Recently closed socket ids; when full, SIEVE forgets one nobody looked
    /// up lately.
    #[bounded(cap = CLOSED_SOCKETS)]
    closed_websockets: Mutex<HashSet<u64>>,

    #[unbounded(reason = "one entry per live socket; removed on disconnect")]
    active_websockets: Mutex<HashMap<u64, Socket>>,

    /// Disconnect, room-change and delivery events.
    #[subscription]
    events: Subscriptions,
}

impl ConnectionManager {
    pub fn start(bus: &EventBus, config: &Config) -> Arc<Self> {
        let manager = Arc::new(ConnectionManager {
            closed_websockets: Mutex::new(BoundedSet::with_cap(config.closed_cap)),
            active_websockets: Mutex::default(),
            events: Subscriptions::new(),
        });
        manager
            .events
            .push(bus.subscribe_weak(&manager, |m: &Self, e: &Disconnected| m.closed(e.socket)));
        manager.events.push(
            bus.subscribe_weak(&manager, |m: &Self, e: &RoomChange| m.moved(e.socket, e.room)),
        );
        manager
            .events
            .push(bus.subscribe_weak(&manager, |m: &Self, e: &Deliver| m.deliver(e.to, &e.line)));
        manager
    }

    pub fn connect(&self, socket: u64, player: u64, outbox: Outbox) {
        lock(&self.active_websockets).insert(socket, Socket { player, room: None, outbox });
    }

    fn closed(&self, socket: u64) {
        if lock(&self.active_websockets).remove(&socket).is_some() {
            // A full set forgets an id (SIEVE: one not looked up since the
            // hand last passed); nothing to handle.
            lock(&self.closed_websockets).insert(socket);
        }
    }

    fn moved(&self, socket: u64, room: u32) {
        if let Some(s) = lock(&self.active_websockets).get_mut(&socket) {
            s.room = Some(room);
        }
    }

    fn deliver(&self, to: u64, line: &Arc<str>) {
        if let Some(s) = lock(&self.active_websockets).get(&to) {
            // A client too slow to drain its queue loses lines, rather than
            // the server growing a queue for it.
            let _ = s.outbox.try_send(Arc::clone(line));
        }
    }

    /// True for a socket that closed recently: its late frames are dropped.
    pub fn is_closed(&self, socket: u64) -> bool {
        lock(&self.closed_websockets).contains(&socket)
    }

    pub fn player(&self, socket: u64) -> Option<u64> {
        lock(&self.active_websockets).get(&socket).map(|s| s.player)
    }

    /// (socket, room) for every socket in a room: how a restarted chat
    /// service learns who is where.
    pub fn rooms(&self) -> Vec<(u64, u32)> {
        lock(&self.active_websockets).iter().filter_map(|(id, s)| Some((*id, s.room?))).collect()
    }

    pub fn live(&self) -> usize {
        lock(&self.active_websockets).len()
    }
}

/// A player's profile, as loaded from the (here simulated) database.
#[derive(Clone, Debug, MemoryReport)]
pub struct Profile {
    pub name: String,
    pub rating: u32,
}

impl Profile {
    pub fn load(player: u64) -> Self {
        Profile { name: format!("player-{player}"), rating: (player * 7_919 % 3_000) as u32 }
    }
}

/// Profiles of players seen lately. The audit's cache kept expired entries
/// until they were read; this one drops them on every write.
#[lifecycle]
pub struct PlayerCache {
    #[bounded(cap = PLAYERS)] // its TTL is `config.player_ttl`, set in `start`
    players: Mutex<HashMap<u64, Profile>>,

    /// Connect and disconnect events.
    #[subscription]
    events: Subscriptions,
}

impl PlayerCache {
    pub fn start(bus: &EventBus, config: &Config) -> Arc<Self> {
        let players = BoundedMap::builder().cap(config.player_cap).ttl(config.player_ttl).build();
        let cache =
            Arc::new(PlayerCache { players: Mutex::new(players), events: Subscriptions::new() });
        cache.events.push(bus.subscribe_weak(&cache, |c: &Self, e: &Connected| c.load(e.player)));
        cache
            .events
            .push(bus.subscribe_weak(&cache, |c: &Self, e: &Disconnected| c.seen(e.player)));
        cache
    }

    /// A player left: their profile counts as used (SIEVE keeps it over
    /// profiles nobody touched since the hand last passed).
    fn seen(&self, player: u64) {
        let _ = lock(&self.players).get(&player);
    }

    fn load(&self, player: u64) {
        let mut players = lock(&self.players);
        if players.get(&player).is_none() {
            players.insert(player, Profile::load(player));
        }
    }
}

/// Rooms, history and the chat log feed.
#[lifecycle]
pub struct ChatService {
    /// The last lines said, for players who join late.
    #[bounded(cap = HISTORY)]
    history: Mutex<VecDeque<Arc<str>>>,

    /// Lines waiting for the flusher to hand them to the chat log.
    #[bounded(cap = PENDING)]
    pending: Mutex<VecDeque<Arc<str>>>,

    #[unbounded(reason = "one entry per socket in a room; removed on disconnect")]
    members: Mutex<HashMap<u64, u32>>,

    #[unbounded(reason = "one entry per occupied room; an emptied room is removed")]
    rooms: Mutex<HashMap<u32, HashSet<u64>>>,

    /// The flusher.
    #[task]
    tasks: TaskSet,

    /// Chat, room-change and disconnect events.
    #[subscription]
    events: Subscriptions,
}

impl ChatService {
    /// Starts the service; `placed` says which socket is in which room
    /// (empty at first, the connection manager's view after a restart).
    pub fn start(
        bus: &EventBus,
        config: &Config,
        placed: impl FnOnce() -> Vec<(u64, u32)>,
    ) -> Arc<Self> {
        let chat = Arc::new(ChatService {
            history: Mutex::new(BoundedDeque::with_cap(config.history_cap)),
            pending: Mutex::new(BoundedDeque::with_cap(config.pending_cap)),
            members: Mutex::default(),
            rooms: Mutex::default(),
            tasks: TaskSet::new(),
            events: Subscriptions::new(),
        });
        let deliver = bus.clone();
        chat.events
            .push(bus.subscribe_weak(&chat, move |c: &Self, e: &ChatLine| c.said(e, &deliver)));
        chat.events
            .push(bus.subscribe_weak(&chat, |c: &Self, e: &RoomChange| c.moved(e.socket, e.room)));
        chat.events.push(bus.subscribe_weak(&chat, |c: &Self, e: &Disconnected| c.left(e.socket)));
        // Subscribed first, then placed: a socket that moves meanwhile is
        // not put back where it was.
        for (socket, room) in placed() {
            if !lock(&chat.members).contains_key(&socket) {
                chat.moved(socket, room);
            }
        }
        let (weak, log, every) = (Arc::downgrade(&chat), bus.clone(), config.flush_every);
        chat.tasks.spawn("chat-flusher", move |stop| async move {
            while stop.run_until_cancelled(tokio::time::sleep(every)).await.is_some() {
                flush(&weak, &log);
            }
            flush(&weak, &log); // what was said before the stop is logged too
        });
        chat
    }

    /// Every line goes to the history and the log; members of the
    /// speaker's room get it delivered.
    fn said(&self, line: &ChatLine, bus: &EventBus) {
        let room = lock(&self.members).get(&line.socket).copied();
        let text = chat_text(room, line);
        // Both are bounded deques: when full, the oldest line goes (counted
        // as an eviction); `push_back` returns `()`, as std's.
        lock(&self.history).push_back(Arc::clone(&text));
        lock(&self.pending).push_back(Arc::clone(&text));
        if let Some(room) = room {
            deliver_to_room(bus, &self.rooms, room, &text);
        }
    }

    fn moved(&self, socket: u64, room: u32) {
        let old = lock(&self.members).insert(socket, room);
        let mut rooms = lock(&self.rooms);
        if let Some(old) = old {
            leave(&mut rooms, old, socket);
        }
        rooms.entry(room).or_default().insert(socket);
    }

    fn left(&self, socket: u64) {
        if let Some(room) = lock(&self.members).remove(&socket) {
            leave(&mut lock(&self.rooms), room, socket);
        }
    }
}

fn leave(rooms: &mut HashMap<u32, HashSet<u64>>, room: u32, socket: u64) {
    if let Some(members) = rooms.get_mut(&room) {
        members.remove(&socket);
        if members.is_empty() {
            rooms.remove(&room);
        }
    }
}

fn flush(chat: &Weak<ChatService>, bus: &EventBus) {
    let Some(chat) = chat.upgrade() else { return };
    let lines: Vec<Arc<str>> = lock(&chat.pending).drain().collect();
    for line in lines {
        bus.publish(&LogLine(line));
    }
}

/// The composition root: the shared bus, the long-lived services, and the
/// one a hot reload replaces. Its shutdown is generated like every other's:
/// fields in reverse declaration order, each awaited before the next. So
/// the declaration order below is the shutdown order read bottom-up: the
/// reloadable chat first (its flusher hands its last lines to the logger),
/// then players, presence and connections, and the logger last, which
/// drains its queue and joins its writer once nothing feeds it any more.
#[lifecycle]
pub struct Guarded {
    /// Shut down last: drains and joins its writer.
    #[shutdown]
    logger: Arc<ChatLogger>,
    #[shutdown]
    connections: Arc<ConnectionManager>,
    #[cfg(feature = "nats")]
    #[shutdown]
    presence: Option<crate::presence::Presence>,
    #[shutdown]
    players: Arc<PlayerCache>,
    /// Replaced by every hot reload; shut down first.
    #[shutdown]
    chat: Reloadable<ChatService>,
    /// Every service's subscriptions live here; each service unsubscribes
    /// its own, so the bus is empty once the shutdown is over.
    bus: EventBus,
    config: Config,
}

impl Guarded {
    pub async fn new(config: Config) -> std::io::Result<Self> {
        let bus = EventBus::new();
        let connections = ConnectionManager::start(&bus, &config);
        let logger = ChatLogger::start(&bus, config.chat_log.as_deref())?;
        let chat = ChatService::start(&bus, &config, Vec::new);
        let players = PlayerCache::start(&bus, &config);
        #[cfg(feature = "nats")]
        let presence = match &config.nats {
            Some(url) => Some(crate::presence::Presence::connect(&bus, url).await?),
            None => None,
        };
        Ok(Guarded {
            chat: Reloadable::new(chat),
            players,
            bus,
            config,
            connections,
            logger,
            #[cfg(feature = "nats")]
            presence,
        })
    }

    /// The shutdown report, and the one figure it cannot show: subscribers
    /// left on the bus.
    fn summary(&self, report: &leakproof::ShutdownReport) -> String {
        format!("{report}event bus subscribers left: {}\n", self.bus.total_subscribers())
    }
}

impl Backend for Guarded {
    fn connect(&self, socket: u64, player: u64, outbox: Outbox) {
        self.connections.connect(socket, player, outbox);
        self.bus.publish(&Connected { player });
    }

    fn join(&self, socket: u64, room: u32) {
        if !self.connections.is_closed(socket) {
            self.bus.publish(&RoomChange { socket, room });
        }
    }

    fn say(&self, socket: u64, text: &str) {
        if !self.connections.is_closed(socket) {
            self.bus.publish(&ChatLine { socket, text: Arc::from(text) });
        }
    }

    fn disconnect(&self, socket: u64) {
        let player = self.connections.player(socket).unwrap_or(0);
        self.bus.publish(&Disconnected { socket, player });
    }

    fn chat_log(&self) -> (u64, u64) {
        self.logger.figures()
    }

    fn live_sockets(&self) -> usize {
        self.connections.live()
    }

    async fn restart(&self) {
        let grace = self.config.grace;
        let connections = Arc::clone(&self.connections);
        let fresh = ChatService::start(&self.bus, &self.config, || connections.rooms());
        let report = self.chat.reload(fresh, grace).await;
        if !report.is_clean() {
            eprintln!("restart: {report}");
        }
        #[cfg(feature = "nats")]
        if let Some(presence) = &self.presence {
            presence.restart(&self.bus, grace).await;
        }
    }

    fn report(&self) -> Report {
        self.memory_report().named("GameServer")
    }

    async fn shutdown(&self) -> String {
        self.summary(&self.shutdown_graceful(self.config.grace).await)
    }

    fn shutdown_on_signal(&self) -> impl Future<Output = String> + Send {
        // Listening from this call on (see `leakproof::shutdown_on_signal`).
        let stop = leakproof::shutdown_on_signal(self, self.config.grace);
        async move { self.summary(&stop.await) }
    }
}
