//! Which files to read: the packages of the crate or workspace at PATH
//! (from `cargo metadata`), each target's root file and the modules it
//! declares, followed as rustc follows them (`mod x;`, `#[path]`). A PATH
//! with no `Cargo.toml` is read as a plain tree of `.rs` files.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

/// A file to audit: where it is, and what reading and parsing it gave (the
/// error, with its line, when it could not be read or does not parse).
pub struct Source {
    /// Relative to PATH, `/`-separated.
    pub rel: String,
    pub parsed: Result<syn::File, String>,
    /// Lines in the file (for the speed figure).
    pub lines: usize,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
}

#[derive(Deserialize)]
struct Package {
    id: String,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    kind: Vec<String>,
    src_path: PathBuf,
}

/// The target kinds audited: what runs in production. Tests and benches
/// only with `all_targets`.
fn wanted(kind: &str, all_targets: bool) -> bool {
    matches!(kind, "lib" | "proc-macro" | "bin" | "example" | "rlib" | "cdylib" | "staticlib")
        || (all_targets && matches!(kind, "test" | "bench"))
}

/// The root files of the packages at `root` (from `cargo metadata`), or
/// `None` when `root` is not a cargo package or workspace.
fn target_roots(root: &Path, all_targets: bool) -> Option<Vec<PathBuf>> {
    let manifest = root.join("Cargo.toml");
    if !manifest.is_file() {
        return None;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let metadata: Metadata = serde_json::from_slice(&out.stdout).ok()?;
    let members: HashSet<&str> = metadata.workspace_members.iter().map(String::as_str).collect();
    let mut roots = Vec::new();
    for package in metadata.packages.iter().filter(|p| members.contains(p.id.as_str())) {
        for target in &package.targets {
            if target.kind.iter().any(|k| wanted(k, all_targets)) {
                roots.push(target.src_path.clone());
            }
        }
    }
    Some(roots)
}

/// What to audit: every file once, and the crates they make up (each
/// target is a crate of its own, with its own names; a file two targets
/// share is in both).
#[derive(Default)]
pub struct Sources {
    pub files: Vec<Source>,
    /// Indices into `files`, one list per crate.
    pub crates: Vec<Vec<usize>>,
}

/// Every file to audit under `root`.
pub fn sources(root: &Path, all_targets: bool, exclude: &[String]) -> Sources {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut out = Sources::default();
    if root.is_file() {
        // One file: a crate root, with the modules it declares.
        let dir = root.parent().unwrap_or(Path::new("."));
        let mut found = Vec::new();
        follow(
            dir,
            &root,
            true,
            &mut HashSet::new(),
            &mut found,
            exclude,
            &mut HashMap::new(),
            &mut out.files,
        );
        out.crates.push(found);
        return out;
    }
    let mut read_once: HashMap<PathBuf, usize> = HashMap::new();
    match target_roots(&root, all_targets) {
        Some(roots) => {
            for file in roots {
                let mut found = Vec::new();
                follow(
                    &root,
                    &file,
                    true,
                    &mut HashSet::new(),
                    &mut found,
                    exclude,
                    &mut read_once,
                    &mut out.files,
                );
                if !found.is_empty() {
                    out.crates.push(found);
                }
            }
        }
        None => {
            walk(&root, &root, &mut out.files, exclude);
            out.crates.push((0..out.files.len()).collect());
        }
    }
    out
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

fn excluded(rel: &str, exclude: &[String]) -> bool {
    exclude.iter().any(|prefix| {
        let prefix = prefix.trim_end_matches('/');
        rel == prefix || rel.starts_with(&format!("{prefix}/"))
    })
}

fn read(root: &Path, path: &Path) -> Source {
    let rel = relative(root, path);
    match std::fs::read_to_string(path) {
        Ok(text) => Source { rel, lines: text.lines().count(), parsed: parse(&text) },
        Err(e) => Source { rel, lines: 0, parsed: Err(e.to_string()) },
    }
}

/// Parses a file's text for the audit, with the function bodies no rule
/// reads emptied first ([`crate::skim`]); the error says where.
pub fn parse(text: &str) -> Result<syn::File, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A shebang line (not an inner attribute `#![..]`) is not Rust tokens;
    // parsing starts at its newline, so the lines below keep their numbers.
    let text = match text.strip_prefix("#!") {
        Some(rest) if !rest.trim_start().starts_with('[') => {
            text.find('\n').map_or("", |at| &text[at..])
        }
        _ => text,
    };
    let parsed = text
        .parse::<proc_macro2::TokenStream>()
        .map_err(syn::Error::from)
        .and_then(|tokens| syn::parse2(crate::skim::skim(tokens, text)));
    parsed.map_err(located)
}

/// Parses a file's text whole, every body included (what [`parse`] must
/// agree with; `tests/skim.rs` compares the two).
pub fn parse_whole(text: &str) -> Result<syn::File, String> {
    syn::parse_file(text).map_err(located)
}

fn located(e: syn::Error) -> String {
    let at = e.span().start();
    format!("line {}:{}: {e}", at.line, at.column + 1)
}

/// A target root and every module file it declares, depth first.
#[allow(clippy::too_many_arguments)]
fn follow(
    root: &Path,
    file: &Path,
    owns_dir: bool,
    seen: &mut HashSet<PathBuf>,
    found: &mut Vec<usize>,
    exclude: &[String],
    read_once: &mut HashMap<PathBuf, usize>,
    files: &mut Vec<Source>,
) {
    let key = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    if !seen.insert(key.clone()) || excluded(&relative(root, file), exclude) {
        return;
    }
    let at = *read_once.entry(key).or_insert_with(|| {
        files.push(read(root, file));
        files.len() - 1
    });
    let declared = match &files[at].parsed {
        Ok(ast) => modules(&ast.items),
        Err(_) => Vec::new(),
    };
    found.push(at);
    let dir = file.parent().unwrap_or(Path::new("."));
    // `foo.rs` keeps its children in `foo/`; `lib.rs`, `main.rs`, `mod.rs`
    // and target roots keep them beside themselves.
    let child_dir = if owns_dir || file.file_name().is_some_and(|n| n == "mod.rs") {
        dir.to_path_buf()
    } else {
        dir.join(file.file_stem().unwrap_or_default())
    };
    for module in declared {
        let next = match &module.path {
            Some(path) => dir.join(module.inline_dirs.join("/")).join(path),
            None => {
                let base = child_dir.join(module.inline_dirs.join("/"));
                let flat = base.join(format!("{}.rs", module.name));
                if flat.is_file() { flat } else { base.join(&module.name).join("mod.rs") }
            }
        };
        let owns = module.path.is_some() && next.file_name().is_some_and(|n| n == "mod.rs");
        follow(root, &next, owns, seen, found, exclude, read_once, files);
    }
}

/// A `mod name;` declaration: its name, `#[path]`, and the inline modules
/// it sits in.
struct Declared {
    name: String,
    path: Option<String>,
    inline_dirs: Vec<String>,
}

fn modules(items: &[syn::Item]) -> Vec<Declared> {
    let mut out = Vec::new();
    collect_modules(items, &mut Vec::new(), &mut out);
    out
}

fn collect_modules(items: &[syn::Item], inline: &mut Vec<String>, out: &mut Vec<Declared>) {
    for item in items {
        let syn::Item::Mod(module) = item else { continue };
        let path = module.attrs.iter().find_map(|a| {
            let syn::Meta::NameValue(nv) = &a.meta else { return None };
            if !nv.path.is_ident("path") {
                return None;
            }
            match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            }
        });
        match &module.content {
            None => out.push(Declared {
                name: module.ident.to_string(),
                path,
                inline_dirs: inline.clone(),
            }),
            Some((_, items)) => {
                inline.push(path.unwrap_or_else(|| module.ident.to_string()));
                collect_modules(items, inline, out);
                inline.pop();
            }
        }
    }
}

