//! Tests of the walker: commands, standard input, sourcing, limits.

use rstest::rstest;

use std::collections::BTreeMap;

use super::output::{glob_match, printf};
use super::*;
use crate::syntax::MAX_DEPTH;
use crate::text::known_fields;

/// Records commands; files from a map.
#[derive(Default)]
struct Recorder {
    files: BTreeMap<String, String>,
    commands: Vec<(Vec<String>, String, Option<String>)>,
    opaque: Vec<String>,
    unparsable: Vec<String>,
    truncated: bool,
    budget: usize,
}

impl Sink for Recorder {
    fn command(&mut self, cmd: &SimpleCmd, state: &ShellState, _depth: Depth) {
        let stdin = match &cmd.stdin {
            Stdin::None => String::new(),
            Stdin::Text { text, via } => format!("{via}: {}", text.as_str()),
            Stdin::File { via, .. } | Stdin::Unknown { via } => via.clone(),
        };
        self.commands.push((
            cmd.argv.iter().map(|f| f.as_str().to_owned()).collect(),
            stdin,
            state.script.clone(),
        ));
    }
    fn read(&mut self, path: &str) -> Resolution {
        match self.files.get(path) {
            Some(t) => Resolution::Resolved(t.clone()),
            None if path.starts_with("/secret") => Resolution::Opaque,
            None => Resolution::NotFound,
        }
    }
    fn list(&mut self, dir: &str) -> Option<Vec<String>> {
        crate::ScriptResolver::list(&self.files, dir)
    }
    fn opaque_script(&mut self, path: &str, _state: &ShellState) {
        self.opaque.push(path.to_owned());
    }
    fn unparsable(&mut self, _text: &str, error: &ScriptError, _state: &ShellState) {
        self.unparsable.push(error.to_string());
    }
    fn charge(&mut self, commands: usize, _bytes: usize) -> bool {
        self.budget += commands;
        self.budget < 10_000
    }
    fn max_depth(&self) -> usize {
        8
    }
    fn truncated(&mut self) {
        self.truncated = true;
    }
}

fn walk_with(script: &str, env: &[(&str, &str)], files: &[(&str, &str)]) -> Recorder {
    let mut rec = Recorder {
        files: files
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Recorder::default()
    };
    let vars = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Field::known(v)))
        .collect();
    let mut w = Walker::new(&mut rec, ShellState::child(vars, None), Depth::default());
    w.run(script);
    rec
}

fn walk(script: &str) -> Vec<Vec<String>> {
    walk_with(script, &[], &[])
        .commands
        .into_iter()
        .map(|c| c.0)
        .collect()
}

fn stdin_of(script: &str) -> Vec<String> {
    walk_with(script, &[("T", "users")], &[("/sql/a.sql", "SELECT 1;")])
        .commands
        .into_iter()
        .map(|c| c.1)
        .collect()
}

