//! End-to-end scenarios of `analyze_container`, including real-world manifests from the shared
//! corpus (read in place, never copied).

use std::collections::BTreeMap;

use job_scripts::{
    ContainerInput, FindingKind, NoFiles, OPAQUE_FILE, OPAQUE_PIPE, OPAQUE_SCRIPT, OPAQUE_VARIABLE,
    Options, Resolution, ScriptResolver, analyze_container,
};
use rstest::rstest;
use serde::Deserialize;
use serde_yaml_ng::Value;

use FindingKind::{HttpWrite, MongoWrite, OpaqueScript, SqlWrite};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/");

/// Files by path; paths under `/secret/` are on an unreadable volume.
#[derive(Default)]
struct Files(BTreeMap<String, String>);

impl ScriptResolver for Files {
    fn resolve(&self, path: &str) -> Resolution {
        match self.0.get(path) {
            Some(text) => Resolution::Resolved(text.clone()),
            None if path.starts_with("/secret/") => Resolution::Opaque,
            None => Resolution::NotFound,
        }
    }

    fn list(&self, dir: &str) -> Option<Vec<String>> {
        self.0.list(dir)
    }
}

fn files(pairs: &[(&str, &str)]) -> Files {
    Files(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn container(command: &[&str], args: &[&str], env: &[(&str, &str)]) -> ContainerInput {
    ContainerInput {
        command: strings(command),
        args: strings(args),
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        image: "postgres:16".to_owned(),
        working_dir: None,
    }
}

fn sh(script: &str) -> ContainerInput {
    container(&["/bin/sh", "-c"], &[script], &[])
}

/// (kind, client, statement) of every finding.
fn found(
    input: &ContainerInput,
    resolver: &dyn ScriptResolver,
) -> Vec<(FindingKind, String, String)> {
    analyze_container(input, resolver, &Options::default())
        .findings
        .into_iter()
        .map(|f| (f.kind, f.client, f.statement))
        .collect()
}

fn expect(items: &[(FindingKind, &str, &str)]) -> Vec<(FindingKind, String, String)> {
    items
        .iter()
        .map(|(k, c, s)| (*k, (*c).to_owned(), (*s).to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Inline scenarios

#[rstest]
#[case::psql_c_update(
    sh("psql -h db -U app -c \"UPDATE users SET admin = true WHERE name = 'bob'\""),
    &[(SqlWrite, "psql", "UPDATE users SET admin = true WHERE name = 'bob'")]
)]
#[case::psql_c_select(sh("psql -h db -c 'SELECT 1'"), &[])]
#[case::argv_without_shell(
    container(&["psql", "-c", "DROP TABLE sessions"], &[], &[]),
    &[(SqlWrite, "psql", "DROP TABLE sessions")]
)]
#[case::psql_by_path_with_env_prefix(
    sh("PGPASSWORD=secret /usr/bin/psql -h db -c 'TRUNCATE audit_log'"),
    &[(SqlWrite, "psql", "TRUNCATE audit_log")]
)]
#[case::psql_c_twice(
    sh("psql -c 'SELECT 1' -c 'DELETE FROM t'"),
    &[(SqlWrite, "psql", "DELETE FROM t")]
)]
#[case::sql_from_env(
    container(&["sh", "-c", "psql -c \"$SQL\""], &[], &[("SQL", "DELETE FROM sessions WHERE expired")]),
    &[(SqlWrite, "psql", "DELETE FROM sessions WHERE expired")]
)]
#[case::sql_from_env_braces(
    container(&["bash", "-c", "psql --command=\"${SQL}\""], &[], &[("SQL", "INSERT INTO t VALUES (1)")]),
    &[(SqlWrite, "psql", "INSERT INTO t VALUES (1)")]
)]
#[case::sql_from_kubernetes_reference(
    container(&["psql", "-c", "$(SQL)"], &[], &[("SQL", "ALTER TABLE t ADD COLUMN c int")]),
    &[(SqlWrite, "psql", "ALTER TABLE t ADD COLUMN c int")]
)]
#[case::sql_from_unknown_env(
    sh("psql -c \"$SQL\""),
    &[(OpaqueScript, "psql", "psql -c $SQL")]
)]
#[case::command_is_the_runner(
    container(&["/bin/sh", "-c"], &["set -e; psql -c 'CREATE TABLE t (id int)'"], &[]),
    &[(SqlWrite, "psql", "CREATE TABLE t (id int)")]
)]
#[case::args_only(
    container(&[], &["psql", "-c", "DELETE FROM t"], &[]),
    &[(SqlWrite, "psql", "DELETE FROM t")]
)]
#[case::sequence_and_or(
    sh("pg_isready -h db && psql -c 'SELECT 1' || psql -c 'GRANT ALL ON t TO app'"),
    &[(SqlWrite, "psql", "GRANT ALL ON t TO app")]
)]
#[case::heredoc(
    sh("psql <<EOF\nSELECT 1;\nINSERT INTO t VALUES (1);\nEOF"),
    &[(SqlWrite, "psql", "INSERT INTO t VALUES (1)")]
)]
#[case::heredoc_dash_quoted(
    sh("psql <<-'EOSQL'\n\tREVOKE ALL ON t FROM public;\n\tEOSQL"),
    &[(SqlWrite, "psql", "REVOKE ALL ON t FROM public")]
)]
#[case::echo_pipe(
    sh("echo \"INSERT INTO t VALUES (1)\" | psql"),
    &[(SqlWrite, "psql", "INSERT INTO t VALUES (1)")]
)]
#[case::printf_pipe(
    sh("printf 'DELETE FROM t;\\n' | psql -h db"),
    &[(SqlWrite, "psql", "DELETE FROM t")]
)]
#[case::unknown_pipe(
    sh("gunzip -c /backup/dump.sql.gz | psql"),
    &[(OpaqueScript, "psql", "psql")]
)]
#[case::exec_and_functions(
    sh("run() { exec psql -c \"$1\"; }\nif [ -n \"$X\" ]; then run 'DROP TABLE t'; fi"),
    &[(SqlWrite, "psql", "DROP TABLE t")]
)]
#[case::for_loop(
    sh("for t in a b; do psql -c \"TRUNCATE $t\"; done"),
    &[(SqlWrite, "psql", "TRUNCATE a"), (SqlWrite, "psql", "TRUNCATE b")]
)]
#[case::while_loop(
    sh("while ! pg_isready; do sleep 1; done; psql -c 'CALL refresh()'"),
    &[(SqlWrite, "psql", "CALL refresh()")]
)]
#[case::string_literal_delete(sh("psql -c \"SELECT 'DELETE FROM t' AS note\""), &[])]
#[case::copy_from_stdin(
    sh("psql -c 'COPY t FROM stdin' < /data/t.tsv"),
    &[(SqlWrite, "psql", "COPY t FROM stdin")]
)]
#[case::mysql_show(sh("mysql -h db -uroot -p\"$PW\" -e \"SHOW TABLES\""), &[])]
#[case::mysql_insert(
    sh("mysql -h db -e \"INSERT INTO t VALUES ('x')\" app"),
    &[(SqlWrite, "mysql", "INSERT INTO t VALUES ('x')")]
)]
#[case::mariadb_stdin(
    sh("mariadb app <<EOF\nREPLACE INTO t VALUES (1);\nEOF"),
    &[(SqlWrite, "mariadb", "REPLACE INTO t VALUES (1)")]
)]
#[case::clickhouse(
    sh("clickhouse-client --host ch --query 'INSERT INTO t VALUES (1)'"),
    &[(SqlWrite, "clickhouse-client", "INSERT INTO t VALUES (1)")]
)]
#[case::clickhouse_select(sh("clickhouse-client -q 'SELECT count() FROM t'"), &[])]
#[case::sqlcmd(
    sh("/opt/mssql-tools18/bin/sqlcmd -S db -U sa -Q \"CREATE DATABASE app\""),
    &[(SqlWrite, "sqlcmd", "CREATE DATABASE app")]
)]
#[case::cqlsh(
    sh("cqlsh cassandra -e \"CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}\""),
    &[(SqlWrite, "cqlsh", "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_…")]
)]
#[case::cockroach(
    sh("cockroach sql --insecure --host=crdb -e 'CREATE DATABASE app'"),
    &[(SqlWrite, "cockroach sql", "CREATE DATABASE app")]
)]
#[case::mongosh_find(sh("mongosh mongodb://mongo/app --quiet --eval 'db.x.find()'"), &[])]
#[case::mongosh_insert(
    sh("mongosh mongodb://mongo/app --eval 'db.x.insertOne({})'"),
    &[(MongoWrite, "mongosh", "db.x.insertOne({})")]
)]
#[case::mongo_legacy(
    sh("mongo app --eval 'db.users.drop()'"),
    &[(MongoWrite, "mongo", "db.users.drop()")]
)]
#[case::kafka_topics(sh("kafka-topics --bootstrap-server kafka:9092 --create --topic t --partitions 3"), &[])]
#[case::only_sleeps(sh("sleep 3600"), &[])]
#[case::not_clients(sh("pg_isready -h db && redis-cli -h redis ping && mysqladmin ping -h db && echo done"), &[])]
#[case::curl_post_hasura(
    container(&["sh", "-c", "curl -sf -X POST http://hasura:8080/v1/metadata -d '{\"type\":\"reload_metadata\"}'"], &[], &[]),
    &[(HttpWrite, "curl", "curl -sf -X POST http://hasura:8080/v1/metadata -d {\"type\":\"reload_metadata\"}")]
)]
#[case::curl_image_entrypoint(
    ContainerInput { image: "curlimages/curl:8.5.0".into(), ..container(&[], &["-X", "PUT", "http://grafana.monitoring/api/x"], &[]) },
    &[(HttpWrite, "curl", "curl -X PUT http://grafana.monitoring/api/x")]
)]
#[case::curl_get(sh("curl https://example.com"), &[])]
#[case::curl_public_post(sh("curl -X POST https://hooks.slack.com/services/x -d '{}'"), &[])]
#[case::wget_post(
    sh("wget -qO- --post-data='{}' http://api.apps.svc.cluster.local/reindex"),
    &[(HttpWrite, "wget", "wget -qO- --post-data={} http://api.apps.svc.cluster.local/reindex")]
)]
#[case::unparsable_script(sh("if then; fi )"), &[(OpaqueScript, "sh", "if then; fi )")])]
fn inline_scenarios(#[case] input: ContainerInput, #[case] expected: &[(FindingKind, &str, &str)]) {
    assert_eq!(found(&input, &NoFiles), expect(expected));
}

