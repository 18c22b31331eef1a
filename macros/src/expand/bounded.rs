//! Generator: the `#[bounded]` type rewrite, and the compile-time checks that
//! keep it honest.
//!
//! The configuration travels in the new type's const parameters, so
//! `Default::default()` on the field builds the wrapper as declared. Two
//! checks are emitted beside it: that the written type really is the std
//! collection (so `hashbrown::HashSet` is an error, not a silent swap; naming
//! the type also keeps the user's `use` of it alive), and, for a cap given as a
//! const expression, that it is at least 1.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Path, Type};

use crate::model::Bounded;
use crate::model::attrs::{Cap, MAX_CAP};
use crate::model::collection::CollectionKind;

/// The runtime type the field becomes, or `None` when the written type is
/// not a collection this attribute rewrites (an error was already pushed).
pub fn rewrite_type(bounded: &Bounded, ty: &Type, krate: &Path) -> Option<Type> {
    let collection = bounded.collection.as_ref()?;
    let private = quote!(#krate::__private);
    let cap = match &bounded.cap {
        Some(Cap::Literal(value)) => {
            let lit = proc_macro2::Literal::usize_unsuffixed(*value);
            quote!(#lit)
        }
        Some(Cap::Const(expr @ syn::Expr::Block(_))) => quote!(#expr),
        Some(Cap::Const(expr)) => quote!({ #expr }),
        Some(Cap::ConstParam(param)) => quote!(#param),
        // Missing or invalid: already an error; a placeholder keeps the
        // struct's type shape so the user sees no cascade.
        None => quote!(1),
    };
    let evict = proc_macro2::Literal::u8_unsuffixed(bounded.policy.code());
    let ttl =
        proc_macro2::Literal::u64_unsuffixed(bounded.ttl.as_ref().map_or(0, |ttl| ttl.nanos()));
    let hasher = match &collection.hasher {
        Some(hasher) => hasher.to_token_stream(),
        None => quote!(#private::RandomState),
    };
    let elements = &collection.elements;
    let tokens = match collection.kind {
        CollectionKind::HashSet => {
            quote!(#private::BoundedSet<#(#elements,)* #hasher, #cap, #evict, #ttl>)
        }
        CollectionKind::HashMap => {
            quote!(#private::BoundedMap<#(#elements,)* #hasher, #cap, #evict, #ttl>)
        }
        CollectionKind::Vec | CollectionKind::VecDeque => {
            quote!(#private::BoundedDeque<#(#elements,)* #cap, #evict>)
        }
    };
    let new: Type = syn::parse2(tokens).ok()?;
    Some(crate::model::collection::replace_collection(ty, new))
}

/// Statements asserting that `ty` (as written) is the std collection the
/// rewrite assumed. Spanned on the type, which is where the error belongs.
pub fn identity_check(bounded: &Bounded, krate: &Path) -> TokenStream {
    let Some(collection) = &bounded.collection else {
        return TokenStream::new();
    };
    let ty = &collection.written;
    let check = match collection.kind {
        CollectionKind::HashSet => quote!(is_std_hash_set),
        CollectionKind::HashMap => quote!(is_std_hash_map),
        CollectionKind::Vec => quote!(is_std_vec),
        CollectionKind::VecDeque => quote!(is_std_vec_deque),
    };
    quote_spanned! {ty.span()=>
        #krate::__private::#check::<#ty>();
    }
}

/// Items asserting that a const-expression cap is in range, spanned on it.
///
/// The expression is evaluated as a `usize`, as the type will use it (so
/// `1 << 31` is not an `i32` overflow), and shown in the message as text:
/// never as part of a format string, where a `{` would be read as a
/// placeholder.
pub fn cap_check(bounded: &Bounded) -> TokenStream {
    let Some(Cap::Const(expr)) = &bounded.cap else {
        return TokenStream::new();
    };
    let shown = crate::check::pretty_tokens(expr.to_token_stream());
    let zero = format!("`cap = {shown}` is 0: a bounded collection needs a cap of at least 1");
    let big = format!("`cap = {shown}` is above the largest cap, {MAX_CAP}");
    let max = proc_macro2::Literal::usize_unsuffixed(MAX_CAP as usize);
    quote_spanned! {expr.span()=>
        const _: () = {
            // Named so that no user constant (a `CAP`, say) is shadowed.
            #[allow(unused_braces)]
            const __LEAKPROOF_CAP: usize = #expr;
            ::core::assert!(__LEAKPROOF_CAP != 0, "{}", #zero);
            ::core::assert!(__LEAKPROOF_CAP <= #max, "{}", #big);
        };
    }
}