#[rstest]
#[case::sequence("a; b && c || d", &[&["a"][..], &["b"], &["c"], &["d"]])]
#[case::pipe("echo x | psql -U u", &[&["echo", "x"][..], &["psql", "-U", "u"]])]
#[case::quotes(r#"psql -c "SELECT 'a b'" 'x y' \"z"#, &[&["psql", "-c", "SELECT 'a b'", "x y", "\"z"][..]])]
#[case::if_branches("if true; then a; elif b; then c; else d; fi", &[&["true"][..], &["a"], &["b"], &["c"], &["d"]])]
#[case::loops("while sleep 1; do a; done; until b; do c; done", &[&["sleep", "1"][..], &["a"], &["b"], &["c"]])]
#[case::case_arms("case $X in a) one;; *) two;; esac", &[&["one"][..], &["two"]])]
#[case::for_values("for t in a b; do drop $t; done", &[&["drop", "a"][..], &["drop", "b"]])]
#[case::subshell("(a; b) && { c; }", &[&["a"][..], &["b"], &["c"]])]
#[case::functions("f() { inner \"$1\"; }; f arg", &[&["inner", "arg"][..]])]
#[case::uncalled_function("g() { never_called; }", &[&["never_called"][..]])]
#[case::function_once("f() { x; }; f; f", &[&["x"][..]])]
#[case::recursive_function("f() { f; }; f", &[])]
#[case::command_substitution("X=$(psql -c 'SELECT 1'); echo \"$X\"", &[&["psql", "-c", "SELECT 1"][..], &["echo", "$(psql -c 'SELECT 1')"]])]
#[case::backquotes("echo `inner`", &[&["inner"][..], &["echo", "`inner`"]])]
#[case::assignment("SQL='DELETE FROM t'; psql -c \"$SQL\"", &[&["psql", "-c", "DELETE FROM t"][..]])]
#[case::braces("A=x; echo ${A}y", &[&["echo", "xy"][..]])]
#[case::unknown_var("psql -c \"$NOPE\" ${ALSO}", &[&["psql", "-c", "$NOPE", "${ALSO}"][..]])]
#[case::default("H=${H:-'127.0.0.1'}; p $H", &[&["p", "127.0.0.1"][..]])]
#[case::splitting("O='-h db -U u'; psql $O", &[&["psql", "-h", "db", "-U", "u"][..]])]
#[case::no_splitting_quoted("O='a b'; p \"$O\"", &[&["p", "a b"][..]])]
#[case::export("export A=1 B; p $A", &[&["p", "1"][..]])]
#[case::set_positionals("set -- x y; p \"$@\" $#", &[&["p", "x", "y", "2"][..]])]
#[case::eval("C='psql -c \"DROP TABLE t\"'; eval \"$C\"", &[&["psql", "-c", "DROP TABLE t"][..]])]
#[case::exec("set -e; exec psql", &[&["exec", "psql"][..]])]
#[case::prefix_env("PGPASSWORD=x psql", &[&["psql"][..]])]
#[case::ansi_c("p $'a\\nb'", &[&["p", "a\nb"][..]])]
#[case::escapes(r#"p a\ b "c\$d" 'e\f'"#, &[&["p", "a b", "c$d", "e\\f"][..]])]
#[case::arrays("A=(x y); p \"${A[@]}\"", &[&["p", "x", "y"][..]])]
#[case::huge_fd("echo 99999999999>x", &[&["echo"][..]])]
#[case::huge_tilde("echo ~+99999999999999999999", &[&["echo", "~+99999999999999999999"][..]])]
#[case::bash_test("[[ -z \"$X\" ]] && p", &[&["p"][..]])]
#[case::comment("# psql -c 'DROP'\np", &[&["p"][..]])]
fn walks_commands(#[case] script: &str, #[case] expected: &[&[&str]]) {
    let expected: Vec<Vec<String>> = expected
        .iter()
        .map(|c| c.iter().map(|s| (*s).to_owned()).collect())
        .collect();
    assert_eq!(walk(script), expected);
}

#[rstest]
#[case::heredoc(
    "psql <<EOF\nINSERT INTO $T VALUES (1);\nEOF",
    "heredoc: INSERT INTO users VALUES (1);\n"
)]
#[case::heredoc_quoted("psql <<'EOF'\nINSERT INTO $T;\nEOF", "heredoc: INSERT INTO $T;\n")]
#[case::heredoc_dquoted("psql <<\"EOF\"\nINSERT INTO $T;\nEOF", "heredoc: INSERT INTO $T;\n")]
#[case::heredoc_tabs("psql <<-EOF\n\t\tINSERT INTO t;\n\tEOF", "heredoc: INSERT INTO t;\n")]
#[case::here_string("psql <<< \"DELETE FROM $T\"", "here-string: DELETE FROM users\n")]
#[case::echo_pipe(
    "echo \"INSERT INTO $T\" | psql",
    "pipe from echo: INSERT INTO users\n"
)]
#[case::echo_n_pipe("echo -n 'x' | psql", "pipe from echo: x")]
#[case::printf_pipe(
    "printf '%s;\\n' 'DROP TABLE t' | psql",
    "pipe from printf: DROP TABLE t;\n"
)]
#[case::cat_pipe("cat /sql/a.sql | psql", "pipe from cat /sql/a.sql")]
#[case::cat_heredoc_pipe("cat <<EOF | psql\nDELETE FROM t;\nEOF", "heredoc: DELETE FROM t;\n")]
#[case::envsubst("envsubst < /sql/a.sql | psql", "pipe from envsubst: SELECT 1;")]
#[case::redirect("psql < /sql/a.sql", "stdin < /sql/a.sql")]
#[case::unknown_pipe("gunzip -c dump.gz | psql", "pipe from gunzip")]
#[case::function_stdin(
    "run() { psql; }; run <<EOF\nUPDATE t SET a=1;\nEOF",
    "heredoc: UPDATE t SET a=1;\n"
)]
fn stdin_sources(#[case] script: &str, #[case] expected: &str) {
    let all = stdin_of(script);
    assert_eq!(all.last().map(String::as_str), Some(expected), "{all:?}");
}