// ---------------------------------------------------------------------------------------------
// Scripts from files

#[rstest]
#[case::psql_f_unresolvable(
    sh("psql -h db -f /sql/x.sql"),
    &[(OpaqueScript, "psql", "psql -h db -f /sql/x.sql")]
)]
#[case::psql_f_resolved(
    sh("psql -f /sql/seed.sql"),
    &[(SqlWrite, "psql", "INSERT INTO t VALUES (1)")]
)]
#[case::stdin_redirect(
    sh("psql < /sql/seed.sql"),
    &[(SqlWrite, "psql", "INSERT INTO t VALUES (1)")]
)]
#[case::cat_pipe(
    sh("cat /sql/seed.sql | psql"),
    &[(SqlWrite, "psql", "INSERT INTO t VALUES (1)")]
)]
#[case::cat_pipe_secret(
    sh("cat /secret/seed.sql | psql"),
    &[(OpaqueScript, "psql", "psql")]
)]
#[case::meta_commands(
    sh("psql -v ON_ERROR_STOP=1 -f /sql/meta.sql"),
    &[(SqlWrite, "psql", "INSERT INTO users VALUES (:'id', :'name')")]
)]
#[case::psql_include(
    sh("psql -f /sql/main.sql"),
    &[(SqlWrite, "psql", "INSERT INTO t VALUES (1)")]
)]
#[case::script_run_directly(
    container(&["/scripts/run.sh"], &["app"], &[]),
    &[(SqlWrite, "psql", "CREATE SCHEMA app")]
)]
#[case::script_run_by_bash(
    container(&["bash", "/scripts/run.sh", "tenant"], &[], &[]),
    &[(SqlWrite, "psql", "CREATE SCHEMA tenant")]
)]
#[case::script_sourced(
    sh("cd /scripts && . ./run.sh billing"),
    &[(SqlWrite, "psql", "CREATE SCHEMA billing")]
)]
#[case::script_on_secret_volume(
    container(&["/secret/run.sh"], &[], &[]),
    &[(OpaqueScript, "sh", "/secret/run.sh")]
)]
#[case::script_from_image(container(&["/docker-entrypoint.sh"], &["postgres"], &[]), &[])]
#[case::python_script_not_read(container(&["/scripts/seed.py"], &[], &[]), &[])]
#[case::glob_loop(
    sh("for f in /seed/*.sql; do psql -f \"$f\"; done"),
    &[
        (SqlWrite, "psql", "INSERT INTO a VALUES (1)"),
        (SqlWrite, "psql", "DROP TABLE b"),
    ]
)]
#[case::mongosh_file(
    sh("mongosh mongodb://mongo/app /scripts/seed.js"),
    &[(MongoWrite, "mongosh", "db.users.insertMany([{name: 'a'}])")]
)]
#[case::envsubst_template(
    container(&["sh", "-c", "envsubst < /sql/template.sql | psql"], &[], &[("TABLE", "orders")]),
    &[(SqlWrite, "psql", "DELETE FROM orders")]
)]
fn file_scenarios(#[case] input: ContainerInput, #[case] expected: &[(FindingKind, &str, &str)]) {
    let resolver = files(&[
        (
            "/sql/seed.sql",
            "-- seed data\nINSERT INTO t VALUES (1);\nSELECT 1;\n",
        ),
        (
            "/sql/meta.sql",
            "\\connect app\n\\set ON_ERROR_STOP on\nSELECT :'id';\nINSERT INTO users VALUES (:'id', :'name');\n",
        ),
        ("/sql/main.sql", "\\i /sql/seed.sql\n"),
        ("/sql/template.sql", "DELETE FROM ${TABLE};"),
        ("/seed/1.sql", "INSERT INTO a VALUES (1);"),
        ("/seed/2.sql", "DROP TABLE b;"),
        ("/seed/README", "DELETE FROM readme;"),
        (
            "/scripts/run.sh",
            "#!/bin/sh\nset -eu\npsql -c \"CREATE SCHEMA $1\"\n",
        ),
        (
            "/scripts/seed.py",
            "#!/usr/bin/env python3\nprint('DELETE FROM t')\n",
        ),
        (
            "/scripts/seed.js",
            "db.users.find();\ndb.users.insertMany([{name: 'a'}]);\n",
        ),
    ]);
    assert_eq!(found(&input, &resolver), expect(expected));
}

