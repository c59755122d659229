use rstest::rstest;
use serde_json::{Value, json};

use super::*;

fn image(reference: &str) -> ImageReference {
    ImageReference::parse(reference).unwrap()
}

fn patches(value: Value) -> Vec<ComponentPatch> {
    serde_json::from_value(value).unwrap()
}

fn extended(value: Value) -> Catalog {
    Catalog::builtin().with_additions(&patches(value)).unwrap()
}

const DATASTORES: [&str; 29] = [
    "postgresql",
    "mysql",
    "mariadb",
    "cockroachdb",
    "mongodb",
    "couchdb",
    "neo4j",
    "redis",
    "valkey",
    "keydb",
    "dragonfly",
    "memcached",
    "etcd",
    "kafka",
    "redpanda",
    "zookeeper",
    "rabbitmq",
    "nats",
    "clickhouse",
    "elasticsearch",
    "opensearch",
    "cassandra",
    "scylladb",
    "influxdb",
    "minio",
    "seaweedfs",
    "qdrant",
    "milvus",
    "weaviate",
];

const APPLICATIONS: [&str; 28] = [
    "grafana",
    "mimir",
    "loki",
    "tempo",
    "opentelemetry-collector",
    "prometheus",
    "headlamp",
    "argocd",
    "traefik",
    "pomerium",
    "cert-manager",
    "external-secrets",
    "openbao",
    "vault",
    "keycloak",
    "velero",
    "longhorn",
    "github-actions-runner",
    "nexus",
    "gitea",
    "hasura",
    "windmill",
    "penpot",
    "dagster",
    "datahub",
    "temporal",
    "marquez",
    "polaris",
];

#[test]
fn builtin_json_parses_strictly() {
    let components: Vec<Component> = serde_json::from_str(BUILTIN_JSON).unwrap();
    assert_eq!(components.len(), Catalog::builtin().components().len());
    assert!(!components.is_empty());
}

#[test]
fn builtin_passes_the_catalog_checks() {
    check::check_catalog(BUILTIN_FIELD, Catalog::builtin().components()).unwrap();
    Catalog::from_components(Catalog::builtin().components().to_vec()).unwrap();
}

#[test]
fn builtin_has_every_datastore_and_application_of_the_rules() {
    let catalog = Catalog::builtin();
    let ids = |class| {
        catalog
            .of_class(class)
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(ComponentClass::Datastore), DATASTORES);
    assert_eq!(ids(ComponentClass::Application), APPLICATIONS);
    for id in DATASTORES.iter().chain(&APPLICATIONS) {
        assert_eq!(catalog.get(id).map(|c| c.id.as_str()), Some(*id));
    }
    assert!(catalog.get("sqlserver").is_none());
}

#[test]
fn every_datastore_has_signals_and_a_source() {
    for component in Catalog::builtin().datastores() {
        let signals = &component.signals;
        assert!(!signals.ports.is_empty(), "{} has no port", component.id);
        assert!(
            !signals.data_paths.is_empty() || !signals.server_env.is_empty(),
            "{} has neither data path nor server env",
            component.id
        );
        assert!(
            !signals.tag_hints.is_empty(),
            "{} has no tag hint",
            component.id
        );
        let sources = &component.sources;
        assert!(
            !sources.charts.is_empty() || !sources.operators.is_empty(),
            "{} has no upstream source",
            component.id
        );
    }
}

#[test]
fn every_application_names_a_chart() {
    for component in Catalog::builtin().applications() {
        assert!(
            !component.sources.charts.is_empty(),
            "{} has no chart source",
            component.id
        );
        assert!(component.signals.ports.is_empty() && component.signals.clients.is_empty());
    }
}

#[test]
fn no_exporter_or_tool_is_a_component_image() {
    for component in Catalog::builtin().components() {
        for repository in &component.images {
            let name = crate::image::last_segment(repository);
            assert!(
                // Penpot's `exporter` renders exports; metrics exporters are `*-exporter`.
                !name.ends_with("-exporter")
                    && !name.ends_with("_exporter")
                    && !name.ends_with("-client")
                    && name != "nats-box",
                "{repository} in {}",
                component.id
            );
        }
    }
}

