//! The migration mappings of the catalog: for each component, how `upstream-first migrate`
//! writes its upstream replacement (a chart's values, or an operator's custom resources) from
//! the facts read off a hand-rolled workload.
//!
//! Written in `catalog/default-catalog.yaml` as each component's `migration:` block; `build.rs`
//! moves these blocks to their own JSON (so the policies never carry them) after checking them
//! with [`check_migration`]. Also compiled into `build.rs`: keep this file free of other crate
//! paths.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What `migrate` reads off the hand-rolled objects; the keys of `values:` and `fields:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fact {
    /// The workload's name (kept as the release's full name, so Service DNS names stay).
    Name,
    /// The server image's tag, as written.
    ImageTag,
    /// The tag's leading version (`16.4` of `16.4-bookworm`).
    ImageVersion,
    Replicas,
    /// The server container's `resources`.
    Resources,
    StorageSize,
    StorageClass,
    AccessModes,
    /// A standalone claim the workload mounts for its data.
    ExistingClaim,
    /// The port of the Service in front of the workload.
    ServicePort,
    Database,
    Username,
    /// The Secret the password variable referenced: carried by name, never its value.
    ExistingSecret,
    ExistingSecretPasswordKey,
    NodeSelector,
    Tolerations,
    Affinity,
    PodLabels,
    PodAnnotations,
}

impl Fact {
    pub const ALL: [Fact; 19] = [
        Fact::Name,
        Fact::ImageTag,
        Fact::ImageVersion,
        Fact::Replicas,
        Fact::Resources,
        Fact::StorageSize,
        Fact::StorageClass,
        Fact::AccessModes,
        Fact::ExistingClaim,
        Fact::ServicePort,
        Fact::Database,
        Fact::Username,
        Fact::ExistingSecret,
        Fact::ExistingSecretPasswordKey,
        Fact::NodeSelector,
        Fact::Tolerations,
        Fact::Affinity,
        Fact::PodLabels,
        Fact::PodAnnotations,
    ];

    /// The name as written in the catalog (`imageTag`).
    pub fn as_str(self) -> &'static str {
        match self {
            Fact::Name => "name",
            Fact::ImageTag => "imageTag",
            Fact::ImageVersion => "imageVersion",
            Fact::Replicas => "replicas",
            Fact::Resources => "resources",
            Fact::StorageSize => "storageSize",
            Fact::StorageClass => "storageClass",
            Fact::AccessModes => "accessModes",
            Fact::ExistingClaim => "existingClaim",
            Fact::ServicePort => "servicePort",
            Fact::Database => "database",
            Fact::Username => "username",
            Fact::ExistingSecret => "existingSecret",
            Fact::ExistingSecretPasswordKey => "existingSecretPasswordKey",
            Fact::NodeSelector => "nodeSelector",
            Fact::Tolerations => "tolerations",
            Fact::Affinity => "affinity",
            Fact::PodLabels => "podLabels",
            Fact::PodAnnotations => "podAnnotations",
        }
    }

    /// Whether the value is a string, the only kind `format` applies to.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Fact::Name
                | Fact::ImageTag
                | Fact::ImageVersion
                | Fact::StorageSize
                | Fact::StorageClass
                | Fact::ExistingClaim
                | Fact::Database
                | Fact::Username
                | Fact::ExistingSecret
                | Fact::ExistingSecretPasswordKey
        )
    }
}

/// A component's `migration:` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Migration {
    /// The server environment variables that carry the database, user and password.
    #[serde(default)]
    pub env: MigrationEnv,
    /// The replacements, in the order of the component's replacement summary: the first is
    /// the default.
    pub targets: Vec<MigrationTarget>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MigrationEnv {
    #[serde(default)]
    pub database: Vec<String>,
    #[serde(default)]
    pub username: Vec<String>,
    /// Only a `secretKeyRef` of these is carried (its Secret name and key), never a value.
    #[serde(default)]
    pub password: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum MigrationTarget {
    Chart(ChartTarget),
    Operator(OperatorTarget),
}

/// An upstream Helm chart at a pinned version, and where each fact goes in its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChartTarget {
    pub chart: String,
    /// `https://` index or `oci://` registry path (without the chart name).
    pub repository: String,
    pub version: String,
    #[serde(default)]
    pub values: BTreeMap<Fact, FieldMapping>,
    /// Constant values the mapped ones need.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub set: Value,
    /// How the data moves when the chart cannot adopt the claim (Markdown, with placeholders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_move: Option<String>,
}

/// An operator and the custom resources that replace the workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperatorTarget {
    /// The operator's name (`CloudNativePG`).
    pub operator: String,
    /// Where its installation is documented.
    pub install: String,
    pub resources: Vec<ResourceTemplate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_move: Option<String>,
}

/// One custom resource: its constant part (`{name}` in a string is the workload's name) and
/// where each fact goes in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceTemplate {
    pub template: Value,
    #[serde(default)]
    pub fields: BTreeMap<Fact, FieldMapping>,
}

