//! Types the macros recognise by how they are written, so the generated
//! code can skip asking the compiler what it already knows: a field of a
//! primitive type or `String` holds no teardown resource, cannot grow, and
//! reports through `MemoryReport` and `DeepHeap` directly, with no probe.
//!
//! Why: each probe is a trait selection, and an audit probe is also a trait
//! of its own (its message names the field); skipped for the fields whose
//! type settles the question, they cost nothing (issue 18: the audit was half
//! of a `#[lifecycle]` struct's compile time). The names are trusted as
//! written, as `std`'s prelude names are everywhere: a crate that declares
//! its own type called `String` or `u64` loses the audit on those fields.

use syn::{GenericArgument, PathArguments, Type};

/// Primitive and prelude types that own no teardown resource, never grow
/// without bound, and implement `MemoryReport` and `DeepHeap`.
const PLAIN: &[&str] = &[
    "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128",
    "isize", "f32", "f64", "String",
];

/// The std collections whose elements the audit can judge by their types.
const COLLECTIONS: &[&str] =
    &["Vec", "VecDeque", "HashMap", "HashSet", "BTreeMap", "BTreeSet", "BinaryHeap"];

/// The single-segment name of a path type and its type arguments, if the
/// type is written that way (`Option<String>`, `u64`).
fn name_and_args(ty: &Type) -> Option<(String, Vec<&Type>)> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() || path.path.leading_colon.is_some() || path.path.segments.len() != 1 {
        return None;
    }
    let segment = &path.path.segments[0];
    let args = match &segment.arguments {
        PathArguments::None => Vec::new(),
        PathArguments::AngleBracketed(args) => {
            let mut types = Vec::new();
            for arg in &args.args {
                match arg {
                    GenericArgument::Type(ty) => types.push(ty),
                    _ => return None,
                }
            }
            types
        }
        PathArguments::Parenthesized(_) => return None,
    };
    Some((segment.ident.to_string(), args))
}

/// A plain type: a primitive, `String`, `()`, or an array or `Option` of
/// plain types. It holds no teardown resource, cannot grow, and reports
/// directly.
pub fn is_plain(ty: &Type) -> bool {
    match ty {
        Type::Group(group) => is_plain(&group.elem),
        Type::Paren(paren) => is_plain(&paren.elem),
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Array(array) => is_plain(&array.elem),
        _ => match name_and_args(ty) {
            Some((name, args)) if args.is_empty() => PLAIN.contains(&name.as_str()),
            Some((name, args)) if name == "Option" => args.len() == 1 && is_plain(args[0]),
            _ => false,
        },
    }
}

/// The runtime's teardown types, none of which can grow without bound.
const RUNTIME_TEARDOWN: &[&str] = &["Subscription", "Subscriptions", "TaskSet", "TaskHandle"];

/// Whether `ty` is written as one of the runtime's teardown types
/// (`Subscription`, `leakproof::TaskSet`, ...): the growth question is then
/// settled as written, like `String`'s (the names are trusted, as above).
pub fn is_runtime_teardown(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let segments: Vec<_> = path.path.segments.iter().collect();
    let named = match segments[..] {
        [last] => path.path.leading_colon.is_none().then_some(last),
        [krate, last] if krate.ident == "leakproof" => Some(last),
        _ => None,
    };
    named.is_some_and(|last| {
        path.qself.is_none()
            && matches!(last.arguments, PathArguments::None)
            && RUNTIME_TEARDOWN.iter().any(|name| last.ident == name)
    })
}

/// Whether `ty` is written as one of the runtime's teardown types through
/// the crate's path (`leakproof::Subscription`, `::leakproof::TaskSet`):
/// the report then calls its reports directly. Unlike the audit's question,
/// a wrong guess here would not compile, so a bare `Subscription` (which
/// may be the user's own type) does not count.
pub fn is_runtime_report(ty: &Type) -> bool {
    // `is_runtime_teardown` checks the last segment; here the crate's name
    // must be written before it.
    let Type::Path(path) = ty else { return false };
    let segments = &path.path.segments;
    segments.len() == 2 && segments[0].ident == "leakproof" && is_runtime_teardown(ty)
}