#[rstest]
#[case("postgres", "postgresql")]
#[case("postgres:16-alpine", "postgresql")]
#[case("docker.io/library/postgres:16", "postgresql")]
#[case(
    "public.ecr.aws/docker/library/postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "postgresql"
)]
#[case("registry.corp/library/postgres", "postgresql")]
#[case("registry.corp/postgres:16", "postgresql")]
#[case("mirror.gcr.io/library/postgres", "postgresql")]
#[case("harbor.corp/hub/library/postgres:16", "postgresql")]
#[case("ghcr.io/cloudnative-pg/postgresql:16", "postgresql")]
#[case("bitnami/postgresql:16.4.0", "postgresql")]
#[case("docker.io/bitnamilegacy/postgresql:16.6.0-debian-12-r2", "postgresql")]
#[case("bitnami/postgresql-repmgr:16", "postgresql")]
#[case("postgis/postgis:16-3.4", "postgresql")]
#[case("timescale/timescaledb-ha:pg16", "postgresql")]
#[case("pgvector/pgvector:pg16", "postgresql")]
#[case("ghcr.io/zalando/spilo-17:4.0-p2", "postgresql")]
#[case(
    "registry.developers.crunchydata.com/crunchydata/crunchy-postgres:ubi8-16.4-0",
    "postgresql"
)]
#[case("mysql:8.4", "mysql")]
#[case("container-registry.oracle.com/mysql/community-server:8.4", "mysql")]
#[case("percona/percona-xtradb-cluster:8.0", "mysql")]
#[case("mariadb:11.4", "mariadb")]
#[case("cockroachdb/cockroach:v24.2.0", "cockroachdb")]
#[case("mongo:7", "mongodb")]
#[case("quay.io/mongodb/mongodb-community-server:7.0.12-ubi8", "mongodb")]
#[case("percona/percona-server-mongodb:7.0", "mongodb")]
#[case("couchdb:3.3", "couchdb")]
#[case("neo4j:5-enterprise", "neo4j")]
#[case("redis:7", "redis")]
#[case("public.ecr.aws/docker/library/redis:7.2.7-alpine", "redis")]
#[case("redis/redis-stack-server:7.4.0-v0", "redis")]
#[case("valkey/valkey:8", "valkey")]
#[case("docker.io/bitnami/valkey:8.0", "valkey")]
#[case("eqalpha/keydb:x86_64_v6.3.4", "keydb")]
#[case("docker.dragonflydb.io/dragonflydb/dragonfly:v1.23.0", "dragonfly")]
#[case("memcached:1.6-alpine", "memcached")]
#[case("quay.io/coreos/etcd:v3.5.15", "etcd")]
#[case("apache/kafka:3.9.0", "kafka")]
#[case("apache/kafka-native:3.9.0", "kafka")]
#[case("confluentinc/cp-kafka:7.7.0", "kafka")]
#[case("quay.io/strimzi/kafka:0.45.0-kafka-3.9.0", "kafka")]
#[case("docker.redpanda.com/redpandadata/redpanda:v24.2.4", "redpanda")]
#[case("zookeeper:3.9", "zookeeper")]
#[case("rabbitmq:3-management", "rabbitmq")]
#[case("nats:2.10-alpine", "nats")]
#[case("clickhouse/clickhouse-server:24.8", "clickhouse")]
#[case(
    "docker.elastic.co/elasticsearch/elasticsearch:8.15.0",
    "elasticsearch"
)]
#[case("opensearchproject/opensearch:2.17.0", "opensearch")]
#[case("cassandra:4.1", "cassandra")]
#[case("gcr.io/google-samples/cassandra:v13", "cassandra")]
#[case("cr.k8ssandra.io/k8ssandra/cass-management-api:4.1.5", "cassandra")]
#[case("scylladb/scylla:6.1", "scylladb")]
#[case("influxdb:2.7", "influxdb")]
#[case("quay.io/minio/minio:RELEASE.2024-10-02T17-50-41Z", "minio")]
#[case("chrislusf/seaweedfs:3.73", "seaweedfs")]
#[case("qdrant/qdrant:v1.12.0", "qdrant")]
#[case("milvusdb/milvus:v2.4.10", "milvus")]
#[case("cr.weaviate.io/semitechnologies/weaviate:1.26.1", "weaviate")]
#[case("grafana/grafana:11.2.0", "grafana")]
#[case("grafana/mimir:2.13.0", "mimir")]
#[case("grafana/loki:3.1.0", "loki")]
#[case("grafana/tempo:2.5.0", "tempo")]
#[case(
    "otel/opentelemetry-collector-contrib:0.108.0",
    "opentelemetry-collector"
)]
#[case(
    "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.108.0",
    "opentelemetry-collector"
)]
#[case("quay.io/prometheus/prometheus:v2.54.0", "prometheus")]
#[case("prom/prometheus", "prometheus")]
#[case("ghcr.io/headlamp-k8s/headlamp:v0.25.0", "headlamp")]
#[case("quay.io/argoproj/argocd:v2.12.0", "argocd")]
#[case("traefik:v3.1", "traefik")]
#[case("pomerium/ingress-controller:v0.27.0", "pomerium")]
#[case("quay.io/jetstack/cert-manager-controller:v1.15.3", "cert-manager")]
#[case(
    "ghcr.io/external-secrets/external-secrets:v0.10.0",
    "external-secrets"
)]
#[case("quay.io/openbao/openbao:2.0.0", "openbao")]
#[case("hashicorp/vault:1.17", "vault")]
#[case("quay.io/keycloak/keycloak:26.0", "keycloak")]
#[case("velero/velero:v1.14.0", "velero")]
#[case("longhornio/longhorn-manager:v1.7.0", "longhorn")]
#[case("ghcr.io/actions/actions-runner:2.319.1", "github-actions-runner")]
#[case("summerwind/actions-runner:latest", "github-actions-runner")]
#[case("myoung34/github-runner:ubuntu-noble", "github-actions-runner")]
#[case("sonatype/nexus3:3.70.1", "nexus")]
#[case("docker.gitea.com/gitea:1.22", "gitea")]
#[case("gitea/gitea:1.22", "gitea")]
#[case("hasura/graphql-engine:v2.40.0", "hasura")]
#[case("ghcr.io/windmill-labs/windmill:1.380.0", "windmill")]
#[case("penpotapp/backend:2.1.0", "penpot")]
#[case("dagster/dagster-celery-k8s:1.8.0", "dagster")]
#[case("acryldata/datahub-gms:v0.14.0", "datahub")]
#[case("temporalio/server:1.24.2", "temporal")]
#[case("marquezproject/marquez-web:0.49.0", "marquez")]
#[case("apache/polaris:1.0.0", "polaris")]
fn finds_components_by_image(#[case] reference: &str, #[case] id: &str) {
    let found = Catalog::builtin().component_for_image(&image(reference));
    assert_eq!(found.map(|c| c.id.as_str()), Some(id), "{reference}");
}

