//! The seven rules, over the indexed crate: the field and static rules read
//! declarations; the call rules walk every function body once.

use std::collections::{HashMap, HashSet};

use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, Stmt};

use crate::finding::{Finding, Rule};
use crate::index::{Growth, Holders, Index, leakproof_attr, line_of, show};
use crate::known;

/// Everything the rules found; `reviewed` holds the annotated fields.
#[derive(Default)]
pub struct Found {
    pub findings: Vec<Finding>,
    pub reviewed: Vec<Finding>,
}

impl Found {
    fn push(
        &mut self,
        rule: Rule,
        file: &str,
        line: usize,
        item: String,
        message: String,
        fix: String,
    ) {
        let finding = Finding {
            rule,
            severity: rule.severity(),
            file: file.to_owned(),
            line,
            item,
            message,
            fix,
            reason: None,
        };
        self.findings.push(finding);
    }
}

/// Runs every rule: one walk over every file (the call rules, and what
/// holds which struct), then the long-lived structs are settled, then the
/// rules that depend on them (fields, spawns in methods).
pub fn check(index: &mut Index<'_>) -> Found {
    let mut found = Found::default();
    let mut bodies = Bodies::default();
    let mut seeds = Vec::new();
    for (i, cx) in index.files.iter().enumerate() {
        let holders = Holders { index, file: i, found: Vec::new(), owner: None };
        let mut walker = Walker {
            index,
            file: i,
            found: &mut found,
            bodies: &mut bodies,
            fx: FnCx::default(),
            holders,
        };
        walker.visit_file(cx.ast);
        seeds.extend(walker.holders.found.into_iter().map(|(name, why)| (name, why, i)));
    }
    index.settle_long_lived(seeds);
    for spawn in std::mem::take(&mut bodies.method_spawns) {
        let Some(infos) = index.structs.get(&spawn.owner) else { continue };
        if infos.iter().any(|s| index.long_lived(s).is_some()) {
            let why =
                format!("in a method of long-lived `{}`: one more task per call", spawn.owner);
            let message = detached_message(&spawn.call, &why);
            found.push(
                Rule::DetachedTask,
                &spawn.file,
                spawn.line,
                spawn.item,
                message,
                detached_fix(),
            );
        }
    }
    fields(index, &bodies.purged, &mut found);
    found
}

fn detached_message(call: &str, why: &str) -> String {
    format!("`{call}(..)`'s handle is dropped {why}; nothing can cancel or join the task")
}

fn detached_fix() -> String {
    "spawn it on a `TaskSet` held by a `#[task]` field (`tasks.spawn(\"name\", |cancel| ..)`), or keep the `JoinHandle` and await or abort it".to_owned()
}

/// A spawn with its handle dropped in a method: a leak if the method's
/// type turns out to be long-lived.
struct MethodSpawn {
    owner: String,
    file: String,
    line: usize,
    item: String,
    call: String,
}

fn growth_words(growth: &Growth) -> String {
    let through = if growth.through.is_empty() {
        String::new()
    } else {
        format!(
            " (inside {})",
            growth.through.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
        )
    };
    let what = if growth.channel { "an unbounded channel end" } else { "can grow without bound" };
    format!("`{}`{through} {what}", growth.shown)
}

fn attr_reason(attr: &syn::Attribute) -> String {
    let args = match &attr.meta {
        syn::Meta::List(list) => list.tokens.to_string(),
        _ => String::new(),
    };
    if let Some(at) = args.find("reason") {
        let rest = &args[at..];
        if let (Some(open), Some(close)) =
            (rest.find('"'), rest[rest.find('"').unwrap_or(0) + 1..].find('"'))
        {
            return rest[open + 1..open + 1 + close].to_owned();
        }
    }
    format!("#[{}({})]", leakproof_attr(attr).unwrap_or_default(), args)
}