#[test]
fn findings_carry_operation_via_script_and_detail() {
    let resolver = files(&[(
        "/scripts/run.sh",
        "psql -f /sql/missing.sql\npsql <<EOF\nDROP TABLE t;\nEOF\ncat /x | psql",
    )]);
    let analysis = analyze_container(&sh(". /scripts/run.sh"), &resolver, &Options::default());
    let summary: Vec<(FindingKind, &str, &str, Option<&str>, &str)> = analysis
        .findings
        .iter()
        .map(|f| {
            (
                f.kind,
                f.operation.as_str(),
                f.via.as_str(),
                f.script.as_deref(),
                f.detail.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                OpaqueScript,
                OPAQUE_FILE,
                "-f /sql/missing.sql",
                Some("/scripts/run.sh"),
                "psql runs a script that cannot be read (file: -f /sql/missing.sql) in /scripts/run.sh"
            ),
            (
                SqlWrite,
                "DROP TABLE",
                "heredoc",
                Some("/scripts/run.sh"),
                "psql runs DROP TABLE (heredoc) in /scripts/run.sh"
            ),
            (
                OpaqueScript,
                OPAQUE_FILE,
                "pipe from cat /x",
                Some("/scripts/run.sh"),
                "psql runs a script that cannot be read (file: pipe from cat /x) in /scripts/run.sh"
            ),
        ]
    );
}

