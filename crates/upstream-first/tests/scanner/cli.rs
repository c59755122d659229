//! The `upstream-first` command line, end to end: the built binary with the embedded policies.

use crate::common::{json_stdout, outcome, require, results, run, run_with_stdin, temp_file};
use rstest::rstest;
use serde_json::{Value, json};

/// A small platform bundle: a raw Postgres and a first-party web service in `shop`, where one
/// NetworkPolicy selects the web pods only.
const BUNDLE: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
  namespace: shop
  labels: {tier: data}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - {name: postgres, image: postgres:16}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {tier: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: web, image: ghcr.io/acme/web:1.0}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
";

const DB_MESSAGE: &str = "Deployment shop/db: container postgres (image postgres:16) runs PostgreSQL (image repository library/postgres) without an upstream Helm chart or operator; use the CloudNativePG operator (Cluster CR) or the bitnami/postgresql Helm chart instead: https://cloudnative-pg.io/documentation/current/";

const DB_NETWORK_MESSAGE: &str = "Deployment shop/db: no NetworkPolicy of namespace shop covers Ingress for its pods (labels app=db); add a NetworkPolicy that selects them, for example:
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-default
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: db
  policyTypes:
  - Ingress";

/// A ClusterAdmissionPolicy of a built-in policy, with extra `spec` fields.
fn policy_resource(name: &str, module: &str, spec: &str) -> String {
    format!(
        "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicy\nmetadata: {{name: {name}}}\nspec:\n  module: registry://ghcr.io/upstream-first/policies/{module}:v0.1.0\n{spec}"
    )
}

/// no-raw-datastores and require-network-policy, as deployed.
fn config() -> String {
    [
        policy_resource("no-raw-datastores", "no-raw-datastores", "  settings: {}\n"),
        policy_resource(
            "require-network-policy",
            "require-network-policy",
            "  contextAwareResources: [{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy}]\n  settings: {}\n",
        ),
    ]
    .join("---\n")
}

fn files(test: &str, config: &str) -> (String, String) {
    require(&["no-raw-datastores", "require-network-policy"]);
    // Cases of one test run in parallel with different configurations: one directory each.
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(config, &mut hasher);
    let test = &format!("{test}-{:016x}", std::hash::Hasher::finish(&hasher));
    let bundle = temp_file(test, "bundle.yaml", BUNDLE);
    let config = temp_file(test, "config.yaml", config);
    (bundle.display().to_string(), config.display().to_string())
}

fn scan_json(test: &str, config: &str, extra: &[&str]) -> (i32, Value) {
    let (bundle, config) = files(test, config);
    let mut args = vec!["scan", "--config", &config, "--format", "json"];
    args.extend_from_slice(extra);
    args.push(&bundle);
    let output = run(&args);
    (outcome(&output).0, json_stdout(&output))
}

