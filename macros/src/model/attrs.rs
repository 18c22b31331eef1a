//! The attribute grammar, as darling models. Every value keeps its span so
//! later stages can point at the exact token that is wrong.

use std::time::Duration;

use darling::util::SpannedValue;
use darling::{Error, FromMeta};
use syn::{Expr, Lit, Path, UnOp};

/// `#[bounded(cap = N, evict = "...", ttl = "...", keep_if = path)]`.
#[derive(Debug, FromMeta)]
pub struct BoundedArgs {
    pub cap: Option<Cap>,
    pub evict: Option<SpannedValue<Policy>>,
    pub ttl: Option<SpannedValue<Ttl>>,
    pub keep_if: Option<KeepIf>,
    /// Path to the `leakproof` crate, for the standalone alias form.
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
}

/// `#[unbounded(reason = "...")]`.
#[derive(Debug, FromMeta)]
pub struct UnboundedArgs {
    pub reason: Option<SpannedValue<Reason>>,
}

/// The text of `reason = "..."`.
#[derive(Debug, Clone)]
pub struct Reason(pub String);

impl FromMeta for Reason {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        expect_string(expr, "reason", "`reason = \"one entry per live socket\"`")
            .map(Reason)
            .map_err(|err| err.with_span(expr))
    }
}

/// The string inside `key = "..."`, or an error that shows how to quote it.
fn expect_string(expr: &Expr, key: &str, example: &str) -> darling::Result<String> {
    match expr {
        Expr::Group(group) => expect_string(&group.expr, key, example),
        Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => Ok(s.value()),
        _ => Err(Error::custom(format!("`{key}` takes a string literal, e.g. {example}"))),
    }
}

/// `#[lifecycle(...)]` on the struct.
#[derive(Debug, Default, FromMeta)]
pub struct LifecycleArgs {
    #[darling(rename = "crate")]
    pub krate: Option<Path>,
    /// A method run by `shutdown()` after the fields: `on_shutdown = Self::flush`;
    /// a `fn(&self)`, one returning `Result<(), E>`, or an `async fn`.
    pub on_shutdown: Option<Hook>,
    /// Whether a `Drop` impl is generated.
    pub drop: Option<SpannedValue<DropMode>>,
}

/// `on_shutdown = path::to::method`.
#[derive(Debug, Clone)]
pub struct Hook(pub syn::ExprPath);

/// An unquoted path (seen through the invisible groups macro expansion
/// leaves), or `message` at the expression.
fn expr_path(expr: &Expr, message: &str) -> darling::Result<syn::ExprPath> {
    match expr {
        Expr::Group(group) => expr_path(&group.expr, message),
        Expr::Path(path) => Ok(path.clone()),
        _ => Err(Error::custom(message).with_span(expr)),
    }
}

impl FromMeta for Hook {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        expr_path(
            expr,
            "`on_shutdown` takes the path of a `fn(&self)` method, unquoted: `on_shutdown = Self::flush`",
        )
        .map(Hook)
    }
}

/// `keep_if = path::to::fn`: the eviction guard.
#[derive(Debug, Clone)]
pub struct KeepIf(pub syn::ExprPath);

impl FromMeta for KeepIf {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        expr_path(
            expr,
            "`keep_if` takes the path of a function, unquoted: `keep_if = still_listened` with `fn still_listened(key: &K, value: &V) -> bool` (for a set, `fn(&T) -> bool`)",
        )
        .map(KeepIf)
    }
}

/// `drop = "off" | "warn" | "shutdown"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DropMode {
    /// No `Drop` impl: the struct can be destructured and moved out of.
    #[default]
    Off,
    /// A `Drop` impl that logs one warning if something was still live.
    Warn,
    /// A `Drop` impl that runs the synchronous shutdown.
    Shutdown,
}

impl FromMeta for DropMode {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        expect_string(expr, "drop", "`drop = \"off\"`, `\"warn\"` or `\"shutdown\"`")
            .and_then(|s| Self::from_string(&s))
            .map_err(|err| err.with_span(expr))
    }

    fn from_string(value: &str) -> darling::Result<Self> {
        match value {
            "off" => Ok(DropMode::Off),
            "warn" => Ok(DropMode::Warn),
            "shutdown" => Ok(DropMode::Shutdown),
            other => Err(Error::custom(format!(
                "unknown drop mode `{other}`: use `drop = \"off\"` (no `Drop` impl, the default), `drop = \"warn\"` (log what was still live) or `drop = \"shutdown\"` (shut down on drop)"
            ))),
        }
    }
}

/// A cap: an integer literal (checked now) or a const expression (checked by
/// a generated `const` assertion).
#[derive(Debug, Clone)]
pub enum Cap {
    Literal(usize),
    Const(Expr),
    /// `cap = N` naming the struct's own const generic parameter: it goes
    /// into the field's type as is, and the runtime type checks it when the
    /// wrapper is built.
    ConstParam(syn::Ident),
}

/// Literal caps up to this are accepted as they are; a larger one is checked
/// against the runtime's `MAX_CAP` by a generated `const` assertion, like a
/// const expression, so the limit is defined once, in the runtime.
pub const SURELY_VALID_CAP: u64 = 1 << 24;