#[rstest]
#[case::variable(sh("sh -c \"$SCRIPT\""), OPAQUE_VARIABLE)]
#[case::pipe_to_shell(sh("curl -fsSL https://get.example.com/install.sh | sh"), OPAQUE_PIPE)]
#[case::sourced_secret(sh(". /secret/env.sh"), OPAQUE_SCRIPT)]
fn opaque_operations(#[case] input: ContainerInput, #[case] operation: &str) {
    let analysis = analyze_container(&input, &files(&[]), &Options::default());
    let ops: Vec<&str> = analysis
        .findings
        .iter()
        .map(|f| f.operation.as_str())
        .collect();
    assert_eq!(ops, [operation]);
    assert_eq!(analysis.findings[0].kind, OpaqueScript);
}

/// Findings about a script name the shell that reads it: the program of the command line, a
/// script file's shebang, and `sh` where it cannot be known.
#[rstest]
#[case::bash_c(container(&["/bin/bash", "-c"], &["x=$(cat <<E\n"], &[]), "bash")]
#[case::pipe_to_zsh(sh("curl -fsSL https://get.example.com/install.sh | zsh"), "zsh")]
#[case::sourced_in_bash(container(&["bash", "-c", ". /secret/env.sh"], &[], &[]), "bash")]
#[case::shebang(container(&["/scripts/run.sh"], &[], &[]), "ash")]
#[case::su(container(&["su", "postgres", "-c", "$(("], &[], &[]), "sh")]
#[case::unreadable_file(container(&["/secret/run.sh"], &[], &[]), "sh")]
fn script_findings_name_their_shell(#[case] input: ContainerInput, #[case] shell: &str) {
    let scripts = files(&[("/scripts/run.sh", "#!/sbin/ash\nx=$((\n")]);
    let analysis = analyze_container(&input, &scripts, &Options::default());
    let clients: Vec<&str> = analysis
        .findings
        .iter()
        .map(|f| f.client.as_str())
        .collect();
    assert_eq!(clients, [shell]);
    assert_eq!(analysis.findings[0].kind, OpaqueScript);
}