#[rstest]
#[case("oliver006/redis_exporter:v1.62.0")]
#[case("prometheuscommunity/postgres-exporter:v0.15.0")]
#[case("quay.io/prometheuscommunity/postgres-exporter")]
#[case("bitnami/postgres-exporter")]
#[case("bitnami/redis-exporter")]
#[case("percona/mongodb_exporter:0.40")]
#[case("danielqsj/kafka-exporter")]
#[case("bitnami/minio-client")]
#[case("natsio/nats-box")]
#[case("kafbat/kafka-ui")]
#[case("bitnami/pgbouncer")]
#[case("redis/redisinsight")]
#[case("myorg/postgres")]
#[case("registry.corp/team/redis")]
#[case("registry.k8s.io/etcd:3.5.15-0")]
#[case("nginx")]
#[case("busybox:1.36")]
#[case("grafana/agent")]
#[case("ghcr.io/corp/kafka:1.0")]
fn does_not_find_other_images(#[case] reference: &str) {
    let found = Catalog::builtin().component_for_image(&image(reference));
    assert_eq!(found.map(|c| c.id.as_str()), None, "{reference}");
}

#[test]
fn reports_the_matched_repository() {
    let catalog = Catalog::builtin();
    let (component, repository) = catalog
        .image_match(&image("public.ecr.aws/docker/library/redis:7"))
        .unwrap();
    assert_eq!(
        (component.id.as_str(), repository),
        ("redis", "library/redis")
    );
}

