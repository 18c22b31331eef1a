//! Size reporting: the [`MemoryReport`] trait `#[lifecycle]` implements,
//! the [`Report`] tree it returns, its exporters (table, Prometheus text,
//! `metrics` gauges, serde) and [`GrowthWatch`], which names the fields that
//! keep growing under constant load.
//!
//! Cost: a report is O(fields), never O(elements). Every runtime type and
//! std collection reports from its length and capacity and the real layout
//! of its allocation (hashbrown's buckets and control bytes, a `Vec`'s
//! capacity), without walking the elements; memory the elements own
//! themselves (a `String` value in a map) is not counted.

mod deep;
mod export;
mod growth;
mod impls;
mod layout;

use std::fmt;
use std::time::Duration;

use crate::collections::{BoundStats, Evict};

pub use deep::{DeepHeap, Seen};
pub(crate) use deep::{deep_is_shallow, with_elements};
pub use growth::{Growth, GrowthWatch, Metric};
// Plumbing for the generated code (the autoref probes that pick a
// field's report), named through `__private`.
#[doc(hidden)]
pub use impls::{DeepOpaque, Opaque, Reporter, ViaDeep, ViaDeepReport, ViaMemoryReport};
#[doc(hidden)]
pub use layout::hash_table_bytes;

/// A value that can say how big it is, cheaply.
///
/// For the deep walk, which also counts the heap memory elements own, see
/// [`DeepHeap::deep_report`].
pub trait MemoryReport {
    /// A report of this value: O(fields), not O(elements). Heap memory the
    /// elements own themselves (a `String` in a `Vec<String>`) is not counted.
    fn memory_report(&self) -> Report;
}

/// What a report node describes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "kind"))]
pub enum Kind {
    /// A struct or enum: its children are its fields.
    Struct,
    /// A `#[bounded]` collection (or a runtime bounded type).
    Bounded {
        /// The eviction policy.
        evict: Evict,
        /// The TTL, if entries expire.
        ttl: Option<Duration>,
    },
    /// An `#[unbounded]` field, with the reviewed reason it may grow.
    Unbounded {
        /// Why it may grow, as written in the attribute.
        reason: String,
    },
    /// A `#[subscription]` field: `len` counts active handlers.
    Subscription,
    /// A `#[task]` field: `len` counts running tasks.
    Task,
    /// A `#[shutdown]` field: a nested component.
    Nested,
    /// A `#[shared]` field: a handle to a component owned elsewhere, shown
    /// with its figures but not counted in its holder's heap.
    Shared {
        /// The path of the field that owns it, when the same report tree
        /// holds the owner (matched by the shared allocation's address).
        owner: Option<String>,
    },
    /// Any other field.
    Plain,
}

impl Kind {
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Kind::Struct => "struct",
            Kind::Bounded { .. } => "bounded",
            Kind::Unbounded { .. } => "unbounded",
            Kind::Subscription => "subscription",
            Kind::Task => "task",
            Kind::Nested => "component",
            Kind::Shared { .. } => "shared",
            Kind::Plain => "plain",
        }
    }
}

/// One node of a memory report: a struct, or one of its fields.
///
/// ```
/// use leakproof_runtime::{BoundedSet, MemoryReport};
///
/// let mut closed = BoundedSet::<u64>::with_cap(100);
/// for id in 0..250 {
///     closed.insert(id);
/// }
/// let report = closed.memory_report();
/// assert_eq!(report.len(), Some(100));
/// assert_eq!(report.cap(), Some(100));
/// assert_eq!(report.stats().unwrap().evictions, 150);
/// assert_eq!(report.heap_bytes(), closed.heap_bytes());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Report {
    name: String,
    type_name: &'static str,
    #[cfg_attr(feature = "serde", serde(flatten))]
    kind: Kind,
    len: Option<usize>,
    cap: Option<usize>,
    heap_bytes: usize,
    measured: bool,
    /// Whether elements may own heap memory that `heap_bytes` leaves out.
    #[cfg_attr(feature = "serde", serde(rename = "heap_is_lower_bound"))]
    lower_bound: bool,
    /// Whether the figures are the last ones read, not current ones.
    stale: bool,
    /// The address of the shared allocation (`Arc`, `Rc`) the node reports.
    #[cfg_attr(feature = "serde", serde(skip))]
    at: Option<usize>,
    stats: Option<BoundStats>,
    counts: Vec<(String, usize)>,
    children: Vec<Report>,
}

