//! no-raw-datastores, end to end: the built `.wasm` evaluated through the policy host.

use e2e_tests::{Policy, admission_request};
use rstest::rstest;
use serde_json::{Value, json};
use upstream_first_rules::catalog::{Catalog, ComponentClass};

const POLICY: &str = "no-raw-datastores";

const POSTGRES_FIX: &str = "use the CloudNativePG operator (Cluster CR) or the bitnami/postgresql Helm chart instead: https://cloudnative-pg.io/documentation/current/";
const VALKEY_FIX: &str = "use the Valkey Helm chart (valkey-io) or the bitnami/valkey Helm chart instead: https://valkey.io/valkey-helm/";
const REDIS_FIX: &str = "use the bitnami/redis Helm chart, the redis-ha Helm chart, or the Redis operator (Redis or RedisReplication CR) instead: https://github.com/bitnami/charts/tree/main/bitnami/redis";
const KAFKA_FIX: &str = "use the Strimzi operator (Kafka and KafkaNodePool CRs), the Redpanda Helm chart, or the bitnami/kafka Helm chart instead: https://strimzi.io/documentation/";

fn statefulset(name: &str, metadata_extra: Value, containers: Value) -> Value {
    let mut metadata = json!({"name": name, "namespace": "data"});
    if let (Some(m), Some(extra)) = (metadata.as_object_mut(), metadata_extra.as_object()) {
        m.extend(extra.clone());
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata,
        "spec": {
            "serviceName": name,
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": containers}
            }
        }
    })
}

fn server(image: &str) -> Value {
    json!([{"name": "server", "image": image}])
}

fn evaluate(object: &Value, settings: Value) -> policy_host::AdmissionResponse {
    Policy::new(POLICY).validate(admission_request("CREATE", object, None), settings)
}

#[test]
fn every_catalog_datastore_is_rejected() {
    let mut policy = Policy::new(POLICY);
    let datastores = Catalog::builtin()
        .components()
        .iter()
        .filter(|c| c.class == ComponentClass::Datastore);
    let mut count = 0;
    for component in datastores {
        count += 1;
        let repository = &component.images[0];
        let image = format!("{repository}:1.0");
        let object = statefulset(&component.id, json!({}), server(&image));
        let response = policy.validate(admission_request("CREATE", &object, None), json!({}));
        assert!(!response.allowed, "{} ({image}) was accepted", component.id);
        assert_eq!(
            response.message(),
            Some(
                format!(
                    "StatefulSet data/{}: container server (image {image}) runs {} (image repository {repository}) without an upstream Helm chart or operator; use {} instead: {}",
                    component.id,
                    component.display_name,
                    component.replacement.summary,
                    component.replacement.url
                )
                .as_str()
            )
        );
    }
    assert!(count >= 25, "only {count} datastores in the catalog");
}

