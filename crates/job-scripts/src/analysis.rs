//! The entry point: one container's command line, followed through shells, wrappers, script
//! files, database clients, HTTP clients and migration tools.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeSet;

use crate::clients::{self, Client, Source, VIA_ARGUMENT};
use crate::http;
use crate::launch::{
    SHELL, SHELLS, ShellArgs, kubernetes_expand, shebang_shell, shell_args, unwrap_command,
};
use crate::model::{
    Analysis, ContainerInput, Finding, FindingKind, Options, RecognisedTool, Resolution,
    ScriptResolver,
};
use crate::mongo;
use crate::shell::{Depth, ScriptError, ShellState, SimpleCmd, Sink, Stdin, Vars, Walker};
use crate::text::{Field, basename, join_fields, looks_secret, normalize_path, shorten};
use crate::tools;
use crate::xargs;

/// [`Finding::operation`] of an [`FindingKind::OpaqueScript`]: a file that cannot be read.
pub const OPAQUE_FILE: &str = "file";
/// [`Finding::operation`] of an [`FindingKind::OpaqueScript`]: a pipe from an unknown program.
pub const OPAQUE_PIPE: &str = "pipe";
/// [`Finding::operation`] of an [`FindingKind::OpaqueScript`]: a variable with an unknown value.
pub const OPAQUE_VARIABLE: &str = "variable";
/// [`Finding::operation`] of an [`FindingKind::OpaqueScript`]: a script on an unreadable volume.
pub const OPAQUE_SCRIPT: &str = "script";
/// [`Finding::operation`] of an [`FindingKind::OpaqueScript`]: a script that could not be parsed
/// (or was too large or too deeply nested).
pub const OPAQUE_PARSE: &str = "parse";
/// [`Finding::operation`] of an [`FindingKind::OpaqueScript`]: a SQL/JavaScript text larger than
/// [`MAX_SCRIPT_BYTES`](crate::MAX_SCRIPT_BYTES).
pub const OPAQUE_TOO_LARGE: &str = "too large";

/// `via` of an included SQL file (`\i`, `source`, `:r`).
const VIA_INCLUDE: &str = "include";
/// Shown instead of a password written in a URL.
pub const HIDDEN: &str = "***";
/// Shorter values are not hidden: `1`, `on` or `no` are switches, not credentials, and hiding
/// them would garble every statement that contains the character.
const MIN_SECRET_CHARS: usize = 4;
/// Entrypoints of images run with only `args` that start with an option.
const IMAGE_ENTRYPOINTS: &[(&str, &str)] = &[
    ("curl", "curl"),
    ("bash", "bash"),
    ("psql", "psql"),
    ("postgresql-client", "psql"),
    ("pg-client", "psql"),
    ("mysql-client", "mysql"),
    ("mongosh", "mongosh"),
];

/// Analyses one container.
///
/// `command` and `args` are joined as Kubernetes does (with `$(VAR)` references expanded from
/// the literal env); when `command` is empty, an image that is an allowed migration tool
/// passes, and otherwise `args` are read as the command (most images' entrypoints `exec` their
/// arguments; a few images whose entrypoint is a client, such as `curlimages/curl`, are known).
pub fn analyze_container(
    input: &ContainerInput,
    resolver: &dyn ScriptResolver,
    options: &Options,
) -> Analysis {
    let mut analyzer = Analyzer {
        resolver,
        options,
        analysis: Analysis::default(),
        seen: BTreeSet::new(),
        commands: 0,
        bytes: 0,
    };
    analyzer.container(input);
    analyzer.analysis
}

struct Analyzer<'r> {
    resolver: &'r dyn ScriptResolver,
    options: &'r Options,
    analysis: Analysis,
    seen: BTreeSet<(FindingKind, String, String, String, Option<String>)>,
    commands: usize,
    bytes: usize,
}

/// Where a command runs, borrowed from the shell that runs it: a command line is judged
/// without copying the shell's state.
struct Ctx<'a> {
    /// The shell's variables.
    vars: &'a Vars,
    /// Variables set for this command only (`A=1 cmd`, `env A=1 cmd`).
    extra: Cow<'a, [(String, Field)]>,
    cwd: Option<&'a str>,
    script: Option<&'a str>,
    depth: Depth,
}

