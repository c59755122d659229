//! Turning a scanned object into the CREATE AdmissionRequest the API server would send.

use policy_host::ValidateRequest;
use policy_host::request::{AdmissionRequest, GroupVersionKind, GroupVersionResource, UserInfo};
use serde_json::{Value, json};

use crate::kinds::{group_version, is_cluster_scoped, resource_name};

/// The user a scan's requests come from.
pub const SCAN_USER: &str = "upstream-first";

/// The operation of every scanned object.
pub const CREATE: &str = "CREATE";

/// What identifies an object in messages and reports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (`None` for cluster-scoped objects).
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName` when only that is set).
    pub name: String,
}

impl ObjectId {
    /// Reads the identity of an object.
    #[must_use]
    pub fn of(object: &Value) -> Self {
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        let metadata = &object["metadata"];
        let name = metadata["name"]
            .as_str()
            .or_else(|| metadata["generateName"].as_str())
            .unwrap_or_default()
            .to_owned();
        Self {
            api_version: text(&object["apiVersion"]),
            kind: text(&object["kind"]),
            namespace: metadata["namespace"]
                .as_str()
                .filter(|namespace| !namespace.is_empty())
                .map(str::to_owned),
            name,
        }
    }
}

impl std::fmt::Display for ObjectId {
    /// `Kind namespace/name`, or `Kind name` for cluster-scoped objects: how the policies name
    /// objects in their messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{} {namespace}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Puts a namespaced object without a namespace in `default_namespace`, as `kubectl apply -n`
/// and the API server do before admission.
pub fn apply_default_namespace(object: &mut Value, default_namespace: &str) {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    if is_cluster_scoped(api_version, kind) {
        return;
    }
    let has_namespace = object["metadata"]["namespace"]
        .as_str()
        .is_some_and(|namespace| !namespace.is_empty());
    if has_namespace {
        return;
    }
    if let Some(map) = object.as_object_mut() {
        let metadata = map
            .entry("metadata")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if !metadata.is_object() {
            *metadata = Value::Object(serde_json::Map::new());
        }
        metadata["namespace"] = Value::from(default_namespace);
    }
}

fn group_version_kind_resource(
    api_version: &str,
    kind: &str,
) -> (GroupVersionKind, GroupVersionResource) {
    let (group, version) = group_version(api_version);
    (
        GroupVersionKind {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
        },
        GroupVersionResource {
            group: group.to_owned(),
            version: version.to_owned(),
            resource: resource_name(kind),
        },
    )
}

/// The CREATE AdmissionRequest of an object (whose namespace, if it needs one, is set).
///
/// With `converted_api_version`, the request is the one the API server sends a webhook
/// registered for an equivalent group/version: the object converted to it (its `apiVersion`
/// rewritten: the fields the policies read are the same in every version), with `requestKind`
/// and `requestResource` naming what was submitted.
#[must_use]
pub fn create_request(
    object: &Value,
    uid: String,
    converted_api_version: Option<&str>,
) -> ValidateRequest {
    let id = ObjectId::of(object);
    let (request_kind, request_resource) = group_version_kind_resource(&id.api_version, &id.kind);
    let (kind, resource, object) = match converted_api_version {
        Some(api_version) => {
            let (kind, resource) = group_version_kind_resource(api_version, &id.kind);
            let mut converted = object.clone();
            converted["apiVersion"] = Value::from(api_version);
            (kind, resource, converted)
        }
        None => (
            request_kind.clone(),
            request_resource.clone(),
            object.clone(),
        ),
    };
    let name = object["metadata"]["name"].as_str().map(str::to_owned);
    ValidateRequest::new(AdmissionRequest {
        uid,
        kind,
        resource,
        sub_resource: None,
        request_kind: Some(request_kind),
        request_resource: Some(request_resource),
        request_sub_resource: None,
        name,
        namespace: id.namespace,
        operation: CREATE.to_owned(),
        user_info: UserInfo {
            username: Some(SCAN_USER.to_owned()),
            groups: Some(vec!["system:authenticated".to_owned()]),
            ..UserInfo::default()
        },
        object: Some(object),
        old_object: None,
        dry_run: Some(false),
        options: Some(json!({"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"})),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn namespaced_objects_get_the_default_namespace() {
        let mut deployment =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        apply_default_namespace(&mut deployment, "team");
        assert_eq!(deployment["metadata"]["namespace"], "team");
        let mut namespace =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}});
        apply_default_namespace(&mut namespace, "team");
        assert!(namespace["metadata"].get("namespace").is_none());
        let mut kept =
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}});
        apply_default_namespace(&mut kept, "team");
        assert_eq!(kept["metadata"]["namespace"], "a");
        let mut no_metadata = json!({"apiVersion": "v1", "kind": "Pod"});
        apply_default_namespace(&mut no_metadata, "team");
        assert_eq!(no_metadata["metadata"]["namespace"], "team");
    }

    #[test]
    fn requests_carry_group_version_kind_and_resource() {
        let object = json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                            "metadata": {"name": "np", "namespace": "a"}});
        let request = create_request(&object, "uid-1".into(), None);
        let request = request.admission_request();
        assert_eq!(request.kind.group, "networking.k8s.io");
        assert_eq!(request.kind.version, "v1");
        assert_eq!(request.resource.resource, "networkpolicies");
        assert_eq!(request.namespace.as_deref(), Some("a"));
        assert_eq!(request.name.as_deref(), Some("np"));
        assert_eq!(request.operation, "CREATE");
        assert_eq!(ObjectId::of(&object).to_string(), "NetworkPolicy a/np");
    }

    #[test]
    fn converted_requests_name_what_was_submitted() {
        let object = json!({"apiVersion": "apps/v1beta1", "kind": "StatefulSet",
                            "metadata": {"name": "es", "namespace": "a"}});
        let request = create_request(&object, "u".into(), Some("apps/v1"));
        let request = request.admission_request();
        assert_eq!(request.kind.version, "v1");
        assert_eq!(request.resource.resource, "statefulsets");
        assert_eq!(
            request.request_kind.as_ref().map(|k| k.version.as_str()),
            Some("v1beta1")
        );
        assert_eq!(
            request.object.as_ref().map(|o| o["apiVersion"].clone()),
            Some(json!("apps/v1"))
        );
    }
}
