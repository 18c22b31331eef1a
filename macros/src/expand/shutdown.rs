//! Generator: `impl Lifecycle`, the teardown-marker impl, the optional
//! `Drop` impl, and the per-field checks that no teardown resource is left
//! unmarked.
//!
//! Order is the contract: the teardown fields in reverse declaration order
//! (what was set up last is torn down first), then the `on_shutdown` hook
//! (it flushes what the fields' tasks produced), each through one context
//! call that isolates it. The same order twice: `teardown` for `shutdown()`,
//! and an async body for `shutdown_graceful()` that awaits each step.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Path;
use syn::spanned::Spanned;

use crate::model::attrs::DropMode;
use crate::model::{Container, Field, Teardown};

/// The named fields that `shutdown()` tears down, in declaration order.
fn teardown_fields(container: &Container) -> Vec<&Field> {
    container.fields.iter().filter(|f| f.teardown.is_teardown() && f.ident.is_some()).collect()
}

/// For a teardown field: the `Field` constructor that requires its trait,
/// and the context method that tears it down (the same name in both
/// contexts).
fn names(teardown: Teardown) -> (TokenStream, TokenStream) {
    match teardown {
        Teardown::Subscription => (quote!(subscription), quote!(unsubscribe)),
        Teardown::Task => (quote!(task), quote!(tasks)),
        _ => (quote!(nested), quote!(nested)),
    }
}

/// `checks` are the statements that only need to type-check; they go in
/// the `TeardownResource` impl's never-called `__leakproof_checks`.
pub fn expand(container: &Container, krate: &Path, checks: &[TokenStream]) -> TokenStream {
    let item = &container.item;
    let name = &item.ident;
    let name_str = syn::ext::IdentExt::unraw(name).to_string();
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let private = quote!(#krate::__private);
    let fields = teardown_fields(container);

    // One call per field for each body. The field is wrapped by the
    // constructor that requires its trait, spanned on the field's type and
    // written alike in both bodies, so a type that is not `Unsubscribe`
    // (etc.) is reported once, there, with the trait's own message.
    let (steps, graceful_steps): (Vec<_>, Vec<_>) = fields
        .iter()
        .rev()
        .map(|field| {
            let (ident, label, cfgs) = (&field.ident, field.name().unwrap_or_default(), &field.cfgs);
            let (constructor, method) = names(field.teardown);
            let span = field.ty.span();
            let wrapped = |receiver: TokenStream| {
                quote_spanned!(span=> &#private::Field::#constructor(&#receiver.#ident))
            };
            let now = wrapped(quote_spanned!(span=> self));
            let later = wrapped(quote_spanned!(span=> __leakproof_this));
            let graceful = match (field.teardown, field.grace) {
                // Nothing to await: the same synchronous call.
                (Teardown::Subscription, _) => quote!(__leakproof_ctx.#method(#label, #later)),
                (_, grace) => {
                    let grace = match grace {
                        Some(grace) => {
                            let nanos = u64::try_from(grace.as_nanos()).unwrap_or(u64::MAX);
                            quote!(::core::option::Option::Some(::core::time::Duration::from_nanos(#nanos)))
                        }
                        None => quote!(::core::option::Option::None),
                    };
                    quote!(__leakproof_ctx.#method(#label, #later, #grace).await)
                }
            };
            (
                quote!(#(#cfgs)* __leakproof_ctx.#method(#label, #now);),
                quote!(#(#cfgs)* #graceful;),
            )
        })
        .unzip();

    // The hook's result picks its shape: `()` or `Result` ran already, a
    // future is awaited (graceful) or reported as not run (`shutdown()`).
    let hook_call = |receiver: TokenStream| {
        container.args.on_shutdown.as_ref().map(|hook| {
            let hook = &hook.0;
            // Only the call and its classification point at the hook: the
            // `use` stays at the call site, where one unused trait of the
            // two is not the user's warning.
            let call = quote_spanned!(hook.span()=> (#hook)(#receiver));
            let run = quote_spanned! {hook.span()=>
                (&&__leakproof_call).hook_kind().run(__leakproof_call)
            };
            quote! {
                || {
                    use #private::{AsyncHook as _, SyncHook as _};
                    let __leakproof_call = #private::HookCall(#call);
                    #run
                }
            }
        })
    };
    let hook = hook_call(quote!(self)).map(|call| quote!(__leakproof_ctx.hook(#call);));
    let graceful_hook =
        hook_call(quote!(__leakproof_this)).map(|call| quote!(__leakproof_ctx.hook(#call).await;));
    // With nothing to await (no task, no nested component, no hook that
    // might be async), the trait's default walk is the same walk, in the
    // same order: no async body is generated.
    let awaits = fields.iter().any(|f| f.teardown != Teardown::Subscription);
    let graceful = (awaits || hook.is_some()).then(|| {
        quote! {
            fn teardown_graceful<'__leakproof_a>(
                &'__leakproof_a self,
                __leakproof_ctx: #private::Graceful,
            ) -> #private::StepFuture<'__leakproof_a> {
                use #private::{Ordered as _, Unordered as _};
                (&&#private::Walk::<Self>::new()).walk(
                    self,
                    __leakproof_ctx,
                    #name_str,
                    |__leakproof_this: &'__leakproof_a Self, __leakproof_ctx: #private::Graceful| async move {
                        #(#graceful_steps)*
                        #graceful_hook
                    },
                )
            }
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

    let checks = if checks.iter().all(TokenStream::is_empty) {
        TokenStream::new()
    } else {
        quote! {
            #[allow(unused_qualifications)]
            fn __leakproof_checks() {
                #(#checks)*
            }
        }
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics #private::Lifecycle for #name #ty_generics #where_clause {
            fn teardown(&self, __leakproof_ctx: &mut #private::ShutdownCtx) {
                __leakproof_ctx.component(#name_str, self, |__leakproof_ctx| {
                    #(#steps)*
                    #hook
                });
            }
            #graceful
            #handles_own_drop
        }

        #[automatically_derived]
        impl #impl_generics #private::TeardownResource for #name #ty_generics #where_clause {
            #checks
        }

        #drop_impl
    }
}
