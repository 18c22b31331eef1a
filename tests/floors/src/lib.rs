//! Nothing here: the tests in `tests/` exercise leakproof's tokio surface on
//! the oldest tokio and tokio-util it declares.