/// `(policy, name) → verdict` of a JSON report.
fn verdicts(report: &Value) -> Vec<(String, String, String)> {
    results(report)
        .iter()
        .map(|r| {
            (
                r["policy"].as_str().unwrap_or_default().to_owned(),
                r["name"].as_str().unwrap_or_default().to_owned(),
                r["verdict"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn triple(policy: &str, name: &str, verdict: &str) -> (String, String, String) {
    (policy.to_owned(), name.to_owned(), verdict.to_owned())
}

// ----------------------------------------------------------------------------------------
// Formats
// ----------------------------------------------------------------------------------------

#[test]
fn json_has_every_evaluation_with_its_location_and_a_summary() {
    let (code, report) = scan_json("json", &config(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        verdicts(&report),
        [
            triple("no-raw-datastores", "db", "fail"),
            triple("require-network-policy", "db", "fail"),
            triple("no-raw-datastores", "web", "pass"),
            triple("require-network-policy", "web", "pass"),
        ]
    );
    let db = &results(&report)[0];
    assert_eq!(db["apiVersion"], "apps/v1");
    assert_eq!(db["kind"], "Deployment");
    assert_eq!(db["namespace"], "shop");
    assert!(
        db["file"]
            .as_str()
            .unwrap_or_default()
            .ends_with("bundle.yaml")
    );
    assert_eq!(db["line"], 7);
    assert_eq!(db["allowed"], false);
    assert_eq!(db["mode"], "protect");
    assert_eq!(db["message"], DB_MESSAGE);
    assert_eq!(db["warnings"], json!([]));
    assert_eq!(db["patch"], Value::Null);
    let file = db["file"].as_str().unwrap_or_default();
    assert_eq!(
        db["migration"],
        json!({
            "target": "operator",
            "kinds": ["Cluster"],
            "replacement": "CloudNativePG",
            "command": format!("upstream-first migrate {file}"),
        })
    );
    assert_eq!(results(&report)[1]["migration"], Value::Null);
    assert_eq!(results(&report)[1]["message"], DB_NETWORK_MESSAGE);
    assert_eq!(results(&report)[2]["line"], 21);
    assert_eq!(
        report["summary"],
        json!({
            "objects": 4, "evaluatedObjects": 2, "evaluations": 4,
            "pass": 2, "warn": 0, "fail": 2, "error": 0,
            "skippedDocuments": 0, "inputErrors": 0,
            "policies": {
                "no-raw-datastores": {"pass": 1, "warn": 0, "fail": 1, "error": 0},
                "require-network-policy": {"pass": 1, "warn": 0, "fail": 1, "error": 0},
            },
        })
    );
    assert_eq!(report["schemaVersion"], "upstream-first.io/scan/v1");
}

#[test]
fn text_groups_findings_by_resource_with_the_fix_on_its_own_line() {
    let (bundle, config) = files("text", &config());
    let (code, stdout, _) = outcome(&run(&["scan", "--config", &config, &bundle]));
    assert_eq!(code, 1);
    let expected = format!(
        "Deployment shop/db  {bundle}:7
  FAIL  no-raw-datastores  container postgres (image postgres:16) runs PostgreSQL (image repository library/postgres) without an upstream Helm chart or operator
        fix: use the CloudNativePG operator (Cluster CR) or the bitnami/postgresql Helm chart instead: https://cloudnative-pg.io/documentation/current/
          then `upstream-first migrate {bundle}` writes the CloudNativePG Cluster
  FAIL  require-network-policy  no NetworkPolicy of namespace shop covers Ingress for its pods (labels app=db)
        fix: add a NetworkPolicy that selects them, for example:
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata:
            name: db-default
            namespace: shop
          spec:
            podSelector:
              matchLabels:
                app: db
            policyTypes:
            - Ingress

4 objects (2 evaluated by 2 policies), 4 evaluations: 2 rejected, 2 passed
"
    );
    assert_eq!(stdout, expected);
}

#[test]
fn colours_only_when_asked_or_on_a_terminal() {
    let (bundle, config) = files("colour", &config());
    let (_, plain, _) = outcome(&run(&["scan", "--config", &config, &bundle]));
    assert!(!plain.contains('\u{1b}'));
    let (_, coloured, _) = outcome(&run(&[
        "scan", "--config", &config, "--color", "always", &bundle,
    ]));
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[31mFAIL \u{1b}[0m"),
        "{coloured}"
    );
}

#[test]
fn sarif_has_a_rule_per_policy_and_a_located_result_per_finding() {
    let (bundle, config) = files("sarif", &config());
    let output = run(&["scan", "--config", &config, "--format", "sarif", &bundle]);
    let (code, _, stderr) = outcome(&output);
    assert_eq!(code, 1, "{stderr}");
    let sarif = json_stdout(&output);
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "upstream-first");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["no-raw-datastores", "require-network-policy"]);
    for rule in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(rule[field]["text"].is_string(), "{field} of {rule}");
        }
        assert!(
            rule["help"]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Documentation: https://")
        );
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2, "one result per failure");
    for (result, (rule, message)) in results.iter().zip([
        ("no-raw-datastores", DB_MESSAGE),
        ("require-network-policy", DB_NETWORK_MESSAGE),
    ]) {
        assert_eq!(result["ruleId"], rule);
        assert_eq!(result["level"], "error");
        assert_eq!(result["message"]["text"], message);
        let location = &result["locations"][0]["physicalLocation"];
        assert!(
            location["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or_default()
                .ends_with("/bundle.yaml")
        );
        assert_eq!(location["region"]["startLine"], 7);
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "Deployment shop/db"
        );
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule);
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn junit_has_a_suite_per_policy_and_a_case_per_evaluation() {
    let (bundle, config) = files("junit", &config());
    let (code, xml, _) = outcome(&run(&["scan", "--config", &config, "-f", "junit", &bundle]));
    assert_eq!(code, 1);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"upstream-first\" tests=\"4\" failures=\"2\" errors=\"0\""), "{xml}");
    assert_eq!(xml.matches("<testsuite ").count(), 2);
    assert_eq!(xml.matches("<testcase ").count(), 4);
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert!(
        xml.contains(
            "<testsuite name=\"no-raw-datastores\" tests=\"2\" failures=\"1\" errors=\"0\""
        )
    );
    assert!(xml.contains(&format!(
        "<testcase name=\"Deployment shop/db\" classname=\"no-raw-datastores\" file=\"{bundle}\" line=\"7\""
    )));
    assert!(xml.contains("type=\"fail\">Deployment shop/db: container postgres"));
    assert!(xml.trim_end().ends_with("</testsuites>"));
}

#[test]
fn markdown_has_a_summary_table_and_fixes_by_replacement() {
    let (bundle, config) = files("markdown", &config());
    let (code, markdown, _) = outcome(&run(&[
        "scan", "--config", &config, "-f", "markdown", &bundle,
    ]));
    assert_eq!(code, 1);
    assert!(markdown.starts_with("## upstream-first: 2 rejected, 0 warnings, 0 errors in 4 objects\n\n| policy | mode | rejected | warnings | errors | passed |\n"), "{markdown}");
    assert!(markdown.contains("| protect | 1 | 0 | 0 | 1 |"));
    assert!(markdown.contains("### Priority cut order: fixes by upstream replacement"));
    assert!(markdown.contains("#### 1. use the CloudNativePG operator (Cluster CR) or the bitnami/postgresql Helm chart instead: https://cloudnative-pg.io/documentation/current/ (1 resource)"));
    assert!(markdown.contains(&format!(
        "\nWrite the replacements: `upstream-first migrate {bundle}`\n\n#### 2. add a NetworkPolicy that selects them (1 resource)"
    )), "{markdown}");
    assert!(markdown.contains("- `Deployment shop/db` — "));
    assert!(markdown.contains("<details><summary>example</summary>"));
}

/// Parses a YAML stream of reports.
fn reports(text: &str) -> Vec<Value> {
    upstream_first::documents::Documents::parse("reports.yaml", text)
        .objects
        .into_iter()
        .map(|o| o.object)
        .collect()
}

#[rstest]
#[case::openreports("openreports", "openreports.io/v1alpha1", "Report", "ClusterReport")]
#[case::policyreport(
    "policyreport",
    "wgpolicyk8s.io/v1alpha2",
    "PolicyReport",
    "ClusterPolicyReport"
)]
fn reports_have_one_report_per_resource_shaped_like_the_audit_scanner(
    #[case] format: &str,
    #[case] api_version: &str,
    #[case] kind: &str,
    #[case] cluster_kind: &str,
) {
    // Namespaces are evaluated too, so that one cluster-wide report is written.
    let config = config().replace(
        "metadata: {name: no-raw-datastores}\nspec:\n",
        "metadata: {name: no-raw-datastores, annotations: {io.kubewarden.policy.severity: high}}\nspec:\n  rules: [{apiGroups: [\"\", apps], apiVersions: [v1], resources: [namespaces, deployments], operations: [CREATE]}]\n",
    );
    let (bundle, config) = files(&format!("reports-{format}"), &config);
    let (code, text, stderr) = outcome(&run(&["scan", "--config", &config, "-f", format, &bundle]));
    assert_eq!(code, 1, "{stderr}");
    let reports = reports(&text);
    let kinds: Vec<&str> = reports.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(kinds, [cluster_kind, kind, kind]);
    let mut failures = 0;
    for report in &reports {
        assert_eq!(report["apiVersion"], api_version);
        let metadata = &report["metadata"];
        assert_eq!(
            metadata["labels"]["app.kubernetes.io/managed-by"],
            "kubewarden"
        );
        assert_eq!(
            metadata["labels"]["kubewarden.io/policyreport-version"],
            "v2"
        );
        assert!(metadata["labels"]["kubewarden.io/audit-scanner-run-uid"].is_string());
        assert_eq!(metadata["name"], report["scope"]["uid"]);
        assert_eq!(
            metadata["ownerReferences"][0]["uid"],
            report["scope"]["uid"]
        );
        assert_eq!(metadata["namespace"], report["scope"]["namespace"]);
        for field in ["apiVersion", "kind", "name", "uid"] {
            assert!(report["scope"][field].is_string(), "scope.{field}");
        }
        let summary = &report["summary"];
        let results = report["results"].as_array().expect("results");
        for result in results {
            assert_eq!(result["source"], "kubewarden");
            assert!(
                ["pass", "fail", "error"].contains(&result["result"].as_str().unwrap_or_default())
            );
            assert!(
                result["policy"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("clusterwide-")
            );
            assert_eq!(result["scored"], true);
            assert!(result["timestamp"]["seconds"].is_u64());
            assert!(result["properties"]["validating"] == "true");
            assert!(
                result["properties"]["upstream-first.io/file"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with("bundle.yaml")
            );
            assert!(result["message"].is_string());
        }
        let count = |outcome: &str| results.iter().filter(|r| r["result"] == outcome).count();
        assert_eq!(summary["pass"], count("pass"));
        assert_eq!(summary["fail"], count("fail"));
        assert_eq!(summary["skip"], 0);
        failures += count("fail");
    }
    assert_eq!(failures, 2, "one fail result per failure");
    let db = &reports[1];
    assert_eq!(
        db["scope"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "db", "namespace": "shop", "uid": db["scope"]["uid"]})
    );
    assert_eq!(db["results"][0]["policy"], "clusterwide-no-raw-datastores");
    assert_eq!(db["results"][0]["severity"], "high");
    assert_eq!(db["results"][0]["message"], DB_MESSAGE);
    assert_eq!(
        db["results"][0]["properties"]["upstream-first.io/line"],
        "7"
    );
    assert_eq!(db["results"][1]["properties"]["context-aware"], "true");
}

#[test]
fn several_formats_go_to_their_outputs() {
    let (bundle, config) = files("outputs", &config());
    let sarif = temp_file("outputs", "scan.sarif", "");
    let (code, stdout, stderr) = outcome(&run(&[
        "scan",
        "--config",
        &config,
        "-f",
        "sarif",
        "-o",
        &sarif.display().to_string(),
        "-f",
        "text",
        &bundle,
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.starts_with("Deployment shop/db"));
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).expect("written"))
        .expect("SARIF is JSON");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(2)
    );
}

