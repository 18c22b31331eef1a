//! Generator: the audit, one assertion per unannotated field, judged by the
//! compiler on the field's real type (aliases and wrappers seen through).
//!
//! Each assertion names the field through a local marker type of the same
//! name, so the diagnostic can say "field `closed_websockets` of type
//! `HashSet<u64>` can grow without bound", and is spanned on the field's type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Path;
use syn::spanned::Spanned;

use crate::model::{Container, FieldKind};

/// Statements for the checks function.
///
/// The markers live in a module of their own so that a field named like a
/// type (`String: String`) cannot shadow the type being judged.
pub fn checks(container: &Container, krate: &Path) -> Vec<TokenStream> {
    let private = quote!(#krate::__private);
    let plain: Vec<_> = container
        .fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Plain))
        .filter_map(|f| Some((f.ident.as_ref()?, &f.ty, &f.cfgs)))
        .collect();
    if plain.is_empty() {
        return Vec::new();
    }
    let markers = plain.iter().map(|(ident, _, cfgs)| {
        let marker = marker(ident);
        quote!(#(#cfgs)* pub struct #marker;)
    });
    let mut out = vec![quote! {
        #[allow(non_camel_case_types, dead_code, unreachable_pub)]
        mod __leakproof_fields {
            #(#markers)*
        }
    }];
    out.extend(plain.iter().map(|(ident, ty, cfgs)| {
        let marker = marker(ident);
        quote_spanned! {ty.span()=>
            #(#cfgs)*
            #private::assert_handled::<#ty, __leakproof_fields::#marker, _>({
                #[allow(unused_imports)]
                use #private::{ViaPlain as _, ViaResource as _};
                (&#private::Probe::<#ty>::new()).verdict()
            });
            #(#cfgs)*
            #private::assert_capped::<#ty, __leakproof_fields::#marker, _>({
                #[allow(unused_imports)]
                use #private::{ViaPlain as _, ViaUnbounded as _};
                (&#private::Probe::<#ty>::new()).growth()
            });
        }
    }));
    out
}

/// The marker type for a field: the field's own name (raw identifiers
/// unwrapped), so diagnostics print it.
fn marker(ident: &syn::Ident) -> syn::Ident {
    format_ident!("{}", ident.to_string().trim_start_matches("r#"), span = ident.span())
}
