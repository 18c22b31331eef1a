//! The audited server as it was: plain std collections and a hand-written
//! shutdown. Each leak below is one the audit found:
//!
//! - `ConnectionManager::closed_websockets` is only ever inserted into;
//! - `PlayerCache` drops an expired profile only when it is read again, so
//!   guests who never come back stay forever;
//! - `ChatService::shutdown` forgets one unsubscribe (`on_line`). That
//!   handler holds the service strongly, so after every hot reload the old
//!   service lives on inside the bus: it keeps receiving chat lines, keeps
//!   queueing them for a flusher that is gone, and keeps its frozen rooms.
//!
//! `#[derive(MemoryReport)]` reports these structs for the side-by-side
//! table; it checks nothing (that is `#[lifecycle]`'s job).

use std::collections::{HashMap, HashSet, VecDeque};
use std::mem;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use leakproof::Report;
use leakproof::prelude::*;

use crate::guarded::Profile;
use crate::logger::ChatLogger;
use crate::server::{
    Backend, ChatLine, Config, Connected, Deliver, Disconnected, LogLine, Outbox, RoomChange,
    chat_text, current, deliver_to_room, lock, swap,
};

pub struct Socket {
    player: u64,
    room: Option<u32>,
    outbox: Outbox,
}

#[derive(MemoryReport)]
pub struct ConnectionManager {
    closed_websockets: Mutex<HashSet<u64>>,
    #[report(skip)]
    active_websockets: Mutex<HashMap<u64, Socket>>,
    events: Mutex<Vec<Subscription>>,
}

impl ConnectionManager {
    fn start(bus: &EventBus) -> Arc<Self> {
        let manager = Arc::new(ConnectionManager {
            closed_websockets: Mutex::default(),
            active_websockets: Mutex::default(),
            events: Mutex::default(),
        });
        let (m1, m2, m3) = (Arc::clone(&manager), Arc::clone(&manager), Arc::clone(&manager));
        *lock(&manager.events) = vec![
            bus.subscribe(move |e: &Disconnected| {
                if lock(&m1.active_websockets).remove(&e.socket).is_some() {
                    lock(&m1.closed_websockets).insert(e.socket);
                }
            }),
            bus.subscribe(move |e: &RoomChange| {
                if let Some(s) = lock(&m2.active_websockets).get_mut(&e.socket) {
                    s.room = Some(e.room);
                }
            }),
            bus.subscribe(move |e: &Deliver| {
                if let Some(s) = lock(&m3.active_websockets).get(&e.to) {
                    let _ = s.outbox.try_send(Arc::clone(&e.line));
                }
            }),
        ];
        manager
    }

    fn shutdown(&self) {
        // Taking the handles out breaks the manager -> bus -> handler ->
        // manager cycle; this one the audited code got right.
        mem::take(&mut *lock(&self.events));
    }
}

#[derive(MemoryReport)]
pub struct PlayerCache {
    #[report(with = report_players)]
    players: Mutex<HashMap<u64, (Instant, Profile)>>,
    on_connect: Mutex<Option<Subscription>>,
    on_disconnect: Mutex<Option<Subscription>>,
    #[report(skip)]
    ttl: Duration,
}

fn report_players(players: &Mutex<HashMap<u64, (Instant, Profile)>>) -> Report {
    lock(players).memory_report()
}

impl PlayerCache {
    fn start(bus: &EventBus, config: &Config) -> Arc<Self> {
        let cache = Arc::new(PlayerCache {
            players: Mutex::default(),
            on_connect: Mutex::default(),
            on_disconnect: Mutex::default(),
            ttl: config.player_ttl,
        });
        let me = Arc::clone(&cache);
        *lock(&cache.on_connect) = Some(bus.subscribe(move |e: &Connected| {
            me.get_or_load(e.player);
        }));
        let me = Arc::clone(&cache);
        *lock(&cache.on_disconnect) = Some(bus.subscribe(move |e: &Disconnected| {
            me.get_or_load(e.player);
        }));
        cache
    }

    /// Expiry on read: a profile that is never read again never leaves.
    fn get_or_load(&self, player: u64) -> Profile {
        let mut players = lock(&self.players);
        match players.get(&player) {
            Some((at, profile)) if at.elapsed() < self.ttl => profile.clone(),
            _ => {
                let profile = Profile::load(player);
                players.insert(player, (Instant::now(), profile.clone()));
                profile
            }
        }
    }

    fn shutdown(&self) {
        lock(&self.on_connect).take();
        lock(&self.on_disconnect).take();
    }
}

#[derive(MemoryReport)]
pub struct ChatService {
    history: Mutex<VecDeque<Arc<str>>>,
    pending: Mutex<VecDeque<Arc<str>>>,
    members: Mutex<HashMap<u64, u32>>,
    rooms: Mutex<HashMap<u32, HashSet<u64>>>,
    #[report(skip)]
    flusher: Mutex<Option<tokio::task::JoinHandle<()>>>,
    on_line: Mutex<Option<Subscription>>,
    on_room: Mutex<Option<Subscription>>,
    on_disconnect: Mutex<Option<Subscription>>,
    #[report(skip)]
    history_cap: usize,
}

