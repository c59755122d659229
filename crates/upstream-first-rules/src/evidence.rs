//! Evidence that a container runs a datastore server, strongest first: its image is a
//! catalog datastore; or its image is named like one (`ghcr.io/valkey-io/valkey`, a re-host
//! under another organisation) and that datastore's port or data directory agrees; or it
//! listens on a datastore's server port and mounts its data directory or sets its server
//! environment; or its image tag names the datastore and the port or data directory agrees. Clients, init containers and exporters are not
//! servers.
//!
//! A container is a client when the commands it runs include a client and no server
//! ([`runs_client`]). What it runs is read by a [`CommandReader`]: the policy's is
//! job-scripts' shell reader; a script that cannot be read is read word by word here.

use std::fmt;

use crate::catalog::{Catalog, Component, ComponentClass};
use crate::image::ImageReference;
use crate::podspec::{Container, Workload};

/// Shells whose `-c` script is read word by word to find the program a container runs.
const SHELLS: [&str; 5] = ["sh", "bash", "ash", "dash", "zsh"];
/// Shell keywords and wrappers that come before the program in a script.
const SHELL_WORDS: [&str; 14] = [
    "exec", "set", "export", "until", "while", "if", "then", "do", "!", "time", "nohup", "env",
    "{", "[[",
];

/// One command a container runs, its words as a shell reader expanded them; `None` stands for
/// a word whose value is not known (a Secret's, a command substitution's).
pub type CommandLine = Vec<Option<String>>;

/// Reads the commands a container runs (its `command` and `args`, and the scripts they hand
/// to a shell), to tell a client container from a server.
pub trait CommandReader {
    /// Every command the container runs, or `None` when a script it runs cannot be read (a
    /// syntax error, a limit): the container is then read word by word.
    fn commands(&self, container: &Container) -> Option<Vec<CommandLine>>;
}

/// Reads no script: every container is read word by word (the first program of its command
/// line, or of its `sh -c` script, and every word of it that may start a server).
#[derive(Debug, Clone, Copy, Default)]
pub struct WordByWord;

impl CommandReader for WordByWord {
    fn commands(&self, _container: &Container) -> Option<Vec<CommandLine>> {
        None
    }
}

/// Characters that end a word when a script is read word by word.
const SEPARATORS: [char; 5] = [';', '&', '|', '(', ')'];
/// Quotes around a word read word by word (`"redis-server"`).
const QUOTES: [char; 3] = ['"', '\'', '`'];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// The image is one of the datastore's repositories.
    Image { repository: String },
    /// The image's last path segment is the name of one of the datastore's repositories
    /// (a re-host under another organisation), and the port or data directory agrees.
    ImageName { name: String, agrees: String },
    /// Server port and data directory mounted as a volume.
    PortAndDataPath { port: u16, path: String },
    /// Server port and server environment variable.
    PortAndEnv { port: u16, env: String },
    /// The image tag names the datastore, and the port or data directory agrees.
    TagHint { hint: String, agrees: String },
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::Image { repository } => write!(f, "image repository {repository}"),
            Evidence::ImageName { name, agrees } => {
                write!(f, "image named {name} and {agrees} agrees")
            }
            Evidence::PortAndDataPath { port, path } => {
                write!(f, "server port {port} with data directory {path} mounted")
            }
            Evidence::PortAndEnv { port, env } => {
                write!(f, "server port {port} with server environment {env}")
            }
            Evidence::TagHint { hint, agrees } => {
                write!(f, "image tag names {hint} and {agrees} agrees")
            }
        }
    }
}

/// A container found to run a component.
#[derive(Debug, Clone)]
pub struct Detection<'c> {
    pub component: &'c Component,
    pub container: String,
    /// The image as written in the manifest.
    pub image: String,
    pub image_ref: Option<ImageReference>,
    pub evidence: Evidence,
}

/// The containers of `workload` that run a datastore server; `reader` reads what each runs.
pub fn datastore_servers<'c>(
    catalog: &'c Catalog,
    workload: &Workload,
    reader: &dyn CommandReader,
) -> Vec<Detection<'c>> {
    workload
        .containers()
        .iter()
        .filter_map(|container| detect_datastore(catalog, container, reader))
        .collect()
}

