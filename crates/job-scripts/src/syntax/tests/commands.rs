//! Commands: input → sketch of the tree (see `sketch`).

use rstest::rstest;

use super::read;

#[rstest]
#[case::empty("", "")]
#[case::blank_lines_and_comments("\n  # a comment\n\t\n", "")]
#[case::one_word("ls", "ls;")]
#[case::arguments("psql -h db  -c\tx", "psql -h db -c x;")]
#[case::sequence("a; b\nc", "a; b; c;")]
#[case::background("a & b", "a & b;")]
#[case::and_or("a && b || c", "a && b || c;")]
#[case::and_or_across_lines("a &&\n  b ||\n  # why\n  c", "a && b || c;")]
#[case::pipeline("a | b |& c", "a | b | c;")]
#[case::pipeline_across_lines("a |\n b", "a | b;")]
#[case::negation("! a | b", "! a | b;")]
#[case::double_negation("! ! a", "a;")]
#[case::negated_subshell("!(false)", "! ( false; );")]
#[case::time("time -p a | b", "time a | b;")]
#[case::time_alone("time", "time ;")]
#[case::trailing_comment("a # b; c\nd", "a; d;")]
#[case::hash_inside_a_word("echo a#b", "echo a#b;")]
#[case::line_continuation("ec\\\nho a\\\n b", "echo a b;")]
#[case::continuation_joins_an_operator("a &\\\n& b", "a && b;")]
#[case::continuation_before_a_comment_sign("echo a\\\n# b", "echo a# b;")]
#[case::keyword_as_an_argument("echo if then fi", "echo if then fi;")]
#[case::keyword_after_an_assignment("A=1 if x", "A=1 if x;")]
#[case::crlf_is_text("a\r\nb", "a\r; b;")]
fn lists_and_pipelines(#[case] text: &str, #[case] expected: &str) {
    assert_eq!(read(text), expected);
}

#[rstest]
#[case::prefix("A=1 B= cmd", "A=1 B= cmd;")]
#[case::alone("A=1", "A=1;")]
#[case::append("A+=x", "A+=x;")]
#[case::quoted_value("A='a b' B=\"$C d\"", "A='a b' B=\"$C d\";")]
#[case::array("a=(x 'y z' $w)", "a=(x 'y z' $w);")]
#[case::array_across_lines("a=(\n  x # one\n  y\n)", "a=(x y);")]
#[case::array_keys(
    "declare -A m=([k]=v [j]=\"a b\" [x])",
    "declare -A m=([k]=v [j]=\"a b\" [x]);"
)]
#[case::empty_array("a=()", "a=();")]
// bash reads text glued to an array literal's `)` as more of the word, a string
// (`X=()X=l` assigns `()X=l`; found by shell_differential).
#[case::text_glued_to_an_array("X=()X=l", "X=()X=l;")]
#[case::text_glued_to_an_array_then_a_command(
    "X=(a $Y [k]=v \"q r\")b$Y c",
    "X=(a $Y [k]=v \"q r\")b$Y c;"
)]
#[case::element("a[1]=x a[$i + 1]+=y", "a[1]=x a[$i + 1]+=y;")]
#[case::subscript_without_value("a[1] b", "a[1] b;")]
#[case::equals_in_an_argument("echo A=1 a[1]=x", "echo A=1 a[1]=x;")]
#[case::not_a_name("1A=x 'A'=x", "1A=x 'A'=x;")]
#[case::declaration_builtins(
    "export A=1 B; local -r C=$D; readonly E+=(x)",
    "export A=1 B; local -r C=$D; readonly E+=(x);"
)]
#[case::assignment_word_after_another_command("env A=1 cmd", "env A=1 cmd;")]
fn assignments(#[case] text: &str, #[case] expected: &str) {
    assert_eq!(read(text), expected);
}

#[rstest]
#[case::files(
    "a <in >out >>log 2>err <>rw >|clobber",
    "a <in >out >>log 2>err <>rw >|clobber;"
)]
#[case::duplications("a 2>&1 <&3 >&-", "a 2>&1 <&3 >&-;")]
#[case::both("a &>all &>>more", "a &>all &>>more;")]
#[case::blank_before_the_word("a > out 2> err", "a >out 2>err;")]
#[case::named_descriptor("exec {fd}>file", "exec {fd}>file;")]
#[case::fd_only_when_adjacent("echo 2 >x a2>y", "echo 2 a2 >x >y;")]
#[case::huge_fd("echo 99999999999>x", "echo 4294967295>x;")]
#[case::before_the_command(">out <in a b", "a b >out <in;")]
#[case::here_string("psql <<< \"$SQL\" <<<x", "psql <<<\"$SQL\" <<<x;")]
#[case::process_substitution("diff <(a) >(b)", "diff <(a;) >(b;);")]
#[case::redirect_from_process_substitution(
    "while read l; do :; done < <(ls)",
    "while read l; do :; done <<(ls;);"
)]
#[case::process_substitution_in_a_word("echo a<(b)", "echo a<(b;);")]
#[case::compound_redirects("{ a; } >x 2>&1", "{ a; } >x 2>&1;")]
#[case::loop_redirect(
    "while read l; do echo $l; done <file",
    "while read l; do echo $l; done <file;"
)]
fn redirections(#[case] text: &str, #[case] expected: &str) {
    assert_eq!(read(text), expected);
}

