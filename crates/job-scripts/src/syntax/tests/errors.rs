//! Input → `line:column: message`.

use rstest::rstest;

use super::refuse;

#[rstest]
#[case::unclosed_single_quote("echo 'abc", "1:6: ' is not closed")]
#[case::unclosed_double_quote("echo \"abc\nx", "1:6: \" is not closed")]
#[case::unclosed_backquote("echo `abc", "1:6: ` is not closed")]
#[case::unclosed_subshell("(a", "1:1: ( is not closed")]
#[case::unclosed_substitution("x=$(a", "1:3: ( is not closed")]
#[case::unclosed_parameter("echo ${a", "1:6: ${ is not closed")]
#[case::unclosed_parameter_word("echo ${a:-b", "1:6: ${ is not closed")]
#[case::unclosed_arithmetic("echo $((1", "1:6: (( is not closed")]
#[case::unclosed_extglob("ls @(a", "1:4: extended glob pattern is not closed")]
#[case::unclosed_array("a=(x", "1:3: ( is not closed")]
#[case::unclosed_subscript("a[1=x", "1:2: [ is not closed")]
#[case::unclosed_if("if a; then b", "1:13: expected `fi`")]
#[case::unclosed_brace_group("{ a", "1:4: expected `}`")]
#[case::unclosed_case("case x in a) b", "1:1: expected `esac`")]
#[case::unclosed_conditional("[[ a", "1:1: expected `]]`")]
#[case::missing_then("if a; b; fi", "1:10: unexpected `fi` where `then` was expected")]
#[case::empty_condition("if then fi", "1:4: unexpected `then`")]
#[case::empty_body("while a; do done", "1:13: unexpected `done`")]
#[case::empty_brace_group("{ }", "1:3: unexpected `}`")]
#[case::empty_subshell("( )", "1:3: unexpected `)`")]
#[case::stray_closer("a )", "1:3: unexpected `)`")]
#[case::stray_keyword("fi", "1:1: unexpected `fi`")]
#[case::coproc_of_a_reserved_word("coproc coproc f", "1:8: unexpected `coproc`")]
#[case::stray_case_terminator("echo a;;", "1:7: unexpected `;;`")]
#[case::missing_command_after_pipe("a |", "1:4: a command is missing")]
#[case::missing_command_after_and("a && ;", "1:6: unexpected `;`")]
#[case::leading_separator("; a", "1:1: unexpected `;`")]
#[case::word_after_compound("{ a; } b", "1:8: unexpected `b`")]
#[case::paren_in_arguments("echo a (b)", "1:8: unexpected `(`")]
#[case::array_in_an_argument("echo a=(x)", "1:8: unexpected `(`")]
#[case::heredoc_without_delimiter("cat <<\nx", "1:5: a here-document operator without a delimiter")]
#[case::heredoc_before_an_operator(
    "x=$(t <<- ;\n)",
    "1:7: a here-document operator without a delimiter"
)]
#[case::unterminated_heredoc(
    "psql <<EOF\nSELECT 1",
    "1:6: here-document not ended by its delimiter line"
)]
#[case::heredoc_without_a_newline("cat <<E", "1:5: here-document not ended by its delimiter line")]
#[case::redirection_without_target("a >", "1:4: a redirection without a target")]
#[case::for_without_name("for ; do b; done", "1:5: unexpected `;`")]
#[case::line_and_column_count_characters("é\nà é 'x", "2:5: ' is not closed")]
#[case::error_in_backquotes("echo `a )`", "1:6: in `…`: unexpected `)`")]
fn syntax_errors(#[case] text: &str, #[case] expected: &str) {
    assert_eq!(refuse(text), expected);
}