impl Analyzer<'_> {
    fn container(&mut self, input: &ContainerInput) {
        let vars: Vars = input
            .env
            .iter()
            .map(|(k, v)| (k.clone(), Field::known(v)))
            .collect();
        let argv: Vec<Field> = if input.command.is_empty() {
            if let Some(tool) = tools::match_image(&input.image, &self.options.allowed_tools) {
                self.analysis.allowed_tools.push(RecognisedTool {
                    tool,
                    evidence: format!("image {}", input.image),
                });
                return;
            }
            let mut argv = Vec::new();
            if input.args.first().is_some_and(|a| a.starts_with('-')) {
                let name = tools::image_name(&input.image);
                match IMAGE_ENTRYPOINTS
                    .iter()
                    .find(|(image, _)| Some(*image) == name.as_deref())
                {
                    Some((_, program)) => argv.push(Field::known(program)),
                    None => return,
                }
            }
            argv.extend(input.args.iter().map(|a| kubernetes_expand(a, &input.env)));
            argv
        } else {
            input
                .command
                .iter()
                .chain(&input.args)
                .map(|a| kubernetes_expand(a, &input.env))
                .collect()
        };
        let cwd = input
            .working_dir
            .as_deref()
            .filter(|d| d.starts_with('/'))
            .map(|d| normalize_path(d, None));
        let ctx = Ctx {
            vars: &vars,
            extra: Cow::Borrowed(&[]),
            cwd: cwd.as_deref(),
            script: None,
            depth: Depth::default(),
        };
        self.exec(&argv, &Stdin::None, &ctx);
    }

    /// Runs one command line.
    fn exec(&mut self, argv: &[Field], stdin: &Stdin, ctx: &Ctx) {
        let (start, env) = unwrap_command(argv);
        let argv = &argv[start..];
        let Some(first) = argv.first() else {
            return;
        };
        let extra = if env.is_empty() {
            Cow::Borrowed(&*ctx.extra)
        } else {
            Cow::Owned([&*ctx.extra, &env].concat())
        };
        let ctx = Ctx {
            vars: ctx.vars,
            extra,
            cwd: ctx.cwd,
            script: ctx.script,
            depth: ctx.depth,
        };
        let program = basename(first.as_str());
        if SHELLS.contains(&program) {
            self.shell(argv, stdin, &ctx);
            return;
        }
        if program == "su" || program == "runuser" {
            self.su(argv, &ctx);
            return;
        }
        if program == "xargs" {
            self.xargs(argv, stdin, &ctx);
            return;
        }
        if let Some(tool) = tools::match_command(argv, &self.options.allowed_tools) {
            self.analysis.allowed_tools.push(RecognisedTool {
                tool,
                evidence: shorten(&join_fields(argv)),
            });
            return;
        }
        if let Some((client, args_start)) = clients::detect(argv) {
            self.client(client, argv, &argv[args_start..], stdin, &ctx);
            return;
        }
        if let Some((client, writes)) = http::writes(argv) {
            let statement = join_fields(argv);
            for w in writes {
                self.report(
                    FindingKind::HttpWrite,
                    client,
                    &statement,
                    &w.method,
                    &w.url,
                    ctx.scope(),
                    Some(&w.host),
                );
            }
            return;
        }
        if first.as_str().contains('/') {
            self.script_file(first, &argv[1..], &ctx, None);
        }
    }

    /// `sh [options] -c SCRIPT [arg0 args…]`, `sh FILE args…`, `… | sh`.
    fn shell(&mut self, argv: &[Field], stdin: &Stdin, ctx: &Ctx) {
        let shell = basename(argv[0].as_str());
        let ShellArgs {
            command_mode,
            operand: i,
        } = shell_args(argv);
        if command_mode {
            let Some(script) = argv.get(i) else {
                return;
            };
            let arg0 = argv.get(i + 1).map_or_else(
                || basename(argv[0].as_str()).to_owned(),
                |f| f.as_str().to_owned(),
            );
            let positionals = argv.get(i + 2..).unwrap_or_default().to_vec();
            if script.is_opaque() {
                let statement = join_fields(argv);
                self.report(
                    FindingKind::OpaqueScript,
                    shell,
                    &statement,
                    OPAQUE_VARIABLE,
                    "-c",
                    ctx.scope(),
                    None,
                );
                return;
            }
            if script.is_cut() {
                // Only its beginning is known: judged as a script file over the bound is.
                self.analysis.truncated = true;
                self.report(
                    FindingKind::OpaqueScript,
                    shell,
                    script.as_str(),
                    OPAQUE_PARSE,
                    &ScriptError::TooLarge.to_string(),
                    ctx.scope(),
                    None,
                );
                return;
            }
            self.run_script(script.as_str(), None, arg0, Some(positionals), shell, ctx);
        } else if let Some(path) = argv.get(i) {
            self.script_file(
                path,
                argv.get(i + 1..).unwrap_or_default(),
                ctx,
                Some(shell),
            );
        } else {
            let statement = join_fields(argv);
            match stdin {
                Stdin::None => {}
                Stdin::Text { text, via } => {
                    if text.is_opaque() {
                        self.report(
                            FindingKind::OpaqueScript,
                            shell,
                            &statement,
                            OPAQUE_VARIABLE,
                            via,
                            ctx.scope(),
                            None,
                        );
                    } else {
                        let arg0 = shell.to_owned();
                        self.run_script(text.as_str(), None, arg0, None, shell, ctx);
                    }
                }
                Stdin::File { path, via } => match self.read(path) {
                    Resolution::Resolved(text) => {
                        let arg0 = shell.to_owned();
                        self.run_script(&text, Some(path.clone()), arg0, None, shell, ctx);
                    }
                    _ => self.report(
                        FindingKind::OpaqueScript,
                        shell,
                        &statement,
                        OPAQUE_FILE,
                        via,
                        ctx.scope(),
                        None,
                    ),
                },
                Stdin::Unknown { via } => self.report(
                    FindingKind::OpaqueScript,
                    shell,
                    &statement,
                    OPAQUE_PIPE,
                    via,
                    ctx.scope(),
                    None,
                ),
            }
        }
    }

    /// `su [user] -c SCRIPT`, `runuser -u user -- cmd…`.
    fn su(&mut self, argv: &[Field], ctx: &Ctx) {
        let mut i = 1;
        while let Some(a) = argv.get(i) {
            match a.as_str() {
                "-c" | "--command" => {
                    if let Some(script) = argv.get(i + 1) {
                        let arg0 = SHELL.to_owned();
                        self.run_script(script.as_str(), None, arg0, None, SHELL, ctx);
                    }
                    return;
                }
                "--" => {
                    self.exec(argv.get(i + 1..).unwrap_or_default(), &Stdin::None, ctx);
                    return;
                }
                _ => i += 1,
            }
        }
    }

    /// `xargs … command`: the command lines it runs, with the items of its input when the
    /// input is known.
    fn xargs(&mut self, argv: &[Field], stdin: &Stdin, ctx: &Ctx) {
        let input = match stdin {
            Stdin::Text { text, .. } if !text.has_unknown() => Some(text.as_str().to_owned()),
            Stdin::File { path, .. } => match self.read(path) {
                Resolution::Resolved(text) => Some(text),
                Resolution::Opaque | Resolution::NotFound => None,
            },
            Stdin::Text { .. } | Stdin::Unknown { .. } | Stdin::None => None,
        };
        let (lines, truncated) = xargs::command_lines(&argv[1..], input.as_deref());
        if truncated {
            self.analysis.truncated = true;
        }
        for line in lines {
            self.exec(&line, &Stdin::None, ctx);
        }
    }

    /// Runs a script file given as a program (`/scripts/run.sh`, `shell` is `None`: its
    /// shebang names the shell) or to a shell (`bash FILE`).
    fn script_file(&mut self, path: &Field, args: &[Field], ctx: &Ctx, shell: Option<&str>) {
        if path.has_unknown() {
            if let Some(shell) = shell {
                self.report(
                    FindingKind::OpaqueScript,
                    shell,
                    path.as_str(),
                    OPAQUE_VARIABLE,
                    path.as_str(),
                    ctx.scope(),
                    None,
                );
            }
            return;
        }
        let path = normalize_path(path.as_str(), ctx.cwd);
        match self.read(&path) {
            Resolution::Resolved(text) => {
                let Some(shell) = shell.or_else(|| shebang_shell(&text)) else {
                    return;
                };
                let positionals = Some(args.to_vec());
                self.run_script(&text, Some(path.clone()), path, positionals, shell, ctx);
            }
            Resolution::Opaque => self.report(
                FindingKind::OpaqueScript,
                shell.unwrap_or(SHELL),
                &path,
                OPAQUE_SCRIPT,
                &path,
                ctx.scope(),
                None,
            ),
            Resolution::NotFound => {}
        }
    }

    fn run_script(
        &mut self,
        text: &str,
        path: Option<String>,
        arg0: String,
        positionals: Option<Vec<Field>>,
        shell: &str,
        ctx: &Ctx,
    ) {
        if ctx.depth.scripts >= self.options.max_depth
            || ctx.depth.levels >= crate::shell::MAX_WALK_LEVELS
        {
            self.analysis.truncated = true;
            return;
        }
        let mut vars = ctx.vars.clone();
        vars.extend(ctx.extra.iter().cloned());
        let mut state = ShellState::child(vars, ctx.cwd.map(str::to_owned));
        state.script = path.or_else(|| ctx.script.map(str::to_owned));
        state.arg0 = arg0;
        shell.clone_into(&mut state.shell);
        state.positionals = positionals.map(std::rc::Rc::new);
        Walker::new(self, state, ctx.depth.nested()).run(text);
    }

    fn client(&mut self, client: Client, argv: &[Field], args: &[Field], stdin: &Stdin, ctx: &Ctx) {
        let statement = CommandLine::new(argv);
        let scope = ctx.scope();
        for source in clients::sources(client, args) {
            match source {
                Source::Inline { flag, text } => {
                    if text.is_opaque() {
                        self.report(
                            FindingKind::OpaqueScript,
                            client.name(),
                            statement.text(),
                            OPAQUE_VARIABLE,
                            &flag,
                            scope,
                            None,
                        );
                    } else if text.is_cut() {
                        self.analysis.truncated = true;
                        self.report(
                            FindingKind::OpaqueScript,
                            client.name(),
                            statement.text(),
                            OPAQUE_TOO_LARGE,
                            &flag,
                            scope,
                            None,
                        );
                    } else {
                        self.classify_text(client, text.as_str(), &flag, &statement, ctx, 0);
                    }
                }
                Source::File { flag, path } => {
                    let shown = if path.has_unknown() {
                        path.as_str().to_owned()
                    } else {
                        normalize_path(path.as_str(), ctx.cwd)
                    };
                    let via = if flag == VIA_ARGUMENT {
                        shown.clone()
                    } else {
                        format!("{flag} {shown}")
                    };
                    if path.has_unknown() {
                        self.report(
                            FindingKind::OpaqueScript,
                            client.name(),
                            statement.text(),
                            OPAQUE_FILE,
                            &via,
                            scope,
                            None,
                        );
                    } else {
                        self.classify_file(client, &shown, &via, &statement, ctx, 0);
                    }
                }
                Source::Stdin => match stdin {
                    Stdin::None => {}
                    Stdin::Text { text, via } => {
                        if text.is_opaque() {
                            self.report(
                                FindingKind::OpaqueScript,
                                client.name(),
                                statement.text(),
                                OPAQUE_VARIABLE,
                                via,
                                scope,
                                None,
                            );
                        } else {
                            self.classify_text(client, text.as_str(), via, &statement, ctx, 0);
                        }
                    }
                    Stdin::File { path, via } => {
                        self.classify_file(client, path, via, &statement, ctx, 0);
                    }
                    Stdin::Unknown { via } => self.report(
                        FindingKind::OpaqueScript,
                        client.name(),
                        statement.text(),
                        OPAQUE_PIPE,
                        via,
                        scope,
                        None,
                    ),
                },
            }
        }
    }

    fn classify_file(
        &mut self,
        client: Client,
        path: &str,
        via: &str,
        statement: &CommandLine<'_>,
        ctx: &Ctx,
        includes: usize,
    ) {
        match self.read(path) {
            Resolution::Resolved(text) => {
                self.classify_text(client, &text, via, statement, ctx, includes);
            }
            Resolution::NotFound | Resolution::Opaque => self.report(
                FindingKind::OpaqueScript,
                client.name(),
                statement.text(),
                OPAQUE_FILE,
                via,
                ctx.scope(),
                None,
            ),
        }
    }

    fn classify_text(
        &mut self,
        client: Client,
        text: &str,
        via: &str,
        statement: &CommandLine<'_>,
        ctx: &Ctx,
        includes: usize,
    ) {
        let scope = ctx.scope();
        if text.len() > crate::MAX_SCRIPT_BYTES || !self.charge(0, text.len()) {
            self.analysis.truncated = true;
            self.report(
                FindingKind::OpaqueScript,
                client.name(),
                statement.text(),
                OPAQUE_TOO_LARGE,
                via,
                scope,
                None,
            );
            return;
        }
        let Some(dialect) = client.dialect() else {
            for w in mongo::writes(text) {
                self.report(
                    FindingKind::MongoWrite,
                    client.name(),
                    &w.statement,
                    &w.operation,
                    via,
                    scope,
                    None,
                );
            }
            return;
        };
        let classified = sql_writes::classify(text, dialect);
        if classified.truncated {
            self.analysis.truncated = true;
        }
        for (text, op) in classified.writes() {
            self.report(
                FindingKind::SqlWrite,
                client.name(),
                text,
                op,
                via,
                scope,
                None,
            );
        }
        for include in &classified.includes {
            if includes + ctx.depth.scripts >= self.options.max_depth {
                self.analysis.truncated = true;
                break;
            }
            let path = normalize_path(include, ctx.cwd);
            let via = format!("{VIA_INCLUDE} {path}");
            self.classify_file(client, &path, &via, statement, ctx, includes + 1);
        }
    }

    fn read(&mut self, path: &str) -> Resolution {
        let resolution = self.resolver.resolve(path);
        if let Resolution::Resolved(text) = &resolution
            && !self.charge(0, text.len())
        {
            self.analysis.truncated = true;
            return Resolution::Opaque;
        }
        resolution
    }

    fn charge(&mut self, commands: usize, bytes: usize) -> bool {
        self.commands = self.commands.saturating_add(commands);
        self.bytes = self.bytes.saturating_add(bytes);
        self.commands <= crate::MAX_COMMANDS && self.bytes <= crate::MAX_TOTAL_BYTES
    }

    /// Records a finding once. The statement and `via` show secret-looking variables by name,
    /// never by value, and are shortened after that, so no part of a secret survives the cut.
    #[allow(clippy::too_many_arguments)]
    fn report(
        &mut self,
        kind: FindingKind,
        client: &str,
        statement: &str,
        operation: &str,
        via: &str,
        scope: Scope<'_>,
        host: Option<&str>,
    ) {
        let secrets = scope.secrets();
        let statement = shorten(&redact(statement, &secrets));
        let via = redact(via, &secrets);
        let script = scope.script;
        let key = (
            kind,
            client.to_owned(),
            statement.clone(),
            via.clone(),
            script.map(str::to_owned),
        );
        if !self.seen.insert(key) {
            return;
        }
        let mut detail = match (kind, host) {
            (FindingKind::HttpWrite, Some(host)) => {
                format!("{client} sends {operation} to in-cluster host {host}")
            }
            (FindingKind::OpaqueScript, _) => {
                format!("{client} runs a script that cannot be read ({operation}: {via})")
            }
            _ => format!("{client} runs {operation} ({via})"),
        };
        if let Some(script) = script {
            detail.push_str(" in ");
            detail.push_str(script);
        }
        self.analysis.findings.push(Finding {
            kind,
            client: client.to_owned(),
            statement,
            operation: operation.to_owned(),
            via: shorten(&via),
            script: script.map(str::to_owned),
            host: host.map(str::to_owned),
            detail,
        });
    }
}

