//! no-sql-mutating-jobs, end to end: the built `.wasm` evaluated through the policy host, with
//! script ConfigMaps in the host's object store and the access the policy's `metadata.yml`
//! declares.

use std::path::Path;

use e2e_tests::{Policy, admission_request};
use policy_host::{
    AdmissionResponse, ContextAwareResource, HostCapabilities, HostContext, ObjectStore,
};
use rstest::rstest;
use serde_json::{Value, json};

const POLICY: &str = "no-sql-mutating-jobs";

const WRITE_FIX: &str = "hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)";
const OPAQUE_FIX: &str = "mount the script from a ConfigMap of the namespace so it can be checked, or use a versioned migration tool (flyway, liquibase, atlas, …)";

/// `contextAwareResources` and `hostCapabilities` as the policy's `metadata.yml` declares them.
fn declared_access() -> (Vec<ContextAwareResource>, HostCapabilities) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/no-sql-mutating-jobs/metadata.yml");
    let text = std::fs::read_to_string(&path).expect("metadata.yml");
    let metadata: Value = serde_yaml_ng::from_str(&text).expect("metadata.yml is YAML");
    let resources = serde_json::from_value(metadata["contextAwareResources"].clone())
        .expect("contextAwareResources");
    let capabilities: Vec<String> =
        serde_json::from_value(metadata["hostCapabilities"].clone()).expect("hostCapabilities");
    (
        resources,
        HostCapabilities::new(capabilities).expect("valid capability patterns"),
    )
}

fn context(objects: Vec<Value>) -> HostContext {
    let (resources, capabilities) = declared_access();
    HostContext::new()
        .with_object_store(ObjectStore::from_objects(objects).expect("valid objects"))
        .with_context_aware_resources(resources)
        .with_host_capabilities(capabilities)
}

fn policy(objects: Vec<Value>) -> Policy {
    Policy::with_context(POLICY, context(objects))
}

fn config_map(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "shop"}, "data": data})
}

/// A Job in namespace `shop` with `annotations` and one container `seed`.
fn job(name: &str, annotations: Value, container: Value) -> Value {
    let mut container = container;
    container["name"] = json!("seed");
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "shop", "annotations": annotations},
        "spec": {"backoffLimit": 1, "template": {"spec": {
            "restartPolicy": "Never", "containers": [container]
        }}}
    })
}

fn sh(script: &str) -> Value {
    json!({"image": "postgres:16-alpine", "command": ["sh", "-c", script]})
}

fn post_sync() -> Value {
    json!({"argocd.argoproj.io/hook": "PostSync", "argocd.argoproj.io/hook-delete-policy": "HookSucceeded"})
}

fn create(policy: &mut Policy, object: &Value, settings: Value) -> AdmissionResponse {
    policy.validate(admission_request("CREATE", object, None), settings)
}

fn rejection(heading: &str, detail: &str) -> String {
    format!("{heading}: container seed: {detail}; {WRITE_FIX}")
}

#[test]
fn inline_update_in_an_argo_cd_post_sync_job_is_rejected() {
    let object = job(
        "reconcile-users",
        post_sync(),
        sh(
            "psql -h db -U app -c \"UPDATE users SET role = 'admin' WHERE email = 'ops@example.com'\"",
        ),
    );
    let response = create(&mut policy(vec![]), &object, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            rejection(
                "Job shop/reconcile-users (Argo CD PostSync hook)",
                "psql runs UPDATE (-c): \"UPDATE users SET role = 'admin' WHERE email = 'ops@example.com'\""
            )
            .as_str()
        )
    );
    assert_eq!(response.code(), None);
}