#[test]
fn the_most_specific_repository_wins() {
    let catalog = extended(json!([{
        "id": "ecr-redis",
        "displayName": "Redis via ECR",
        "class": "datastore",
        "images": ["docker/library/redis"],
        "replacement": {"summary": "x", "url": "https://example.com"}
    }]));
    let found = catalog.component_for_image(&image("public.ecr.aws/docker/library/redis"));
    assert_eq!(found.map(|c| c.id.as_str()), Some("ecr-redis"));
    let found = catalog.component_for_image(&image("redis"));
    assert_eq!(found.map(|c| c.id.as_str()), Some("redis"));
}

#[rstest]
#[case(Some("postgresql.cnpg.io"), "Cluster", &["postgresql"])]
#[case(None, "Cluster", &["postgresql", "redpanda"])]
#[case(Some("redpanda.vectorized.io"), "Cluster", &["redpanda"])]
#[case(Some("acid.zalan.do"), "postgresql", &["postgresql"])]
#[case(Some("kafka.strimzi.io"), "Kafka", &["kafka"])]
#[case(Some("core.strimzi.io"), "StrimziPodSet", &["kafka"])]
#[case(None, "Kafka", &["kafka"])]
#[case(Some("minio.min.io"), "Tenant", &["minio"])]
#[case(Some("rabbitmq.com"), "RabbitmqCluster", &["rabbitmq"])]
#[case(Some("actions.github.com"), "EphemeralRunnerSet", &["github-actions-runner"])]
#[case(Some("k8s.keycloak.org"), "Keycloak", &["keycloak"])]
#[case(Some("wrong.example.com"), "Cluster", &[])]
#[case(Some("postgresql.cnpg.io"), "cluster", &[])]
#[case(None, "Deployment", &[])]
fn finds_components_by_operator(
    #[case] group: Option<&str>,
    #[case] kind: &str,
    #[case] ids: &[&str],
) {
    let found: Vec<&str> = Catalog::builtin()
        .components_with_operator(group, kind)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(found, ids);
}

#[rstest]
#[case("registry.corp/demo:2.1.3-kafka", &["kafka"])]
#[case("corp/db:16-POSTGRES", &["postgresql"])]
#[case("corp/cache:redis_7", &["redis"])]
#[case("corp/app:1.0.0", &[])]
#[case("corp/app", &[])]
fn finds_components_hinted_by_tag(#[case] reference: &str, #[case] ids: &[&str]) {
    let image = image(reference);
    let found: Vec<&str> = Catalog::builtin()
        .components_hinted_by_tag(&image)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(found, ids);
}

#[test]
fn finds_components_by_port() {
    let found: Vec<&str> = Catalog::builtin()
        .components_with_port(5432)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(found, ["postgresql"]);
}

#[rstest]
#[case(&["psql", "-c", "select 1"], true)]
#[case(&["/usr/bin/redis-cli", "ping"], true)]
#[case(&["kafka-topics.sh", "--create"], true)]
#[case(&["kafka-topics", "--create"], true)]
#[case(&["mongosh", "--eval", "db.x.insertOne({})"], true)]
#[case(&["clickhouse-client", "--query", "select 1"], true)]
#[case(&["clickhouse", "client", "--query", "select 1"], true)]
#[case(&["cockroach", "sql", "--execute", "select 1"], true)]
#[case(&["mc", "mb", "local/bucket"], true)]
#[case(&["etcdctl", "put", "a", "b"], true)]
#[case(&["cqlsh", "-e", "select 1"], true)]
#[case(&["cockroach", "start"], false)]
#[case(&["postgres", "-c", "max_connections=200"], false)]
#[case(&["redis-server", "--appendonly", "yes"], false)]
#[case(&["kafka-server-start.sh", "/config"], false)]
#[case(&[], false)]
fn recognises_client_commands(#[case] argv: &[&str], #[case] expected: bool) {
    assert_eq!(Catalog::builtin().is_client_command(argv), expected);
}

