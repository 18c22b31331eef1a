//! Generator: `impl MemoryReport` for a `#[lifecycle]` struct, one node per
//! field, each labelled with what its attribute says it is. The field's own
//! type supplies the figures through `MemoryReport` when it has an impl; a
//! type without one is reported by name and marked unmeasured rather than
//! failing the build.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Member, Path};

use crate::model::{Bound, Container, Field, FieldReport, Teardown, known};

/// Which report a generated method builds.
#[derive(Clone, Copy)]
pub enum Depth {
    /// `memory_report`: O(fields).
    Shallow,
    /// `deep_node`: walks elements, sharing `__leakproof_seen`.
    Deep,
    /// Either, chosen at run time by `__leakproof_seen` (a shallow report
    /// runs with `Seen::shallow()`): one body serves both impls when their
    /// bounds are the same.
    Either,
}

/// The expression reporting the field at `place` (`self.name`, or a
/// binding in a `match`) under the name `label`.
pub fn field_node(place: &TokenStream, label: &str, krate: &Path, depth: Depth) -> TokenStream {
    let call = match depth {
        // The probe traits are imported once, at the top of the body
        // (`either_prelude`), and the node comes back named.
        Depth::Either => {
            return quote!((&&&__leakproof::Reporter(&#place)).node(#label, __leakproof_seen));
        }
        Depth::Shallow => quote! {
            #[allow(unused_imports)]
            use #krate::__private::{Opaque as _, ViaMemoryReport as _};
            (&#krate::__private::Reporter(&#place)).field_report()
        },
        Depth::Deep => quote! {
            #[allow(unused_imports)]
            use #krate::__private::{DeepOpaque as _, ViaDeep as _, ViaDeepReport as _};
            (&&&#krate::__private::Reporter(&#place)).deep_field_report(__leakproof_seen)
        },
    };
    quote!({ #call }.named(#label))
}

/// The imports at the top of a report body built at `Depth::Either`: the
/// private module under a short name, and the probe traits when a field's
/// node is a probe.
fn either_prelude(krate: &Path, probes: bool) -> TokenStream {
    let traits = probes.then(|| {
        quote! {
            #[allow(unused_imports)]
            use __leakproof::{DeepOpaque as _, ViaDeep as _, ViaDeepReport as _};
        }
    });
    quote! {
        use #krate::__private as __leakproof;
        #traits
    }
}

/// What the macro knows of a field's type without asking the compiler.
#[derive(Clone, Copy)]
pub enum Known {
    /// A type with both reports, called directly (`known::reports_directly`).
    Plain,
    /// A rewritten bounded collection (not behind a wrapper): `MemoryReport`
    /// for any element type; `DeepHeap` only if its elements have it, so
    /// the deep walk still asks unless they are plain.
    Bounded { plain_elements: bool },
}

impl Known {
    /// What the macro knows of `field`'s type as written, if anything.
    pub fn of(field: &Field) -> Option<Known> {
        if known::reports_directly(&field.ty) {
            return Some(Known::Plain);
        }
        let Bound::Bounded(bounded) = &field.bound else { return None };
        let collection = bounded.collection.as_ref()?;
        (collection.written == field.ty).then(|| Known::Bounded {
            plain_elements: collection.elements.iter().all(known::is_plain),
        })
    }

    /// Whether a field known this way (or not at all: `None`) is reported
    /// by a probe in a `Depth::Either` body, which needs the probe traits.
    pub fn probes(known: Option<Known>) -> bool {
        !matches!(known, Some(Known::Plain | Known::Bounded { plain_elements: true }))
    }
}

/// The node for a field whose type is known: the trait methods called
/// directly, with no probe (see `Known`).
pub fn known_node(
    place: &TokenStream,
    label: &str,
    krate: &Path,
    depth: Depth,
    known: Known,
) -> TokenStream {
    match (depth, known) {
        (Depth::Shallow, _) => {
            quote!(#krate::__private::MemoryReport::memory_report(&#place).named(#label))
        }
        (Depth::Deep, Known::Plain | Known::Bounded { plain_elements: true }) => {
            quote!(#krate::__private::DeepHeap::deep_node(&#place, __leakproof_seen).named(#label))
        }
        (Depth::Either, Known::Plain | Known::Bounded { plain_elements: true }) => {
            quote!(__leakproof_seen.node(&#place, #label))
        }
        (Depth::Deep | Depth::Either, Known::Bounded { plain_elements: false }) => {
            field_node(place, label, krate, depth)
        }
    }
}

/// The node for a field reported by `#[report(with = path)]`: the user's
/// function, spanned on its path so a wrong signature is reported there.
pub fn with_node(with: &Path, place: &TokenStream, label: &str, krate: &Path) -> TokenStream {
    quote_spanned!(with.span()=> #krate::__private::Report::named(#with(&#place), #label))
}

/// `impl MemoryReport` and `impl DeepHeap` for a type, from a function
/// building the report body at each depth. The two impls take their own
/// where-clauses: a type can report shallowly without a deep walk. `probes`
/// says whether some field's node is a probe (`field_node`), whose traits
/// the body must then import.
pub fn impls(
    krate: &Path,
    name: &syn::Ident,
    generics: (&syn::Generics, &syn::Generics),
    body: impl Fn(Depth) -> TokenStream,
    probes: bool,
) -> TokenStream {
    let private = quote!(#krate::__private);
    let (impl_generics, ty_generics, where_clause) = generics.0.split_for_impl();
    let (deep_impl_generics, _, deep_where_clause) = generics.1.split_for_impl();
    let (shallow, deep) = if generics.0 == generics.1 {
        // Same bounds for both: one body, in `deep_node`, which reports
        // shallowly when the walk is a `Seen::shallow()` one, instead of two
        // copies of every field's node.
        let body = body(Depth::Either);
        let prelude = either_prelude(krate, probes);
        (quote!(#private::Seen::shallow_report(self)), quote!(#prelude #body))
    } else {
        (body(Depth::Shallow), body(Depth::Deep))
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics #private::MemoryReport for #name #ty_generics #where_clause {
            fn memory_report(&self) -> #private::Report {
                #shallow
            }
        }

        #[automatically_derived]
        impl #deep_impl_generics #private::DeepHeap for #name #ty_generics #deep_where_clause {
            fn deep_heap(&self, __leakproof_seen: &mut #private::Seen) -> usize {
                __leakproof_seen.heap_of(self)
            }

            fn deep_node(&self, __leakproof_seen: &mut #private::Seen) -> #private::Report {
                #deep
            }
        }
    }
}

/// The report impls of a `#[lifecycle]` struct.
pub fn expand(container: &Container, krate: &Path) -> TokenStream {
    let private = quote!(#krate::__private);
    let item = &container.item;
    let name = &item.ident;
    let name_str = syn::ext::IdentExt::unraw(name).to_string();
    if let Some(impls) = plain_struct(container, krate, &name_str) {
        return impls;
    }
    let body = |depth: Depth| {
        // The private module's path: its short name inside an `Either` body
        // (`either_prelude` imports it), the full path otherwise.
        let p = match depth {
            Depth::Either => quote!(__leakproof),
            _ => private.clone(),
        };
        let nodes = container.fields.iter().filter_map(|field| {
            let ident = field.ident.as_ref()?;
            let label = field.name()?;
            let node = match &field.report {
                FieldReport::Skip => return None,
                FieldReport::With(with) => with_node(with, &quote!(self.#ident), &label, krate),
                FieldReport::Default => match Known::of(field) {
                    Some(known) => known_node(&quote!(self.#ident), &label, krate, depth, known),
                    None => field_node(&quote!(self.#ident), &label, krate, depth),
                },
            };
            let cfgs = &field.cfgs;
            let kind = kind(field, &p);
            Some(quote!(#(#cfgs)* #node #kind))
        });
        // `#[cfg]` on a field: on its element of the array too (allowed on
        // array elements, unlike inside `vec!`).
        quote!(#p::Report::structure::<Self>(#name_str, ::std::vec::Vec::from([#(#nodes),*])))
    };
    let probes = container.fields.iter().any(|field| {
        matches!(field.report, FieldReport::Default) && Known::probes(Known::of(field))
    });
    impls(krate, name, (&item.generics, &item.generics), body, probes)
}

/// What a field's node says it is, as a `Report` method call on it (`p` is
/// the private module's path). The reviewed reason is what an operator
/// needs most, so it wins over the teardown kind when a field has both.
fn kind(field: &Field, p: &TokenStream) -> TokenStream {
    match (&field.bound, field.teardown) {
        (Bound::Unbounded { reason }, _) => {
            quote!(.with_kind(#p::Kind::Unbounded { reason: ::core::convert::From::from(#reason) }))
        }
        (_, Teardown::Subscription) => quote!(.with_kind(#p::Kind::Subscription)),
        (_, Teardown::Task) => quote!(.with_kind(#p::Kind::Task)),
        (_, Teardown::Nested) => quote!(.with_kind(#p::Kind::Nested)),
        (_, Teardown::Shared) => quote!(.shared()),
        (_, Teardown::None | Teardown::Skip) => TokenStream::new(),
    }
}

/// The report impls of a struct with no generics, no `#[report(with)]` and
/// no `#[cfg]` on a field, the common case: one call of the runtime's
/// `report_impls!`, which the compiler expands, instead of the impls spelled
/// out token by token (see the macro's doc for why).
fn plain_struct(container: &Container, krate: &Path, label: &str) -> Option<TokenStream> {
    let generics = &container.item.generics;
    if !generics.params.is_empty()
        || generics.where_clause.is_some()
        || container
            .fields
            .iter()
            .any(|field| matches!(field.report, FieldReport::With(_)) || !field.cfgs.is_empty())
    {
        return None;
    }
    let p = quote!(#krate::__private);
    let nodes = container.fields.iter().filter_map(|field| {
        let ident = field.ident.as_ref()?;
        if matches!(field.report, FieldReport::Skip) {
            return None;
        }
        let node = MacroNode {
            member: Member::Named(ident.clone()),
            label: field.name()?,
            probe: Known::probes(Known::of(field)),
            kind: kind(field, &p),
        };
        Some(node)
    });
    Some(report_call(krate, &container.item.ident, label, nodes))
}

/// One field as `report_impls!` takes it.
pub struct MacroNode {
    /// How `self` reaches it: `name` or a tuple index.
    pub member: Member,
    /// Its name in the report.
    pub label: String,
    /// Reported by a probe, not by a direct call.
    pub probe: bool,
    /// What it is, as a `Report` method call (see `kind`), or nothing.
    pub kind: TokenStream,
}

/// `report_impls! { Name, "Name", [known field "field" (kind), ...] }`: the
/// one place that writes the runtime macro's grammar.
pub fn report_call(
    krate: &Path,
    name: &syn::Ident,
    label: &str,
    nodes: impl Iterator<Item = MacroNode>,
) -> TokenStream {
    let nodes = nodes.map(|MacroNode { member, label, probe, kind }| {
        let how = if probe { quote!(probe) } else { quote!(known) };
        quote!(#how #member #label (#kind))
    });
    quote!(#krate::__private::report_impls! { #name, #label, [#(#nodes),*] })
}
