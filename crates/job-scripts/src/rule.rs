//! The no-sql-mutating-jobs rule: a Job, CronJob or bare Pod whose containers write to a
//! database (or to an in-cluster API) by hand is a violation.
//!
//! This is the seam between Kubernetes objects and the engine: every container (init
//! containers included) is turned into a [`ContainerInput`], its scripts are read through its
//! ConfigMap volumes ([`upstream_first_rules::scripts`]), and the [`Finding`]s are turned into
//! violations and warnings according to the settings (`httpScope`, `opaqueScripts`).

use serde::{Deserialize, Serialize};
use upstream_first_rules::datastores::owned_by_builtin_controller;
use upstream_first_rules::evaluation::{Findings, Violation};
use upstream_first_rules::podspec::{Workload, WorkloadKind};
use upstream_first_rules::scripts::{
    ConfigMapSource, ConfigMaps, ContainerFiles, FileContent, describe_hooks,
};

use crate::model::{ContainerInput, Finding, FindingKind, Options, Resolution, ScriptResolver};

/// The fix for hand-run writes, at the end of every such message.
pub const WRITE_FIX: &str = "hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)";
/// The fix for scripts that could not be inspected.
pub const OPAQUE_FIX: &str = "mount the script from a ConfigMap of the namespace so it can be checked, or use a versioned migration tool (flyway, liquibase, atlas, …)";
/// Warning when a size, depth or count limit stopped the analysis of a container.
pub const TRUNCATED: &str = "the analysis stopped at a size, depth or count limit; only what was read before it is reported";
/// Most distinct operations of the further findings named in a message.
const MAX_LISTED_OPERATIONS: usize = 6;
/// Says why scripts from a ConfigMap were not read.
pub const UNREADABLE_CONFIG_MAP: &str = "the scripts mounted from it could not be inspected";

/// Which HTTP writes are violations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HttpScope {
    /// Only from Argo CD (`argocd.argoproj.io/hook`) and Helm (`helm.sh/hook`) hooks: the
    /// "reconcile after sync" jobs that re-implement an operator or a declarative config.
    #[default]
    Hooks,
    /// From every Job, CronJob and Pod.
    All,
    /// Never.
    Off,
}

/// What a script that could not be inspected is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OpaqueScripts {
    /// A violation: what cannot be checked is not accepted.
    #[default]
    Reject,
    /// Accepted, with a warning.
    Warn,
    /// Accepted silently.
    Allow,
}

/// The settings the rule reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSettings {
    /// `httpScope`.
    pub http_scope: HttpScope,
    /// `opaqueScripts`.
    pub opaque_scripts: OpaqueScripts,
    /// The engine's options (`allowedTools`).
    pub options: Options,
}

/// The kinds the rule judges.
pub fn in_scope(kind: WorkloadKind) -> bool {
    matches!(
        kind,
        WorkloadKind::Job | WorkloadKind::CronJob | WorkloadKind::Pod
    )
}