/// A type whose reports (`MemoryReport` and `DeepHeap`) the macros call
/// directly, with no probe: a plain type, a std collection of plain types,
/// or one of the runtime's teardown types named through the crate's path.
pub fn reports_directly(ty: &Type) -> bool {
    is_plain(ty) || is_plain_collection(ty) || is_runtime_report(ty)
}

/// A type that holds no teardown resource: a plain type, or a std
/// collection of plain elements (`HashMap<u64, String>`). Such a collection
/// may still grow: only the teardown probe can be skipped for it.
pub fn holds_no_resource(ty: &Type) -> bool {
    is_plain(ty) || is_plain_collection(ty)
}

/// A std collection of plain types, as written (`Vec<u8>`,
/// `HashMap<u64, String>`): it has both reports (`MemoryReport`, and
/// `DeepHeap` through its plain elements), so the report calls them directly,
/// and it holds no teardown resource.
pub fn is_plain_collection(ty: &Type) -> bool {
    match name_and_args(ty) {
        Some((name, args)) => {
            COLLECTIONS.contains(&name.as_str())
                && !args.is_empty()
                && args.iter().all(|arg| is_plain(arg))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn runtime_teardown_types_are_recognised_as_written() {
        for ty in [
            parse_quote!(Subscription),
            parse_quote!(leakproof::Subscriptions),
            parse_quote!(::leakproof::TaskSet),
            parse_quote!(TaskHandle),
        ] {
            let ty: Type = ty;
            assert!(is_runtime_teardown(&ty), "{}", quote::quote!(#ty));
        }
        for ty in [
            parse_quote!(Vec<Subscription>),
            parse_quote!(my::Subscription),
            parse_quote!(Option<TaskSet>),
            parse_quote!(TaskSets),
        ] {
            let ty: Type = ty;
            assert!(!is_runtime_teardown(&ty), "{}", quote::quote!(#ty));
        }
    }

    #[test]
    fn runtime_reports_are_direct_only_through_the_crate_path() {
        let yes: [Type; 3] = [
            parse_quote!(leakproof::Subscription),
            parse_quote!(::leakproof::TaskSet),
            parse_quote!(leakproof::Subscriptions),
        ];
        for ty in &yes {
            assert!(reports_directly(ty), "{}", quote::quote!(#ty));
        }
        let no: [Type; 3] = [
            parse_quote!(Subscription),
            parse_quote!(my::Subscription),
            parse_quote!(leakproof::Config),
        ];
        for ty in &no {
            assert!(!reports_directly(ty), "{}", quote::quote!(#ty));
        }
    }

    #[test]
    fn plain_types_are_recognised_as_written() {
        for ty in [
            parse_quote!(u64),
            parse_quote!(String),
            parse_quote!(Option<String>),
            parse_quote!([u8; 8]),
            parse_quote!(()),
            parse_quote!(Option<[f64; 2]>),
        ] {
            assert!(is_plain(&ty), "{}", quote::quote!(#ty));
        }
        for ty in [
            parse_quote!(Vec<u8>),
            parse_quote!(std::string::String),
            parse_quote!(::core::primitive::u64),
            parse_quote!(Option<Subscription>),
            parse_quote!((u64, u64)),
            parse_quote!(MyType),
            parse_quote!(Option<u8, u8>),
            parse_quote!(<T as Tr>::Out),
        ] {
            let ty: Type = ty;
            assert!(!is_plain(&ty), "{}", quote::quote!(#ty));
        }
    }

    #[test]
    fn collections_of_plain_elements_hold_no_resource() {
        let yes: [Type; 3] =
            [parse_quote!(HashMap<u64, String>), parse_quote!(Vec<u8>), parse_quote!(u32)];
        for ty in &yes {
            assert!(holds_no_resource(ty), "{}", quote::quote!(#ty));
        }
        let no: [Type; 4] = [
            parse_quote!(HashMap<u64, Subscription>),
            parse_quote!(Vec<TaskHandle>),
            parse_quote!(Mutex<Vec<u8>>),
            parse_quote!(Vec),
        ];
        for ty in &no {
            assert!(!holds_no_resource(ty), "{}", quote::quote!(#ty));
        }
    }
}
