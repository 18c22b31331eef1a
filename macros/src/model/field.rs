//! One field of a `#[lifecycle]` struct: what its attributes say it is.

use darling::util::SpannedValue;
use darling::{Error, FromMeta};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Meta, Type};

use super::attrs::{BoundedArgs, Cap, Policy, Ttl, UnboundedArgs};
use super::collection::Collection;

/// The attribute names this crate consumes on fields.
const FIELD_ATTRS: &[&str] =
    &["bounded", "unbounded", "subscription", "task", "shutdown", "lifecycle"];

/// What a field is, from its attributes.
#[derive(Debug, Clone)]
pub enum FieldKind {
    /// `#[bounded(...)]`: the type is rewritten to a runtime wrapper.
    Bounded(Box<Bounded>),
    /// `#[unbounded(reason = "...")]`: reviewed, left as written.
    Unbounded {
        #[allow(dead_code)] // read by the report generator, which comes next
        reason: String,
    },
    /// `#[subscription]`: unsubscribed by `shutdown()`.
    Subscription,
    /// `#[task]`: cancelled by `shutdown()`.
    Task,
    /// `#[shutdown]`: a nested component, shut down by `shutdown()`.
    Nested,
    /// `#[lifecycle(skip)]`: the user opted this field out of teardown and
    /// of the audit.
    Skip,
    /// No attribute: reported, not torn down.
    Plain,
}

impl FieldKind {
    /// Fields `shutdown()` tears down.
    pub fn is_teardown(&self) -> bool {
        matches!(self, FieldKind::Subscription | FieldKind::Task | FieldKind::Nested)
    }
}

/// A `#[bounded]` field's configuration. Parts that failed to parse are
/// `None` (their errors are already in the accumulator), so expansion can still
/// emit a best-effort struct and avoid cascading errors.
#[derive(Debug, Clone)]
pub struct Bounded {
    pub cap: Option<Cap>,
    pub policy: SpannedValue<Policy>,
    pub ttl: Option<SpannedValue<Ttl>>,
    /// `None` when the written type is not a supported collection.
    pub collection: Option<Collection>,
    pub krate: Option<syn::Path>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub ident: Option<Ident>,
    /// The type as the user wrote it.
    pub ty: Type,
    pub kind: FieldKind,
    /// The field's `#[cfg(...)]` attributes: every statement generated for
    /// the field carries them, so a field compiled out takes its code along.
    pub cfgs: Vec<Attribute>,
}

impl Field {
    /// Reads the field's attributes, removing the ones this crate consumes.
    pub fn from_syn(field: &mut syn::Field, errors: &mut darling::error::Accumulator) -> Field {
        let ours: Vec<Attribute> = extract_attrs(&mut field.attrs, FIELD_ATTRS);
        let mut kind = FieldKind::Plain;
        let mut first: Option<&Attribute> = None;
        for attr in &ours {
            if let Some(previous) = first {
                errors.push(
                    Error::custom(format!(
                        "`#[{}]` conflicts with the `#[{}]` above it: a field takes one leakproof attribute, the one that says what it is; keep one",
                        attr_name(attr),
                        attr_name(previous)
                    ))
                    .with_span(&attr.meta.path()),
                );
                continue;
            }
            first = Some(attr);
            kind = match attr_name(attr).as_str() {
                "bounded" => parse_bounded(attr, &field.ty, errors),
                "unbounded" => parse_unbounded(attr, errors),
                "subscription" => parse_word(attr, FieldKind::Subscription, errors),
                "task" => parse_word(attr, FieldKind::Task, errors),
                "shutdown" => parse_word(attr, FieldKind::Nested, errors),
                _ => parse_field_lifecycle(attr, errors),
            };
        }
        let cfgs = field.attrs.iter().filter(|a| a.path().is_ident("cfg")).cloned().collect();
        Field { ident: field.ident.clone(), ty: field.ty.clone(), kind, cfgs }
    }
}

pub fn attr_name(attr: &Attribute) -> String {
    attr.path().get_ident().map(Ident::to_string).unwrap_or_default()
}

/// Removes and returns the attributes named in `names` (bare idents only).
pub fn extract_attrs(attrs: &mut Vec<Attribute>, names: &[&str]) -> Vec<Attribute> {
    let (ours, theirs) = std::mem::take(attrs)
        .into_iter()
        .partition(|attr| names.iter().any(|name| attr.path().is_ident(name)));
    *attrs = theirs;
    ours
}

