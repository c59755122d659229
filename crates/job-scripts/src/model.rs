//! The public data types: what goes in, what comes out.

use std::collections::BTreeMap;

use serde::Serialize;
use upstream_first_rules::podspec::Container;

use crate::tools::DEFAULT_ALLOWED_TOOLS;

/// One container, as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerInput {
    /// `command` (the image's entrypoint when empty).
    pub command: Vec<String>,
    /// `args`.
    pub args: Vec<String>,
    /// Environment variables with a literal `value`. Variables set through `valueFrom`
    /// (Secrets, ConfigMaps, fields) are unknown and must be left out: references to them stay
    /// unexpanded in the text that is analysed.
    pub env: BTreeMap<String, String>,
    /// The image reference, e.g. `docker.io/flyway/flyway:10`.
    pub image: String,
    /// `workingDir`, used to resolve relative script paths.
    pub working_dir: Option<String>,
}

/// One container as the engine sees it: literal env values only (`valueFrom` is unknown).
impl From<&Container> for ContainerInput {
    fn from(container: &Container) -> Self {
        Self {
            command: container.command.clone(),
            args: container.args.clone(),
            env: container
                .literal_env()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
            image: container.image.clone().unwrap_or_default(),
            working_dir: container.working_dir.clone(),
        }
    }
}

/// What a [`ScriptResolver`] knows about a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The file's content (e.g. a ConfigMap key mounted at that path).
    Resolved(String),
    /// No volume the caller knows of is mounted there: the file comes from the image.
    NotFound,
    /// The path is on a volume whose content cannot be read (a Secret, an unknown
    /// ConfigMap, a PVC, an `emptyDir` written by another container…).
    Opaque,
}

/// Reads files by absolute path, as the container would see them.
///
/// The caller maps the container's `volumeMounts` to the volumes' sources (ConfigMaps from the
/// same bundle or fetched from the cluster). Paths are passed as written in the script, made
/// absolute against the working directory when it is known, and normalised (`.`, `..`, `//`).
pub trait ScriptResolver {
    /// Reads one file.
    fn resolve(&self, path: &str) -> Resolution;

    /// Lists the files directly in `dir` (absolute paths), to expand globs such as
    /// `/scripts/*.sql`. `None` when unknown; the glob is then left unexpanded.
    fn list(&self, dir: &str) -> Option<Vec<String>> {
        let _ = dir;
        None
    }
}

/// A resolver that knows no file: every path is [`Resolution::NotFound`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFiles;

impl ScriptResolver for NoFiles {
    fn resolve(&self, _path: &str) -> Resolution {
        Resolution::NotFound
    }
}

/// Files by absolute path; everything else is [`Resolution::NotFound`].
impl ScriptResolver for BTreeMap<String, String> {
    fn resolve(&self, path: &str) -> Resolution {
        match self.get(path) {
            Some(text) => Resolution::Resolved(text.clone()),
            None => Resolution::NotFound,
        }
    }

    fn list(&self, dir: &str) -> Option<Vec<String>> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        Some(
            self.keys()
                .filter(|k| {
                    k.strip_prefix(&prefix)
                        .is_some_and(|rest| !rest.contains('/'))
                })
                .cloned()
                .collect(),
        )
    }
}

/// Analysis options (the parts of the policy settings that change what is read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Versioned migration tools that are allowed: the ids of [`DEFAULT_ALLOWED_TOOLS`], or any
    /// other name, which then matches a command of that name (`my-migrator …`) and an image
    /// whose repository ends with that path segment. A command run by an allowed tool is not
    /// read further, and a container whose image is an allowed tool and has no `command` is
    /// not read at all.
    pub allowed_tools: Vec<String>,
    /// How deep scripts may be nested (a sourced script, a script file, `sh -c`, a function
    /// call, a command substitution or `eval` each add one level).
    pub max_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            allowed_tools: DEFAULT_ALLOWED_TOOLS
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            max_depth: crate::DEFAULT_MAX_DEPTH,
        }
    }
}

/// The kind of a [`Finding`]. The names are stable (they appear in messages and reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum FindingKind {
    /// A SQL statement that writes, passed to a SQL client.
    SqlWrite,
    /// A MongoDB write (`insertOne`, `drop`, an aggregation with `$out`…) passed to `mongosh`.
    MongoWrite,
    /// An HTTP write (`POST`, `PUT`, `PATCH`, `DELETE`) to an in-cluster service host.
    HttpWrite,
    /// A database client reads a script that cannot be inspected (a file that is not
    /// resolvable, a pipe from an unknown command, a variable whose value is unknown), a
    /// script on an unreadable volume is run, or a script could not be parsed.
    OpaqueScript,
}

impl FindingKind {
    /// The stable name, e.g. `"SqlWrite"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SqlWrite => "SqlWrite",
            Self::MongoWrite => "MongoWrite",
            Self::HttpWrite => "HttpWrite",
            Self::OpaqueScript => "OpaqueScript",
        }
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One hand-made write (or one thing that could not be read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// The client that receives it: `psql`, `mysql`, `mariadb`, `clickhouse-client`,
    /// `sqlcmd`, `cqlsh`, `cockroach sql`, `mongosh`, `mongo`, `curl`, `wget`, or `sh` for a
    /// script that could not be read or parsed.
    pub client: String,
    /// The offending statement or command, whitespace collapsed and shortened to
    /// [`MAX_STATEMENT_CHARS`](crate::MAX_STATEMENT_CHARS) characters (ending with
    /// [`ELLIPSIS`](crate::ELLIPSIS) when shortened).
    pub statement: String,
    /// The operation: the SQL verb (`INSERT`, `CREATE TABLE`, `COPY … FROM`), the MongoDB
    /// method (`insertOne`), the HTTP method (`POST`), or for [`FindingKind::OpaqueScript`]
    /// what could not be read (`file`, `pipe`, `variable`, `script`, `parse`).
    pub operation: String,
    /// How it reaches the client: `-c`, `--execute`, `-f /sql/x.sql`, `heredoc`,
    /// `here-string`, `stdin < /sql/x.sql`, `pipe from echo`, `argument`, `url`…
    pub via: String,
    /// The script file the command was found in (innermost), `None` for the container's own
    /// command line.
    pub script: Option<String>,
    /// The target host of an [`FindingKind::HttpWrite`].
    pub host: Option<String>,
    /// A one-line human description built from the fields above.
    pub detail: String,
}

/// A versioned migration tool recognised in a container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecognisedTool {
    /// The tool id (`flyway`, `kong-migrations`…) or the custom name from
    /// [`Options::allowed_tools`].
    pub tool: String,
    /// What matched: the command (shortened) or `image <reference>`.
    pub evidence: String,
}

/// The result of [`analyze_container`](crate::analyze_container).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Analysis {
    /// Findings, in the order they were met, without duplicates.
    pub findings: Vec<Finding>,
    /// Allowed migration tools that were recognised.
    pub allowed_tools: Vec<RecognisedTool>,
    /// A size, depth or count limit stopped part of the analysis.
    pub truncated: bool,
}

impl Analysis {
    /// The findings of one kind.
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }
}