/// The violations (and warnings) of `workload`. `object` names it (`Job shop/seed`);
/// `namespace` is where its ConfigMaps live, read from `config_maps` at most once each.
pub fn hand_made_writes(
    workload: &Workload,
    object: &str,
    namespace: &str,
    settings: &RuleSettings,
    config_maps: &dyn ConfigMapSource,
) -> Findings {
    // A Job's Pods (and a CronJob's Jobs) were judged with their controller.
    if !in_scope(workload.kind) || owned_by_builtin_controller(workload) {
        return Findings::default();
    }
    let hook = describe_hooks(&workload.metadata.annotations);
    let heading = match &hook {
        Some(hook) => format!("{object} ({hook})"),
        None => object.to_owned(),
    };
    let http_counts = match settings.http_scope {
        HttpScope::All => true,
        HttpScope::Hooks => hook.is_some(),
        HttpScope::Off => false,
    };
    let config_maps = ConfigMaps::new(config_maps);
    let pod = &workload.pod_spec;
    let mut findings = Findings::default();
    for container in pod.init_containers.iter().chain(&pod.containers) {
        let files = ContainerFiles::new(container, &pod.volumes, &config_maps);
        let analysis = crate::analyze_container(
            &ContainerInput::from(container),
            &Files(&files),
            &settings.options,
        );
        if analysis.truncated {
            findings.warnings.push(format!(
                "{heading}: container {}: {TRUNCATED}",
                container.name
            ));
        }
        for kind in [
            FindingKind::SqlWrite,
            FindingKind::MongoWrite,
            FindingKind::HttpWrite,
            FindingKind::OpaqueScript,
        ] {
            let verdict = match kind {
                FindingKind::HttpWrite if !http_counts => continue,
                FindingKind::OpaqueScript => settings.opaque_scripts,
                _ => OpaqueScripts::Reject,
            };
            if verdict == OpaqueScripts::Allow {
                continue;
            }
            let found: Vec<&Finding> = analysis.of_kind(kind).collect();
            let Some(first) = found.first() else {
                continue;
            };
            let message = message(&heading, &container.name, first, &found[1..]);
            match verdict {
                OpaqueScripts::Reject => findings.violations.push(Violation {
                    key: format!("{}/{kind}", container.name),
                    message,
                }),
                _ => findings.warnings.push(message),
            }
        }
    }
    if settings.opaque_scripts != OpaqueScripts::Allow {
        for (name, reason) in config_maps.failures() {
            findings.warnings.push(format!(
                "{heading}: ConfigMap {namespace}/{name} could not be read ({reason}); {UNREADABLE_CONFIG_MAP}"
            ));
        }
    }
    findings
}

/// `Job shop/seed (Argo CD PostSync hook): container seed: psql runs UPDATE (-c): "UPDATE …",
/// and 2 more SQL writes (DELETE, INSERT); <fix>`.
fn message(heading: &str, container: &str, first: &Finding, more: &[&Finding]) -> String {
    let client = &first.client;
    let operation = &first.operation;
    let via = &first.via;
    let script = first
        .script
        .as_deref()
        .map(|s| format!(" in {s}"))
        .unwrap_or_default();
    let (what, noun, fix) = match first.kind {
        FindingKind::HttpWrite => (
            format!(
                "{client} sends {operation} to in-cluster host {}{script}",
                first.host.as_deref().unwrap_or(via)
            ),
            "HTTP write",
            WRITE_FIX,
        ),
        FindingKind::OpaqueScript => (
            format!(
                "{client} runs a script that could not be inspected ({operation}: {via}{script})"
            ),
            "script that could not be inspected",
            OPAQUE_FIX,
        ),
        FindingKind::SqlWrite => (
            format!("{client} runs {operation} ({via}{script})"),
            "SQL write",
            WRITE_FIX,
        ),
        FindingKind::MongoWrite => (
            format!("{client} runs {operation} ({via}{script})"),
            "MongoDB write",
            WRITE_FIX,
        ),
    };
    let mut operations: Vec<&str> = Vec::new();
    for finding in more {
        if !operations.contains(&finding.operation.as_str()) {
            operations.push(&finding.operation);
        }
    }
    // What could not be read is told by the first finding; the others' reasons add nothing.
    let operations =
        if first.kind == FindingKind::OpaqueScript || operations.len() > MAX_LISTED_OPERATIONS {
            String::new()
        } else {
            format!(" ({})", operations.join(", "))
        };
    let more = match more.len() {
        0 => String::new(),
        1 => format!(", and 1 more {noun}{operations}"),
        n => format!(", and {n} more {}{operations}", plural(noun)),
    };
    format!(
        "{heading}: container {container}: {what}: \"{}\"{more}; {fix}",
        first.statement
    )
}

/// `SQL write` → `SQL writes`, `script that could not be inspected` → `scripts that …`.
fn plural(noun: &str) -> String {
    match noun.split_once(' ') {
        Some((first, rest)) if noun.starts_with("script") => format!("{first}s {rest}"),
        _ => format!("{noun}s"),
    }
}

/// The container's files as the engine reads them.
struct Files<'a>(&'a ContainerFiles<'a>);