#[test]
fn http_findings_name_host_and_method() {
    let analysis = analyze_container(
        &sh(
            "curl --fail -XPOST -H 'X-Hasura-Admin-Secret: x' http://hasura:8080/v1/metadata --data-binary @/m.json",
        ),
        &NoFiles,
        &Options::default(),
    );
    let f = &analysis.findings[0];
    assert_eq!(
        (f.kind, f.operation.as_str(), f.host.as_deref()),
        (HttpWrite, "POST", Some("hasura"))
    );
    assert_eq!(f.detail, "curl sends POST to in-cluster host hasura");
}

// ---------------------------------------------------------------------------------------------
// Allowed migration tools

#[rstest]
#[case::flyway_image(ContainerInput { image: "flyway/flyway:10".into(), ..container(&[], &["migrate"], &[]) }, "flyway")]
#[case::flyway_command(container(&["flyway", "-url=jdbc:postgresql://db/app", "migrate"], &[], &[]), "flyway")]
#[case::liquibase(sh("liquibase --changelog-file=changelog.xml update"), "liquibase")]
#[case::liquibase_image(ContainerInput { image: "liquibase/liquibase:4.25".into(), ..container(&[], &["update"], &[]) }, "liquibase")]
#[case::hasura_cli_migrations(ContainerInput { image: "hasura/graphql-engine:v2.36.0.cli-migrations-v3".into(), ..container(&[], &[], &[]) }, "hasura")]
#[case::hasura_metadata_apply(
    sh(
        "hasura metadata apply --endpoint http://hasura:8080 && hasura migrate apply --all-databases"
    ),
    "hasura"
)]
#[case::prisma(sh("npx prisma migrate deploy"), "prisma-migrate")]
#[case::django(sh("python manage.py migrate --noinput"), "django-migrate")]
#[case::rails(sh("bundle exec rails db:migrate"), "rails-db-migrate")]
#[case::golang_migrate(container(&["migrate", "-path", "/migrations", "-database", "$(DATABASE_URL)", "up"], &[], &[]), "golang-migrate")]
fn allowed_tools_pass(#[case] input: ContainerInput, #[case] tool: &str) {
    let analysis = analyze_container(&input, &NoFiles, &Options::default());
    assert_eq!(analysis.findings, vec![]);
    assert!(
        analysis.allowed_tools.iter().any(|t| t.tool == tool),
        "{:?}",
        analysis.allowed_tools
    );
}