// ----------------------------------------------------------------------------------------
// Exit codes and inputs
// ----------------------------------------------------------------------------------------

#[rstest]
#[case::failures(&[], 1)]
#[case::never(&["--fail-on", "never"], 0)]
#[case::errors_only(&["--fail-on", "error"], 0)]
fn exit_code_follows_fail_on(#[case] extra: &[&str], #[case] code: i32) {
    let (bundle, config) = files("fail-on", &config());
    let mut args = vec!["scan", "--config", &config];
    args.extend_from_slice(extra);
    args.push(&bundle);
    assert_eq!(outcome(&run(&args)).0, code);
}

#[test]
fn a_clean_bundle_exits_with_0_and_warnings_fail_only_when_asked() {
    require(&["no-raw-datastores"]);
    let bundle = temp_file(
        "clean",
        "web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: ghcr.io/acme/web:1.0}]\n",
    );
    let bundle = bundle.display().to_string();
    let (code, stdout, _) = outcome(&run(&["scan", "--policy", "no-raw-datastores", &bundle]));
    assert_eq!(
        (code, stdout.as_str()),
        (
            0,
            "1 objects (1 evaluated by 1 policies), 1 evaluations: 1 passed\n"
        )
    );

    // The same Redis exempted by the platform: accepted with a warning.
    let redis = temp_file(
        "clean",
        "redis.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cache, namespace: legacy}\nspec:\n  template:\n    spec:\n      containers: [{name: redis, image: redis:7}]\n",
    );
    let settings = r#"no-raw-datastores={"exemptions": [{"namespace": "legacy", "name": "cache", "reason": "PLAT-1"}]}"#;
    let redis = redis.display().to_string();
    let args = [
        "scan",
        "--policy",
        "no-raw-datastores",
        "--settings",
        settings,
        &redis,
    ];
    assert_eq!(outcome(&run(&args)).0, 0);
    let mut warn = args.to_vec();
    warn.insert(1, "--fail-on=warn");
    let (code, stdout, _) = outcome(&run(&warn));
    assert_eq!(code, 1);
    assert!(stdout.contains("WARN  no-raw-datastores  Deployment legacy/cache is exempt from no-raw-datastores (exemptions): PLAT-1"), "{stdout}");
}

