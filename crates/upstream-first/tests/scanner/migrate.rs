//! `upstream-first migrate`, end to end through the binary: for every catalog entry, a
//! hand-rolled StatefulSet with its Service, claim, ConfigMap and Secret is migrated to every
//! target the entry offers, and the output is compared with the golden files in
//! `tests/scanner/golden/migrate/` (`UPDATE_GOLDEN=1` rewrites them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use upstream_first_migrate::facts::{FROM_SECRET, LITERAL_PASSWORD};
use upstream_first_rules::catalog::migration::{Migration, MigrationTarget};
use upstream_first_rules::catalog::{Catalog, Component, builtin_migrations};

use crate::common::{json_stdout, outcome, require, results, run, temp_file};

const POLICIES: [&str; 2] = ["no-raw-datastores", "require-upstream-chart"];

/// What a Secret of the inputs holds: it must never reach an output.
const SECRET_VALUE: &str = "never-copied-s3cr3t";

const TARGETS: [&str; 4] = ["flux", "argocd", "helm", "operator"];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scanner/golden/migrate")
}

fn scratch_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("migrate-tests")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The image of a catalog repository, as people write it (`postgres`, not `library/postgres`).
fn image_of(component: &Component) -> String {
    // The catalog sorts its images: the official one when there is one, else the first.
    let repository = component
        .images
        .iter()
        .find_map(|image| image.strip_prefix("library/"))
        .unwrap_or(&component.images[0]);
    format!("{repository}:1.2.3")
}

/// A hand-rolled StatefulSet of `component` in the namespace of its id, as platform teams
/// write them: a standalone claim at the data path, a ConfigMap of configuration, the
/// password from a Secret, an exporter sidecar, a probe, scheduling and resources.
fn hand_rolled(component: &Component, migration: Option<&Migration>) -> Vec<Value> {
    let id = &component.id;
    let port = component.signals.ports.first().copied().unwrap_or(8080);
    let data_path = component
        .signals
        .data_paths
        .first()
        .cloned()
        .unwrap_or_else(|| "/data".to_owned());
    let mut env = vec![json!({"name": "TZ", "value": "UTC"})];
    if let Some(migration) = migration {
        if let Some(name) = migration.env.database.first() {
            env.push(json!({"name": name, "value": "appdb"}));
        }
        if let Some(name) = migration.env.username.first() {
            env.push(json!({"name": name, "value": "app"}));
        }
        if let Some(name) = migration.env.password.first() {
            env.push(json!({"name": name, "valueFrom": {"secretKeyRef": {"name": format!("{id}-credentials"), "key": "password"}}}));
        }
    }
    vec![
        json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": id, "namespace": id, "labels": {"app": id, "team": "platform"}},
            "spec": {
                "replicas": 1,
                "serviceName": id,
                "selector": {"matchLabels": {"app": id}},
                "template": {
                    "metadata": {
                        "labels": {"app": id, "tier": "data"},
                        "annotations": {"prometheus.io/scrape": "true"},
                    },
                    "spec": {
                        "nodeSelector": {"disktype": "ssd"},
                        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "data", "effect": "NoSchedule"}],
                        "containers": [
                            {
                                "name": "server",
                                "image": image_of(component),
                                "ports": [{"name": "main", "containerPort": port}],
                                "env": env,
                                "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
                                "volumeMounts": [
                                    {"name": "data", "mountPath": data_path},
                                    {"name": "config", "mountPath": format!("/etc/{id}")},
                                ],
                                "livenessProbe": {"tcpSocket": {"port": "main"}},
                            },
                            {"name": "exporter", "image": "registry.example.com/tools/exporter:1.0"},
                        ],
                        "volumes": [
                            {"name": "data", "persistentVolumeClaim": {"claimName": format!("{id}-data")}},
                            {"name": "config", "configMap": {"name": format!("{id}-config")}},
                        ],
                    },
                },
            },
        }),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": id, "namespace": id},
            "spec": {"selector": {"app": id}, "ports": [{"name": "main", "port": port, "targetPort": "main"}]},
        }),
        json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": format!("{id}-data"), "namespace": id},
            "spec": {"storageClassName": "fast", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
        }),
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": format!("{id}-config"), "namespace": id},
            "data": {"server.conf": "max_connections = 200\n"},
        }),
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": format!("{id}-credentials"), "namespace": id},
            "stringData": {"password": SECRET_VALUE},
        }),
    ]
}