#[rstest]
#[case::plain("cat <<EOF\na $x\nEOF\n", "cat <<EOF[a $x\\n];")]
#[case::quoted("cat <<'EOF'\na $x\nEOF\n", "cat <<'EOF'[a $x\\n];")]
#[case::double_quoted("cat <<\"EOF\"\na $x\nEOF", "cat <<'EOF'[a $x\\n];")]
#[case::partly_quoted("cat <<E\"O F\"\nx\nEO F\n", "cat <<'EO F'[x\\n];")]
#[case::escaped("cat <<\\EOF\n$x\nEOF\n", "cat <<'EOF'[$x\\n];")]
#[case::strip_tabs("cat <<-EOF\n\t\ta\n\tb $x\n\tEOF\n", "cat <<-EOF[a\\nb $x\\n];")]
#[case::strip_tabs_quoted("cat <<-'EOF'\n\ta\n\tEOF\n", "cat <<-'EOF'[a\\n];")]
#[case::two_on_a_line("a <<A; b <<-B\n1\nA\n\t2\n\tB\nc", "a <<A[1\\n]; b <<-B[2\\n]; c;")]
#[case::in_a_pipeline("cat <<EOF | psql\nx\nEOF", "cat <<EOF[x\\n] | psql;")]
#[case::body_after_the_line(
    "cat <<EOF && echo \"a\nb\"\nx\nEOF",
    "cat <<EOF[x\\n] && echo \"a\\nb\";"
)]
#[case::empty_body("cat <<EOF\nEOF", "cat <<EOF[];")]
#[case::empty_delimiter("cat <<''\nx\n\ny", "cat <<''[x\\n]; y;")]
#[case::body_is_not_a_command("cat <<EOF\nfi )\nEOF\n", "cat <<EOF[fi )\\n];")]
#[case::escapes_in_the_body(
    "cat <<EOF\n\\$x \\\\ \\\" \\q\nEOF\n",
    "cat <<EOF[$x \\ \\\" \\q\\n];"
)]
#[case::continuation_in_the_body("cat <<EOF\na\\\nEOF\nEOF\n", "cat <<EOF[aEOF\\n];")]
#[case::escaped_backslash_ends_the_line("cat <<EOF\na\\\\\nEOF\n", "cat <<EOF[a\\\\n];")]
#[case::substitution_in_the_body("cat <<EOF\n$(date) `id`\nEOF\n", "cat <<EOF[$(date;) `id;`\\n];")]
#[case::inside_a_substitution("x=$(cat <<EOF\n)\nEOF\n)", "x=$(cat <<EOF[)\\n];);")]
#[case::pending_after_a_substitution("x=$(cat <<EOF)\nbody\nEOF\n", "x=$(cat <<EOF[body\\n];);")]
#[case::substitution_line_before_the_body(
    "cat <<EOF $(echo\nhi)\nbody\nEOF\n",
    "cat $(echo; hi;) <<EOF[body\\n];"
)]
#[case::in_a_loop_head(
    "while read l; do :; done <<EOF\nx\nEOF",
    "while read l; do :; done <<EOF[x\\n];"
)]
#[case::unreadable_body("cat <<EOF\n$(\nEOF\necho after", "cat <<EOF[?]; echo after;")]
#[case::continuation_in_the_operator("cat <\\\n<EOF\nx\nEOF\n", "cat <<EOF[x\\n];")]
#[case::continuation_in_the_delimiter("cat <<EO\\\nF\nx\nEOF\n", "cat <<EOF[x\\n];")]
#[case::cr_is_part_of_the_line("cat <<EOF\nx\nEOF\r\nEOF\n", "cat <<EOF[x\\nEOF\r\\n];")]
fn here_documents(#[case] text: &str, #[case] expected: &str) {
    assert_eq!(read(text), expected);
}

