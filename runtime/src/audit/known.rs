// The one list of what can grow without bound, as data. Two readers define
// `known!` and `include!` this file: the runtime (audit/mod.rs), which turns
// it into the `Unbounded` marker impls behind `#[lifecycle]`'s compile-time
// audit, and the `cargo leakproof audit` CLI (cli/src/known.rs), which turns
// it into the tables it matches source against. A type added here is caught
// by both, so the two never disagree. `#[cfg]`s say which runtime feature
// brings the marker's dependency; the CLI knows every entry regardless.
known! {
    // Collections that grow with every insert and never shrink on their own.
    collections {
        std::vec::Vec<T>;
        std::collections::VecDeque<T>;
        std::collections::HashMap<K, V, S>;
        std::collections::HashSet<T, S>;
        std::collections::BTreeMap<K, V>;
        std::collections::BTreeSet<T>;
        std::collections::BinaryHeap<T>;
        std::collections::LinkedList<T>;
        hashbrown::HashMap<K, V, S>;
        hashbrown::HashSet<T, S>;
        #[cfg(feature = "indexmap")]
        indexmap::IndexMap<K, V, S>;
        #[cfg(feature = "indexmap")]
        indexmap::IndexSet<T, S>;
        #[cfg(feature = "dashmap")]
        dashmap::DashMap<K, V, S>;
        #[cfg(feature = "dashmap")]
        dashmap::DashSet<T, S>;
        // A buffer that grows with whatever it is fed and keeps its capacity.
        #[cfg(feature = "bytes")]
        bytes::BytesMut<>;
    }
    // Both ends of channels whose queue nothing caps. (std's `SyncSender`
    // and tokio's bounded `Sender` have a capacity and are not listed.)
    channels {
        std::sync::mpsc::Sender<T>;
        std::sync::mpsc::Receiver<T>;
        #[cfg(feature = "tokio")]
        tokio::sync::mpsc::UnboundedSender<T>;
        #[cfg(feature = "tokio")]
        tokio::sync::mpsc::UnboundedReceiver<T>;
        #[cfg(feature = "futures")]
        futures_channel::mpsc::UnboundedSender<T>;
        #[cfg(feature = "futures")]
        futures_channel::mpsc::UnboundedReceiver<T>;
    }
    // Wrappers seen through: a growable collection inside one still grows.
    wrappers {
        std::boxed::Box;
        std::sync::Arc;
        std::rc::Rc;
        std::sync::Mutex;
        std::sync::RwLock;
        std::cell::RefCell;
        std::cell::Cell;
        #[cfg(feature = "parking_lot")]
        parking_lot::Mutex;
        #[cfg(feature = "parking_lot")]
        parking_lot::RwLock;
        #[cfg(feature = "tokio")]
        tokio::sync::Mutex;
        #[cfg(feature = "tokio")]
        tokio::sync::RwLock;
    }
    // Functions that create an unbounded channel (the CLI's
    // `unbounded-channel` rule; the runtime marks the types above).
    constructors {
        std::sync::mpsc::channel;
        tokio::sync::mpsc::unbounded_channel;
        crossbeam_channel::unbounded;
        crossbeam::channel::unbounded;
        flume::unbounded;
        async_channel::unbounded;
        futures_channel::mpsc::unbounded;
        futures::channel::mpsc::unbounded;
    }
}