fn yaml_stream(objects: &[Value]) -> String {
    objects
        .iter()
        .map(|o| serde_yaml_ng::to_string(o).expect("yaml"))
        .collect::<Vec<_>>()
        .join("---\n")
}

/// Every catalog entry's hand-rolled objects, in one bundle.
fn catalog_bundle() -> PathBuf {
    let migrations = builtin_migrations();
    let objects: Vec<Value> = Catalog::builtin()
        .components()
        .iter()
        .flat_map(|c| hand_rolled(c, migrations.get(&c.id)))
        .collect();
    temp_file("migrate", "catalog-bundle.yaml", &yaml_stream(&objects))
}

/// Splits a `migrate` stream into its files.
fn files_of(stream: &str) -> BTreeMap<String, String> {
    stream
        .split("---\n# Source: ")
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (path, text) = part.split_once('\n').expect("a path line");
            (path.to_owned(), text.to_owned())
        })
        .collect()
}

fn migrate_stream(args: &[&str]) -> String {
    let output = run(&[&["migrate"], args].concat());
    let (code, stdout, stderr) = outcome(&output);
    assert_eq!(code, 0, "migrate {args:?} failed: {stderr}");
    stdout
}

/// The MIGRATION.md section of one workload.
fn section<'a>(report: &'a str, workload: &str) -> &'a str {
    let heading = format!("\n## {workload}\n");
    let start = report.find(&heading).map(|i| i + 1).expect("a section");
    let end = report[start + 3..]
        .find("\n## ")
        .map_or(report.len(), |i| start + 3 + i + 1);
    &report[start..end]
}

fn offers(migration: &Migration, target: &str) -> bool {
    migration.targets.iter().any(|t| match t {
        MigrationTarget::Chart(_) => target != "operator",
        MigrationTarget::Operator(_) => target == "operator",
    })
}