#[rstest]
#[case::unknown_flag(&["scan", "--frobnicate", "x.yaml"], "unexpected argument '--frobnicate'")]
#[case::no_path(&["scan"], "the following required arguments were not provided")]
#[case::unknown_format(&["scan", "-f", "xml", "x.yaml"], "invalid value 'xml' for '--format <FORMAT>'")]
#[case::outputs_without_formats(&["scan", "-o", "a", "-o", "b", "x.yaml"], "more --output than --format")]
#[case::two_formats_on_stdout(&["scan", "-f", "json", "-f", "text", "x.yaml"], "only one format can go to stdout")]
#[case::unknown_policy(&["scan", "--policy", "no-such-policy", "x.yaml"], "no-such-policy is not a built-in policy (built-in: no-raw-datastores, require-upstream-chart, pvc-contract, require-network-policy, no-sql-mutating-jobs)")]
#[case::bad_settings(&["scan", "--policy", "no-raw-datastores", "--settings", "no-raw-datastores", "x.yaml"], "--settings \"no-raw-datastores\": expected POLICY=SETTINGS")]
#[case::missing_config(&["scan", "--config", "/nonexistent/config.yaml", "x.yaml"], "--config /nonexistent/config.yaml: cannot read")]
fn usage_errors_exit_with_2(#[case] args: &[&str], #[case] message: &str) {
    let (code, _, stderr) = outcome(&run(args));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(message), "{stderr}");
}