#[rstest]
#[case::select(sh("psql -h db -c 'SELECT 1'"))]
#[case::mysql_show(sh("mysql -h db -uroot -e \"SHOW TABLES\" app"))]
#[case::mongosh_find(sh(
    "mongosh mongodb://mongo/app --quiet --eval 'db.orders.find({status: \"open\"}).count()'"
))]
#[case::kafka_topics(sh(
    "kafka-topics --bootstrap-server kafka:9092 --create --topic orders --partitions 3"
))]
#[case::flyway(json!({"image": "flyway/flyway:10", "args": ["-url=jdbc:postgresql://db/app", "migrate"]}))]
#[case::liquibase(json!({"image": "liquibase/liquibase:4.25", "command": ["liquibase", "--changelog-file=changelog.xml", "update"]}))]
#[case::kong_migrations(json!({"image": "kong:3.6", "command": ["/bin/bash", "-c", "kong migrations bootstrap && kong migrations up && kong migrations finish"]}))]
#[case::pg_isready_wait(sh("until pg_isready -h db; do sleep 2; done"))]
fn read_only_and_migration_tool_jobs_pass(#[case] container: Value) {
    let object = job("seed", post_sync(), container);
    let response = create(&mut policy(vec![]), &object, json!({}));
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(response.warnings, None);
}

#[test]
fn a_hook_named_like_a_migration_that_only_sleeps_passes() {
    let object = job(
        "upgrade-sql-schema",
        json!({"helm.sh/hook": "pre-upgrade", "helm.sh/hook-weight": "-5"}),
        sh("echo 'upgrading sql schema'; sleep 30"),
    );
    let response = create(&mut policy(vec![]), &object, json!({}));
    assert!(response.allowed);
}

#[rstest]
#[case::sql_from_env(
    json!({"image": "postgres:16", "command": ["sh", "-c", "psql -h db -c \"$SQL\""],
           "env": [{"name": "SQL", "value": "DELETE FROM sessions WHERE expires_at < now()"}]}),
    "psql runs DELETE (-c): \"DELETE FROM sessions WHERE expires_at < now()\""
)]
#[case::mongosh_insert(
    sh(
        "mongosh mongodb://mongo/app --eval 'db.settings.insertOne({key: \"maintenance\", value: false})'"
    ),
    "mongosh runs insertOne (--eval): \"db.settings.insertOne({key: \"maintenance\", value: false})\""
)]
#[case::mysql_insert(
    sh("mysql -h db app -e \"INSERT INTO flags (name) VALUES ('beta')\""),
    "mysql runs INSERT (-e): \"INSERT INTO flags (name) VALUES ('beta')\""
)]
#[case::echo_pipe(
    sh("echo 'TRUNCATE audit_log;' | psql -h db"),
    "psql runs TRUNCATE (pipe from echo): \"TRUNCATE audit_log\""
)]
fn hand_made_writes_are_rejected(#[case] container: Value, #[case] detail: &str) {
    let object = job("seed", json!({}), container);
    let response = create(&mut policy(vec![]), &object, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(rejection("Job shop/seed", detail).as_str())
    );
}

#[test]
fn heredoc_insert_in_a_sourced_config_map_script_is_rejected() {
    let scripts = config_map(
        "seed-scripts",
        json!({
            "run.sh": "#!/bin/bash\nset -euo pipefail\n. /scripts/lib/insert-admin.sh\n",
            "insert-admin.sh": "psql -v ON_ERROR_STOP=1 --username \"$POSTGRES_USER\" <<-EOSQL\n\tINSERT INTO users (email, role) VALUES ('ops@example.com', 'admin') ON CONFLICT DO NOTHING;\nEOSQL\n"
        }),
    );
    let object = json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "seed-admin", "namespace": "shop"},
        "spec": {"template": {"spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "seed", "image": "postgres:16", "command": ["/scripts/run.sh"],
                            "volumeMounts": [{"name": "scripts", "mountPath": "/scripts/run.sh", "subPath": "run.sh"},
                                             {"name": "lib", "mountPath": "/scripts/lib"}]}],
            "volumes": [
                {"name": "scripts", "configMap": {"name": "seed-scripts", "defaultMode": 493}},
                {"name": "lib", "projected": {"sources": [
                    {"serviceAccountToken": {"path": "token"}},
                    {"configMap": {"name": "seed-scripts", "items": [{"key": "insert-admin.sh", "path": "insert-admin.sh"}]}}
                ]}}
            ]
        }}}
    });
    let mut policy = policy(vec![scripts]);
    let response = create(&mut policy, &object, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            rejection(
                "Job shop/seed-admin",
                "psql runs INSERT (heredoc in /scripts/lib/insert-admin.sh): \"INSERT INTO users (email, role) VALUES ('ops@example.com', 'admin') ON CONFLICT…\""
            )
            .as_str()
        )
    );
    // Both volumes name the same ConfigMap: it is fetched once, masked to its data.
    let exchanges = policy.exchanges();
    assert_eq!(exchanges.len(), 1, "{exchanges:#?}");
    assert_eq!(exchanges[0].operation, "get_resource");
    assert_eq!(
        exchanges[0].request,
        json!({"api_version": "v1", "kind": "ConfigMap", "name": "seed-scripts", "namespace": "shop",
               "disable_cache": false, "field_masks": ["binaryData", "data"]})
    );
}

