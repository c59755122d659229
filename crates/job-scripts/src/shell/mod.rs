//! Shell scripts, read by [`crate::syntax`] and walked like a very lazy shell that runs
//! nothing. The walker expands words from what it knows (the container's literal env, the
//! script's own assignments, arrays and positional parameters), follows `.`/`source`, `eval`,
//! function calls, command and process substitutions and every branch of `if`/`case`/loops,
//! and hands each simple command, with its standard input, to a [`Sink`].
//!
//! - `walk.rs`: the [`Walker`] over commands, redirections and builtins;
//! - `expand.rs`: words to fields (parameters, substitutions, field splitting);
//! - `vars.rs`: the known variables ([`Vars`]);
//! - `output.rs`: what `echo`, `printf`, `cat` and `envsubst` write to a pipe.

mod expand;
mod output;
mod vars;
mod walk;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::rc::Rc;

use crate::model::Resolution;
use crate::syntax::{self, FunctionDef, ParseError};
use crate::text::Field;

pub(crate) use vars::Vars;
pub(crate) use walk::Walker;

/// Deepest recursion of the walker (compound commands, function calls and nested scripts
/// together), so that adversarial scripts cannot exhaust the stack.
pub(crate) const MAX_WALK_LEVELS: usize = 128;

/// `via` of a heredoc.
pub(crate) const VIA_HEREDOC: &str = "heredoc";
/// `via` of a here-string.
pub(crate) const VIA_HERE_STRING: &str = "here-string";
/// `via` prefix of a pipe: `pipe from echo`.
pub(crate) const VIA_PIPE_FROM: &str = "pipe from";
/// `via` prefix of a redirection: `stdin < /sql/x.sql`.
pub(crate) const VIA_STDIN: &str = "stdin <";

/// Why a script was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScriptError {
    /// Larger than [`crate::MAX_SCRIPT_BYTES`].
    TooLarge,
    /// Nested deeper than [`syntax::MAX_DEPTH`].
    TooDeep,
    /// A syntax error.
    Syntax(ParseError),
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(f, "script larger than {} bytes", crate::MAX_SCRIPT_BYTES),
            Self::TooDeep => write!(f, "script nested deeper than {} levels", syntax::MAX_DEPTH),
            Self::Syntax(e) => write!(f, "shell syntax error: {e}"),
        }
    }
}

/// Reads a script no larger than [`crate::MAX_SCRIPT_BYTES`].
pub(crate) fn parse(text: &str) -> Result<syntax::Script, ScriptError> {
    if text.len() > crate::MAX_SCRIPT_BYTES {
        return Err(ScriptError::TooLarge);
    }
    syntax::parse(text).map_err(|error| {
        if error.too_deep {
            ScriptError::TooDeep
        } else {
            ScriptError::Syntax(error)
        }
    })
}

/// Where a command's standard input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stdin {
    /// Nothing known (a terminal-less container has an empty stdin).
    None,
    /// Known text: a heredoc, a here-string, a pipe from `echo`/`printf`/`cat`.
    Text { text: Rc<Field>, via: String },
    /// A file (`< path`, `cat path |`).
    File { path: String, via: String },
    /// Something that cannot be known (a pipe from another program).
    Unknown { via: String },
}

/// A simple command, expanded.
#[derive(Clone, Debug)]
pub(crate) struct SimpleCmd {
    pub argv: Vec<Field>,
    /// Assignments before the command (`PGPASSWORD=x psql …`).
    pub env: Vec<(String, Field)>,
    pub stdin: Stdin,
}

/// A function the script defined: its definition, the text its spans point into, and the
/// script file that defined it. Shared, so that a call walks the body without copying it.
#[derive(Debug)]
struct Function {
    definition: Rc<FunctionDef>,
    source: Rc<str>,
    script: Option<String>,
}

/// What the walker knows at a point of the script.
#[derive(Clone, Debug, Default)]
pub(crate) struct ShellState {
    /// Known variables.
    pub vars: Vars,
    /// `$1…`; `None` when unknown.
    pub positionals: Option<Rc<Vec<Field>>>,
    /// `$0`.
    pub arg0: String,
    /// The shell reading the script (`sh`, `bash`, …), as findings name it.
    pub shell: String,
    /// The working directory, when known.
    pub cwd: Option<String>,
    /// The script file being read (innermost), `None` for inline scripts of the container.
    pub script: Option<String>,
    /// Functions defined so far.
    functions: BTreeMap<String, Rc<Function>>,
    walked_functions: BTreeSet<String>,
}

impl ShellState {
    /// A fresh shell (as started by `sh -c` or a script file) inheriting variables and cwd.
    pub(crate) fn child(vars: Vars, cwd: Option<String>) -> Self {
        Self {
            vars,
            cwd,
            ..Self::default()
        }
    }
}

/// Receives what the walker finds.
pub(crate) trait Sink {
    /// A simple command (not a builtin the walker handles itself).
    fn command(&mut self, cmd: &SimpleCmd, state: &ShellState, depth: Depth);
    /// Reads a file (for `.`, `cat`, `envsubst <`).
    fn read(&mut self, path: &str) -> Resolution;
    /// Lists a directory, for globs.
    fn list(&mut self, dir: &str) -> Option<Vec<String>>;
    /// A script on an unreadable volume is sourced.
    fn opaque_script(&mut self, path: &str, state: &ShellState);
    /// A script could not be read.
    fn unparsable(&mut self, text: &str, error: &ScriptError, state: &ShellState);
    /// Accounts for work; false once a budget is spent.
    fn charge(&mut self, commands: usize, bytes: usize) -> bool;
    /// The nesting depth limit.
    fn max_depth(&self) -> usize;
    /// A limit stopped part of the analysis.
    fn truncated(&mut self);
}

/// How deep the walk is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Depth {
    /// Nested scripts (sourced, run, `sh -c`, `eval`, command substitutions): bounded by
    /// [`Sink::max_depth`].
    pub scripts: usize,
    /// Walker recursion levels: bounded by [`MAX_WALK_LEVELS`].
    pub levels: usize,
}

impl Depth {
    /// One script deeper.
    pub(crate) fn nested(self) -> Self {
        Self {
            scripts: self.scripts + 1,
            levels: self.levels + 1,
        }
    }
}
