//! `--format openreports` and `--format policyreport`: one report per resource, shaped as
//! Kubewarden's audit scanner writes them, so that tools reading the cluster's reports (Policy
//! Reporter, the Kubewarden UI) can read a scan's.
//!
//! - `openreports.io/v1alpha1` `Report` (namespaced resources) / `ClusterReport`;
//! - `wgpolicyk8s.io/v1alpha2` `PolicyReport` / `ClusterPolicyReport`.
//!
//! As the audit scanner: the report is named after the resource's uid (here a stable uid derived
//! from the resource, which a bundle has not been given yet) and owned by it; `scope` is the
//! resource; results have `source: kubewarden`, `policy` (`clusterwide-<name>` or
//! `namespaced-<namespace>-<name>`), `result` (`pass`, `fail`, `error`), `severity` (`info` for a
//! policy in monitor mode), `category`, `message`, `scored` and `properties`. The summary's
//! `skip` counts policies that target the kind but whose selectors leave the resource out.
//! Properties also carry where the resource was read (`upstream-first.io/file`, `…/line`).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::config::Mode;
use crate::report::{Evaluation, ScanReport, Verdict, stable_uuid};

/// `source` of every result.
pub const SOURCE: &str = "kubewarden";
/// Label naming who manages the report.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Label with the report format version.
pub const REPORT_VERSION_LABEL: &str = "kubewarden.io/policyreport-version";
/// Label with the scan's run uid.
pub const RUN_UID_LABEL: &str = "kubewarden.io/audit-scanner-run-uid";
/// Property with the file the resource was read from.
pub const FILE_PROPERTY: &str = "upstream-first.io/file";
/// Property with the line the resource starts on.
pub const LINE_PROPERTY: &str = "upstream-first.io/line";

/// Which report API to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportApi {
    /// `openreports.io/v1alpha1` Report / ClusterReport.
    OpenReports,
    /// `wgpolicyk8s.io/v1alpha2` PolicyReport / ClusterPolicyReport.
    WgPolicy,
}

impl ReportApi {
    fn api_version(self) -> &'static str {
        match self {
            Self::OpenReports => "openreports.io/v1alpha1",
            Self::WgPolicy => "wgpolicyk8s.io/v1alpha2",
        }
    }

    fn kind(self, namespaced: bool) -> &'static str {
        match (self, namespaced) {
            (Self::OpenReports, true) => "Report",
            (Self::OpenReports, false) => "ClusterReport",
            (Self::WgPolicy, true) => "PolicyReport",
            (Self::WgPolicy, false) => "ClusterPolicyReport",
        }
    }
}

/// Seconds since the epoch: `SOURCE_DATE_EPOCH` when set (reproducible output), else now.
fn timestamp() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
}

fn result(report: &ScanReport, evaluation: &Evaluation, seconds: u64) -> Value {
    let policy = &report.policies[evaluation.policy];
    let object = &report.objects[evaluation.object];
    // The audit scanner reports the policy's own verdict: a monitor-mode rejection is a `fail`
    // with severity `info`.
    let outcome = match (evaluation.verdict, evaluation.rejected) {
        (Verdict::Error, _) => "error",
        (_, true) => "fail",
        (_, false) => "pass",
    };
    let severity = if policy.mode == Mode::Monitor {
        "info".to_owned()
    } else {
        policy.info.severity.clone()
    };
    let mut properties = Map::new();
    properties.insert(
        if policy.mutating {
            "mutating"
        } else {
            "validating"
        }
        .to_owned(),
        json!("true"),
    );
    if policy.context_aware {
        properties.insert("context-aware".to_owned(), json!("true"));
    }
    properties.insert("policy-name".to_owned(), json!(policy.name));
    if let Some(namespace) = &policy.namespace {
        properties.insert("policy-namespace".to_owned(), json!(namespace));
    }
    properties.insert(FILE_PROPERTY.to_owned(), json!(&*object.file));
    properties.insert(LINE_PROPERTY.to_owned(), json!(object.line.to_string()));
    let mut message = evaluation.message.clone().unwrap_or_default();
    if message.is_empty() && !evaluation.warnings.is_empty() {
        message = evaluation.warnings.join("\n");
    }
    let mut result = json!({
        "source": SOURCE,
        "policy": policy.unique_name,
        "result": outcome,
        "scored": true,
        "timestamp": {"seconds": seconds, "nanos": 0},
        "message": message,
        "properties": properties,
    });
    if let Some(category) = &policy.info.category {
        result["category"] = json!(category);
    }
    if !severity.is_empty() {
        result["severity"] = json!(severity);
    }
    result
}

/// The reports, one per evaluated resource, in input order.
#[must_use]
pub fn reports(report: &ScanReport, api: ReportApi) -> Vec<Value> {
    let seconds = timestamp();
    let run_uid = stable_uuid(
        &report
            .objects
            .iter()
            .map(|o| o.uid.as_str())
            .chain(report.policies.iter().map(|p| p.name.as_str()))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut by_object: Vec<Vec<&Evaluation>> = vec![Vec::new(); report.objects.len()];
    for evaluation in &report.evaluations {
        by_object[evaluation.object].push(evaluation);
    }
    report
        .objects
        .iter()
        .zip(by_object)
        .filter(|(object, evaluations)| !evaluations.is_empty() || object.unselected_policies > 0)
        .map(|(object, evaluations)| {
            let results: Vec<Value> = evaluations
                .iter()
                .map(|evaluation| result(report, evaluation, seconds))
                .collect();
            let count = |outcome: &str| results.iter().filter(|r| r["result"] == outcome).count();
            let namespaced = object.id.namespace.is_some();
            let mut metadata = json!({
                "name": object.uid,
                "labels": {
                    MANAGED_BY_LABEL: SOURCE,
                    REPORT_VERSION_LABEL: "v2",
                    RUN_UID_LABEL: run_uid,
                },
                "ownerReferences": [{
                    "apiVersion": object.id.api_version,
                    "kind": object.id.kind,
                    "name": object.id.name,
                    "uid": object.uid,
                }],
            });
            let mut scope = json!({
                "apiVersion": object.id.api_version,
                "kind": object.id.kind,
                "name": object.id.name,
                "uid": object.uid,
            });
            if let Some(namespace) = &object.id.namespace {
                metadata["namespace"] = json!(namespace);
                scope["namespace"] = json!(namespace);
            }
            json!({
                "apiVersion": api.api_version(),
                "kind": api.kind(namespaced),
                "metadata": metadata,
                "scope": scope,
                "summary": {
                    "pass": count("pass"),
                    "fail": count("fail"),
                    "warn": count("warn"),
                    "error": count("error"),
                    "skip": object.unselected_policies,
                },
                "results": results,
            })
        })
        .collect()
}

/// Renders the reports as a YAML stream (`kubectl apply -f` reads it).
#[must_use]
pub fn render(report: &ScanReport, api: ReportApi) -> String {
    let mut out = String::new();
    for value in reports(report, api) {
        out.push_str("---\n");
        out.push_str(&serde_yaml_ng::to_string(&value).unwrap_or_default());
    }
    out
}
