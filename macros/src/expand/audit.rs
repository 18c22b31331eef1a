//! Generator: the audit, up to two assertions per field, judged by the
//! compiler on the field's real type (aliases and wrappers seen through):
//! - a field with no teardown attribute must hold nothing `shutdown()` should
//!   release (a subscription, a task, a nested component);
//! - a field with no bound attribute must not be a growable collection.
//!
//! A field whose type settles a question as written (a primitive, `String`,
//! a std collection of those, the runtime's teardown types for the growth
//! question: see `model::known`) is not asked it.
//!
//! Each assertion is a trait of its own, declared where it is used, whose
//! `on_unimplemented` message names the field as plain text. (Naming it
//! through a marker type instead prints the type's path whenever two structs
//! in a crate share a field name.) The call is spanned on the field's type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Path;
use syn::spanned::Spanned;

use crate::model::{Bound, Container, Field, Teardown, known};

/// One kind of assertion: what it probes and what its message says.
struct Rule {
    /// Suffix of the generated trait's name, read in the diagnostic's help.
    suffix: &'static str,
    /// The probe method (`Probe::verdict` or `Probe::growth`).
    probe: TokenStream,
    message: fn(&str) -> String,
    label: &'static str,
    note: &'static str,
}

fn teardown_rule() -> Rule {
    Rule {
        suffix: "is_torn_down",
        probe: quote!(verdict),
        message: |field| {
            format!(
                "field `{field}` holds `{{T}}`, a teardown resource that `shutdown()` would skip"
            )
        },
        label: "a teardown resource with no teardown attribute",
        note: "mark the field `#[subscription]`, `#[task]` or `#[shutdown]` so that `shutdown()` releases it; `#[shared]` if it is a handle to a component owned and shut down elsewhere; or `#[lifecycle(skip)]` to opt out",
    }
}

fn bound_rule() -> Rule {
    Rule {
        suffix: "is_bounded",
        probe: quote!(growth),
        message: |field| format!("field `{field}` of type `{{T}}` can grow without bound"),
        label: "an unbounded collection with no bound declared",
        note: "cap it with `#[bounded(cap = N)]` (a std collection) or use a bounded channel (`mpsc::channel(n)`), or add `#[unbounded(reason = \"...\")]` to say why it may grow (the reason shows in the memory report)",
    }
}

/// Statements for the checks function.
pub fn checks(container: &Container, krate: &Path) -> Vec<TokenStream> {
    let private = quote!(#krate::__private);
    let (teardown, bound) = (teardown_rule(), bound_rule());
    let owner = &container.item.ident;
    let mut out = Vec::new();
    for field in &container.fields {
        if field.ident.is_none() || field.teardown == Teardown::Skip {
            continue;
        }
        if field.teardown == Teardown::None && !known::holds_no_resource(&field.ty) {
            out.push(assertion(&teardown, owner, field, &private));
        }
        // A shared handle's growth is its owner's to declare.
        if matches!(field.bound, Bound::Undeclared)
            && field.teardown != Teardown::Shared
            && !known::is_plain(&field.ty)
            && !known::is_runtime_teardown(&field.ty)
        {
            out.push(assertion(&bound, owner, field, &private));
        }
    }
    if !out.is_empty() {
        // The probe traits, once for every assertion (`verdict` comes from
        // `ViaResource` or `ViaPlain`, `growth` from `ViaUnbounded` or
        // `ViaPlain`: no method is in two of the specific ones).
        out.insert(
            0,
            quote! {
                #[allow(unused_imports)]
                use #private::{ViaPlain as _, ViaResource as _, ViaUnbounded as _};
            },
        );
    }
    out
}

/// One assertion on one field, in a block of its own.
fn assertion(rule: &Rule, owner: &syn::Ident, field: &Field, private: &TokenStream) -> TokenStream {
    let name = field.name().unwrap_or_default();
    let ty = &field.ty;
    let cfgs = &field.cfgs;
    let message = (rule.message)(&name);
    let (label, note, probe) = (rule.label, rule.note, &rule.probe);
    let owner = syn::ext::IdentExt::unraw(owner);
    let tr = format_ident!("{}_{}_{}", owner, name, rule.suffix);
    let verdict = quote_spanned! {ty.span()=>
        let __leakproof_verdict = (&#private::Probe::<#ty>::new()).#probe();
    };
    // Every token of the call carries the type's span, so the error points
    // at the type alone.
    let tr_here = syn::Ident::new(&tr.to_string(), ty.span());
    let call = quote_spanned! {ty.span()=>
        #tr_here::<#ty>::holds(__leakproof_verdict);
    };
    quote! {
        #(#cfgs)*
        {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #[allow(non_camel_case_types)]
            trait #tr<T: ?::core::marker::Sized> {
                fn holds(self);
            }
            #[diagnostic::do_not_recommend]
            impl<T: ?::core::marker::Sized> #tr<T> for #private::Fine {
                fn holds(self) {}
            }
            #verdict
            #call
        }
    }
}
