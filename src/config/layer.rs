//! One source of settings (the config file, the environment, or the flags) as a flat map from
//! key path to raw value, remembering where each value came from so that errors can say so.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use super::ConfigError;

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    File(String),
    Env(String),
    Flag(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File(path) => f.write_str(path),
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A raw value: typed when it came from TOML, text when it came from the environment or a flag.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Toml(toml::Value),
    Text(String),
}

impl fmt::Display for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Toml(toml::Value::String(s)) => write!(f, "{s:?}"),
            Raw::Toml(v) => write!(f, "{v}"),
            Raw::Text(s) => write!(f, "{s:?}"),
        }
    }
}

/// A key path such as `["budget", "prices", "gpt-4.1", "input_per_m"]`.
pub type KeyPath = Vec<String>;

/// Show a key path the way it is written in TOML (segments with dots or spaces are quoted).
pub fn display_key(path: &[String]) -> String {
    path.iter()
        .map(|seg| {
            if seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                seg.clone()
            } else {
                format!("{seg:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A setting with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub raw: Raw,
    pub origin: Origin,
}

/// One layer of settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub entries: BTreeMap<KeyPath, Entry>,
}

impl Layer {
    /// Parse a TOML document into a flat layer. Arrays are leaves; tables are walked.
    pub fn from_toml(text: &str, file: &Path) -> Result<Layer, ConfigError> {
        let origin = Origin::File(file.display().to_string());
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let place = e
                .span()
                .map(|span| {
                    let (line, col) = line_col(text, span.start);
                    format!("line {line}, column {col}: ")
                })
                .unwrap_or_default();
            ConfigError::whole(
                &origin,
                format!("not valid TOML: {place}{}", e.message().trim()),
            )
        })?;
        let mut layer = Layer::default();
        flatten(&mut layer, Vec::new(), table, &origin);
        Ok(layer)
    }

    pub fn set_text(&mut self, key: &[&str], value: impl Into<String>, origin: Origin) {
        self.entries.insert(
            key.iter().map(|s| s.to_string()).collect(),
            Entry {
                raw: Raw::Text(value.into()),
                origin,
            },
        );
    }

    /// Later layers win.
    pub fn merge(mut self, other: Layer) -> Layer {
        self.entries.extend(other.entries);
        self
    }
}

fn flatten(layer: &mut Layer, prefix: KeyPath, table: toml::Table, origin: &Origin) {
    for (key, value) in table {
        let mut path = prefix.clone();
        path.push(key);
        match value {
            toml::Value::Table(inner) => flatten(layer, path, inner, origin),
            leaf => {
                layer.entries.insert(
                    path,
                    Entry {
                        raw: Raw::Toml(leaf),
                        origin: origin.clone(),
                    },
                );
            }
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Typed reads of one entry, with errors that name origin, key and value.
impl Entry {
    fn err(&self, key: &[String], reason: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: self.origin.to_string(),
            key: display_key(key),
            value: self.raw.to_string(),
            reason: reason.into(),
        }
    }

    pub fn as_string(&self, key: &[String]) -> Result<String, ConfigError> {
        match &self.raw {
            Raw::Toml(toml::Value::String(s)) | Raw::Text(s) => Ok(s.clone()),
            _ => Err(self.err(key, "expected a string")),
        }
    }

    pub fn as_f64(&self, key: &[String]) -> Result<f64, ConfigError> {
        let v = match &self.raw {
            Raw::Toml(toml::Value::Float(f)) => *f,
            Raw::Toml(toml::Value::Integer(i)) => *i as f64,
            Raw::Text(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| self.err(key, "expected a number"))?,
            _ => return Err(self.err(key, "expected a number")),
        };
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.err(key, "expected a finite number"))
        }
    }

    pub fn as_i64(&self, key: &[String]) -> Result<i64, ConfigError> {
        match &self.raw {
            Raw::Toml(toml::Value::Integer(i)) => Ok(*i),
            Raw::Text(s) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| self.err(key, "expected a whole number")),
            _ => Err(self.err(key, "expected a whole number")),
        }
    }

    pub fn as_bool(&self, key: &[String]) -> Result<bool, ConfigError> {
        match &self.raw {
            Raw::Toml(toml::Value::Boolean(b)) => Ok(*b),
            Raw::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" | "" => Ok(false),
                _ => Err(self.err(key, "expected true or false")),
            },
            _ => Err(self.err(key, "expected true or false")),
        }
    }

    /// A list of names: a TOML array of strings, or comma-separated text from the environment.
    pub fn as_string_list(&self, key: &[String]) -> Result<Vec<String>, ConfigError> {
        match &self.raw {
            Raw::Toml(toml::Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(s) => Ok(s.clone()),
                    _ => Err(self.err(key, "expected a list of strings")),
                })
                .collect(),
            Raw::Text(s) => Ok(s
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect()),
            _ => Err(self.err(key, "expected a list of strings")),
        }
    }

    /// A key binding: one string (`approve = "a"`) or a list of strings.
    pub fn as_string_or_list(&self, key: &[String]) -> Result<Vec<String>, ConfigError> {
        match &self.raw {
            Raw::Toml(toml::Value::String(s)) => Ok(vec![s.clone()]),
            _ => self
                .as_string_list(key)
                .map_err(|_| self.err(key, "expected a key or a list of keys")),
        }
    }

    /// An error about this entry's value, for validation done by the caller.
    pub fn invalid(&self, key: &[String], reason: impl Into<String>) -> ConfigError {
        self.err(key, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_nested_tables_and_quoted_keys() {
        let layer = Layer::from_toml(
            "timezone = \"UTC\"\n[budget.prices.\"gpt-4.1\"]\ninput_per_m = 2\n",
            Path::new("/c.toml"),
        )
        .unwrap();
        let key: KeyPath = vec![
            "budget".into(),
            "prices".into(),
            "gpt-4.1".into(),
            "input_per_m".into(),
        ];
        assert!(layer.entries.contains_key(&key));
        assert_eq!(display_key(&key), "budget.prices.\"gpt-4.1\".input_per_m");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = Layer::from_toml("a = 1\nb = = 2\n", Path::new("/c.toml")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("/c.toml: not valid TOML: line 2, column"),
            "{text}"
        );
        assert!(!text.contains('\n'), "one line: {text}");
    }

    #[test]
    fn later_layers_win() {
        let mut a = Layer::default();
        a.set_text(&["theme"], "dark", Origin::Env("XBOT_THEME".into()));
        let mut b = Layer::default();
        b.set_text(&["theme"], "mono", Origin::Flag("--theme".into()));
        let merged = a.merge(b);
        let entry = &merged.entries[&vec!["theme".to_string()]];
        assert_eq!(entry.raw, Raw::Text("mono".into()));
        assert_eq!(entry.origin.to_string(), "flag --theme");
    }
}
