//! One field of a `#[lifecycle]` struct: what its attributes say it is.

use std::time::Duration;

use darling::util::SpannedValue;
use darling::{Error, FromMeta};
use syn::ext::IdentExt;
use syn::{Attribute, Ident, Meta, Type};

use super::attrs::{BoundedArgs, Cap, Grace, KeepIf, Policy, Ttl, UnboundedArgs};
use super::collection::Collection;

/// The attribute names this crate consumes on fields.
pub const FIELD_ATTRS: &[&str] =
    &["bounded", "unbounded", "subscription", "task", "shutdown", "shared", "lifecycle", "report"];

/// How the memory report shows a field, from `#[report(...)]`.
#[derive(Debug, Clone)]
pub enum FieldReport {
    /// Through the field type's `MemoryReport` (or unmeasured without one).
    Default,
    /// `#[report(skip)]`: left out of the report.
    Skip,
    /// `#[report(with = path)]`: `path(&field) -> Report` instead.
    With(syn::Path),
}

#[derive(Debug, FromMeta)]
struct ReportArgs {
    skip: darling::util::Flag,
    with: Option<syn::Path>,
}

/// What a field's bound attribute declares about its growth.
#[derive(Debug, Clone)]
pub enum Bound {
    /// No bound attribute: the audit judges the field's type.
    Undeclared,
    /// `#[bounded(...)]`: the type is rewritten to a runtime wrapper.
    Bounded(Box<Bounded>),
    /// `#[unbounded(reason = "...")]`: reviewed, left as written.
    Unbounded { reason: String },
}

/// What `shutdown()` does with a field, from its teardown attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Teardown {
    /// No teardown attribute: reported, not torn down; the audit checks
    /// that the type holds nothing `shutdown()` should release.
    None,
    /// `#[subscription]`: unsubscribed by `shutdown()`.
    Subscription,
    /// `#[task]`: cancelled by `shutdown()`.
    Task,
    /// `#[shutdown]`: a nested component, shut down by `shutdown()`.
    Nested,
    /// `#[shared]`: a handle to a component owned elsewhere: not torn down,
    /// not audited, and not counted in this struct's heap.
    Shared,
    /// `#[lifecycle(skip)]`: the user opted this field out of teardown and
    /// of the audit.
    Skip,
}

impl Teardown {
    /// Fields `shutdown()` tears down.
    pub fn is_teardown(self) -> bool {
        matches!(self, Teardown::Subscription | Teardown::Task | Teardown::Nested)
    }
}

/// A `#[bounded]` field's configuration. Parts that failed to parse are
/// `None` (their errors are already in the accumulator), so expansion can still
/// emit a best-effort struct and avoid cascading errors.
#[derive(Debug, Clone)]
pub struct Bounded {
    pub cap: Option<Cap>,
    /// As written; `None` takes the collection's default (`sieve` for hashed
    /// collections, `fifo` for sequences).
    pub policy: Option<SpannedValue<Policy>>,
    pub ttl: Option<SpannedValue<Ttl>>,
    pub keep_if: Option<KeepIf>,
    /// `None` when the written type is not a supported collection.
    pub collection: Option<Collection>,
    pub krate: Option<syn::Path>,
}

impl Bounded {
    /// The policy the rewrite uses: as written, or the collection's default.
    pub fn effective_policy(&self) -> Policy {
        match (&self.policy, &self.collection) {
            (Some(policy), _) => **policy,
            (None, Some(c)) if !c.kind.supports_ttl() => Policy::Fifo,
            (None, _) => Policy::Sieve,
        }
    }
}

