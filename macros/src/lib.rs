//! Procedural macros for [`leakproof`](https://docs.rs/leakproof). Depend on
//! the `leakproof` crate, which re-exports these with the runtime they
//! generate code against; the grammar is documented there.
//!
//! The macros are a pipeline over `proc_macro2` token streams, so every stage
//! is testable without a compiler:
//! `model` parses (darling), `check` validates rules that span attributes,
//! `expand` generates, one module per capability.

mod check;
mod expand;
mod model;

#[cfg(test)]
mod budget;
#[cfg(test)]
mod never_panic;

use proc_macro::TokenStream;

/// Defined in `leakproof-macros`; use it through the `leakproof` crate,
/// whose page for it has the grammar and examples.
#[proc_macro_attribute]
pub fn bounded(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::bounded_alias(args.into(), input.into()).into()
}

/// Defined in `leakproof-macros`; use it through the `leakproof` crate,
/// whose page for it has the grammar and examples.
#[proc_macro_attribute]
pub fn lifecycle(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::lifecycle(args.into(), input.into()).into()
}

/// Defined in `leakproof-macros`; use it through the `leakproof` crate,
/// whose page for it has the grammar and examples.
#[proc_macro_derive(MemoryReport, attributes(report, bounded, unbounded))]
pub fn derive_memory_report(input: TokenStream) -> TokenStream {
    expand::derive_report::expand(input.into()).into()
}
