//! Finding the pod spec inside every pod-producing kind.
//!
//! The rules read a handful of fields, so they use small tolerant views instead of the
//! full `k8s-openapi` types: unknown or future fields never fail a decision, and the
//! policies stay small when compiled to WebAssembly. A field of the wrong type is still
//! an error, reported with its path. Objects are read as the API server reads them: a
//! field whose value is `null` is absent (`helm template` renders `env:` with no items as
//! `env: null`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// The kinds whose objects carry a pod template (or are a pod).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    Pod,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    ReplicationController,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 8] = [
        WorkloadKind::Pod,
        WorkloadKind::Deployment,
        WorkloadKind::ReplicaSet,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
        WorkloadKind::ReplicationController,
    ];

    pub fn from_kind(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::ReplicationController => "ReplicationController",
        }
    }

    /// Where the pod template sits in an object of this kind; empty for a Pod, whose own
    /// metadata and spec are the "template".
    pub fn template_path(self) -> &'static [&'static str] {
        match self {
            WorkloadKind::Pod => &[],
            WorkloadKind::CronJob => &["spec", "jobTemplate", "spec", "template"],
            _ => &["spec", "template"],
        }
    }

    /// Kinds whose pods run until stopped, as opposed to run-to-completion Jobs.
    pub fn is_long_running(self) -> bool {
        !matches!(self, WorkloadKind::Job | WorkloadKind::CronJob)
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectMeta {
    pub name: Option<String>,
    pub generate_name: Option<String>,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub owner_references: Vec<OwnerReference>,
    pub deletion_timestamp: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerReference {
    pub api_version: Option<String>,
    pub kind: String,
    pub name: String,
    pub controller: Option<bool>,
}

impl OwnerReference {
    /// The API group of the owner, `None` when the reference carries no apiVersion.
    pub fn group(&self) -> Option<&str> {
        self.api_version
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| v.rsplit_once('/').map_or("", |(group, _)| group))
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub volumes: Vec<Volume>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    pub ports: Vec<ContainerPort>,
    pub volume_mounts: Vec<VolumeMount>,
    pub working_dir: Option<String>,
}

impl Container {
    /// The container's literal environment (`value`, not `valueFrom`).
    pub fn literal_env(&self) -> BTreeMap<&str, &str> {
        self.env
            .iter()
            .filter_map(|e| e.value.as_deref().map(|v| (e.name.as_str(), v)))
            .collect()
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerPort {
    pub container_port: i64,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    pub sub_path: Option<String>,
    /// A sub path built from environment variables at runtime: unknown to the rules.
    pub sub_path_expr: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Volume {
    pub name: String,
    pub persistent_volume_claim: Option<PvcVolumeSource>,
    pub config_map: Option<ConfigMapVolumeSource>,
    pub projected: Option<ProjectedVolumeSource>,
}

/// A projected volume. Only its ConfigMap sources are read; any other source (Secret,
/// downward API, service account token, …) has `config_map: None`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectedVolumeSource {
    pub sources: Vec<VolumeProjection>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeProjection {
    pub config_map: Option<ConfigMapVolumeSource>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PvcVolumeSource {
    pub claim_name: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ConfigMapVolumeSource {
    pub name: String,
    pub items: Vec<KeyToPath>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct KeyToPath {
    pub key: String,
    pub path: String,
}

/// A PersistentVolumeClaim, or one of a StatefulSet's `volumeClaimTemplates`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PersistentVolumeClaim {
    pub metadata: ObjectMeta,
    pub spec: PersistentVolumeClaimSpec,
    pub status: PersistentVolumeClaimStatus,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PersistentVolumeClaimSpec {
    /// `None` when absent or null; `Some("")` asks for static binding.
    pub storage_class_name: Option<String>,
    pub access_modes: Vec<String>,
    pub resources: VolumeResourceRequirements,
    pub volume_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeResourceRequirements {
    /// Quantities stay raw JSON, so a malformed one is reported by the rule that reads it.
    pub requests: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PersistentVolumeClaimStatus {
    /// The access modes of the bound volume.
    pub access_modes: Vec<String>,
}

/// The controller fields of a Deployment or StatefulSet `spec` besides its pod template.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ControllerSpec {
    pub replicas: Option<i64>,
    pub strategy: Option<DeploymentStrategy>,
    pub volume_claim_templates: Vec<PersistentVolumeClaim>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentStrategy {
    #[serde(rename = "type")]
    pub strategy_type: Option<String>,
}

/// Reads a PersistentVolumeClaim object.
pub fn persistent_volume_claim(object: &Value) -> Result<PersistentVolumeClaim, ObjectError> {
    read_at(object, &[])
}

/// Reads the controller fields of a Deployment or StatefulSet.
pub fn controller_spec(object: &Value) -> Result<ControllerSpec, ObjectError> {
    read_at(object, &["spec"])
}

/// Reads a StatefulSet's `spec.volumeClaimTemplates` alone.
pub fn volume_claim_templates(object: &Value) -> Result<Vec<PersistentVolumeClaim>, ObjectError> {
    read_at(object, &["spec", "volumeClaimTemplates"])
}

/// Reads the pod template's volumes alone (cheaper than the whole [`Workload`]).
pub fn pod_volumes(kind: WorkloadKind, object: &Value) -> Result<Vec<Volume>, ObjectError> {
    let path: Vec<&str> = kind
        .template_path()
        .iter()
        .copied()
        .chain(["spec", "volumes"])
        .collect();
    read_at(object, &path)
}

/// A pod-producing object, read down to its pod template.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub metadata: ObjectMeta,
    /// The pod template's metadata (the object's own metadata for a Pod).
    pub template_metadata: ObjectMeta,
    pub pod_spec: PodSpec,
}

/// A field of the object has a type the rules cannot read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ObjectError {
    pub path: String,
    pub message: String,
}

impl Workload {
    /// Reads a workload of `kind` from `object`; `Ok(None)` for kinds without a pod spec.
    pub fn from_object(kind: &str, object: &Value) -> Result<Option<Self>, ObjectError> {
        let Some(kind) = WorkloadKind::from_kind(kind) else {
            return Ok(None);
        };
        let metadata = read_at(object, &["metadata"])?;
        let template = descend(object, kind.template_path());
        let (template_metadata, pod_spec) = match template {
            Some(template) => (
                read_at(template, &["metadata"]).map_err(|e| prefixed(kind, e))?,
                read_at(template, &["spec"]).map_err(|e| prefixed(kind, e))?,
            ),
            None => Default::default(),
        };
        Ok(Some(Workload {
            kind,
            metadata,
            template_metadata,
            pod_spec,
        }))
    }

    /// Long-running containers (init containers excluded).
    pub fn containers(&self) -> &[Container] {
        &self.pod_spec.containers
    }

    /// The label value of the object, falling back to the pod template's labels.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.metadata
            .labels
            .get(key)
            .or_else(|| self.template_metadata.labels.get(key))
            .map(String::as_str)
    }

    /// The controller owner reference, when another controller manages this object.
    pub fn controller_owner(&self) -> Option<&OwnerReference> {
        self.metadata
            .owner_references
            .iter()
            .find(|o| o.controller == Some(true))
    }
}

/// Reads the object's metadata alone, for kinds without a pod spec.
pub fn object_metadata(object: &Value) -> Result<ObjectMeta, ObjectError> {
    read_at(object, &["metadata"])
}

/// `Kind namespace/name` (or `Kind name` for cluster-scoped objects), as messages name objects.
pub fn display_name(kind: &str, metadata: &ObjectMeta, request_namespace: &str) -> String {
    let name = metadata
        .name
        .as_deref()
        .or(metadata.generate_name.as_deref())
        .unwrap_or("<unnamed>");
    let namespace = metadata
        .namespace
        .as_deref()
        .filter(|ns| !ns.is_empty())
        .unwrap_or(request_namespace);
    if namespace.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {namespace}/{name}")
    }
}

fn descend<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

fn read_at<T: for<'de> Deserialize<'de> + Default>(
    value: &Value,
    path: &[&str],
) -> Result<T, ObjectError> {
    match descend(value, path) {
        None => Ok(T::default()),
        Some(found) => {
            serde_path_to_error::deserialize(&*without_null_fields(found)).map_err(|e| {
                let inner = e.path().to_string();
                let mut full = path.join(".");
                if inner != "." {
                    if !full.is_empty() && !inner.starts_with('[') {
                        full.push('.');
                    }
                    full.push_str(&inner);
                }
                ObjectError {
                    path: full,
                    message: e.into_inner().to_string(),
                }
            })
        }
    }
}

/// `value` without its `null` fields, at any depth: the API server decodes `"env": null` as
/// an absent `env`. Borrowed, without a copy, when there is none (the common case).
pub fn without_null_fields(value: &Value) -> Cow<'_, Value> {
    if has_null_field(value) {
        let mut owned = value.clone();
        remove_null_fields(&mut owned);
        Cow::Owned(owned)
    } else {
        Cow::Borrowed(value)
    }
}

fn has_null_field(value: &Value) -> bool {
    match value {
        Value::Object(fields) => fields.values().any(|v| v.is_null() || has_null_field(v)),
        Value::Array(items) => items.iter().any(has_null_field),
        _ => false,
    }
}

/// List items stay: a `null` item is not an absent field, and the API server refuses it
/// where it wants an object (a `containers: [null]` pod has no container name).
fn remove_null_fields(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.retain(|_, v| !v.is_null());
            fields.values_mut().for_each(remove_null_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_null_fields),
        _ => {}
    }
}

fn prefixed(kind: WorkloadKind, e: ObjectError) -> ObjectError {
    let prefix = kind.template_path().join(".");
    ObjectError {
        path: if prefix.is_empty() {
            e.path
        } else {
            format!("{prefix}.{}", e.path)
        },
        message: e.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case::deployment("Deployment", json!({"spec": {"template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres"}]}}}}))]
    #[case::cronjob("CronJob", json!({"spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres"}]}}}}}}))]
    #[case::pod("Pod", json!({"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres"}]}}))]
    fn finds_the_pod_template(#[case] kind: &str, #[case] object: Value) {
        let workload = Workload::from_object(kind, &object).unwrap().unwrap();
        assert_eq!(workload.containers()[0].image.as_deref(), Some("postgres"));
        assert_eq!(workload.template_metadata.labels["app"], "db");
    }

    #[test]
    fn kinds_without_pod_spec_are_none() {
        assert_eq!(
            Workload::from_object("ConfigMap", &json!({})).unwrap(),
            None
        );
    }

    #[test]
    fn wrong_types_name_the_path() {
        let object = json!({"spec": {"template": {"spec": {"containers": [{"name": "db", "ports": [{"containerPort": "x"}]}]}}}});
        let err = Workload::from_object("StatefulSet", &object).unwrap_err();
        assert_eq!(
            err.path,
            "spec.template.spec.containers[0].ports[0].containerPort"
        );
        assert_eq!(err.message, "invalid type: string \"x\", expected i64");
    }

    #[rstest]
    #[case(Some("postgresql.cnpg.io/v1"), Some("postgresql.cnpg.io"))]
    #[case(Some("v1"), Some(""))]
    #[case(None, None)]
    #[case(Some(""), None)]
    fn owner_group(#[case] api_version: Option<&str>, #[case] group: Option<&str>) {
        let owner = OwnerReference {
            api_version: api_version.map(str::to_string),
            ..Default::default()
        };
        assert_eq!(owner.group(), group);
    }

    #[rstest]
    #[case(json!({"name": "db", "namespace": "data"}), "", "StatefulSet data/db")]
    #[case(json!({"name": "db"}), "team", "StatefulSet team/db")]
    #[case(json!({"generateName": "db-"}), "", "StatefulSet db-")]
    fn display_names(#[case] metadata: Value, #[case] ns: &str, #[case] expected: &str) {
        let metadata: ObjectMeta = serde_json::from_value(metadata).unwrap();
        assert_eq!(display_name("StatefulSet", &metadata, ns), expected);
    }
}
