//! The request side of the protocol: what the host accepts as input, and the exact `validate`
//! payload it sends to the guest.
//!
//! Mirrors kwctl (`src/run/evaluator.rs`, `build_validate_request`) and policy-evaluator
//! (`src/admission_request.rs`): the input is either a bare AdmissionRequest or a full
//! AdmissionReview (recognised by `kind: AdmissionReview`, whose `request` is then used); it is
//! parsed into the same typed `AdmissionRequest` as policy-evaluator, so the guest receives the
//! same normalised JSON as under `kwctl run` (unknown fields dropped, absent optional fields
//! omitted, a `null` object omitted).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Why the input could not be turned into a `validate` request. The messages are kwctl's.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The input is not valid JSON.
    #[error("the request is not valid JSON: {0}")]
    Json(#[source] serde_json::Error),

    /// The input is valid JSON but not an object.
    #[error("Invalid request object")]
    NotAnObject,

    /// An AdmissionReview without a `request`.
    #[error("invalid AdmissionReview object")]
    InvalidAdmissionReview,

    /// The request misses a required field of an AdmissionRequest, or has a field of the wrong
    /// type.
    #[error("cannot build AdmissionRequest object from given input: {0}")]
    InvalidAdmissionRequest(#[source] serde_json::Error),
}

/// `admission.k8s.io/v1` AdmissionRequest, with the same fields, optionality and serialisation
/// as policy-evaluator's `AdmissionRequest` (which is what kwctl and policy-server send).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// Identifier of the request, copied into the response.
    pub uid: String,
    /// Fully-qualified type of the object (for example `v1.Pod`).
    pub kind: GroupVersionKind,
    /// Fully-qualified resource being requested (for example `v1.pods`).
    pub resource: GroupVersionResource,
    /// Subresource being requested, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_resource: Option<String>,
    /// Type of the original API request, when a conversion happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_kind: Option<GroupVersionKind>,
    /// Resource of the original API request, when a conversion happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_resource: Option<GroupVersionResource>,
    /// Subresource of the original API request, when a conversion happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_sub_resource: Option<String>,
    /// Name of the object as presented in the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the request, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    /// The requesting user.
    pub user_info: UserInfo,
    /// The object of the request; absent (or `null`) for DELETE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<Value>,
    /// The existing object, for UPDATE and DELETE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_object: Option<Value>,
    /// Whether the request is a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// The operation options (CreateOptions, UpdateOptions, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
}

/// A Kubernetes group/version/kind triple.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupVersionKind {
    /// API group (empty for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

/// A Kubernetes group/version/resource triple.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupVersionResource {
    /// API group (empty for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Resource (plural, lowercase).
    pub resource: String,
}

/// `authentication.k8s.io/v1` UserInfo, serialised like k8s-openapi's (absent fields omitted).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// Extra attributes provided by the authenticator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<std::collections::BTreeMap<String, Vec<String>>>,
    /// Groups of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// Unique identifier of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Name of the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl AdmissionRequest {
    /// Reads an AdmissionRequest from its JSON object, as `serde_json::from_value` would, but
    /// moves `object`, `oldObject` and `options` into place instead of rebuilding them node by
    /// node: they are most of the request, and any JSON is valid there.
    fn from_map(mut map: Map<String, Value>) -> Result<Self, serde_json::Error> {
        // `Option<Value>` reads `null` as `None`.
        let mut take = |key: &str| map.remove(key).filter(|value| !value.is_null());
        let object = take("object");
        let old_object = take("oldObject");
        let options = take("options");
        let mut request: Self = serde_json::from_value(Value::Object(map))?;
        request.object = object;
        request.old_object = old_object;
        request.options = options;
        Ok(request)
    }
}

/// The request of the `validate` payload, serialised without an intermediate `Value`.
///
/// kwctl builds the payload as a `serde_json::Value`, whose maps are sorted, so every object is
/// written with its keys in alphabetical order. The fields of these views are declared in that
/// order, so that they give the same bytes while borrowing the typed request (`UserInfo`'s
/// fields already are in that order).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SortedAdmissionRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Option<bool>,
    kind: SortedGroupVersionKind<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_object: Option<&'a Value>,
    operation: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_kind: Option<SortedGroupVersionKind<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_resource: Option<SortedGroupVersionResource<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_sub_resource: Option<&'a str>,
    resource: SortedGroupVersionResource<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_resource: Option<&'a str>,
    uid: &'a str,
    user_info: &'a UserInfo,
}