#[test]
fn every_catalog_entry_migrates_to_every_target_it_offers_as_in_its_golden_file() {
    require(&POLICIES);
    let bundle = catalog_bundle();
    let bundle = bundle.to_str().expect("utf-8 path");
    let mut streams = BTreeMap::new();
    for target in TARGETS {
        streams.insert(target, files_of(&migrate_stream(&["--to", target, bundle])));
    }
    let out = scratch_dir("golden");
    let output = run(&["migrate", "--out", out.to_str().expect("utf-8"), bundle]);
    assert_eq!(outcome(&output).0, 0, "{}", outcome(&output).2);
    let report = std::fs::read_to_string(out.join("MIGRATION.md")).expect("MIGRATION.md");
    assert!(
        !report.contains("## Not migrated"),
        "every entry is migrated:\n{report}"
    );
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for component in Catalog::builtin().components() {
        let id = &component.id;
        let migration = &builtin_migrations()[id];
        let prefix = format!("{id}-statefulset-{id}");
        let mut golden = format!("# upstream-first migrate: {id}\n");
        for target in TARGETS {
            let files: Vec<(&String, &String)> = streams[target]
                .iter()
                .filter(|(path, _)| path.starts_with(&prefix))
                .collect();
            assert_eq!(
                !files.is_empty(),
                offers(migration, target),
                "{id} --to {target}"
            );
            golden.push_str(&format!("# ======== --to {target}\n"));
            for (path, text) in files {
                // Nothing is dropped silently: the sidecar, the probe and the ConfigMap files
                // are named in the header of the replacement's main file.
                if !path.ends_with("Chart.yaml") {
                    for field in [
                        "spec.template.spec.containers[1] (exporter)",
                        "spec.template.spec.containers[0].livenessProbe",
                        "(config): files of ConfigMap",
                        "metadata.labels.team",
                    ] {
                        assert!(
                            text.contains(field),
                            "{id} --to {target}: {path} does not name {field}:\n{text}"
                        );
                    }
                }
                assert!(
                    !text.contains(SECRET_VALUE),
                    "{path} carries the Secret's value"
                );
                golden.push_str(&format!("# -------- {path}\n{text}"));
            }
        }
        golden.push_str("# ======== MIGRATION.md\n");
        golden.push_str(section(&report, &format!("StatefulSet {id}/{id}")));
        let path = golden_dir().join(format!("{id}.yaml"));
        if update {
            std::fs::create_dir_all(golden_dir()).expect("golden dir");
            std::fs::write(&path, &golden).expect("golden written");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(golden.as_str()) {
            mismatches.push(id.clone());
        }
    }
    assert!(
        mismatches.is_empty(),
        "output differs from the golden files of {mismatches:?}; if the change is intended, run with UPDATE_GOLDEN=1 and review the diff"
    );
    assert!(!report.contains(SECRET_VALUE));
}

#[test]
fn scanning_the_replacements_finds_nothing_to_replace() {
    require(&POLICIES);
    let bundle = catalog_bundle();
    let bundle = bundle.to_str().expect("utf-8 path");
    for target in ["flux", "argocd", "operator"] {
        let out = scratch_dir(&format!("rescan-{target}"));
        let output = run(&[
            "migrate",
            "--to",
            target,
            "--out",
            out.to_str().expect("utf-8"),
            bundle,
        ]);
        assert_eq!(outcome(&output).0, 0, "{}", outcome(&output).2);
        let scan = run(&[
            "scan",
            "--format",
            "json",
            "--policy",
            POLICIES[0],
            "--policy",
            POLICIES[1],
            out.to_str().expect("utf-8"),
        ]);
        let report = json_stdout(&scan);
        let failures: Vec<&Value> = results(&report)
            .iter()
            .filter(|r| r["verdict"] != "pass")
            .collect();
        assert!(failures.is_empty(), "--to {target}: {failures:#?}");
        assert!(
            report["errors"].as_array().is_none_or(Vec::is_empty),
            "--to {target}: {}",
            report["errors"]
        );
    }
}

const POSTGRES: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg, namespace: shop}
spec:
  selector: {matchLabels: {app: pg}}
  template:
    metadata: {labels: {app: pg}}
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
          env:
            - {name: POSTGRES_PASSWORD, value: literal-s3cr3t-value}
            - name: POSTGRES_USER
              valueFrom: {secretKeyRef: {name: pg-user, key: user}}
          volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 8Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache, namespace: legacy}
spec:
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: redis, image: redis:7.2}]
";

#[test]
fn a_literal_password_is_named_never_copied_and_a_claim_template_is_adopted() {
    require(&POLICIES);
    let input = temp_file("migrate", "literal.yaml", POSTGRES);
    let stream = migrate_stream(&["--to", "flux", input.to_str().expect("utf-8")]);
    assert!(!stream.contains("literal-s3cr3t-value"), "{stream}");
    let files = files_of(&stream);
    let release = &files["shop-statefulset-pg.yaml"];
    assert!(
        release.contains(&format!(
            "# - spec.template.spec.containers[0].env[0] (POSTGRES_PASSWORD): {LITERAL_PASSWORD}\n"
        )),
        "{release}"
    );
    assert!(
        release.contains(&format!(
            "# - spec.template.spec.containers[0].env[1] (POSTGRES_USER): {FROM_SECRET}\n"
        )),
        "{release}"
    );
    // One replica: the chart adopts the StatefulSet's claim.
    assert!(release.contains("existingClaim: data-pg-0\n"), "{release}");
    assert!(release.contains("size: 8Gi\n"), "{release}");
}