#[test]
fn a_tool_removed_from_the_allowed_list_is_not_recognised() {
    let options = Options {
        allowed_tools: vec!["flyway".to_owned()],
        ..Options::default()
    };
    let analysis = analyze_container(&sh("liquibase update"), &NoFiles, &options);
    assert!(analysis.allowed_tools.is_empty());
    let analysis = analyze_container(&sh("flyway migrate"), &NoFiles, &options);
    assert_eq!(analysis.allowed_tools[0].tool, "flyway");
}

#[test]
fn allowed_tool_in_a_script_does_not_hide_other_writes() {
    let analysis = analyze_container(
        &sh("flyway migrate && psql -c 'DELETE FROM flyway_schema_history'"),
        &NoFiles,
        &Options::default(),
    );
    assert_eq!(analysis.allowed_tools.len(), 1);
    assert_eq!(
        analysis
            .findings
            .iter()
            .map(|f| f.statement.as_str())
            .collect::<Vec<_>>(),
        ["DELETE FROM flyway_schema_history"]
    );
}

// ---------------------------------------------------------------------------------------------
// Corpus: real manifests

fn corpus(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(format!("{CORPUS}{name}")).expect("corpus file");
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).expect("yaml"))
        .filter(|v| !v.is_null())
        .collect()
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind))
        .expect("kind in corpus file")
}