/// A field carries at most one attribute of each kind: a bound
/// (`#[bounded]`/`#[unbounded]`) and a teardown (`#[subscription]`, `#[task]`,
/// `#[shutdown]`), e.g. a map of subscriptions that is both reviewed as
/// unbounded and unsubscribed at shutdown. `#[lifecycle(skip)]` stands alone.
#[derive(Debug, Clone)]
pub struct Field {
    pub ident: Option<Ident>,
    /// The type as the user wrote it.
    pub ty: Type,
    pub bound: Bound,
    pub teardown: Teardown,
    /// `#[task(grace = "..")]`, `#[shutdown(grace = "..")]`: how long the
    /// graceful shutdown waits for this field, capped by the overall grace.
    pub grace: Option<Duration>,
    pub report: FieldReport,
    /// The field's `#[cfg(...)]` attributes: every statement generated for
    /// the field carries them, so a field compiled out takes its code along.
    pub cfgs: Vec<Attribute>,
}

impl Field {
    /// Reads the field's attributes, removing the ones this crate consumes.
    pub fn from_syn(field: &mut syn::Field, errors: &mut darling::error::Accumulator) -> Field {
        let ours: Vec<Attribute> = extract_attrs(&mut field.attrs, FIELD_ATTRS);
        let (mut bound, mut teardown) = (Bound::Undeclared, Teardown::None);
        let (mut bound_attr, mut teardown_attr): (Option<&Attribute>, Option<&Attribute>) =
            (None, None);
        let (mut report, mut report_attr) = (FieldReport::Default, None::<&Attribute>);
        let mut grace = None;
        for attr in &ours {
            let name = attr_name(attr);
            if name == "report" {
                match report_attr {
                    Some(_) => errors.push(
                        Error::custom("a field takes one `#[report(...)]`; merge them into one")
                            .with_span(&attr.meta.path()),
                    ),
                    None => report = parse_report(attr, errors),
                }
                report_attr = Some(attr);
                continue;
            }
            let is_bound = matches!(name.as_str(), "bounded" | "unbounded");
            let skip = name == "lifecycle";
            // `skip` takes the field out of everything, so it conflicts with
            // any other attribute; otherwise one of each kind is allowed.
            let earlier = match (is_bound, skip) {
                (_, true) => bound_attr.or(teardown_attr),
                (true, false) => {
                    bound_attr.or(teardown_attr.filter(|a| attr_name(a) == "lifecycle"))
                }
                (false, false) => teardown_attr,
            };
            if let Some(previous) = earlier {
                errors.push(conflict(attr, previous));
                continue;
            }
            if is_bound {
                bound_attr = Some(attr);
                bound = match name.as_str() {
                    "bounded" => Bound::Bounded(parse_bounded(attr, &field.ty, errors)),
                    _ => parse_unbounded(attr, errors),
                };
            } else {
                teardown_attr = Some(attr);
                teardown = match name.as_str() {
                    "subscription" => parse_word(attr, Teardown::Subscription, errors),
                    "task" => parse_graced(attr, Teardown::Task, &mut grace, errors),
                    "shutdown" => parse_graced(attr, Teardown::Nested, &mut grace, errors),
                    "shared" => parse_word(attr, Teardown::Shared, errors),
                    _ => parse_field_lifecycle(attr, errors),
                };
            }
        }
        let cfgs = field.attrs.iter().filter(|a| a.path().is_ident("cfg")).cloned().collect();
        Field {
            ident: field.ident.clone(),
            ty: field.ty.clone(),
            bound,
            teardown,
            grace,
            report,
            cfgs,
        }
    }

    /// The field's name as reports and messages show it: raw identifiers
    /// without their `r#` (`r#type` is the field `type`).
    pub fn name(&self) -> Option<String> {
        self.ident.as_ref().map(|ident| ident.unraw().to_string())
    }
}