#[test]
fn invalid_settings_of_a_default_policy_say_what_to_set() {
    require(&["pvc-contract"]);
    let (code, _, stderr) = outcome(&run(&[
        "scan",
        "--policy",
        "pvc-contract",
        "--settings",
        r#"pvc-contract={"defaultStorageClass": "standard"}"#,
        "x.yaml",
    ]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "Error: policy pvc-contract: settings are invalid: defaultStorageClass: needs allowedStorageClasses\n  pvc-contract needs settings: give them in --config (a ClusterAdmissionPolicy whose module is pvc-contract, see examples/config.yaml) or with --settings 'pvc-contract={…}', or run the other policies with --policy\n"
    );
}

#[test]
fn with_no_configuration_every_policy_runs_and_the_checks_left_off_are_named_once() {
    let bundle = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/bundle/");
    let (code, stdout, stderr) = outcome(&run(&["scan", bundle]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr
            .lines()
            .filter(|line| line.starts_with("note: "))
            .collect::<Vec<_>>(),
        [format!(
            "note: pvc-contract: {}",
            upstream_first_rules::storage::CONTRACT_CHECKS_OFF
        )]
    );
    assert!(
        stdout.contains("pod volume data mounts the standalone PersistentVolumeClaim kafka-data"),
        "{stdout}"
    );
}

const BROKEN: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: first, namespace: shop}
spec: {template: {spec: {containers: [{name: db, image: postgres:16}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
   namespace: shop
---
kind: Note
text: not an object of the cluster
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: last, namespace: shop}
spec: {template: {spec: {containers: [{name: db, image: mysql:8}]}}}
";

#[test]
fn a_broken_document_is_reported_and_the_others_are_scanned() {
    require(&["no-raw-datastores"]);
    let file = temp_file("broken", "broken.yaml", BROKEN)
        .display()
        .to_string();
    let output = run(&["scan", "--policy", "no-raw-datastores", "-f", "json", &file]);
    let (code, _, _) = outcome(&output);
    assert_eq!(code, 2, "an unreadable manifest fails the scan");
    let report = json_stdout(&output);
    assert_eq!(
        verdicts(&report),
        [
            triple("no-raw-datastores", "first", "fail"),
            triple("no-raw-datastores", "last", "fail")
        ]
    );
    assert_eq!(results(&report)[1]["line"], 15);
    assert_eq!(
        report["errors"],
        json!([{"file": file, "line": 10, "column": 13, "message": "invalid YAML: mapping values are not allowed in this context"}])
    );
    assert_eq!(
        report["skipped"],
        json!([{"file": file, "line": 12, "reason": "no apiVersion: not a Kubernetes object"}])
    );

    let (code, text, _) = outcome(&run(&["scan", "--policy", "no-raw-datastores", &file]));
    assert_eq!(code, 2);
    assert!(text.starts_with(&format!(
        "ERROR {file}:10:13: invalid YAML: mapping values are not allowed in this context\n"
    )));
    assert!(text.contains(&format!(
        "skipped {file}:12: no apiVersion: not a Kubernetes object"
    )));
    assert!(
        text.ends_with(
            "2 evaluations: 2 rejected, 0 passed; 1 documents skipped; 1 input errors\n"
        ),
        "{text}"
    );
}

#[test]
fn missing_files_are_input_errors() {
    require(&["no-raw-datastores"]);
    let (code, stdout, _) = outcome(&run(&[
        "scan",
        "--policy",
        "no-raw-datastores",
        "/nonexistent/x.yaml",
    ]));
    assert_eq!(code, 2);
    assert!(
        stdout.starts_with("ERROR /nonexistent/x.yaml: cannot read: No such file or directory"),
        "{stdout}"
    );
}

#[test]
fn stdin_yaml_and_kubectl_json_lists() {
    require(&["no-raw-datastores"]);
    let output = run_with_stdin(
        &["scan", "--policy", "no-raw-datastores", "-f", "json", "-"],
        &BUNDLE.replace("  namespace: shop\n", ""),
    );
    let report = json_stdout(&output);
    assert_eq!(results(&report)[0]["file"], "-");
    assert_eq!(
        results(&report)[0]["namespace"],
        "default",
        "--namespace defaults to default"
    );
    assert_eq!(results(&report)[0]["verdict"], "fail");

    // `kubectl get deployments -A -o json`
    let list = json!({
        "apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
        "items": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "db", "namespace": "a"},
             "spec": {"template": {"spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}}},
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"},
             "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}}
        ]
    });
    let text = serde_json::to_string_pretty(&list).expect("JSON");
    let output = run_with_stdin(
        &[
            "scan",
            "--policy",
            "no-raw-datastores",
            "-n",
            "team",
            "-f",
            "json",
            "-",
        ],
        &text,
    );
    let (code, _, _) = outcome(&output);
    assert_eq!(code, 1);
    let report = json_stdout(&output);
    assert_eq!(
        verdicts(&report),
        [
            triple("no-raw-datastores", "db", "fail"),
            triple("no-raw-datastores", "web", "pass")
        ]
    );
    // Each item is reported at the line where its object opens.
    let item_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| *line == "    {")
        .map(|(index, _)| index + 1)
        .collect();
    assert_eq!(item_lines.len(), 2);
    assert_eq!(results(&report)[0]["line"], item_lines[0]);
    assert_eq!(results(&report)[1]["line"], item_lines[1]);
}

#[test]
fn directories_are_read_recursively() {
    require(&["no-raw-datastores"]);
    let dir = temp_file("dirs", "placeholder", "")
        .parent()
        .map(|dir| dir.join("manifests"))
        .expect("dir");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("one.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p1}\nspec: {containers: [{name: c, image: redis:7}]}\n").expect("written");
    std::fs::create_dir_all(dir.join("nested")).expect("dir");
    std::fs::write(dir.join("nested/two.yml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p2}\nspec: {containers: [{name: c, image: nginx:1}]}\n").expect("written");
    std::fs::write(dir.join("notes.txt"), "not a manifest").expect("written");
    let output = run(&[
        "scan",
        "--policy",
        "no-raw-datastores",
        "-f",
        "json",
        &dir.display().to_string(),
    ]);
    let report = json_stdout(&output);
    assert_eq!(
        verdicts(&report),
        [
            triple("no-raw-datastores", "p2", "pass"),
            triple("no-raw-datastores", "p1", "fail")
        ],
        "entries in name order: nested/ before one.yaml"
    );
}

// ----------------------------------------------------------------------------------------
// Configuration
// ----------------------------------------------------------------------------------------

#[test]
fn monitor_mode_turns_rejections_into_warnings() {
    let config = config().replace("  settings: {}\n", "  mode: monitor\n  settings: {}\n");
    let (code, report) = scan_json("monitor", &config, &[]);
    assert_eq!(code, 0, "warnings do not fail by default");
    let db = &results(&report)[0];
    assert_eq!(
        (&db["verdict"], &db["allowed"], &db["mode"]),
        (&json!("warn"), &json!(true), &json!("monitor"))
    );
    assert_eq!(db["message"], DB_MESSAGE);
}

#[test]
fn rules_decide_which_objects_a_policy_evaluates() {
    let config = config().replace(
        "metadata: {name: no-raw-datastores}\nspec:\n",
        "metadata: {name: no-raw-datastores}\nspec:\n  rules: [{apiGroups: [apps], apiVersions: [v1], resources: [statefulsets], operations: [CREATE]}]\n",
    );
    let (_, report) = scan_json("rules", &config, &[]);
    assert_eq!(
        verdicts(&report),
        [
            triple("require-network-policy", "db", "fail"),
            triple("require-network-policy", "web", "pass")
        ]
    );
}

#[rstest]
#[case::namespace_selected("namespaceSelector: {matchLabels: {team: shop}}", true)]
#[case::namespace_not_selected("namespaceSelector: {matchLabels: {team: other}}", false)]
#[case::automatic_namespace_label(
    "namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [shop]}]}",
    true
)]
#[case::object_selected("objectSelector: {matchLabels: {tier: data}}", true)]
#[case::object_not_selected(
    "objectSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [data]}]}",
    false
)]
fn selectors_are_evaluated_against_the_bundle(#[case] selector: &str, #[case] evaluates_db: bool) {
    let config = config().replace(
        "metadata: {name: no-raw-datastores}\nspec:\n",
        &format!("metadata: {{name: no-raw-datastores}}\nspec:\n  {selector}\n"),
    );
    let (_, report) = scan_json("selectors", &config, &[]);
    let evaluated = verdicts(&report)
        .iter()
        .any(|(policy, name, _)| policy == "no-raw-datastores" && name == "db");
    assert_eq!(evaluated, evaluates_db);
}

