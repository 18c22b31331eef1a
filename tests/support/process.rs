//! Outside processes a test starts: killed when the test ends, however it
//! ends; and loopback ports to start them on.

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
