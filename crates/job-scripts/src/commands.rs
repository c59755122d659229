//! The commands a container runs, for no-raw-datastores' client detection: its command line
//! followed through the wrappers (`exec`, `env`, `timeout`, `gosu`, …), `xargs`, `su -c`
//! and the shells it starts, whose scripts are read by [`crate::syntax`] and walked by
//! [`crate::shell`] as for a Job (variables, arrays, `eval`, functions where they are called,
//! command substitutions, every branch). Only the commands are collected; nothing is
//! classified here, and no SQL is read: what a datastore's client or server is, is the
//! catalog's business ([`upstream_first_rules::evidence::runs_client`]).

use std::rc::Rc;

use upstream_first_rules::evidence::{CommandLine, CommandReader};
use upstream_first_rules::podspec::Container;

use crate::launch::unwrap_command;
use crate::launch::{SHELL, SHELLS, ShellArgs, kubernetes_expand, shebang_shell, shell_args};
use crate::model::{ContainerInput, NoFiles, Resolution, ScriptResolver};
use crate::shell::{self, Depth, ScriptError, ShellState, SimpleCmd, Sink, Stdin, Vars, Walker};
use crate::text::{Field, basename, normalize_path};
use crate::xargs;

/// Words kept of each command: the program and its first argument, which decide whether it
/// is a client or a server (`cockroach sql`, `minio server`).
const KEPT_WORDS: usize = 2;

/// no-raw-datastores' [`CommandReader`]: what a container runs, read with the shell reader
/// and walker of Jobs. A script with a syntax error, or one that hits a limit, answers `None`
/// (the rule then reads it word by word). Files are not read: the policy sees no ConfigMap,
/// so a script file run by path is a program of that name.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShellCommands;

impl CommandReader for ShellCommands {
    fn commands(&self, container: &Container) -> Option<Vec<CommandLine>> {
        commands_run(&ContainerInput::from(container), &NoFiles)
    }
}

/// The commands `input` runs (program and first argument; `None` for a word whose value is
/// not known), in the order the walker meets them; `None` when a script it runs cannot be
/// read or a limit stopped the reading.
pub(crate) fn commands_run(
    input: &ContainerInput,
    resolver: &dyn ScriptResolver,
) -> Option<Vec<CommandLine>> {
    let mut reader = Reader {
        resolver,
        commands: Vec::new(),
        unreadable: false,
        count: 0,
        bytes: 0,
    };
    if input.command.is_empty() && input.args.first().is_some_and(|a| a.starts_with('-')) {
        // The image's entrypoint, given options: a program whose name is not known.
        return Some(vec![vec![None]]);
    }
    let argv: Vec<Field> = input
        .command
        .iter()
        .chain(&input.args)
        .map(|a| kubernetes_expand(a, &input.env))
        .collect();
    let ctx = Ctx {
        vars: input
            .env
            .iter()
            .map(|(k, v)| (k.clone(), Field::known(v)))
            .collect(),
        extra: Vec::new(),
        cwd: input
            .working_dir
            .as_deref()
            .filter(|d| d.starts_with('/'))
            .map(|d| normalize_path(d, None)),
        depth: Depth::default(),
    };
    reader.exec(&argv, &Stdin::None, &ctx);
    (!reader.unreadable).then_some(reader.commands)
}

struct Reader<'r> {
    resolver: &'r dyn ScriptResolver,
    commands: Vec<CommandLine>,
    /// A script could not be read, or a limit cut the walk short.
    unreadable: bool,
    count: usize,
    bytes: usize,
}

/// Where a command runs.
struct Ctx {
    vars: Vars,
    /// Variables set for this command only (`A=1 cmd`, `env A=1 cmd`).
    extra: Vec<(String, Field)>,
    cwd: Option<String>,
    depth: Depth,
}