#[test]
fn sources_scripts_with_arguments_and_variables() {
    let rec = walk_with(
        ". /scripts/init.sh db1\nsource /scripts/lib.sh\nexec psql -f \"$FILE\"",
        &[],
        &[
            ("/scripts/init.sh", "DB=$1\nFILE=/sql/$DB.sql"),
            ("/scripts/lib.sh", "helper() { psql -c 'SELECT 1'; }"),
        ],
    );
    let cmds: Vec<(Vec<String>, Option<String>)> =
        rec.commands.into_iter().map(|c| (c.0, c.2)).collect();
    assert_eq!(
        cmds,
        vec![
            (
                vec![
                    "exec".into(),
                    "psql".into(),
                    "-f".into(),
                    "/sql/db1.sql".into()
                ],
                None
            ),
            (
                vec!["psql".into(), "-c".into(), "SELECT 1".into()],
                Some("/scripts/lib.sh".into())
            ),
        ]
    );
}

#[test]
fn reports_opaque_sourced_scripts() {
    let rec = walk_with(". /secret/init.sh; . /image/lib.sh", &[], &[]);
    assert_eq!(rec.opaque, ["/secret/init.sh"]);
    assert!(rec.commands.is_empty());
}

#[test]
fn expands_globs_through_listing() {
    let rec = walk_with(
        "cd /sql && for f in *.sql; do psql -f \"$f\"; done",
        &[],
        &[("/sql/1.sql", ""), ("/sql/2.sql", ""), ("/sql/x.txt", "")],
    );
    let files: Vec<String> = rec.commands.iter().map(|c| c.0[2].clone()).collect();
    assert_eq!(files, ["/sql/1.sql", "/sql/2.sql"]);
}

#[test]
fn recursion_is_bounded() {
    let rec = walk_with(". /s/a.sh", &[], &[("/s/a.sh", ". /s/a.sh; p")]);
    assert!(rec.truncated);
    assert_eq!(rec.commands.len(), 8);
}

#[rstest]
#[case::syntax("if then fi fi (")]
#[case::unterminated_quote("echo 'abc")]
#[case::unterminated_heredoc("psql <<EOF\nSELECT 1")]
#[case::too_deep(&"(".repeat(200))]
#[case::unclosed_subshells(&format!("{}a", "( ".repeat(11)))]
#[case::unclosed_cases(&format!("{}x;; esac", "case a in b) ".repeat(11)))]
#[case::substitution_open_across_heredoc("psql <<EOF && \"$(( (1)\nEOF\n")]
#[case::substitution_open_after_heredoc_command("a <<EOF; b $( (1)\nx\nEOF\n")]
fn unparsable_scripts_are_reported(#[case] script: &str) {
    let rec = walk_with(script, &[], &[]);
    assert_eq!(rec.unparsable.len(), 1, "{:?}", rec.commands);
}

/// Scripts that stop in the middle of a line with a here-document pending are read to the
/// end (the tokenizer looped without end on them before they were given a final newline).
#[rstest]
#[case::empty_delimiter_then_a_blank("exec''''case''P''''<<'' ")]
#[case::empty_delimiter_then_a_comment("cat <<'' #x")]
#[case::missing_delimiter_in_a_substitution("a=$(b << <<E ")]
#[case::double_quoted_delimiter("cat <<\"\" | psql ")]
fn scripts_ending_on_a_pending_heredoc_line_are_read(#[case] script: &str) {
    let rec = walk_with(script, &[], &[]);
    assert!(
        rec.commands.len() + rec.unparsable.len() >= 1,
        "{:?}",
        rec.commands
    );
}

