// global-collection: statics holding growable collections.
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicU64;
use std::sync::{LazyLock, Mutex, OnceLock};

static SEEN: Mutex<Vec<u64>> = Mutex::new(Vec::new()); // expect: global-collection
static NAMES: LazyLock<Mutex<HashMap<u64, String>>> = LazyLock::new(Default::default); // expect: global-collection
static ROUTES: OnceLock<HashSet<String>> = OnceLock::new(); // expect: global-collection
static CACHE: once_cell::sync::Lazy<Mutex<HashMap<String, String>>> = once_cell::sync::Lazy::new(Default::default); // expect: global-collection

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::new()); // expect: global-collection
    static DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

lazy_static::lazy_static! {
    static ref REGISTRY: Mutex<HashMap<u64, String>> = Mutex::new(HashMap::new()); // expect: global-collection
}

// Look-alikes: nothing here grows.
static COUNTER: AtomicU64 = AtomicU64::new(0);
static LEVELS: [&str; 3] = ["low", "mid", "high"];
static GREETING: &str = "hello";
const LIMITS: [u32; 2] = [10, 20];
static CONFIG: OnceLock<String> = OnceLock::new();