impl Reader<'_> {
    /// Runs one command line: wrappers are skipped, shells, `su` and `xargs` followed, and
    /// any other program is kept.
    fn exec(&mut self, argv: &[Field], stdin: &Stdin, ctx: &Ctx) {
        let (start, env) = unwrap_command(argv);
        let argv = &argv[start..];
        let Some(first) = argv.first() else {
            return;
        };
        if first.has_unknown() {
            self.keep(argv);
            return;
        }
        let mut extra = ctx.extra.clone();
        extra.extend(env);
        let ctx = Ctx {
            vars: ctx.vars.clone(),
            extra,
            cwd: ctx.cwd.clone(),
            depth: ctx.depth,
        };
        let program = basename(first.as_str());
        if SHELLS.contains(&program) {
            self.shell(argv, stdin, &ctx);
        } else if program == "su" || program == "runuser" {
            self.su(argv, &ctx);
        } else if program == "xargs" {
            let input = match stdin {
                Stdin::Text { text, .. } if !text.has_unknown() => Some(text.as_str().to_owned()),
                _ => None,
            };
            let (lines, truncated) = xargs::command_lines(&argv[1..], input.as_deref());
            self.unreadable |= truncated;
            for line in lines {
                self.exec(&line, &Stdin::None, &ctx);
            }
        } else if first.as_str().contains('/') {
            self.script_file(first, &argv[1..], &ctx, None, argv);
        } else {
            self.keep(argv);
        }
    }

    /// `sh [options] -c SCRIPT [arg0 args…]`, `sh FILE args…`, `… | sh`.
    fn shell(&mut self, argv: &[Field], stdin: &Stdin, ctx: &Ctx) {
        let shell = basename(argv[0].as_str());
        let ShellArgs {
            command_mode,
            operand,
        } = shell_args(argv);
        if command_mode {
            let Some(script) = argv.get(operand) else {
                return;
            };
            if script.is_opaque() {
                self.keep_unknown();
                return;
            }
            let arg0 = argv
                .get(operand + 1)
                .map_or_else(|| shell.to_owned(), |f| f.as_str().to_owned());
            let positionals = argv.get(operand + 2..).unwrap_or_default().to_vec();
            self.run_script(script.as_str(), arg0, Some(positionals), shell, ctx);
        } else if let Some(path) = argv.get(operand) {
            let args = argv.get(operand + 1..).unwrap_or_default();
            self.script_file(path, args, ctx, Some(shell), argv);
        } else {
            match stdin {
                Stdin::None => {}
                Stdin::Text { text, .. } if !text.is_opaque() => {
                    self.run_script(text.as_str(), shell.to_owned(), None, shell, ctx);
                }
                Stdin::File { path, .. } => match self.read(path) {
                    Resolution::Resolved(text) => {
                        self.run_script(&text, shell.to_owned(), None, shell, ctx);
                    }
                    Resolution::NotFound | Resolution::Opaque => self.keep_unknown(),
                },
                Stdin::Text { .. } | Stdin::Unknown { .. } => self.keep_unknown(),
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
                        self.run_script(script.as_str(), SHELL.to_owned(), None, SHELL, ctx);
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

    /// A script file run as a program (`shell` is `None`: its shebang names the shell) or
    /// given to a shell; one that cannot be read is kept as the command `argv`.
    fn script_file(
        &mut self,
        path: &Field,
        args: &[Field],
        ctx: &Ctx,
        shell: Option<&str>,
        argv: &[Field],
    ) {
        if path.has_unknown() {
            self.keep_unknown();
            return;
        }
        let path = normalize_path(path.as_str(), ctx.cwd.as_deref());
        match self.read(&path) {
            Resolution::Resolved(text) => match shell.or_else(|| shebang_shell(&text)) {
                Some(shell) => {
                    let shell = shell.to_owned();
                    self.run_script(&text, path, Some(args.to_vec()), &shell, ctx);
                }
                None => self.keep(argv),
            },
            Resolution::NotFound | Resolution::Opaque => self.keep(argv),
        }
    }

    fn run_script(
        &mut self,
        text: &str,
        arg0: String,
        positionals: Option<Vec<Field>>,
        shell: &str,
        ctx: &Ctx,
    ) {
        if ctx.depth.scripts >= crate::DEFAULT_MAX_DEPTH
            || ctx.depth.levels >= shell::MAX_WALK_LEVELS
        {
            self.unreadable = true;
            return;
        }
        let mut vars = ctx.vars.clone();
        vars.extend(ctx.extra.iter().cloned());
        let mut state = ShellState::child(vars, ctx.cwd.clone());
        state.arg0 = arg0;
        shell.clone_into(&mut state.shell);
        state.positionals = positionals.map(Rc::new);
        Walker::new(self, state, ctx.depth.nested()).run(text);
    }

    fn read(&mut self, path: &str) -> Resolution {
        let resolution = self.resolver.resolve(path);
        if let Resolution::Resolved(text) = &resolution
            && !self.charge(0, text.len())
        {
            self.unreadable = true;
            return Resolution::Opaque;
        }
        resolution
    }

    /// Keeps a command: its program and first argument.
    fn keep(&mut self, argv: &[Field]) {
        self.commands.push(
            argv.iter()
                .take(KEPT_WORDS)
                .map(|f| (!f.has_unknown()).then(|| f.as_str().to_owned()))
                .collect(),
        );
    }

    /// Keeps a command whose program is not known (a script whose text is not known).
    fn keep_unknown(&mut self) {
        self.commands.push(vec![None]);
    }
}

impl Sink for Reader<'_> {
    fn command(&mut self, cmd: &SimpleCmd, state: &ShellState, depth: Depth) {
        let ctx = Ctx {
            vars: state.vars.clone(),
            extra: cmd.env.clone(),
            cwd: state.cwd.clone(),
            depth,
        };
        self.exec(&cmd.argv, &cmd.stdin, &ctx);
    }

    fn read(&mut self, path: &str) -> Resolution {
        Reader::read(self, path)
    }

    fn list(&mut self, dir: &str) -> Option<Vec<String>> {
        self.resolver.list(dir)
    }

    fn opaque_script(&mut self, _path: &str, _state: &ShellState) {
        self.keep_unknown();
    }

    fn unparsable(&mut self, _text: &str, _error: &ScriptError, _state: &ShellState) {
        self.unreadable = true;
    }

    fn charge(&mut self, commands: usize, bytes: usize) -> bool {
        self.count = self.count.saturating_add(commands);
        self.bytes = self.bytes.saturating_add(bytes);
        self.count <= crate::MAX_COMMANDS && self.bytes <= crate::MAX_TOTAL_BYTES
    }

    fn max_depth(&self) -> usize {
        crate::DEFAULT_MAX_DEPTH
    }

    fn truncated(&mut self) {
        self.unreadable = true;
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::{Value, json};
    use upstream_first_rules::catalog::Catalog;
    use upstream_first_rules::evidence::datastore_servers;
    use upstream_first_rules::podspec::Workload;

    use super::*;

    /// The datastores a Deployment of one container runs, as no-raw-datastores reads it.
    fn servers(container: Value) -> Vec<String> {
        let object = json!({"spec": {"template": {"spec": {"containers": [container]}}}});
        let workload = Workload::from_object("Deployment", &object)
            .unwrap()
            .unwrap();
        datastore_servers(Catalog::builtin(), &workload, &ShellCommands)
            .into_iter()
            .map(|d| d.component.id.clone())
            .collect()
    }

    fn script(image: &str, script: &str) -> Value {
        json!({"name": "c", "image": image, "command": ["/bin/sh", "-c", script]})
    }

    /// A script that only runs a client (a restore, a dump, a wait) is a client container.
    #[rstest]
    #[case::client_in_a_variable(script("redis:7", "CLI=\"redis-cli -h cache\"\n$CLI ping"))]
    #[case::client_in_a_partly_unknown_variable(json!({"name": "c", "image": "mysql:8",
        "command": ["sh", "-c", "DB=\"mysql -h db -u app --password=$DB_PASSWORD\"\n$DB -e 'SELECT 1'"],
        "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]}))]
    #[case::client_in_an_array(script(
        "postgres:16",
        "cmd=(pg_restore -h db -d app)\n\"${cmd[@]}\" /backup/app.dump"
    ))]
    #[case::client_through_eval(script(
        "mongo:7",
        "URI=mongodb://db:27017\neval \"mongorestore --uri=$URI /backup\""
    ))]
    #[case::client_through_xargs(script(
        "postgres:16",
        "ls /backup/*.sql | xargs -n1 psql -h db -d app -f"
    ))]
    #[case::client_in_a_function_called_later(script(
        "postgres:16",
        "restore() {\n  pg_restore -h db -d app \"$1\"\n}\necho restoring\nrestore /backup/app.dump"
    ))]
    #[case::client_after_echo(script(
        "postgres:16",
        "echo \"dumping\"; pg_dump -h db app > /backup/app.sql"
    ))]
    #[case::client_in_bash_c_in_sh_c(script(
        "redis:7",
        "exec bash -c 'until redis-cli -h cache ping; do sleep 1; done'"
    ))]
    #[case::client_from_kubernetes_env(json!({"name": "c", "image": "redis:7",
        "command": ["sh", "-c", "$(CLI) -h cache ping"], "env": [{"name": "CLI", "value": "redis-cli"}]}))]
    #[case::client_through_wrappers(script(
        "postgres:16",
        "exec timeout 60 env PGCONNECT_TIMEOUT=5 pg_isready -h db"
    ))]
    #[case::server_name_as_an_argument(script(
        "postgres:16",
        "psql -U postgres -h db -c 'SELECT 1'"
    ))]
    #[case::wait_then_sleep(script(
        "postgres:16",
        "until pg_isready -h db; do sleep 1; done; sleep infinity"
    ))]
    #[case::syntax_error_read_word_by_word(script(
        "postgres:16",
        "until pg_isready -h db; do sleep 1; done; echo \"unterminated"
    ))]
    fn only_a_client_is_not_a_server(#[case] container: Value) {
        assert_eq!(servers(container), Vec::<String>::new());
    }

    /// A script that starts the server, or may start it, is judged as any container is.
    #[rstest]
    #[case::server_after_a_wait(
        script(
            "redis:7",
            "until redis-cli -h master ping; do sleep 1; done\nexec redis-server --replicaof master 6379"
        ),
        "redis"
    )]
    #[case::server_in_a_function(
        script(
            "postgres:16",
            "start() { exec postgres -c max_connections=200; }\npg_isready -h db || true\nstart"
        ),
        "postgresql"
    )]
    #[case::server_in_a_variable(
        script(
            "redis:7",
            "redis-cli -h master ping\nSERVER=\"redis-server --port 6379\"\nexec $SERVER"
        ),
        "redis"
    )]
    #[case::server_through_eval(
        script(
            "mongo:7",
            "mongosh --eval 'db.ping()' || true; eval exec mongod --bind_ip_all"
        ),
        "mongodb"
    )]
    #[case::two_word_server(
        script(
            "cockroachdb/cockroach:v24.1.0",
            "cockroach sql --insecure -e 'SELECT 1'; cockroach start-single-node --insecure"
        ),
        "cockroachdb"
    )]
    #[case::unknown_program(json!({"name": "c", "image": "postgres:16",
        "command": ["sh", "-c", "pg_isready -h db; exec $START"],
        "env": [{"name": "START", "valueFrom": {"configMapKeyRef": {"name": "s", "key": "start"}}}]}), "postgresql")]
    #[case::entrypoint_with_options(json!({"name": "c", "image": "redis:7", "args": ["--appendonly", "yes"]}), "redis")]
    #[case::no_client_at_all(script("postgres:16", "echo starting; sleep 5"), "postgresql")]
    #[case::syntax_error_read_word_by_word(
        script(
            "redis:7",
            "until redis-cli ping; do sleep 1; done; exec redis-server \"unterminated"
        ),
        "redis"
    )]
    fn a_server_start_is_judged(#[case] container: Value, #[case] datastore: &str) {
        assert_eq!(servers(container), vec![datastore.to_owned()]);
    }

    #[rstest]
    #[case::plain(&["psql", "-c", "SELECT 1"], Some(vec![vec![Some("psql"), Some("-c")]]))]
    #[case::wrapped(&["exec", "gosu", "postgres", "pg_dump", "app"], Some(vec![vec![Some("pg_dump"), Some("app")]]))]
    #[case::xargs(&["sh", "-c", "echo a b | xargs -n1 redis-cli del"], Some(vec![vec![Some("echo"), Some("a")], vec![Some("redis-cli"), Some("del")], vec![Some("redis-cli"), Some("del")]]))]
    #[case::su(&["su", "postgres", "-c", "pg_ctl start -D /data"], Some(vec![vec![Some("pg_ctl"), Some("start")]]))]
    #[case::unknown_script(&["sh", "-c", "$(SCRIPT)"], Some(vec![vec![None]]))]
    #[case::syntax_error(&["sh", "-c", "if then"], None)]
    fn reads_the_commands(#[case] argv: &[&str], #[case] expected: Option<Vec<Vec<Option<&str>>>>) {
        let input = ContainerInput {
            command: argv.iter().map(|a| (*a).to_owned()).collect(),
            ..ContainerInput::default()
        };
        let expected = expected.map(|lines| {
            lines
                .into_iter()
                .map(|line| line.into_iter().map(|w| w.map(str::to_owned)).collect())
                .collect::<Vec<CommandLine>>()
        });
        assert_eq!(commands_run(&input, &NoFiles), expected);
    }
}