/// `$(` followed by nested parentheses closed by `))` is arithmetic, as bash reads it (brush
/// could not read such words, and they were left unknown): the value is unknown, nothing runs.
#[rstest]
#[case::heredoc(&format!("psql <<EOF\n$({}x{})\nEOF", "( ".repeat(8), " )".repeat(8)))]
#[case::word(&format!("echo \"$({}x{})\"", "( ".repeat(8), " )".repeat(8)))]
fn parentheses_closed_by_two_are_arithmetic(#[case] script: &str) {
    let rec = walk_with(script, &[], &[]);
    assert!(rec.unparsable.is_empty(), "{:?}", rec.unparsable);
    assert_eq!(rec.commands.len(), 1, "{:?}", rec.commands);
}

/// With a space after `$(`, the same parentheses are subshells, and the command inside runs.
#[test]
fn subshells_in_a_substitution_run() {
    let script = format!("echo \"$( {}x{})\"", "( ".repeat(8), " )".repeat(8));
    let rec = walk_with(&script, &[], &[]);
    assert!(rec.unparsable.is_empty(), "{:?}", rec.unparsable);
    assert_eq!(rec.commands[0].0, ["x"]);
}

/// Nested `case` statements and unclosed `(` read in linear time (brush-parser backtracked
/// exponentially on them and they were refused beyond ten levels).
#[rstest]
#[case::nested_cases(&format!("{}x;; esac", "case a in b) ".repeat(24)))]
#[case::nested_cases_closed(&format!("{}x{}", "case a in b) ".repeat(24), ";; esac".repeat(24)))]
#[case::unclosed_subshells(&format!("{}x", "( ".repeat(24)))]
fn deep_cases_and_subshells_are_answered(#[case] script: &str) {
    let rec = walk_with(script, &[], &[]);
    assert_eq!(
        rec.commands.len() + rec.unparsable.len(),
        1,
        "{:?}",
        rec.commands
    );
}

#[rstest]
#[case::braces(&format!("{}true{}", "{ ".repeat(MAX_DEPTH - 1), "; }".repeat(MAX_DEPTH - 1)))]
#[case::subshells(&format!("{}true{}", "( ".repeat(MAX_DEPTH - 1), " )".repeat(MAX_DEPTH - 1)))]
#[case::ifs(&format!("{}true{}", "if true; then ".repeat(MAX_DEPTH / 2 - 1), "; fi".repeat(MAX_DEPTH / 2 - 1)))]
#[case::substitutions(&format!("echo {}x{}", "$(".repeat(MAX_DEPTH - 1), ")".repeat(MAX_DEPTH - 1)))]
#[case::defaults(&format!("echo {}x{}", "${a:-".repeat(MAX_DEPTH - 1), "}".repeat(MAX_DEPTH - 1)))]
fn deep_but_accepted_nesting_does_not_overflow(#[case] script: &str) {
    // Runs on a 1 MiB stack: what a wasm32 module gets by default.
    let script = script.to_owned();
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let _ = walk_with(&script, &[], &[]);
        })
        .expect("spawn")
        .join()
        .expect("no overflow");
}

#[rstest]
#[case("*.sql", "a.sql", true)]
#[case("*.sql", "a.sh", false)]
#[case("?-init*", "1-init.sh", true)]
#[case("*", "", true)]
#[case("a*b*c", "abxbc", true)]
fn globs(#[case] pattern: &str, #[case] name: &str, #[case] matches: bool) {
    assert_eq!(glob_match(pattern, name), matches);
}

#[rstest]
#[case("%s %s\\n", &["a", "b", "c"], "a b\nc \n")]
#[case("100%%", &[], "100%")]
#[case("%5.2d|", &["7"], "7|")]
fn printf_formats(#[case] format: &str, #[case] args: &[&str], #[case] expected: &str) {
    let args = known_fields(args);
    assert_eq!(printf(format, &args).as_str(), expected);
}
