//! Reads what a Job's containers run and reports the hand-made writes in it.
//!
//! This crate is the engine of the `no-sql-mutating-jobs` policy. It knows nothing about
//! Kubernetes objects: the caller turns one container into a [`ContainerInput`] (its
//! `command`, `args`, literal `env` values, `image` and `workingDir`) and provides a
//! [`ScriptResolver`] that reads files by path (typically the keys of ConfigMaps mounted as
//! volumes). [`analyze_container`] then returns an [`Analysis`]: a list of [`Finding`]s and the
//! versioned migration tools it recognised.
//!
//! The same reader serves no-raw-datastores: [`ShellCommands`] answers the commands a
//! container runs (followed through shells, wrappers, `eval`, `xargs` and functions, expanded
//! as the walker expands them), so that the rules library can tell a container that only runs
//! a datastore's client from one that starts its server. It reads no SQL.
//!
//! What is read:
//! - shell scripts (`sh -c`, `bash -c`, script files run directly, `bash file`, sourced
//!   scripts, `eval`), read by the crate's own shell reader (`syntax`): sequences, `&&`/`||`,
//!   pipes, heredocs (`<<`, `<<-`, quoted delimiters), here-strings, quoting, `$VAR`/`${VAR}`
//!   expansion from the container's literal env and the script's own assignments and arrays,
//!   field splitting that keeps known words known (a command line kept in a variable or an
//!   array runs), `if`/`for`/`while`/`case` bodies, functions, command and process
//!   substitutions, and what `xargs` runs;
//! - database clients and every way SQL reaches them (`psql`, `mysql`/`mariadb`,
//!   `clickhouse-client`, `sqlcmd`, `cqlsh`, `cockroach sql`: inline flags, files, stdin from
//!   `< file`, heredocs and pipes from `echo`/`printf`/`cat`/`envsubst`), classified with
//!   `sqlparser` in the client's dialect with a keyword fallback;
//! - `mongosh`/`mongo` scripts (write methods, `$out`/`$merge` aggregations);
//! - `curl`/`wget` writes to in-cluster service hosts;
//! - versioned migration tools (flyway, liquibase, atlas, …), which are allowed.
//!
//! Verdicts are the caller's: every [`FindingKind`] is always reported, and the policy settings
//! decide what they mean (`httpScope: hooks|all|off` filters [`FindingKind::HttpWrite`],
//! `opaqueScripts: reject|warn|allow` maps [`FindingKind::OpaqueScript`]). Only `allowedTools`
//! changes the analysis itself, through [`Options::allowed_tools`].
//!
//! The analysis never panics and bounds its work: script size, shell nesting, depth of
//! sourced/nested scripts ([`Options::max_depth`]), number of commands and variable sizes.
//! When a bound is hit, [`Analysis::truncated`] is set and what was read so far is returned.
//!
//! # Seam with the policy
//!
//! The policy walks the Kubernetes object, builds one [`ContainerInput`] per container (init
//! containers included), implements [`ScriptResolver`] over the pod's `volumes`/`volumeMounts`
//! (ConfigMap keys, `items` paths; [`Resolution::Opaque`] for Secrets and ConfigMaps it cannot
//! read, [`Resolution::NotFound`] outside any mount), calls [`analyze_container`] with
//! [`Options`] from its settings, and turns findings into verdicts and messages (quoting
//! [`Finding::statement`], naming [`Finding::client`] and the container).
//!
//! # Design notes
//!
//! - Shell reader: hand-written (`syntax`), as ShellCheck's and mvdan/sh's are: total (a
//!   tree or an error with line and column for any text), linear in time and memory, nesting
//!   bounded by `syntax::MAX_DEPTH`. brush-parser, which it replaces, backtracked
//!   exponentially, panicked and looped on inputs a Job can carry; yash-syntax is GPL-3.0 and
//!   conch-parser unmaintained.
//! - SQL parser: `sqlparser` without default features (`recursive-protection` pulls `stacker`,
//!   which cannot grow a wasm stack; the parser's own recursion limit, set to 32, still
//!   applies). It costs about 1.67 MB of wasm; the five dialects share one parser, a single
//!   dialect is as large.

#![warn(missing_docs)]

mod analysis;
mod cli;
mod clients;
mod commands;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
mod http;
mod launch;
mod model;
mod mongo;
pub mod rule;
mod shell;
mod syntax;
mod text;
mod tools;
mod xargs;

pub use analysis::{
    OPAQUE_FILE, OPAQUE_PARSE, OPAQUE_PIPE, OPAQUE_SCRIPT, OPAQUE_TOO_LARGE, OPAQUE_VARIABLE,
    analyze_container,
};
pub use commands::ShellCommands;
pub use launch::SHELL;
pub use model::{
    Analysis, ContainerInput, Finding, FindingKind, NoFiles, Options, RecognisedTool, Resolution,
    ScriptResolver,
};
pub use text::{ELLIPSIS, MAX_STATEMENT_CHARS};
pub use tools::DEFAULT_ALLOWED_TOOLS;

/// Default for [`Options::max_depth`]: how deep scripts may run or source other scripts.
pub const DEFAULT_MAX_DEPTH: usize = 8;
/// Largest script (or SQL/JavaScript text) read, in bytes; larger ones are opaque.
pub const MAX_SCRIPT_BYTES: usize = 256 * 1024;
/// Largest amount of script text read for one container, in bytes.
pub const MAX_TOTAL_BYTES: usize = 2 * 1024 * 1024;
/// Largest number of shell commands (simple and compound) looked at for one container.
pub const MAX_COMMANDS: usize = 10_000;