/// `unbounded-field`, `read-only-expiry`, `unaudited-state`: the fields.
fn fields(index: &Index<'_>, purged: &HashSet<String>, found: &mut Found) {
    let mut names: Vec<&String> = index.structs.keys().collect();
    names.sort();
    for name in names {
        for info in &index.structs[name] {
            let rel = index.files[info.file].rel;
            for (n, field) in info.item.fields.iter().enumerate() {
                let field_name = field.ident.as_ref().map_or(n.to_string(), ToString::to_string);
                let item = format!("{name}.{field_name}");
                // A tuple struct's field is where its type is.
                let line = line_of(
                    field.ident.as_ref().map_or_else(|| field_span(&field.ty), |i| i.span()),
                );
                let attrs: Vec<_> =
                    field.attrs.iter().filter(|a| leakproof_attr(a).is_some()).collect();
                if let Some(attr) = attrs
                    .iter()
                    .find(|a| matches!(leakproof_attr(a).as_deref(), Some("bounded" | "unbounded")))
                {
                    found.reviewed.push(Finding {
                        rule: Rule::UnboundedField,
                        severity: Rule::UnboundedField.severity(),
                        file: rel.to_owned(),
                        line,
                        item,
                        message: format!(
                            "`{}` carries `#[{}]`",
                            show(&field.ty),
                            leakproof_attr(attr).unwrap_or_default()
                        ),
                        fix: String::new(),
                        reason: Some(attr_reason(attr)),
                    });
                    continue;
                }
                if !attrs.is_empty() {
                    continue; // a teardown or #[shared] field: the macro handles it
                }
                let long = index.long_lived(info);
                if let Some(growth) = index.growth(info.file, &field.ty, false) {
                    if let Some(why) = &long {
                        let fix = if growth.channel {
                            "use a bounded channel (`tokio::sync::mpsc::channel(N)`, `std::sync::mpsc::sync_channel(N)`), or mark the field `#[unbounded(reason = \"...\")]` in a `#[lifecycle]` struct".to_owned()
                        } else if info.lifecycle {
                            format!(
                                "add `#[bounded(cap = N)]` to `{field_name}` (or `#[unbounded(reason = \"...\")]` if something else bounds it)"
                            )
                        } else {
                            format!(
                                "put `#[lifecycle]` on `{name}` and `#[bounded(cap = N)]` on `{field_name}` (or `#[unbounded(reason = \"...\")]` if something else bounds it)"
                            )
                        };
                        found.push(
                            Rule::UnboundedField,
                            rel,
                            line,
                            item.clone(),
                            format!("{}; `{name}` is long-lived: {why}", growth_words(&growth)),
                            fix,
                        );
                    }
                    let expiring =
                        growth.value.as_ref().is_some_and(|v| index.carries_instant(v, 0));
                    if expiring && long.is_some() && !purged.contains(&field_name) {
                        found.push(
                            Rule::ReadOnlyExpiry,
                            rel,
                            line,
                            item,
                            format!("`{}` stores an expiry instant with each value, and nothing removes expired entries except a read of the same key", growth.shown),
                            "make it `#[bounded(cap = N, ttl = \"..\")]` (or `insert_with_ttl` per key) so expired entries leave on every write, or sweep it with `retain` on a timer".to_owned(),
                        );
                    }
                    continue;
                }
                if let Some(inner) =
                    index.local_struct(info.file, &field.ty).filter(|_| info.lifecycle)
                {
                    unaudited(index, found, rel, line, &item, &inner);
                }
            }
        }
    }
}

fn field_span(ty: &syn::Type) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    ty.span()
}

/// `unaudited-state`: a #[lifecycle] field holding a plain local struct
/// whose own fields can grow.
fn unaudited(
    index: &Index<'_>,
    found: &mut Found,
    rel: &str,
    line: usize,
    item: &str,
    inner: &str,
) {
    let Some(infos) = index.structs.get(inner) else { return };
    let Some(info) = infos.iter().find(|s| !s.lifecycle) else { return };
    if infos.iter().any(|s| s.lifecycle) {
        return;
    }
    let growing: Vec<String> = info
        .item
        .fields
        .iter()
        .filter(|f| !f.attrs.iter().any(|a| leakproof_attr(a).is_some()))
        .filter(|f| index.growth(info.file, &f.ty, false).is_some())
        .map(|f| {
            format!("`{inner}.{}`", f.ident.as_ref().map_or(String::new(), ToString::to_string))
        })
        .collect();
    if growing.is_empty() {
        return;
    }
    found.push(
        Rule::UnauditedState,
        rel,
        line,
        item.to_owned(),
        format!("`{inner}` is a plain struct holding growable collections ({}) that `#[lifecycle]` cannot see into", growing.join(", ")),
        format!("put `#[lifecycle]` on `struct {inner}` too, and bound its collections"),
    );
}

