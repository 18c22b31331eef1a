//! What the rules need to know about the whole crate, gathered in one pass
//! over every file: the structs and type aliases by name, what each file
//! imports, and which structs are long-lived (and why).
//!
//! No type checking: names are resolved through each file's `use` items and
//! matched against the known paths (known.rs), and local types are known by
//! name. That is what lets the audit run on code that does not build yet,
//! and in well under a second.

use std::collections::HashMap;

use quote::ToTokens;
use syn::visit::Visit;
use syn::{Expr, Type};

use crate::known::{self, Path};

/// One parsed file and what it imports.
pub struct FileCx<'a> {
    pub rel: &'a str,
    pub ast: &'a syn::File,
    /// `HashMap` -> `std::collections::HashMap`, for every `use` in the file.
    uses: HashMap<String, Vec<String>>,
    /// Modules imported whole (`use std::collections::*`).
    globs: Vec<Vec<String>>,
}

impl<'a> FileCx<'a> {
    pub fn new(rel: &'a str, ast: &'a syn::File) -> Self {
        let mut cx = FileCx { rel, ast, uses: HashMap::new(), globs: Vec::new() };
        let mut uses = Uses(&mut cx);
        let mut read_use = |item: &syn::Item| {
            if let syn::Item::Use(u) = item {
                uses.tree(&mut Vec::new(), &u.tree);
            }
        };
        for_each_item(&ast.items, &mut |item| {
            read_use(item);
            // A `use` at the top of a function body is common enough
            // (`use std::sync::mpsc;` in `main`) to read too.
            let body = match item {
                syn::Item::Fn(f) => vec![&*f.block],
                syn::Item::Impl(i) => i
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        syn::ImplItem::Fn(f) => Some(&f.block),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for block in body {
                for stmt in &block.stmts {
                    if let syn::Stmt::Item(item) = stmt {
                        read_use(item);
                    }
                }
            }
        });
        cx
    }

    /// The path as written, with its first segment replaced by what the
    /// file imported under that name; and whether an import was used.
    pub fn resolve(&self, path: &syn::Path) -> (Vec<String>, bool) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        match segments.first().and_then(|first| self.uses.get(first)) {
            Some(full) => {
                let mut resolved = full.clone();
                resolved.extend(segments.into_iter().skip(1));
                (resolved, true)
            }
            None => (segments, false),
        }
    }

    /// Whether `path` names the known item `known` (a crate's re-export
    /// paths differ in the middle, so the crate and the name decide).
    pub fn names(&self, path: &syn::Path, known: Path) -> bool {
        // Most paths fail on their last segment; that test allocates nothing.
        if path.segments.last().is_none_or(|s| s.ident != known[known.len() - 1]) {
            return false;
        }
        let (resolved, imported) = self.resolve(path);
        let Some(last) = resolved.last() else { return false };
        if last != known[known.len() - 1] {
            return false;
        }
        let root =
            |s: &str| if matches!(s, "core" | "alloc") { "std".to_owned() } else { s.to_owned() };
        if resolved.len() >= 2 || imported {
            return root(&resolved[0]) == known[0];
        }
        // A bare name: the prelude's, or one a glob brought in.
        matches!(last.as_str(), "Vec" | "Box" | "Option")
            || self.globs.iter().any(|g| g.len() < known.len() && g[..] == known[..g.len()])
    }

    pub fn names_any(&self, path: &syn::Path, known: &[Path]) -> Option<Path> {
        known.iter().copied().find(|k| self.names(path, k))
    }
}

struct Uses<'c, 'a>(&'c mut FileCx<'a>);

impl Uses<'_, '_> {
    fn tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) if n.ident == "self" => {
                if let Some(last) = prefix.last() {
                    self.0.uses.insert(last.clone(), prefix.clone());
                }
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                full.push(n.ident.to_string());
                self.0.uses.insert(n.ident.to_string(), full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                self.0.uses.insert(r.rename.to_string(), full);
            }
            syn::UseTree::Glob(_) => self.0.globs.push(prefix.clone()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.tree(prefix, t)),
        }
    }
}

/// Every item, inline modules' items included (not those inside function
/// bodies: the declarations the rules resolve against are module-level).
pub fn for_each_item<'a>(items: &'a [syn::Item], f: &mut impl FnMut(&'a syn::Item)) {
    for item in items {
        f(item);
        if let syn::Item::Mod(syn::ItemMod { content: Some((_, inner)), .. }) = item {
            for_each_item(inner, f);
        }
    }
}

/// A struct, where it is, and its facts.
pub struct StructInfo<'a> {
    pub file: usize,
    pub item: &'a syn::ItemStruct,
    pub lifecycle: bool,
}

