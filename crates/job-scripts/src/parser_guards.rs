//! Inputs brush-parser cannot read safely, recognised before it sees them. Each was found by
//! fuzzing (`fuzz/regressions/shell_script/`): on these the parser backtracks for minutes,
//! its tokenizer panics (a trap in a wasm module), or it recurses past any stack.

use brush_parser::Token;

/// Deepest nesting of `case` statements plus `(` left open at the end of a script that is
/// still parsed. On these, brush-parser's grammar can backtrack through every level in time
/// exponential in the depth (the fuzzer found 128 bytes of `(` that took minutes; 20 nested
/// `case` statements on one line take seconds); scripts nest a few.
pub(crate) const MAX_BACKTRACKING_NESTING: usize = 10;

/// Why a script whose substitution stays open across a here-document is not parsed.
pub(crate) const SUBSTITUTION_OPEN_ACROSS_HEREDOC: &str =
    "a $(, ${ or $[ left open across a here-document";

/// Whether a `$(`, `$((`, `${`, `$[` or backquote that follows a here-document operator is
/// still open at a newline after it, where the here-document's body would start ([`Constructs`]).
/// brush-parser's tokenizer then reads the body in the middle of the substitution and panics
/// (an `unwrap` at the end of the input; found by fuzzing, also with a quote carrying the
/// substitution onto the next lines), which in a wasm module is a trap: such scripts are
/// refused before tokenizing, and so are scripts that leave one open to their end around a
/// here-document, or whose here-document inside one never ends.
pub(crate) fn substitution_open_across_heredoc(text: &str) -> bool {
    if heredoc_operator(text).is_none() {
        return false;
    }
    // A here-document inside a `$(`, `${` or `$[` that the text never closes, or whose body
    // runs past its closer (`$(<<EOF\n)\nEOF`) or to the end (no delimiter line): the same
    // panic, at the end of the input (a syntax error either way). The tokenizer does not read
    // brackets as this scan does, so any here-document left without its delimiter line counts
    // once one is in a substitution.
    let script = scan_constructs(text, Reading::Script, usize::MAX, |_, _| {});
    script.heredoc_body_in_substitution
        || script.open.iter().copied().any(is_substitution)
        || (script.heredoc_in_substitution && script.heredoc_unterminated)
}

/// Whether an extended glob pattern (`*(…)`, `!(…)`, `@(…)`, `?(…)`, `+(…)`) holds a quote, a
/// backquote, a `<` or a line break. brush-parser's tokenizer reads such a pattern to its
/// matching `)` counting brackets only, as text: a quote in it stays open where a shell closes
/// it, and a here-document operator or a line in it is not one. In a `$(` it then panics or
/// loops without end, allocating (a 28-byte script; found by fuzzing). Patterns in scripts
/// hold globs and names (`!(*.sql|keep)`, `+([0-9])`); a shell reads a quote in one as quoting
/// (`!("a b")`), which they rarely need.
pub(crate) fn complex_extglob(text: &str) -> bool {
    // Most scripts have no pattern: no second scan for them.
    let patterns = text
        .as_bytes()
        .windows(2)
        .any(|pair| pair[1] == b'(' && starts_extglob(pair[0]));
    patterns && scan_constructs(text, Reading::Script, usize::MAX, |_, _| {}).complex_extglob
}

/// Whether a byte before a `(` makes it an extended glob pattern to the tokenizer.
fn starts_extglob(byte: u8) -> bool {
    matches!(byte, b'@' | b'!' | b'?' | b'+' | b'*')
}

/// Whether a construct is a substitution (`$(`, `${`, `$[`, backquote) as [`scan_constructs`]
/// records it.
fn is_substitution(closing: u8) -> bool {
    matches!(closing, SUBSTITUTION | b'}' | b']' | b'`')
}

/// Why a script with a here-document operator but no delimiter after it is not parsed.
pub(crate) const HEREDOC_WITHOUT_DELIMITER: &str = "a here-document operator without a delimiter";

/// Whether a here-document operator is followed (after blanks) by the end of the line or an
/// operator instead of its delimiter word: a syntax error, on which brush-parser's tokenizer
/// panics when it is inside a `$(` (an `unwrap` at the end of the input; found by fuzzing).
pub(crate) fn heredoc_without_delimiter(text: &str) -> bool {
    heredoc_tags(text).any(str::is_empty)
}

/// Whether a line continuation (a backslash before a line break) splits a here-document
/// operator (`<\<newline><EOF`) or its tag (`<<EO\<newline>F`). The tokenizer joins the lines
/// first, and reading them apart would end the body on another line than it does; scripts do
/// not write this, so they are refused.
pub(crate) fn heredoc_line_continuation(text: &str) -> bool {
    text.contains("<\\\n") || heredoc_tags(text).any(|tag| tag.contains("\\\n"))
}

/// The tags of a text's here-document operators, in order ([`heredoc_tag`]).
fn heredoc_tags(text: &str) -> impl Iterator<Item = &str> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let operator = from + heredoc_operator(&text[from..])?;
        from = operator + 2;
        Some(heredoc_tag(&text[operator..]))
    })
}

/// Whether a here-document operator (`<<` or `<<-`, not `<<<`) starts at a byte. The
/// tokenizer reads a run of `<` as `<<<` operators first: `<<<<<` ends with a `<<` (found by
/// fuzzing), so the operator ends a run whose length leaves 2 after the threes.
fn heredoc_operator_at(bytes: &[u8], i: usize) -> bool {
    if !bytes[i..].starts_with(b"<<") || bytes.get(i + 2) == Some(&b'<') {
        return false;
    }
    let run = bytes[..i + 2]
        .iter()
        .rev()
        .take_while(|&&b| b == b'<')
        .count();
    run % 3 == 2
}

