//! The response side of the protocol: what the guest answers, and what the host prints.
//!
//! [`AdmissionResponse`] is, field for field and attribute for attribute, policy-evaluator's
//! `admission_response.rs`, which is what `kwctl run` serialises with `serde_json::to_string`.
//! Note that this means `auditAnnotations` and `warnings` are printed as `null` when absent,
//! while `patchType`, `patch` and `status` are omitted: that asymmetry is kwctl's output.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `ValidationResponse` a guest answers to `validate`
/// (kubewarden-policy-sdk `src/response.rs`; fields in snake_case).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValidationResponse {
    /// Whether the request is accepted.
    pub accepted: bool,
    /// Message shown when the request is rejected.
    pub message: Option<String>,
    /// Code shown when the request is rejected.
    pub code: Option<u16>,
    /// The mutated object, for mutating policies.
    pub mutated_object: Option<Value>,
    /// Audit annotations to add to the audit log.
    pub audit_annotations: Option<HashMap<String, String>>,
    /// Warnings returned to the API client.
    pub warnings: Option<Vec<String>>,
}

/// The answer of a guest to `validate_settings` (kubewarden-policy-sdk `src/settings.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsValidationResponse {
    /// Whether the settings are valid.
    pub valid: bool,
    /// Why the settings are invalid.
    pub message: Option<String>,
}

/// The `admission.k8s.io/v1` AdmissionResponse, exactly as `kwctl run` prints it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    /// The `uid` of the request.
    pub uid: String,
    /// Whether the request is admitted.
    pub allowed: bool,
    /// `"JSONPatch"` when the policy mutated the object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<String>,
    /// Base64 of the RFC 6902 patch from the request object to the mutated object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    /// Why the request was rejected: only present when the policy gave a message or a code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<AdmissionResponseStatus>,
    /// Audit annotations (serialised as `null` when absent, like kwctl).
    pub audit_annotations: Option<HashMap<String, String>>,
    /// Warnings (serialised as `null` when absent, like kwctl).
    pub warnings: Option<Vec<String>>,
}

/// The `status` of an [`AdmissionResponse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdmissionResponseStatus {
    /// Human-readable reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Suggested HTTP code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
}

/// The only patch type Kubernetes accepts from admission webhooks.
pub const JSON_PATCH: &str = "JSONPatch";

/// Message of policy-evaluator when a policy mutates the (null) object of a DELETE.
pub const MUTATION_OF_NULL_OBJECT: &str = "Incoming object is null, which happens only with DELETE operations, but the policy is attempting a mutation. This is not allowed";