/// A ConfigMap's data mounted at `dir`.
fn mounted(configmap: &Value, dir: &str) -> Files {
    Files(
        configmap["data"]
            .as_mapping()
            .expect("data")
            .iter()
            .map(|(k, v)| {
                (
                    format!("{dir}/{}", k.as_str().unwrap_or_default()),
                    v.as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
    )
}

/// A container of a Job as plain data (literal env values only).
fn job_container(job: &Value, name: &str) -> ContainerInput {
    let spec = &job["spec"]["template"]["spec"];
    let c = spec["containers"]
        .as_sequence()
        .into_iter()
        .chain(spec["initContainers"].as_sequence())
        .flatten()
        .find(|c| c["name"].as_str() == Some(name))
        .expect("container");
    let list = |v: &Value| -> Vec<String> {
        v.as_sequence()
            .map(|s| {
                s.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    ContainerInput {
        command: list(&c["command"]),
        args: list(&c["args"]),
        env: c["env"]
            .as_sequence()
            .map(|s| {
                s.iter()
                    .filter_map(|e| {
                        Some((
                            e["name"].as_str()?.to_owned(),
                            e["value"].as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        image: c["image"].as_str().unwrap_or_default().to_owned(),
        working_dir: c["workingDir"].as_str().map(str::to_owned),
    }
}

#[test]
fn bank_of_anthos_populate_job_writes_through_sourced_scripts() {
    let docs = corpus("boa-populate-accounts-db-sql-job.yaml");
    let scripts = mounted(of_kind(&docs, "ConfigMap"), "/scripts");
    let job = of_kind(&docs, "Job");

    let analysis = analyze_container(
        &job_container(job, "populate-accounts-db"),
        &scripts,
        &Options::default(),
    );
    let summary: Vec<(FindingKind, &str, &str, &str, Option<&str>)> = analysis
        .findings
        .iter()
        .map(|f| {
            (
                f.kind,
                f.client.as_str(),
                f.statement.as_str(),
                f.via.as_str(),
                f.script.as_deref(),
            )
        })
        .collect();
    let init = Some("/scripts/initialize-database.sh");
    let testdata = Some("/scripts/1-load-testdata.sh");
    assert_eq!(
        summary,
        vec![
            (
                SqlWrite,
                "psql",
                "CREATE TABLE IF NOT EXISTS users ( accountid CHAR(10) PRIMARY KEY, username VAR…",
                "-f /scripts/0-accounts-schema.sql",
                init
            ),
            (
                SqlWrite,
                "psql",
                "CREATE INDEX IF NOT EXISTS idx_users_accountid ON users (accountid)",
                "-f /scripts/0-accounts-schema.sql",
                init
            ),
            (
                SqlWrite,
                "psql",
                "CREATE INDEX IF NOT EXISTS idx_users_username ON users (username)",
                "-f /scripts/0-accounts-schema.sql",
                init
            ),
            (
                SqlWrite,
                "psql",
                "CREATE TABLE IF NOT EXISTS contacts ( username VARCHAR(64) NOT NULL, label VARC…",
                "-f /scripts/0-accounts-schema.sql",
                init
            ),
            (
                SqlWrite,
                "psql",
                "CREATE INDEX IF NOT EXISTS idx_contacts_username ON contacts (username)",
                "-f /scripts/0-accounts-schema.sql",
                init
            ),
            (
                SqlWrite,
                "psql",
                "INSERT INTO users VALUES (:'account', :'username', :'passhash', :'firstname', '…",
                "heredoc",
                testdata
            ),
            (
                SqlWrite,
                "psql",
                "INSERT INTO contacts VALUES (:'username', :'label', :'account', :'routing', 'fa…",
                "heredoc",
                testdata
            ),
            (
                SqlWrite,
                "psql",
                "INSERT INTO contacts VALUES (:'username', :'label', :'account', :'routing', 'tr…",
                "heredoc",
                testdata
            ),
        ]
    );
    assert!(analysis.allowed_tools.is_empty());
    assert!(!analysis.truncated);

    // The sidecar only waits and kills; the proxy runs a binary from its image.
    for name in ["sidecar-controller", "cloudsql-proxy"] {
        let analysis = analyze_container(&job_container(job, name), &scripts, &Options::default());
        assert_eq!(analysis.findings, vec![], "{name}");
    }
}

#[test]
fn bank_of_anthos_heredoc_insert_is_found_without_the_schema_file() {
    // Only the script that uses heredocs: the INSERTs are found through the sourced script,
    // the function bodies and the `<<-EOSQL` heredocs, via the keyword fallback (`:'var'`).
    let docs = corpus("boa-populate-accounts-db-sql-job.yaml");
    let cm = of_kind(&docs, "ConfigMap");
    let script = cm["data"]["1-load-testdata.sh"].as_str().expect("script");
    let resolver = files(&[("/scripts/1-load-testdata.sh", script)]);
    let found = found(&sh(". /scripts/1-load-testdata.sh"), &resolver);
    assert_eq!(found.len(), 3);
    assert_eq!(
        found[0],
        (
            SqlWrite,
            "psql".to_owned(),
            "INSERT INTO users VALUES (:'account', :'username', :'passhash', :'firstname', '…"
                .to_owned()
        )
    );
}

#[test]
fn kong_migrations_job_passes() {
    let docs = corpus("kong-kic-migrations-job.yaml");
    let job = of_kind(&docs, "Job");
    let analysis = analyze_container(
        &job_container(job, "kong-migrations"),
        &NoFiles,
        &Options::default(),
    );
    assert_eq!(analysis.findings, vec![]);
    let tools: Vec<(&str, &str)> = analysis
        .allowed_tools
        .iter()
        .map(|t| (t.tool.as_str(), t.evidence.as_str()))
        .collect();
    assert_eq!(
        tools,
        [
            ("kong-migrations", "kong migrations bootstrap"),
            ("kong-migrations", "kong migrations up"),
            ("kong-migrations", "kong migrations finish"),
        ]
    );
    let wait = analyze_container(
        &job_container(job, "wait-for-postgres"),
        &NoFiles,
        &Options::default(),
    );
    assert_eq!(wait.findings, vec![]);
}

#[test]
fn n8n_initdb_script_would_be_found_if_a_job_ran_it() {
    // The ConfigMap itself is a database's own init script (out of the policy's scope); run by
    // a Job, its `<<-EOSQL` heredoc (tab-indented) is expanded from the literal env.
    let docs = corpus("n8n-hosting-postgres-initdb-configmap.yaml");
    let scripts = mounted(of_kind(&docs, "ConfigMap"), "/docker-entrypoint-initdb.d");
    let input = container(
        &["bash", "/docker-entrypoint-initdb.d/init-data.sh"],
        &[],
        &[("POSTGRES_NON_ROOT_USER", "n8n"), ("POSTGRES_DB", "n8n")],
    );
    assert_eq!(
        found(&input, &scripts),
        expect(&[
            (
                SqlWrite,
                "psql",
                "CREATE USER \"n8n\" WITH PASSWORD '${POSTGRES_NON_ROOT_PASSWORD}'"
            ),
            (
                SqlWrite,
                "psql",
                "GRANT ALL PRIVILEGES ON DATABASE n8n TO \"n8n\""
            ),
            (SqlWrite, "psql", "GRANT ALL ON SCHEMA public TO \"n8n\""),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Robustness

#[test]
fn long_inline_scripts_are_read_whole() {
    let filler = format!("echo '{}'\n", "x".repeat(100)).repeat(1_000);
    let script = format!("{filler}psql -c 'DELETE FROM t'\n");
    assert!(script.len() > 100_000);
    assert_eq!(
        found(&sh(&script), &NoFiles),
        expect(&[(SqlWrite, "psql", "DELETE FROM t")])
    );
}

#[test]
fn recursive_sourcing_is_bounded() {
    let resolver = files(&[
        ("/s/a.sh", ". /s/b.sh; psql -c 'DELETE FROM a'"),
        ("/s/b.sh", ". /s/a.sh"),
    ]);
    let analysis = analyze_container(&sh(". /s/a.sh"), &resolver, &Options::default());
    assert!(analysis.truncated);
    assert_eq!(analysis.findings.len(), 1);
}

#[test]
fn huge_and_hostile_inputs_do_not_panic() {
    let big = "x".repeat(job_scripts::MAX_SCRIPT_BYTES + 1);
    let doubling = format!("A=x\n{}psql -c \"INSERT $A\"", "A=$A$A\n".repeat(40));
    let inputs = [
        sh(&big),
        sh(&"(".repeat(10_000)),
        sh(&"$(".repeat(10_000)),
        sh(&"{ ".repeat(10_000)),
        sh(&format!(
            "psql -c \"SELECT {}1{}\"",
            "(".repeat(10_000),
            ")".repeat(10_000)
        )),
        sh(&doubling),
        sh("f() { f | f; }; f"),
        sh(&format!(
            "A=x\n{}{}",
            "A=$A$A\n".repeat(20),
            (0..3000).map(|i| format!("B{i}=$A\n")).collect::<String>()
        )),
        sh(&format!(
            "{}(( x++ )){}",
            "for a in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do ".repeat(8),
            "; done".repeat(8)
        )),
        sh(&format!(
            "A=$(printf %065536d 0); p {}",
            "\"$A\" ".repeat(20_000)
        )),
        sh(&format!(
            "mongosh --eval '{}'",
            "db.x.aggregate(".repeat(20_000)
        )),
        sh(&"psql -c 'SELECT 1';".repeat(30_000)),
        sh(&"p;".repeat(60_000)),
        sh("echo 99999999999>x; echo ~+99999999999999999999"),
        sh("eval \"$(printf 'eval %.0s' 1 2 3)\""),
        container(&["bash", "-c"], &[], &[]),
        container(&[], &[], &[]),
        container(&["--"], &["-c"], &[]),
        container(&["psql", "-f"], &[], &[]),
        container(&["curl", "-X"], &[], &[]),
        container(&["env", "-u"], &[], &[]),
        container(&["timeout"], &[], &[]),
    ];
    for input in inputs {
        let _ = analyze_container(
            &input,
            &files(&[("/s/x.sh", ". /s/x.sh")]),
            &Options::default(),
        );
    }
}

/// A script over the bound, given inline, is cut when it becomes a word: what follows the cut
/// is never read, so the script is not inspected (an opaque script, and a truncated analysis)
/// rather than judged by its beginning. Before, a write after the cut passed unseen.
#[rstest]
#[case::shell_script(
    sh(&format!("{}psql -c \"UPDATE t SET a = 1\"\n", "psql -c 'SELECT 1'\n".repeat(20_000))),
    "sh",
    "parse"
)]
#[case::client_text(
    container(&["psql", "-c", &format!("{}UPDATE t SET a = 1;", "SELECT 1;\n".repeat(40_000))], &[], &[]),
    "psql",
    "too large"
)]
fn a_cut_script_is_not_inspected(
    #[case] input: ContainerInput,
    #[case] client: &str,
    #[case] operation: &str,
) {
    let analysis = analyze_container(&input, &NoFiles, &Options::default());
    assert!(analysis.truncated);
    let found: Vec<_> = analysis
        .findings
        .iter()
        .map(|f| (f.kind, f.client.as_str(), f.operation.as_str()))
        .collect();
    assert_eq!(found, [(OpaqueScript, client, operation)]);
}
