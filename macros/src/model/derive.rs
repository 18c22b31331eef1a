//! `#[derive(MemoryReport)]`'s model: the derive input as darling reads
//! it, with `#[report(bound = "...")]` parsed into where-clause predicates.

use darling::ast::{Data, Fields};
use darling::util::{Flag, SpannedValue};
use darling::{Error, FromDeriveInput, FromField, FromVariant};
use syn::{Attribute, DeriveInput, Generics, Ident, Path, Type, WherePredicate, parse_quote};

#[derive(FromDeriveInput)]
#[darling(attributes(report), supports(struct_any, enum_any), forward_attrs(bounded, unbounded))]
pub struct Input {
    pub ident: Ident,
    pub generics: Generics,
    pub data: Data<Variant, Field>,
    /// Replaces the generated `T: MemoryReport` bounds.
    pub bound: Option<SpannedValue<String>>,
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
    /// `#[bounded]`/`#[unbounded]` on the type: rejected by `check`.
    pub attrs: Vec<Attribute>,
}

#[derive(FromVariant)]
#[darling(attributes(report), forward_attrs(bounded, unbounded))]
pub struct Variant {
    pub ident: Ident,
    pub fields: Fields<Field>,
}

#[derive(FromField)]
#[darling(attributes(report), forward_attrs(bounded, unbounded))]
pub struct Field {
    pub ident: Option<Ident>,
    pub ty: Type,
    /// Leave the field out of the report.
    pub skip: Flag,
    /// `fn(&FieldType) -> Report` to report it instead.
    pub with: Option<Path>,
    /// `#[bounded]`/`#[unbounded]` on the field: rejected by `check`.
    pub attrs: Vec<Attribute>,
}

/// The derive, ready to expand.
pub struct Derive {
    pub input: Input,
    pub krate: Path,
    /// The shallow report's where-clause predicates, and the deep walk's.
    pub predicates: (Vec<WherePredicate>, Vec<WherePredicate>),
}

/// What parsing gave: the model, or, when darling could not read the input
/// at all, the item itself (so a stub impl keeps its uses compiling).
pub enum Parsed {
    Model(Box<Derive>),
    Stub(Box<DeriveInput>),
}

impl Derive {
    /// Reads a parsed derive input.
    pub fn from_input(derive: DeriveInput, errors: &mut darling::error::Accumulator) -> Parsed {
        let input = match Input::from_derive_input(&derive) {
            Ok(input) => input,
            Err(err) => {
                errors.push(err);
                return Parsed::Stub(Box::new(derive));
            }
        };
        let krate: Path = input.krate.clone().unwrap_or_else(|| parse_quote!(::leakproof));
        let predicates = predicates(&input, &krate, errors);
        Parsed::Model(Box::new(Derive { input, krate, predicates }))
    }

    /// Every field, of every variant.
    pub fn fields(&self) -> Vec<&Field> {
        match &self.input.data {
            Data::Struct(fields) => fields.iter().collect(),
            Data::Enum(variants) => variants.iter().flat_map(|v| v.fields.iter()).collect(),
        }
    }
}

/// Type parameters get `T: MemoryReport` (and `DeepHeap` for the deep
/// walk), not the field types, which would break recursive types;
/// `#[report(bound = "...")]` replaces both.
fn predicates(
    input: &Input,
    krate: &Path,
    errors: &mut darling::error::Accumulator,
) -> (Vec<WherePredicate>, Vec<WherePredicate>) {
    let private: Path = parse_quote!(#krate::__private);
    if let Some(bound) = &input.bound {
        let predicates = match syn::parse_str::<syn::WhereClause>(&format!("where {}", **bound)) {
            Ok(clause) => clause.predicates.into_iter().collect::<Vec<_>>(),
            Err(err) => {
                errors.push(
                    Error::custom(format!(
                        "`bound` takes where-clause predicates, e.g. `bound = \"T: MemoryReport\"`, or `\"\"` for none: {err}"
                    ))
                    .with_span(&bound.span()),
                );
                Vec::new()
            }
        };
        return (predicates.clone(), predicates);
    }
    let params = || input.generics.type_params().map(|param| &param.ident);
    let shallow = params().map(|ident| parse_quote!(#ident: #private::MemoryReport)).collect();
    let deep = params()
        .map(|ident| parse_quote!(#ident: #private::MemoryReport + #private::DeepHeap))
        .collect();
    (shallow, deep)
}