/// Parses a `#[bounded(...)]` attribute against the field's type.
pub fn parse_bounded(
    attr: &Attribute,
    ty: &Type,
    errors: &mut darling::error::Accumulator,
) -> FieldKind {
    let args = match &attr.meta {
        Meta::List(_) => errors.handle(BoundedArgs::from_meta(&attr.meta)),
        _ => None,
    };
    let attr_span = attr.span();
    let cap = args.as_ref().and_then(|a| a.cap.clone());
    // When another key failed, darling returns no args at all: look for
    // `cap` directly so a missing one is still reported in the same build.
    let cap_written = match &attr.meta {
        Meta::List(list) => darling::ast::NestedMeta::parse_meta_list(list.tokens.clone())
            .map(|items| {
                items.iter().any(|item| {
                    matches!(item, darling::ast::NestedMeta::Meta(meta) if meta.path().is_ident("cap"))
                })
            })
            .unwrap_or(true),
        _ => false,
    };
    if cap.is_none() && !cap_written {
        errors.push(
            Error::custom(
                "missing `cap`: write `#[bounded(cap = N)]` with N the most entries this collection may hold",
            )
            .with_span(&attr.meta),
        );
    }
    let collection = Collection::from_type(ty);
    let default_policy = SpannedValue::new(Policy::Lru, attr_span);
    let (policy, ttl, krate) = match args {
        Some(args) => (args.evict.unwrap_or(default_policy), args.ttl, args.krate),
        None => (default_policy, None, None),
    };
    FieldKind::Bounded(Box::new(Bounded { cap, policy, ttl, collection, krate }))
}

fn parse_unbounded(attr: &Attribute, errors: &mut darling::error::Accumulator) -> FieldKind {
    const HELP: &str = "`#[unbounded]` needs a reason an operator can read in the memory report: `#[unbounded(reason = \"one entry per live socket; removed on disconnect\")]`";
    let args = match &attr.meta {
        Meta::List(_) => errors.handle(UnboundedArgs::from_meta(&attr.meta)),
        _ => {
            errors.push(Error::custom(HELP).with_span(&attr.meta));
            None
        }
    };
    let Some(args) = args else {
        return FieldKind::Unbounded { reason: String::new() };
    };
    match args.reason {
        None => {
            errors.push(Error::custom(HELP).with_span(&attr.meta));
            FieldKind::Unbounded { reason: String::new() }
        }
        Some(reason) if reason.0.trim().is_empty() => {
            errors.push(
                Error::custom(format!("the reason is empty: {HELP}")).with_span(&reason.span()),
            );
            FieldKind::Unbounded { reason: String::new() }
        }
        Some(reason) => FieldKind::Unbounded { reason: reason.into_inner().0 },
    }
}

/// `#[subscription]`, `#[task]`, `#[shutdown]`: bare words.
fn parse_word(
    attr: &Attribute,
    kind: FieldKind,
    errors: &mut darling::error::Accumulator,
) -> FieldKind {
    if !matches!(attr.meta, Meta::Path(_)) {
        let name = attr_name(attr);
        errors.push(
            Error::custom(format!("`#[{name}]` takes no arguments: write `#[{name}]`"))
                .with_span(&attr.meta),
        );
    }
    kind
}

/// `#[lifecycle(skip)]` on a field.
fn parse_field_lifecycle(attr: &Attribute, errors: &mut darling::error::Accumulator) -> FieldKind {
    const HELP: &str = "on a field, `#[lifecycle]` takes only `skip`: `#[lifecycle(skip)]` leaves the field out of `shutdown()` and of the audit";
    let Meta::List(list) = &attr.meta else {
        errors.push(Error::custom(HELP).with_span(&attr.meta));
        return FieldKind::Skip;
    };
    match syn::parse2::<Ident>(list.tokens.clone()) {
        Ok(word) if word == "skip" => FieldKind::Skip,
        // On error: `Skip`, so the field brings no second, follow-on error.
        Ok(word) => {
            errors.push(Error::custom(HELP).with_span(&word));
            FieldKind::Skip
        }
        Err(_) => {
            errors.push(Error::custom(HELP).with_span(&list.tokens));
            FieldKind::Skip
        }
    }
}