const HASURA_CURL: &str = "curl -sf -X POST http://hasura:8080/v1/metadata -H 'Content-Type: application/json' -d '{\"type\":\"reload_metadata\",\"args\":{}}'";

#[rstest]
#[case::post_sync_hook(post_sync(), json!({}), Some("Job shop/hasura-reload (Argo CD PostSync hook)"))]
#[case::helm_hook(json!({"helm.sh/hook": "post-install,post-upgrade"}), json!({}), Some("Job shop/hasura-reload (Helm post-install, post-upgrade hook)"))]
#[case::not_a_hook(json!({}), json!({}), None)]
#[case::not_a_hook_scope_all(json!({}), json!({"httpScope": "all"}), Some("Job shop/hasura-reload"))]
#[case::hook_scope_off(post_sync(), json!({"httpScope": "off"}), None)]
fn curl_writes_to_in_cluster_services(
    #[case] annotations: Value,
    #[case] settings: Value,
    #[case] rejected_as: Option<&str>,
) {
    let object = job(
        "hasura-reload",
        annotations,
        json!({"image": "curlimages/curl:8.5.0", "command": ["sh", "-c", HASURA_CURL]}),
    );
    let response = create(&mut policy(vec![]), &object, settings);
    let expected = rejected_as.map(|heading| {
        rejection(
            heading,
            "curl sends POST to in-cluster host hasura: \"curl -sf -X POST http://hasura:8080/v1/metadata -H \"Content-Type: application/j…\"",
        )
    });
    assert_eq!(response.allowed, expected.is_none());
    assert_eq!(response.message(), expected.as_deref());
}

/// A Job that runs `/scripts/seed.sh` from volume `scripts`.
fn script_job(volume: Value) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "seed", "namespace": "shop"},
        "spec": {"template": {"spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "seed", "image": "postgres:16", "command": ["bash", "/scripts/seed.sh"],
                            "volumeMounts": [{"name": "scripts", "mountPath": "/scripts"}]}],
            "volumes": [volume]
        }}}
    })
}

fn config_map_volume() -> Value {
    json!({"name": "scripts", "configMap": {"name": "seed-scripts"}})
}

fn secret_volume() -> Value {
    json!({"name": "scripts", "secret": {"secretName": "seed-scripts"}})
}

const OPAQUE_SEED: &str = "Job shop/seed: container seed: bash runs a script that could not be inspected (script: /scripts/seed.sh): \"/scripts/seed.sh\"";
const MISSING_CONFIG_MAP: &str = "Job shop/seed: ConfigMap shop/seed-scripts could not be read (error invoking host capability kubernetes.get_resource: Host error: Callback evaluation failure: Cannot find v1/ConfigMap named 'seed-scripts' inside of namespace 'Some(\"shop\")'); the scripts mounted from it could not be inspected";