#[rstest]
#[case::postgres_official(
    server("postgres:16"),
    format!("StatefulSet data/db: container server (image postgres:16) runs PostgreSQL (image repository library/postgres) without an upstream Helm chart or operator; {POSTGRES_FIX}")
)]
#[case::postgres_mirror_digest(
    server("public.ecr.aws/docker/library/postgres@sha256:4e6e670bb069649261c9c18031f0aded7bb249a5b6664ddec29c013a89310d50"),
    format!("StatefulSet data/db: container server (image public.ecr.aws/docker/library/postgres@sha256:4e6e670bb069649261c9c18031f0aded7bb249a5b6664ddec29c013a89310d50) runs PostgreSQL (image repository docker/library/postgres) without an upstream Helm chart or operator; {POSTGRES_FIX}")
)]
#[case::port_and_data_path(
    json!([{"name": "pg", "image": "registry.corp/team/db:3", "ports": [{"containerPort": 5432}],
            "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}]}]),
    format!("StatefulSet data/db: container pg (image registry.corp/team/db:3) runs PostgreSQL (server port 5432 with data directory /var/lib/postgresql/data mounted) without an upstream Helm chart or operator; {POSTGRES_FIX}")
)]
#[case::port_and_env(
    json!([{"name": "broker", "image": "registry.corp/team/broker:3", "ports": [{"containerPort": 9092}],
            "env": [{"name": "KAFKA_PROCESS_ROLES", "value": "broker,controller"}]}]),
    format!("StatefulSet data/db: container broker (image registry.corp/team/broker:3) runs Apache Kafka (server port 9092 with server environment KAFKA_PROCESS_ROLES) without an upstream Helm chart or operator; {KAFKA_FIX}")
)]
#[case::tag_hint(
    json!([{"name": "broker", "image": "registry.corp/platform/demo:2.1.3-kafka", "ports": [{"containerPort": 9092}]}]),
    format!("StatefulSet data/db: container broker (image registry.corp/platform/demo:2.1.3-kafka) runs Apache Kafka (image tag names kafka and server port 9092 agrees) without an upstream Helm chart or operator; {KAFKA_FIX}")
)]
#[case::valkey_ghcr(
    json!([{"name": "valkey", "image": "ghcr.io/valkey-io/valkey:8.1", "ports": [{"containerPort": 6379}]}]),
    format!("StatefulSet data/db: container valkey (image ghcr.io/valkey-io/valkey:8.1) runs Valkey (image repository valkey-io/valkey) without an upstream Helm chart or operator; {VALKEY_FIX}")
)]
#[case::postgres_sclorg(
    server("quay.io/sclorg/postgresql-16-c9s:latest"),
    format!("StatefulSet data/db: container server (image quay.io/sclorg/postgresql-16-c9s:latest) runs PostgreSQL (image repository sclorg/postgresql-16-c9s) without an upstream Helm chart or operator; {POSTGRES_FIX}")
)]
#[case::named_rehost_with_port(
    json!([{"name": "cache", "image": "harbor.corp/platform-mirror/valkey:8.1", "ports": [{"containerPort": 6379}]}]),
    format!("StatefulSet data/db: container cache (image harbor.corp/platform-mirror/valkey:8.1) runs Valkey (image named valkey and server port 6379 agrees) without an upstream Helm chart or operator; {VALKEY_FIX}")
)]
#[case::named_rehost_with_data_path(
    json!([{"name": "pg", "image": "registry.corp/mirrors/postgres:16", "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}]}]),
    format!("StatefulSet data/db: container pg (image registry.corp/mirrors/postgres:16) runs PostgreSQL (image named postgres and data directory /var/lib/postgresql/data agrees) without an upstream Helm chart or operator; {POSTGRES_FIX}")
)]
fn rejected_with_evidence(#[case] containers: Value, #[case] message: String) {
    let response = evaluate(&statefulset("db", json!({}), containers), json!({}));
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(message.as_str()));
}

#[test]
fn local_chart_named_kafka_running_apache_kafka_is_rejected() {
    let object = statefulset(
        "kafka",
        json!({"labels": {"helm.sh/chart": "kafka-0.1.0", "app.kubernetes.io/managed-by": "Helm"}}),
        server("apache/kafka:3.9.0"),
    );
    let response = evaluate(&object, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(format!("StatefulSet data/kafka: container server (image apache/kafka:3.9.0) runs Apache Kafka (image repository apache/kafka) without an upstream Helm chart or operator; {KAFKA_FIX}").as_str())
    );
}

