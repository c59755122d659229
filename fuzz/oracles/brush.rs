//! brush-parser as an oracle for the crate's shell reader: both read a script, and the simple
//! commands they find (outside substitutions, in the order written: each word after quote
//! removal, `None` for a word holding an expansion) must be the same.
//!
//! brush-parser backtracks exponentially, panics and loops on inputs the reader answers at
//! once (see `fuzz/regressions/shell_script/`), so only inputs it answers in bounded time are
//! compared ([`brush_answers`]), and the places where it reads differently from bash are
//! written down in [`brush_reads_differently`] rather than compared.

use brush_parser::ast;
use brush_parser::word::{self, WordPiece, WordPieceWithSource};

/// Simple commands as the `shell_differential` target compares them.
pub type Commands = Vec<Vec<Option<String>>>;

/// Compares both readers on `data`; panics (a finding) when they disagree.
pub fn compare(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if !brush_answers(text) || brush_reads_differently(text) {
        return;
    }
    let (Some(ours), Some(theirs)) = (
        job_scripts::fuzzing::shell_simple_commands(text),
        simple_commands(text),
    ) else {
        return;
    };
    assert_eq!(ours, theirs, "the readers differ on {text:?}");
}

/// Inputs brush-parser 0.4 reads in bounded time without panicking: short and shallow, and
/// without the constructs on which the fuzz runs of the `shell_script` target found it
/// panicking or backtracking (here-documents, `$((`/`$[` arithmetic, subscripts, extended
/// globs, backquotes, line continuations, oversized numbers).
pub fn brush_answers(text: &str) -> bool {
    let nesting = text.matches(['(', '{', '[']).count() + text.matches("case").count();
    // It panics on numbers it cannot hold (`3333333333>o`).
    let longest_number = text
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    text.len() <= 512
        && longest_number <= 9
        && nesting <= 8
        && !text.contains("<<")
        && !text.contains("((")
        && !text.contains("$[")
        && !text.contains('`')
        && !text.contains('\\')
        && !text.contains('[')
        && !["!(", "@(", "?(", "*(", "+("]
            .iter()
            .any(|glob| text.contains(glob))
}

/// Inputs where brush-parser reads a construct differently from bash, and the reader follows
/// bash: not compared.
pub fn brush_reads_differently(text: &str) -> bool {
    // brush reads `~`, `~user`, `~+` as tilde expansions in every word; the reader keeps
    // them as text (the analysis never expands them) and so compares them as text.
    text.contains('~')
        // brush splits `{a,b}`-like braces from words; bash expands them, the reader keeps
        // them as text.
        || text.contains('{')
        // `$'…'` escapes: brush leaves them as written, the reader reads them.
        || text.contains("$'")
        // brush splits a process substitution from the text written next to it
        // (`a<(b)c`, `>/t>(p)x`), where bash reads one word.
        || text.contains("<(")
        || text.contains(">(")
        // brush ends an array literal's word at its `)`, so text glued to it (`X=()l`) is a
        // word of its own, a command; bash reads it as more of the same word and assigns the
        // string `()l`, as the reader does.
        || (text.contains("=(") && glued_to_a_closer(text))
        // brush reads `$$(` in double quotes as `$` and a command substitution (`"$$(" ")"`
        // is one word to it); bash reads `$$` there as it does outside quotes, so `"$$("` is
        // a word, as the reader does.
        || text.contains("$$(")
        // brush reads `(` blanks `(` as the `((` of an arithmetic command (`(\t(a))`), where
        // bash reads two subshells and runs `a`.
        || parenthesis_blanks_parenthesis(text)
}

/// Whether a `(` is followed by blanks, then another `(`.
fn parenthesis_blanks_parenthesis(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &byte)| {
        let rest = bytes.get(i + 1..).unwrap_or_default();
        let blanks = rest
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        byte == b'(' && blanks > 0 && rest.get(blanks) == Some(&b'(')
    })
}

/// Whether some `)` has text glued to it (a byte other than a blank, a newline or an
/// operator).
fn glued_to_a_closer(text: &str) -> bool {
    text.as_bytes().windows(2).any(|pair| {
        pair[0] == b')'
            && !matches!(
                pair[1],
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
            )
    })
}

/// The simple commands brush-parser finds; `None` when it does not read `text`.
pub fn simple_commands(text: &str) -> Option<Commands> {
    let options = brush_parser::ParserOptions::default();
    let tokens = brush_parser::uncached_tokenize_str(text, &options.tokenizer_options()).ok()?;
    let program = brush_parser::parse_tokens(&tokens, &options).ok()?;
    let mut out = Vec::new();
    for list in &program.complete_commands {
        compound_list(list, &mut out);
    }
    Some(out)
}