#[test]
fn admission_policies_see_their_namespace_only() {
    let config = "apiVersion: policies.kubewarden.io/v1\nkind: AdmissionPolicy\nmetadata: {name: raw, namespace: other}\nspec:\n  module: registry://x/no-raw-datastores:v1\n  settings: {}\n---\napiVersion: policies.kubewarden.io/v1\nkind: AdmissionPolicy\nmetadata: {name: raw, namespace: shop}\nspec:\n  module: registry://x/no-raw-datastores:v1\n  settings: {}\n";
    let (_, report) = scan_json("admission-policy", config, &[]);
    assert_eq!(
        verdicts(&report),
        [triple("raw", "db", "fail"), triple("raw", "web", "pass")]
    );
}

#[rstest]
#[case::both_must_accept("raw() && network()", "fail")]
#[case::either_may_accept("raw() || network()", "fail")]
#[case::negation("!raw()", "pass")]
#[case::negated_member("raw() || !network()", "pass")]
fn policy_groups_combine_their_members(#[case] expression: &str, #[case] db_verdict: &str) {
    let config = format!(
        "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicyGroup\nmetadata: {{name: upstream}}\nspec:\n  rules: [{{apiGroups: [apps], apiVersions: [v1], resources: [deployments], operations: [CREATE]}}]\n  policies:\n    raw: {{module: registry://x/no-raw-datastores:v1}}\n    network:\n      module: registry://x/require-network-policy:v1\n      contextAwareResources: [{{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy}}]\n  expression: \"{expression}\"\n  message: the workload is not upstream-first\n"
    );
    let (_, report) = scan_json("groups", &config, &[]);
    let db = &results(&report)[0];
    assert_eq!(db["name"], "db");
    assert_eq!(db["verdict"], db_verdict);
    if db_verdict == "fail" {
        let message = db["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("the workload is not upstream-first\n"),
            "{message}"
        );
        assert!(
            message.contains("\nraw: Deployment shop/db: container postgres"),
            "{message}"
        );
    }
}