/// The word after the here-document operator that starts a text, as written (empty when
/// the line ends or an operator follows instead), read as the tokenizer reads a word: quotes
/// and backslashes keep blanks and operators in it (`<<'E O'`, `<<E\ O`), and only spaces
/// and tabs are blanks (reading others, or a quoted blank, as its end let the guard end a body
/// at another line than the tokenizer and read the rest of it as script; found by testing
/// every panicking input behind such a here-document).
fn heredoc_tag(operator: &str) -> &str {
    let rest = operator[2..].strip_prefix('-').unwrap_or(&operator[2..]);
    // A form feed or other whitespace starts the word to the tokenizer; read as the end of an
    // empty tag, it refuses the script (`<<\x0c\n` in a `$(` made the tokenizer panic).
    let blank = |c: char| c != '\n' && c.is_whitespace();
    let tag = rest.trim_start_matches(blank);
    if tag.len() != rest.trim_start_matches([' ', '\t']).len() {
        return "";
    }
    let bytes = tag.as_bytes();
    let mut quote = None;
    let mut end = 0;
    while let Some(&byte) = bytes.get(end) {
        match (quote, byte) {
            (Some(b'"') | None, b'\\') => end += 1,
            (Some(open), _) if byte == open => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(byte),
            (None, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')') => break,
            (None, _) => {}
        }
        end += 1;
    }
    &tag[..end.min(tag.len())]
}