#[rstest]
#[case::cnpg_owner(json!({"ownerReferences": [{"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "name": "pg", "uid": "1", "controller": true}]}), "ghcr.io/cloudnative-pg/postgresql:16.4")]
#[case::owner_without_api_version(json!({"ownerReferences": [{"kind": "postgresql", "name": "acid-minimal", "uid": "1"}]}), "ghcr.io/zalando/spilo-16:3.3-p1")]
#[case::bitnami_chart(json!({"labels": {"helm.sh/chart": "postgresql-16.4.2", "app.kubernetes.io/managed-by": "Helm"}}), "docker.io/bitnami/postgresql:17.2.0-debian-12-r3")]
#[case::prerelease_chart(json!({"labels": {"helm.sh/chart": "postgresql-ha-14.2.1"}}), "bitnami/postgresql-repmgr:16.4.0")]
#[case::legacy_chart_label(json!({"labels": {"chart": "kafka-20.0.6", "heritage": "Helm"}}), "bitnami/kafka:3.3.1")]
#[case::strimzi_podset(json!({"ownerReferences": [{"apiVersion": "core.strimzi.io/v1beta2", "kind": "StrimziPodSet", "name": "my-cluster-kafka", "uid": "1"}]}), "quay.io/strimzi/kafka:0.45.0-kafka-3.9.0")]
#[case::argocd_bundle(json!({"labels": {"app.kubernetes.io/part-of": "argocd", "app.kubernetes.io/name": "argocd-redis"}}), "public.ecr.aws/docker/library/redis:8.10.1-alpine")]
fn upstream_provided_is_accepted(#[case] metadata: Value, #[case] image: &str) {
    let response = evaluate(&statefulset("db", metadata, server(image)), json!({}));
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(response.warnings, None);
}

#[rstest]
#[case::exporter(json!([{"name": "exporter", "image": "oliver006/redis_exporter:v1.62.0", "ports": [{"containerPort": 9121}]}]))]
#[case::postgres_exporter(json!([{"name": "exporter", "image": "quay.io/prometheuscommunity/postgres-exporter:v0.15.0", "env": [{"name": "DATA_SOURCE_NAME", "value": "postgresql://db:5432"}]}]))]
#[case::client(json!([{"name": "wait", "image": "postgres:16", "command": ["sh", "-c", "until pg_isready -h db; do sleep 1; done; sleep infinity"]}]))]
#[case::first_party(json!([{"name": "web", "image": "registry.corp/shop/web:1.2.3", "ports": [{"containerPort": 8080}]}]))]
#[case::named_like_postgres_without_evidence(json!([{"name": "api", "image": "registry.corp/payments/postgres:2.4.0", "ports": [{"containerPort": 8080}]}]))]
#[case::named_like_redis_running_client(json!([{"name": "ping", "image": "registry.corp/tools/redis:7", "command": ["redis-cli", "-h", "cache", "ping"], "ports": [{"containerPort": 6379}]}]))]
#[case::named_like_an_application(json!([{"name": "ui", "image": "registry.corp/mirror/grafana:11.3.0", "ports": [{"containerPort": 3000}]}]))]
fn not_datastore_servers_are_accepted(#[case] containers: Value) {
    let response = evaluate(&statefulset("app", json!({}), containers), json!({}));
    assert!(response.allowed, "{:?}", response.message());
}

fn script(image: &str, script: &str) -> Value {
    json!([{"name": "server", "image": image, "command": ["/bin/sh", "-c", script]}])
}

/// A script whose commands (as the shell reader expands them) only run a client (a restore,
/// a dump, a wait) is a client container; one with a syntax error is read word by word.
#[rstest]
#[case::client_in_a_variable(script("redis:7", "CLI=\"redis-cli -h cache\"\n$CLI ping"))]
#[case::client_in_an_array(script(
    "postgres:16",
    "cmd=(pg_restore -h db -d app)\n\"${cmd[@]}\" /backup/app.dump"
))]
#[case::client_through_eval(script(
    "mongo:7",
    "eval \"mongorestore --uri=mongodb://db:27017 /backup\""
))]
#[case::client_through_xargs(script(
    "postgres:16",
    "ls /backup/*.sql | xargs -n1 psql -h db -d app -f"
))]
#[case::client_in_a_function_called_later(script(
    "postgres:16",
    "restore() {\n  pg_restore -h db -d app \"$1\"\n}\necho restoring\nrestore /backup/app.dump"
))]
#[case::syntax_error_read_word_by_word(script(
    "postgres:16",
    "until pg_isready -h db; do sleep 1; done; echo \"unterminated"
))]
fn client_scripts_are_accepted(#[case] containers: Value) {
    let response = evaluate(&statefulset("app", json!({}), containers), json!({}));
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(response.warnings, None);
}

