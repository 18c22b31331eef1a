//! Stage 2, validate: rules that need more than one attribute, or an
//! attribute and the field's type, to judge.
//!
//! Single values (a zero cap, a malformed duration) are rejected while
//! parsing; what lands here is about combinations, so that the parse models
//! stay simple and each rule is written once, for the alias and the field form.

use darling::Error;
use darling::error::Accumulator;
use quote::ToTokens;
use syn::{Generics, Type};

use crate::model::attrs::Policy;

use crate::model::collection::SUPPORTED;
use crate::model::{Bound, Bounded, Container};

/// Validates a whole `#[lifecycle]` struct.
pub fn validate(container: &Container, errors: &mut Accumulator) {
    for field in &container.fields {
        if let Bound::Bounded(bounded) = &field.bound {
            validate_bounded(bounded, &field.ty, &container.item.generics, errors);
        }
    }
}

/// A `#[bounded]` attribute against the type it annotates and the generics
/// of the item it sits in.
pub fn validate_bounded(
    bounded: &Bounded,
    ty: &Type,
    generics: &Generics,
    errors: &mut Accumulator,
) {
    let Some(collection) = &bounded.collection else {
        errors.push(
            Error::custom(format!(
                "`#[bounded]` cannot rewrite `{}`: it rewrites {SUPPORTED}, spelled out (a type alias hides which collection it is). For another type, use a leakproof runtime type directly or mark the field `#[unbounded(reason = \"...\")]`",
                pretty(ty)
            ))
            .with_span(ty),
        );
        return;
    };
    if let Some(ttl) = &bounded.ttl
        && !collection.kind.supports_ttl()
    {
        errors.push(
            Error::custom(format!(
                "`ttl` does not apply to a `{}`: its entries are never looked up, so they cannot expire unseen; remove `ttl` (the oldest entries are dropped at the cap), or key the entries in a `HashMap` with a ttl",
                collection.kind.name()
            ))
            .with_span(&ttl.span()),
        );
    }
    let sequence = !collection.kind.supports_ttl();
    if let Some(policy) = &bounded.policy
        && sequence
        && matches!(**policy, Policy::Sieve | Policy::Lru)
    {
        errors.push(
            Error::custom(format!(
                "`evict = \"{}\"` does not apply to a `{}`: its values are never looked up, so it evicts in order; use `evict = \"fifo\"` (the default: drop the oldest) or `evict = \"reject\"`",
                policy.name(),
                collection.kind.name()
            ))
            .with_span(&policy.span()),
        );
    }
    if let Some(keep_if) = &bounded.keep_if {
        if sequence {
            errors.push(
                Error::custom(format!(
                    "`keep_if` does not apply to a `{}`: it always drops its oldest value; guard a `HashMap` or `HashSet` instead, or use `evict = \"reject\"`",
                    collection.kind.name()
                ))
                .with_span(&keep_if.0),
            );
        } else if generics.params.iter().next().is_some() {
            errors.push(
                Error::custom(
                    "`keep_if` is not supported inside a generic item yet: build the collection at run time with `.builder().keep_if(|k, v| ..)` instead",
                )
                .with_span(&keep_if.0),
            );
        }
    }
}

/// A type as a user would write it: `std::collections::BTreeSet<String>`
/// rather than the token printer's `std :: collections :: BTreeSet < String >`.
pub fn pretty(ty: &Type) -> String {
    pretty_tokens(ty.to_token_stream())
}

/// Tokens as a user would write them (see [`pretty`]).
pub fn pretty_tokens(tokens: proc_macro2::TokenStream) -> String {
    let mut out = tokens.to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
    ] {
        out = out.replace(from, to);
    }
    out
}

/// `#[derive(MemoryReport)]`: `#[bounded]` and `#[unbounded]` need
/// `#[lifecycle]`, since a derive cannot change a field's type, and silently
/// ignoring them would be worse.
pub fn validate_derive(derive: &crate::model::derive::Derive, errors: &mut Accumulator) {
    let fields = derive.fields();
    let attrs = derive.input.attrs.iter().chain(fields.iter().flat_map(|f| f.attrs.iter()));
    for attr in attrs {
        let name = attr.path().get_ident().map(ToString::to_string).unwrap_or_default();
        errors.push(
            Error::custom(format!(
                "`#[{name}]` needs `#[lifecycle]` on the struct: `#[derive(MemoryReport)]` cannot change a field's type; replace the derive with `#[lifecycle]`, which also reports memory"
            ))
            .with_span(&attr.meta.path()),
        );
    }
}