/// The delimiter of the here-document whose operator starts a text: its tag with quotes
/// removed and backslashes escaping the next character, as the tokenizer unquotes it.
fn heredoc_delimiter(operator: &str) -> String {
    let mut delimiter = String::new();
    let mut escaped = false;
    for c in heredoc_tag(operator).chars() {
        match c {
            _ if escaped => {
                delimiter.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            '\'' | '"' => {}
            _ => delimiter.push(c),
        }
    }
    delimiter
}

/// Where the first here-document operator (`<<` or `<<-`, not the here-string `<<<`) of a text
/// is.
fn heredoc_operator(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find(|&i| heredoc_operator_at(bytes, i))
}

/// Reserved words after which a command starts (so a `case` there opens a statement).
const BEFORE_COMMAND: [&str; 6] = ["then", "do", "else", "elif", "{", "!"];

/// The nesting on which the parser may backtrack exponentially: the deepest nesting of
/// `case` statements plus the `(` no later `)` closes (a syntax error, which the grammar
/// explores through every level before it gives up).
pub(crate) fn backtracking_nesting(tokens: &[Token]) -> usize {
    let (mut cases, mut deepest_case, mut open_parens) = (0usize, 0usize, 0usize);
    let mut command_position = true;
    for token in tokens {
        match token {
            Token::Operator(operator, _) => {
                match operator.as_str() {
                    "(" => open_parens += 1,
                    ")" => open_parens = open_parens.saturating_sub(1),
                    _ => {}
                }
                // After `;`, `&&`, a newline, `(` or a case pattern's `)`, a command starts.
                command_position = true;
            }
            Token::Word(word, _) => {
                if command_position {
                    match word.as_str() {
                        "case" => {
                            cases += 1;
                            deepest_case = deepest_case.max(cases);
                        }
                        "esac" => cases = cases.saturating_sub(1),
                        _ => {}
                    }
                }
                command_position = BEFORE_COMMAND.contains(&word.as_str());
            }
        }
    }
    deepest_case + open_parens
}

/// A word that may assign an array element (`NAME[…]=`) nested too deep for the parser
/// ([`word_nesting_too_deep`]).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ArrayAssignmentTooDeep;

/// Readies the words that start like an array-element assignment (`NAME[`), outside
/// here-documents, for brush-parser, which tries every word of a command as such an
/// assignment and reads the subscript with its word parser, in time exponential in what it
/// nests (the fuzzer found arguments of 378 bytes that took 2.3 s, and 143 s). A word that
/// cannot be one (no `]=` or `]+=` in it) gets its `[` escaped: `u[x` becomes `u\[x`, which a
/// shell reads the same (our expansion does not glob), and the attempt fails at the name. A
/// word that may be one is refused when nested too deep.
pub(crate) fn ready_array_element_words(
    tokens: &mut [Token],
) -> Result<(), ArrayAssignmentTooDeep> {
    for word in command_words(tokens) {
        let Some(name) = array_element_name(word.as_bytes()) else {
            continue;
        };
        if !word.contains("]=") && !word.contains("]+=") {
            word.insert(name, '\\');
        } else if word_nesting_too_deep(word, false) {
            return Err(ArrayAssignmentTooDeep);
        }
    }
    Ok(())
}

/// The words of a script's tokens, without the tags and bodies of here-documents (which
/// follow their operator in the token stream).
fn command_words(tokens: &mut [Token]) -> impl Iterator<Item = &mut String> {
    let mut heredoc_tokens_left = 0;
    tokens.iter_mut().filter_map(move |token| match token {
        Token::Operator(operator, _) => {
            if matches!(operator.as_str(), "<<" | "<<-") {
                // The tag, the body and the closing tag.
                heredoc_tokens_left = 3;
            }
            None
        }
        Token::Word(..) if heredoc_tokens_left > 0 => {
            heredoc_tokens_left -= 1;
            None
        }
        Token::Word(word, _) => Some(word),
    })
}

/// The length of `NAME` when a word starts with `NAME[`.
fn array_element_name(bytes: &[u8]) -> Option<usize> {
    let name = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    (name > 0 && !bytes[0].is_ascii_digit() && bytes.get(name) == Some(&b'[')).then_some(name)
}

/// Deepest nesting of expansions, brackets and quotes in a word or a here-document body that
/// is still expanded ([`word_nesting_too_deep`]). At 8 the slowest form the fuzzer found,
/// `$(()` repeated, takes 6 ms natively (each level multiplies it by about 3.3: at 12 it took
/// 1 s); real scripts nest a few levels (`"$(cat "${DIR}/a.sql")"` is 4).
pub(crate) const MAX_WORD_NESTING: usize = 8;

/// Whether a word or a here-document body nests expansions, brackets and quotes (`$(`,
/// `$((`, `${`, `$[`, `[`, `(`, `"`, `` ` ``) deeper than [`MAX_WORD_NESTING`], counting what
/// is left open. brush's word parser tries each reading of these in turn (arithmetic or
/// command substitution, quoted or not) and parses the script of a `$(…)` itself, in time
/// exponential in their nesting: the fuzzer found a here-document body that took minutes, and
/// one of 300 bytes that took 6 s. Such words stay unknown. The nesting is counted twice, with
/// single quotes quoting and as text, since where they quote depends on context (a word, a
/// body, a `$(…)` in a body) and the parser tries both: the deeper reading counts.
///
/// An array subscript the parser cannot settle at once (see [`is_complex_subscript`]) costs
/// [`COMPLEX_SUBSCRIPT_WEIGHT`] levels of that nesting: one leaves 5 levels, two leave 2.
///
/// A word or body with a `$((` closed by a single `)` stays unknown: the parser reads it both
/// as arithmetic, running on to a `))` with the brackets and array subscripts (`a[`) after it
/// in it, and as a subshell in a substitution (a 2 KB word of `$((ca)` then `((a[$t` pieces
/// took 2.2 s natively; a body of those and double quotes, 1.5 s). Scripts write
/// `$( (cd /; ls) )` for a subshell.
///
/// So is one whose substitutions (`$(`, `${`, `$[`, `` ` ``) do not close in order: left open
/// at the end, or a `${` or `$[` met by another construct's closer. Their body or their end
/// must then be found by trying every other reading first: a 100-byte here-document body of
/// `$(()` and quotes, nesting 7 deep, took 0.1 s natively and a longer one minutes. A word
/// from the tokenizer has its substitutions closed; a here-document body need not.
pub(crate) fn word_nesting_too_deep(text: &str, heredoc_body: bool) -> bool {
    let bytes = text.as_bytes();
    let (mut deepest, mut out_of_order, mut ambiguous_arithmetic) = (0, false, false);
    // `$((` closed by a single `)`: arithmetic or a subshell in a substitution.
    let ambiguous = |i: usize, open: &[u8]| {
        open.last() == Some(&ARITHMETIC) && bytes[i] == b')' && bytes.get(i + 1) != Some(&b')')
    };
    let (reading, other_reading) = if heredoc_body {
        (Reading::Text, Reading::Body)
    } else {
        (Reading::Word, Reading::Text)
    };
    let first = scan_constructs(text, reading, MAX_WORD_NESTING, |i, open| {
        deepest = deepest.max(open.len());
        out_of_order |= matches!(
            (open.last(), bytes[i]),
            (Some(b'}'), b')' | b']') | (Some(b']'), b')' | b'}')
        );
        ambiguous_arithmetic |= ambiguous(i, open);
    });
    // Whether a single quote quotes depends on where it is (not in `"${A:-'x'}"`, but in a
    // `$(…)` of a here-document body), and the parser tries both readings: the nesting either
    // hides counts (the fuzzer found a 130-byte word of `$[` and `'` in double quotes that took
    // 1.5 s, and a 66-byte body whose `$((` closers sat between single quotes in a `$(`,
    // minutes). The other reading is a word's with single quotes as text, a body's with its
    // `$(…)` read as script, where an extended glob pattern holding quotes makes the parser
    // loop without end as it does in a script ([`complex_extglob`]; found by fuzzing).
    let mut deepest_other_reading = 0;
    let other = scan_constructs(text, other_reading, MAX_WORD_NESTING, |i, open| {
        deepest_other_reading = deepest_other_reading.max(open.len());
        ambiguous_arithmetic |= ambiguous(i, open);
    });
    let deepest_other_reading = deepest_other_reading.max(other.open.len());
    // A here-document in a `$(…)` whose body never ends, or that a substitution opened after
    // its operator runs into, is a syntax error the parser explores every reading of (the
    // fuzzer found a 3.8 KB body, with quotes in extended glob patterns after it: 90 s).
    let broken_heredoc = [&first, &other].iter().any(|constructs| {
        constructs.heredoc_unterminated || constructs.heredoc_body_in_substitution
    });
    let open = first.open;
    let hard = complex_subscripts(text);
    deepest.max(open.len()).max(deepest_other_reading)
        + COMPLEX_SUBSCRIPT_WEIGHT.saturating_mul(hard)
        > MAX_WORD_NESTING
        || out_of_order
        || ambiguous_arithmetic
        || other.complex_extglob
        || broken_heredoc
        || open
            .iter()
            .any(|&closing| is_substitution(closing) || closing == ARITHMETIC)
}

/// What [`scan_constructs`] records for the inner `(` of a `$((`.
const ARITHMETIC: u8 = b'A';

/// How many levels of nesting one complex array subscript costs. Each multiplies the word
/// parser's time by 40 to 1,000 (`${A[x}` six times in a row took 17 s, `${A[$((x]}` four
/// times 10 s), a level of nesting by 2 to 3.3.
const COMPLEX_SUBSCRIPT_WEIGHT: usize = 3;

/// The array subscripts (`${NAME[`, `${!NAME[`, `${#NAME[`) of a text that are complex.
fn complex_subscripts(text: &str) -> usize {
    let bytes = text.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{'))
        .filter_map(|i| subscript_after(&bytes[i + 2..]))
        .filter(|subscript| is_complex_subscript(subscript))
        // More than two exceed any budget ([`word_nesting_too_deep`]).
        .take(3)
        .count()
}

/// What follows the `[` of a parameter expansion's array subscript, given the bytes after its
/// `${`; `None` when the expansion has no subscript.
fn subscript_after(expansion: &[u8]) -> Option<&[u8]> {
    let name = match expansion.first() {
        Some(b'!' | b'#') => &expansion[1..],
        _ => expansion,
    };
    array_element_name(name).map(|length| &name[length + 1..])
}

/// Whether a subscript (the bytes after its `[`) is left open (no `]` before the expansion's
/// `}`) or holds quotes, escapes, brackets or an expansion other than `$NAME`. brush's word
/// parser tries every reading of such a subscript against all that follows, in time
/// exponential in their number (found by fuzzing: here-document bodies that took minutes). A
/// subscript like `@`, `0`, `i + 1` or `$i` is read at once.
fn is_complex_subscript(subscript: &[u8]) -> bool {
    // Stops at the first byte that decides, so that the scans of many subscripts in a row
    // stay linear together: each ends at the next `${` at the latest.
    for (i, &byte) in subscript.iter().enumerate() {
        match byte {
            b']' => return false,
            b'$' if subscript
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') => {}
            b'}' | b'$' | b'"' | b'\'' | b'`' | b'\\' | b'(' | b'{' | b'[' => return true,
            _ => {}
        }
    }
    true
}

/// What [`scan_constructs`] records for an open `$(` (a `(` records the `)` that closes it).
const SUBSTITUTION: u8 = b'$';

/// What [`scan_constructs`] finds at the end of a text.
struct Constructs {
    /// The constructs still open, as their closing bytes, innermost last.
    open: Vec<u8>,
    /// Whether a here-document's body runs to the end of the text (no delimiter line) or the
    /// text ends before the line after its operator.
    heredoc_unterminated: bool,
    /// Whether a substitution (`$(`, `${`, `$[`, backquote) opened after a here-document's
    /// operator is still open at a newline, where the body would start or a quote carries the
    /// substitution on.
    heredoc_body_in_substitution: bool,
    /// Whether a here-document operator is inside a substitution.
    heredoc_in_substitution: bool,
    /// Whether an extended glob pattern of a script holds a quote, a `<` or a line break
    /// ([`complex_extglob`]).
    complex_extglob: bool,
}

/// How [`scan_constructs`] reads single quotes, comments, here-document operators and extended
/// glob patterns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// As brush-parser's tokenizer reads a script.
    Script,
    /// As its word parser reads a word: a script, but without comments (a `#` is a byte of a
    /// word piece there).
    Word,
    /// As text: single quotes and the rest are bytes like any other (a here-document body, or
    /// a word read without its single quotes).
    Text,
    /// As the word parser reads a here-document body: text, except in a `$(…)` or backquotes,
    /// which it reads as a word.
    Body,
}

/// The constructs (expansions, brackets, quotes) still open at the end of a text, as their
/// closing bytes ([`SUBSTITUTION`] for `$(`, `[` for a plain `[`), innermost last; the scan
/// stops early once more than `limit` are open. `observe` is told what is open before each
/// byte the scan reads (bytes between single quotes are skipped, and so are the bodies of the
/// here-documents of a script: a closer in one closes nothing).
fn scan_constructs(
    text: &str,
    reading: Reading,
    limit: usize,
    mut observe: impl FnMut(usize, &[u8]),
) -> Constructs {
    let bytes = text.as_bytes();
    let mut open: Vec<u8> = Vec::new();
    let mut pending_heredocs = Vec::new();
    // How many constructs stayed open around all the pending here-documents' operators.
    let mut open_around_operators = 0;
    // The brackets open in the extended glob pattern being read, as the tokenizer counts them.
    let mut extglob_brackets = 0usize;
    let mut complex_extglob = false;
    // Where the last `)` that closed a plain `(` (an operator to the tokenizer) is.
    let mut subshell_closed_at = None;
    let mut heredoc_in_substitution = false;
    // The tokenizer's one flag for arithmetic, where `<<` is a shift: set by `$((`, `$[` and
    // a `((` of operators, cleared when a `$((` or `$[` ends (an inner one too) and by a `))`
    // of operators (not one that closes a `$(`: `$( ((1)) )` leaves it set). Found as a bypass:
    // a `<<` in a `$(` in `$((` hid lines the tokenizer reads as script.
    let mut arithmetic = false;
    // How many constructs are open inside the `$(` of the `$((` whose `(` was just closed.
    let mut closing_arithmetic_at = None;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        observe(i, &open);
        // Between backquotes the tokenizer reads text up to a backquote no backslash escapes:
        // quotes there quote nothing (`` `'` `` hid the rest of a script from the guards). A
        // line break there still matters to a pending here-document. The word parser also
        // reads a backquote without its closer as a plain byte and goes on: in a word or body
        // the text after one counts (read as text, a lone backquote hid the `$((` pieces of
        // a 3 KB word that took over 10 s; found by fuzzing).
        if reading == Reading::Script
            && open.last() == Some(&b'`')
            && (byte != b'\n' || pending_heredocs.is_empty())
        {
            match byte {
                b'\\' => i += 1,
                b'`' => {
                    open.pop();
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        let script = match reading {
            Reading::Script | Reading::Word => true,
            Reading::Text => false,
            Reading::Body => open
                .iter()
                .any(|&closing| matches!(closing, SUBSTITUTION | b'`')),
        };
        if script {
            match byte {
                b'"' | b'\'' | b'`' | b'<' | b'\n' if extglob_brackets > 0 => {
                    complex_extglob = true;
                }
                b'(' if extglob_brackets > 0 => extglob_brackets += 1,
                // The tokenizer counts the brackets of a `$(` or `$((` in a pattern too (the
                // scan reads them with the `$`).
                b'$' if extglob_brackets > 0 => {
                    extglob_brackets += bytes[i + 1..]
                        .iter()
                        .take(2)
                        .take_while(|&&b| b == b'(')
                        .count();
                }
                b')' if extglob_brackets > 0 => extglob_brackets -= 1,
                b'(' if i > 0 && starts_extglob(bytes[i - 1]) && open.last() != Some(&b'"') => {
                    extglob_brackets = 1;
                }
                _ => {}
            }
        }
        if script && starts_heredoc(bytes, i, &open, arithmetic) {
            if pending_heredocs.is_empty() {
                open_around_operators = open.len();
            }
            pending_heredocs.push(i);
            heredoc_in_substitution |= open.iter().copied().any(is_substitution);
        }
        open_around_operators = open_around_operators.min(open.len());
        match byte {
            b'\\' => i += 1,
            b'\n'
                if !pending_heredocs.is_empty()
                    && open[open_around_operators..]
                        .iter()
                        .copied()
                        .any(is_substitution) =>
            {
                return Constructs {
                    open,
                    heredoc_unterminated: false,
                    heredoc_body_in_substitution: true,
                    heredoc_in_substitution,
                    complex_extglob,
                };
            }
            b'\n' if !pending_heredocs.is_empty() && open.last() != Some(&b'"') => {
                let Some(after) = after_heredoc_bodies(text, i + 1, &pending_heredocs) else {
                    return Constructs {
                        open,
                        heredoc_unterminated: true,
                        heredoc_body_in_substitution: false,
                        heredoc_in_substitution,
                        complex_extglob,
                    };
                };
                i = after;
                pending_heredocs.clear();
                continue;
            }
            // A comment runs to the end of the line, quotes, closers and all: one in a command
            // substitution leaves it open (`$(#)`), and an apostrophe in one quotes nothing
            // (`# don't` hid the rest of the script from the guards). A `#` starts one where
            // the tokenizer starts a token: after a blank or an operator (a `)` that closes a
            // subshell, not a substitution), outside quotes and `${…}` (`[` is a word's byte to
            // it). The word parser has no comments: in a word or a here-document body, a `#` is
            // text (a body's `$(;(#(($((')))))'…` took 7 s while the guard read a comment).
            b'#' if reading == Reading::Script
                && extglob_brackets == 0
                && match open.iter().rev().find(|&&closing| closing != b'[') {
                    None => true,
                    Some(&closing) => matches!(closing, SUBSTITUTION | ARITHMETIC | b']' | b')'),
                }
                && starts_token(bytes, i, subshell_closed_at) =>
            {
                i += bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(bytes.len() - i);
                continue;
            }
            // `$'…'` (ANSI-C quoting) ends at a `'` no backslash escapes (`$'\''` hid the rest
            // of the script from the guards). The tokenizer reads one after any `$`.
            b'\'' if script && open.last() != Some(&b'"') && i > 0 && bytes[i - 1] == b'$' => {
                let mut end = i + 1;
                while let Some(&quoted) = bytes.get(end) {
                    match quoted {
                        b'\\' => end += 2,
                        b'\'' => break,
                        _ => end += 1,
                    }
                }
                i = end;
            }
            b'\'' if script && open.last() != Some(&b'"') => {
                i += bytes[i + 1..]
                    .iter()
                    .position(|&b| b == b'\'')
                    .map_or(bytes.len(), |end| end + 1);
            }
            b'"' | b'`' if open.last() == Some(&byte) => {
                open.pop();
            }
            b'"' | b'`' => open.push(byte),
            b'$' if bytes.get(i + 1) == Some(&b'(') => {
                open.push(SUBSTITUTION);
                i += 1;
                if bytes.get(i + 1) == Some(&b'(') {
                    open.push(ARITHMETIC);
                    arithmetic = true;
                    i += 1;
                }
            }
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                open.push(b'}');
                i += 1;
            }
            b'$' if bytes.get(i + 1) == Some(&b'[') => {
                open.push(b']');
                arithmetic = true;
                i += 1;
            }
            // Between double quotes, brackets are text.
            b'(' | b')' | b'[' | b'}' | b']' if open.last() == Some(&b'"') => {}
            b'(' => {
                if script && extglob_brackets == 0 && bytes.get(i + 1) == Some(&b'(') {
                    arithmetic = true;
                }
                open.push(b')');
            }
            // A `[` may open an array subscript, in an expansion or arithmetic (`$[A[i]]`):
            // one left open makes the parser backtrack like any other construct (the fuzzer
            // found a word of `$[To[x]` pieces that took over 10 s). It is recorded apart from
            // the `]` of `$[`, which is a substitution.
            b'[' => open.push(b'['),
            // A closer closes the innermost construct only: one that would close an outer
            // construct (`$[$(x]`) leaves both open, as the parser, which tries every other
            // reading of them first, in time exponential in how many there are (the fuzzer
            // found a 450-byte body of `$[$(ts]` that took 1.5 s).
            b')' | b'}' | b']' => {
                let closes = |open: u8| {
                    open == byte
                        || (byte == b')' && matches!(open, SUBSTITUTION | ARITHMETIC))
                        || (byte == b']' && open == b'[')
                };
                // A `))` of operators ends an arithmetic command; a `)` is an operator to the
                // tokenizer unless it closes a `$(` or `$((`.
                if script
                    && arithmetic
                    && byte == b')'
                    && bytes.get(i + 1) == Some(&b')')
                    && !matches!(
                        open.iter()
                            .rev()
                            .find(|&&closing| is_substitution(closing) || closing == ARITHMETIC),
                        Some(&(SUBSTITUTION | ARITHMETIC))
                    )
                {
                    arithmetic = false;
                }
                if open.last().is_some_and(|&last| closes(last)) {
                    match open.pop() {
                        Some(b')') => subshell_closed_at = Some(i),
                        Some(ARITHMETIC) => closing_arithmetic_at = Some(open.len()),
                        Some(SUBSTITUTION) if closing_arithmetic_at == Some(open.len() + 1) => {
                            arithmetic = false;
                            closing_arithmetic_at = None;
                        }
                        // The `]` of a `$[` (a plain `[` is recorded as `[`).
                        Some(b']') => arithmetic = false,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        if open.len() > limit {
            break;
        }
        i += 1;
    }
    Constructs {
        open,
        heredoc_unterminated: !pending_heredocs.is_empty(),
        heredoc_body_in_substitution: false,
        heredoc_in_substitution,
        complex_extglob,
    }
}

/// Whether the tokenizer starts a token at a byte: at the start, or after a blank, a line
/// break or an operator (a `)` only when it closed a subshell, at `subshell_closed_at`). A
/// backslash before a line break joins the lines: `a\<newline>#` is one word, not a comment.
fn starts_token(bytes: &[u8], mut i: usize, subshell_closed_at: Option<usize>) -> bool {
    while i >= 2 && bytes[i - 1] == b'\n' {
        let backslashes = bytes[..i - 1]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 0 {
            break;
        }
        i -= 2;
    }
    i == 0
        || subshell_closed_at == Some(i - 1)
        || matches!(
            bytes[i - 1],
            b' ' | b'\t' | b'\n' | b'(' | b';' | b'&' | b'|' | b'<' | b'>'
        )
}

/// Whether a here-document operator of a script starts at a byte: not one between double
/// quotes, nor a shift while the tokenizer reads arithmetic (`$((1 << 2))`, `$[1 << 2]`,
/// `(( 1 << 2 ))`, and a `$(` in those). One in a `${…}` counts, even between double quotes:
/// the tokenizer reads it as one (`"${A:-\n<<EOF\n}"` made it panic; found by fuzzing).
fn starts_heredoc(bytes: &[u8], i: usize, open: &[u8], arithmetic: bool) -> bool {
    heredoc_operator_at(bytes, i)
        && !arithmetic
        && open
            .iter()
            .rev()
            .find(|&&closing| closing == b'"' || is_substitution(closing))
            != Some(&b'"')
}

/// Where a script goes on after the bodies of the here-documents whose operators are pending
/// at a newline, the body of each running to its delimiter line; `None` when one has none.
fn after_heredoc_bodies(text: &str, mut from: usize, operators: &[usize]) -> Option<usize> {
    for &operator in operators {
        let delimiter = heredoc_delimiter(&text[operator..]);
        let strip_tabs = text[operator..].starts_with("<<-");
        loop {
            if from >= text.len() {
                return None;
            }
            let line_end = text[from..].find('\n').map_or(text.len(), |end| from + end);
            let line = &text[from..line_end];
            let line = if strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            from = (line_end + 1).min(text.len());
            if line == delimiter {
                break;
            }
        }
    }
    Some(from)
}

/// An upper bound of the nesting depth: brackets and block keywords, quotes ignored.
pub(crate) fn nesting_estimate(text: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' {
            if word.len() < 8 {
                word.push(c);
            }
            continue;
        }
        match word.as_str() {
            "if" | "case" | "for" | "while" | "until" | "select" => depth += 1,
            "fi" | "esac" | "done" => depth = depth.saturating_sub(1),
            _ => {}
        }
        word.clear();
        match c {
            '(' | '{' | '[' | '`' => depth += 1,
            ')' | '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        max = max.max(depth);
    }
    max
}

/// Digit runs the parser would `unwrap()` into an `i32`/`usize`: a file descriptor before a
/// redirection (`99999999999>x`) or a directory-stack index after a tilde (`~+99999999999`).
pub(crate) fn has_oversized_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start < 10 {
            continue;
        }
        let before = start.checked_sub(1).map(|j| bytes[j]);
        let before2 = start.checked_sub(2).map(|j| bytes[j]);
        let after_tilde =
            before == Some(b'~') || (matches!(before, Some(b'+' | b'-')) && before2 == Some(b'~'));
        let redirect = matches!(bytes.get(i), Some(b'<' | b'>'));
        if after_tilde || redirect {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::closed_on_its_line("cat <<EOF | psql \"$(url)\"\nSELECT 1\nEOF\n", false)]
    #[case::here_string("psql <<< \"$(cat <<EOF\nSELECT 1\nEOF\n)\"", false)]
    #[case::substitution_before_the_operator("x=$(cat <<EOF\nSELECT 1\nEOF\n)", false)]
    #[case::open_after_the_operator("psql <<EOF $(( (1)\nx\nEOF\n", true)]
    #[case::closed_in_quotes_on_a_later_line("psql <<-EOF \"$(x\n\tEOF\n)\"", true)]
    #[case::quoted_substitution_closed_on_its_line("psql <<EOF \"$(x)\"\nEOF\n", false)]
    #[case::closer_in_a_comment_of_a_substitution("''<<'' ''$(l)$(#)", true)]
    #[case::hash_outside_a_substitution("''<<'' ''(l #)$(x)\n\n", false)]
    #[case::quote_carries_it_to_the_next_line("psql <<EOF \"a\nb $(( (1)\"\nEOF\n", true)]
    #[case::single_quotes_hide_it("psql <<EOF '$(('\nEOF\n", false)]
    #[case::escaped("psql <<EOF \\$\\(\nEOF\n", false)]
    #[case::unmatched_bracket_in_a_body("cat <<EOF\nNote (see the docs\nEOF\n", false)]
    #[case::legacy_arithmetic("psql <<EOF $[ [1]\nEOF\n", true)]
    #[case::legacy_arithmetic_closed("psql <<EOF $[1]\nEOF\n", false)]
    #[case::heredoc_inside_an_unclosed_substitution("$($(a=$(b << <U\n", true)]
    #[case::heredoc_inside_a_closed_substitution("x=$(cat <<EOF\nSELECT 1\nEOF\n)\n", false)]
    #[case::second_operator("a <<A\nA\nb <<B $( (1)\nB\n", true)]
    #[case::operator_after_a_here_string_operator("$(<<<<<  $(<)P", true)]
    #[case::here_string_operators("$(cat <<<<<<x)\n", false)]
    #[case::no_delimiter_line_in_a_substitution("$(<<\t\t$()\n)", true)]
    #[case::closer_in_a_comment("$($(<<\t\t])\t#)", true)]
    #[case::delimiter_line_in_a_substitution("x=$(psql <<-'SQL'\n\tSELECT 1\n\tSQL\n)\n", false)]
    #[case::delimiter_line_only_before("SQL\nx=$(psql <<SQL\n)\n", true)]
    #[case::tab_before_the_delimiter_of_plain_operator("x=$(psql <<SQL\n\tSQL\n)\n", true)]
    #[case::parameter_open_after_the_operator("psql <<EOF ${A/x/$(date);\nEOF\n", true)]
    #[case::parameter_closed_after_the_operator("psql <<EOF ${A:-x} \"${B}\"\nEOF\n", false)]
    #[case::heredoc_inside_an_unclosed_parameter("x ${A:-$(cat <<EOF\n", true)]
    #[case::heredoc_in_a_substitution_without_a_body("a=$(cat <<E)", true)]
    #[case::heredoc_without_a_body("cat <<E", false)]
    #[case::body_swallows_the_closer("''$(<<EOF\n)\nEOF", true)]
    #[case::delimiter_line_after_the_closer("x=$(cat <<EOF\n)\nEOF\n)\n", false)]
    #[case::closer_in_the_body("x=$(cat <<EOF\n(a) b)\nEOF\n)\n", false)]
    #[case::inner_substitution("x=\"$(f \"$(cat <<'E'\nx\nE\n)\")\"\n", false)]
    #[case::heredoc_in_a_quoted_parameter("p \"${A:t;\npsql <<EOF\n}\n);\nEOF\n", true)]
    #[case::behind_an_apostrophe_in_a_comment("# don't\nx=$(cat <<EOF\n)\nEOF\n", true)]
    #[case::behind_an_ansi_c_quote("echo $'\\''; x=$(cat <<EOF\n)\nEOF\n", true)]
    #[case::behind_a_quote_between_backquotes("echo `'` '`'; x=$(cat <<EOF\n)\nEOF\n", true)]
    #[case::backquotes_across_a_body("cat <<EOF `\nx\nEOF\n`\n", true)]
    #[case::behind_an_apostrophe_in_a_comment_after_a_subshell(
        "(x)# don't\nx=$(cat <<EOF\n)\nEOF\n",
        true
    )]
    #[case::behind_an_apostrophe_in_a_comment_after_a_redirection(
        "cat <# don't\nx=$(cat <<EOF\n)\nEOF\n",
        true
    )]
    #[case::apostrophe_after_a_hash_in_a_word("echo a#'x' $(#'\n)\ncat <<EOF\nx\nEOF\n", false)]
    #[case::quotes_in_a_comment_after_a_heredoc("cat <<EOF # it's\nx\nEOF\necho '$('\n", false)]
    #[case::comment_sign_after_a_line_continuation("echo a\\\n# $(cat <<EOF\n)\nEOF\n", true)]
    #[case::comment_after_an_escaped_backslash("echo a\\\\\n# $(cat <<EOF\n)\nEOF\n", false)]
    #[case::quoted_blank_in_the_tag("cat <<E\"O F\"\nEO\n$(\nEO F\n", false)]
    #[case::escaped_blank_in_the_tag("cat <<E\\ O\nE\n$(\nE O\n", false)]
    #[case::carriage_return_after_the_tag("cat <<EOF\r\n$(\r\nEOF\r\n", false)]
    #[case::shift_in_a_substitution_in_arithmetic("x=$(( $(a <<EOF ) ))\n$(\nEOF\n", true)]
    #[case::shift_in_an_arithmetic_command("(( 1 << EOF ))\n$(\nEOF\n", true)]
    #[case::arithmetic_left_on_by_a_substitution("x=$( ((1)) )\ncat <<EOF\n$(\nEOF\n", true)]
    #[case::arithmetic_command_closed("((1))\ncat <<EOF\n$(\nEOF\n", false)]
    #[case::arithmetic_ended_by_an_inner_one("x=$(( $((1)) + $(a <<EOF ) ))\n$(\nEOF\n", false)]
    #[case::shift_in_arithmetic("x=$((1 << 2)); y=$[1 << 2]; z=$(( (3 << 1) ))\n", false)]
    fn substitutions_open_across_heredocs(#[case] script: &str, #[case] open: bool) {
        assert_eq!(substitution_open_across_heredoc(script), open);
    }

    fn tokens(script: &str) -> Vec<Token> {
        brush_parser::uncached_tokenize_str(
            script,
            &brush_parser::ParserOptions::default().tokenizer_options(),
        )
        .expect("tokenizes")
    }

    #[rstest]
    #[case::plain("psql -c 'SELECT 1'; echo done", 0)]
    #[case::balanced_subshells("( ( a ) ); f() ( b ); x=(1 2); diff <(a) <(b)", 0)]
    #[case::unclosed_subshells("( ( ( a )", 2)]
    #[case::case_patterns_close_nothing("case $1 in a) x;; (b) y;; esac; ( z", 2)]
    #[case::nested_cases("case a in b) case c in d) x;; esac;; esac", 2)]
    #[case::case_after_keyword("if t; then case a in b) x;; esac; fi", 1)]
    #[case::case_as_an_argument("echo case; echo case; echo case", 0)]
    #[case::sequential_cases("case a in b) x;; esac\ncase c in d) y;; esac", 1)]
    fn backtracking_nesting_counts_cases_and_unclosed_subshells(
        #[case] script: &str,
        #[case] nesting: usize,
    ) {
        assert_eq!(backtracking_nesting(&tokens(script)), nesting);
    }

    #[rstest]
    #[case::operator_at_the_end_of_the_line("psql <<\nSELECT 1\n", true)]
    #[case::operator_before_another("x=$(t << <<\n)f\n", true)]
    #[case::operator_before_a_semicolon("x=$(t <<- ;\n)\n", true)]
    #[case::delimiters(
        "cat <<EOF\nx\nEOF\ncat <<-'E'\n\tx\n\tE\ncat << \"E\" | psql\nx\nE\n",
        false
    )]
    #[case::here_string("psql <<< 'SELECT 1'", false)]
    #[case::form_feed_before_the_end_of_the_line("<<\x0c\n\n$(<<\t\tl)$(", true)]
    fn heredoc_operators_without_delimiters(#[case] script: &str, #[case] missing: bool) {
        assert_eq!(heredoc_without_delimiter(script), missing);
    }

    #[rstest]
    #[case::in_the_operator("cat <\\\n<EOF\nx\nEOF\n", true)]
    #[case::before_the_tag("cat <<\\\nEOF\nx\nEOF\n", true)]
    #[case::in_the_tag("cat <<EO\\\nF\nx\nEOF\n", true)]
    #[case::in_a_double_quoted_tag("cat <<\"EO\\\nF\"\nx\nEOF\n", true)]
    #[case::after_the_tag("cat <<EOF \\\n| psql\nx\nEOF\n", false)]
    #[case::escaped_backslash_in_the_tag("cat <<E\\\\\nx\nE\\\n", false)]
    fn line_continuations_in_heredoc_operators(#[case] script: &str, #[case] split: bool) {
        assert_eq!(heredoc_line_continuation(script), split);
    }

    #[rstest]
    #[case::plain_patterns("shopt -s extglob; rm -rf !(keep|*.sql) @(a) ?(b) +(c) *(d)", false)]
    #[case::multiplication("echo $((a*(b+1))) \"$((a*(b+1)))\"", false)]
    #[case::in_double_quotes("echo \"Done!(see 'log')\" \"*(\\\")\"", false)]
    #[case::escaped_quote("ls !(a\\\"b)", false)]
    #[case::double_quote("ls !(\"a b\")", true)]
    #[case::single_quote("ls @('a')", true)]
    #[case::backquote("ls +(`x`)", true)]
    #[case::nested_pattern("ls *(a|?(\"b\"))", true)]
    #[case::in_a_substitution("$(*()\"\"(*(()\")\")\"<<\x0c *(\")\"\")", true)]
    #[case::comment_sign_in_a_substitution("x=$(ls *(#\"\n))", true)]
    #[case::line_break("x=$(ls *(a\n))", true)]
    #[case::quote_after_a_substitution("ls !($(x)\"a\")", true)]
    #[case::substitution_in_a_pattern("ls !($(cat keep)|*.sql) \"$(date)\"", false)]
    #[case::heredoc_operator("ls *(a<<EOF)\nx\n", true)]
    #[case::heredoc_operator_in_a_substitution_of_a_body(
        "***((\0)/]\x04\x01<EOF\n/INSERTU<<EOF\nINSERT I)T\"$(- VALU\n",
        true
    )]
    fn complex_extended_globs(#[case] script: &str, #[case] quoted: bool) {
        assert_eq!(complex_extglob(script), quoted);
    }

    #[rstest]
    #[case::plain_assignment("ARR[0]=x; ARR[$i]=\"${B[$((i + 1))]}\"; echo ${A[x}${A[x}", false)]
    #[case::assignment_nested_too_deep("echo u[${A[x}${A[x}${A[x}]=1", true)]
    #[case::assignment_to_a_positional_parameter("echo 1[${A[x}${A[x}${A[x}", false)]
    fn array_assignments_nested_too_deep(#[case] script: &str, #[case] too_deep: bool) {
        assert_eq!(
            ready_array_element_words(&mut tokens(script)).is_err(),
            too_deep
        );
    }

    #[rstest]
    #[case::argument("echo u[${A[x}", "echo u\\[${A[x}")]
    #[case::assignments("A[0]=1 B[$i]+=2 echo c[1]=x", "A[0]=1 B[$i]+=2 echo c[1]=x")]
    #[case::heredoc_tag_and_body("cat <<a[x\nb[y\na[x\n", "cat << a[x b[y\n a[x")]
    #[case::not_a_name("echo 1[x [x .[x", "echo 1[x [x .[x")]
    fn subscripts_that_cannot_assign_are_escaped(#[case] script: &str, #[case] escaped: &str) {
        let mut tokens = tokens(script);
        assert_eq!(ready_array_element_words(&mut tokens), Ok(()));
        let words: Vec<String> = tokens
            .iter()
            .filter_map(|token| match token {
                Token::Word(word, _) => Some(word.clone()),
                Token::Operator(operator, _) if operator != "\n" => Some(operator.clone()),
                Token::Operator(..) => None,
            })
            .collect();
        assert_eq!(words.join(" "), escaped);
    }

    #[rstest]
    #[case::arithmetic("$(( (a + (b * (c - 1))) / 2 ))", false, false)]
    #[case::closed_deep(&format!("{}x{}", "(".repeat(9), ")".repeat(9)), false, true)]
    #[case::open(&"( ".repeat(9), false, true)]
    #[case::at_the_limit(&"( ".repeat(8), false, false)]
    #[case::variables(
        "INSERT INTO t VALUES ('${A}', \"${B}\", $(date), `id`, $[1+2])",
        true,
        false
    )]
    #[case::quoted_sql_parens(&format!("'SELECT {}1{}'", "(".repeat(4), ")".repeat(4)), false, false)]
    #[case::nesting_in_single_quotes(&format!("'SELECT {}1{}'", "(".repeat(9), ")".repeat(9)), false, true)]
    #[case::single_quotes_in_a_quoted_parameter(&format!("\"${{A:-'{}'}}\"", "$[".repeat(8)), false, true)]
    #[case::brackets_in_double_quotes("\"(((((((((((\" \"a)\"", false, false)]
    #[case::quoted_brackets_do_not_close(&"\"$((\"a)b)\"${\"c\n".repeat(3), true, true)]
    #[case::apostrophes_in_a_body(&format!("it's {}", "\"$(( ".repeat(4)), true, true)]
    #[case::closer_of_an_outer_construct(&"\"$[$(t$[$(ts] (1)(t".repeat(2), true, true)]
    #[case::subscripts_in_arithmetic_left_open(&"$[To[x&]::".repeat(11), false, true)]
    #[case::brackets_closed(&"[ -f x ] && $[A[i]+1] ${A[0]} [[ a ]] ".repeat(11), false, false)]
    #[case::simple_subscripts(
        "${A[@]} ${#A[*]} ${!A[@]} ${A[0]} ${A[i + 1]} ${A[$i]}",
        false,
        false
    )]
    #[case::one_complex_subscript("${A[$((i + 1))]} ${MAP[key]:-x} $(date)", false, false)]
    #[case::two_complex_subscripts("${A[$((i + 1))]} ${MAP[\"key\"]}", false, true)]
    #[case::unclosed_subscripts("${A[x}${A[x}", true, true)]
    #[case::unclosed_subscript_and_nesting(&format!("${{!A[x}}{}", "\"$(".repeat(3)), true, true)]
    #[case::nested_subscripts("${A[${A[${A[x]}]}]}", false, true)]
    #[case::substitutions_left_open("${1[x}${1[x}${1[x}", false, true)]
    #[case::substitution_met_by_another_closer("${A:-$[1)]}", true, true)]
    #[case::arithmetic_closed_by_one_paren_thrice("$(( a) $(( b) $(( c)", true, true)]
    #[case::arithmetic_closed_by_one_paren("\"$((cd /; ls) | wc -l)\"", false, true)]
    #[case::arithmetic_and_subshells("$(( 1 + (2) )) $((cd /; ls)) $( (x) )", false, false)]
    #[case::literal_brace_in_a_substitution("$(find /sql -exec cat {} \\;)", false, false)]
    #[case::lone_backquote_before_nesting(&format!("\"$(`{}\"", "$(( ".repeat(4)), false, true)]
    #[case::closers_quoted_in_a_substitution_of_a_body(
        "\"$(;($(($((')))))')((((''$(($(\0'))))\0'\0$(($((q\0\0\0')))))\x14'_(E'''''d",
        true,
        true
    )]
    #[case::extended_glob_holding_quotes_in_a_substitution_of_a_body(
        "x $(ls +(\"a\")) y\n",
        true,
        true
    )]
    #[case::extended_glob_like_sql_of_a_body(
        "SELECT f(x)*('2'), a*(b\n+ c) WHERE y = ?('a') AND $(echo +(a|b));\n",
        true,
        false
    )]
    #[case::comment_sign_in_a_substitution_of_a_body(
        "\"$(;(#(($((')))))'(''''$(($((')))))'$(($((\\\0\0\0'\0))))')((E\\1in",
        true,
        true
    )]
    #[case::unterminated_heredoc_in_a_substitution_of_a_body(
        "x $(psql <<EOF\nSELECT 1;\n)\n",
        true,
        true
    )]
    #[case::heredoc_in_a_substitution_of_a_body("x $(psql <<EOF\nSELECT 1;\nEOF\n)\n", true, false)]
    #[case::apostrophes_in_sql_of_a_body(
        "INSERT INTO t VALUES ('it''s', '$(date)', '${A:-x}');\nSELECT '(' || $((1 + 2));\n",
        true,
        false
    )]
    fn nesting_of_words(#[case] text: &str, #[case] heredoc_body: bool, #[case] too_deep: bool) {
        assert_eq!(word_nesting_too_deep(text, heredoc_body), too_deep);
    }
}