/// A script that starts the server, after a wait or in a function, runs the datastore.
#[rstest]
#[case::server_after_a_wait(script(
    "redis:7",
    "until redis-cli -h master ping; do sleep 1; done\nexec redis-server --replicaof master 6379"
))]
#[case::server_in_a_function(script(
    "redis:7",
    "start() { exec redis-server --appendonly yes; }\nredis-cli -h master ping || true\nstart"
))]
#[case::server_in_a_variable(script(
    "redis:7",
    "redis-cli -h master ping\nSERVER=\"redis-server --port 6379\"\nexec $SERVER"
))]
#[case::syntax_error_read_word_by_word(script(
    "redis:7",
    "until redis-cli ping; do sleep 1; done; exec redis-server \"unterminated"
))]
fn server_starts_are_rejected(#[case] containers: Value) {
    let response = evaluate(&statefulset("db", json!({}), containers), json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(format!("StatefulSet data/db: container server (image redis:7) runs Redis (image repository library/redis) without an upstream Helm chart or operator; {REDIS_FIX}").as_str())
    );
}

/// The word-by-word reading is no-raw-datastores' alone: the same unreadable script in a Job
/// that runs SQL is a script no-sql-mutating-jobs could not inspect.
#[test]
fn a_syntax_error_is_read_word_by_word_only_for_client_detection() {
    let text = "until pg_isready -h db; do sleep 1; done; psql -h db -c 'DELETE FROM t'; echo \"unterminated";
    let deployment = statefulset("app", json!({}), script("postgres:16", text));
    assert!(evaluate(&deployment, json!({})).allowed);
    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "seed", "namespace": "shop"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
            {"name": "seed", "image": "postgres:16", "command": ["/bin/sh", "-c", text]}
        ]}}}
    });
    let response = Policy::new("no-sql-mutating-jobs")
        .validate(admission_request("CREATE", &job, None), json!({}));
    assert!(!response.allowed);
    let message = response.message().unwrap_or_default();
    assert!(
        message.starts_with("Job shop/seed: container seed: sh runs a script that could not be inspected (parse: shell syntax error: "),
        "{message}"
    );
}

/// Client detection links job-scripts' shell reader and walker, never its SQL parser (whose
/// error text every module that links it carries).
#[test]
fn the_module_links_the_shell_reader_without_the_sql_parser() {
    const SQL_PARSER_TEXT: &[u8] = b"sql parser error";
    let links_sql_parser = |policy: &str| {
        let path = policy_host::testing::policy_path(policy);
        let module = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        module
            .windows(SQL_PARSER_TEXT.len())
            .any(|w| w == SQL_PARSER_TEXT)
    };
    assert!(links_sql_parser("no-sql-mutating-jobs"));
    assert!(!links_sql_parser(POLICY));
}

#[test]
fn init_containers_are_not_servers() {
    let mut object = statefulset("app", json!({}), server("registry.corp/shop/web:1"));
    object["spec"]["template"]["spec"]["initContainers"] =
        json!([{"name": "wait-db", "image": "postgres:16", "command": ["pg_isready"]}]);
    assert!(evaluate(&object, json!({})).allowed);
}

#[rstest]
#[case::job("batch/v1", "Job", json!({"template": {"spec": {"containers": [{"name": "db", "image": "redis:7"}]}}}))]
#[case::cronjob("batch/v1", "CronJob", json!({"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "db", "image": "redis:7"}]}}}}}))]
#[case::configmap("v1", "ConfigMap", Value::Null)]
fn out_of_scope_kinds_are_accepted(
    #[case] api_version: &str,
    #[case] kind: &str,
    #[case] spec: Value,
) {
    let object = json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "data"}, "spec": spec});
    let response = evaluate(&object, json!({}));
    assert!(response.allowed, "{:?}", response.message());
}

