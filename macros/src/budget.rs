//! The compile-time budget: what the macros generate for a fixed set of
//! representative structs, counted in tokens per field, may not grow past
//! what it was when the budget was set, plus 10%.
//!
//! Why tokens: every generated token is parsed, resolved and checked in
//! every user's build, and the count is deterministic, where a timing is
//! not (timings stay in `cargo bench --bench compile_time`). A change that
//! makes one of these fail adds compile time to every crate using the
//! macros: make the generated code smaller, or, if the growth buys a check
//! or a message worth it, raise the budget below and say why in the commit.

use proc_macro2::{TokenStream, TokenTree};

use crate::expand;

/// Tokens in a stream, counting a group's delimiters as two.
fn count(stream: TokenStream) -> usize {
    stream
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => 2 + count(group.stream()),
            _ => 1,
        })
        .sum()
}

/// One representative input, its number of fields, and its budget in
/// generated tokens per field (the count when set, plus 10%).
struct Case {
    name: &'static str,
    input: &'static str,
    fields: usize,
    budget: usize,
    derive: bool,
}

const CASES: &[Case] = &[
    // The compile-time benchmark's struct: three bounded fields, one
    // unbounded, one subscription, five plain.
    Case {
        name: "mixed service (the benchmark's struct)",
        input: r#"
            pub struct Service {
                #[bounded(cap = 1024)] pub closed: HashSet<u64>,
                #[bounded(cap = 512, ttl = "5m")] pub players: HashMap<u64, String>,
                #[bounded(cap = 64, evict = "fifo")] pub recent: VecDeque<String>,
                #[unbounded(reason = "one per socket")] pub active: HashMap<u64, u32>,
                #[subscription] pub on_event: leakproof::Subscription,
                pub name: String,
                pub count: u64,
                pub ratio: f64,
                pub flags: [u8; 8],
                pub label: Option<String>,
            }"#,
        fields: 10,
        budget: 55,
        derive: false,
    },
    // Fields of the user's own types: every probe runs.
    Case {
        name: "user types (every probe)",
        input: r#"
            struct Gateway {
                #[shutdown(grace = "5s")] sessions: Arc<Sessions>,
                #[task] workers: TaskSet,
                #[subscription] feed: Subscriptions,
                config: Config,
                cache: Mutex<Cache>,
                #[shared] db: Arc<Db>,
            }"#,
        fields: 6,
        budget: 240,
        derive: false,
    },
    // A generic component with a hook.
    Case {
        name: "generic component with a hook",
        input: r#"
            struct Pool<T: Lifecycle + Send + Sync> {
                #[shutdown] members: Reloadable<T>,
                #[task] reaper: TaskHandle,
                label: String,
            }"#,
        fields: 3,
        budget: 321,
        derive: false,
    },
    // `#[derive(MemoryReport)]` on plain data.
    Case {
        name: "derive(MemoryReport) struct",
        input: r#"
            struct Profile {
                name: String,
                rating: u32,
                friends: Vec<u64>,
                avatar: Option<Image>,
                #[report(skip)] scratch: Vec<u8>,
            }"#,
        fields: 5,
        budget: 9,
        derive: true,
    },
    // A generic `#[derive(MemoryReport)]`: its impls are spelled out with
    // their bounds (the plain struct above takes the runtime's macro).
    Case {
        name: "generic derive(MemoryReport)",
        input: r#"
            struct Tagged<T> {
                value: T,
                tags: Vec<String>,
                seen: u64,
            }"#,
        fields: 3,
        budget: 167,
        derive: true,
    },
];

/// What the macro a case stands for generates for it.
fn expand_case(case: &Case) -> TokenStream {
    let input: TokenStream = case.input.parse().expect("a case parses");
    if case.derive {
        expand::derive_report::expand(input)
    } else {
        expand::lifecycle(TokenStream::new(), input)
    }
}

#[test]
fn generated_tokens_per_field_stay_within_budget() {
    let mut over = Vec::new();
    for case in CASES {
        let per_field = count(expand_case(case)) / case.fields;
        eprintln!("{:<40} {per_field:>4} tokens per field (budget {})", case.name, case.budget);
        if per_field > case.budget {
            over.push(format!(
                "`{}` now generates {per_field} tokens per field, over its budget of {}",
                case.name, case.budget
            ));
        }
    }
    assert!(
        over.is_empty(),
        "{}\nThe generated code grew, and every user pays for it in compile time (see macros/src/budget.rs). Make it smaller, or, if the growth buys a check or a message worth it, raise the budget there (new count + 10%) and say why in the commit.",
        over.join("\n")
    );
}

/// `#[automatically_derived]` belongs on trait impls only: on an inherent
/// impl rustc warns that it "cannot be used on inherent impl blocks" and
/// will become a hard error (a future-incompatibility lint, hidden while the
/// code comes from a macro, so only an expansion shows it).
#[test]
fn automatically_derived_only_on_trait_impls() {
    for case in CASES {
        let file: syn::File =
            syn::parse2(expand_case(case)).expect("the expansion parses as items");
        for item in file.items {
            if let syn::Item::Impl(imp) = item {
                let marked = imp.attrs.iter().any(|a| a.path().is_ident("automatically_derived"));
                assert!(
                    !marked || imp.trait_.is_some(),
                    "`{}`: an inherent impl is marked #[automatically_derived]",
                    case.name
                );
            }
        }
    }
}