enum Expect {
    Accepted(&'static [&'static str]),
    Rejected(&'static str, &'static [&'static str]),
}

#[rstest]
#[case::present_reads_the_script(
    config_map_volume(), true, "reject",
    Expect::Rejected("Job shop/seed: container seed: psql runs DROP TABLE (-c in /scripts/seed.sh): \"DROP TABLE IF EXISTS legacy_orders\"; hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)", &[])
)]
#[case::present_allow_still_reads_it(
    config_map_volume(), true, "allow",
    Expect::Rejected("Job shop/seed: container seed: psql runs DROP TABLE (-c in /scripts/seed.sh): \"DROP TABLE IF EXISTS legacy_orders\"; hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)", &[])
)]
#[case::absent_reject(config_map_volume(), false, "reject", Expect::Rejected(OPAQUE_SEED, &[MISSING_CONFIG_MAP]))]
#[case::absent_warn(config_map_volume(), false, "warn", Expect::Accepted(&[OPAQUE_SEED, MISSING_CONFIG_MAP]))]
#[case::absent_allow(config_map_volume(), false, "allow", Expect::Accepted(&[]))]
#[case::secret_reject(secret_volume(), true, "reject", Expect::Rejected(OPAQUE_SEED, &[]))]
#[case::secret_warn(secret_volume(), true, "warn", Expect::Accepted(&[OPAQUE_SEED]))]
#[case::secret_allow(secret_volume(), true, "allow", Expect::Accepted(&[]))]
fn scripts_that_cannot_be_inspected_follow_opaque_scripts(
    #[case] volume: Value,
    #[case] config_map_exists: bool,
    #[case] mode: &str,
    #[case] expected: Expect,
) {
    let objects = if config_map_exists {
        vec![config_map(
            "seed-scripts",
            json!({"seed.sh": "#!/bin/bash\npsql -h db -c 'DROP TABLE IF EXISTS legacy_orders'\n"}),
        )]
    } else {
        vec![]
    };
    let mut policy = policy(objects);
    let response = create(
        &mut policy,
        &script_job(volume.clone()),
        json!({"opaqueScripts": mode}),
    );
    let with_fix = |m: &str| {
        if m.starts_with(OPAQUE_SEED) {
            format!("{m}; {OPAQUE_FIX}")
        } else {
            m.to_owned()
        }
    };
    let warnings = |w: &[&str]| -> Option<Vec<String>> {
        (!w.is_empty()).then(|| w.iter().map(|m| with_fix(m)).collect())
    };
    match expected {
        Expect::Accepted(expected_warnings) => {
            assert!(response.allowed, "{:?}", response.message());
            assert_eq!(response.warnings, warnings(expected_warnings));
        }
        Expect::Rejected(message, expected_warnings) => {
            assert!(!response.allowed);
            assert_eq!(response.message(), Some(with_fix(message).as_str()));
            assert_eq!(response.warnings, warnings(expected_warnings));
        }
    }
    // A Secret is never asked of the host.
    if volume.get("secret").is_some() {
        assert_eq!(policy.exchanges(), vec![]);
    }
}

#[test]
fn without_access_to_config_maps_the_scripts_cannot_be_inspected() {
    // Deployed without `contextAwareResources`: the host refuses, the request is judged anyway.
    let context = HostContext::new()
        .with_object_store(
            ObjectStore::from_objects([config_map("seed-scripts", json!({"seed.sh": "true"}))])
                .expect("valid objects"),
        )
        .with_host_capabilities(HostCapabilities::new(["kubernetes/get_resource"]).unwrap());
    let mut policy = Policy::with_context(POLICY, context);
    let response = create(&mut policy, &script_job(config_map_volume()), json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(format!("{OPAQUE_SEED}; {OPAQUE_FIX}").as_str())
    );
    assert_eq!(
        response.warnings,
        Some(vec!["Job shop/seed: ConfigMap shop/seed-scripts could not be read (error invoking host capability kubernetes.get_resource: Host error: Policy has not been granted access to Kubernetes v1/ConfigMap resources. The violation has been reported.); the scripts mounted from it could not be inspected".to_owned()])
    );
}

