//! Fuzzing harnesses of the `shell_script` and `sql_classification` targets of `fuzz/` (see
//! `upstream_first_rules::fuzzing` for how targets and replay tests share them).

use std::collections::BTreeMap;

use crate::model::{ContainerInput, FindingKind, Options};
use crate::{MAX_STATEMENT_CHARS, analyze_container, mongo};
use sql_writes::Dialect;

/// The value of the secret-looking variable the fuzzed container gets: no finding may show it
/// unless the script writes it out itself.
pub const SECRET_VALUE: &str = "s3cr3t-fuzz-value";
/// The secret-looking variable.
pub const SECRET_VARIABLE: &str = "DB_PASSWORD";
/// The script file the fuzzed container has mounted, so `-f`, `\i` and `source` find SQL.
const MOUNTED_SQL: (&str, &str) = ("/scripts/seed.sql", "INSERT INTO t VALUES (1);");

/// A shell script run as `sh -c <script>` by a container with a secret in its env: the analysis
/// ends, bounds its findings, and never shows the secret's value.
pub fn shell_script(data: &[u8]) {
    let Ok(script) = std::str::from_utf8(data) else {
        return;
    };
    let input = ContainerInput {
        command: vec!["sh".to_owned(), "-c".to_owned(), script.to_owned()],
        env: BTreeMap::from([
            (SECRET_VARIABLE.to_owned(), SECRET_VALUE.to_owned()),
            ("SQL".to_owned(), "DELETE FROM sessions".to_owned()),
        ]),
        image: "postgres:16".to_owned(),
        working_dir: Some("/scripts".to_owned()),
        ..ContainerInput::default()
    };
    let files = BTreeMap::from([(MOUNTED_SQL.0.to_owned(), MOUNTED_SQL.1.to_owned())]);
    let analysis = analyze_container(&input, &files, &Options::default());
    // Host names are shown lower-cased: `S3CR3T-…` written in a URL is still written out, and
    // so is `s3cr3""t-…`, which the shell joins into the value.
    let written_out = script
        .to_ascii_lowercase()
        .replace(['"', '\'', '\\'], "")
        .contains(SECRET_VALUE);
    for finding in &analysis.findings {
        assert!(!finding.client.is_empty(), "{finding:?}");
        assert!(!finding.operation.is_empty(), "{finding:?}");
        assert!(!finding.detail.is_empty(), "{finding:?}");
        assert!(
            finding.statement.chars().count() <= MAX_STATEMENT_CHARS,
            "{finding:?}"
        );
        assert!(
            finding.via.chars().count() <= MAX_STATEMENT_CHARS,
            "{finding:?}"
        );
        if finding.kind == FindingKind::HttpWrite {
            assert!(finding.host.is_some(), "{finding:?}");
        }
        if !written_out {
            for text in [&finding.statement, &finding.via, &finding.detail] {
                assert!(!text.contains(SECRET_VALUE), "secret shown: {finding:?}");
            }
        }
    }
}

/// Whether the crate's shell reader reads `text` (for the reader's benchmark).
pub fn shell_reads(text: &str) -> bool {
    crate::syntax::parse(text).is_ok()
}

/// The simple commands the shell reader finds in `text`, outside substitutions, in the order
/// they are written: each as its words after quote removal (an assignment given to a
/// declaration builtin as its text), `None` for a word holding an expansion; `None` when the
/// text does not read. The
/// `shell_differential` fuzz target compares them with brush-parser's.
pub fn shell_simple_commands(text: &str) -> Option<Vec<Vec<Option<String>>>> {
    let script = crate::syntax::parse(text).ok()?;
    let mut commands = Vec::new();
    crate::syntax::simple_commands(&script.body, &mut commands);
    Some(
        commands
            .into_iter()
            .map(|command| {
                command
                    .arguments
                    .iter()
                    .map(|argument| match argument {
                        crate::syntax::Argument::Word(word) => word.unquoted(&script.source),
                        crate::syntax::Argument::Assignment(assignment) => {
                            assignment_text(assignment, &script.source)
                        }
                    })
                    .collect()
            })
            .collect(),
    )
}