#[rstest]
#[case::postgres(&["postgres", "-c", "max_connections=200"], true)]
#[case::path(&["/usr/local/bin/redis-server", "--appendonly", "yes"], true)]
#[case::script(&["kafka-server-start.sh", "/config"], true)]
#[case::two_words(&["cockroach", "start-single-node", "--insecure"], true)]
#[case::minio(&["minio", "server", "/data"], true)]
#[case::pg_ctl_start(&["pg_ctl", "start", "-D", "/data"], true)]
#[case::pg_ctl_status(&["pg_ctl", "status"], false)]
#[case::client(&["psql", "-U", "postgres"], false)]
#[case::two_word_client(&["cockroach", "sql"], false)]
#[case::minio_client(&["mc", "mb", "local/bucket"], false)]
#[case::empty(&[], false)]
fn recognises_server_commands(#[case] argv: &[&str], #[case] expected: bool) {
    assert_eq!(Catalog::builtin().is_server_command(argv), expected);
}

#[test]
fn every_datastore_names_its_server_programs() {
    let catalog = Catalog::builtin();
    assert!(catalog.servers().windows(2).all(|w| w[0] < w[1]));
    for component in catalog.components() {
        let datastore = component.class == ComponentClass::Datastore;
        assert_eq!(
            !component.signals.servers.is_empty(),
            datastore,
            "{}",
            component.id
        );
        for server in &component.signals.servers {
            assert!(!catalog.is_client(server), "{server} is also a client");
        }
    }
}

#[test]
fn lists_clients_sorted_and_unique() {
    let catalog = Catalog::builtin();
    let clients = catalog.clients();
    assert!(clients.windows(2).all(|w| w[0] < w[1]));
    for client in [
        "psql",
        "pg_isready",
        "mysql",
        "mongosh",
        "redis-cli",
        "kafka-topics",
        "clickhouse-client",
        "mc",
        "etcdctl",
        "cqlsh",
        "cockroach sql",
    ] {
        assert!(clients.iter().any(|c| c == client), "{client}");
    }
    assert!(catalog.is_client("pg_dump"));
    assert!(!catalog.is_client("cockroach"));
    assert_eq!(
        catalog
            .component_for_client("/usr/bin/psql")
            .map(|c| c.id.as_str()),
        Some("postgresql")
    );
}

#[test]
fn chart_sources_are_pairs_of_chart_and_images() {
    let kafka = Catalog::builtin().get("kafka").unwrap();
    assert!(
        kafka
            .chart_source("kafka", &image("bitnami/kafka:3.9"))
            .is_some()
    );
    assert!(
        kafka
            .chart_source("kafka", &image("apache/kafka:3.9.0"))
            .is_none()
    );
    let redis = Catalog::builtin().get("redis").unwrap();
    assert!(
        redis
            .chart_source(
                "redis-ha",
                &image("public.ecr.aws/docker/library/redis:7.2")
            )
            .is_some()
    );
    assert!(
        redis
            .chart_source("argo-cd", &image("redis:7.2.4-alpine"))
            .is_some()
    );
    assert!(redis.has_bundle("argocd"));
    assert!(!redis.has_bundle("shop"));
}