/// What the walk over function bodies gathers for the later rules.
#[derive(Default)]
struct Bodies {
    /// Fields some function sweeps (`retain`, `remove` in a loop, ...).
    purged: HashSet<String>,
    method_spawns: Vec<MethodSpawn>,
}

/// Per-function state.
#[derive(Default, Clone)]
struct FnCx {
    item: Option<String>,
    loops: usize,
    /// `m1` -> `manager`, for `let m1 = Arc::clone(&manager)`.
    clones: HashMap<String, String>,
    /// Fields accessed (`x.field`), with the base variable.
    accessed: Vec<(String, String)>,
    sweeps: bool,
    /// Handlers capturing a clone: (line, clone, source), kept when the
    /// function also stores into `source`.
    pending: Vec<(usize, String, String)>,
}

struct Walker<'w, 'a> {
    index: &'w Index<'a>,
    file: usize,
    found: &'w mut Found,
    bodies: &'w mut Bodies,
    fx: FnCx,
    holders: Holders<'w, 'a>,
}

impl Walker<'_, '_> {
    fn rel(&self) -> &str {
        self.index.files[self.file].rel
    }

    fn item(&self) -> String {
        self.fx.item.clone().map_or_else(|| "(top level)".to_owned(), |f| format!("fn {f}"))
    }

    fn in_fn(&mut self, name: String, walk: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.fx, FnCx { item: Some(name), ..FnCx::default() });
        walk(self);
        if self.fx.sweeps {
            self.bodies.purged.extend(self.fx.accessed.iter().map(|(_, f)| f.clone()));
        }
        self.leaked_cycles();
        self.fx = outer;
    }

    /// The handler cycles whose owner this function stores into (the store
    /// may come before or after the subscribe).
    fn leaked_cycles(&mut self) {
        let pending = std::mem::take(&mut self.fx.pending);
        for (line, clone, source) in pending {
            if !self.fx.accessed.iter().any(|(base, _)| *base == source) {
                continue;
            }
            let rel = self.rel().to_owned();
            self.found.push(
                Rule::LeakedSubscription,
                &rel,
                line,
                self.item(),
                format!("the handler captures `{clone}`, a strong clone of `{source}`, whose struct keeps the subscription: the handler keeps its owner alive, and the owner keeps the handler"),
                format!("subscribe with a weak reference (`bus.subscribe_weak(&{source}, |s, e| ..)`, or capture `Arc::downgrade(&{source})`)"),
            );
        }
    }

    /// `static` and `thread_local!`/`lazy_static!` statics.
    fn global(&mut self, name: &syn::Ident, ty: &syn::Type) {
        if let Some(growth) = self.index.growth(self.file, ty, true) {
            let rel = self.rel().to_owned();
            self.found.push(
                Rule::GlobalCollection,
                &rel,
                line_of(name.span()),
                format!("static {name}"),
                format!("{}; a static lives as long as the process", growth_words(&growth)),
                "move it into a `#[lifecycle]` struct with `#[bounded(cap = N)]`, or make it a `BoundedMap`/`BoundedSet` (`leakproof::BoundedMap::with_cap(N)`)".to_owned(),
            );
        }
    }

    fn spawn_call<'e>(&self, expr: &'e Expr) -> Option<&'e syn::ExprCall> {
        let Expr::Call(call) = expr else { return None };
        let Expr::Path(func) = &*call.func else { return None };
        self.index.files[self.file].names_any(&func.path, known::SPAWNS).map(|_| call)
    }

    /// `detached-task`: a spawn whose handle is dropped where that repeats
    /// (in a loop now; in a method, once its type is known long-lived).
    fn discarded(&mut self, expr: &Expr) {
        let Some(call) = self.spawn_call(expr) else { return };
        let Expr::Path(func) = &*call.func else { return };
        let line = line_of(func.path.segments[0].ident.span());
        let shown = show(&func.path);
        if self.fx.loops > 0 {
            let rel = self.rel().to_owned();
            let why = "inside a loop: one more task per iteration";
            self.found.push(
                Rule::DetachedTask,
                &rel,
                line,
                self.item(),
                detached_message(&shown, why),
                detached_fix(),
            );
        } else if let Some((owner, _)) = self.fx.item.as_deref().and_then(|i| i.split_once("::")) {
            self.bodies.method_spawns.push(MethodSpawn {
                owner: owner.to_owned(),
                file: self.rel().to_owned(),
                line,
                item: self.item(),
                call: shown,
            });
        }
    }

    fn subscription_like(expr: &Expr) -> bool {
        let mut names = Idents::default();
        names.visit_expr(expr);
        names.all.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            n.contains("subscri") || n.contains("guard") || n.contains("listener")
        })
    }

    fn record_clone(&mut self, pat: &syn::Pat, init: &Expr) {
        match (pat, init) {
            (syn::Pat::Tuple(pats), Expr::Tuple(inits)) => {
                for (p, e) in pats.elems.iter().zip(&inits.elems) {
                    self.record_clone(p, e);
                }
            }
            (syn::Pat::Ident(p), init) => {
                if let Some(source) = arc_clone_source(init) {
                    self.fx.clones.insert(p.ident.to_string(), source);
                }
            }
            _ => {}
        }
    }
}