#[test]
fn cron_job_is_judged() {
    let object = json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "purge-sessions", "namespace": "shop"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure",
            "containers": [{"name": "purge", "image": "postgres:16",
                            "command": ["psql", "-h", "db", "-c", "DELETE FROM sessions WHERE expires_at < now()"]}]
        }}}}}
    });
    let response = create(&mut policy(vec![]), &object, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(format!("CronJob shop/purge-sessions: container purge: psql runs DELETE (-c): \"DELETE FROM sessions WHERE expires_at < now()\"; {WRITE_FIX}").as_str())
    );
}

#[rstest]
#[case::pod_of_a_job(json!({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "seed-x7k2p", "namespace": "shop",
                 "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "seed", "uid": "1", "controller": true}]},
    "spec": {"containers": [{"name": "seed", "image": "postgres:16", "command": ["psql", "-c", "TRUNCATE t"]}]}
}), true)]
#[case::bare_pod(json!({
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "seed", "namespace": "shop"},
    "spec": {"containers": [{"name": "seed", "image": "postgres:16", "command": ["psql", "-c", "TRUNCATE t"]}]}
}), false)]
#[case::config_map_with_init_sql(json!({
    "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "initdb", "namespace": "shop"},
    "data": {"init.sql": "CREATE TABLE t (id int);"}
}), true)]
fn scope(#[case] object: Value, #[case] allowed: bool) {
    let response = create(&mut policy(vec![]), &object, json!({}));
    assert_eq!(response.allowed, allowed, "{:?}", response.message());
}

#[test]
fn secret_variables_are_shown_by_name_not_value() {
    let object = job(
        "rotate-app-password",
        post_sync(),
        json!({"image": "postgres:16",
               "command": ["sh", "-c", "psql \"postgresql://admin:$ADMIN_PASSWORD@db/app\" -c \"ALTER ROLE app PASSWORD '$APP_DB_PASSWORD'\""],
               "env": [{"name": "ADMIN_PASSWORD", "value": "correct-horse"},
                       {"name": "APP_DB_PASSWORD", "value": "battery-staple"}]}),
    );
    let response = create(&mut policy(vec![]), &object, json!({}));
    let message = response.message().unwrap_or_default();
    assert_eq!(
        message,
        rejection(
            "Job shop/rotate-app-password (Argo CD PostSync hook)",
            "psql runs ALTER ROLE (-c): \"ALTER ROLE app PASSWORD '$APP_DB_PASSWORD'\""
        )
    );
    assert!(!message.contains("battery") && !message.contains("horse"));
}

#[test]
fn update_keeps_pre_existing_writes_as_warnings_and_rejects_new_ones() {
    let old = job("seed", json!({}), sh("psql -c 'DELETE FROM a'"));
    let mut same = old.clone();
    same["spec"]["backoffLimit"] = json!(3);
    let mut policy = policy(vec![]);
    let response = policy.validate(admission_request("UPDATE", &same, Some(&old)), json!({}));
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "pre-existing violation accepted on UPDATE (enforceOnUpdate: new-violations): {}",
            rejection("Job shop/seed", "psql runs DELETE (-c): \"DELETE FROM a\"")
        )])
    );
    let new = job(
        "seed",
        json!({}),
        sh("psql -c 'DELETE FROM a'; mongosh --eval 'db.a.drop()'"),
    );
    let response = policy.validate(admission_request("UPDATE", &new, Some(&old)), json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            rejection(
                "Job shop/seed",
                "mongosh runs drop (--eval): \"db.a.drop()\""
            )
            .as_str()
        )
    );
}