/// `NAME=value` after quote removal; `None` for arrays, subscripts and expansions.
fn assignment_text(assignment: &crate::syntax::Assignment, source: &str) -> Option<String> {
    let crate::syntax::AssignedValue::Scalar(value) = &assignment.value else {
        return None;
    };
    if assignment.subscript.is_some() {
        return None;
    }
    let operator = if assignment.append { "+=" } else { "=" };
    Some(format!(
        "{}{operator}{}",
        assignment.name,
        value.unquoted(source)?
    ))
}

/// SQL (or, for the last selector, MongoDB JavaScript) in the dialect the first byte picks:
/// every statement is classified, every write named.
pub fn sql_classification(data: &[u8]) {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let dialect = match selector % 6 {
        0 => Dialect::Postgres,
        1 => Dialect::MySql,
        2 => Dialect::ClickHouse,
        3 => Dialect::MsSql,
        4 => Dialect::Cql,
        _ => {
            for write in mongo::writes(text) {
                assert!(!write.operation.is_empty(), "{write:?}");
            }
            return;
        }
    };
    sql_writes::assert_foregone_agrees(text, dialect);
    let classified = sql_writes::classify(text, dialect);
    for (statement, operation) in classified.writes() {
        assert!(!operation.trim().is_empty(), "{statement:?}");
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use upstream_first_rules::fuzzing::replay;

    use super::*;

    /// Every corpus and regression input of the job-scripts targets still passes; the
    /// scripts of `shell_differential` (whose oracle, brush-parser, is not a dependency here)
    /// through the `shell_script` harness.
    #[rstest]
    #[case("shell_script", shell_script)]
    #[case("shell_differential", shell_script)]
    #[case("sql_classification", sql_classification)]
    fn fuzz_inputs_replay(#[case] target: &str, #[case] harness: fn(&[u8])) {
        let replayed = replay(target, harness);
        assert!(replayed > 0, "no inputs in fuzz/corpus/{target}");
    }

    /// The inputs that made brush-parser panic, loop or backtrack, behind constructs its
    /// guards once misread (a quote in a comment, between backquotes or in `$'…'`, a shift
    /// taken for a here-document, line continuations in a here-document operator or tag), still
    /// pass the harness: the reader has no guard in front of it to misread them.
    #[rstest]
    #[case::apostrophe_in_a_comment("# don't\n", "")]
    #[case::apostrophe_in_a_comment_after_a_subshell("(x)# don't\n", "")]
    #[case::quotes_between_backquotes("echo `'` '`' `\"` \"`\"; ", "")]
    #[case::escaped_quote_in_ansi_c_quotes("echo $'\\''; ", "")]
    #[case::quotes_in_a_parameter_default(": ${A:-'}'} \"${B:-'}'}\"; ", "")]
    #[case::apostrophe_in_double_quotes("echo \"it's\"; ", "")]
    #[case::shift_read_as_a_heredoc_operator("x=$(( $(a <<EOF ) ))\n", "\nEOF\n")]
    #[case::shift_in_an_arithmetic_command("(( 1 << EOF ))\n", "\nEOF\n")]
    #[case::comment_sign_after_a_line_continuation("echo a\\\n# ", "")]
    #[case::line_continuation_in_a_heredoc_operator("cat <\\\n<EOF\nit's\nEOF\n", "")]
    #[case::line_continuation_in_a_heredoc_tag("cat <<EO\\\nF\nEOF\nit's\nEOF\n", "")]
    #[case::quoted_blank_in_a_heredoc_tag("cat <<E\"O F\"\nEO\nit's\nEO F\n", "")]
    #[case::escaped_blank_in_a_heredoc_tag("cat <<E\\ O\nE\nit's\nE O\n", "")]
    #[case::quoted_operator_in_a_heredoc_tag("cat <<'E;O'\nE\nit's\nE;O\n", "")]
    #[case::no_break_space_in_a_heredoc_tag("cat <<E\u{a0}O\nE\nit's\nE\u{a0}O\n", "")]
    #[case::shift_after_arithmetic_left_on("x=$( ((1)) )\ncat <<EOF\n", "\nEOF\n")]
    fn former_crashes_pass_behind_quoting(#[case] prefix: &str, #[case] suffix: &str) {
        let (prefix, suffix) = (prefix.as_bytes().to_vec(), suffix.as_bytes().to_vec());
        let inputs: Vec<_> = upstream_first_rules::fuzzing::inputs("shell_script")
            .into_iter()
            .filter(|(path, _)| {
                path.parent()
                    .is_some_and(|dir| dir.ends_with("regressions/shell_script"))
            })
            .collect();
        assert!(inputs.len() > 10, "{} regression inputs", inputs.len());
        // A main thread's stack, as `replay` gives: unoptimised builds recurse deeper.
        std::thread::Builder::new()
            .stack_size(8 * 1024 * 1024)
            .spawn(move || {
                for (path, bytes) in inputs {
                    let input = [prefix.as_slice(), &bytes, &suffix].concat();
                    if std::panic::catch_unwind(|| shell_script(&input)).is_err() {
                        panic!("{} fails behind the prefix", path.display());
                    }
                }
            })
            .expect("spawns")
            .join()
            .expect("no input fails");
    }

    /// The differences the `shell_differential` target found with brush-parser (their inputs
    /// are in `fuzz/regressions/shell_differential/`), read as bash reads them.
    #[rstest]
    #[case::text_glued_to_an_array_is_one_assignment("X=()X=l\0", vec![vec![]])]
    // brush-parser reads a command `l` here (written down in `fuzz/oracles/brush.rs`).
    #[case::text_glued_to_an_array_is_no_command("X=()l\0", vec![vec![]])]
    // The oracle took any `(` in an argument `NAME=…` for an array literal, and brush-parser
    // reads some quoted ones as one.
    #[case::quoted_parenthesis_in_an_argument_like_an_assignment(
        "p X='('",
        vec![vec![Some("p".to_owned()), Some("X=(".to_owned())]]
    )]
    // brush-parser reads an arithmetic command (written down in `fuzz/oracles/brush.rs`).
    #[case::subshell_in_a_subshell_after_a_blank("(\t(\u{5}))", vec![vec![Some("\u{5}".to_owned())]])]
    // brush-parser reads `$` and `$(" ")`, one word; bash's lexer reads `$$` in double quotes
    // as it does outside them, so `"$$("` is a word (written down in `fuzz/oracles/brush.rs`).
    #[case::process_id_before_parenthesis_in_double_quotes(
        "\"$$(\" \")\"",
        vec![vec![None, Some(")".to_owned())]]
    )]
    #[case::quoted_parenthesis_first_in_an_argument_like_an_assignment(
        "l p='('",
        vec![vec![Some("l".to_owned()), Some("p=(".to_owned())]]
    )]
    fn differential_findings_read_as_bash_does(
        #[case] text: &str,
        #[case] expected: Vec<Vec<Option<String>>>,
    ) {
        assert_eq!(shell_simple_commands(text), Some(expected));
    }

    /// The differences the `shell_differential` target found on scripts bash refuses: the
    /// reader refuses them too (both readers had found commands).
    #[rstest]
    // brush-parser read a coproc of a coproc of `f fp`, the reader a coproc of `coproc f fp`.
    #[case::coproc_of_a_reserved_word("coproc  coproc    f  fp ")]
    fn differential_findings_bash_refuses(#[case] text: &str) {
        assert_eq!(shell_simple_commands(text), None);
    }

    /// The secret check of the harness is real: a finding that quoted the value would fail it.
    #[test]
    fn secret_variables_never_reach_findings() {
        shell_script(
            format!("psql -c \"ALTER USER app PASSWORD '${SECRET_VARIABLE}'\"").as_bytes(),
        );
        shell_script(
            format!("psql -c \"ALTER USER app PASSWORD '${{{SECRET_VARIABLE}}}'\"").as_bytes(),
        );
    }
}
