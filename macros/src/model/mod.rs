//! Stage 1, parse: token streams into a model of what the user asked for.
//!
//! Nothing here emits code. Every problem found is pushed into darling's
//! accumulator and parsing carries on, so one build shows every mistake.

pub mod attrs;
pub mod collection;
pub mod field;

use darling::ast::NestedMeta;
use darling::{Error, FromMeta};
use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{Fields, Item, ItemStruct};

pub use attrs::LifecycleArgs;
pub use field::{Bounded, Field, FieldKind};

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
        Some(Container { item, fields, args })
    }
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
