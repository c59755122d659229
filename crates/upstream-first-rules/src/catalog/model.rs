//! The catalog's data types, as written in `catalog/default-catalog.yaml` and in settings.
//!
//! Also compiled into `build.rs` (with `error.rs` and `check.rs`), so the default catalog is
//! checked at build time by the types and rules the policies use: keep this file free of
//! other crate paths.

use serde::{Deserialize, Deserializer, Serialize};

/// The classes, as written.
pub const CLASSES: [&str; 2] = ["datastore", "application"];

/// Whether a component is a datastore (`no-raw-datastores`) or an application
/// (`require-upstream-chart`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentClass {
    Datastore,
    Application,
}

impl ComponentClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentClass::Datastore => CLASSES[0],
            ComponentClass::Application => CLASSES[1],
        }
    }
}

/// By hand, so a typo reads `unknown variant "db", expected "datastore" or "application"`
/// (serde's derive quotes with backticks).
impl<'de> Deserialize<'de> for ComponentClass {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let class = String::deserialize(deserializer)?;
        match class.as_str() {
            "datastore" => Ok(ComponentClass::Datastore),
            "application" => Ok(ComponentClass::Application),
            other => Err(serde::de::Error::custom(format!(
                "unknown variant \"{other}\", expected \"{}\" or \"{}\"",
                CLASSES[0], CLASSES[1]
            ))),
        }
    }
}

/// One catalog entry: a datastore or application with an upstream chart or operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Component {
    /// Stable identifier (`postgresql`), lower-case letters, digits and `-`.
    pub id: String,
    /// Name shown in messages (`PostgreSQL`).
    pub display_name: String,
    pub class: ComponentClass,
    /// Image repositories, registry-independent and Docker-normalised (`library/postgres`,
    /// `bitnami/postgresql`, `cloudnative-pg/postgresql` for `ghcr.io/cloudnative-pg/postgresql`).
    pub images: Vec<String>,
    #[serde(default)]
    pub sources: Sources,
    #[serde(default)]
    pub signals: Signals,
    pub replacement: Replacement,
}

/// The upstream sources that may legitimately produce the component's workloads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sources {
    /// Helm charts, each with the images it runs.
    #[serde(default)]
    pub charts: Vec<ChartSource>,
    /// Operator kinds that own the workloads they create.
    #[serde(default)]
    pub operators: Vec<OperatorOwner>,
    /// `app.kubernetes.io/part-of` values of vendor install bundles (`argocd`).
    #[serde(default)]
    pub bundles: Vec<String>,
}

/// A Helm chart and the images it runs: a local chart that happens to be called `kafka` but
/// runs `apache/kafka` is not the upstream `kafka` chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChartSource {
    /// Chart name, as in the `helm.sh/chart` label (`postgresql`).
    pub name: String,
    /// The component's image repositories this chart runs.
    pub images: Vec<String>,
    /// Chart repository (`https://…` index or `oci://…`).
    pub repository: String,
}

/// An operator kind that owns the workloads it creates (`postgresql.cnpg.io` `Cluster`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperatorOwner {
    /// API group, without version (`postgresql.cnpg.io`).
    pub group: String,
    pub kind: String,
}

/// What a container running the component's server looks like when its image is not known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Signals {
    /// Server ports (`5432`).
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Data directories mounted as volumes (`/var/lib/postgresql/data`).
    #[serde(default)]
    pub data_paths: Vec<String>,
    /// Environment variables only a server reads (`PGDATA`, `KAFKA_PROCESS_ROLES`).
    #[serde(default)]
    pub server_env: Vec<String>,
    /// Words that name the component inside an image tag (`kafka` in `2.1.3-kafka`).
    #[serde(default)]
    pub tag_hints: Vec<String>,
    /// Client programs (`psql`, `kafka-topics.sh`; a program and its subcommand when the
    /// server binary doubles as client: `cockroach sql`). Their containers are clients.
    #[serde(default)]
    pub clients: Vec<String>,
    /// Server programs (`postgres`, `redis-server`, `kafka-server-start.sh`; a program and its
    /// subcommand when one binary is both: `cockroach start`, `minio server`). A container
    /// whose command runs one is not a client container, whatever clients it also runs.
    #[serde(default)]
    pub servers: Vec<String>,
}

/// The recommended replacement for a hand-written workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Replacement {
    /// What to use instead (`the CloudNativePG operator (Cluster CR) or the bitnami/postgresql
    /// Helm chart`).
    pub summary: String,
    /// Documentation URL.
    pub url: String,
}

/// A settings addition to the catalog. For a built-in `id`, every field given is merged into
/// the built-in entry (lists extended, scalars replaced); a new `id` needs `displayName`,
/// `class`, `images` and `replacement` (`summary` and `url`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComponentPatch {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub class: Option<ComponentClass>,
    /// Repositories; written like images (`postgres`, `ghcr.io/org/app`), stored normalised.
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub sources: Sources,
    #[serde(default)]
    pub signals: Signals,
    #[serde(default)]
    pub replacement: Option<ReplacementPatch>,
}

/// The replacement fields a settings addition sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplacementPatch {
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// The catalog file: `components: [...]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogFile {
    pub components: Vec<Component>,
}