#[test]
fn warn_only_and_exemptions() {
    let object = job("seed", json!({}), sh("psql -c 'DELETE FROM a'"));
    let mut policy = policy(vec![]);
    let response = create(&mut policy, &object, json!({"warnOnly": true}));
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "no-sql-mutating-jobs (warnOnly): {}",
            rejection("Job shop/seed", "psql runs DELETE (-c): \"DELETE FROM a\"")
        )])
    );
    let exempt = json!({"exemptions": [{"namespace": "shop", "name": "seed", "kind": "Job", "reason": "one-off data fix, INC-42"}]});
    let response = create(&mut policy, &object, exempt);
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![
            "Job shop/seed is exempt from no-sql-mutating-jobs (exemptions): one-off data fix, INC-42".to_owned()
        ])
    );
}

#[rstest]
#[case::delete("DELETE", true, None)]
#[case::malformed(
    "CREATE",
    false,
    Some(
        "cannot read Job shop/seed: spec.template.spec.containers[0].command: invalid type: string \"psql -c x\", expected a sequence"
    )
)]
fn operations_and_malformed_objects(
    #[case] operation: &str,
    #[case] allowed: bool,
    #[case] message: Option<&str>,
) {
    let object = job("seed", json!({}), json!({"command": "psql -c x"}));
    let mut policy = policy(vec![]);
    let response = policy.validate(admission_request(operation, &object, None), json!({}));
    assert_eq!(response.allowed, allowed);
    assert_eq!(response.message(), message);
    if !allowed {
        assert_eq!(response.code(), Some(400));
    }
}

#[rstest]
#[case(json!({}), true, None)]
#[case(json!({"httpScope": "all", "opaqueScripts": "warn", "allowedTools": ["flyway", "my-migrator"]}), true, None)]
#[case(json!({"httpScope": "sometimes"}), false, Some("httpScope: unknown variant `sometimes`, expected one of `hooks`, `all`, `off`"))]
#[case(json!({"opaqueScripts": "deny"}), false, Some("opaqueScripts: unknown variant `deny`, expected one of `reject`, `warn`, `allow`"))]
#[case(json!({"allowedTools": ["flyway", ""]}), false, Some("allowedTools[1]: must not be empty"))]
#[case(json!({"allowedTools": ["bin/migrate"]}), false, Some("allowedTools[0]: must be a command or image name, without spaces or slashes (it matches the program name and the image's last path segment)"))]
#[case(json!({"allowedTool": []}), false, Some("allowedTool: unknown field `allowedTool`, expected one of `httpScope`, `opaqueScripts`, `allowedTools`"))]
fn settings_validation(
    #[case] settings: Value,
    #[case] valid: bool,
    #[case] message: Option<&str>,
) {
    let response = policy(vec![]).validate_settings(settings);
    assert_eq!(response.valid, valid);
    assert_eq!(response.message.as_deref(), message);
}

#[test]
fn allowed_tools_replace_the_default_list() {
    // An image that is an allowed tool, run with its own entrypoint, is not read at all.
    let object = job(
        "schema-sync",
        json!({}),
        json!({"image": "registry.corp/platform/schema-sync:2.4", "args": ["psql", "-c", "ALTER TABLE t ADD COLUMN c int"]}),
    );
    let mut policy = policy(vec![]);
    let response = create(&mut policy, &object, json!({}));
    assert!(!response.allowed);
    let response = create(
        &mut policy,
        &object,
        json!({"allowedTools": ["schema-sync"]}),
    );
    assert!(response.allowed, "{:?}", response.message());
}