#[test]
fn pods_and_replicasets_of_a_controller_are_judged_at_the_controller() {
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "cache-0", "namespace": "shop",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "cache", "uid": "1", "controller": true}]},
        "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}
    });
    assert!(evaluate(&pod, json!({})).allowed);

    let bare_pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "cache", "namespace": "shop"},
        "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}
    });
    let response = evaluate(&bare_pod, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "Pod shop/cache: container redis (image redis:7) runs Redis (image repository library/redis) without an upstream Helm chart or operator; use the bitnami/redis Helm chart, the redis-ha Helm chart, or the Redis operator (Redis or RedisReplication CR) instead: https://github.com/bitnami/charts/tree/main/bitnami/redis"
        )
    );
}

#[test]
fn exemption_is_accepted_with_its_reason() {
    let settings = json!({"exemptions": [{"namespace": "data", "name": "db", "kind": "StatefulSet", "reason": "migrating to CloudNativePG, PLAT-1234"}]});
    let response = evaluate(
        &statefulset("db", json!({}), server("postgres:16")),
        settings,
    );
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec!["StatefulSet data/db is exempt from no-raw-datastores (exemptions): migrating to CloudNativePG, PLAT-1234".to_string()])
    );
    assert_eq!(
        response.audit_annotations.unwrap()["exemption"],
        "no-raw-datastores: migrating to CloudNativePG, PLAT-1234"
    );
}

#[test]
fn exempt_namespace_is_accepted() {
    let response = evaluate(
        &statefulset("db", json!({}), server("postgres:16")),
        json!({"exemptNamespaces": ["da*"]}),
    );
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec!["StatefulSet data/db is exempt from no-raw-datastores (exemptNamespaces): namespace matches exemptNamespaces pattern \"da*\"".to_string()])
    );
}

#[test]
fn annotation_waiver_is_ignored_by_default_and_honoured_when_allowed() {
    let waived = statefulset(
        "db",
        json!({"annotations": {"upstream-first.io/exempt": "no-raw-datastores", "upstream-first.io/exempt-reason": "vendor appliance"}}),
        server("postgres:16"),
    );
    let response = evaluate(&waived, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec!["StatefulSet data/db: annotation upstream-first.io/exempt is ignored: allowAnnotationExemptions is false in the no-raw-datastores settings; ask the platform team for an exemption".to_string()])
    );

    let response = evaluate(&waived, json!({"allowAnnotationExemptions": true}));
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec!["StatefulSet data/db is exempt from no-raw-datastores (upstream-first.io/exempt): vendor appliance".to_string()])
    );
}

#[test]
fn update_with_pre_existing_violation_is_accepted_with_a_warning() {
    let old = statefulset("db", json!({}), server("postgres:16"));
    let mut new = old.clone();
    new["spec"]["replicas"] = json!(3);
    let mut policy = Policy::new(POLICY);
    let response = policy.validate(admission_request("UPDATE", &new, Some(&old)), json!({}));
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "pre-existing violation accepted on UPDATE (enforceOnUpdate: new-violations): StatefulSet data/db: container server (image postgres:16) runs PostgreSQL (image repository library/postgres) without an upstream Helm chart or operator; {POSTGRES_FIX}"
        )])
    );

    let response = policy.validate(
        admission_request("UPDATE", &new, Some(&old)),
        json!({"enforceOnUpdate": "always"}),
    );
    assert!(!response.allowed);
}

#[test]
fn update_introducing_a_violation_is_rejected() {
    let old = statefulset("db", json!({}), server("registry.corp/shop/web:1"));
    let new = statefulset("db", json!({}), server("postgres:16"));
    let response =
        Policy::new(POLICY).validate(admission_request("UPDATE", &new, Some(&old)), json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(format!("StatefulSet data/db: container server (image postgres:16) runs PostgreSQL (image repository library/postgres) without an upstream Helm chart or operator; {POSTGRES_FIX}").as_str())
    );
}

