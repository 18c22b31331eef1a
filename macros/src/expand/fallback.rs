//! What to emit when the input is wrong: the user's item, untouched or as
//! far as it could be understood, beside every error, so that one mistake in
//! an attribute does not also bring "cannot find type" errors for every use of
//! the item.

use darling::Error;
use darling::error::Accumulator;
use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;
use syn::spanned::Spanned;

/// The input as written, plus the errors.
pub fn unchanged(input: TokenStream, errors: Accumulator) -> TokenStream {
    let errors = self::errors(errors);
    quote!(#input #errors)
}

/// Every accumulated error as `compile_error!` invocations.
pub fn errors(errors: Accumulator) -> TokenStream {
    match errors.finish() {
        Ok(()) => TokenStream::new(),
        Err(err) => err.write_errors(),
    }
}

/// `#[bounded]` standalone on something other than a type alias.
pub fn bounded_not_on_alias(item: &Item) -> Error {
    let span = match item {
        Item::Struct(s) => s.struct_token.span(),
        Item::Enum(e) => e.enum_token.span(),
        Item::Fn(f) => f.sig.fn_token.span(),
        other => other.span(),
    };
    Error::custom(
        "`#[bounded]` goes on a type alias, `#[bounded(cap = N)] type Name = HashSet<T>;`, or on a field of a `#[lifecycle]` struct",
    )
    .with_span(&span)
}