#[test]
fn additions_extend_a_builtin_component() {
    let catalog = extended(json!([{
        "id": "postgresql",
        "images": ["ghcr.io/corp/pg-hardened", "postgres-corp", "library/postgres"],
        "sources": {
            "charts": [
                {"name": "corp-postgres", "images": ["corp/pg-hardened"], "repository": "oci://registry.corp/charts"},
                {"name": "postgresql", "images": ["bitnami/postgresql"], "repository": "oci://registry-1.docker.io/bitnamicharts"}
            ],
            "operators": [{"group": "kubedb.com", "kind": "Postgres"}],
            "bundles": ["corp-platform"]
        },
        "signals": {"ports": [6432], "clients": ["pgcli"]}
    }]));
    let postgresql = catalog.get("postgresql").unwrap();
    let builtin = Catalog::builtin().get("postgresql").unwrap();
    assert_eq!(postgresql.images.len(), builtin.images.len() + 2);
    assert!(postgresql.images.ends_with(&[
        "corp/pg-hardened".to_string(),
        "library/postgres-corp".to_string()
    ]));
    assert_eq!(
        postgresql.sources.charts.len(),
        builtin.sources.charts.len() + 1
    );
    let found = catalog.component_for_image(&image("registry.corp/corp/pg-hardened:16"));
    assert_eq!(found.map(|c| c.id.as_str()), Some("postgresql"));
    let found = catalog.component_for_image(&image("registry.corp/postgres-corp:16"));
    assert_eq!(found.map(|c| c.id.as_str()), Some("postgresql"));
    assert!(
        postgresql
            .chart_source("corp-postgres", &image("registry.corp/corp/pg-hardened:16"))
            .is_some()
    );
    assert_eq!(
        catalog
            .components_with_operator(Some("kubedb.com"), "Postgres")
            .count(),
        1
    );
    assert!(postgresql.has_bundle("corp-platform"));
    assert!(postgresql.signals.ports.contains(&6432));
    assert!(catalog.is_client("pgcli"));
    // The built-in catalog is untouched.
    assert!(
        Catalog::builtin()
            .component_for_image(&image("corp/pg-hardened"))
            .is_none()
    );
    assert!(!Catalog::builtin().is_client("pgcli"));
}

#[test]
fn additions_replace_scalars() {
    let catalog = extended(json!([{
        "id": "grafana",
        "displayName": "Grafana OSS",
        "class": "datastore",
        "replacement": {"url": "https://wiki.corp/grafana"}
    }]));
    let grafana = catalog.get("grafana").unwrap();
    assert_eq!(grafana.display_name, "Grafana OSS");
    assert_eq!(grafana.class, ComponentClass::Datastore);
    assert_eq!(grafana.replacement.url, "https://wiki.corp/grafana");
    assert_eq!(
        grafana.replacement.summary,
        Catalog::builtin()
            .get("grafana")
            .unwrap()
            .replacement
            .summary
    );
}

#[test]
fn additions_add_a_new_component() {
    let catalog = extended(json!([{
        "id": "ferretdb",
        "displayName": "FerretDB",
        "class": "datastore",
        "images": ["ghcr.io/ferretdb/ferretdb"],
        "signals": {"ports": [27017], "tagHints": ["ferretdb"]},
        "replacement": {"summary": "the FerretDB operator", "url": "https://docs.ferretdb.io/"}
    }]));
    let ferretdb = catalog.get("ferretdb").unwrap();
    assert_eq!(ferretdb.images, ["ferretdb/ferretdb"]);
    assert_eq!(
        catalog.components().last().map(|c| c.id.as_str()),
        Some("ferretdb")
    );
    let found = catalog.component_for_image(&image("ghcr.io/ferretdb/ferretdb:1.24"));
    assert_eq!(found.map(|c| c.id.as_str()), Some("ferretdb"));
    let hinted: Vec<&str> = catalog
        .components_hinted_by_tag(&image("corp/db:1-ferretdb"))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(hinted, ["ferretdb"]);
}

#[test]
fn no_additions_is_the_builtin_catalog() {
    let catalog = Catalog::builtin().with_additions(&[]).unwrap();
    assert_eq!(catalog.components(), Catalog::builtin().components());
}

