//! Generator: `impl MemoryReport` for a `#[lifecycle]` struct, one node per
//! field, each labelled with what its attribute says it is. The field's own
//! type supplies the figures through `MemoryReport` when it has an impl; a
//! type without one is reported by name and marked unmeasured rather than
//! failing the build.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Path;

use crate::model::{Container, FieldKind};

/// The expression reporting the field at `place` (`self.name`, or a
/// binding in a `match`) under the name `label`.
pub fn field_node(place: &TokenStream, label: &str, krate: &Path) -> TokenStream {
    let private = quote!(#krate::__private);
    quote! {
        {
            #[allow(unused_imports)]
            use #private::{Opaque as _, ViaMemoryReport as _};
            (&#private::Reporter(&#place)).field_report()
        }
        .named(#label)
    }
}

pub fn expand(container: &Container, krate: &Path) -> TokenStream {
    let private = quote!(#krate::__private);
    let item = &container.item;
    let name = &item.ident;
    let name_str = name.to_string();
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let nodes = container.fields.iter().filter_map(|field| {
        let ident = field.ident.clone()?;
        let label = ident.to_string();
        let node = field_node(&quote!(self.#ident), label.trim_start_matches("r#"), krate);
        let cfgs = &field.cfgs;
        let kind = match &field.kind {
            FieldKind::Unbounded { reason } => {
                quote!(.with_kind(#private::Kind::Unbounded { reason: ::core::convert::From::from(#reason) }))
            }
            FieldKind::Subscription => quote!(.with_kind(#private::Kind::Subscription)),
            FieldKind::Task => quote!(.with_kind(#private::Kind::Task)),
            FieldKind::Nested => quote!(.with_kind(#private::Kind::Nested)),
            FieldKind::Bounded(_) | FieldKind::Skip | FieldKind::Plain => TokenStream::new(),
        };
        Some(quote!(#(#cfgs)* __leakproof_fields.push(#node #kind);))
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #private::MemoryReport for #name #ty_generics #where_clause {
            fn memory_report(&self) -> #private::Report {
                let mut __leakproof_fields = ::std::vec::Vec::new();
                #(#nodes)*
                #private::Report::structure::<Self>(#name_str, __leakproof_fields)
            }
        }
    }
}