#[test]
fn exempt_and_passing_workloads_are_never_touched() {
    require(&POLICIES);
    let input = temp_file("migrate", "exempt.yaml", POSTGRES);
    let stream = migrate_stream(&[
        "--settings",
        r#"no-raw-datastores={"exemptNamespaces": ["legacy"]}"#,
        input.to_str().expect("utf-8"),
    ]);
    let files = files_of(&stream);
    assert!(files.contains_key("shop-statefulset-pg.yaml"), "{stream}");
    assert!(!stream.contains("legacy"), "{stream}");
}

#[test]
fn output_is_deterministic_and_differing_files_need_force() {
    require(&POLICIES);
    let input = temp_file("migrate", "force.yaml", POSTGRES);
    let input = input.to_str().expect("utf-8");
    assert_eq!(migrate_stream(&[input]), migrate_stream(&[input]));
    let out = scratch_dir("force");
    let out_arg = out.to_str().expect("utf-8");
    let first = run(&["migrate", "--out", out_arg, input]);
    assert_eq!(outcome(&first).0, 0);
    let release = out.join("shop-statefulset-pg.yaml");
    let written = std::fs::read(&release).expect("written");
    let again = run(&["migrate", "--out", out_arg, input]);
    let (code, _, stderr) = outcome(&again);
    assert_eq!(code, 0);
    assert!(stderr.contains("0 file(s) written"), "{stderr}");

    std::fs::write(&release, "edited by hand\n").expect("edit");
    let refused = run(&["migrate", "--out", out_arg, input]);
    let (code, _, stderr) = outcome(&refused);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("existing file(s) differ from what migrate writes (nothing was written; --force overwrites them)")
            && stderr.contains("shop-statefulset-pg.yaml"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&release).expect("kept"), b"edited by hand\n");
    let forced = run(&["migrate", "--force", "--out", out_arg, input]);
    assert_eq!(outcome(&forced).0, 0);
    assert_eq!(std::fs::read(&release).expect("rewritten"), written);
}

#[test]
fn broken_documents_are_reported_and_the_rest_is_migrated() {
    require(&POLICIES);
    let input = temp_file(
        "migrate",
        "broken.yaml",
        &format!("{POSTGRES}---\nkind: [unclosed\n"),
    );
    let output = run(&["migrate", input.to_str().expect("utf-8")]);
    let (code, stdout, stderr) = outcome(&output);
    assert_eq!(code, 2);
    assert!(stderr.contains("broken.yaml:"), "{stderr}");
    assert!(files_of(&stdout).contains_key("shop-statefulset-pg.yaml"));
}

#[test]
fn a_short_version_is_not_written_where_the_operator_takes_x_y_z_only() {
    require(&POLICIES);
    let input = temp_file(
        "migrate",
        "short-version.yaml",
        "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: es, namespace: search}
spec:
  selector: {matchLabels: {app: es}}
  template:
    metadata: {labels: {app: es}}
    spec:
      containers: [{name: es, image: 'docker.elastic.co/elasticsearch/elasticsearch:8.15'}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: es-full, namespace: search}
spec:
  selector: {matchLabels: {app: es-full}}
  template:
    metadata: {labels: {app: es-full}}
    spec:
      containers: [{name: es, image: 'docker.elastic.co/elasticsearch/elasticsearch:8.15.3'}]
",
    );
    let files = files_of(&migrate_stream(&[
        "--to",
        "operator",
        input.to_str().expect("utf-8"),
    ]));
    let short = &files["search-statefulset-es.yaml"];
    assert!(
        short.contains("# - spec.template.spec.containers[0].image: spec.version takes a full X.Y.Z version and 8.15 is not one: the replacement's default version is used (check it is 8.15 or newer)\n"),
        "{short}"
    );
    assert!(!short.contains("version: '8.15'"), "{short}");
    assert!(
        files["search-statefulset-es-full.yaml"].contains("version: 8.15.3\n"),
        "{}",
        files["search-statefulset-es-full.yaml"]
    );
}