#[rstest]
#[case::needs_display_name(
    json!([{"id": "foo"}]),
    "catalog[0] \"foo\": new component needs \"displayName\""
)]
#[case::needs_class(
    json!([{"id": "foo", "displayName": "Foo"}]),
    "catalog[0] \"foo\": new component needs \"class\""
)]
#[case::needs_images(
    json!([{"id": "foo", "displayName": "Foo", "class": "application"}]),
    "catalog[0] \"foo\": new component needs \"images\""
)]
#[case::needs_replacement(
    json!([{"id": "foo", "displayName": "Foo", "class": "application", "images": ["corp/foo"]}]),
    "catalog[0] \"foo\": new component needs \"replacement\""
)]
#[case::needs_replacement_url(
    json!([{"id": "foo", "displayName": "Foo", "class": "application", "images": ["corp/foo"], "replacement": {"summary": "the foo chart"}}]),
    "catalog[0] \"foo\": new component needs \"replacement.url\""
)]
#[case::second_entry(
    json!([{"id": "postgresql", "images": ["corp/pg"]}, {"id": "bar", "displayName": "Bar", "class": "datastore"}]),
    "catalog[1] \"bar\": new component needs \"images\""
)]
#[case::empty_id(
    json!([{"id": ""}]),
    "catalog[0].id: must not be empty"
)]
#[case::bad_id(
    json!([{"id": "Foo DB"}]),
    "catalog[0].id: \"Foo DB\" is not a component id: use lower-case letters, digits and \"-\""
)]
#[case::empty_display_name(
    json!([{"id": "postgresql", "displayName": " "}]),
    "catalog[0].displayName: must not be empty"
)]
#[case::uppercase_image(
    json!([{"id": "postgresql", "images": ["corp/PG"]}]),
    "catalog[0].images[0]: \"corp/PG\" is not an image repository: repository name must be lowercase"
)]
#[case::tagged_image(
    json!([{"id": "postgresql", "images": ["corp/pg", "postgres:16"]}]),
    "catalog[0].images[1]: \"postgres:16\" is not an image repository: names a tag or digest: write the repository only (postgres, bitnami/postgresql)"
)]
#[case::claimed_image(
    json!([{"id": "valkey", "images": ["redis"]}]),
    "catalog[0].images[0]: \"library/redis\" already belongs to \"redis\""
)]
#[case::claimed_by_new_component(
    json!([{"id": "cache", "displayName": "Cache", "class": "datastore", "images": ["corp/cache", "bitnami/redis"], "replacement": {"summary": "x", "url": "https://x.example"}}]),
    "catalog[0].images[1]: \"bitnami/redis\" already belongs to \"redis\""
)]
#[case::chart_without_images(
    json!([{"id": "postgresql", "sources": {"charts": [{"name": "pg", "images": [], "repository": "https://charts.corp"}]}}]),
    "catalog[0].sources.charts[0].images: must name the images the chart runs (a chart is a source only for its own images)"
)]
#[case::chart_image_not_component(
    json!([{"id": "postgresql", "sources": {"charts": [{"name": "pg", "images": ["corp/pg"], "repository": "https://charts.corp"}]}}]),
    "catalog[0].sources.charts[0].images[0]: \"corp/pg\" is not one of the component's images: add it to \"images\""
)]
#[case::chart_repository(
    json!([{"id": "postgresql", "images": ["corp/pg"], "sources": {"charts": [{"name": "pg", "images": ["corp/pg"], "repository": "charts.corp"}]}}]),
    "catalog[0].sources.charts[0].repository: \"charts.corp\" is not a chart repository URL (https://, http:// or oci://)"
)]
#[case::chart_name(
    json!([{"id": "postgresql", "images": ["corp/pg"], "sources": {"charts": [{"name": "my pg", "images": ["corp/pg"], "repository": "https://charts.corp"}]}}]),
    "catalog[0].sources.charts[0].name: \"my pg\" must not contain whitespace"
)]
#[case::operator_api_version(
    json!([{"id": "postgresql", "sources": {"operators": [{"group": "postgresql.cnpg.io/v1", "kind": "Cluster"}]}}]),
    "catalog[0].sources.operators[0].group: \"postgresql.cnpg.io/v1\" is an apiVersion: write the API group only (\"postgresql.cnpg.io\")"
)]
#[case::operator_kind(
    json!([{"id": "postgresql", "sources": {"operators": [{"group": "kubedb.com", "kind": ""}]}}]),
    "catalog[0].sources.operators[0].kind: must not be empty"
)]
#[case::empty_bundle(
    json!([{"id": "postgresql", "sources": {"bundles": [""]}}]),
    "catalog[0].sources.bundles[0]: must not be empty"
)]
#[case::port_zero(
    json!([{"id": "postgresql", "signals": {"ports": [5432, 0]}}]),
    "catalog[0].signals.ports[1]: 0 is not a port"
)]
#[case::relative_data_path(
    json!([{"id": "postgresql", "signals": {"dataPaths": ["data"]}}]),
    "catalog[0].signals.dataPaths[0]: \"data\" is not an absolute path below /"
)]
#[case::root_data_path(
    json!([{"id": "postgresql", "signals": {"dataPaths": ["/"]}}]),
    "catalog[0].signals.dataPaths[0]: \"/\" is not an absolute path below /"
)]
#[case::env_name(
    json!([{"id": "postgresql", "signals": {"serverEnv": ["PGDATA=/x"]}}]),
    "catalog[0].signals.serverEnv[0]: \"PGDATA=/x\" is not an environment variable name"
)]
#[case::tag_hint(
    json!([{"id": "postgresql", "signals": {"tagHints": ["pg-16"]}}]),
    "catalog[0].signals.tagHints[0]: \"pg-16\" is not a tag word: use lower-case letters and digits"
)]
#[case::client(
    json!([{"id": "postgresql", "signals": {"clients": ["/usr/bin/psql"]}}]),
    "catalog[0].signals.clients[0]: \"/usr/bin/psql\" is not a client program: a program name, optionally followed by one subcommand"
)]
#[case::server(
    json!([{"id": "postgresql", "signals": {"servers": ["pg_ctl start now"]}}]),
    "catalog[0].signals.servers[0]: \"pg_ctl start now\" is not a server program: a program name, optionally followed by one subcommand"
)]
#[case::url(
    json!([{"id": "postgresql", "replacement": {"url": "wiki/pg"}}]),
    "catalog[0].replacement.url: \"wiki/pg\" is not an http(s) URL"
)]
fn additions_errors_name_the_field(#[case] additions: Value, #[case] expected: &str) {
    let error = Catalog::builtin()
        .with_additions(&patches(additions))
        .unwrap_err();
    assert_eq!(error.to_string(), expected);
}

