//! The macros must never panic, whatever they are fed: every stage works on
//! `proc_macro2` token streams, so these tests drive the pipelines directly
//! with thousands of generated inputs and only ask that they return.

use proc_macro2::TokenStream;
use proptest::prelude::*;

use crate::expand;

/// Fragments that make up attribute arguments, well-formed or not.
fn arg_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("cap = 10".to_string()),
        Just("cap = 0".to_string()),
        Just("cap = -1".to_string()),
        Just("cap = MAX".to_string()),
        Just("cap = \"10\"".to_string()),
        Just("cap = 99999999999999999999999".to_string()),
        Just("cap".to_string()),
        Just("cap = ".to_string()),
        Just("evict = \"lru\"".to_string()),
        Just("evict = \"nope\"".to_string()),
        Just("evict = fifo".to_string()),
        Just("ttl = \"5m\"".to_string()),
        Just("ttl = \"0s\"".to_string()),
        Just("ttl = \"\"".to_string()),
        Just("ttl = \"1h 30m\"".to_string()),
        Just("ttl = 5".to_string()),
        Just("reason = \"why\"".to_string()),
        Just("reason = \"\"".to_string()),
        Just("crate = leakproof".to_string()),
        Just("crate = \"x\"".to_string()),
        Just("on_shutdown = Self::flush".to_string()),
        Just("on_shutdown = 1".to_string()),
        Just("drop = \"warn\"".to_string()),
        Just("drop = \"maybe\"".to_string()),
        Just("skip".to_string()),
        Just("(".to_string()),
        Just("=".to_string()),
        Just(",".to_string()),
        "[a-z_]{1,8}".prop_map(|s| s),
        "[a-z]{1,5} = [0-9]{1,4}".prop_map(|s| s),
    ]
}

fn args() -> impl Strategy<Value = String> {
    proptest::collection::vec(arg_fragment(), 0..5).prop_map(|parts| parts.join(", "))
}

fn field_type() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("HashSet<u64>"),
        Just("std::collections::HashMap<u64, String>"),
        Just("HashMap<u64, String, S>"),
        Just("HashMap<u64>"),
        Just("Vec<T>"),
        Just("Vec<u8, A>"),
        Just("VecDeque<String>"),
        Just("BTreeMap<u8, u8>"),
        Just("Subscription"),
        Just("T"),
        Just("&'a str"),
        Just("[u8; 4]"),
        Just("(u8, u16)"),
        Just("fn() -> u8"),
        Just("<T as Trait>::Assoc"),
        Just("HashSet<>"),
        Just("HashSet<'a>"),
        Just("HashSet<{ 1 }>"),
    ]
    .prop_map(str::to_string)
}

fn field() -> impl Strategy<Value = String> {
    let attr = prop_oneof![
        Just(String::new()),
        args().prop_map(|a| format!("#[bounded({a})]")),
        args().prop_map(|a| format!("#[unbounded({a})]")),
        Just("#[bounded]".to_string()),
        Just("#[unbounded]".to_string()),
        Just("#[subscription]".to_string()),
        Just("#[subscription(x)]".to_string()),
        Just("#[task]".to_string()),
        Just("#[shutdown]".to_string()),
        args().prop_map(|a| format!("#[lifecycle({a})]")),
        Just("#[lifecycle = 1]".to_string()),
        Just("#[doc = \"x\"]".to_string()),
    ];
    (proptest::collection::vec(attr, 0..3), "[a-z][a-z_0-9]{0,6}", field_type())
        .prop_map(|(attrs, name, ty)| format!("{} {name}: {ty}", attrs.join(" ")))
}

fn fields() -> impl Strategy<Value = String> {
    proptest::collection::vec(field(), 0..6).prop_map(|f| f.join(", "))
}

fn item() -> impl Strategy<Value = String> {
    prop_oneof![
        fields().prop_map(|f| format!("struct S {{ {f} }}")),
        fields().prop_map(|f| format!(
            "pub struct S<'a, T: Clone, const N: usize> where T: Send {{ {f} }}"
        )),
        fields().prop_map(|f| format!("enum E {{ A {{ {f} }} }}")),
        Just("struct S(u8, #[bounded(cap = 1)] Vec<u8>);".to_string()),
        Just("struct S;".to_string()),
        Just("union U { a: u8 }".to_string()),
        field_type().prop_map(|t| format!("type A = {t};")),
        field_type().prop_map(|t| format!("pub type A<T> = {t};")),
        Just("fn f() {}".to_string()),
    ]
}

/// Tokens from text; text that does not lex (an unbalanced bracket) is
/// skipped, as the compiler would never hand it to a macro.
fn lex(text: &str) -> Option<TokenStream> {
    text.parse().ok()
}

/// Cuts a token stream short, token by token, as an editor mid-typing does.
fn truncations(tokens: TokenStream) -> Vec<TokenStream> {
    let all: Vec<_> = tokens.into_iter().collect();
    (0..=all.len()).map(|n| all[..n].iter().cloned().collect()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn lifecycle_never_panics(args in args(), item in item()) {
        if let (Some(args), Some(item)) = (lex(&args), lex(&item)) {
            for item in truncations(item) {
                let _ = expand::lifecycle(args.clone(), item);
            }
        }
    }

    #[test]
    fn bounded_never_panics(args in args(), item in item()) {
        if let (Some(args), Some(item)) = (lex(&args), lex(&item)) {
            for args in truncations(args) {
                let _ = expand::bounded_alias(args, item.clone());
            }
        }
    }

    #[test]
    fn derive_never_panics(item in item()) {
        let item = item.replace("bounded", "report").replace("lifecycle", "report");
        if let Some(item) = lex(&item) {
            for item in truncations(item) {
                let _ = expand::derive_report::expand(item);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[ -~]{0,80}") {
        if let Some(tokens) = lex(&text) {
            let _ = expand::lifecycle(tokens.clone(), tokens.clone());
            let _ = expand::bounded_alias(tokens.clone(), tokens.clone());
            let _ = expand::derive_report::expand(tokens);
        }
    }
}

#[test]
fn errors_come_back_as_compile_errors_not_panics() {
    let out = expand::lifecycle(
        "".parse().unwrap(),
        "struct S { #[bounded(cap = 0)] a: HashSet<u8>, #[bounded(ttl = \"x\")] b: Vec<u8> }"
            .parse()
            .unwrap(),
    )
    .to_string();
    assert_eq!(out.matches("compile_error").count(), 3, "{out}");
    assert!(out.contains("struct S"), "the struct is still emitted beside the errors");
}