#[test]
fn settings_come_from_the_configuration() {
    require(&["pvc-contract"]);
    let claim = temp_file(
        "settings",
        "claim.yaml",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop}\nspec:\n  storageClassName: fast\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 600Gi}}\n",
    );
    let config = temp_file(
        "settings",
        "config.yaml",
        &policy_resource(
            "storage",
            "pvc-contract",
            "  settings: {allowedStorageClasses: [standard, fast], maxSize: 500Gi}\n",
        ),
    );
    let output = run(&[
        "scan",
        "--config",
        &config.display().to_string(),
        "-f",
        "json",
        &claim.display().to_string(),
    ]);
    let report = json_stdout(&output);
    assert_eq!(
        results(&report)[0]["message"],
        "PersistentVolumeClaim shop/data: requests 600Gi of storage, more than the maximum 500Gi"
    );
    assert_eq!(results(&report)[0]["policy"], "storage");
}

#[test]
fn mutations_are_shown_as_json_patches() {
    require(&["pvc-contract"]);
    let claim = temp_file(
        "patches",
        "claim.yaml",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n",
    )
    .display()
    .to_string();
    let settings = r#"pvc-contract={"allowedStorageClasses": ["standard"], "defaultStorageClass": "standard"}"#;
    let args = [
        "scan",
        "--policy",
        "pvc-contract",
        "--settings",
        settings,
        "--show-patches",
        &claim,
    ];
    let (code, text, stderr) = outcome(&run(&args));
    assert_eq!(code, 0, "{stderr}");
    assert!(text.starts_with(&format!(
        "PersistentVolumeClaim shop/data  {claim}:1\n  PATCH pvc-contract  would apply this JSONPatch:\n        {{\"op\":\"add\",\"path\":\"/spec/storageClassName\",\"value\":\"standard\"}}\n"
    )), "{text}");

    // Deployed without `mutating: true`, the same answer is refused, as policy-server does.
    let config = temp_file(
        "patches",
        "config.yaml",
        &policy_resource(
            "storage",
            "pvc-contract",
            "  mutating: false\n  settings: {allowedStorageClasses: [standard], defaultStorageClass: standard}\n",
        ),
    );
    let output = run(&[
        "scan",
        "--config",
        &config.display().to_string(),
        "-f",
        "json",
        &claim,
    ]);
    assert_eq!(outcome(&output).0, 1);
    assert_eq!(
        results(&json_stdout(&output))[0]["message"],
        "Request rejected by policy storage. The policy attempted to mutate the request, but it is currently configured to not allow mutations."
    );
}

#[test]
fn context_files_are_the_cluster_the_bundle_lacks() {
    let (bundle, config) = files("context", &config());
    let context = temp_file(
        "context",
        "networkpolicies.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicyList\nitems:\n- metadata: {name: deny, namespace: shop}\n  spec: {podSelector: {}, policyTypes: [Ingress]}\n",
    );
    let output = run(&[
        "scan",
        "--config",
        &config,
        "--context",
        &context.display().to_string(),
        "-f",
        "json",
        &bundle,
    ]);
    let report = json_stdout(&output);
    assert_eq!(
        verdicts(&report),
        [
            triple("no-raw-datastores", "db", "fail"),
            triple("require-network-policy", "db", "pass"),
            triple("no-raw-datastores", "web", "pass"),
            triple("require-network-policy", "web", "pass"),
        ],
        "context objects are read, not evaluated"
    );
}

#[test]
fn built_in_policies_are_listed() {
    let (code, stdout, _) = outcome(&run(&["policies"]));
    assert_eq!(code, 0);
    for name in upstream_first::builtin::BUILTIN_POLICY_NAMES {
        assert!(stdout.contains(&format!("{name}\n  ")), "{stdout}");
    }
}

