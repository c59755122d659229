//! Settings every policy shares, and the split of a settings document into the shared
//! part and the policy's own part.
//!
//! Settings belong to the platform team. Every error names the offending field, so
//! `validate_settings` tells the operator exactly what to fix.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The shared settings fields, removed from the document before the policy's own part is read.
pub const COMMON_FIELDS: [&str; 5] = [
    "exemptNamespaces",
    "exemptions",
    "allowAnnotationExemptions",
    "warnOnly",
    "enforceOnUpdate",
];

pub const SETTINGS_NOT_AN_OBJECT: &str = "settings: expected an object";
pub const EMPTY_REASON: &str = "must not be empty: say why the object is exempt";
pub const EMPTY_PATTERN: &str = "must not be empty (use \"*\" to match everything)";

/// How an UPDATE is judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnforceOnUpdate {
    /// Reject only violations the old object did not have, so legacy workloads can still be
    /// scaled and patched while they migrate.
    #[default]
    NewViolations,
    /// Reject every violating UPDATE.
    Always,
}

/// An object the platform team exempts, with the reason shown to its authors.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Exemption {
    /// Namespace glob (`*`, `team-?`, `data-*`).
    pub namespace: String,
    /// Object name glob.
    pub name: String,
    /// Kind, exact; any kind when absent.
    #[serde(default)]
    pub kind: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommonSettings {
    /// Namespace globs whose objects are accepted. `None` means the policy's default list.
    #[serde(default)]
    pub exempt_namespaces: Option<Vec<String>>,
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
    /// Honour `upstream-first.io/exempt` annotations written by workload authors.
    #[serde(default)]
    pub allow_annotation_exemptions: bool,
    /// Accept violations with warnings instead of rejecting them (for roll-out).
    #[serde(default)]
    pub warn_only: bool,
    #[serde(default)]
    pub enforce_on_update: EnforceOnUpdate,
}

impl CommonSettings {
    pub fn validate(&self) -> Result<(), String> {
        for (i, pattern) in self.exempt_namespaces.iter().flatten().enumerate() {
            if pattern.trim().is_empty() {
                return Err(format!("exemptNamespaces[{i}]: {EMPTY_PATTERN}"));
            }
        }
        for (i, exemption) in self.exemptions.iter().enumerate() {
            if exemption.namespace.trim().is_empty() {
                return Err(format!("exemptions[{i}].namespace: {EMPTY_PATTERN}"));
            }
            if exemption.name.trim().is_empty() {
                return Err(format!("exemptions[{i}].name: {EMPTY_PATTERN}"));
            }
            if exemption
                .kind
                .as_deref()
                .is_some_and(|k| k.trim().is_empty())
            {
                return Err(format!(
                    "exemptions[{i}].kind: must not be empty (leave it out to match every kind)"
                ));
            }
            if exemption.reason.trim().is_empty() {
                return Err(format!("exemptions[{i}].reason: {EMPTY_REASON}"));
            }
        }
        Ok(())
    }
}

/// A policy's own settings: checked after they are read.
pub trait Validate {
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Settings read from a document: the shared part and the policy's own.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings<T> {
    pub common: CommonSettings,
    pub policy: T,
}

/// Reads and validates a settings document (`null` means all defaults).
pub fn parse<T>(raw: &Value) -> Result<Settings<T>, String>
where
    T: DeserializeOwned + Validate,
{
    let mut own = match raw {
        Value::Null => Map::new(),
        Value::Object(map) => map.clone(),
        _ => return Err(SETTINGS_NOT_AN_OBJECT.to_string()),
    };
    let mut shared = Map::new();
    for field in COMMON_FIELDS {
        if let Some(value) = own.remove(field) {
            shared.insert(field.to_string(), value);
        }
    }
    let common: CommonSettings = deserialize(Value::Object(shared))?;
    let policy: T = deserialize(Value::Object(own))?;
    common.validate()?;
    policy.validate()?;
    Ok(Settings { common, policy })
}

/// Deserializes `value`, naming the path of the first bad field in the error.
pub fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        if path == "." {
            message
        } else {
            format!("{path}: {message}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Own {
        #[serde(default)]
        max_size: Option<String>,
    }
    impl Validate for Own {}

    #[test]
    fn null_settings_are_defaults() {
        let settings = parse::<Own>(&Value::Null).unwrap();
        assert_eq!(settings.common, CommonSettings::default());
        assert_eq!(
            settings.common.enforce_on_update,
            EnforceOnUpdate::NewViolations
        );
    }

    #[test]
    fn splits_shared_and_own_fields() {
        let settings =
            parse::<Own>(&json!({"warnOnly": true, "maxSize": "1Ti", "enforceOnUpdate": "always"}))
                .unwrap();
        assert!(settings.common.warn_only);
        assert_eq!(settings.common.enforce_on_update, EnforceOnUpdate::Always);
        assert_eq!(settings.policy.max_size.as_deref(), Some("1Ti"));
    }

    #[rstest]
    #[case(json!([]), SETTINGS_NOT_AN_OBJECT)]
    #[case(json!({"maxSise": "1"}), "maxSise: unknown field `maxSise`, expected `maxSize`")]
    #[case(json!({"warnOnly": "yes"}), "warnOnly: invalid type: string \"yes\", expected a boolean")]
    #[case(json!({"enforceOnUpdate": "sometimes"}), "enforceOnUpdate: unknown variant `sometimes`, expected `new-violations` or `always`")]
    #[case(json!({"exemptNamespaces": [""]}), "exemptNamespaces[0]: must not be empty (use \"*\" to match everything)")]
    #[case(json!({"exemptions": [{"namespace": "a", "name": "b", "reason": " "}]}), "exemptions[0].reason: must not be empty: say why the object is exempt")]
    #[case(json!({"exemptions": [{"namespace": "a", "name": "b"}]}), "exemptions[0]: missing field `reason`")]
    #[case(json!({"exemptions": [{"namespace": "a", "name": "", "reason": "r"}]}), "exemptions[0].name: must not be empty (use \"*\" to match everything)")]
    #[case(json!({"exemptions": [{"namespace": "a", "name": "b", "kind": "", "reason": "r"}]}), "exemptions[0].kind: must not be empty (leave it out to match every kind)")]
    #[case(json!({"exemptions": [{"namespace": "a", "name": "b", "reason": "r", "team": "x"}]}), "exemptions[0].team: unknown field `team`, expected one of `namespace`, `name`, `kind`, `reason`")]
    fn invalid_settings_name_the_field(#[case] raw: Value, #[case] expected: &str) {
        assert_eq!(parse::<Own>(&raw).unwrap_err(), expected);
    }
}