#[test]
fn delete_is_accepted() {
    let object = statefulset("db", json!({}), server("postgres:16"));
    let mut request = admission_request("DELETE", &object, Some(&object));
    request["oldObject"] = object;
    let response = Policy::new(POLICY).validate(request, json!({}));
    assert!(response.allowed);
    assert_eq!(response.status, None);
}

#[test]
fn admission_review_is_unwrapped_and_uid_echoed() {
    let object = statefulset("db", json!({}), server("postgres:16"));
    let review = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": admission_request("CREATE", &object, None)
    });
    let response = Policy::new(POLICY).validate(review, json!({}));
    assert!(!response.allowed);
    assert_eq!(response.uid, "create-data-db");
}

#[rstest]
#[case::wrong_type(
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "data"},
           "spec": {"template": {"spec": {"containers": {"name": "not-a-list"}}}}}),
    "cannot read StatefulSet data/db: spec.template.spec.containers: invalid type: map, expected a sequence"
)]
#[case::labels_not_a_map(
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "data", "labels": ["x"]}}),
    "malformed admission request: metadata.labels: invalid type: sequence, expected a map"
)]
fn malformed_objects_are_rejected_clearly(#[case] object: Value, #[case] message: &str) {
    let response = evaluate(&object, json!({}));
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(message));
    assert_eq!(response.code(), Some(400));
}

#[test]
fn request_without_object_is_rejected_clearly() {
    let object = statefulset("db", json!({}), server("postgres:16"));
    let mut request = admission_request("CREATE", &object, None);
    request.as_object_mut().unwrap().remove("object");
    let response = Policy::new(POLICY).validate(request, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some("malformed admission request: the request carries no object")
    );
}

#[rstest]
#[case(json!({}), true, None)]
#[case(json!({"allowedBundles": ["vendor"], "exemptNamespaces": ["legacy-*"], "enforceOnUpdate": "always"}), true, None)]
#[case(json!({"exemptions": [{"namespace": "data", "name": "db", "reason": ""}]}), false, Some("exemptions[0].reason: must not be empty: say why the object is exempt"))]
#[case(json!({"enforceOnUpdate": "never"}), false, Some("enforceOnUpdate: unknown variant `never`, expected `new-violations` or `always`"))]
#[case(json!({"warnonly": true}), false, Some("warnonly: unknown field `warnonly`, expected `catalog` or `allowedBundles`"))]
#[case(json!({"allowedBundles": [""]}), false, Some("allowedBundles[0]: must not be empty"))]
fn settings_are_validated(
    #[case] settings: Value,
    #[case] valid: bool,
    #[case] message: Option<&str>,
) {
    let response = Policy::new(POLICY).validate_settings(settings);
    assert_eq!(response.valid, valid);
    assert_eq!(response.message.as_deref(), message);
}

#[test]
fn catalog_additions_from_settings_are_used() {
    let settings = json!({"catalog": [{
        "id": "tigerbeetle", "displayName": "TigerBeetle", "class": "datastore",
        "images": ["tigerbeetle/tigerbeetle"],
        "replacement": {"summary": "the platform TigerBeetle operator", "url": "https://docs.tigerbeetle.com/"}
    }]});
    let object = statefulset(
        "ledger",
        json!({}),
        server("ghcr.io/tigerbeetle/tigerbeetle:0.16"),
    );
    let response = evaluate(&object, settings);
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "StatefulSet data/ledger: container server (image ghcr.io/tigerbeetle/tigerbeetle:0.16) runs TigerBeetle (image repository tigerbeetle/tigerbeetle) without an upstream Helm chart or operator; use the platform TigerBeetle operator instead: https://docs.tigerbeetle.com/"
        )
    );
}

#[test]
fn warn_only_accepts_with_the_message_as_warning() {
    let response = evaluate(
        &statefulset("db", json!({}), server("postgres:16")),
        json!({"warnOnly": true}),
    );
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "no-raw-datastores (warnOnly): StatefulSet data/db: container server (image postgres:16) runs PostgreSQL (image repository library/postgres) without an upstream Helm chart or operator; {POSTGRES_FIX}"
        )])
    );
}