// ----------------------------------------------------------------------------------------
// run (kwctl-compatible)
// ----------------------------------------------------------------------------------------

fn request(object: &str) -> String {
    let object: Value = serde_yaml_ng::from_str(object).expect("YAML object");
    json!({
        "kind": "AdmissionReview",
        "apiVersion": "admission.k8s.io/v1",
        "request": {
            "uid": "u-1",
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "name": object["metadata"]["name"], "namespace": "shop", "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": object,
        }
    })
    .to_string()
}

fn bundle_document(index: usize) -> &'static str {
    BUNDLE.split("---\n").nth(index).expect("document")
}

#[test]
fn run_prints_the_admission_response_like_kwctl() {
    require(&["no-raw-datastores"]);
    let request = temp_file("run", "request.json", &request(bundle_document(1)));
    let (code, stdout, stderr) = outcome(&run(&[
        "run",
        "--request-path",
        &request.display().to_string(),
        "no-raw-datastores",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "{{\"uid\":\"u-1\",\"allowed\":false,\"status\":{{\"message\":{}}},\"auditAnnotations\":null,\"warnings\":null}}\n",
            json!(DB_MESSAGE)
        )
    );

    let settings = r#"{"exemptions": [{"namespace": "shop", "name": "db", "reason": "PLAT-9"}]}"#;
    let (code, stdout, _) = outcome(&run(&[
        "run",
        "--request-path",
        &request.display().to_string(),
        "--settings-json",
        settings,
        "no-raw-datastores",
    ]));
    assert_eq!(code, 0);
    let response: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(response["allowed"], true);
    assert_eq!(
        response["auditAnnotations"]["exemption"],
        "no-raw-datastores: PLAT-9"
    );
}

#[test]
fn run_refuses_invalid_settings_like_kwctl() {
    require(&["pvc-contract"]);
    let request = temp_file("run-settings", "request.json", &request(bundle_document(1)));
    let (code, stdout, stderr) = outcome(&run(&[
        "run",
        "--request-path",
        &request.display().to_string(),
        "--settings-json",
        r#"{"defaultStorageClass": "standard"}"#,
        "--allow-context-aware",
        "pvc-contract",
    ]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        "Error: Provided settings are not valid: \"defaultStorageClass: needs allowedStorageClasses\"\n"
    );
}

const SESSION: &str = r#"- type: Exchange
  request: |
    !KubernetesListResourceNamespace
    api_version: networking.k8s.io/v1
    kind: NetworkPolicy
    namespace: shop
    label_selector: null
    field_selector: null
  response:
    type: Success
    payload: '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicyList","metadata":{"resourceVersion":"1"},"items":[{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"deny","namespace":"shop"},"spec":{"podSelector":{},"policyTypes":["Ingress"]}}]}'
"#;

#[test]
fn run_replays_kwctl_sessions() {
    require(&["require-network-policy"]);
    let request = temp_file("replay", "request.json", &request(bundle_document(1)))
        .display()
        .to_string();
    let session = temp_file("replay", "session.yml", SESSION)
        .display()
        .to_string();
    let (code, stdout, stderr) = outcome(&run(&[
        "run",
        "--request-path",
        &request,
        "--allow-context-aware",
        "--replay-host-capabilities-interactions",
        &session,
        "require-network-policy",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "{\"uid\":\"u-1\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}\n"
    );
    assert_eq!(stderr, "", "the calls match the recording");

    // Another namespace: the policy asks for something the recording does not have.
    let other = request.replace("request.json", "other.json");
    std::fs::write(
        &other,
        std::fs::read_to_string(&request)
            .expect("request")
            .replace("\"shop\"", "\"other\""),
    )
    .expect("written");
    let (_, stdout, stderr) = outcome(&run(&[
        "run",
        "--request-path",
        &other,
        "--allow-context-aware",
        "--replay-host-capabilities-interactions",
        &session,
        "require-network-policy",
    ]));
    assert!(stdout.contains("\"allowed\":false"), "{stdout}");
    assert_eq!(
        stderr,
        "warning: replay: call 1: the policy asked to list networking.k8s.io/v1 NetworkPolicy in namespace other, the recording expected: list networking.k8s.io/v1 NetworkPolicy in namespace shop\n"
    );

    // Without --allow-context-aware the policy may not read NetworkPolicies, as with kwctl.
    let (_, _, stderr) = outcome(&run(&[
        "run",
        "--request-path",
        &request,
        "--replay-host-capabilities-interactions",
        &session,
        "require-network-policy",
    ]));
    assert!(stderr.starts_with("warning: the policy reads Kubernetes resources (networking.k8s.io/v1/NetworkPolicy), but --allow-context-aware was not given"), "{stderr}");
}