/// The command line a finding quotes (a client's, for a script it cannot read): joined only
/// when a finding needs it, since most client commands report only the statements they run.
struct CommandLine<'a> {
    argv: &'a [Field],
    joined: OnceCell<String>,
}

impl<'a> CommandLine<'a> {
    fn new(argv: &'a [Field]) -> Self {
        Self {
            argv,
            joined: OnceCell::new(),
        }
    }

    fn text(&self) -> &str {
        self.joined.get_or_init(|| join_fields(self.argv))
    }
}

/// What a finding is reported in: the variables in effect (to hide secrets) and the script.
#[derive(Clone, Copy)]
struct Scope<'a> {
    vars: &'a Vars,
    extra: &'a [(String, Field)],
    script: Option<&'a str>,
}

impl<'a> Scope<'a> {
    fn of(state: &'a ShellState) -> Self {
        Scope {
            vars: &state.vars,
            extra: &[],
            script: state.script.as_deref(),
        }
    }

    /// `(value, name)` of the known variables whose name looks secret, longest value first, then
    /// by name: the order never depends on the variables' map.
    fn secrets(&self) -> Vec<(&'a str, &'a str)> {
        let mut secrets: Vec<(&str, &str)> = self
            .vars
            .iter()
            .chain(self.extra.iter().map(|(name, value)| (name, value)))
            .filter(|(name, value)| {
                !value.has_unknown()
                    && value.as_str().chars().count() >= MIN_SECRET_CHARS
                    && looks_secret(name)
            })
            .map(|(name, value)| (value.as_str(), name.as_str()))
            .collect();
        secrets.sort_unstable_by_key(|&(value, name)| (std::cmp::Reverse(value.len()), name));
        secrets
    }
}