impl ScriptResolver for Files<'_> {
    fn resolve(&self, path: &str) -> Resolution {
        match self.0.read(path) {
            FileContent::Text(text) => Resolution::Resolved(text),
            FileContent::Missing => Resolution::NotFound,
            FileContent::Unreadable => Resolution::Opaque,
        }
    }

    fn list(&self, dir: &str) -> Option<Vec<String>> {
        self.0.list(dir)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use rstest::rstest;
    use serde_json::{Value, json};
    use upstream_first_rules::scripts::ConfigMapFiles;

    use super::*;

    /// ConfigMaps by name; records which were asked for.
    #[derive(Default)]
    struct Store {
        config_maps: BTreeMap<String, ConfigMapFiles>,
        asked: RefCell<Vec<String>>,
    }

    impl ConfigMapSource for Store {
        fn fetch(&self, name: &str) -> Result<ConfigMapFiles, String> {
            self.asked.borrow_mut().push(name.to_owned());
            self.config_maps.fetch(name)
        }
    }

    fn store(config_maps: &[(&str, Value)]) -> Store {
        Store {
            config_maps: config_maps
                .iter()
                .map(|(name, data)| {
                    (
                        (*name).to_owned(),
                        ConfigMapFiles::from_object(&json!({ "data": data })).unwrap(),
                    )
                })
                .collect(),
            ..Store::default()
        }
    }

    fn job(annotations: Value, spec: Value) -> Value {
        json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "seed", "namespace": "shop", "annotations": annotations},
            "spec": {"template": {"spec": spec}}
        })
    }

    fn sh(script: &str) -> Value {
        json!({"containers": [{"name": "seed", "image": "postgres:16", "command": ["sh", "-c", script]}]})
    }

    fn run(kind: &str, object: &Value, settings: &RuleSettings, store: &Store) -> Findings {
        let workload = Workload::from_object(kind, object).unwrap().unwrap();
        hand_made_writes(
            &workload,
            &format!("{kind} shop/seed"),
            "shop",
            settings,
            store,
        )
    }

    fn messages(findings: &Findings) -> Vec<String> {
        findings
            .violations
            .iter()
            .map(|v| v.message.clone())
            .collect()
    }

    const POST_SYNC: &str = "argocd.argoproj.io/hook";

    #[rstest]
    #[case::update_in_post_sync_hook(
        job(json!({POST_SYNC: "PostSync"}), sh("psql -h db -c \"UPDATE users SET active = true WHERE id = 1\"")),
        &["Job shop/seed (Argo CD PostSync hook): container seed: psql runs UPDATE (-c): \"UPDATE users SET active = true WHERE id = 1\"; hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)"]
    )]
    #[case::select(job(json!({}), sh("psql -h db -c 'SELECT 1'")), &[])]
    #[case::mysql_show(job(json!({}), sh("mysql -h db -e \"SHOW TABLES\"")), &[])]
    #[case::mongosh_find(job(json!({}), sh("mongosh mongodb://mongo/app --eval 'db.x.find()'")), &[])]
    #[case::mongosh_insert(
        job(json!({}), sh("mongosh mongodb://mongo/app --eval 'db.x.insertOne({a: 1})'")),
        &["Job shop/seed: container seed: mongosh runs insertOne (--eval): \"db.x.insertOne({a: 1})\"; hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)"]
    )]
    #[case::kafka_topics(job(json!({}), sh("kafka-topics --bootstrap-server kafka:9092 --create --topic t")), &[])]
    #[case::hook_that_only_sleeps(job(json!({"helm.sh/hook": "pre-upgrade"}), sh("sleep 30")), &[])]
    #[case::flyway(job(json!({}), json!({"containers": [{"name": "m", "image": "flyway/flyway:10", "args": ["migrate"]}]})), &[])]
    #[case::liquibase(job(json!({}), sh("liquibase --changelog-file=c.xml update")), &[])]
    #[case::kong_migrations(job(json!({}), sh("kong migrations bootstrap && kong migrations up")), &[])]
    #[case::sql_from_env(
        job(json!({}), json!({"containers": [{"name": "seed", "command": ["sh", "-c", "psql -c \"$SQL\""], "env": [{"name": "SQL", "value": "DELETE FROM sessions"}]}]})),
        &["Job shop/seed: container seed: psql runs DELETE (-c): \"DELETE FROM sessions\"; hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)"]
    )]
    #[case::several_writes(
        job(json!({}), sh("psql -c 'DELETE FROM a' -c 'INSERT INTO b VALUES (1)' -c 'DROP TABLE c' -c 'DELETE FROM d'")),
        &["Job shop/seed: container seed: psql runs DELETE (-c): \"DELETE FROM a\", and 3 more SQL writes (INSERT, DROP TABLE, DELETE); hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)"]
    )]
    #[case::init_container(
        job(json!({}), json!({"initContainers": [{"name": "schema", "command": ["psql", "-c", "CREATE TABLE t (id int)"]}], "containers": [{"name": "app", "command": ["sleep", "1"]}]})),
        &["Job shop/seed: container schema: psql runs CREATE TABLE (-c): \"CREATE TABLE t (id int)\"; hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)"]
    )]
    fn verdicts(#[case] object: Value, #[case] expected: &[&str]) {
        let findings = run("Job", &object, &RuleSettings::default(), &Store::default());
        assert_eq!(messages(&findings), expected);
        assert_eq!(findings.warnings, Vec::<String>::new());
    }

    const CURL: &str =
        "curl -sf -X POST http://hasura:8080/v1/metadata -d '{\"type\":\"reload_metadata\"}'";
    const CURL_MESSAGE: &str = r#"container seed: curl sends POST to in-cluster host hasura: "curl -sf -X POST http://hasura:8080/v1/metadata -d {"type":"reload_metadata"}"; hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)"#;

    #[rstest]
    #[case::hook_by_default(json!({POST_SYNC: "PostSync"}), HttpScope::Hooks, Some("Job shop/seed (Argo CD PostSync hook)"))]
    #[case::helm_hook(json!({"helm.sh/hook": "post-install,post-upgrade"}), HttpScope::Hooks, Some("Job shop/seed (Helm post-install, post-upgrade hook)"))]
    #[case::not_a_hook(json!({}), HttpScope::Hooks, None)]
    #[case::all(json!({}), HttpScope::All, Some("Job shop/seed"))]
    #[case::off(json!({POST_SYNC: "PostSync"}), HttpScope::Off, None)]
    fn http_scope(
        #[case] annotations: Value,
        #[case] scope: HttpScope,
        #[case] heading: Option<&str>,
    ) {
        let settings = RuleSettings {
            http_scope: scope,
            ..RuleSettings::default()
        };
        let findings = run(
            "Job",
            &job(annotations, sh(CURL)),
            &settings,
            &Store::default(),
        );
        let expected: Vec<String> = heading
            .map(|h| format!("{h}: {CURL_MESSAGE}"))
            .into_iter()
            .collect();
        assert_eq!(messages(&findings), expected);
    }

    fn scripts_job(volume: Value) -> Value {
        job(
            json!({}),
            json!({
                "containers": [{"name": "seed", "image": "postgres:16",
                                "command": ["bash", "-c", ". /scripts/init.sh"],
                                "volumeMounts": [{"name": "scripts", "mountPath": "/scripts"}]}],
                "volumes": [volume]
            }),
        )
    }

    const SEED_SCRIPT: &str =
        "psql -v ON_ERROR_STOP=1 <<-EOSQL\n\tINSERT INTO users VALUES (1, 'admin');\nEOSQL\n";
    const OPAQUE_MESSAGE: &str = "Job shop/seed: container seed: bash runs a script that could not be inspected (script: /scripts/init.sh): \". /scripts/init.sh\"; mount the script from a ConfigMap of the namespace so it can be checked, or use a versioned migration tool (flyway, liquibase, atlas, …)";
    const MISSING_WARNING: &str = "Job shop/seed: ConfigMap shop/seed-scripts could not be read (ConfigMap seed-scripts not found); the scripts mounted from it could not be inspected";

    #[test]
    fn heredoc_in_a_sourced_config_map_script_is_rejected() {
        let store = store(&[("seed-scripts", json!({"init.sh": SEED_SCRIPT}))]);
        let object = scripts_job(json!({"name": "scripts", "configMap": {"name": "seed-scripts"}}));
        let findings = run("Job", &object, &RuleSettings::default(), &store);
        assert_eq!(
            messages(&findings),
            [
                "Job shop/seed: container seed: psql runs INSERT (heredoc in /scripts/init.sh): \"INSERT INTO users VALUES (1, 'admin')\"; hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)"
            ]
        );
        assert_eq!(findings.violations[0].key, "seed/SqlWrite");
    }

    #[rstest]
    #[case::absent_reject(OpaqueScripts::Reject, &[OPAQUE_MESSAGE], &[MISSING_WARNING])]
    #[case::absent_warn(OpaqueScripts::Warn, &[], &[OPAQUE_MESSAGE, MISSING_WARNING])]
    #[case::absent_allow(OpaqueScripts::Allow, &[], &[])]
    fn missing_config_map_follows_opaque_scripts(
        #[case] mode: OpaqueScripts,
        #[case] violations: &[&str],
        #[case] warnings: &[&str],
    ) {
        let settings = RuleSettings {
            opaque_scripts: mode,
            ..RuleSettings::default()
        };
        let object = scripts_job(json!({"name": "scripts", "configMap": {"name": "seed-scripts"}}));
        let findings = run("Job", &object, &settings, &Store::default());
        assert_eq!(messages(&findings), violations);
        assert_eq!(findings.warnings, warnings);
    }

    #[test]
    fn secret_scripts_are_never_fetched() {
        let store = store(&[("seed-scripts", json!({"init.sh": SEED_SCRIPT}))]);
        let object =
            scripts_job(json!({"name": "scripts", "secret": {"secretName": "seed-scripts"}}));
        let findings = run("Job", &object, &RuleSettings::default(), &store);
        assert_eq!(messages(&findings), [OPAQUE_MESSAGE]);
        assert!(store.asked.borrow().is_empty());
    }

    #[test]
    fn each_config_map_is_fetched_once() {
        let store = store(&[(
            "seed-scripts",
            json!({"init.sh": ". /scripts/lib.sh\npsql -f /scripts/a.sql", "lib.sh": "true", "a.sql": "SELECT 1;"}),
        )]);
        let mut object =
            scripts_job(json!({"name": "scripts", "configMap": {"name": "seed-scripts"}}));
        let container = object["spec"]["template"]["spec"]["containers"][0].clone();
        object["spec"]["template"]["spec"]["initContainers"] = json!([container]);
        let findings = run("Job", &object, &RuleSettings::default(), &store);
        assert_eq!(findings, Findings::default());
        assert_eq!(*store.asked.borrow(), ["seed-scripts"]);
    }

    #[rstest]
    #[case::cron_job("CronJob", json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "seed", "namespace": "shop"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "seed", "command": ["psql", "-c", "TRUNCATE audit"]}]}}}}}
    }), 1)]
    #[case::bare_pod("Pod", json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "seed", "namespace": "shop"},
        "spec": {"containers": [{"name": "seed", "command": ["psql", "-c", "TRUNCATE audit"]}]}
    }), 1)]
    #[case::pod_of_a_job("Pod", json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "seed-x", "namespace": "shop", "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "seed", "controller": true}]},
        "spec": {"containers": [{"name": "seed", "command": ["psql", "-c", "TRUNCATE audit"]}]}
    }), 0)]
    #[case::job_of_a_cron_job("Job", json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "seed-1", "namespace": "shop", "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "seed", "controller": true}]},
        "spec": {"template": {"spec": {"containers": [{"name": "seed", "command": ["psql", "-c", "TRUNCATE audit"]}]}}}
    }), 0)]
    #[case::deployment_out_of_scope("Deployment", json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "seed", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{"name": "seed", "command": ["psql", "-c", "TRUNCATE audit"]}]}}}
    }), 0)]
    fn kinds(#[case] kind: &str, #[case] object: Value, #[case] violations: usize) {
        let findings = run(kind, &object, &RuleSettings::default(), &Store::default());
        assert_eq!(findings.violations.len(), violations);
    }

    #[test]
    fn secret_variables_are_shown_by_name() {
        let object = job(
            json!({}),
            json!({"containers": [{"name": "seed", "command": ["sh", "-c", "psql -c \"ALTER USER app PASSWORD '$APP_PASSWORD'\""],
                                   "env": [{"name": "APP_PASSWORD", "value": "hunter2-prod"}]}]}),
        );
        let findings = run("Job", &object, &RuleSettings::default(), &Store::default());
        let message = &findings.violations[0].message;
        assert!(
            message.contains("\"ALTER USER app PASSWORD '$APP_PASSWORD'\""),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
    }

    /// A secret-looking variable's value never reaches a message, however the command uses it:
    /// the message quotes the reference as written.
    #[rstest]
    #[case::dollar(
        "psql -c \"ALTER USER app PASSWORD '$DB_PASSWORD'\"",
        "\"ALTER USER app PASSWORD '$DB_PASSWORD'\""
    )]
    #[case::braces(
        "psql -c \"ALTER USER app PASSWORD '${DB_PASSWORD}'\"",
        "\"ALTER USER app PASSWORD '${DB_PASSWORD}'\""
    )]
    #[case::substring(
        "psql -c \"ALTER USER app PASSWORD '${DB_PASSWORD:0:4}'\"",
        "\"ALTER USER app PASSWORD '${DB_PASSWORD:0:4}'\""
    )]
    #[case::copied_then_unset(
        "P=$API_TOKEN; unset API_TOKEN; psql -c \"UPDATE t SET token = '$P'\"",
        "\"UPDATE t SET token = '$API_TOKEN'\""
    )]
    #[case::assigned_in_the_script(
        "PW=hunter2; psql -c \"ALTER USER app PASSWORD '$PW'\"",
        "\"ALTER USER app PASSWORD '$PW'\""
    )]
    #[case::heredoc(
        "psql <<EOF\nUPDATE tokens SET value = '$API_TOKEN';\nEOF",
        "\"UPDATE tokens SET value = '$API_TOKEN'\""
    )]
    fn secret_values_never_reach_messages(#[case] script: &str, #[case] quoted: &str) {
        let object = job(
            json!({}),
            json!({"containers": [{"name": "seed", "command": ["sh", "-c", script],
                                   "env": [{"name": "DB_PASSWORD", "value": "abc"},
                                           {"name": "API_TOKEN", "value": "tok-123456"}]}]}),
        );
        let findings = run("Job", &object, &RuleSettings::default(), &Store::default());
        let [violation] = findings.violations.as_slice() else {
            panic!("one violation expected: {findings:?}");
        };
        assert!(violation.message.contains(quoted), "{}", violation.message);
        for value in ["abc", "tok-123456", "hunter2"] {
            assert!(!violation.message.contains(value), "{}", violation.message);
        }
    }

    /// Kubernetes' own `$(VAR)` expansion of `command` and `args` keeps secret references too.
    #[test]
    fn kubernetes_expansion_keeps_secret_references() {
        let object = job(
            json!({}),
            json!({"containers": [{"name": "seed", "command": ["psql", "-c", "ALTER USER app PASSWORD '$(DB_PASSWORD)'"],
                                   "env": [{"name": "DB_PASSWORD", "value": "abc"}]}]}),
        );
        let findings = run("Job", &object, &RuleSettings::default(), &Store::default());
        assert_eq!(
            messages(&findings),
            [
                "Job shop/seed: container seed: psql runs ALTER USER (-c): \"ALTER USER app PASSWORD '$(DB_PASSWORD)'\"; hand-run writes belong in the application's own operator, CRD or configuration, or in a versioned migration tool (flyway, liquibase, atlas, sqitch, golang-migrate, dbmate, …)"
            ]
        );
    }

    #[test]
    fn truncated_analysis_is_a_warning() {
        let settings = RuleSettings {
            options: Options {
                max_depth: 1,
                ..Options::default()
            },
            ..RuleSettings::default()
        };
        let findings = run(
            "Job",
            &job(json!({}), sh("sh -c 'sh -c true'")),
            &settings,
            &Store::default(),
        );
        assert_eq!(
            findings.warnings,
            [format!("Job shop/seed: container seed: {TRUNCATED}")]
        );
    }

    /// The value of the secret-looking variable of [`indirect_clients_are_found`]'s Jobs.
    const SECRET: &str = "s3cr3t-db-pass";

    /// A client the shell runs indirectly is found as if it were run directly: through a
    /// variable whose value is only partly known, an array, `eval`, `xargs`, a function called
    /// later, nested shells and wrappers, and variables assigned every way a script assigns
    /// them. The secret's value never reaches a message.
    #[rstest]
    #[case::variable_partly_unknown(
        "DB=\"mysql -h db -u app --password=$DB_PASSWORD\"\n$DB -e \"UPDATE users SET admin = 1\"",
        "mysql runs UPDATE (-e): \"UPDATE users SET admin = 1\""
    )]
    #[case::array(
        "cmd=(psql -h db)\n\"${cmd[@]}\" -c \"DELETE FROM sessions\"",
        "psql runs DELETE (-c): \"DELETE FROM sessions\""
    )]
    #[case::array_built_in_steps(
        "args=(-h db)\nargs+=(-c \"DELETE FROM t\")\npsql \"${args[@]}\"",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::array_element(
        "q[0]='DELETE FROM t'; psql -c \"${q[0]}\"",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::eval(
        "eval \"psql -c 'DROP TABLE t'\"",
        "psql runs DROP TABLE (-c): \"DROP TABLE t\""
    )]
    #[case::xargs_replacing(
        "cat /ids | xargs -I{} psql -c \"DELETE FROM t WHERE id = {}\"",
        "psql runs DELETE (-c): \"DELETE FROM t WHERE id = {}\""
    )]
    #[case::xargs_appending(
        "echo 'DELETE FROM t' | xargs -0 psql -c",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::function_called_later(
        "run() { psql -c \"$1\"; }\necho start\nrun 'TRUNCATE audit'",
        "psql runs TRUNCATE (-c): \"TRUNCATE audit\""
    )]
    #[case::nested_shells(
        "sh -c \"bash -c 'psql -c \\\"DELETE FROM t\\\"'\"",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::su_c(
        "su postgres -c \"psql -c 'DELETE FROM t'\"",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::env(
        "env PGHOST=db psql -c 'DELETE FROM t'",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::exec(
        "exec psql -c 'DELETE FROM t'",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::timeout(
        "timeout -s KILL 30 psql -c 'DELETE FROM t'",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::nice(
        "nice -n 5 psql -c 'DELETE FROM t'",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::sudo(
        "sudo -u postgres psql -c 'DELETE FROM t'",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::command(
        "command psql -c 'DELETE FROM t'",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::assign_default(
        ": ${Q:=\"DELETE FROM t\"}\npsql -c \"$Q\"",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::local(
        "f() {\n  local q=\"DELETE FROM t\"\n  psql -c \"$q\"\n}\nf",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::readonly(
        "readonly Q='DELETE FROM t'\npsql -c \"$Q\"",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    #[case::export_to_a_child_shell(
        "export Q=\"DELETE FROM t\"\nsh -c 'psql -c \"$Q\"'",
        "psql runs DELETE (-c): \"DELETE FROM t\""
    )]
    fn indirect_clients_are_found(#[case] script: &str, #[case] finding: &str) {
        let object = job(
            json!({}),
            json!({"containers": [{"name": "seed", "image": "postgres:16", "command": ["sh", "-c", script],
                                   "env": [{"name": "DB_PASSWORD", "value": SECRET}]}]}),
        );
        let findings = run("Job", &object, &RuleSettings::default(), &Store::default());
        assert_eq!(
            messages(&findings),
            [format!(
                "Job shop/seed: container seed: {finding}; {WRITE_FIX}"
            )]
        );
        let texts = findings.violations.iter().map(|v| &v.message);
        for text in texts.chain(&findings.warnings) {
            assert!(!text.contains(SECRET), "{text}");
        }
    }

    /// A command line kept in a variable of a sourced ConfigMap script runs where the main
    /// script expands it.
    #[test]
    fn client_in_a_variable_of_a_sourced_config_map_script_is_found() {
        let store = store(&[(
            "seed-scripts",
            json!({"init.sh": "PSQL=\"psql -h db -U app --set=pw=$DB_PASSWORD\"\n"}),
        )]);
        let object = job(
            json!({}),
            json!({
                "containers": [{"name": "seed", "image": "postgres:16",
                                "command": ["bash", "-c", ". /scripts/init.sh && $PSQL -c 'DELETE FROM t'"],
                                "env": [{"name": "DB_PASSWORD", "value": SECRET}],
                                "volumeMounts": [{"name": "scripts", "mountPath": "/scripts"}]}],
                "volumes": [{"name": "scripts", "configMap": {"name": "seed-scripts"}}]
            }),
        );
        let findings = run("Job", &object, &RuleSettings::default(), &store);
        assert_eq!(
            messages(&findings),
            [format!(
                "Job shop/seed: container seed: psql runs DELETE (-c): \"DELETE FROM t\"; {WRITE_FIX}"
            )]
        );
    }
}