/// The error for a second attribute of the same kind on one field.
fn conflict(attr: &Attribute, previous: &Attribute) -> Error {
    const RULE: &str = "a field takes one bound attribute (`#[bounded]` or `#[unbounded]`) and one teardown attribute (`#[subscription]`, `#[task]`, `#[shutdown]` or `#[shared]`), and `#[lifecycle(skip)]` takes no other";
    // `#[lifecycle(skip)]` is the only `lifecycle` a field takes.
    let shown = |a: &Attribute| match attr_name(a).as_str() {
        "lifecycle" => "lifecycle(skip)".to_string(),
        name => name.to_string(),
    };
    Error::custom(format!(
        "`#[{}]` conflicts with the `#[{}]` above it: {RULE}; keep one",
        shown(attr),
        shown(previous)
    ))
    .with_span(&attr.meta.path())
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
) -> Box<Bounded> {
    let args = match &attr.meta {
        Meta::List(_) => errors.handle(BoundedArgs::from_meta(&attr.meta)),
        _ => None,
    };
    let missing_cap = match (&args, &attr.meta) {
        (Some(args), _) => args.cap.is_none(),
        // When another key failed, darling returns no args at all: look for
        // `cap` in the list so a missing one is still reported in this build.
        (None, Meta::List(list)) => darling::ast::NestedMeta::parse_meta_list(list.tokens.clone())
            .is_ok_and(|items| {
                !items.iter().any(|item| {
                    matches!(item, darling::ast::NestedMeta::Meta(meta) if meta.path().is_ident("cap"))
                })
            }),
        (None, _) => true,
    };
    if missing_cap {
        errors.push(
            Error::custom(
                "missing `cap`: write `#[bounded(cap = N)]` with N the most entries this collection may hold",
            )
            .with_span(&attr.meta),
        );
    }
    let collection = Collection::from_type(ty);
    let Some(args) = args else {
        return Box::new(Bounded {
            cap: None,
            policy: None,
            ttl: None,
            keep_if: None,
            collection,
            krate: None,
        });
    };
    Box::new(Bounded {
        cap: args.cap,
        policy: args.evict,
        ttl: args.ttl,
        keep_if: args.keep_if,
        collection,
        krate: args.krate,
    })
}

fn parse_unbounded(attr: &Attribute, errors: &mut darling::error::Accumulator) -> Bound {
    const HELP: &str = "`#[unbounded]` needs a reason an operator can read in the memory report: `#[unbounded(reason = \"one entry per live socket; removed on disconnect\")]`";
    let args = match &attr.meta {
        Meta::List(_) => errors.handle(UnboundedArgs::from_meta(&attr.meta)),
        _ => {
            errors.push(Error::custom(HELP).with_span(&attr.meta));
            None
        }
    };
    let Some(args) = args else {
        return Bound::Unbounded { reason: String::new() };
    };
    match args.reason {
        None => {
            errors.push(Error::custom(HELP).with_span(&attr.meta));
            Bound::Unbounded { reason: String::new() }
        }
        Some(reason) if reason.0.trim().is_empty() => {
            errors.push(
                Error::custom(format!("the reason is empty: {HELP}")).with_span(&reason.span()),
            );
            Bound::Unbounded { reason: String::new() }
        }
        Some(reason) => Bound::Unbounded { reason: reason.into_inner().0 },
    }
}

/// `#[report(skip)]` or `#[report(with = path)]` on a field.
fn parse_report(attr: &Attribute, errors: &mut darling::error::Accumulator) -> FieldReport {
    const HELP: &str = "on a `#[lifecycle]` field, `#[report]` takes `skip` (leave the field out of the memory report) or `with = path::to::fn` (a `fn(&FieldType) -> leakproof::Report` that reports it)";
    let Meta::List(list) = &attr.meta else {
        errors.push(Error::custom(HELP).with_span(&attr.meta));
        return FieldReport::Default;
    };
    let Some(items) = errors.handle(
        darling::ast::NestedMeta::parse_meta_list(list.tokens.clone()).map_err(Error::from),
    ) else {
        return FieldReport::Default;
    };
    let mut known = true;
    for item in &items {
        let key = match item {
            darling::ast::NestedMeta::Meta(meta) => meta.path().get_ident().map(Ident::to_string),
            darling::ast::NestedMeta::Lit(_) => None,
            // `with = <not an expression>`: darling says what is wrong.
            darling::ast::NestedMeta::NameValueInvalidExpr(_) => continue,
        };
        if !matches!(key.as_deref(), Some("skip" | "with")) {
            let shown = key.map(|k| format!("`{k}`")).unwrap_or_else(|| "this".to_string());
            errors.push(
                Error::custom(format!("{shown} is not a `#[report]` key here: {HELP}"))
                    .with_span(item),
            );
            known = false;
        }
    }
    let args = if known { errors.handle(ReportArgs::from_list(&items)) } else { None };
    let Some(args) = args else { return FieldReport::Default };
    match (args.skip.is_present(), args.with) {
        (true, Some(with)) => {
            errors.push(
                Error::custom("`skip` and `with` together: a skipped field is not reported, so `with` would never run; keep one")
                    .with_span(&with),
            );
            FieldReport::Skip
        }
        (true, None) => FieldReport::Skip,
        (false, Some(with)) => FieldReport::With(with),
        (false, None) => {
            errors.push(Error::custom(HELP).with_span(&attr.meta));
            FieldReport::Default
        }
    }
}

