//! Generator: `impl Lifecycle`, the teardown-marker impl, the optional
//! `Drop` impl, and the per-field checks that no teardown resource is left
//! unmarked.
//!
//! Order is the contract: the `on_shutdown` hook first, then the teardown
//! fields in reverse declaration order (what was set up last is torn down
//! first), each through one `ShutdownCtx` call that isolates it.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path};

use crate::model::attrs::DropMode;
use crate::model::{Container, Field, Teardown};

/// The named fields that `shutdown()` tears down, in declaration order.
fn teardown_fields(container: &Container) -> Vec<(&Ident, &Field)> {
    container
        .fields
        .iter()
        .filter(|f| f.teardown.is_teardown())
        .filter_map(|f| Some((f.ident.as_ref()?, f)))
        .collect()
}

pub fn expand(container: &Container, krate: &Path) -> TokenStream {
    let item = &container.item;
    let name = &item.ident;
    let name_str = syn::ext::IdentExt::unraw(name).to_string();
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let private = quote!(#krate::__private);
    let fields = teardown_fields(container);

    let steps = fields.iter().rev().map(|(ident, field)| {
        let label = field.name().unwrap_or_default();
        // Spanned on the field's type: a type that is not `Unsubscribe`
        // (etc.) is reported there, with the trait's own message.
        let method = match field.teardown {
            Teardown::Subscription => quote!(unsubscribe),
            Teardown::Task => quote!(tasks),
            _ => quote!(nested),
        };
        let cfgs = &field.cfgs;
        quote_spanned! {field.ty.span()=>
            #(#cfgs)*
            __leakproof_ctx.#method(#label, &self.#ident);
        }
    });
    let hook = container.args.on_shutdown.as_ref().map(|hook| {
        let hook = &hook.0;
        quote_spanned! {hook.span()=>
            __leakproof_ctx.hook(|| (#hook)(self));
        }
    });

    let drop_mode = container.args.drop.as_ref().map_or(DropMode::Off, |d| **d);
    // A component that warns or shuts down on its own drop says so, so that
    // a component holding it does not name it in a second warning.
    let handles_own_drop = (drop_mode != DropMode::Off).then(|| {
        quote! {
            fn handles_own_drop(&self) -> bool {
                true
            }
        }
    });
    let drop_impl = match container.args.drop.as_ref().map(|d| **d) {
        None | Some(DropMode::Off) => TokenStream::new(),
        Some(DropMode::Warn) => quote! {
            #[automatically_derived]
            impl #impl_generics ::core::ops::Drop for #name #ty_generics #where_clause {
                fn drop(&mut self) {
                    #private::warn_live(#name_str, self);
                }
            }
        },
        Some(DropMode::Shutdown) => quote! {
            #[automatically_derived]
            impl #impl_generics ::core::ops::Drop for #name #ty_generics #where_clause {
                fn drop(&mut self) {
                    #private::shutdown_on_drop(self);
                }
            }
        },
    };

    quote! {
        #[automatically_derived]
        impl #impl_generics #private::Lifecycle for #name #ty_generics #where_clause {
            fn teardown(&self, __leakproof_ctx: &mut #private::ShutdownCtx) {
                __leakproof_ctx.component(#name_str, self, |__leakproof_ctx| {
                    #hook
                    #(#steps)*
                });
            }
            #handles_own_drop
        }

        #[automatically_derived]
        impl #impl_generics #private::TeardownResource for #name #ty_generics #where_clause {}

        #drop_impl
    }
}
