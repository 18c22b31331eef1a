//! What can grow, from the one list the compile-time audit reads too
//! (`runtime/src/audit/known.rs`): read here into tables of paths.

/// A path, segment by segment: `["std", "collections", "HashMap"]`.
pub type Path = &'static [&'static str];

/// Reads the list into the CLI's tables; the `#[cfg]`s (which runtime
/// feature brings a marker's dependency) do not matter to a reader of source.
macro_rules! known {
    (
        collections { $($(#[$c:meta])* $($cs:ident)::+ <$($cp:ident),*>;)* }
        channels { $($(#[$h:meta])* $($hs:ident)::+ <$($hp:ident),*>;)* }
        wrappers { $($(#[$w:meta])* $($ws:ident)::+;)* }
        constructors { $($($k:ident)::+;)* }
    ) => {
        /// Collections that grow with every insert.
        pub const COLLECTIONS: &[Path] = &[$(&[$(stringify!($cs)),+]),*];
        /// Both ends of unbounded channels.
        pub const CHANNELS: &[Path] = &[$(&[$(stringify!($hs)),+]),*];
        /// Wrappers a growable collection is seen through.
        pub const WRAPPERS: &[Path] = &[$(&[$(stringify!($ws)),+]),*];
        /// Functions that create an unbounded channel.
        pub const CONSTRUCTORS: &[Path] = &[$(&[$(stringify!($k)),+]),*];
    };
}

include!("../../runtime/src/audit/known.rs");

/// Wrappers a `static` holds its value in, seen through too.
pub const STATIC_WRAPPERS: &[Path] = &[
    &["std", "sync", "LazyLock"],
    &["std", "sync", "OnceLock"],
    &["std", "cell", "OnceCell"],
    &["std", "cell", "LazyCell"],
    &["once_cell", "sync", "Lazy"],
    &["once_cell", "sync", "OnceCell"],
    &["once_cell", "unsync", "Lazy"],
    &["once_cell", "unsync", "OnceCell"],
];

/// Functions that start a task or thread and hand back its only handle.
pub const SPAWNS: &[Path] = &[
    &["tokio", "spawn"],
    &["tokio", "task", "spawn"],
    &["tokio", "task", "spawn_blocking"],
    &["tokio", "task", "spawn_local"],
    &["std", "thread", "spawn"],
    &["async_std", "task", "spawn"],
];

/// Maps whose values may carry an expiry instant.
pub fn is_map(path: Path) -> bool {
    matches!(path.last(), Some(&("HashMap" | "BTreeMap" | "IndexMap" | "DashMap")))
}