#[derive(Serialize)]
struct SortedGroupVersionKind<'a> {
    group: &'a str,
    kind: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct SortedGroupVersionResource<'a> {
    group: &'a str,
    resource: &'a str,
    version: &'a str,
}

impl<'a> From<&'a GroupVersionKind> for SortedGroupVersionKind<'a> {
    fn from(gvk: &'a GroupVersionKind) -> Self {
        Self {
            group: &gvk.group,
            kind: &gvk.kind,
            version: &gvk.version,
        }
    }
}

impl<'a> From<&'a GroupVersionResource> for SortedGroupVersionResource<'a> {
    fn from(gvr: &'a GroupVersionResource) -> Self {
        Self {
            group: &gvr.group,
            resource: &gvr.resource,
            version: &gvr.version,
        }
    }
}

impl<'a> From<&'a AdmissionRequest> for SortedAdmissionRequest<'a> {
    fn from(request: &'a AdmissionRequest) -> Self {
        Self {
            dry_run: request.dry_run,
            kind: (&request.kind).into(),
            name: request.name.as_deref(),
            namespace: request.namespace.as_deref(),
            object: request.object.as_ref(),
            old_object: request.old_object.as_ref(),
            operation: &request.operation,
            options: request.options.as_ref(),
            request_kind: request.request_kind.as_ref().map(Into::into),
            request_resource: request.request_resource.as_ref().map(Into::into),
            request_sub_resource: request.request_sub_resource.as_deref(),
            resource: (&request.resource).into(),
            sub_resource: request.sub_resource.as_deref(),
            uid: &request.uid,
            user_info: &request.user_info,
        }
    }
}

/// A request ready to be evaluated: the typed AdmissionRequest sent to the guest.
///
/// Its JSON is written once, on first use, and reused by every evaluation (a scan sends the
/// same request to several policies).
#[derive(Clone, Debug)]
pub struct ValidateRequest {
    request: AdmissionRequest,
    json: OnceLock<Vec<u8>>,
}

impl PartialEq for ValidateRequest {
    fn eq(&self, other: &Self) -> bool {
        self.request == other.request
    }
}

impl ValidateRequest {
    /// Wraps an already-typed AdmissionRequest.
    #[must_use]
    pub fn new(request: AdmissionRequest) -> Self {
        Self {
            request,
            json: OnceLock::new(),
        }
    }

    /// Parses a bare AdmissionRequest or a full AdmissionReview, as `kwctl run --request-path`
    /// does.
    pub fn from_value(input: Value) -> Result<Self, RequestError> {
        let Value::Object(mut object) = input else {
            return Err(RequestError::NotAnObject);
        };
        let request = if object.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
            object
                .remove("request")
                .ok_or(RequestError::InvalidAdmissionReview)?
        } else {
            Value::Object(object)
        };
        let request = match request {
            Value::Object(map) => AdmissionRequest::from_map(map),
            other => serde_json::from_value(other),
        }
        .map_err(RequestError::InvalidAdmissionRequest)?;
        Ok(Self::new(request))
    }

    /// Parses JSON text, then see [`ValidateRequest::from_value`].
    pub fn from_json(input: &[u8]) -> Result<Self, RequestError> {
        Self::from_value(serde_json::from_slice(input).map_err(RequestError::Json)?)
    }

    /// The AdmissionRequest that will be sent to the guest.
    #[must_use]
    pub fn admission_request(&self) -> &AdmissionRequest {
        &self.request
    }

    /// The `uid` of the request, which the response carries.
    #[must_use]
    pub fn uid(&self) -> &str {
        &self.request.uid
    }

    /// The object the JSONPatch of a mutation is computed against (`None` for DELETE).
    #[must_use]
    pub fn object(&self) -> Option<&Value> {
        self.request.object.as_ref()
    }

    /// The exact `validate` payload: `{"request": <AdmissionRequest>, "settings": <settings>}`.
    pub fn validate_payload(&self, settings: &Value) -> Result<Vec<u8>, serde_json::Error> {
        let request = match self.json.get() {
            Some(json) => json,
            None => {
                let json = serde_json::to_vec(&SortedAdmissionRequest::from(&self.request))?;
                self.json.get_or_init(|| json)
            }
        };
        let mut payload = Vec::with_capacity(request.len() + 64);
        payload.extend_from_slice(b"{\"request\":");
        payload.extend_from_slice(request);
        payload.extend_from_slice(b",\"settings\":");
        serde_json::to_writer(&mut payload, settings)?;
        payload.push(b'}');
        Ok(payload)
    }
}

