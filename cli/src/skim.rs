//! Function bodies no rule can find anything in are emptied before `syn`
//! parses the file: most of a crate's lines are statements, and parsing
//! them is most of the audit's time.
//!
//! A body is kept whole when its text holds any word a rule reacts to
//! inside a body ([`WORDS`]: a spawn, a channel constructor, `Arc`/`Rc`, a
//! sweep, a subscription, a `static`, ...), even in a comment or a string,
//! so the test is conservative: a body it empties has none of those words
//! anywhere, and every rule would have found nothing in it. The body's
//! braces keep their spans, so every line number stays true.
//! `tests/skim.rs` checks that the audit finds exactly the same with and
//! without skimming.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

/// The identifiers the body rules react to (`rules.rs`, `index.rs`'s
/// `Holders`): any of them in a body keeps it.
pub const WORDS: &[&str] = &[
    // detached-task, and a struct moved into a task is long-lived
    "spawn",
    "spawn_blocking",
    "spawn_local",
    // unbounded-channel (the last segment of every known constructor)
    "channel",
    "unbounded_channel",
    "unbounded",
    // leaked-subscription: `mem::forget`, `Box::leak`, handler cycles
    "forget",
    "leak",
    // long-lived holders: `Arc::new(S { .. })`, `Arc<S>` in a body
    "Arc",
    "Rc",
    // read-only-expiry: a sweep of the map outside reads
    "retain",
    "extract_if",
    "drain_filter",
    "purge_expired",
    "remove",
    // global-collection: statics declared inside a function
    "static",
    "thread_local",
    "lazy_static",
];

/// Prefixes: `subscribe`, `subscribe_with`, ... (leaked-subscription).
const PREFIXES: &[&str] = &["subscribe"];

static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::new(WORDS.iter().chain(PREFIXES)).expect("a handful of plain words")
});

/// The file's tokens with every uninteresting function body emptied.
pub fn skim(tokens: TokenStream, text: &str) -> TokenStream {
    let mut out = Vec::new();
    // `fn name` seen: the next brace group at this level is the body.
    let mut after_fn_keyword = false;
    let mut in_signature = false;
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                in_signature |= after_fn_keyword;
                after_fn_keyword = ident == "fn";
                out.push(TokenTree::Ident(ident));
            }
            TokenTree::Punct(punct) => {
                if punct.as_char() == ';' {
                    in_signature = false;
                }
                after_fn_keyword = false;
                out.push(TokenTree::Punct(punct));
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                after_fn_keyword = false;
                let span = group.span();
                let body = std::mem::take(&mut in_signature);
                let stream = if body {
                    if interesting(&text[bounded(span.byte_range(), text)]) {
                        out.push(TokenTree::Group(group));
                        continue;
                    }
                    TokenStream::new()
                } else {
                    // `impl`, `trait` and `mod` blocks hold bodies too.
                    let stream = group.stream();
                    drop(group);
                    skim(stream, text)
                };
                let mut group = Group::new(Delimiter::Brace, stream);
                group.set_span(span);
                out.push(TokenTree::Group(group));
            }
            other => {
                after_fn_keyword = false;
                out.push(other);
            }
        }
    }
    out.into_iter().collect()
}

fn bounded(range: std::ops::Range<usize>, text: &str) -> std::ops::Range<usize> {
    range.start.min(text.len())..range.end.min(text.len())
}

/// Whether a body's text holds a word a rule reacts to, as a whole word
/// (`static` not as `'static`) or, for [`PREFIXES`], as a word's start.
fn interesting(body: &str) -> bool {
    let bytes = body.as_bytes();
    let word = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    MATCHER.find_overlapping_iter(body).any(|m| {
        let before = m.start().checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(m.end()).copied();
        let starts_word = !before.is_some_and(|b| word(b) || b == b'\'');
        let prefix = m.pattern().as_usize() >= WORDS.len();
        starts_word && (prefix || !after.is_some_and(word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        assert!(interesting("{ tokio::spawn(async {}); }"));
        assert!(interesting("{ let (tx, rx) = mpsc::unbounded_channel(); }"));
        assert!(interesting("{ bus.subscribe_with(|e| ()); }"));
        assert!(interesting("{ static X: u8 = 0; }"));
        assert!(!interesting("{ let s: &'static str = \"\"; }"));
        assert!(!interesting("{ respawned(); Arcade; unleaked; }"));
    }

    #[test]
    fn every_word_keeps_a_body() {
        for word in WORDS.iter().chain(PREFIXES) {
            assert!(interesting(&format!("{{ a::{word}(x); }}")), "`{word}` keeps a body");
        }
    }

    #[test]
    fn empties_plain_bodies_and_keeps_lines() {
        let text = "impl S {\n    fn plain(&self) -> u8 {\n        1 + 2\n    }\n    fn go(&self) {\n        tokio::spawn(async {});\n    }\n}\nfn f() -> Foo<{ N }> { 3 }\ntrait T { fn d(&self); }\n";
        let tokens: TokenStream = text.parse().unwrap();
        let file: syn::File = syn::parse2(skim(tokens, text)).unwrap();
        let syn::Item::Impl(imp) = &file.items[0] else { panic!("an impl") };
        let syn::ImplItem::Fn(plain) = &imp.items[0] else { panic!("a fn") };
        assert!(plain.block.stmts.is_empty(), "the plain body is emptied");
        assert_eq!(plain.block.brace_token.span.close().start().line, 4);
        let syn::ImplItem::Fn(go) = &imp.items[1] else { panic!("a fn") };
        assert_eq!(go.block.stmts.len(), 1, "the spawning body is kept");
        assert_eq!(file.items.len(), 3);
    }
}