/// Why the `patch` of a response could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum PatchDecodeError {
    /// The response has no patch.
    #[error("the response has no patch")]
    Missing,
    /// The patch is not valid base64.
    #[error("the patch is not valid base64: {0}")]
    Base64(#[source] base64::DecodeError),
    /// The decoded patch is not an RFC 6902 JSON patch.
    #[error("the decoded patch is not a JSON patch: {0}")]
    Json(#[source] serde_json::Error),
}

impl AdmissionResponse {
    /// A rejection with the given message and code.
    #[must_use]
    pub fn reject(uid: impl Into<String>, message: impl Into<String>, code: u16) -> Self {
        Self {
            uid: uid.into(),
            allowed: false,
            status: Some(AdmissionResponseStatus {
                message: Some(message.into()),
                code: Some(code),
            }),
            ..Self::default()
        }
    }

    /// What policy-server answers when the evaluation itself failed (trap, deadline, guest
    /// error, unreadable answer): `internal server error: <message>` with code 500.
    #[must_use]
    pub fn reject_internal_server_error(uid: impl Into<String>, message: impl AsRef<str>) -> Self {
        Self::reject(
            uid,
            format!("internal server error: {}", message.as_ref()),
            500,
        )
    }

    /// Builds the response from the guest's answer, as policy-evaluator does: `status` only when
    /// the guest gave a message or a code, and for a mutation the base64 of
    /// `json_patch::diff(request object, mutated object)` (no patch when the diff is empty).
    pub fn from_validation_response(
        uid: impl Into<String>,
        request_object: Option<&Value>,
        response: ValidationResponse,
    ) -> Result<Self, serde_json::Error> {
        let uid = uid.into();
        let patch = match (&response.mutated_object, request_object) {
            (Some(_), None) => {
                return Ok(Self {
                    uid,
                    allowed: false,
                    status: Some(AdmissionResponseStatus {
                        message: Some(MUTATION_OF_NULL_OBJECT.to_owned()),
                        code: None,
                    }),
                    ..Self::default()
                });
            }
            (Some(mutated), Some(original)) => {
                let diff = json_patch::diff(original, mutated);
                if diff.0.is_empty() {
                    None
                } else {
                    Some(BASE64.encode(serde_json::to_string(&diff)?))
                }
            }
            (None, _) => None,
        };
        let status = (response.message.is_some() || response.code.is_some()).then_some(
            AdmissionResponseStatus {
                message: response.message,
                code: response.code,
            },
        );
        Ok(Self {
            uid,
            allowed: response.accepted,
            patch_type: patch.as_ref().map(|_| JSON_PATCH.to_owned()),
            patch,
            status,
            audit_annotations: response.audit_annotations,
            warnings: response.warnings,
        })
    }

    /// Decodes `patch` (base64 of a JSON patch) back into a [`json_patch::Patch`].
    pub fn decoded_patch(&self) -> Result<json_patch::Patch, PatchDecodeError> {
        serde_json::from_slice(&self.decoded_patch_bytes()?).map_err(PatchDecodeError::Json)
    }

    /// Decodes `patch` into plain JSON (an array of RFC 6902 operations), handy in assertions.
    pub fn decoded_patch_json(&self) -> Result<Value, PatchDecodeError> {
        serde_json::from_slice(&self.decoded_patch_bytes()?).map_err(PatchDecodeError::Json)
    }

    fn decoded_patch_bytes(&self) -> Result<Vec<u8>, PatchDecodeError> {
        let patch = self.patch.as_deref().ok_or(PatchDecodeError::Missing)?;
        BASE64.decode(patch).map_err(PatchDecodeError::Base64)
    }

    /// The status message, if any.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        self.status.as_ref()?.message.as_deref()
    }

    /// The status code, if any.
    #[must_use]
    pub fn code(&self) -> Option<u16> {
        self.status.as_ref()?.code
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn accepted() -> ValidationResponse {
        ValidationResponse {
            accepted: true,
            message: None,
            code: None,
            mutated_object: None,
            audit_annotations: None,
            warnings: None,
        }
    }

    #[test]
    fn accepted_serialises_like_kwctl() {
        let response = AdmissionResponse::from_validation_response("uid-1", None, accepted())
            .expect("no patch to serialise");
        assert_eq!(
            serde_json::to_string(&response).expect("serialisable"),
            r#"{"uid":"uid-1","allowed":true,"auditAnnotations":null,"warnings":null}"#
        );
    }

    #[test]
    fn identical_mutated_object_gives_no_patch() {
        let object = json!({"metadata": {"name": "a"}});
        let response = AdmissionResponse::from_validation_response(
            "u",
            Some(&object),
            ValidationResponse {
                mutated_object: Some(object.clone()),
                ..accepted()
            },
        )
        .expect("serialisable");
        assert_eq!((response.patch, response.patch_type), (None, None));
        assert!(response.allowed);
    }

    #[test]
    fn mutation_of_null_object_is_refused() {
        let response = AdmissionResponse::from_validation_response(
            "u",
            None,
            ValidationResponse {
                mutated_object: Some(json!({})),
                ..accepted()
            },
        )
        .expect("serialisable");
        assert!(!response.allowed);
        assert_eq!(response.message(), Some(MUTATION_OF_NULL_OBJECT));
        assert_eq!(response.code(), None);
    }

    #[test]
    fn internal_server_error_wording() {
        let response = AdmissionResponse::reject_internal_server_error("u", "boom");
        assert_eq!(response.message(), Some("internal server error: boom"));
        assert_eq!(response.code(), Some(500));
        assert!(matches!(
            response.decoded_patch(),
            Err(PatchDecodeError::Missing)
        ));
    }
}
