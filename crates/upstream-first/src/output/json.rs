//! `--format json`: every evaluation, and a summary. The schema is documented in the README
//! (`schemaVersion` changes when a field changes meaning or goes away).

use serde_json::{Value, json};

use crate::report::{Counts, ScanReport};

use super::{TOOL_NAME, TOOL_VERSION, pretty};

/// The schema of this output.
pub const SCHEMA_VERSION: &str = "upstream-first.io/scan/v1";

fn counts(counts: &Counts) -> Value {
    json!({"pass": counts.pass, "warn": counts.warn, "fail": counts.fail, "error": counts.error})
}

/// The report as a JSON value.
#[must_use]
pub fn to_value(report: &ScanReport) -> Value {
    let summary = report.summary();
    let results: Vec<Value> = report
        .evaluations
        .iter()
        .map(|evaluation| {
            let object = &report.objects[evaluation.object];
            let policy = &report.policies[evaluation.policy];
            json!({
                "policy": policy.name,
                "apiVersion": object.id.api_version,
                "kind": object.id.kind,
                "namespace": object.id.namespace,
                "name": object.id.name,
                "file": &*object.file,
                "line": object.line,
                "template": object.template,
                "allowed": evaluation.allowed,
                "verdict": evaluation.verdict.as_str(),
                "mode": policy.mode.as_str(),
                "message": evaluation.message,
                "code": evaluation.code,
                "warnings": evaluation.warnings,
                "patch": evaluation.patch,
                "migration": evaluation.migration.as_ref().map(|offer| json!({
                    "target": offer.target.as_str(),
                    "kinds": offer.kinds,
                    "replacement": offer.reference,
                    "command": crate::migrate::command(&object.file),
                })),
            })
        })
        .collect();
    let policies: Vec<Value> = report
        .policies
        .iter()
        .map(|policy| {
            json!({
                "name": policy.name,
                "module": policy.info.module,
                "resource": policy.kind.map(|kind| kind.as_str()),
                "namespace": policy.namespace,
                "mode": policy.mode.as_str(),
                "mutating": policy.mutating,
                "contextAware": policy.context_aware,
                "severity": policy.info.severity,
                "category": policy.info.category,
                "title": policy.info.title,
                "url": policy.info.url,
            })
        })
        .collect();
    let by_policy: serde_json::Map<String, Value> = summary
        .by_policy
        .iter()
        .map(|(name, c)| (name.clone(), counts(c)))
        .collect();
    json!({
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": TOOL_VERSION},
        "policies": policies,
        "results": results,
        "skipped": report.skipped.iter().map(|s| json!({
            "file": &*s.file, "line": s.line, "reason": s.reason,
        })).collect::<Vec<_>>(),
        "errors": report.errors.iter().map(|e| json!({
            "file": &*e.file, "line": e.line, "column": e.column, "message": e.message,
        })).collect::<Vec<_>>(),
        "notes": report.notes,
        "summary": {
            "objects": summary.objects,
            "evaluatedObjects": summary.evaluated_objects,
            "evaluations": summary.counts.total(),
            "pass": summary.counts.pass,
            "warn": summary.counts.warn,
            "fail": summary.counts.fail,
            "error": summary.counts.error,
            "skippedDocuments": summary.skipped_documents,
            "inputErrors": summary.input_errors,
            "policies": by_policy,
        },
    })
}

/// Renders the report.
#[must_use]
pub fn render(report: &ScanReport) -> String {
    pretty(&to_value(report))
}
