//! pvc-contract (validating and mutating): the platform's storage contract for
//! PersistentVolumeClaims and StatefulSet `volumeClaimTemplates` (allowed classes, the default
//! class set when none is named, size caps and access modes per class), StatefulSets that mount
//! standalone claims, and, with `checkWorkloadClaims`, Deployments whose roll-out would deadlock
//! on a ReadWriteOnce claim (read through the host).
//!
//! This crate is the waPC glue; the rules live in `upstream-first-rules`.

mod settings;

use std::collections::BTreeSet;

use kubewarden_policy_sdk::host_capabilities::kubernetes::{GetResourceRequest, get_resource};
use serde_json::Value;
use upstream_first_rules::evaluation::{Findings, Policy, Review};
use upstream_first_rules::podspec::PersistentVolumeClaim;
use upstream_first_rules::storage::{
    ClaimContext, ClaimReader, PERSISTENT_VOLUME_CLAIM, check_storage, effective_access_modes,
};

use crate::settings::Settings;

pub const POLICY_NAME: &str = "pvc-contract";

/// How the host says an object does not exist: policy-server's text, and the API server's.
const NOT_FOUND_ERRORS: [&str; 2] = ["Cannot find", "not found"];
/// The only fields the access-mode check reads.
const CLAIM_FIELD_MASKS: [&str; 2] = ["spec.accessModes", "status.accessModes"];

/// The policy. Native builds (fuzzing, tests) call
/// `upstream_first_rules::evaluation::validate::<PvcContract>` directly.
pub struct PvcContract;

impl Policy for PvcContract {
    const NAME: &'static str = POLICY_NAME;
    type Settings = Settings;

    fn check(settings: &Settings, review: &Review, object: &Value) -> Result<Findings, String> {
        let display = review.display();
        let context = ClaimContext {
            display: &display,
            namespace: &review.namespace,
            creating: review.request.operation == "CREATE",
        };
        check_storage(settings, &context, review.kind, object, &HostClaims)
    }
}

/// Reads PersistentVolumeClaims through the host's `kubernetes/get_resource` capability.
struct HostClaims;

impl ClaimReader for HostClaims {
    fn access_modes(&self, namespace: &str, name: &str) -> Result<Option<Vec<String>>, String> {
        let request = GetResourceRequest {
            api_version: "v1".to_string(),
            kind: PERSISTENT_VOLUME_CLAIM.to_string(),
            name: name.to_string(),
            namespace: Some(namespace.to_string()),
            disable_cache: false,
            field_masks: Some(
                CLAIM_FIELD_MASKS
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<BTreeSet<_>>(),
            ),
        };
        match get_resource::<PersistentVolumeClaim>(&request) {
            Ok(claim) => Ok(Some(effective_access_modes(&claim))),
            Err(e) => {
                let message = e.to_string();
                if NOT_FOUND_ERRORS.iter().any(|n| message.contains(n)) {
                    Ok(None)
                } else {
                    Err(message)
                }
            }
        }
    }
}

upstream_first_rules::register_policy!(PvcContract);

#[cfg(test)]
upstream_first_rules::policy_fuzz_replay!(crate::PvcContract, "policy_pvc_contract");
