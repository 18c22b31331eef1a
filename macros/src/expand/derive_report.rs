//! `#[derive(MemoryReport)]` for the plain data types that live inside
//! services: structs (named, tuple, unit) and enums (the active variant's
//! fields). Type parameters get a `MemoryReport` bound (not the field types,
//! which would break recursive types); `#[report(bound = "...")]` replaces it.

use darling::ast::{Data, Fields, Style};
use darling::util::Flag;
use darling::{Error, FromDeriveInput, FromField, FromVariant};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{
    Attribute, DeriveInput, Generics, Ident, Member, Path, Type, WherePredicate, parse_quote,
};

use super::fallback;
use super::report::{Depth, Known, field_node, impls, known_node, with_node};
use crate::model::known;

#[derive(FromDeriveInput)]
#[darling(attributes(report), supports(struct_any, enum_any), forward_attrs(bounded, unbounded))]
struct Input {
    ident: Ident,
    generics: Generics,
    data: Data<Variant, Field>,
    /// Replaces the generated `T: MemoryReport` bounds.
    bound: Option<darling::util::SpannedValue<String>>,
    #[darling(rename = "crate")]
    krate: Option<Path>,
    attrs: Vec<Attribute>,
}

#[derive(FromVariant)]
#[darling(attributes(report), forward_attrs(bounded, unbounded))]
struct Variant {
    ident: Ident,
    fields: Fields<Field>,
}

#[derive(FromField)]
#[darling(attributes(report), forward_attrs(bounded, unbounded))]
struct Field {
    ident: Option<Ident>,
    #[allow(dead_code)] // kept for spans in future checks
    ty: Type,
    /// Leave the field out of the report.
    skip: Flag,
    /// `fn(&FieldType) -> Report` to report it instead.
    with: Option<Path>,
    attrs: Vec<Attribute>,
}

/// `#[bounded]` and `#[unbounded]` need `#[lifecycle]`: a derive cannot
/// change a field's type, and silently ignoring them would be worse.
fn reject_lifecycle_attrs(attrs: &[Attribute], errors: &mut darling::error::Accumulator) {
    for attr in attrs {
        let name = attr.path().get_ident().map(Ident::to_string).unwrap_or_default();
        errors.push(
            Error::custom(format!(
                "`#[{name}]` needs `#[lifecycle]` on the struct: `#[derive(MemoryReport)]` cannot change a field's type; replace the derive with `#[lifecycle]`, which also reports memory"
            ))
            .with_span(&attr.meta.path()),
        );
    }
}

pub fn expand(input: TokenStream) -> TokenStream {
    let derive: DeriveInput = match syn::parse2(input) {
        Ok(derive) => derive,
        Err(err) => return err.into_compile_error(),
    };
    let input = match Input::from_derive_input(&derive) {
        Ok(input) => input,
        Err(err) => return err.write_errors(),
    };
    // Created only once there is something to accumulate into: an
    // accumulator dropped unfinished panics.
    let mut errors = Error::accumulator();
    reject_lifecycle_attrs(&input.attrs, &mut errors);
    let krate: Path = input.krate.clone().unwrap_or_else(|| parse_quote!(::leakproof));
    let private = quote!(#krate::__private);
    let name = &input.ident;
    let name_str = name.to_string();

    let all_fields: Vec<&Field> = match &input.data {
        Data::Struct(fields) => fields.iter().collect(),
        Data::Enum(variants) => variants.iter().flat_map(|v| v.fields.iter()).collect(),
    };
    for field in all_fields {
        reject_lifecycle_attrs(&field.attrs, &mut errors);
    }

    let body = |depth: Depth| match &input.data {
        Data::Struct(fields) => {
            let nodes = nodes(fields, |member| quote!(self.#member), &krate, depth);
            quote!(#private::Report::structure::<Self>(#name_str, ::std::vec![#(#nodes),*]))
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
                    &krate,
                    depth,
                );
                quote!(Self::#v #pattern => #private::Report::structure::<Self>(#label, ::std::vec![#(#nodes),*]))
            });
            quote! {
                #[allow(unused_variables)]
                match self { #(#arms,)* }
            }
        }
    };

    let (mut generics, mut deep_generics) = (input.generics.clone(), input.generics.clone());
    let predicates: Vec<WherePredicate> = match &input.bound {
        Some(bound) => match syn::parse_str::<syn::WhereClause>(&format!("where {}", **bound)) {
            Ok(clause) => clause.predicates.into_iter().collect(),
            Err(err) => {
                errors.push(
                    Error::custom(format!(
                        "`bound` takes where-clause predicates, e.g. `bound = \"T: MemoryReport\"`, or `\"\"` for none: {err}"
                    ))
                    .with_span(&bound.span()),
                );
                Vec::new()
            }
        },
        None => generics
            .type_params()
            .map(|param| {
                let ident = &param.ident;
                parse_quote!(#ident: #private::MemoryReport)
            })
            .collect(),
    };
    // The deep walk also needs the parameters to walk (unless `bound` says
    // otherwise, in which case it says so for both).
    let deep_predicates: Vec<WherePredicate> = match &input.bound {
        Some(_) => predicates.clone(),
        None => input
            .generics
            .type_params()
            .map(|param| {
                let ident = &param.ident;
                parse_quote!(#ident: #private::MemoryReport + #private::DeepHeap)
            })
            .collect(),
    };
    generics.make_where_clause().predicates.extend(predicates);
    deep_generics.make_where_clause().predicates.extend(deep_predicates);
    let impls = impls(&krate, name, (&generics, &deep_generics), body);
    let errors = fallback::errors(errors);
    quote! {
        #impls
        #errors
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
            None if known::is_plain(&field.ty) => {
                known_node(&place, &label, krate, depth, Known::Plain)
            }
            None => field_node(&place, &label, krate, depth),
        });
    }
    out
}
