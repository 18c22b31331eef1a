//! What the audit reports: findings, and the entries a person reviewed.
//! The JSON shape of these is a contract (API.md, "The audit CLI").

use serde::Serialize;

/// The rules, by the ids findings carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    UnboundedField,
    GlobalCollection,
    UnboundedChannel,
    DetachedTask,
    ReadOnlyExpiry,
    UnauditedState,
    LeakedSubscription,
}

impl Rule {
    /// Every rule, in the order reports list them.
    pub const ALL: [Rule; 7] = [
        Rule::UnboundedField,
        Rule::GlobalCollection,
        Rule::UnboundedChannel,
        Rule::DetachedTask,
        Rule::ReadOnlyExpiry,
        Rule::UnauditedState,
        Rule::LeakedSubscription,
    ];

    /// The id, as in JSON and `leakproof.toml`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::UnboundedField => "unbounded-field",
            Rule::GlobalCollection => "global-collection",
            Rule::UnboundedChannel => "unbounded-channel",
            Rule::DetachedTask => "detached-task",
            Rule::ReadOnlyExpiry => "read-only-expiry",
            Rule::UnauditedState => "unaudited-state",
            Rule::LeakedSubscription => "leaked-subscription",
        }
    }

    /// The rule named `id`.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::UnboundedField
            | Rule::GlobalCollection
            | Rule::UnauditedState
            | Rule::LeakedSubscription => Severity::High,
            Rule::UnboundedChannel | Rule::DetachedTask | Rule::ReadOnlyExpiry => Severity::Medium,
        }
    }

    /// One line on what the rule finds.
    pub fn summary(self) -> &'static str {
        match self {
            Rule::UnboundedField => "a growable collection in a field of a long-lived struct",
            Rule::GlobalCollection => "a static or thread-local holding a growable collection",
            Rule::UnboundedChannel => "a channel whose queue nothing caps",
            Rule::DetachedTask => "a spawned task or thread nothing can cancel or join",
            Rule::ReadOnlyExpiry => {
                "a hand-made TTL map whose expired entries leave only when read"
            }
            Rule::UnauditedState => {
                "plain state inside a #[lifecycle] struct, out of the macro's sight"
            }
            Rule::LeakedSubscription => "a subscription that can never be dropped",
        }
    }

    /// What it costs a running service, for the written audit.
    pub fn impact(self) -> &'static str {
        match self {
            Rule::UnboundedField | Rule::GlobalCollection => {
                "Memory grows with traffic for as long as the process runs; the growth shows only as RSS creeping up."
            }
            Rule::UnboundedChannel => {
                "When the receiver falls behind, every message waits in memory; a stalled consumer becomes an out-of-memory kill."
            }
            Rule::DetachedTask => {
                "Tasks pile up (one per iteration or per call) and keep what they hold alive; shutdown cannot stop or await them."
            }
            Rule::ReadOnlyExpiry => {
                "Entries that are never read again never expire: the cache holds every key it ever saw."
            }
            Rule::UnauditedState => {
                "Collections inside the inner struct grow unchecked, reports do not see them, and shutdown does not reach them."
            }
            Rule::LeakedSubscription => {
                "The handler and everything it captures stay alive (and keep receiving events) after their owner is gone."
            }
        }
    }
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
        }
    }
}

/// One finding, or (with `reason`) one reviewed entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// Relative to the audited PATH, `/`-separated.
    pub file: String,
    /// 1-based: the line of the field, static, call or statement.
    pub line: usize,
    /// `Struct.field`, `static NAME`, `fn name`, `fn Type::method`.
    pub item: String,
    /// What can grow, and why it is long-lived.
    pub message: String,
    /// The exact change that removes it.
    pub fix: String,
    /// Why a person accepted it (reviewed entries only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A file that was not audited, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub file: String,
    pub error: String,
}

/// The whole result.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Audit {
    pub findings: Vec<Finding>,
    pub reviewed: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// Files read and lines in them.
    pub files: usize,
    pub lines: usize,
}