/// Every `.rs` file under `dir`, skipping `target/` and hidden folders.
fn walk(root: &Path, dir: &Path, found: &mut Vec<Source>, exclude: &[String]) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if excluded(&relative(root, &path), exclude) {
            continue;
        }
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                walk(root, &path, found, exclude);
            }
        } else if name.ends_with(".rs") {
            found.push(read(root, &path));
        }
    }
}

/// The newest unpacked version of the crate `name` in the local cargo
/// registry (`$CARGO_HOME/registry/src/*/name-VERSION`), if any: the crates
/// a workspace depends on, to audit or measure against.
pub fn registry_crate(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let mut found = Vec::new();
    for index in std::fs::read_dir(home.join("registry/src")).ok()?.flatten() {
        for entry in std::fs::read_dir(index.path()).ok()?.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let version = file.strip_prefix(name).and_then(|rest| rest.strip_prefix('-'));
            if version.is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit())) {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    found.pop()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_shebang_line_is_skipped_and_lines_keep_their_numbers() {
        let file = super::parse("#!/usr/bin/env run-cargo-script\nfn main() {}\n").unwrap();
        let syn::Item::Fn(main) = &file.items[0] else { panic!("a fn") };
        assert_eq!(main.sig.ident.span().start().line, 2);
        assert!(
            super::parse("#![allow(dead_code)]\nfn f() {}\n").is_ok(),
            "an inner attribute stays"
        );
        assert!(super::parse("\u{feff}fn f() {}").is_ok(), "a BOM is skipped");
    }
}