/// The containers of `workload` whose image is a catalog application.
pub fn applications<'c>(catalog: &'c Catalog, workload: &Workload) -> Vec<Detection<'c>> {
    workload
        .containers()
        .iter()
        .filter_map(|container| {
            let image = container.image.as_deref()?;
            let image_ref = ImageReference::parse(image).ok()?;
            let component = catalog
                .component_for_image(&image_ref)
                .filter(|c| c.class == ComponentClass::Application)?;
            Some(Detection {
                component,
                container: container.name.clone(),
                image: image.to_string(),
                evidence: Evidence::Image {
                    repository: image_ref.repository.clone(),
                },
                image_ref: Some(image_ref),
            })
        })
        .collect()
}

fn detect_datastore<'c>(
    catalog: &'c Catalog,
    container: &Container,
    reader: &dyn CommandReader,
) -> Option<Detection<'c>> {
    if runs_client(catalog, container, reader) {
        return None;
    }
    let image = container.image.clone().unwrap_or_default();
    let image_ref = ImageReference::parse(&image).ok();
    if image_ref.as_ref().is_some_and(is_exporter) {
        return None;
    }
    let detection = |component: &'c Component, evidence: Evidence| Detection {
        component,
        container: container.name.clone(),
        image: image.clone(),
        image_ref: image_ref.clone(),
        evidence,
    };
    if let Some(image_ref) = &image_ref
        && let Some(component) = catalog.component_for_image(image_ref)
    {
        // An application image (Grafana listening on 3000) is not a datastore server,
        // whatever its ports say.
        return (component.class == ComponentClass::Datastore).then(|| {
            detection(
                component,
                Evidence::Image {
                    repository: image_ref.repository.clone(),
                },
            )
        });
    }
    let datastores = || {
        catalog
            .components()
            .iter()
            .filter(|c| c.class == ComponentClass::Datastore)
    };
    // Named like a catalog image: that name decides which datastore, when its own port or
    // data directory confirms it (an application image that merely ends in `/postgres` is not
    // one). Before the port signals, which cannot tell Redis from Valkey on 6379.
    let named = image_ref.as_ref().and_then(|image_ref| {
        catalog
            .components_with_image_name(image_ref.name())
            .filter(|c| c.class == ComponentClass::Datastore)
            .find_map(|c| {
                let agrees = agreeing_signal(c, container)?;
                Some(detection(
                    c,
                    Evidence::ImageName {
                        name: image_ref.name().to_string(),
                        agrees,
                    },
                ))
            })
    });
    if named.is_some() {
        return named;
    }
    datastores()
        .find_map(|c| server_signals(c, container).map(|e| detection(c, e)))
        .or_else(|| {
            let image_ref = image_ref.as_ref()?;
            datastores().find_map(|c| tag_hint(c, image_ref, container).map(|e| detection(c, e)))
        })
}

fn server_signals(component: &Component, container: &Container) -> Option<Evidence> {
    let port = listening_port(component, container)?;
    if let Some(path) = mounted_data_path(component, container) {
        return Some(Evidence::PortAndDataPath { port, path });
    }
    container
        .env
        .iter()
        .find(|e| component.signals.server_env.contains(&e.name))
        .map(|e| Evidence::PortAndEnv {
            port,
            env: e.name.clone(),
        })
}

fn tag_hint(
    component: &Component,
    image: &ImageReference,
    container: &Container,
) -> Option<Evidence> {
    let hint = image
        .tag_words()
        .into_iter()
        .find(|word| component.signals.tag_hints.iter().any(|h| h == word))?;
    let agrees = agreeing_signal(component, container)?;
    Some(Evidence::TagHint {
        hint: hint.to_string(),
        agrees,
    })
}

