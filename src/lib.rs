//! placeholder
pub use leakproof_runtime::*;
pub use leakproof_macros::{bounded, lifecycle};
