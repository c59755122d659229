//! The request side of the protocol: what the host accepts as input, and the exact `validate`
//! payload it sends to the guest.
//!
//! Mirrors kwctl (`src/run/evaluator.rs`, `build_validate_request`) and policy-evaluator
//! (`src/admission_request.rs`): the input is either a bare AdmissionRequest or a full
//! AdmissionReview (recognised by `kind: AdmissionReview`, whose `request` is then used); it is
//! parsed into the same typed `AdmissionRequest` as policy-evaluator, so the guest receives the
//! same normalised JSON as under `kwctl run` (unknown fields dropped, absent optional fields
//! omitted, a `null` object omitted).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

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

/// A request ready to be evaluated: the typed AdmissionRequest sent to the guest.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidateRequest {
    request: AdmissionRequest,
}

impl ValidateRequest {
    /// Wraps an already-typed AdmissionRequest.
    #[must_use]
    pub fn new(request: AdmissionRequest) -> Self {
        Self { request }
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
        let request =
            serde_json::from_value(request).map_err(RequestError::InvalidAdmissionRequest)?;
        Ok(Self { request })
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
        serde_json::to_vec(&json!({"request": &self.request, "settings": settings}))
    }
}

impl TryFrom<Value> for ValidateRequest {
    type Error = RequestError;

    fn try_from(value: Value) -> Result<Self, Self::Error> {
        Self::from_value(value)
    }
}
