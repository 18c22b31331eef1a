//! `cargo leakproof audit [PATH] [--format text|markdown|json|sarif] [--deny]`
//!
//! Installed, cargo runs it as `cargo-leakproof leakproof audit ...`; inside
//! this workspace, `cargo run -p cargo-leakproof -- leakproof audit ...`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use leakproof_audit::output::{self, Format};
use leakproof_audit::{Options, audit};

const HELP: &str = "\
cargo leakproof audit [PATH] [--format text|markdown|json|sarif] [--deny] [--all-targets]

Reads every Rust source file of the crate or workspace at PATH (default: the
current directory) and lists what can leak memory in a long-running process.

  --format      text (default), markdown (a written audit), json, sarif
  --deny        exit 1 when any finding is left (for CI)
  --all-targets audit tests and benches too
Accept a finding with #[unbounded(reason = \"...\")] on the field, or in
leakproof.toml: [[accept]] rule = \"..\", item = \"..\", reason = \"..\"";

struct Args {
    path: PathBuf,
    format: Format,
    deny: bool,
    options: Options,
}

fn args() -> Result<Args, String> {
    let mut raw: Vec<String> = std::env::args().skip(1).collect();
    // `cargo leakproof audit` runs `cargo-leakproof leakproof audit`.
    if raw.first().is_some_and(|a| a == "leakproof") {
        raw.remove(0);
    }
    match raw.first().map(String::as_str) {
        Some("audit") => {
            raw.remove(0);
        }
        Some("-h" | "--help") | None => return Err(HELP.into()),
        Some(other) => return Err(format!("unknown command `{other}`\n\n{HELP}")),
    }
    let mut args = Args {
        path: PathBuf::from("."),
        format: Format::Text,
        deny: false,
        options: Options::default(),
    };
    let mut it = raw.into_iter();
    let mut path = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--deny" => args.deny = true,
            "--all-targets" => args.options.all_targets = true,
            "--format" => {
                let name =
                    it.next().ok_or("--format needs a value: text, markdown, json or sarif")?;
                args.format = Format::parse(&name)
                    .ok_or(format!("--format {name}: expected text, markdown, json or sarif"))?;
            }
            "-h" | "--help" => return Err(HELP.into()),
            flag if flag.starts_with('-') => {
                return Err(format!("unknown flag `{flag}`\n\n{HELP}"));
            }
            _ if path.is_none() => path = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`: one PATH only")),
        }
    }
    if let Some(path) = path {
        args.path = path;
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if !args.path.exists() {
        eprintln!("cargo leakproof audit: {} does not exist", args.path.display());
        return ExitCode::from(2);
    }
    let audit = match audit(&args.path, &args.options) {
        Ok(audit) => audit,
        Err(message) => {
            eprintln!("cargo leakproof audit: {message}");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let colour = args.format == Format::Text
        && stdout.is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let _ = stdout.lock().write_all(output::render(&audit, args.format, colour).as_bytes());
    if args.deny && !audit.findings.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