impl ChatService {
    fn start(bus: &EventBus, config: &Config, placed: Vec<(u64, u32)>) -> Arc<Self> {
        let chat = Arc::new(ChatService {
            history: Mutex::default(),
            pending: Mutex::default(),
            members: Mutex::default(),
            rooms: Mutex::default(),
            flusher: Mutex::default(),
            on_line: Mutex::default(),
            on_room: Mutex::default(),
            on_disconnect: Mutex::default(),
            history_cap: config.history_cap,
        });
        for (socket, room) in placed {
            chat.moved(socket, room);
        }
        let (c1, c2, c3, deliver) =
            (Arc::clone(&chat), Arc::clone(&chat), Arc::clone(&chat), bus.clone());
        *lock(&chat.on_line) = Some(bus.subscribe(move |e: &ChatLine| c1.said(e, &deliver)));
        *lock(&chat.on_room) =
            Some(bus.subscribe(move |e: &RoomChange| c2.moved(e.socket, e.room)));
        *lock(&chat.on_disconnect) = Some(bus.subscribe(move |e: &Disconnected| c3.left(e.socket)));
        let (me, log, every) = (Arc::clone(&chat), bus.clone(), config.flush_every);
        *lock(&chat.flusher) = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let lines: Vec<Arc<str>> = lock(&me.pending).drain(..).collect();
                for line in lines {
                    log.publish(&LogLine(line));
                }
            }
        }));
        chat
    }

    fn said(&self, line: &ChatLine, bus: &EventBus) {
        let room = lock(&self.members).get(&line.socket).copied();
        let text = chat_text(room, line);
        {
            // The history is trimmed by hand; it is not the leak.
            let mut history = lock(&self.history);
            history.push_back(Arc::clone(&text));
            if history.len() > self.history_cap {
                history.pop_front();
            }
        }
        lock(&self.pending).push_back(Arc::clone(&text));
        if let Some(room) = room {
            deliver_to_room(bus, &self.rooms, room, &text);
        }
    }

    fn moved(&self, socket: u64, room: u32) {
        let old = lock(&self.members).insert(socket, room);
        let mut rooms = lock(&self.rooms);
        if let Some(set) = old.and_then(|old| rooms.get_mut(&old)) {
            set.remove(&socket);
        }
        rooms.entry(room).or_default().insert(socket);
    }

    fn left(&self, socket: u64) {
        let room = lock(&self.members).remove(&socket);
        let mut rooms = lock(&self.rooms);
        if let Some(set) = room.and_then(|room| rooms.get_mut(&room)) {
            set.remove(&socket);
        }
    }

    /// The hand-written shutdown, as the audit found it: the flusher is
    /// stopped and two of the three subscriptions are released. `on_line`
    /// is forgotten.
    fn shutdown(&self) {
        if let Some(flusher) = lock(&self.flusher).take() {
            flusher.abort();
        }
        lock(&self.on_room).take();
        lock(&self.on_disconnect).take();
    }
}

/// The same composition root as `guarded::Guarded`, over the plain services.
pub struct Unguarded {
    bus: EventBus,
    config: Config,
    connections: Arc<ConnectionManager>,
    logger: Arc<ChatLogger>,
    chat: RwLock<Arc<ChatService>>,
    players: Arc<PlayerCache>,
}

impl Unguarded {
    pub fn new(config: Config) -> std::io::Result<Self> {
        let bus = EventBus::new();
        Ok(Unguarded {
            connections: ConnectionManager::start(&bus),
            logger: ChatLogger::start(&bus, config.chat_log.as_deref())?,
            chat: RwLock::new(ChatService::start(&bus, &config, Vec::new())),
            players: PlayerCache::start(&bus, &config),
            bus,
            config,
        })
    }
}

impl Backend for Unguarded {
    fn connect(&self, socket: u64, player: u64, outbox: Outbox) {
        lock(&self.connections.active_websockets)
            .insert(socket, Socket { player, room: None, outbox });
        self.bus.publish(&Connected { player });
    }

    fn join(&self, socket: u64, room: u32) {
        self.bus.publish(&RoomChange { socket, room });
    }

    fn say(&self, socket: u64, text: &str) {
        self.bus.publish(&ChatLine { socket, text: Arc::from(text) });
    }

    fn disconnect(&self, socket: u64) {
        let player = lock(&self.connections.active_websockets).get(&socket).map_or(0, |s| s.player);
        self.bus.publish(&Disconnected { socket, player });
    }

    fn chat_log(&self) -> (u64, u64) {
        self.logger.figures()
    }

    fn live_sockets(&self) -> usize {
        lock(&self.connections.active_websockets).len()
    }

    async fn restart(&self) {
        let placed: Vec<(u64, u32)> = lock(&self.connections.active_websockets)
            .iter()
            .filter_map(|(id, s)| Some((*id, s.room?)))
            .collect();
        swap(&self.chat, ChatService::start(&self.bus, &self.config, placed)).shutdown();
    }

    fn report(&self) -> Report {
        Report::structure::<Self>(
            "GameServer",
            vec![
                self.connections.memory_report().named("connections"),
                current(&self.chat).memory_report().named("chat"),
                self.players.memory_report().named("players"),
                self.logger.memory_report().named("logger"),
                self.bus.memory_report().named("bus"),
            ],
        )
    }

    async fn shutdown_on_signal(&self) -> String {
        let _ = tokio::signal::ctrl_c().await;
        self.shutdown().await
    }

    async fn shutdown(&self) -> String {
        current(&self.chat).shutdown();
        self.players.shutdown();
        self.connections.shutdown();
        let logger = self.logger.shutdown();
        format!(
            "hand-written shutdown done; logger: {logger}\nevent bus subscribers left: {} (forgotten `on_line` handlers, one per chat service ever started)\n",
            self.bus.total_subscribers()
        )
    }
}