/// A growable type found in a field or static: the known type, how it was
/// written, and the wrappers it sits in.
pub struct Growth {
    pub known: Path,
    pub channel: bool,
    pub shown: String,
    pub through: Vec<String>,
    /// The map's value type, for the expiry rule.
    pub value: Option<Type>,
}

/// The crate, indexed.
pub struct Index<'a> {
    pub files: Vec<FileCx<'a>>,
    pub structs: HashMap<String, Vec<StructInfo<'a>>>,
    aliases: HashMap<String, (usize, &'a Type)>,
    /// Long-lived struct names, with the first reason found (settled by
    /// [`Index::settle_long_lived`] after the rules' walk).
    pub long_lived: HashMap<String, String>,
    /// Names whose reason was found in a file that defines them.
    beside: std::collections::HashSet<String>,
}

/// The last segment of a leakproof attribute on a field or struct, if it is one.
pub fn leakproof_attr(attr: &syn::Attribute) -> Option<String> {
    let name = attr.path().segments.last()?.ident.to_string();
    matches!(
        name.as_str(),
        "bounded" | "unbounded" | "subscription" | "task" | "shutdown" | "shared" | "lifecycle"
    )
    .then_some(name)
}

pub fn line_of(span: proc_macro2::Span) -> usize {
    span.start().line
}