#[rstest]
#[case::class(
    json!({"catalog": [{"id": "a"}, {"id": "b"}, {"id": "c", "class": "db"}]}),
    "catalog[2].class: unknown variant \"db\", expected \"datastore\" or \"application\""
)]
#[case::unknown_field(
    json!({"catalog": [{"id": "postgresql", "image": ["corp/pg"]}]}),
    "catalog[0].image: unknown field `image`, expected one of `id`, `displayName`, `class`, `images`, `sources`, `signals`, `replacement`"
)]
#[case::nested_unknown_field(
    json!({"catalog": [{"id": "postgresql", "signals": {"port": [5432]}}]}),
    "catalog[0].signals.port: unknown field `port`, expected one of `ports`, `dataPaths`, `serverEnv`, `tagHints`, `clients`, `servers`"
)]
#[case::port_type(
    json!({"catalog": [{"id": "postgresql", "signals": {"ports": ["5432"]}}]}),
    "catalog[0].signals.ports[0]: invalid type: string \"5432\", expected u16"
)]
#[case::missing_id(
    json!({"catalog": [{"displayName": "Foo"}]}),
    "catalog[0]: missing field `id`"
)]
fn patch_deserialization_errors_name_the_field(#[case] settings: Value, #[case] expected: &str) {
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Settings {
        catalog: Vec<ComponentPatch>,
    }
    let error = serde_path_to_error::deserialize::<_, Settings>(settings).unwrap_err();
    assert_eq!(format!("{}: {}", error.path(), error.inner()), expected);
}

#[test]
fn every_component_with_a_replacement_has_a_migration_mapping() {
    let migrations = builtin_migrations();
    let missing: Vec<&str> = Catalog::builtin()
        .components()
        .iter()
        .filter(|c| !migrations.contains_key(&c.id))
        .map(|c| c.id.as_str())
        .collect();
    assert!(missing.is_empty(), "no migration mapping for {missing:?}");
    assert!(
        migrations
            .keys()
            .all(|id| Catalog::builtin().get(id).is_some())
    );
}
