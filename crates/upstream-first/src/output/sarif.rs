//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning reads it. One rule per policy (with
//! its description and documentation as help), one result per finding (`error` for a rejection
//! or an evaluation error, `warning` for a warning), located at the file and line of the object.
//! Input errors are tool execution notifications.

use serde_json::{Value, json};

use crate::report::{ScanReport, Verdict, stable_uuid};

use super::{INFORMATION_URI, TOOL_NAME, TOOL_VERSION, pretty};

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";
/// The SARIF 2.1.0 JSON schema.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A file path as a SARIF artifact URI (relative reference, `/` separators, percent-encoded).
fn artifact_uri(file: &str) -> String {
    let mut uri = String::with_capacity(file.len());
    for byte in file.replace('\\', "/").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(char::from(byte));
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri
}

fn level(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Fail | Verdict::Error => "error",
        Verdict::Warn => "warning",
        Verdict::Pass => "none",
    }
}

/// The report as a SARIF log.
#[must_use]
pub fn to_value(report: &ScanReport) -> Value {
    let rules: Vec<Value> = report
        .policies
        .iter()
        .map(|policy| {
            let description = policy
                .info
                .description
                .clone()
                .unwrap_or_else(|| format!("Kubewarden policy {}", policy.name));
            let mut help = description.clone();
            if let Some(url) = &policy.info.url {
                help.push_str(&format!("\n\nDocumentation: {url}"));
            }
            let markdown = match &policy.info.url {
                Some(url) => format!("{description}\n\n[Documentation]({url})"),
                None => description.clone(),
            };
            let mut rule = json!({
                "id": policy.name,
                "name": policy.name,
                "shortDescription": {"text": policy.info.title.clone().unwrap_or_else(|| policy.name.clone())},
                "fullDescription": {"text": description},
                "help": {"text": help, "markdown": markdown},
                "defaultConfiguration": {"level": if policy.mode.as_str() == "monitor" { "warning" } else { "error" }},
                "properties": {
                    "tags": policy.info.category.iter().cloned().chain(["kubernetes".to_owned()]).collect::<Vec<_>>(),
                    "severity": policy.info.severity,
                    "module": policy.info.module,
                },
            });
            if let Some(url) = &policy.info.url {
                rule["helpUri"] = json!(url);
            }
            rule
        })
        .collect();
    let results: Vec<Value> = report
        .findings()
        .map(|evaluation| {
            let object = &report.objects[evaluation.object];
            let policy = &report.policies[evaluation.policy];
            let mut text = evaluation.message.clone().unwrap_or_default();
            for warning in &evaluation.warnings {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(warning);
            }
            if text.is_empty() {
                text = format!("{} reported {}", policy.name, object.id);
            }
            json!({
                "ruleId": policy.name,
                "ruleIndex": evaluation.policy,
                "level": level(evaluation.verdict),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(&object.file)},
                        "region": {"startLine": object.line},
                    },
                    "logicalLocations": [{
                        "name": object.id.name,
                        "fullyQualifiedName": object.id.to_string(),
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": {
                    "upstreamFirstFinding/v1": stable_uuid(&format!("{}\n{}\n{}", policy.name, object.uid, text)),
                },
                "properties": {
                    "verdict": evaluation.verdict.as_str(),
                    "mode": policy.mode.as_str(),
                    "apiVersion": object.id.api_version,
                    "kind": object.id.kind,
                    "namespace": object.id.namespace,
                    "name": object.id.name,
                },
            })
        })
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|error| {
            let mut region = json!({});
            if let Some(line) = error.line {
                region["startLine"] = json!(line);
            }
            if let Some(column) = error.column {
                region["startColumn"] = json!(column);
            }
            json!({
                "level": "error",
                "message": {"text": error.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(&error.file)},
                        "region": region,
                    },
                }],
            })
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": TOOL_VERSION,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

/// Renders the report.
#[must_use]
pub fn render(report: &ScanReport) -> String {
    pretty(&to_value(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_relative_references() {
        assert_eq!(artifact_uri("bundle/my app.yaml"), "bundle/my%20app.yaml");
        assert_eq!(artifact_uri("a\\b.yaml"), "a/b.yaml");
        assert_eq!(artifact_uri("-"), "-");
    }
}
