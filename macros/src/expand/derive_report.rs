//! `#[derive(MemoryReport)]` for the plain data types that live inside
//! services: structs (named, tuple, unit) and enums (the active variant's
//! fields). Parse (`model::derive`), validate (`check::validate_derive`),
//! then generate here; when darling could not read the input, a stub impl
//! keeps the type's uses compiling beside the errors.

use darling::Error;
use darling::ast::{Data, Fields, Style};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{DeriveInput, Ident, Member, Path};

use super::fallback;
use super::report::{self, Depth, Known, MacroNode, field_node, impls, known_node, with_node};
use crate::check;
use crate::model::derive::{Derive, Field, Parsed};
use crate::model::known;

/// `#[derive(MemoryReport)]`: parse, validate, expand.
pub fn expand(input: TokenStream) -> TokenStream {
    let mut errors = Error::accumulator();
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => {
            errors.push(err.into());
            return fallback::errors(errors);
        }
    };
    if let Some(impls) = unattributed(&input) {
        // Nothing was read, so nothing can be wrong: the accumulator is
        // finished empty (darling's panics if dropped unfinished).
        let errors = fallback::errors(errors);
        return quote!(#impls #errors);
    }
    let derive = match Derive::from_input(input, &mut errors) {
        Parsed::Model(derive) => derive,
        Parsed::Stub(item) => {
            let stub = stub(&item);
            let errors = fallback::errors(errors);
            return quote!(#stub #errors);
        }
    };
    check::validate_derive(&derive, &mut errors);
    if let Some(impls) = plain_struct(&derive) {
        let errors = fallback::errors(errors);
        return quote!(#impls #errors);
    }
    let krate = &derive.krate;
    let private = quote!(#krate::__private);
    let input = &derive.input;
    let name = &input.ident;
    let name_str = name.to_string();

    // The private module's path: its short name inside an `Either` body
    // (`impls` imports it there), the full path otherwise.
    let short = quote!(__leakproof);
    let body = |depth: Depth| {
        let private = match depth {
            Depth::Either => &short,
            _ => &private,
        };
        match &input.data {
            Data::Struct(fields) => {
                let nodes = nodes(fields, |member| quote!(self.#member), krate, depth);
                quote!(#private::Report::structure::<Self>(#name_str, ::std::vec::Vec::from([#(#nodes),*])))
            }
            Data::Enum(variants) => {
                let arms = variants.iter().map(|variant| {
                let v = &variant.ident;
                let label = format!("{name_str}::{v}");
                let bindings: Vec<Ident> =
                    (0..variant.fields.len()).map(|i| format_ident!("__leakproof_{}", i)).collect();
                let pattern = match variant.fields.style {
                    Style::Struct => {
                        let names = variant.fields.iter().filter_map(|f| f.ident.as_ref());
                        quote!({ #(#names: #bindings),* })
                    }
                    Style::Tuple => quote!((#(#bindings),*)),
                    Style::Unit => TokenStream::new(),
                };
                let mut i = 0;
                let nodes = nodes(
                    &variant.fields,
                    |_| {
                        let binding = &bindings[i];
                        i += 1;
                        quote!((*#binding))
                    },
                    krate,
                    depth,
                );
                quote!(Self::#v #pattern => #private::Report::structure::<Self>(#label, ::std::vec::Vec::from([#(#nodes),*])))
            });
                quote! {
                    match self { #(#arms,)* }
                }
            }
        }
    };

    let (mut generics, mut deep_generics) = (input.generics.clone(), input.generics.clone());
    let (shallow, deep) = derive.predicates.clone();
    generics.make_where_clause().predicates.extend(shallow);
    deep_generics.make_where_clause().predicates.extend(deep);
    let probes = match &input.data {
        Data::Struct(fields) => fields.iter().any(probed),
        Data::Enum(variants) => variants.iter().any(|v| v.fields.iter().any(probed)),
    };
    let impls = impls(krate, name, (&generics, &deep_generics), body, probes);
    let errors = fallback::errors(errors);
    quote! {
        #impls
        #errors
    }
}

/// The impls of a struct with no generics, no `bound` and no `with`, the
/// common case: one call of the runtime's `report_impls!`, which the
/// compiler expands, instead of the impls spelled out token by token (see
/// the macro's doc for why).
fn plain_struct(derive: &Derive) -> Option<TokenStream> {
    let input = &derive.input;
    let Data::Struct(fields) = &input.data else { return None };
    if !input.generics.params.is_empty()
        || input.generics.where_clause.is_some()
        || input.bound.is_some()
        || fields.iter().any(|field| field.with.is_some())
    {
        return None;
    }
    let nodes = fields
        .iter()
        .enumerate()
        .filter(|(_, field)| !field.skip.is_present())
        .map(|(index, field)| (index, field.ident.as_ref(), probed(field)));
    Some(report_call(&derive.krate, &input.ident, nodes))
}

/// The same for a struct with no attribute of this derive anywhere (no
/// `#[report]`, nor a misplaced `#[bounded]`/`#[unbounded]` to reject):
/// read from syn's parse alone, without darling's model, so the common case
/// costs the build only its parse.
fn unattributed(input: &DeriveInput) -> Option<TokenStream> {
    let syn::Data::Struct(data) = &input.data else { return None };
    let ours = |attrs: &[syn::Attribute]| {
        attrs.iter().any(|attr| {
            let path = attr.path();
            path.is_ident("report") || path.is_ident("bounded") || path.is_ident("unbounded")
        })
    };
    if !input.generics.params.is_empty()
        || input.generics.where_clause.is_some()
        || ours(&input.attrs)
        || data.fields.iter().any(|field| ours(&field.attrs))
    {
        return None;
    }
    let nodes =
        data.fields.iter().enumerate().map(|(index, field)| {
            (index, field.ident.as_ref(), !known::reports_directly(&field.ty))
        });
    Some(report_call(&syn::parse_quote!(::leakproof), &input.ident, nodes))
}

/// `report_impls!` for the given fields: (index, name if named, reported
/// by a probe). A derive gives no field a kind.
fn report_call<'a>(
    krate: &Path,
    name: &Ident,
    fields: impl Iterator<Item = (usize, Option<&'a Ident>, bool)>,
) -> TokenStream {
    let nodes = fields.map(|(index, ident, probe)| {
        let (member, label) = match ident {
            Some(ident) => (Member::Named(ident.clone()), ident.unraw().to_string()),
            None => (Member::Unnamed(index.into()), index.to_string()),
        };
        MacroNode { member, label, probe, kind: TokenStream::new() }
    });
    report::report_call(krate, name, &name.unraw().to_string(), nodes)
}

/// The impls for an input darling could not read: an empty report, so the
/// type's uses still compile and only the attribute's errors show.
fn stub(item: &DeriveInput) -> TokenStream {
    let name = &item.ident;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let private = quote!(::leakproof::__private);
    quote! {
        #[automatically_derived]
        impl #impl_generics #private::MemoryReport for #name #ty_generics #where_clause {
            fn memory_report(&self) -> #private::Report {
                #private::Report::leaf::<Self>(0)
            }
        }
        #[automatically_derived]
        impl #impl_generics #private::DeepHeap for #name #ty_generics #where_clause {
            fn deep_heap(&self, _: &mut #private::Seen) -> usize {
                0
            }
        }
    }
}

/// One report node per field that is not skipped. `access` turns the field's
/// member into the place expression that reaches it.
fn nodes(
    fields: &Fields<Field>,
    mut access: impl FnMut(&Member) -> TokenStream,
    krate: &Path,
    depth: Depth,
) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        let member = match &field.ident {
            Some(ident) => Member::Named(ident.clone()),
            None => Member::Unnamed(index.into()),
        };
        let place = access(&member);
        if field.skip.is_present() {
            continue;
        }
        let label = match &field.ident {
            Some(ident) => ident.to_string().trim_start_matches("r#").to_string(),
            None => index.to_string(),
        };
        out.push(match &field.with {
            Some(with) => with_node(with, &place, &label, krate),
            None if !probed(field) => known_node(&place, &label, krate, depth, Known::Plain),
            None => field_node(&place, &label, krate, depth),
        });
    }
    out
}

/// Whether the field is reported by a probe: not skipped, no `with`, and a
/// type the macro does not know to have both reports.
fn probed(field: &Field) -> bool {
    !field.skip.is_present() && field.with.is_none() && !known::reports_directly(&field.ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path (syn's parse alone) emits what darling's model would
    /// for the structs it takes.
    #[test]
    fn unattributed_structs_expand_as_the_model_would() {
        for input in [
            "struct A { name: String, count: u64, tags: Vec<String>, other: Other, r#type: u8 }",
            "struct B(u64, Other, HashMap<u64, String>);",
            "struct C;",
            "pub struct D {}",
        ] {
            let parsed: DeriveInput = syn::parse_str(input).expect("a struct");
            let fast = unattributed(&parsed).expect("taken by the fast path").to_string();
            let mut errors = Error::accumulator();
            let Parsed::Model(derive) = Derive::from_input(parsed, &mut errors) else {
                panic!("darling reads {input}");
            };
            errors.finish().expect("no errors");
            let model = plain_struct(&derive).expect("a plain struct").to_string();
            assert_eq!(fast, model, "{input}");
        }
        for input in [
            "struct A { #[report(skip)] name: String }",
            "#[report(bound = \"\")] struct B { x: u64 }",
            "struct C<T> { x: T }",
            "enum D { A }",
            "struct E { #[bounded(cap = 1)] x: Vec<u8> }",
        ] {
            let parsed: DeriveInput = syn::parse_str(input).expect("an item");
            assert!(unattributed(&parsed).is_none(), "{input} needs the model");
        }
    }
}