impl Ctx<'_> {
    fn scope(&self) -> Scope<'_> {
        Scope {
            vars: self.vars,
            extra: &self.extra,
            script: self.script,
        }
    }
}

/// Replaces every occurrence of a secret value with its variable (`$PGPASSWORD`), and the
/// password of a URL written with credentials (`postgres://app:…@db`) with [`HIDDEN`].
fn redact(text: &str, secrets: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (value, name) in secrets {
        if out.contains(value) {
            out = out.replace(value, &format!("${name}"));
        }
    }
    hide_url_passwords(&out)
}

/// `scheme://user:password@host` → `scheme://user:***@host`, for every URL in `text`.
fn hide_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\''
            })
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) if userinfo.contains(':') && !userinfo.starts_with('$') => {
                let user = userinfo.split(':').next().unwrap_or("");
                let password = &userinfo[user.len() + 1..];
                if password.starts_with('$') {
                    out.push_str(authority);
                } else {
                    out.push_str(user);
                    out.push(':');
                    out.push_str(HIDDEN);
                    out.push('@');
                    out.push_str(host);
                }
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

impl Sink for Analyzer<'_> {
    fn command(&mut self, cmd: &SimpleCmd, state: &ShellState, depth: Depth) {
        let ctx = Ctx {
            vars: &state.vars,
            extra: Cow::Borrowed(&cmd.env),
            cwd: state.cwd.as_deref(),
            script: state.script.as_deref(),
            depth,
        };
        self.exec(&cmd.argv, &cmd.stdin, &ctx);
    }

    fn read(&mut self, path: &str) -> Resolution {
        Analyzer::read(self, path)
    }

    fn list(&mut self, dir: &str) -> Option<Vec<String>> {
        self.resolver.list(dir)
    }

    fn opaque_script(&mut self, path: &str, state: &ShellState) {
        let statement = format!(". {path}");
        self.report(
            FindingKind::OpaqueScript,
            &state.shell,
            &statement,
            OPAQUE_SCRIPT,
            path,
            Scope::of(state),
            None,
        );
    }

    fn unparsable(&mut self, text: &str, error: &ScriptError, state: &ShellState) {
        self.report(
            FindingKind::OpaqueScript,
            &state.shell,
            text,
            OPAQUE_PARSE,
            &error.to_string(),
            Scope::of(state),
            None,
        );
    }

    fn charge(&mut self, commands: usize, bytes: usize) -> bool {
        Analyzer::charge(self, commands, bytes)
    }

    fn max_depth(&self) -> usize {
        self.options.max_depth
    }

    fn truncated(&mut self) {
        self.analysis.truncated = true;
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::value(
        "ALTER USER app PASSWORD 'hunter22'",
        "ALTER USER app PASSWORD '$PGPASSWORD'"
    )]
    #[case::every_occurrence("hunter22 hunter22", "$PGPASSWORD $PGPASSWORD")]
    #[case::longest_first("hunter22-suffix", "$LONG_TOKEN")]
    #[case::url("psql postgres://app:s3cret@db/app", "psql postgres://app:***@db/app")]
    #[case::url_variable(
        "psql postgres://app:$DB_PASSWORD@db/app",
        "psql postgres://app:$DB_PASSWORD@db/app"
    )]
    #[case::url_without_password(
        "curl http://hasura@svc:8080/x http://a/b",
        "curl http://hasura@svc:8080/x http://a/b"
    )]
    fn redacts(#[case] text: &str, #[case] expected: &str) {
        let secrets = [
            ("hunter22-suffix", "LONG_TOKEN"),
            ("hunter22", "PGPASSWORD"),
        ];
        assert_eq!(redact(text, &secrets), expected);
    }
}
