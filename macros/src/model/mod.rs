//! Stage 1, parse: token streams into a model of what the user asked for.
//!
//! Nothing here emits code. Every problem found is pushed into darling's
//! accumulator and parsing carries on, so one build shows every mistake.

pub mod attrs;
pub mod collection;
pub mod derive;
pub mod field;
pub mod known;

use darling::ast::NestedMeta;
use darling::{Error, FromMeta};
use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{Fields, Item, ItemStruct};

pub use attrs::LifecycleArgs;
pub use field::{Bound, Bounded, Field, FieldReport, Teardown};

use quote::ToTokens;

/// A `#[lifecycle]` struct.
pub struct Container {
    /// The struct with this crate's field attributes removed; field types
    /// still as written (the `bounded` generator rewrites them).
    pub item: ItemStruct,
    /// One model per field, in declaration order.
    pub fields: Vec<Field>,
    pub args: LifecycleArgs,
}

/// Parses the attribute arguments of an attribute macro.
pub fn parse_args<T: FromMeta + Default>(
    args: TokenStream,
    errors: &mut darling::error::Accumulator,
) -> T {
    match NestedMeta::parse_meta_list(args) {
        Ok(items) => errors.handle(T::from_list(&items)).unwrap_or_default(),
        Err(err) => {
            errors.push(Error::from(err));
            T::default()
        }
    }
}

impl Container {
    /// `None` when the input is not a struct at all: there is no struct to
    /// emit and the error says what `#[lifecycle]` goes on.
    pub fn from_ast(
        args: TokenStream,
        input: TokenStream,
        errors: &mut darling::error::Accumulator,
    ) -> Option<Container> {
        let args: LifecycleArgs = parse_args(args, errors);
        let item = match syn::parse2::<Item>(input) {
            Ok(Item::Struct(item)) => item,
            Ok(other) => {
                errors.push(not_a_struct(&other));
                return None;
            }
            Err(err) => {
                errors.push(Error::from(err));
                return None;
            }
        };
        let mut item = item;
        let fields = match &mut item.fields {
            Fields::Named(named) => {
                named.named.iter_mut().map(|field| Field::from_syn(field, errors)).collect()
            }
            Fields::Unnamed(unnamed) => {
                // The field attributes go too: left in, each would add a
                // "cannot find attribute" error to the one that matters.
                for field in &mut unnamed.unnamed {
                    field::extract_attrs(&mut field.attrs, field::FIELD_ATTRS);
                }
                errors.push(
                    Error::custom(
                        "`#[lifecycle]` needs named fields, which the shutdown and memory reports name: write `struct Name { field: Type }`",
                    )
                    .with_span(&unnamed.span()),
                );
                Vec::new()
            }
            Fields::Unit => Vec::new(),
        };
        let mut fields = fields;
        resolve_const_param_caps(&mut fields, &item.generics, errors);
        Some(Container { item, fields, args })
    }
}

/// A cap may be the struct's own const generic parameter (`cap = N`), which
/// the field's new type can carry as it is. An expression using one
/// (`cap = N * 2`) cannot go into a type on stable Rust, so it is an error
/// that says what works.
fn resolve_const_param_caps(
    fields: &mut [Field],
    generics: &syn::Generics,
    errors: &mut darling::error::Accumulator,
) {
    let params: Vec<&syn::Ident> = generics.const_params().map(|p| &p.ident).collect();
    if params.is_empty() {
        return;
    }
    for field in fields {
        let Bound::Bounded(bounded) = &mut field.bound else { continue };
        let Some(attrs::Cap::Const(expr)) = &bounded.cap else { continue };
        if let syn::Expr::Path(path) = expr
            && let Some(ident) = path.path.get_ident()
            && params.contains(&ident)
        {
            bounded.cap = Some(attrs::Cap::ConstParam(ident.clone()));
            continue;
        }
        if let Some(param) = mentions(expr.to_token_stream(), &params) {
            errors.push(
                Error::custom(format!(
                    "`cap` can name the struct's const parameter `{param}` only on its own, `cap = {param}`: an expression using it cannot go into the field's type on stable Rust; give the struct a const parameter for this cap (`const CAP: usize`, then `cap = CAP`)"
                ))
                .with_span(expr),
            );
            bounded.cap = None;
        }
    }
}

/// The first of `params` that occurs in `tokens`.
fn mentions(tokens: TokenStream, params: &[&syn::Ident]) -> Option<syn::Ident> {
    tokens.into_iter().find_map(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) if params.contains(&&ident) => Some(ident),
        proc_macro2::TokenTree::Group(group) => mentions(group.stream(), params),
        _ => None,
    })
}

fn not_a_struct(item: &Item) -> Error {
    const HELP: &str = "`#[lifecycle]` goes on a struct with named fields, e.g. `#[lifecycle] struct ChatService { ... }`";
    let (what, span) = match item {
        Item::Enum(e) => ("an enum", e.enum_token.span()),
        Item::Union(u) => ("a union", u.union_token.span()),
        Item::Type(t) => ("a type alias", t.type_token.span()),
        Item::Fn(f) => ("a function", f.sig.fn_token.span()),
        other => ("this item", other.span()),
    };
    Error::custom(format!("{HELP}, not {what}")).with_span(&span)
}
