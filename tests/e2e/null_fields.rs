//! Objects are read as the API server reads them: a field whose value is `null` is an absent
//! field (`helm template` renders `env:`, `volumeMounts:` or `tolerations:` with no items as
//! `null`). For every policy and every field of the corpus's objects, at any depth, the verdict
//! with the field set to `null` is the verdict with the field removed.

use e2e_tests::{Policy, admission_request, corpus_config, corpus_dir, resource_of};
use policy_host::AdmissionResponse;
use rstest::rstest;
use serde_json::{Value, json};

use crate::corpus::{CONTEXT_AWARE, IMPLEMENTED, applied_objects, host_context};

/// One step of a field path: a map key or a list index.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every field of `value` (map entries at any depth, inside list items too).
fn field_paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                prefix.push(Step::Key(key.clone()));
                out.push(prefix.clone());
                field_paths(field, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                field_paths(item, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

/// `object` with the field at `path` set to `null` (`Some`) or removed (`None`).
fn with_field(object: &Value, path: &[Step], replacement: Option<Value>) -> Value {
    let mut changed = object.clone();
    let (last, parents) = path.split_last().expect("a field path is never empty");
    let parent = parents.iter().fold(&mut changed, |value, step| match step {
        Step::Key(key) => &mut value[key.as_str()],
        Step::Index(i) => &mut value[*i],
    });
    if let (Step::Key(key), Some(fields)) = (last, parent.as_object_mut()) {
        match replacement {
            Some(value) => {
                fields.insert(key.clone(), value);
            }
            None => {
                fields.remove(key);
            }
        }
    }
    changed
}

fn display(path: &[Step]) -> String {
    path.iter()
        .map(|step| match step {
            Step::Key(key) => format!(".{key}"),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect()
}

/// What a user sees of a response: the verdict, its message and code, the warnings and the patch.
fn verdict(response: &AdmissionResponse) -> Value {
    json!({
        "allowed": response.allowed,
        "message": response.message(),
        "code": response.status.as_ref().and_then(|s| s.code),
        "warnings": response.warnings,
        "patch": response.patch,
    })
}

#[test]
fn a_null_field_is_an_absent_field_for_every_policy() {
    let config = corpus_config();
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("the corpus directory")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".yaml") && name != "config.yaml")
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut compared = 0;
    for policy_name in IMPLEMENTED {
        let (settings, resources) = &config[policy_name];
        for file in &files {
            let mut policy = if CONTEXT_AWARE.contains(&policy_name) {
                Policy::with_context(
                    policy_name,
                    host_context(policy_name, std::slice::from_ref(file)),
                )
            } else {
                Policy::new(policy_name)
            };
            for object in applied_objects(file) {
                let (_, _, resource) = resource_of(
                    object["apiVersion"].as_str().unwrap_or_default(),
                    object["kind"].as_str().unwrap_or_default(),
                );
                if !resources.contains(&resource) {
                    continue;
                }
                // The request names the object as the API server would; only its body changes.
                let request = admission_request("CREATE", &object, None);
                let mut paths = Vec::new();
                field_paths(&object, &mut Vec::new(), &mut paths);
                for path in paths {
                    let mut judge = |changed: Value| {
                        let mut request = request.clone();
                        request["object"] = changed;
                        verdict(&policy.validate_with(request, settings))
                    };
                    let nulled = judge(with_field(&object, &path, Some(Value::Null)));
                    let removed = judge(with_field(&object, &path, None));
                    compared += 1;
                    if nulled != removed {
                        failures.push(format!(
                            "{policy_name} {file} {}{}: null gives {nulled}, absent gives {removed}",
                            object["metadata"]["name"].as_str().unwrap_or_default(),
                            display(&path)
                        ));
                    }
                }
            }
        }
    }
    assert!(compared > 1000, "only {compared} fields compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What `helm template` renders for a chart whose lists are empty.
fn rendered_with_null_lists(image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "db", "namespace": "shop", "labels": null, "annotations": null},
        "spec": {
            "replicas": null,
            "strategy": null,
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}, "annotations": null},
                "spec": {
                    "initContainers": null,
                    "imagePullSecrets": null,
                    "tolerations": null,
                    "volumes": null,
                    "containers": [{
                        "name": "db",
                        "image": image,
                        "command": null,
                        "args": null,
                        "env": null,
                        "envFrom": null,
                        "ports": null,
                        "volumeMounts": null,
                        "resources": null
                    }]
                }
            }
        }
    })
}

#[rstest]
#[case::datastore(
    "no-raw-datastores",
    "postgres:16.4",
    Some(
        "Deployment shop/db: container db (image postgres:16.4) runs PostgreSQL (image repository library/postgres) without an upstream Helm chart or operator; use the CloudNativePG operator (Cluster CR) or the bitnami/postgresql Helm chart instead: https://cloudnative-pg.io/documentation/current/"
    )
)]
#[case::first_party("no-raw-datastores", "corp/shop:1.0", None)]
#[case::application(
    "require-upstream-chart",
    "grafana/grafana:11.3.0",
    Some(
        "Deployment shop/db: container db (image grafana/grafana:11.3.0) runs Grafana rendered without the upstream chart; use the grafana Helm chart from https://grafana-community.github.io/helm-charts or the grafana.integreatly.org operator instead: https://github.com/grafana-community/helm-charts/tree/main/charts/grafana"
    )
)]
#[case::storage("pvc-contract", "postgres:16.4", None)]
fn helm_rendered_null_lists_are_read_as_absent(
    #[case] policy: &str,
    #[case] image: &str,
    #[case] rejection: Option<&str>,
) {
    let object = rendered_with_null_lists(image);
    let settings = if policy == "pvc-contract" {
        json!({"allowedStorageClasses": ["standard"]})
    } else {
        json!({})
    };
    let response =
        Policy::new(policy).validate(admission_request("CREATE", &object, None), settings);
    assert_eq!(
        response.allowed,
        rejection.is_none(),
        "{:?}",
        response.message()
    );
    assert_eq!(response.message(), rejection);
}