#[test]
fn bank_of_anthos_populate_job_from_the_corpus() {
    let objects: Vec<Value> = e2e_tests::load_objects(
        &e2e_tests::corpus_dir().join("boa-populate-accounts-db-sql-job.yaml"),
    )
    .into_iter()
    .map(|mut object| {
        object["metadata"]["namespace"] = json!("bank");
        object
    })
    .collect();
    let job = objects
        .iter()
        .find(|o| o["kind"] == "Job")
        .expect("the corpus file has a Job")
        .clone();
    let mut policy = policy(objects);
    let response = create(&mut policy, &job, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            rejection(
                "Job bank/populate-accounts-db",
                "psql runs CREATE TABLE (-f /scripts/0-accounts-schema.sql in /scripts/initialize-database.sh): \"CREATE TABLE IF NOT EXISTS users ( accountid CHAR(10) PRIMARY KEY, username VAR…\", and 7 more SQL writes (CREATE INDEX, CREATE TABLE, INSERT)"
            )
            .replace("container seed", "container populate-accounts-db")
            .as_str()
        )
    );
    assert_eq!(response.warnings, None);
    // Two containers mount the same ConfigMap: it is fetched once.
    let fetched: Vec<Value> = policy
        .exchanges()
        .into_iter()
        .map(|e| e.request["name"].clone())
        .collect();
    assert_eq!(fetched, [json!("accounts-schema-config")]);
}

/// Deeply nested SQL (found by the sql_classification fuzzer: it overflows the stack of an
/// unoptimised native build) is read by the module within its stack: a write is still found,
/// and nesting past sqlparser's recursion limit falls back to the keyword reading.
#[rstest]
#[case::nested_write(
    format!("MERGE {}!", "(".repeat(21)),
    Some(format!("psql runs MERGE (-c): \"MERGE {}!\"", "(".repeat(21)))
)]
#[case::nested_read(format!("SELECT {}1{}", "(".repeat(200), ")".repeat(200)), None)]
fn deeply_nested_sql_is_read_without_a_trap(#[case] sql: String, #[case] detail: Option<String>) {
    let object = job(
        "seed",
        json!({}),
        json!({"image": "postgres:16", "command": ["psql", "-c", sql]}),
    );
    let response = create(&mut policy(vec![]), &object, json!({}));
    assert_eq!(response.code(), None, "{:?}", response.message());
    match detail {
        Some(detail) => {
            assert!(!response.allowed);
            assert_eq!(
                response.message(),
                Some(rejection("Job shop/seed", &detail).as_str())
            );
        }
        None => assert!(response.allowed, "{:?}", response.message()),
    }
}

/// One instance answers the same large request again and again within a 64 MiB memory limit,
/// as policy-server and the scanner reuse instances: the memory a request frees (the modules'
/// size-classed allocator keeps freed blocks on its free lists) serves the next one, so nothing
/// grows from request to request. Each request carries a ~200 KiB script (under the 256 KiB
/// a script may have) whose syntax tree and JSON take several MB: a leak would pass the limit
/// long before the last of the 60 requests, and trap.
#[test]
fn memory_a_request_frees_serves_the_next() {
    use policy_host::{Limits, PolicyEngine, PolicyModule, testing};

    let engine = PolicyEngine::shared().expect("wasmtime engine");
    let limits = Limits {
        max_memory_bytes: Some(64 << 20),
        ..Limits::default()
    };
    let module = PolicyModule::from_file(&engine, testing::policy_path(POLICY), limits)
        .expect("the built module");
    let mut evaluator = module.evaluator(context(Vec::new()));
    let reads = "psql -h db -c \"SELECT count(*) FROM tenants WHERE plan = 'standard'\"\n";
    let script = reads.repeat((200 << 10) / reads.len())
        + "psql -h db -c \"UPDATE tenants SET plan = 'gold'\"\n";
    let request = admission_request("CREATE", &job("big", json!({}), sh(&script)), None);

    let first = evaluator
        .validate_value(request.clone(), &json!({}))
        .expect("first answer");
    assert!(!first.allowed, "{first:?}");
    let message = first.status.as_ref().and_then(|s| s.message.clone());
    assert!(
        message.as_deref().is_some_and(|m| m.contains("UPDATE")),
        "{message:?}"
    );
    for round in 1..60 {
        let again = evaluator
            .validate_value(request.clone(), &json!({}))
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(
            (again.allowed, again.status.and_then(|s| s.message)),
            (false, message.clone()),
            "round {round}"
        );
    }
}