impl TryFrom<Value> for ValidateRequest {
    type Error = RequestError;

    fn try_from(value: Value) -> Result<Self, Self::Error> {
        Self::from_value(value)
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    fn full_request() -> Value {
        json!({
            "uid": "u-1",
            "kind": {"group": "apps", "version": "v1", "kind": "StatefulSet"},
            "resource": {"group": "apps", "version": "v1", "resource": "statefulsets"},
            "subResource": "scale",
            "requestKind": {"group": "apps", "version": "v1beta1", "kind": "StatefulSet"},
            "requestResource": {"group": "apps", "version": "v1beta1", "resource": "statefulsets"},
            "requestSubResource": "scale",
            "name": "db",
            "namespace": "data",
            "operation": "UPDATE",
            "userInfo": {"username": "alice", "uid": "42", "groups": ["dev", "ops"],
                         "extra": {"scopes": ["a", "b"]}},
            "object": {"metadata": {"name": "db", "labels": {"z": "1", "a": "2"}}, "spec": {"replicas": 3}},
            "oldObject": {"metadata": {"name": "db"}, "spec": {"replicas": 1}},
            "dryRun": true,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "UpdateOptions"},
            "unknownField": {"dropped": true}
        })
    }

    /// What the host sent before it serialised the payload directly: the typed request turned
    /// into a `Value` (sorted maps), then written out.
    fn payload_through_value(request: &AdmissionRequest, settings: &Value) -> Vec<u8> {
        let request = serde_json::to_value(request).expect("serialisable");
        serde_json::to_vec(&json!({"request": request, "settings": settings}))
            .expect("serialisable")
    }

    #[rstest]
    #[case::full(full_request())]
    #[case::minimal(json!({
        "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "operation": "DELETE", "userInfo": {}, "object": null, "oldObject": {"kind": "Pod"}
    }))]
    fn moving_the_objects_reads_what_the_typed_deserialisation_reads(#[case] input: Value) {
        let typed: AdmissionRequest =
            serde_json::from_value(input.clone()).expect("a valid request");
        let request = ValidateRequest::from_value(input).expect("a valid request");
        assert_eq!(request.admission_request(), &typed);
    }

    #[rstest]
    #[case::full(full_request(), json!({"b": [1, {"y": null, "x": "é\n"}], "a": 2}))]
    #[case::no_settings(full_request(), json!({}))]
    #[case::minimal(json!({
        "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "operation": "DELETE", "userInfo": {}, "object": null
    }), Value::Null)]
    fn the_payload_is_byte_for_byte_the_value_serialisation(
        #[case] input: Value,
        #[case] settings: Value,
    ) {
        let request = ValidateRequest::from_value(input).expect("a valid request");
        // The second payload reuses the request's JSON written for the first.
        for settings in [settings, json!({"other": "settings"})] {
            let payload = request.validate_payload(&settings).expect("serialisable");
            assert_eq!(
                String::from_utf8_lossy(&payload),
                String::from_utf8_lossy(&payload_through_value(
                    request.admission_request(),
                    &settings
                ))
            );
        }
    }

    #[rstest]
    #[case::missing_uid(json!({"operation": "CREATE"}))]
    #[case::wrong_type_beside_an_object(json!({
        "uid": 7, "object": {"kind": "Pod"}, "kind": {}, "resource": {}, "operation": "CREATE",
        "userInfo": {}
    }))]
    #[case::review_with_a_string_request(json!({"kind": "AdmissionReview", "request": "x"}))]
    fn invalid_requests_fail_as_the_typed_deserialisation_does(#[case] input: Value) {
        let request = match input.get("kind").and_then(Value::as_str) {
            Some("AdmissionReview") => input["request"].clone(),
            _ => input.clone(),
        };
        let expected = serde_json::from_value::<AdmissionRequest>(request)
            .expect_err("invalid")
            .to_string();
        let error = ValidateRequest::from_value(input).expect_err("invalid");
        assert_eq!(
            error.to_string(),
            format!("cannot build AdmissionRequest object from given input: {expected}")
        );
    }
}
