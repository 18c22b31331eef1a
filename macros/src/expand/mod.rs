//! Stage 3, expand: one generator per capability, each reading the validated
//! model. The pipelines here only sequence the stages.
//!
//! Expansion always runs, even when parsing found errors: every generator
//! works from what did parse, so the user gets the struct (and its impls)
//! beside the `compile_error!`s instead of a cascade of "cannot find type".

pub mod audit;
pub mod bounded;
pub mod derive_report;
mod fallback;
pub mod report;
pub mod shutdown;

use darling::Error;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Generics, Item, Path, parse_quote};

use crate::check;
use crate::model::{Container, field};

/// `#[lifecycle]`: parse, validate, expand.
pub fn lifecycle(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Error::accumulator();
    let Some(mut container) = Container::from_ast(args, input.clone(), &mut errors) else {
        return fallback::unchanged(input, errors);
    };
    check::validate(&container, &mut errors);
    let krate = crate_path(container.args.krate.as_ref());

    let bounded::Rewritten { mut checks, items, guards } =
        bounded::rewrite_fields(&mut container, &krate);
    checks.extend(audit::checks(&container, &krate));
    // The checks join the `TeardownResource` impl (no item of their own).
    let lifecycle = shutdown::expand(&container, &krate, &checks);
    let report = report::expand(&container, &krate);
    let item = &container.item;
    let errors = fallback::errors(errors);
    // `items` are the cap assertions, each an unnamed `const _` of its own.
    quote! {
        #(#guards)*
        #item
        #lifecycle
        #report
        #(#items)*
        #errors
    }
}

/// Standalone `#[bounded(...)]` on a type alias.
pub fn bounded_alias(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Error::accumulator();
    let mut alias = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Type(alias)) => alias,
        Ok(other) => {
            errors.push(fallback::bounded_not_on_alias(&other));
            return fallback::unchanged(input, errors);
        }
        Err(err) => {
            errors.push(Error::from(err));
            return fallback::unchanged(input, errors);
        }
    };
    // Parse the arguments as the field form does, so both share one grammar.
    let attr: syn::Attribute = parse_quote!(#[bounded(#args)]);
    let b = field::parse_bounded(&attr, &alias.ty, &mut errors);
    check::validate_bounded(&b, &alias.ty, &alias.generics, &mut errors);
    let krate = crate_path(b.krate.as_ref());
    let checks = check_fn(&alias.generics, &[bounded::identity_check(&b, &krate)]);
    let cap_check = bounded::cap_check(&b, &krate);
    let generic = !alias.generics.params.is_empty();
    let guard = bounded::guard_ident(&b, &alias.ident, None, generic);
    let guard_item = match &guard {
        Some(guard) => bounded::guard_item(&b, guard, &alias.vis, &krate),
        None => TokenStream::new(),
    };
    if let Some(new_ty) = bounded::rewrite_type(&b, &alias.ty, &krate, guard.as_ref()) {
        *alias.ty = new_ty;
        alias.attrs.push(syn::parse_quote!(#[allow(clippy::type_complexity)]));
    }
    let errors = fallback::errors(errors);
    quote! {
        #guard_item
        #alias
        const _: () = {
            #checks
            #cap_check
        };
        #errors
    }
}

fn crate_path(krate: Option<&Path>) -> Path {
    krate.cloned().unwrap_or_else(|| parse_quote!(::leakproof))
}

/// A never-called function holding the statements that only need to
/// type-check, for an alias: a free function generic like it. (A struct's
/// go in its `TeardownResource` impl, where `Self` resolves too.)
fn check_fn(generics: &Generics, statements: &[TokenStream]) -> TokenStream {
    if statements.iter().all(TokenStream::is_empty) {
        return TokenStream::new();
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    quote! {
        #[allow(dead_code, unused_qualifications, clippy::extra_unused_type_parameters)]
        fn __leakproof_checks #impl_generics () #where_clause {
            #(#statements)*
        }
    }
}