#[rstest]
#[case::brace_group("{ a; b\n}", "{ a; b; };")]
#[case::brace_is_a_word_elsewhere("echo { }", "echo { };")]
#[case::subshell("(a; b)", "( a; b; );")]
#[case::nested_subshells("((a) | b)", "( ( a; ) | b; );")]
#[case::if_elif_else(
    "if a; then b; elif c; then d; else e; fi",
    "if a; then b; elif c; then d; else e; fi;"
)]
#[case::if_across_lines("if a\nthen\n  b\nfi", "if a; then b; fi;")]
#[case::if_with_subshell_condition("if(true)then echo y; fi", "if ( true; ); then echo y; fi;")]
#[case::while_loop("while a; do b; done", "while a; do b; done;")]
#[case::until_loop("until a; do b; done", "until a; do b; done;")]
#[case::for_in(
    "for x in a \"b c\"; do echo $x; done",
    "for x in a \"b c\"; do echo $x; done;"
)]
#[case::for_in_newline("for x in a b\ndo\n  c\ndone", "for x in a b; do c; done;")]
#[case::for_positionals("for x; do a; done", "for x; do a; done;")]
#[case::for_positionals_newline("for x\ndo a; done", "for x; do a; done;")]
#[case::for_empty("for x in; do a; done", "for x in ; do a; done;")]
#[case::for_braces("for i in a b; { echo $i; }", "for i in a b; do echo $i; done;")]
#[case::select("select x in a b; do c; done", "select x in a b; do c; done;")]
#[case::for_any_word("for 1 in a; do b; done", "for 1 in a; do b; done;")]
#[case::arithmetic_for(
    "for ((i = 0; i < 3; i++)); do a; done",
    "for ((i = 0; i < 3; i++)); do a; done;"
)]
#[case::arithmetic_for_empty("for ((;;)) { a; }", "for ((;;)); do a; done;")]
#[case::case_arms(
    "case $x in a|b) one;; (c) two ;& *) three;;& esac",
    "case $x in a|b) one; ;; c) two; ;& *) three; ;;& esac;"
)]
#[case::case_last_arm_open("case x in a) b\nesac", "case x in a) b; ;; esac;")]
#[case::case_empty_arm("case x in a) ;; esac", "case x in a)  ;; esac;")]
#[case::case_no_arms("case x in esac", "case x in esac;")]
#[case::case_across_lines(
    "case \"$1\" in\n  start)\n    run\n    ;;\n  *)\n    usage\n    ;;\nesac",
    "case \"$1\" in start) run; ;; *) usage; ;; esac;"
)]
#[case::case_glued("case a in a)echo x;;esac", "case a in a) echo x; ;; esac;")]
#[case::case_in_a_substitution("x=$(case a in a) b;; esac)", "x=$(case a in a) b; ;; esac;);")]
#[case::case_extglob_pattern(
    "case $f in !(*.sql)) a;; @(x|y)) b;; esac",
    "case $f in !(*.sql)) a; ;; @(x|y)) b; ;; esac;"
)]
#[case::arithmetic_command("((i++)); (( a = (b + 1) * 2 ))", "((i++)); (( a = (b + 1) * 2 ));")]
#[case::conditional(
    "[[ -n $x && ( $a < b || ! -f c ) ]]",
    "[[ -n $x && ( $a < b || ! -f c ) ]];"
)]
#[case::conditional_regex("[[ $x =~ ^(a|b c)$ ]] && y", "[[ $x =~ ^(a|b c)$ ]] && y;")]
#[case::conditional_across_lines("[[ a &&\n b ]]", "[[ a && b ]];")]
#[case::function("f() { a; }", "f() { a; };")]
#[case::function_spaces("f ( ) { a; }", "f() { a; };")]
#[case::function_subshell_body("f() ( a )", "f() ( a; );")]
#[case::function_keyword("function f { a; }", "f() { a; };")]
#[case::function_keyword_parens("function f() {\n a\n}", "f() { a; };")]
#[case::function_name_with_dash("f-x() { a; }", "f-x() { a; };")]
#[case::function_redirects("f() { a; } >log 2>&1", "f() { a; } >log 2>&1;")]
#[case::function_body_on_the_next_line("f()\n{\n a\n}", "f() { a; };")]
#[case::coproc("coproc a b", "coproc a b;")]
#[case::coproc_named("coproc c { a; }", "coproc c { a; };")]
#[case::keywords_glued_to_operators("while(false)do :; done", "while ( false; ); do :; done;")]
fn compound_commands(#[case] text: &str, #[case] expected: &str) {
    assert_eq!(read(text), expected);
}