/// `#[subscription]`, `#[task]`, `#[shutdown]`: bare words.
fn parse_word(
    attr: &Attribute,
    kind: Teardown,
    errors: &mut darling::error::Accumulator,
) -> Teardown {
    if !matches!(attr.meta, Meta::Path(_)) {
        let name = attr_name(attr);
        errors.push(
            Error::custom(format!("`#[{name}]` takes no arguments: write `#[{name}]`"))
                .with_span(&attr.meta),
        );
    }
    kind
}

/// `#[task]` and `#[shutdown]`: bare, or with `(grace = "5s")`.
fn parse_graced(
    attr: &Attribute,
    kind: Teardown,
    grace: &mut Option<Duration>,
    errors: &mut darling::error::Accumulator,
) -> Teardown {
    let name = attr_name(attr);
    let help = format!(
        "`#[{name}]` takes only a grace period: `#[{name}]`, or `#[{name}(grace = \"5s\")]` to wait at most 5 s for it in `shutdown_graceful`"
    );
    let list = match &attr.meta {
        Meta::Path(_) => return kind,
        Meta::List(list) => list,
        Meta::NameValue(_) => {
            errors.push(Error::custom(&help).with_span(&attr.meta));
            return kind;
        }
    };
    let Some(items) = errors.handle(
        darling::ast::NestedMeta::parse_meta_list(list.tokens.clone()).map_err(Error::from),
    ) else {
        return kind;
    };
    if items.is_empty() {
        errors.push(Error::custom(&help).with_span(&attr.meta));
    }
    let mut seen = false;
    for item in &items {
        match item {
            darling::ast::NestedMeta::Meta(Meta::NameValue(nv)) if nv.path.is_ident("grace") => {
                if seen {
                    errors.push(
                        Error::custom("`grace` is given twice; keep one").with_span(&nv.path),
                    );
                    continue;
                }
                seen = true;
                *grace = errors.handle(Grace::from_expr(&nv.value)).map(|g| g.0);
            }
            other => errors.push(
                Error::custom(format!("this is not a `#[{name}]` key: {help}")).with_span(other),
            ),
        }
    }
    kind
}

/// `#[lifecycle(skip)]` on a field.
fn parse_field_lifecycle(attr: &Attribute, errors: &mut darling::error::Accumulator) -> Teardown {
    const HELP: &str = "on a field, `#[lifecycle]` takes only `skip`: `#[lifecycle(skip)]` leaves the field out of `shutdown()` and of the audit";
    let Meta::List(list) = &attr.meta else {
        errors.push(Error::custom(HELP).with_span(&attr.meta));
        return Teardown::Skip;
    };
    match syn::parse2::<Ident>(list.tokens.clone()) {
        Ok(word) if word == "skip" => Teardown::Skip,
        // On error: `Skip`, so the field brings no second, follow-on error.
        Ok(word) => {
            errors.push(Error::custom(HELP).with_span(&word));
            Teardown::Skip
        }
        Err(_) => {
            errors.push(Error::custom(HELP).with_span(&list.tokens));
            Teardown::Skip
        }
    }
}