impl Report {
    /// A leaf for a value of type `T`, named after the type until a struct
    /// names it after its field.
    pub fn leaf<T: ?Sized>(heap_bytes: usize) -> Report {
        Report {
            name: String::new(),
            type_name: std::any::type_name::<T>(),
            kind: Kind::Plain,
            len: None,
            cap: None,
            heap_bytes,
            measured: true,
            lower_bound: false,
            stale: false,
            at: None,
            stats: None,
            counts: Vec::new(),
            children: Vec::new(),
        }
    }

    /// A struct node whose children are its fields; its heap is theirs.
    pub fn structure<T: ?Sized>(name: &str, fields: Vec<Report>) -> Report {
        let counted = fields.iter().filter(|f| !f.is_shared());
        let heap_bytes = counted.clone().map(|f| f.heap_bytes).sum();
        let lower_bound = counted.clone().any(|f| f.lower_bound);
        let mut node = Report {
            name: name.to_string(),
            kind: Kind::Struct,
            heap_bytes,
            lower_bound,
            children: fields,
            ..Report::leaf::<T>(0)
        };
        node.find_owners();
        node
    }

    /// Records the shared allocation this node reports (its address).
    pub(crate) fn located(mut self, at: usize) -> Self {
        self.at = Some(at);
        self
    }

    /// Makes the node a `#[shared]` field's: a handle to a component owned
    /// elsewhere, not counted in its holder's heap.
    pub fn shared(mut self) -> Self {
        self.kind = Kind::Shared { owner: None };
        self
    }

    fn is_shared(&self) -> bool {
        matches!(self.kind, Kind::Shared { .. })
    }

    /// Whether the node or one below it is a `#[shared]` field's.
    fn holds_shared(&self) -> bool {
        self.is_shared() || self.children.iter().any(Report::holds_shared)
    }

    /// The shared allocation a node stands for: its own, or for a handle
    /// struct, the first one inside it.
    fn identity(&self) -> Option<usize> {
        self.at.or_else(|| self.children.iter().find_map(Report::identity))
    }

    /// Names, for each `#[shared]` node under this one, the shallowest
    /// node that is not shared and stands for the same allocation. Run at
    /// every struct, so the paths end up relative to the root.
    fn find_owners(&mut self) {
        // Every report builds a struct node per struct, on the scrape path:
        // without a shared field below, there is nothing to name and no
        // reason to build paths.
        if !self.children.iter().any(Report::holds_shared) {
            return;
        }
        let owners: Vec<(usize, String)> = self
            .iter()
            .filter(|(path, node)| !path.is_empty() && !node.is_shared())
            .filter_map(|(path, node)| Some((node.at?, path)))
            .collect();
        let mut stack: Vec<&mut Report> = self.children.iter_mut().collect();
        while let Some(node) = stack.pop() {
            if node.is_shared() {
                if let Some(id) = node.identity()
                    && let Some((_, path)) = owners.iter().find(|(at, _)| *at == id)
                {
                    node.kind = Kind::Shared { owner: Some(path.clone()) };
                }
                continue;
            }
            stack.extend(node.children.iter_mut());
        }
    }

    /// Sets the number of entries held.
    pub fn with_len(mut self, len: usize) -> Self {
        self.len = Some(len);
        self
    }

    /// Sets the bound.
    pub fn with_cap(mut self, cap: usize) -> Self {
        self.cap = Some(cap);
        self
    }

    /// Sets the bounded-collection counters.
    pub fn with_stats(mut self, stats: BoundStats) -> Self {
        self.stats = Some(stats);
        self
    }

    /// Sets the node's kind.
    pub fn with_kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// Adds a named count (subscribers of one event type, say).
    pub fn with_count(mut self, name: impl Into<String>, count: usize) -> Self {
        self.counts.push((name.into(), count));
        self
    }

    /// Renames the node (a struct names its fields).
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// Replaces the heap figure (a deep walk's).
    pub fn with_heap_bytes(mut self, heap_bytes: usize) -> Self {
        self.heap_bytes = heap_bytes;
        self
    }

    /// Says whether the heap figure is a lower bound: the value's elements
    /// may own heap memory of their own that it does not count.
    pub fn with_heap_lower_bound(mut self, lower_bound: bool) -> Self {
        self.lower_bound = lower_bound;
        self
    }

