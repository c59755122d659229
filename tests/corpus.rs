//! The real-world corpus (`../shared/corpus`): every row of `expected.tsv` for the policies
//! built so far holds when the files are evaluated through the host, with the settings of
//! `config.yaml`.

use e2e_tests::{
    Policy, admission_request, corpus_config, corpus_dir, expectations, load_objects, resource_of,
};

/// Policies whose rows are checked; the others' rows are listed as not yet covered.
const IMPLEMENTED: [&str; 1] = ["no-raw-datastores"];

#[test]
fn corpus_verdicts_hold() {
    let config = corpus_config();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut failures = Vec::new();
    for row in expectations() {
        if !IMPLEMENTED.contains(&row.policy.as_str()) {
            eprintln!("not yet covered: {} {:?}", row.policy, row.files);
            continue;
        }
        let (settings, resources) = &config[&row.policy];
        let mut policy = Policy::new(&row.policy);
        let mut rejections = Vec::new();
        for file in &row.files {
            for object in load_objects(&corpus_dir().join(file)) {
                let (_, _, resource) = resource_of(
                    object["apiVersion"].as_str().unwrap_or_default(),
                    object["kind"].as_str().unwrap_or_default(),
                );
                if !resources.contains(&resource) {
                    continue;
                }
                let response =
                    policy.validate(admission_request("CREATE", &object, None), settings.clone());
                if !response.allowed {
                    rejections.push(response.message().unwrap_or_default().to_string());
                }
            }
        }
        *checked.entry(row.policy.clone()).or_default() += 1;
        if row.violation == rejections.is_empty() {
            failures.push(format!(
                "{} {:?}: expected {} ({}), got rejections {rejections:#?}",
                row.policy,
                row.files,
                if row.violation { "violation" } else { "pass" },
                row.note
            ));
        }
    }
    for policy in IMPLEMENTED {
        assert!(
            checked.contains_key(policy),
            "no corpus row checked for {policy}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_rejections_name_the_datastore_and_fix() {
    let object = load_objects(&corpus_dir().join("kong-kic-postgres-statefulset.yaml"))
        .into_iter()
        .find(|o| o["kind"] == "StatefulSet")
        .expect("the Kong corpus file has a StatefulSet");
    let response = Policy::new("no-raw-datastores").validate(
        admission_request("CREATE", &object, None),
        serde_json::json!({}),
    );
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "StatefulSet kong/postgres: container postgres (image postgres:9.5) runs PostgreSQL (image repository library/postgres) without an upstream Helm chart or operator; use the CloudNativePG operator (Cluster CR) or the bitnami/postgresql Helm chart instead: https://cloudnative-pg.io/documentation/current/"
        )
    );
}