const NEGATIVE: &str =
    "`cap` cannot be negative: it is the most entries the field may hold, at least 1";

const CAP_HELP: &str = "`cap` takes a positive integer or a const expression of type `usize`, e.g. `cap = 10_000` or `cap = MAX_SOCKETS`";

impl FromMeta for Cap {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Group(group) => Cap::from_expr(&group.expr),
            Expr::Lit(lit) => match &lit.lit {
                Lit::Int(int) => {
                    if int.base10_digits().starts_with('-') {
                        return Err(Error::custom(NEGATIVE).with_span(int));
                    }
                    let value: u64 = int.base10_parse().map_err(|_| {
                        Error::custom(
                            "`cap` is too large for a `usize`: lower it to at most `leakproof::MAX_CAP` (939_524_096)",
                        )
                        .with_span(int)
                    })?;
                    if value == 0 {
                        return Err(Error::custom(
                            "`cap` must be at least 1: a bounded field that can hold nothing is a bug; remove the field, or give it room",
                        )
                        .with_span(int));
                    }
                    if value > SURELY_VALID_CAP {
                        return Ok(Cap::Const(expr.clone()));
                    }
                    Ok(Cap::Literal(value as usize))
                }
                _ => Err(Error::custom(CAP_HELP).with_span(lit)),
            },
            Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => {
                Err(Error::custom(NEGATIVE).with_span(expr))
            }
            Expr::Path(_)
            | Expr::Binary(_)
            | Expr::Call(_)
            | Expr::MethodCall(_)
            | Expr::Paren(_)
            | Expr::Block(_)
            | Expr::Cast(_)
            | Expr::Field(_)
            | Expr::Index(_)
            | Expr::Macro(_) => Ok(Cap::Const(expr.clone())),
            _ => Err(Error::custom(CAP_HELP).with_span(expr)),
        }
    }
}

/// An eviction policy name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Sieve,
    Lru,
    Fifo,
    Reject,
}

impl FromMeta for Policy {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        expect_string(expr, "evict", "`evict = \"sieve\"`, `\"lru\"`, `\"fifo\"` or `\"reject\"`")
            .and_then(|s| Self::from_string(&s))
            .map_err(|err| err.with_span(expr))
    }

    fn from_string(value: &str) -> darling::Result<Self> {
        match value {
            "sieve" => Ok(Policy::Sieve),
            "lru" => Ok(Policy::Lru),
            "fifo" => Ok(Policy::Fifo),
            "reject" => Ok(Policy::Reject),
            other => Err(Error::custom(format!(
                "unknown eviction policy `{other}`: use `evict = \"sieve\"` (the default), `evict = \"lru\"`, `evict = \"fifo\"` or `evict = \"reject\"`"
            ))),
        }
    }
}

impl Policy {
    /// The runtime's policy type.
    pub fn type_name(self) -> &'static str {
        match self {
            Policy::Sieve => "Sieve",
            Policy::Lru => "Lru",
            Policy::Fifo => "Fifo",
            Policy::Reject => "Reject",
        }
    }

    /// As written in the attribute.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Sieve => "sieve",
            Policy::Lru => "lru",
            Policy::Fifo => "fifo",
            Policy::Reject => "reject",
        }
    }
}

/// A TTL, parsed at expansion time.
#[derive(Debug, Clone, Copy)]
pub struct Ttl(pub Duration);

const TTL_HELP: &str =
    "write a duration such as `ttl = \"250ms\"`, `\"30s\"`, `\"5m\"` or `\"1h 30m\"`";

impl FromMeta for Ttl {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        expect_string(expr, "ttl", "`ttl = \"300s\"` or `ttl = \"5m\"`")
            .and_then(|s| Self::from_string(&s))
            .map_err(|err| err.with_span(expr))
    }

    fn from_string(value: &str) -> darling::Result<Self> {
        let duration = humantime::parse_duration(value).map_err(|err| {
            Error::custom(format!("malformed duration `{value}` ({err}): {TTL_HELP}"))
        })?;
        if duration.is_zero() {
            return Err(Error::custom(
                "`ttl` must be longer than zero; remove `ttl` if entries never expire",
            ));
        }
        if u64::try_from(duration.as_nanos()).is_err() {
            return Err(Error::custom("`ttl` must be under 584 years"));
        }
        Ok(Ttl(duration))
    }
}

/// `grace = "5s"` on `#[task]` or `#[shutdown]`: zero is allowed (abort at
/// once).
#[derive(Debug, Clone, Copy)]
pub struct Grace(pub Duration);

impl FromMeta for Grace {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        expect_string(expr, "grace", "`grace = \"5s\"`")
            .and_then(|value| {
                humantime::parse_duration(&value).map(Grace).map_err(|err| {
                    Error::custom(format!(
                        "malformed duration `{value}` ({err}): write a duration such as `grace = \"500ms\"`, `\"5s\"` or `\"1m\"`"
                    ))
                })
            })
            .map_err(|err| err.with_span(expr))
    }
}

impl Ttl {
    pub fn nanos(self) -> u64 {
        // Checked to fit in `from_string`.
        u64::try_from(self.0.as_nanos()).unwrap_or(u64::MAX)
    }
}