/// A dotted path (`primary.persistence.size`; `\.` for a dot inside a key, a number for a list
/// index), or the path with a format whose `{}` is the fact's value and whether the field takes
/// only a full `X.Y.Z` version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldMapping {
    Path(String),
    Detailed(DetailedMapping),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DetailedMapping {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The field takes `X.Y.Z` only (a CRD pattern, or an operator that parses strict semver):
    /// a shorter version (`8.4` of `mysql:8.4`) is not carried.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub full_version: bool,
}

impl FieldMapping {
    pub fn path(&self) -> &str {
        match self {
            FieldMapping::Path(path) => path,
            FieldMapping::Detailed(detailed) => &detailed.path,
        }
    }

    pub fn format(&self) -> Option<&str> {
        match self {
            FieldMapping::Path(_) => None,
            FieldMapping::Detailed(detailed) => detailed.format.as_deref(),
        }
    }

    pub fn full_version(&self) -> bool {
        matches!(self, FieldMapping::Detailed(detailed) if detailed.full_version)
    }
}

/// Whether `version` is `X.Y.Z`, three numbers.
pub fn is_full_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// One step of a [`FieldMapping`] path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// Splits a dotted path: `a.b\.c.0` is `a`, `b.c`, list index 0. `None` for an empty path or
/// an empty step.
pub fn parse_path(path: &str) -> Option<Vec<PathStep>> {
    let mut keys = vec![String::new()];
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => push_char(&mut keys, chars.next().unwrap_or('\\')),
            '.' => keys.push(String::new()),
            _ => push_char(&mut keys, c),
        }
    }
    keys.into_iter()
        .map(|key| match key.parse::<usize>() {
            _ if key.is_empty() => None,
            Ok(index) => Some(PathStep::Index(index)),
            Err(_) => Some(PathStep::Key(key)),
        })
        .collect()
}

fn push_char(keys: &mut [String], c: char) {
    if let Some(last) = keys.last_mut() {
        last.push(c);
    }
}

/// What is wrong with a migration block, with the field path (`targets[1].values.imageTag`).
pub fn check_migration(migration: &Migration) -> Result<(), String> {
    if migration.targets.is_empty() {
        return Err("targets: must not be empty".to_string());
    }
    let check_fields = |prefix: &str, fields: &BTreeMap<Fact, FieldMapping>| {
        fields.iter().try_for_each(|(fact, mapping)| {
            let at = format!("{prefix}.{}", fact.as_str());
            parse_path(mapping.path()).ok_or_else(|| format!("{at}: not a dotted path"))?;
            if mapping.full_version() && !matches!(fact, Fact::ImageTag | Fact::ImageVersion) {
                return Err(format!(
                    "{at}: fullVersion on a value that is not a version"
                ));
            }
            match mapping.format() {
                Some(format) if !fact.is_text() => Err(format!(
                    "{at}: format {format:?} on a value that is not text"
                )),
                Some(format) if !format.contains("{}") => {
                    Err(format!("{at}: format {format:?} has no {{}}"))
                }
                _ => Ok(()),
            }
        })
    };
    for (i, target) in migration.targets.iter().enumerate() {
        match target {
            MigrationTarget::Chart(chart) => {
                let at = format!("targets[{i}]");
                if chart.chart.is_empty() || chart.version.is_empty() {
                    return Err(format!("{at}: chart and version must not be empty"));
                }
                if !["https://", "http://", "oci://"]
                    .iter()
                    .any(|scheme| chart.repository.starts_with(scheme))
                {
                    return Err(format!(
                        "{at}.repository: {:?} is not a chart repository URL",
                        chart.repository
                    ));
                }
                check_fields(&format!("{at}.values"), &chart.values)?;
            }
            MigrationTarget::Operator(operator) => {
                if operator.resources.is_empty() {
                    return Err(format!("targets[{i}].resources: must not be empty"));
                }
                for (r, resource) in operator.resources.iter().enumerate() {
                    let at = format!("targets[{i}].resources[{r}]");
                    let template = &resource.template;
                    if !template["apiVersion"].is_string() || !template["kind"].is_string() {
                        return Err(format!("{at}.template: needs apiVersion and kind"));
                    }
                    check_fields(&format!("{at}.fields"), &resource.fields)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_on_unescaped_dots_and_read_numbers_as_indexes() {
        assert_eq!(
            parse_path(r"spec.nodeSets.0.podLabels.app\.kubernetes\.io/name"),
            Some(vec![
                PathStep::Key("spec".into()),
                PathStep::Key("nodeSets".into()),
                PathStep::Index(0),
                PathStep::Key("podLabels".into()),
                PathStep::Key("app.kubernetes.io/name".into()),
            ])
        );
        assert_eq!(parse_path("a..b"), None);
        assert_eq!(parse_path(""), None);
    }
}
