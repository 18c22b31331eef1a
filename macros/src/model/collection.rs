//! Which std collection a field's written type names.
//!
//! This is a spelling-level guess used only to choose the rewrite; the
//! generated code then asks the compiler to confirm that the type really is
//! the `std::collections` one (see `expand::bounded`), so an imported
//! `hashbrown::HashSet` is an error rather than a silent swap.

use syn::{GenericArgument, PathArguments, Type};

/// A collection `#[bounded]` can rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionKind {
    HashSet,
    HashMap,
    Vec,
    VecDeque,
}

impl CollectionKind {
    pub fn name(self) -> &'static str {
        match self {
            CollectionKind::HashSet => "HashSet",
            CollectionKind::HashMap => "HashMap",
            CollectionKind::Vec => "Vec",
            CollectionKind::VecDeque => "VecDeque",
        }
    }

    /// Keyed collections have a use for `ttl`; sequences do not.
    pub fn supports_ttl(self) -> bool {
        matches!(self, CollectionKind::HashSet | CollectionKind::HashMap)
    }

    /// How many type arguments it takes: (required, with the hasher).
    fn arity(self) -> (usize, usize) {
        match self {
            CollectionKind::HashSet => (1, 2),
            CollectionKind::HashMap => (2, 3),
            CollectionKind::Vec | CollectionKind::VecDeque => (1, 1),
        }
    }
}

/// The collection a type names, with its type arguments.
#[derive(Debug, Clone)]
pub struct Collection {
    pub kind: CollectionKind,
    /// Element types: `[T]` or `[K, V]`.
    pub elements: Vec<Type>,
    /// A custom `BuildHasher`, kept by the rewrite.
    pub hasher: Option<Type>,
    /// The collection type as written, inside any wrappers: what the
    /// identity check asks the compiler about.
    pub written: Type,
}

/// Wrappers `#[bounded]` looks through, so `Mutex<HashSet<u64>>` (a
/// service's interior mutability) becomes `Mutex<BoundedSet<..>>`.
const WRAPPERS: &[&str] = &["Mutex", "RwLock", "RefCell", "Arc", "Rc", "Box"];

/// The single type argument of a wrapper such as `Mutex<T>`.
fn wrapped(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if !WRAPPERS.contains(&last.ident.to_string().as_str()) {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match (args.args.len(), args.args.first()?) {
        (1, GenericArgument::Type(inner)) => Some(inner),
        _ => None,
    }
}

/// `ty` with the collection inside its wrappers replaced by `new`.
pub fn replace_collection(ty: &Type, new: Type) -> Type {
    if wrapped(ty).is_none() {
        return new;
    }
    let mut out = ty.clone();
    if let Type::Path(path) = &mut out
        && let Some(last) = path.path.segments.last_mut()
        && let PathArguments::AngleBracketed(args) = &mut last.arguments
        && let Some(GenericArgument::Type(inner)) = args.args.first_mut()
    {
        *inner = replace_collection(inner, new);
    }
    out
}

pub const SUPPORTED: &str = "`HashSet<T>`, `HashMap<K, V>` (with an optional hasher), `Vec<T>` and `VecDeque<T>` from `std::collections`, also inside `Mutex`, `RwLock`, `RefCell`, `Arc`, `Rc` or `Box`";

impl Collection {
    /// Recognises `HashSet<..>`, `std::collections::HashMap<..>`, etc.
    pub fn from_type(ty: &Type) -> Option<Collection> {
        let path = match ty {
            Type::Group(group) => return Collection::from_type(&group.elem),
            Type::Paren(paren) => return Collection::from_type(&paren.elem),
            _ if wrapped(ty).is_some() => return Collection::from_type(wrapped(ty)?),
            Type::Path(path) if path.qself.is_none() => &path.path,
            _ => return None,
        };
        let last = path.segments.last()?;
        let kind = match last.ident.to_string().as_str() {
            "HashSet" => CollectionKind::HashSet,
            "HashMap" => CollectionKind::HashMap,
            "Vec" => CollectionKind::Vec,
            "VecDeque" => CollectionKind::VecDeque,
            _ => return None,
        };
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        let mut types = Vec::new();
        for arg in &args.args {
            match arg {
                GenericArgument::Type(ty) => types.push(ty.clone()),
                _ => return None,
            }
        }
        let (required, max) = kind.arity();
        if types.len() < required || types.len() > max {
            return None;
        }
        let hasher = (types.len() > required).then(|| types.pop()).flatten();
        Some(Collection { kind, elements: types, hasher, written: ty.clone() })
    }
}
