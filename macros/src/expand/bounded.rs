//! Generator: the `#[bounded]` type rewrite, and the compile-time checks that
//! keep it honest.
//!
//! The configuration travels in the new type's const parameters, so
//! `Default::default()` on the field builds the wrapper as declared. Two
//! checks are emitted beside it: that the written type really is the std
//! collection (so `hashbrown::HashSet` is an error, not a silent swap; naming
//! the type also keeps the user's `use` of it alive), and, for a cap given as a
//! const expression, that it is at least 1.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path, Type, Visibility};

use crate::model::attrs::Cap;
use crate::model::collection::CollectionKind;
use crate::model::{Bound, Bounded, Container};

/// What the `#[bounded]` fields of a `#[lifecycle]` struct add beside it.
pub struct Rewritten {
    /// Statements for the struct's never-called check function.
    pub checks: Vec<TokenStream>,
    /// `const` items (the cap assertions).
    pub items: Vec<TokenStream>,
    /// The eviction guards' types, emitted before the struct.
    pub guards: Vec<TokenStream>,
}

/// Rewrites every `#[bounded]` field's type in `container.item`, and
/// returns the checks and items that go with them.
pub fn rewrite_fields(container: &mut Container, krate: &Path) -> Rewritten {
    let mut out = Rewritten { checks: Vec::new(), items: Vec::new(), guards: Vec::new() };
    let owner = container.item.ident.clone();
    let vis = container.item.vis.clone();
    let generic = !container.item.generics.params.is_empty();
    // The runtime type is long by construction; the user wrote the short
    // one, and clippy should judge that.
    let allow: syn::Attribute = syn::parse_quote!(#[allow(clippy::type_complexity)]);
    for (model, field) in container.fields.iter().zip(container.item.fields.iter_mut()) {
        let Bound::Bounded(b) = &model.bound else { continue };
        let cfgs = &model.cfgs;
        let identity = identity_check(b, krate);
        let cap = cap_check(b, krate);
        out.checks.push(if cfgs.is_empty() { identity } else { quote!(#(#cfgs)* { #identity }) });
        if !cap.is_empty() {
            out.items.push(quote!(#(#cfgs)* #cap));
        }
        let name = model.name().unwrap_or_default();
        let guard = guard_ident(b, &owner, Some(&name), generic);
        if let Some(guard) = &guard {
            let item = guard_item(b, guard, &vis, krate);
            out.guards.push(quote!(#(#cfgs)* #item));
        }
        if let Some(new_ty) = rewrite_type(b, &model.ty, krate, guard.as_ref()) {
            field.ty = new_ty;
            field.attrs.push(allow.clone());
        }
    }
    out
}

/// The runtime type the field becomes, or `None` when the written type is
/// not a collection this attribute rewrites (an error was already pushed).
/// `guard` names the generated eviction guard when there is one.
pub fn rewrite_type(
    bounded: &Bounded,
    ty: &Type,
    krate: &Path,
    guard: Option<&Ident>,
) -> Option<Type> {
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
    let policy = Ident::new(bounded.effective_policy().type_name(), Span::call_site());
    let policy = match guard {
        Some(guard) => quote!(#private::Guarded<#private::#policy, #guard>),
        None => quote!(#private::#policy),
    };
    let ttl =
        proc_macro2::Literal::u64_unsuffixed(bounded.ttl.as_ref().map_or(0, |ttl| ttl.nanos()));
    let hasher = match &collection.hasher {
        Some(hasher) => hasher.to_token_stream(),
        None => quote!(#private::RandomState),
    };
    let elements = &collection.elements;
    let tokens = match collection.kind {
        CollectionKind::HashSet => {
            quote!(#private::BoundedSet<#(#elements,)* #hasher, #policy, #cap, #ttl>)
        }
        CollectionKind::HashMap => {
            quote!(#private::BoundedMap<#(#elements,)* #hasher, #policy, #cap, #ttl>)
        }
        CollectionKind::Vec | CollectionKind::VecDeque => {
            quote!(#private::BoundedDeque<#(#elements,)* #policy, #cap>)
        }
    };
    // Emitted as written: the tokens are a type by construction, and
    // nothing reads the rewritten field's type back (the model keeps the
    // written one), so parsing them again would only cost every build time.
    Some(crate::model::collection::replace_collection(ty, Type::Verbatim(tokens)))
}

/// Statements asserting that `ty` (as written) is the std collection the
/// rewrite assumed. Spanned on the type, which is where the error belongs.
///
/// The assertion is a call through a runtime trait implemented only for the
/// std type (`leakproof::collections::IsStdHashSet`, ...): one statement per
/// field instead of a trait and an impl declared on the spot, which cost
/// every build its items. Because the trait is reachable by a public path,
/// rustc's help line names it plainly ("the trait `IsStdHashSet` is not
/// implemented for `BTreeSet<u64>`"), never through `__private`, and no note
/// points into leakproof's own source.
pub fn identity_check(bounded: &Bounded, krate: &Path) -> TokenStream {
    let Some(collection) = &bounded.collection else {
        return TokenStream::new();
    };
    let ty = &collection.written;
    // One runtime trait per collection, implemented for the std type only;
    // its `on_unimplemented` carries the message, label and note.
    let check = match collection.kind {
        CollectionKind::HashSet => "IsStdHashSet",
        CollectionKind::HashMap => "IsStdHashMap",
        CollectionKind::Vec => "IsStdVec",
        CollectionKind::VecDeque => "IsStdVecDeque",
    };
    let check = Ident::new(check, Span::call_site());
    quote_spanned! {ty.span()=>
        <#ty as #krate::__private::#check>::confirm();
    }
}

/// Items asserting that a const-expression cap is in range, spanned on it.
///
/// The expression is evaluated as a `usize`, as the type will use it (so
/// `1 << 31` is not an `i32` overflow), and shown in the message as text:
/// never as part of a format string, where a `{` would be read as a
/// placeholder.
pub fn cap_check(bounded: &Bounded, krate: &Path) -> TokenStream {
    let Some(Cap::Const(expr)) = &bounded.cap else {
        return TokenStream::new();
    };
    let shown = crate::check::pretty_tokens(expr.to_token_stream());
    let zero = format!("`cap = {shown}` is 0: a bounded collection needs a cap of at least 1");
    let big = format!(
        "`cap = {shown}` is above `leakproof::MAX_CAP` (939_524_096: entries are linked by 32-bit bucket index); lower it"
    );
    let max = quote!(#krate::__private::MAX_CAP);
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

/// The name of the eviction guard generated for `#[bounded(keep_if = ..)]`
/// on `owner`'s `field` (or on the alias `owner`), when one is generated:
/// only for a hashed collection outside a generic item (anything else was
/// reported by validation).
pub fn guard_ident(
    bounded: &Bounded,
    owner: &Ident,
    field: Option<&str>,
    generic: bool,
) -> Option<Ident> {
    let keep_if = bounded.keep_if.as_ref()?;
    let collection = bounded.collection.as_ref()?;
    if generic || !collection.kind.supports_ttl() {
        return None;
    }
    let name = match field {
        Some(field) => format_ident!("__LeakproofKeep_{}_{}", owner, field),
        None => format_ident!("__LeakproofKeep_{}", owner),
    };
    Some(Ident::new(&name.to_string(), keep_if.0.span()))
}

/// The guard type: a unit struct whose `KeepIf` impl calls the user's
/// function, so the guard lives in the field's type and `Default` builds
/// it. The call is spanned on the path, so a function of the wrong shape is
/// reported there.
pub fn guard_item(bounded: &Bounded, ident: &Ident, vis: &Visibility, krate: &Path) -> TokenStream {
    let (Some(keep_if), Some(collection)) = (&bounded.keep_if, &bounded.collection) else {
        return TokenStream::new();
    };
    let path = &keep_if.0;
    let elements = &collection.elements;
    let keep = match elements.as_slice() {
        [key, value] => quote_spanned! {path.span()=>
            fn keep(&self, key: &#key, value: &#value) -> bool {
                #path(key, value)
            }
        },
        [value] => quote_spanned! {path.span()=>
            fn keep(&self, value: &#value, _: &()) -> bool {
                #path(value)
            }
        },
        _ => return TokenStream::new(),
    };
    let (key, value) = match elements.as_slice() {
        [key, value] => (quote!(#key), quote!(#value)),
        [value] => (quote!(#value), quote!(())),
        _ => return TokenStream::new(),
    };
    quote! {
        /// The eviction guard `#[bounded(keep_if = ..)]` generated.
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Default)]
        #vis struct #ident;

        #[automatically_derived]
        impl #krate::__private::KeepIf<#key, #value> for #ident {
            #[inline]
            #keep
        }
    }
}