/// A type or expression as source text, without the token spacing.
pub fn show(tokens: &impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split(' ').enumerate() {
        let glue = matches!(part, "<" | ">" | "," | "::" | ">>" | ")" | "]")
            || out.ends_with(['<', '(', '[', '&'])
            || out.ends_with("::");
        if i > 0 && !glue {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

impl<'a> Index<'a> {
    pub fn new(files: Vec<FileCx<'a>>) -> Self {
        let mut index = Index {
            files,
            structs: HashMap::new(),
            aliases: HashMap::new(),
            long_lived: HashMap::new(),
            beside: Default::default(),
        };
        for i in 0..index.files.len() {
            let ast = index.files[i].ast;
            for_each_item(&ast.items, &mut |item| index.declare(i, item));
        }
        index
    }

    /// Records a struct or type alias.
    fn declare(&mut self, file: usize, item: &'a syn::Item) {
        match item {
            syn::Item::Struct(item) => {
                let lifecycle =
                    item.attrs.iter().any(|a| leakproof_attr(a).as_deref() == Some("lifecycle"));
                let info = StructInfo { file, item, lifecycle };
                self.structs.entry(item.ident.to_string()).or_default().push(info);
            }
            // `#[bounded] type X = HashMap<..>` is bounded: not an alias of a growable type.
            syn::Item::Type(item) if !item.attrs.iter().any(|a| leakproof_attr(a).is_some()) => {
                self.aliases.insert(item.ident.to_string(), (file, &item.ty));
            }
            _ => {}
        }
    }

    /// Why the struct is long-lived, if it is.
    pub fn long_lived(&self, info: &StructInfo<'_>) -> Option<String> {
        if info.lifecycle {
            return Some("it is a #[lifecycle] service".into());
        }
        self.long_lived.get(&info.item.ident.to_string()).cloned()
    }

    pub fn is_local(&self, name: &str) -> bool {
        self.structs.contains_key(name) || self.aliases.contains_key(name)
    }

    /// The generic type arguments of a path's last segment.
    fn type_args(path: &syn::Path) -> Vec<&Type> {
        let Some(last) = path.segments.last() else { return Vec::new() };
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return Vec::new() };
        args.args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect()
    }

    /// The growable collection or channel in `ty`, seen through wrappers,
    /// `Option` and local aliases (and, for a static, its lazy cell).
    pub fn growth(&self, file: usize, ty: &Type, in_static: bool) -> Option<Growth> {
        self.growth_at(file, ty, in_static, 0)
    }

    fn growth_at(&self, file: usize, ty: &Type, in_static: bool, depth: u8) -> Option<Growth> {
        if depth > 16 {
            return None;
        }
        let cx = &self.files[file];
        match ty {
            Type::Paren(t) => self.growth_at(file, &t.elem, in_static, depth + 1),
            Type::Group(t) => self.growth_at(file, &t.elem, in_static, depth + 1),
            Type::Path(tp) if tp.qself.is_none() => {
                let path = &tp.path;
                let single = path.segments.len() == 1;
                let name = path.segments.last()?.ident.to_string();
                if single && self.is_local(&name) {
                    let (alias_file, alias) = self.aliases.get(&name)?;
                    return self.growth_at(*alias_file, alias, in_static, depth + 1);
                }
                let found = cx
                    .names_any(path, known::COLLECTIONS)
                    .map(|k| (k, false))
                    .or_else(|| cx.names_any(path, known::CHANNELS).map(|k| (k, true)));
                if let Some((known, channel)) = found {
                    let value = known::is_map(known)
                        .then(|| Self::type_args(path).get(1).map(|t| (*t).clone()))
                        .flatten();
                    return Some(Growth {
                        known,
                        channel,
                        shown: show(ty),
                        through: Vec::new(),
                        value,
                    });
                }
                let wrapper = cx.names_any(path, known::WRAPPERS).is_some()
                    || cx.names(path, &["std", "option", "Option"])
                    || (in_static && cx.names_any(path, known::STATIC_WRAPPERS).is_some());
                if wrapper {
                    let inner = Self::type_args(path).into_iter().next()?;
                    let mut growth = self.growth_at(file, inner, in_static, depth + 1)?;
                    growth.through.insert(0, name);
                    return Some(growth);
                }
                None
            }
            _ => None,
        }
    }

    /// The local struct a field's type holds, seen through wrappers.
    pub fn local_struct(&self, file: usize, ty: &Type) -> Option<String> {
        let cx = &self.files[file];
        match ty {
            Type::Paren(t) => self.local_struct(file, &t.elem),
            Type::Path(tp) if tp.qself.is_none() => {
                let path = &tp.path;
                let name = path.segments.last()?.ident.to_string();
                if path.segments.len() == 1 && self.structs.contains_key(&name) {
                    return Some(name);
                }
                let wrapper = cx.names_any(path, known::WRAPPERS).is_some()
                    || cx.names(path, &["std", "option", "Option"]);
                if wrapper {
                    return self.local_struct(file, Self::type_args(path).into_iter().next()?);
                }
                None
            }
            _ => None,
        }
    }

    /// Whether `ty` mentions `Instant` or `SystemTime`, directly or in the
    /// fields of a local struct it names.
    pub fn carries_instant(&self, ty: &Type, depth: u8) -> bool {
        let mut names = Names::default();
        names.visit_type(ty);
        if names.all.iter().any(|n| n == "Instant" || n == "SystemTime") {
            return true;
        }
        depth < 3
            && names.all.iter().any(|n| {
                let in_struct = self.structs.get(n).is_some_and(|infos| {
                    infos.iter().any(|s| {
                        s.item.fields.iter().any(|f| self.carries_instant(&f.ty, depth + 1))
                    })
                });
                in_struct
                    || self
                        .aliases
                        .get(n)
                        .is_some_and(|(_, alias)| self.carries_instant(alias, depth + 1))
            })
    }

    fn mark(&mut self, name: &str, why: String, from_file: usize) {
        let Some(infos) = self.structs.get(name) else { return };
        // A reason found beside the struct reads better than one from a
        // namesake's file.
        let beside = infos.iter().any(|s| s.file == from_file);
        match self.long_lived.get(name) {
            None => {
                self.long_lived.insert(name.to_owned(), why);
                if beside {
                    self.beside.insert(name.to_owned());
                }
            }
            Some(_) if beside && !self.beside.contains(name) => {
                self.long_lived.insert(name.to_owned(), why);
                self.beside.insert(name.to_owned());
            }
            Some(_) => {}
        }
    }

    /// Settles which structs are long-lived, from what the walk found
    /// holding them (name, why, file), then through the fields of those.
    pub fn settle_long_lived(&mut self, seeds: Vec<(String, String, usize)>) {
        for (name, why, file) in seeds {
            self.mark(&name, why, file);
        }
        // A struct held in a field of a long-lived one lives as long.
        let mut work: Vec<String> = self.long_lived.keys().cloned().collect();
        let services = self.structs.values().flatten().filter(|s| s.lifecycle);
        work.extend(services.map(|s| s.item.ident.to_string()));
        // In a fixed order, so the reason a struct is long-lived (the first
        // holder found) is the same on every run.
        work.sort_unstable_by(|a, b| b.cmp(a));
        work.dedup();
        while let Some(outer) = work.pop() {
            let mut inner = Vec::new();
            let infos = self.structs.get(&outer).into_iter().flatten();
            for info in infos.filter(|s| s.lifecycle || self.long_lived.contains_key(&outer)) {
                for field in &info.item.fields {
                    let mut names = Names::default();
                    names.visit_type(&field.ty);
                    inner.extend(names.all);
                }
            }
            for name in inner {
                if self.structs.contains_key(&name) && !self.long_lived.contains_key(&name) {
                    self.long_lived
                        .insert(name.clone(), format!("it is held by long-lived `{outer}`"));
                    work.push(name);
                }
            }
        }
    }
}

/// Every identifier in a type or expression's paths.
#[derive(Default)]
pub struct Names {
    pub all: Vec<String>,
}

impl<'ast> Visit<'ast> for Names {
    fn visit_path_segment(&mut self, segment: &'ast syn::PathSegment) {
        self.all.push(segment.ident.to_string());
        syn::visit::visit_path_segment(self, segment);
    }
}

/// Finds structs held where they live long: inside an `Arc`/`Rc` (a type
/// or an `Arc::new(..)`), in a `static`, or moved into a spawned task. The
/// rules' walk over each file feeds it, so the crate is walked once.
pub struct Holders<'i, 'a> {
    pub index: &'i Index<'a>,
    pub file: usize,
    /// (struct name, why it is long-lived)
    pub found: Vec<(String, String)>,
    /// The type of the `impl` block being read.
    pub owner: Option<String>,
}

impl Holders<'_, '_> {
    fn at(&self, span: proc_macro2::Span) -> String {
        format!("{}:{}", self.index.files[self.file].rel, line_of(span))
    }

    fn names_in(&self, expr: &Expr) -> Vec<String> {
        let mut constructed = Constructed { names: Vec::new(), owner: self.owner.clone() };
        constructed.visit_expr(expr);
        constructed.names
    }
}

impl Holders<'_, '_> {
    /// `Arc<S>`, `Rc<Mutex<S>>` in any type.
    pub fn on_type_path(&mut self, tp: &syn::TypePath) {
        let Some(last) = tp.path.segments.last() else { return };
        let Some(holder) = ["Arc", "Rc"].into_iter().find(|h| last.ident == h) else { return };
        for arg in Index::type_args(&tp.path) {
            let mut names = Names::default();
            names.visit_type(arg);
            for name in names.all {
                let name = if name == "Self" { self.owner.clone().unwrap_or(name) } else { name };
                let why = format!(
                    "it is held in an `{holder}` ({})",
                    self.at(tp.path.segments[0].ident.span())
                );
                self.found.push((name, why));
            }
        }
    }

    /// A static's type.
    pub fn on_static(&mut self, ident: &syn::Ident, ty: &Type) {
        let mut names = Names::default();
        names.visit_type(ty);
        for name in names.all {
            self.found.push((name, format!("it is in `static {ident}`")));
        }
    }

    /// `Arc::new(S { .. })`, `tokio::spawn(async move { .. S { .. } .. })`.
    pub fn on_call(&mut self, call: &syn::ExprCall) {
        let Expr::Path(func) = &*call.func else { return };
        let segments = &func.path.segments;
        let n = segments.len();
        let holder = (n >= 2 && segments[n - 1].ident == "new")
            .then(|| ["Arc", "Rc"].into_iter().find(|h| segments[n - 2].ident == h))
            .flatten();
        let spawned = self.index.files[self.file].names_any(&func.path, known::SPAWNS).is_some();
        let why = match holder {
            Some(holder) => {
                format!("it is put in an `{holder}` ({})", self.at(segments[0].ident.span()))
            }
            None if spawned => {
                format!("it is moved into a spawned task ({})", self.at(segments[0].ident.span()))
            }
            None => return,
        };
        for arg in &call.args {
            for name in self.names_in(arg) {
                self.found.push((name, why.clone()));
            }
        }
    }
}

/// Structs an expression's value is: `S { .. }`, `S::new(..)` (a
/// constructor-like call on a local type), the same inside `Mutex::new(..)`
/// and other one-argument wrappers, and `self` inside `impl S`. A spawned
/// future's body is read whole for literals and `self`.
struct Constructed {
    names: Vec<String>,
    owner: Option<String>,
}

fn constructor_like(name: &str) -> bool {
    matches!(name, "new" | "default" | "build" | "start" | "spawn" | "open" | "connect")
        || name.starts_with("with_")
        || name.starts_with("from_")
        || name.starts_with("new_")
}

impl<'ast> Visit<'ast> for Constructed {
    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        if let Some(last) = e.path.segments.last() {
            let name = last.ident.to_string();
            self.names.push(if name == "Self" { self.owner.clone().unwrap_or(name) } else { name });
        }
        syn::visit::visit_expr_struct(self, e);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(func) = &*call.func {
            let segments = &func.path.segments;
            if segments.len() >= 2
                && constructor_like(&segments[segments.len() - 1].ident.to_string())
            {
                let name = segments[segments.len() - 2].ident.to_string();
                self.names.push(if name == "Self" {
                    self.owner.clone().unwrap_or(name)
                } else {
                    name
                });
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_path(&mut self, e: &'ast syn::ExprPath) {
        let segments = &e.path.segments;
        if segments.len() == 1 && segments[0].ident == "self" {
            self.names.extend(self.owner.clone());
        }
        syn::visit::visit_expr_path(self, e);
    }
}