    /// A collection of `T`s, counted from its capacity alone: a lower bound
    /// when a `T` may own heap memory (it has drop glue: a `String`, a
    /// channel `Sender` with its buffer).
    pub(crate) fn elements<T: ?Sized>(self) -> Self {
        self.with_heap_lower_bound(std::mem::needs_drop::<T>())
    }

    /// Marks the node and everything under it stale: these are the last
    /// figures read, because the value could not be read now.
    pub fn stale(mut self) -> Self {
        self.stale = true;
        self.children = self.children.into_iter().map(Report::stale).collect();
        self
    }

    pub(crate) fn unmeasured(mut self) -> Self {
        self.measured = false;
        self
    }

    /// The field's (or struct's) name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Rust type behind the node.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// What the node is.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// Entries held, for collections, subscription groups (active
    /// handlers) and task sets (running tasks); `None` for other values.
    pub fn len(&self) -> Option<usize> {
        self.len
    }

    /// True when the node holds no entries (or is not a collection).
    pub fn is_empty(&self) -> bool {
        self.len.unwrap_or(0) == 0
    }

    /// The bound, for bounded collections.
    pub fn cap(&self) -> Option<usize> {
        self.cap
    }

    /// Heap bytes: the value's own allocation, from capacities, or for a
    /// struct the sum of its fields'.
    pub fn heap_bytes(&self) -> usize {
        self.heap_bytes
    }

    /// False for a value whose type has no [`MemoryReport`] impl: its heap is
    /// unknown and counted as 0.
    pub fn is_measured(&self) -> bool {
        self.measured
    }

    /// True when [`heap_bytes`](Self::heap_bytes) is a lower bound: the
    /// node's elements may own heap memory that no report measured (a map
    /// of `String`s or of channel senders, reported shallowly). A deep
    /// report ([`DeepHeap::deep_report`]) walks the elements and is exact
    /// where every element type has [`DeepHeap`]. For a struct: any field's.
    ///
    /// ```
    /// use leakproof_runtime::MemoryReport;
    ///
    /// assert!(!vec![1u64, 2, 3].memory_report().heap_is_lower_bound());
    /// assert!(vec!["a".to_string()].memory_report().heap_is_lower_bound());
    /// ```
    pub fn heap_is_lower_bound(&self) -> bool {
        self.lower_bound
    }

    /// True when the node could not be read at the instant of the report (a
    /// lock held by someone else) and carries the last figures read from it
    /// instead; with no earlier figures it is also unmeasured. A report
    /// never waits for a lock and never drops a field.
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// Eviction, expiry, rejection and lookup counters, for bounded fields.
    pub fn stats(&self) -> Option<BoundStats> {
        self.stats
    }

    /// The reason an `#[unbounded]` field may grow.
    pub fn reason(&self) -> Option<&str> {
        match &self.kind {
            Kind::Unbounded { reason } => Some(reason),
            _ => None,
        }
    }

    /// Named counts: subscribers per event type for a bus.
    pub fn counts(&self) -> &[(String, usize)] {
        &self.counts
    }

    /// The fields of a struct node.
    pub fn children(&self) -> &[Report] {
        &self.children
    }

    /// The node at a dotted path below this one: `"chat_logger.queue"`.
    pub fn find(&self, path: &str) -> Option<&Report> {
        path.split('.').try_fold(self, |node, name| node.children.iter().find(|c| c.name == name))
    }

    /// This node and every node below it, depth first, with dotted paths
    /// relative to this node (this node's path is empty).
    pub fn iter(&self) -> impl Iterator<Item = (String, &Report)> + '_ {
        let mut stack = vec![(String::new(), self)];
        std::iter::from_fn(move || {
            let (path, node) = stack.pop()?;
            for child in node.children.iter().rev() {
                let child_path = if path.is_empty() {
                    child.name.clone()
                } else {
                    format!("{path}.{}", child.name)
                };
                stack.push((child_path, child));
            }
            Some((path, node))
        })
    }

    /// Leaves (fields that are not structs), with their paths.
    pub fn fields(&self) -> impl Iterator<Item = (String, &Report)> + '_ {
        self.iter().filter(|(path, node)| !path.is_empty() && node.children.is_empty())
    }

    /// Sum of `len` over the leaves.
    pub fn total_len(&self) -> usize {
        self.fields().filter_map(|(_, node)| node.len).sum()
    }
}

impl fmt::Display for Report {
    /// An aligned table, one row per node.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        export::table(self, f)
    }
}
