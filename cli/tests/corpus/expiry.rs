// read-only-expiry: a hand-made TTL map whose expired entries leave only
// when they are read.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub struct SessionCache {
    sessions: Mutex<HashMap<String, (Instant, String)>>, // expect: unbounded-field, read-only-expiry
    ttl: Duration,
}

impl SessionCache {
    pub fn new(ttl: Duration) -> Arc<Self> {
        Arc::new(SessionCache { sessions: Mutex::default(), ttl })
    }

    pub fn get(&self, key: &str) -> Option<String> {
        let mut sessions = self.sessions.lock().unwrap();
        match sessions.get(key) {
            Some((at, value)) if at.elapsed() < self.ttl => Some(value.clone()),
            Some(_) => {
                sessions.remove(key);
                None
            }
            None => None,
        }
    }
}

/// The value type carries the instant in a struct of its own.
pub struct Token {
    issued: SystemTime,
    user: u64,
}

pub struct Tokens {
    by_id: Mutex<HashMap<u64, Token>>, // expect: unbounded-field, read-only-expiry
}

pub fn tokens() -> Arc<Tokens> {
    Arc::new(Tokens { by_id: Mutex::default() })
}

/// Look-alike for this rule: a sweeper removes expired entries (the map
/// itself is still unbounded).
pub struct Swept {
    entries: Mutex<HashMap<u64, Instant>>, // expect: unbounded-field
}

impl Swept {
    pub fn start() -> Arc<Self> {
        Arc::new(Swept { entries: Mutex::default() })
    }

    pub fn sweep(&self, ttl: Duration) {
        self.entries.lock().unwrap().retain(|_, at| at.elapsed() < ttl);
    }
}

/// Look-alike: swept with `extract_if` (the sweep alone in its method).
pub struct Drained {
    entries: Mutex<HashMap<u64, Instant>>, // expect: unbounded-field
}

impl Drained {
    pub fn start() -> Arc<Self> {
        Arc::new(Drained { entries: Mutex::default() })
    }

    pub fn sweep(&self, ttl: Duration) -> usize {
        self.entries.lock().unwrap().extract_if(|_, at| at.elapsed() >= ttl).count()
    }
}
