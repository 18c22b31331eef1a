//! Outside processes a test starts: killed when the test ends, however it
//! ends; and loopback ports to start them on.

use std::path::{Path, PathBuf};
use std::process::Child;

/// A child process this test started, killed (and reaped) when dropped.
pub struct Spawned(pub Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The example `name`, built by `cargo test` beside the test's binary.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    let profile = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let example = profile.join("examples").join(name);
    assert!(example.exists(), "{} not built: run `cargo test` first", example.display());
    example
}
