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
        uses.visit_file(ast);
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

impl<'ast> Visit<'ast> for Uses<'_, '_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.tree(&mut Vec::new(), &item.tree);
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
    /// Long-lived struct names, with the first reason found.
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
            let mut items = Items { index: &mut index, file: i };
            items.visit_file(ast);
        }
        index.find_long_lived();
        index
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

    fn find_long_lived(&mut self) {
        let mut seeds: Vec<(String, String, usize)> = Vec::new();
        for (i, cx) in self.files.iter().enumerate() {
            let mut finder = Holders { index: self, file: i, found: Vec::new(), owner: None };
            finder.visit_file(cx.ast);
            seeds.extend(finder.found.into_iter().map(|(name, why)| (name, why, i)));
        }
        for (name, why, file) in seeds {
            self.mark(&name, why, file);
        }
        // A struct held in a field of a long-lived one lives as long.
        let mut work: Vec<String> = self.long_lived.keys().cloned().collect();
        let services = self.structs.values().flatten().filter(|s| s.lifecycle);
        work.extend(services.map(|s| s.item.ident.to_string()));
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

/// Collects the structs and aliases (items at any depth, fn bodies too).
struct Items<'i, 'a> {
    index: &'i mut Index<'a>,
    file: usize,
}

impl<'a> Visit<'a> for Items<'_, 'a> {
    fn visit_item_struct(&mut self, item: &'a syn::ItemStruct) {
        let lifecycle =
            item.attrs.iter().any(|a| leakproof_attr(a).as_deref() == Some("lifecycle"));
        let info = StructInfo { file: self.file, item, lifecycle };
        self.index.structs.entry(item.ident.to_string()).or_default().push(info);
    }

    fn visit_item_type(&mut self, item: &'a syn::ItemType) {
        // `#[bounded] type X = HashMap<..>` is bounded: not an alias of a growable type.
        if !item.attrs.iter().any(|a| leakproof_attr(a).is_some()) {
            self.index.aliases.insert(item.ident.to_string(), (self.file, &item.ty));
        }
    }
}

/// Finds structs held where they live long: inside an `Arc`/`Rc` (a type
/// or an `Arc::new(..)`), in a `static`, or moved into a spawned task.
struct Holders<'i, 'a> {
    index: &'i Index<'a>,
    file: usize,
    found: Vec<(String, String)>,
    /// The type of the `impl` block being read.
    owner: Option<String>,
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

impl<'ast> Visit<'ast> for Holders<'_, '_> {
    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let owner = match &*item.self_ty {
            Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let outer = std::mem::replace(&mut self.owner, owner);
        syn::visit::visit_item_impl(self, item);
        self.owner = outer;
    }

    fn visit_type_path(&mut self, tp: &'ast syn::TypePath) {
        let cx = &self.index.files[self.file];
        if let Some(holder) = ["Arc", "Rc"]
            .into_iter()
            .find(|h| tp.path.segments.last().is_some_and(|s| s.ident == h))
        {
            let _ = cx;
            for arg in Index::type_args(&tp.path) {
                let mut names = Names::default();
                names.visit_type(arg);
                for name in names.all {
                    let name =
                        if name == "Self" { self.owner.clone().unwrap_or(name) } else { name };
                    let why = format!(
                        "it is held in an `{holder}` ({})",
                        self.at(tp.path.segments[0].ident.span())
                    );
                    self.found.push((name, why));
                }
            }
        }
        syn::visit::visit_type_path(self, tp);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        let mut names = Names::default();
        names.visit_type(&item.ty);
        for name in names.all {
            self.found.push((name, format!("it is in `static {}`", item.ident)));
        }
        syn::visit::visit_item_static(self, item);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(func) = &*call.func {
            let segments: Vec<String> =
                func.path.segments.iter().map(|s| s.ident.to_string()).collect();
            let tail: Vec<&str> = segments.iter().rev().take(2).map(String::as_str).collect();
            let held = matches!(tail.as_slice(), ["new", "Arc" | "Rc"]);
            let spawned =
                self.index.files[self.file].names_any(&func.path, known::SPAWNS).is_some();
            if held || spawned {
                let why = if held {
                    format!(
                        "it is put in an `{}` ({})",
                        tail[1],
                        self.at(func.path.segments[0].ident.span())
                    )
                } else {
                    format!(
                        "it is moved into a spawned task ({})",
                        self.at(func.path.segments[0].ident.span())
                    )
                };
                for arg in &call.args {
                    for name in self.names_in(arg) {
                        self.found.push((name, why.clone()));
                    }
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
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