fn compound_list(list: &ast::CompoundList, out: &mut Commands) {
    for ast::CompoundListItem(and_or, _) in &list.0 {
        pipeline(&and_or.first, out);
        for next in &and_or.additional {
            match next {
                ast::AndOr::And(p) | ast::AndOr::Or(p) => pipeline(p, out),
            }
        }
    }
}

fn pipeline(pipeline: &ast::Pipeline, out: &mut Commands) {
    for command in &pipeline.seq {
        self::command(command, out);
    }
}

fn command(command: &ast::Command, out: &mut Commands) {
    match command {
        ast::Command::Simple(simple) => out.push(simple_command(simple)),
        ast::Command::Compound(compound, _) => self::compound(compound, out),
        ast::Command::Function(function) => self::compound(&function.body.0, out),
        ast::Command::ExtendedTest(..) => {}
    }
}

fn compound(compound: &ast::CompoundCommand, out: &mut Commands) {
    match compound {
        ast::CompoundCommand::Arithmetic(_) => {}
        ast::CompoundCommand::ArithmeticForClause(c) => compound_list(&c.body.list, out),
        ast::CompoundCommand::BraceGroup(c) => compound_list(&c.list, out),
        ast::CompoundCommand::Subshell(c) => compound_list(&c.list, out),
        ast::CompoundCommand::ForClause(c) => compound_list(&c.body.list, out),
        ast::CompoundCommand::CaseClause(c) => {
            for item in &c.cases {
                if let Some(list) = &item.cmd {
                    compound_list(list, out);
                }
            }
        }
        ast::CompoundCommand::IfClause(c) => {
            compound_list(&c.condition, out);
            compound_list(&c.then, out);
            for e in c.elses.iter().flatten() {
                if let Some(condition) = &e.condition {
                    compound_list(condition, out);
                }
                compound_list(&e.body, out);
            }
        }
        ast::CompoundCommand::WhileClause(c) | ast::CompoundCommand::UntilClause(c) => {
            compound_list(&c.0, out);
            compound_list(&c.1.list, out);
        }
        ast::CompoundCommand::Coprocess(c) => command(&c.body, out),
    }
}

fn simple_command(command: &ast::SimpleCommand) -> Vec<Option<String>> {
    let mut words = Vec::new();
    if let Some(name) = &command.word_or_name {
        words.push(unquoted(&name.value));
    }
    for item in command.suffix.iter().flat_map(|s| &s.0) {
        match item {
            ast::CommandPrefixOrSuffixItem::Word(w) => words.push(unquoted(&w.value)),
            // brush reads every `NAME=…` argument as an assignment; bash only those of
            // declaration builtins. Both readers compare it as its text, but for an array
            // literal: a value that starts with `(`. A `(` between quotes is text, where
            // brush may read an array (`p='('`).
            ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
                let array = w
                    .value
                    .split_once('=')
                    .is_some_and(|(_, value)| value.starts_with('('));
                words.push(if array { None } else { unquoted(&w.value) });
            }
            ast::CommandPrefixOrSuffixItem::ProcessSubstitution(..) => words.push(None),
            ast::CommandPrefixOrSuffixItem::IoRedirect(_) => {}
        }
    }
    words
}

/// A word after quote removal; `None` when it holds an expansion.
fn unquoted(raw: &str) -> Option<String> {
    let pieces = word::parse(raw, &brush_parser::ParserOptions::default()).ok()?;
    let mut out = String::new();
    push_pieces(&pieces, false, &mut out).then_some(out)
}

fn push_pieces(pieces: &[WordPieceWithSource], quoted: bool, out: &mut String) -> bool {
    for piece in pieces {
        match &piece.piece {
            WordPiece::Text(text) | WordPiece::SingleQuotedText(text) => out.push_str(text),
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                if !push_pieces(inner, true, out) {
                    return false;
                }
            }
            WordPiece::EscapeSequence(escape) => {
                let escaped = escape.strip_prefix('\\').unwrap_or(escape);
                if quoted && !escaped.starts_with(['$', '`', '"', '\\']) {
                    out.push_str(escape);
                } else {
                    out.push_str(escaped);
                }
            }
            WordPiece::AnsiCQuotedText(_)
            | WordPiece::TildeExpansion(_)
            | WordPiece::ParameterExpansion(_)
            | WordPiece::CommandSubstitution(_)
            | WordPiece::BackquotedCommandSubstitution(_)
            | WordPiece::ArithmeticExpression(_) => return false,
        }
    }
    true
}