/// The component's server port the container listens on, else its data directory mounted.
fn agreeing_signal(component: &Component, container: &Container) -> Option<String> {
    listening_port(component, container)
        .map(|port| format!("server port {port}"))
        .or_else(|| {
            mounted_data_path(component, container).map(|path| format!("data directory {path}"))
        })
}

fn listening_port(component: &Component, container: &Container) -> Option<u16> {
    container
        .ports
        .iter()
        .filter_map(|p| u16::try_from(p.container_port).ok())
        .find(|port| component.signals.ports.contains(port))
}

/// A data directory of the component that a volume is mounted on, at, above (at least two
/// levels deep, never `/` or `/var`) or below it.
fn mounted_data_path(component: &Component, container: &Container) -> Option<String> {
    container.volume_mounts.iter().find_map(|mount| {
        let mount_path = mount.mount_path.trim_end_matches('/');
        component
            .signals
            .data_paths
            .iter()
            .find(|data| {
                let data = data.trim_end_matches('/');
                mount_path == data
                    || is_below(mount_path, data)
                    || (is_below(data, mount_path) && mount_path.matches('/').count() >= 2)
            })
            .cloned()
    })
}

fn is_below(path: &str, ancestor: &str) -> bool {
    !ancestor.is_empty()
        && path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Whether a container runs a datastore client (`psql`, `redis-cli`, `cockroach sql`, …)
/// rather than a server: among the commands `reader` finds it runs, one is a client, none
/// starts a server (`redis-server`, `cockroach start`) and none is a program whose name is
/// not known (it might be the server). A container whose script cannot be read is read word
/// by word: the first program of its command line or `sh -c` script is a client, and no
/// word of it starts a server.
pub fn runs_client(catalog: &Catalog, container: &Container, reader: &dyn CommandReader) -> bool {
    match reader.commands(container) {
        Some(commands) => only_clients(catalog, &commands),
        None => {
            let argv = command_line(container);
            !argv.is_empty()
                && catalog.is_client_command(&argv)
                && !mentions_server(catalog, container)
        }
    }
}

/// Whether `commands` run a client, no server and no program of unknown name.
fn only_clients(catalog: &Catalog, commands: &[CommandLine]) -> bool {
    let mut client = false;
    for command in commands.iter().filter(|c| !c.is_empty()) {
        let known: Vec<&str> = command.iter().map_while(Option::as_deref).collect();
        if known.is_empty() || catalog.is_server_command(&known) {
            return false;
        }
        client |= catalog.is_client_command(&known);
    }
    client
}

/// Whether a command of the container's `sh -c` script, read word by word (each stretch
/// between `;`, `&`, `|`, parentheses and line ends, from its first program on), starts a
/// server: the reading of a script that cannot be parsed.
fn mentions_server(catalog: &Catalog, container: &Container) -> bool {
    let Some(script) = shell_script(container) else {
        return false;
    };
    script
        .split(|c: char| c == '\n' || SEPARATORS.contains(&c))
        .any(|command| {
            let words: Vec<&str> = program_words(command.split_whitespace()).collect();
            catalog.is_server_command(&words[..words.len().min(2)])
        })
}

/// The command line a container starts; for a shell's `-c` script, the script's words from
/// its first program on (shell keywords and environment assignments skipped).
fn command_line(container: &Container) -> Vec<&str> {
    let mut words = container
        .command
        .iter()
        .chain(&container.args)
        .map(String::as_str);
    let Some(first) = words.next() else {
        return Vec::new();
    };
    if !SHELLS.contains(&basename(first)) {
        return std::iter::once(first).chain(words).collect();
    }
    let Some(script) = shell_script(container) else {
        return Vec::new();
    };
    program_words(
        script
            .split(|c: char| c.is_whitespace() || SEPARATORS.contains(&c))
            .filter(|w| !w.is_empty()),
    )
    .collect()
}

/// The script of a container whose command line is a shell's `-c` (`sh -c "until pg_isready
/// …"`, `bash -ec "…"`).
fn shell_script(container: &Container) -> Option<&str> {
    let mut words = container
        .command
        .iter()
        .chain(&container.args)
        .map(String::as_str);
    if !SHELLS.contains(&basename(words.next()?)) {
        return None;
    }
    words
        .skip_while(|w| !(w.starts_with('-') && !w.starts_with("--") && w.ends_with('c')))
        .nth(1)
}

/// Words from the first program on: shell keywords, options and environment assignments
/// skipped, quotes around a word removed.
fn program_words<'a>(words: impl Iterator<Item = &'a str>) -> impl Iterator<Item = &'a str> {
    words
        .map(|w| w.trim_matches(QUOTES))
        .filter(|w| !w.is_empty())
        .skip_while(|w| w.starts_with('-') || w.contains('=') || SHELL_WORDS.contains(w))
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Exporter sidecars (`oliver006/redis_exporter`, `prometheuscommunity/postgres-exporter`)
/// talk to a datastore; they are not one.
fn is_exporter(image: &ImageReference) -> bool {
    let name = image.repository.rsplit('/').next().unwrap_or_default();
    name.ends_with("exporter") || name.contains("-exporter") || name.contains("_exporter")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::{Value, json};

    fn detect(containers: Value) -> Vec<(String, String, String)> {
        let object = json!({"spec": {"template": {"spec": {
            "initContainers": [{"name": "init", "image": "postgres:16"}],
            "containers": containers
        }}}});
        let workload = Workload::from_object("Deployment", &object)
            .unwrap()
            .unwrap();
        datastore_servers(Catalog::builtin(), &workload, &WordByWord)
            .into_iter()
            .map(|d| (d.component.id.clone(), d.container, d.evidence.to_string()))
            .collect()
    }

    #[rstest]
    #[case::image(json!([{"name": "db", "image": "postgres:16"}]), Some(("postgresql", "image repository library/postgres")))]
    #[case::mirror(json!([{"name": "db", "image": "public.ecr.aws/docker/library/redis:7"}]), Some(("redis", "image repository docker/library/redis")))]
    #[case::port_and_path(json!([{"name": "db", "image": "corp/db:1", "ports": [{"containerPort": 5432}], "volumeMounts": [{"name": "d", "mountPath": "/var/lib/postgresql/data"}]}]), Some(("postgresql", "server port 5432 with data directory /var/lib/postgresql/data mounted")))]
    #[case::port_and_parent_path(json!([{"name": "db", "image": "corp/db:1", "ports": [{"containerPort": 5432}], "volumeMounts": [{"name": "d", "mountPath": "/var/lib/postgresql"}]}]), Some(("postgresql", "server port 5432 with data directory /var/lib/postgresql/data mounted")))]
    #[case::port_and_env(json!([{"name": "db", "image": "corp/db:1", "ports": [{"containerPort": 5432}], "env": [{"name": "POSTGRES_PASSWORD", "value": "x"}]}]), Some(("postgresql", "server port 5432 with server environment POSTGRES_PASSWORD")))]
    #[case::port_alone(json!([{"name": "db", "image": "corp/db:1", "ports": [{"containerPort": 5432}]}]), None)]
    #[case::path_alone(json!([{"name": "db", "image": "corp/db:1", "volumeMounts": [{"name": "d", "mountPath": "/var/lib/postgresql/data"}]}]), None)]
    #[case::root_mount(json!([{"name": "db", "image": "corp/db:1", "ports": [{"containerPort": 5432}], "volumeMounts": [{"name": "d", "mountPath": "/var"}]}]), None)]
    #[case::tag_hint(json!([{"name": "broker", "image": "registry.corp/platform/demo:2.1.3-kafka", "ports": [{"containerPort": 9092}]}]), Some(("kafka", "image tag names kafka and server port 9092 agrees")))]
    #[case::tag_hint_alone(json!([{"name": "app", "image": "registry.corp/platform/demo:2.1.3-kafka"}]), None)]
    #[case::exporter(json!([{"name": "exp", "image": "oliver006/redis_exporter:v1.62.0", "ports": [{"containerPort": 9121}]}]), None)]
    #[case::pg_exporter(json!([{"name": "exp", "image": "prometheuscommunity/postgres-exporter", "env": [{"name": "DATA_SOURCE_NAME", "value": "x"}]}]), None)]
    #[case::client(json!([{"name": "cli", "image": "postgres:16", "command": ["psql", "-c", "select 1"]}]), None)]
    #[case::client_in_shell(json!([{"name": "cli", "image": "redis:7", "command": ["/bin/sh", "-c", "exec redis-cli -h cache ping"]}]), None)]
    #[case::two_word_client(json!([{"name": "cli", "image": "cockroachdb/cockroach:v24.1.0", "command": ["cockroach", "sql", "--execute", "SHOW DATABASES"]}]), None)]
    #[case::server_in_shell(json!([{"name": "db", "image": "corp/db:1", "command": ["sh", "-c", "exec redis-server --appendonly yes"], "ports": [{"containerPort": 6379}], "volumeMounts": [{"name": "d", "mountPath": "/data"}]}]), Some(("redis", "server port 6379 with data directory /data mounted")))]
    #[case::server_after_a_wait(json!([{"name": "db", "image": "redis:7", "command": ["sh", "-c", "until redis-cli -h master ping; do sleep 1; done; exec redis-server --replicaof master 6379"]}]), Some(("redis", "image repository library/redis")))]
    #[case::server_quoted(json!([{"name": "db", "image": "redis:7", "command": ["sh", "-c", "redis-cli -h master ping && exec \"redis-server\""]}]), Some(("redis", "image repository library/redis")))]
    #[case::server_name_as_a_client_argument(json!([{"name": "dump", "image": "postgres:16", "command": ["sh", "-c", "pg_dump -U postgres -h db app > /backup/app.sql"]}]), None)]
    #[case::client_as_args(json!([{"name": "cli", "image": "postgres:16", "args": ["pg_isready", "-h", "db"]}]), None)]
    #[case::application(json!([{"name": "grafana", "image": "grafana/grafana:11", "ports": [{"containerPort": 5432}], "env": [{"name": "POSTGRES_PASSWORD", "value": "x"}]}]), None)]
    #[case::first_party(json!([{"name": "web", "image": "corp/web:1", "ports": [{"containerPort": 8080}]}]), None)]
    #[case::rehost_named_with_port(json!([{"name": "kv", "image": "registry.corp/platform/valkey:8.0", "ports": [{"containerPort": 6379}]}]), Some(("valkey", "image named valkey and server port 6379 agrees")))]
    #[case::rehost_named_port_and_path(json!([{"name": "kv", "image": "registry.corp/platform/valkey:8.0", "ports": [{"containerPort": 6379}], "volumeMounts": [{"name": "d", "mountPath": "/data"}]}]), Some(("valkey", "image named valkey and server port 6379 agrees")))]
    #[case::rehost_named_with_path(json!([{"name": "db", "image": "mirror.corp/team/postgres:16", "volumeMounts": [{"name": "d", "mountPath": "/var/lib/postgresql/data"}]}]), Some(("postgresql", "image named postgres and data directory /var/lib/postgresql/data agrees")))]
    #[case::named_alone(json!([{"name": "api", "image": "corp/services/postgres:1.2"}]), None)]
    #[case::named_other_port(json!([{"name": "api", "image": "corp/services/postgres:1.2", "ports": [{"containerPort": 8080}]}]), None)]
    #[case::named_client(json!([{"name": "cli", "image": "corp/tools/postgres:16", "command": ["psql", "-c", "select 1"], "ports": [{"containerPort": 5432}]}]), None)]
    #[case::named_application(json!([{"name": "ui", "image": "corp/mirror/grafana:11", "ports": [{"containerPort": 3000}]}]), None)]
    fn detection(#[case] containers: Value, #[case] expected: Option<(&str, &str)>) {
        let found = detect(containers);
        let found: Vec<(&str, &str)> = found
            .iter()
            .map(|(id, _, evidence)| (id.as_str(), evidence.as_str()))
            .collect();
        assert_eq!(found, expected.into_iter().collect::<Vec<_>>());
    }
}
