// The game-server demo's modules, for the tests that drive it
// (`include!`d at a test crate's root, where the demo's `crate::` paths
// resolve). Not every test uses every item.
#[allow(dead_code)]
#[path = "../../examples/game_server/guarded.rs"]
mod guarded;
#[allow(dead_code)]
#[path = "../../examples/game_server/load.rs"]
mod load;
#[allow(dead_code)]
#[path = "../../examples/game_server/logger.rs"]
mod logger;
#[cfg(feature = "nats")]
#[allow(dead_code)]
#[path = "../../examples/game_server/presence.rs"]
mod presence;
#[allow(dead_code)]
#[path = "../../examples/game_server/server.rs"]
mod server;
#[allow(dead_code)]
#[path = "../../examples/game_server/unguarded.rs"]
mod unguarded;
