//! `leakproof.toml`, beside the audited PATH: findings accepted for code
//! that cannot carry an attribute, and paths not to audit.
//!
//! ```toml
//! exclude = ["tests/ui"]          # path prefixes, relative to PATH
//!
//! [[accept]]
//! rule = "unbounded-field"
//! item = "ConnectionManager.closed_websockets"
//! file = "examples/game_server/unguarded.rs"   # optional: only there
//! reason = "the demo's deliberate leak"
//!
//! [[accept]]                      # a whole file that leaks on purpose
//! rule = "*"
//! item = "*"
//! file = "examples/unguarded.rs"
//! reason = "the baseline the demo compares against"
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::finding::{Finding, Rule};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub accept: Vec<Accept>,
}

/// A finding a person reviewed and accepted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accept {
    pub rule: String,
    pub item: String,
    #[serde(default)]
    pub file: Option<String>,
    pub reason: String,
}

impl Config {
    /// `leakproof.toml` in `root`, if there is one.
    pub fn load(root: &Path) -> Result<Config, String> {
        let dir = if root.is_file() { root.parent().unwrap_or(Path::new(".")) } else { root };
        let path = dir.join("leakproof.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(Config::default());
        };
        let config: Config =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for accept in &config.accept {
            if accept.rule != "*" && Rule::from_id(&accept.rule).is_none() {
                return Err(format!(
                    "{}: unknown rule `{}` in [[accept]] for `{}`",
                    path.display(),
                    accept.rule,
                    accept.item
                ));
            }
        }
        Ok(config)
    }

    /// The reason a finding was accepted, if it was.
    pub fn accepted(&self, finding: &Finding) -> Option<&str> {
        self.accept
            .iter()
            .find(|a| {
                (a.rule == finding.rule.id() || a.rule == "*")
                    && item_matches(&a.item, &finding.item)
                    && a.file.as_ref().is_none_or(|f| *f == finding.file)
            })
            .map(|a| a.reason.as_str())
    }
}

/// `item` as written, or ending in `*` for every item it starts.
fn item_matches(pattern: &str, item: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => item.starts_with(prefix),
        None => pattern == item,
    }
}