/// `Arc::clone(&x)`, `Rc::clone(&x)`, `x.clone()`: `x`.
fn arc_clone_source(expr: &Expr) -> Option<String> {
    let base = match expr {
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else { return None };
            let segments: Vec<String> =
                func.path.segments.iter().map(|s| s.ident.to_string()).collect();
            if !matches!(
                segments.iter().rev().take(2).map(String::as_str).collect::<Vec<_>>()[..],
                ["clone", "Arc" | "Rc"]
            ) {
                return None;
            }
            call.args.first()?
        }
        Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => &m.receiver,
        _ => return None,
    };
    let base = match base {
        Expr::Reference(r) => &*r.expr,
        other => other,
    };
    match base {
        Expr::Path(p) if p.path.segments.len() == 1 => Some(p.path.segments[0].ident.to_string()),
        _ => None,
    }
}

/// Every identifier in an expression (variables, methods, paths).
#[derive(Default)]
struct Idents {
    all: Vec<String>,
}

impl<'ast> Visit<'ast> for Idents {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        self.all.push(ident.to_string());
    }
}

impl<'ast> Visit<'ast> for Walker<'_, '_> {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.in_fn(item.sig.ident.to_string(), |w| syn::visit::visit_item_fn(w, item));
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let owner = match &*item.self_ty {
            syn::Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let outer = std::mem::replace(&mut self.holders.owner, owner.clone());
        self.visit_type(&item.self_ty);
        for impl_item in &item.items {
            match impl_item {
                syn::ImplItem::Fn(f) => {
                    let name = match &owner {
                        Some(owner) => format!("{owner}::{}", f.sig.ident),
                        None => f.sig.ident.to_string(),
                    };
                    self.in_fn(name, |w| syn::visit::visit_impl_item_fn(w, f));
                }
                other => syn::visit::visit_impl_item(self, other),
            }
        }
        self.holders.owner = outer;
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.global(&item.ident, &item.ty);
        self.holders.on_static(&item.ident, &item.ty);
        syn::visit::visit_item_static(self, item);
    }

    fn visit_type_path(&mut self, tp: &'ast syn::TypePath) {
        self.holders.on_type_path(tp);
        syn::visit::visit_type_path(self, tp);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if matches!(name.as_str(), "thread_local" | "lazy_static") {
            if let Ok(statics) = mac.parse_body_with(parse_macro_statics) {
                for (ident, ty) in statics {
                    self.global(&ident, &ty);
                }
            }
        } else if let Ok(exprs) =
            mac.parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        {
            // `vec![..]`, `assert!(..)`, `println!("..", ..)`: the arguments
            // are expressions like any other.
            for expr in &exprs {
                self.visit_expr(expr);
            }
        }
    }

    fn visit_expr_for_loop(&mut self, e: &'ast syn::ExprForLoop) {
        self.visit_expr(&e.expr);
        self.fx.loops += 1;
        self.visit_block(&e.body);
        self.fx.loops -= 1;
    }

    fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
        self.fx.loops += 1;
        syn::visit::visit_expr_while(self, e);
        self.fx.loops -= 1;
    }

    fn visit_expr_loop(&mut self, e: &'ast syn::ExprLoop) {
        self.fx.loops += 1;
        syn::visit::visit_expr_loop(self, e);
        self.fx.loops -= 1;
    }

    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        match stmt {
            Stmt::Expr(expr, Some(_)) => self.discarded(expr),
            Stmt::Local(local) => {
                if let Some(init) = &local.init {
                    if matches!(local.pat, syn::Pat::Wild(_)) {
                        self.discarded(&init.expr);
                    }
                    self.record_clone(&local.pat, &init.expr);
                }
            }
            _ => {}
        }
        syn::visit::visit_stmt(self, stmt);
    }

    fn visit_expr_field(&mut self, e: &'ast syn::ExprField) {
        if let (syn::Member::Named(field), Expr::Path(base)) = (&e.member, &*e.base)
            && let Some(base) = base.path.get_ident()
        {
            self.fx.accessed.push((base.to_string(), field.to_string()));
        }
        if let syn::Member::Named(field) = &e.member {
            self.fx.accessed.push((String::new(), field.to_string()));
        }
        syn::visit::visit_expr_field(self, e);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = &m.method;
        if method == "retain"
            || method == "extract_if"
            || method == "drain_filter"
            || method == "purge_expired"
            || (method == "remove" && self.fx.loops > 0)
        {
            self.fx.sweeps = true;
        }
        if m.args.iter().any(|a| matches!(a, Expr::Closure(_))) {
            let name = method.to_string();
            if name.starts_with("subscribe") && !name.contains("weak") {
                self.cycle(&m.method, &m.args);
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        self.holders.on_call(call);
        if let Expr::Path(func) = &*call.func {
            let cx = &self.index.files[self.file];
            let first = &func.path.segments[0].ident;
            if cx.names_any(&func.path, known::CONSTRUCTORS).is_some() {
                let rel = self.rel().to_owned();
                self.found.push(
                    Rule::UnboundedChannel,
                    &rel,
                    line_of(first.span()),
                    self.item(),
                    format!("`{}()` makes a channel whose queue nothing caps", show(&func.path)),
                    "use a bounded channel with a capacity (`tokio::sync::mpsc::channel(N)`, `std::sync::mpsc::sync_channel(N)`, `flume::bounded(N)`, `crossbeam_channel::bounded(N)`)".to_owned(),
                );
            }
            let forget = cx.names(&func.path, &["std", "mem", "forget"]);
            let segments = &func.path.segments;
            let n = segments.len();
            let leak = n >= 2 && segments[n - 1].ident == "leak" && segments[n - 2].ident == "Box";
            if (forget || leak) && call.args.first().is_some_and(Self::subscription_like) {
                let rel = self.rel().to_owned();
                self.found.push(
                    Rule::LeakedSubscription,
                    &rel,
                    line_of(first.span()),
                    self.item(),
                    format!("a subscription passed to `{}` is never dropped, so it never unsubscribes", show(&func.path)),
                    "keep the subscription in a `#[subscription]` field of the service it belongs to, so `shutdown()` drops it".to_owned(),
                );
            }
            let last = &segments[n - 1].ident;
            if call.args.iter().any(|a| matches!(a, Expr::Closure(_))) {
                let last = last.to_string();
                if last.starts_with("subscribe") && !last.contains("weak") {
                    self.cycle(first, &call.args);
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
}

impl Walker<'_, '_> {
    /// `leaked-subscription`, the cycle: a handler closure captures a clone
    /// of an `Arc` (checked against the stores when the function ends).
    fn cycle(
        &mut self,
        at: &proc_macro2::Ident,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) {
        for arg in args {
            let Expr::Closure(closure) = arg else { continue };
            let mut idents = Idents::default();
            idents.visit_expr(&closure.body);
            let captured = idents
                .all
                .iter()
                .find_map(|i| self.fx.clones.get(i).map(|src| (i.clone(), src.clone())));
            if let Some((clone, source)) = captured {
                self.fx.pending.push((line_of(at.span()), clone, source));
            }
        }
    }
}

/// The statics in a `thread_local!` or `lazy_static!` body.
fn parse_macro_statics(
    input: syn::parse::ParseStream<'_>,
) -> syn::Result<Vec<(syn::Ident, syn::Type)>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        input.parse::<syn::Token![static]>()?;
        let _ = input.parse::<Option<syn::Token![ref]>>()?;
        let ident: syn::Ident = input.parse()?;
        input.parse::<syn::Token![:]>()?;
        let ty: syn::Type = input.parse()?;
        input.parse::<syn::Token![=]>()?;
        while !input.is_empty() && !input.peek(syn::Token![;]) {
            input.parse::<proc_macro2::TokenTree>()?;
        }
        let _ = input.parse::<Option<syn::Token![;]>>()?;
        out.push((ident, ty));
    }
    Ok(out)
}
