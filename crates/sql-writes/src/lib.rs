//! SQL classification: which statements of a script write.
//!
//! The script is first split into statements by a small lexer that knows each client's
//! quoting, comments and client-side commands (psql backslash commands, `COPY … FROM stdin`
//! data, MySQL `DELIMITER`/`source`, sqlcmd `GO`/`:r`, cqlsh `SOURCE`). Each statement is then
//! parsed with `sqlparser` in the client's dialect and classified from its AST; when the parser
//! refuses it (psql `:'var'` substitutions, `DO` blocks, vendor syntax), a keyword classifier
//! reads the statement with string literals and comments blanked out.

use sqlparser::ast::{self, SetExpr, Statement as S};
use sqlparser::dialect::{
    ClickHouseDialect, Dialect as SqlDialect, GenericDialect, MsSqlDialect, MySqlDialect,
    PostgreSqlDialect,
};
use sqlparser::parser::Parser;

/// Recursion limit given to `sqlparser` (its default is 50); deeply nested SQL falls back to
/// the keyword classifier instead of growing the stack.
const SQL_RECURSION_LIMIT: usize = 32;
/// Most statements classified in one text.
const MAX_STATEMENTS: usize = 5_000;
/// Statements longer than this are classified by keywords only.
const MAX_PARSED_STATEMENT_BYTES: usize = 64 * 1024;

/// Operation name of a `COPY … FROM`.
pub const OP_COPY_FROM: &str = "COPY … FROM";
/// Operation name of psql's `\copy … from`.
pub const OP_PSQL_COPY_FROM: &str = "\\copy … from";
/// Operation name of a query whose output psql runs as SQL (`\gexec`).
pub const OP_GEXEC: &str = "\\gexec";

/// Keywords that make a statement a write when they start it.
const WRITE_FIRST: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "CREATE", "ALTER", "DROP",
    "TRUNCATE", "GRANT", "REVOKE", "CALL", "DO", "COMMENT", "RENAME", "LOAD", "IMPORT", "ATTACH",
    "DETACH", "EXCHANGE", "REASSIGN", "SECURITY",
];
/// Keywords that make a statement a write when they start one of its lines (statements
/// written without delimiters, e.g. T-SQL batches).
const WRITE_LINE_START: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "ALTER", "DROP", "TRUNCATE",
    "GRANT", "REVOKE",
];
/// Data-modifying keywords looked for inside `WITH`, `EXPLAIN ANALYZE`, batches and blocks.
const WRITE_INSIDE: &[&str] = &["INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT"];
/// Modifiers skipped when naming `CREATE`/`ALTER`/`DROP` operations.
const OBJECT_MODIFIERS: &[&str] = &[
    "OR",
    "REPLACE",
    "TEMP",
    "TEMPORARY",
    "UNIQUE",
    "UNLOGGED",
    "GLOBAL",
    "LOCAL",
    "IF",
    "NOT",
    "EXISTS",
    "DEFINER",
    "ALGORITHM",
    "SQL",
    "SECURITY",
    "CONCURRENTLY",
];

/// A SQL dialect, chosen from the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `psql`, `cockroach sql`.
    Postgres,
    /// `mysql`, `mariadb`.
    MySql,
    /// `clickhouse-client`.
    ClickHouse,
    /// `sqlcmd`.
    MsSql,
    /// `cqlsh` (CQL, read with the generic dialect).
    Cql,
}

impl Dialect {
    fn parser_dialect(self) -> Box<dyn SqlDialect> {
        match self {
            Self::Postgres => Box::new(PostgreSqlDialect {}),
            Self::MySql => Box::new(MySqlDialect {}),
            Self::ClickHouse => Box::new(ClickHouseDialect {}),
            Self::MsSql => Box::new(MsSqlDialect {}),
            Self::Cql => Box::new(GenericDialect {}),
        }
    }
}

/// One statement and whether it writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The statement, comments removed.
    pub text: String,
    /// The write operation (`INSERT`, `CREATE TABLE`…), `None` for a read.
    pub write: Option<String>,
}

/// A classified script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Classified {
    pub statements: Vec<Statement>,
    /// Files the script includes (`\i`, `source`, `:r`, `SOURCE`), as written.
    pub includes: Vec<String>,
    /// Too many statements: the rest was not read.
    pub truncated: bool,
}

impl Classified {
    /// The statements that write.
    pub fn writes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.statements
            .iter()
            .filter_map(|s| s.write.as_deref().map(|op| (s.text.as_str(), op)))
    }
}

/// Splits and classifies a SQL script.
pub fn classify(sql: &str, dialect: Dialect) -> Classified {
    let split = split(sql, dialect);
    let parser_dialect = dialect.parser_dialect();
    let mut out = Classified {
        includes: split.includes,
        truncated: split.truncated,
        ..Classified::default()
    };
    for raw in split.statements {
        let write = classify_raw(&raw, dialect, parser_dialect.as_ref());
        // Trimmed in place rather than copied: most statements are reads, never shown.
        let mut text = raw.display;
        text.truncate(text.trim_end().len());
        text.drain(..text.len() - text.trim_start().len());
        out.statements.push(Statement { text, write });
    }
    out
}

fn classify_raw(raw: &RawStatement, dialect: Dialect, parser: &dyn SqlDialect) -> Option<String> {
    if let Some(op) = &raw.meta_write {
        return Some(op.clone());
    }
    if raw.gexec && !raw.display.trim().is_empty() {
        return Some(OP_GEXEC.to_owned());
    }
    let first = first_keyword(&raw.keywords)?.to_ascii_uppercase();
    let Some(verdict) = foregone_verdict(raw, &first) else {
        return parsed_or_fallback(raw, dialect, parser, &keywords(&raw.keywords));
    };
    // Debug builds (every test of the crate and of the policy) check it against the parser.
    debug_assert_eq!(
        verdict,
        parsed_or_fallback(raw, dialect, parser, &keywords(&raw.keywords)),
        "{:?}",
        raw.display
    );
    verdict
}

/// The verdict of a statement [`foregone`] judges, `None` when the parser must decide.
fn foregone_verdict(raw: &RawStatement, first: &str) -> Option<Option<String>> {
    Some(match foregone(raw, first)? {
        Foregone::Read => None,
        Foregone::Write => Some(operation_name(words_of(&raw.keywords))),
    })
}

/// A classification the parser cannot change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Foregone {
    Read,
    /// The write named by [`operation_name`].
    Write,
}

/// The verdict of statements whose classification the parser cannot change, so that
/// `sqlparser` (most of the cost of a short script) is skipped for them:
/// - a statement that starts with a write keyword is that write whether it parses (as the
///   statement of that keyword) or not (the keyword fallback names it the same way);
/// - a single `SELECT` (no `;`, so the parser reads one statement, a query) with no word that
///   could write (`INTO`, `INSERT`, `UPDATE`…, even inside literals) is a read either way.
///
/// `first` is the statement's first keyword, upper-cased. `None` when the parser must decide.
/// Only plain ASCII statements are judged, so that the words seen here are the parser's words.
fn foregone(raw: &RawStatement, first: &str) -> Option<Foregone> {
    let display = raw.display.trim_start();
    if !display.is_ascii() {
        return None;
    }
    let starts_with_first = display
        .get(..first.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(first))
        && display
            .as_bytes()
            .get(first.len())
            .is_none_or(u8::is_ascii_whitespace);
    if !starts_with_first {
        return None;
    }
    if WRITE_FIRST.contains(&first) {
        return Some(Foregone::Write);
    }
    let read = first == "SELECT" && !display.contains(';') && !could_write(display);
    read.then_some(Foregone::Read)
}

/// Whether a statement holds a word that may make the parser see a write, anywhere, even
/// inside another word: the parser's words are not always ours (`8INTO` is the number 8 and
/// `INTO` to it), so any occurrence sends the statement to the parser.
///
/// One pass over the bytes, case-insensitively: most `SELECT`s reach here, and a search per
/// word (24 substring searches, each setting up its own searcher) was most of their cost.
fn could_write(statement: &str) -> bool {
    let bytes = statement.as_bytes();
    bytes.windows(2).enumerate().any(|(at, pair)| {
        let mut candidates = write_words_starting_with(pair[0], pair[1]);
        while candidates != 0 {
            let word = WRITE_WORDS[candidates.trailing_zeros() as usize].as_bytes();
            candidates &= candidates - 1;
            if bytes
                .get(at..at + word.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(word))
            {
                return true;
            }
        }
        false
    })
}

/// The word [`could_write`] looks for besides `WRITE_FIRST`'s (`SELECT … INTO`).
const INTO: &str = "INTO";

/// The words [`could_write`] looks for: [`INTO`] and `WRITE_FIRST`'s. `WRITE_LINE_START` and
/// `WRITE_INSIDE` are parts of `WRITE_FIRST` (a test checks it), so their words need no second
/// search.
const WRITE_WORDS: [&str; WRITE_FIRST.len() + 1] = {
    let mut words = [INTO; WRITE_FIRST.len() + 1];
    let mut i = 0;
    while i < WRITE_FIRST.len() {
        words[i + 1] = WRITE_FIRST[i];
        i += 1;
    }
    words
};

/// The [`WRITE_WORDS`] that start with these two letters (in any case), one bit per index.
fn write_words_starting_with(first: u8, second: u8) -> u32 {
    let (first, second) = (first.to_ascii_uppercase(), second.to_ascii_uppercase());
    if !first.is_ascii_uppercase() || !second.is_ascii_uppercase() {
        return 0;
    }
    WRITE_WORDS_BY_START[usize::from(first - b'A')][usize::from(second - b'A')]
}

/// For each pair of upper-case letters, the [`WRITE_WORDS`] that start with it, one bit per
/// index: a pair that starts none (most of them) costs one lookup, and one that does compares
/// only its own words.
const WRITE_WORDS_BY_START: [[u32; 26]; 26] = {
    assert!(WRITE_WORDS.len() <= 32, "one bit per word");
    let mut table = [[0; 26]; 26];
    let mut i = 0;
    while i < WRITE_WORDS.len() {
        let word = WRITE_WORDS[i].as_bytes();
        table[(word[0] - b'A') as usize][(word[1] - b'A') as usize] |= 1 << i;
        i += 1;
    }
    table
};

/// What `sqlparser` says of a statement, or the keyword classifier when it refuses it.
fn parsed_or_fallback(
    raw: &RawStatement,
    dialect: Dialect,
    parser: &dyn SqlDialect,
    words: &[String],
) -> Option<String> {
    if raw.display.len() <= MAX_PARSED_STATEMENT_BYTES {
        let parsed = Parser::new(parser)
            .with_recursion_limit(SQL_RECURSION_LIMIT)
            .try_with_sql(&raw.display)
            .and_then(|mut p| p.parse_statements());
        if let Ok(statements) = parsed
            && !statements.is_empty()
        {
            return statements
                .iter()
                .find_map(|s| ast_write(s, dialect, &raw.keywords, words, 0));
        }
    }
    fallback(&raw.keywords, words, dialect)
}

/// Checks [`foregone`] against the parser: for every statement of `sql` it judges, the full
/// classification must agree. The SQL fuzz target and the tests run it.
#[cfg(any(test, feature = "fuzzing"))]
pub fn assert_foregone_agrees(sql: &str, dialect: Dialect) {
    let parser = dialect.parser_dialect();
    for raw in split(sql, dialect).statements {
        let words = keywords(&raw.keywords);
        if raw.meta_write.is_some() || raw.gexec || words.is_empty() {
            continue;
        }
        let Some(verdict) = foregone_verdict(&raw, &words[0]) else {
            continue;
        };
        let full = parsed_or_fallback(&raw, dialect, parser.as_ref(), &words);
        assert_eq!(verdict, full, "{dialect:?}: {:?}", raw.display);
    }
}

/// Upper-cased words (identifier characters) of a keyword text.
fn keywords(text: &str) -> Vec<String> {
    words_of(text).map(str::to_ascii_uppercase).collect()
}

/// The words (identifier characters) of a keyword text, as written.
fn words_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// The first word of a keyword text, as written.
fn first_keyword(text: &str) -> Option<&str> {
    words_of(text).next()
}

/// Names a write from the statement's leading keywords, in any case: `INSERT`, `CREATE TABLE`,
/// `COPY … FROM`. Only the words it names are read (and upper-cased), not the statement's.
fn operation_name<'w>(mut words: impl Iterator<Item = &'w str>) -> String {
    let Some(first) = words.next() else {
        return String::new();
    };
    let first = first.to_ascii_uppercase();
    match first.as_str() {
        "CREATE" | "ALTER" | "DROP" => {
            let is_modifier = |w: &str| OBJECT_MODIFIERS.iter().any(|m| m.eq_ignore_ascii_case(w));
            match words.find(|w| !is_modifier(w)) {
                Some(object) => format!("{first} {}", object.to_ascii_uppercase()),
                None => first,
            }
        }
        "COPY" => OP_COPY_FROM.to_owned(),
        _ => first,
    }
}

fn ast_write(
    statement: &S,
    dialect: Dialect,
    keyword_text: &str,
    words: &[String],
    depth: usize,
) -> Option<String> {
    if depth > SQL_RECURSION_LIMIT {
        return fallback(keyword_text, words, dialect);
    }
    match statement {
        S::Query(query) => query_write(query, dialect, depth + 1),
        S::Explain {
            analyze,
            statement,
            options,
            ..
        } => {
            let analyze = *analyze
                || options.as_ref().is_some_and(|opts| {
                    opts.iter()
                        .any(|o| o.name.value.eq_ignore_ascii_case("analyze"))
                });
            if !analyze {
                return None;
            }
            ast_write(
                statement,
                dialect,
                keyword_text,
                &inner_words(words),
                depth + 1,
            )
            .map(|op| format!("EXPLAIN ANALYZE {op}"))
        }
        S::Copy { to, .. } => (!to).then(|| OP_COPY_FROM.to_owned()),
        S::Prepare { statement, .. } => ast_write(
            statement,
            dialect,
            keyword_text,
            &inner_words(words),
            depth + 1,
        ),
        S::Execute { .. } => (dialect == Dialect::MsSql).then(|| "EXEC".to_owned()),
        S::If(_) | S::While(_) | S::Case(_) => fallback(keyword_text, words, dialect),
        S::Analyze(_)
        | S::Set(_)
        | S::Raise(_)
        | S::Open(_)
        | S::Close { .. }
        | S::Declare { .. }
        | S::Fetch { .. }
        | S::Flush { .. }
        | S::Discard { .. }
        | S::ShowFunctions { .. }
        | S::ShowVariable { .. }
        | S::ShowStatus { .. }
        | S::ShowVariables { .. }
        | S::ShowCreate { .. }
        | S::ShowColumns { .. }
        | S::ShowCatalogs { .. }
        | S::ShowDatabases { .. }
        | S::ShowProcessList { .. }
        | S::ShowSchemas { .. }
        | S::ShowCharset(_)
        | S::ShowObjects(_)
        | S::ShowTables { .. }
        | S::ShowViews { .. }
        | S::ShowCollation { .. }
        | S::Use(_)
        | S::StartTransaction { .. }
        | S::Commit { .. }
        | S::Rollback { .. }
        | S::Assert { .. }
        | S::Deallocate { .. }
        | S::Kill { .. }
        | S::ExplainTable { .. }
        | S::Savepoint { .. }
        | S::ReleaseSavepoint { .. }
        | S::Cache { .. }
        | S::UNCache { .. }
        | S::Pragma { .. }
        | S::Lock(_)
        | S::LockTables { .. }
        | S::UnlockTables
        | S::Unload { .. }
        | S::OptimizeTable { .. }
        | S::LISTEN { .. }
        | S::UNLISTEN { .. }
        | S::NOTIFY { .. }
        | S::List(_)
        | S::RaisError { .. }
        | S::Throw(_)
        | S::Print(_)
        | S::WaitFor(_)
        | S::Return(_)
        | S::ExportData(_)
        | S::Vacuum(_)
        | S::Reset(_) => None,
        _ => Some(operation_name(words.iter().map(String::as_str))),
    }
}

/// The words of a statement nested in another (`EXPLAIN ANALYZE …`, `PREPARE p AS …`): from
/// the first word that can start a write.
fn inner_words(words: &[String]) -> Vec<String> {
    words
        .iter()
        .skip(1)
        .skip_while(|w| !WRITE_FIRST.contains(&w.as_str()) && *w != "WITH")
        .cloned()
        .collect()
}

fn query_write(query: &ast::Query, dialect: Dialect, depth: usize) -> Option<String> {
    if depth > SQL_RECURSION_LIMIT {
        return None;
    }
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            if let Some(op) = query_write(&cte.query, dialect, depth + 1) {
                return Some(op);
            }
        }
    }
    set_expr_write(&query.body, dialect, depth + 1)
}

fn set_expr_write(body: &SetExpr, dialect: Dialect, depth: usize) -> Option<String> {
    if depth > SQL_RECURSION_LIMIT {
        return None;
    }
    match body {
        SetExpr::Insert(_) => Some("INSERT".to_owned()),
        SetExpr::Update(_) => Some("UPDATE".to_owned()),
        SetExpr::Delete(_) => Some("DELETE".to_owned()),
        SetExpr::Merge(_) => Some("MERGE".to_owned()),
        SetExpr::Query(q) => query_write(q, dialect, depth + 1),
        SetExpr::SetOperation { left, right, .. } => set_expr_write(left, dialect, depth + 1)
            .or_else(|| set_expr_write(right, dialect, depth + 1)),
        SetExpr::Select(select) => (select.into.is_some()
            && matches!(dialect, Dialect::Postgres | Dialect::MsSql))
        .then(|| "SELECT INTO".to_owned()),
        _ => None,
    }
}

/// The keyword classifier, for statements the parser refuses.
fn fallback(keyword_text: &str, words: &[String], dialect: Dialect) -> Option<String> {
    let first = words.first()?.as_str();
    let second = words.get(1).map(String::as_str);
    let inside = || {
        words[1..]
            .iter()
            .find(|w| WRITE_INSIDE.contains(&w.as_str()))
            .cloned()
    };
    let by_first = match first {
        "COPY" => copy_from(keyword_text).then(|| OP_COPY_FROM.to_owned()),
        "WITH" => inside(),
        "EXPLAIN" if words.iter().any(|w| w == "ANALYZE") => {
            inside().map(|op| format!("EXPLAIN ANALYZE {op}"))
        }
        "BEGIN" if matches!(second, Some("BATCH" | "UNLOGGED" | "COUNTER")) => {
            inside().map(|op| format!("BATCH {op}"))
        }
        "EXEC" | "EXECUTE" | "BULK" | "DENY" if dialect == Dialect::MsSql => Some(first.to_owned()),
        "IF" | "WHILE" | "BEGIN" if dialect == Dialect::MsSql => inside().or_else(|| {
            words[1..]
                .iter()
                .find(|w| WRITE_LINE_START.contains(&w.as_str()))
                .cloned()
        }),
        w if WRITE_FIRST.contains(&w) => Some(operation_name(words.iter().map(String::as_str))),
        _ => None,
    };
    by_first.or_else(|| line_start_write(keyword_text))
}

/// A write keyword starting a line after the first (statements without delimiters).
fn line_start_write(keyword_text: &str) -> Option<String> {
    keyword_text.lines().skip(1).find_map(|line| {
        let words = keywords(line);
        let first = words.first()?;
        WRITE_LINE_START
            .contains(&first.as_str())
            .then(|| operation_name(words.iter().map(String::as_str)))
    })
}

/// Whether a `COPY` statement copies into a table: `FROM` outside parentheses.
fn copy_from(keyword_text: &str) -> bool {
    let mut depth = 0usize;
    let mut word = String::new();
    for c in keyword_text.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if depth == 0 && word.eq_ignore_ascii_case("from") {
            return true;
        }
        word.clear();
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Splitting

#[derive(Clone, Debug, Default)]
struct RawStatement {
    /// Comments removed, strings kept: what is parsed and shown.
    display: String,
    /// Comments removed and string literals blanked: what keywords are read from.
    keywords: String,
    /// A client-side command that writes (psql `\copy … from`).
    meta_write: Option<String>,
    /// Ended by psql's `\gexec`: its output runs as SQL.
    gexec: bool,
}

#[derive(Default)]
struct Split {
    statements: Vec<RawStatement>,
    includes: Vec<String>,
    truncated: bool,
}

struct Splitter<'a> {
    text: &'a str,
    /// A byte offset into `text`, always at a char boundary: the bytes the splitter acts on
    /// are ASCII, so it steps over other characters in runs.
    i: usize,
    dialect: Dialect,
    /// The statement delimiter (MySQL's `DELIMITER` changes it).
    delimiter: String,
    cur: RawStatement,
    out: Split,
}

fn split(text: &str, dialect: Dialect) -> Split {
    let mut s = Splitter {
        text,
        i: 0,
        dialect,
        delimiter: ";".to_owned(),
        cur: RawStatement::default(),
        out: Split::default(),
    };
    s.run();
    s.out
}

/// Bytes where a run of plain text ends: the splitter looks at each (a comment, a quote, a
/// client command, a line's end), so no run goes past one.
fn ends_plain_run(byte: u8) -> bool {
    matches!(
        byte,
        b'-' | b'#' | b'/' | b'\'' | b'"' | b'`' | b'[' | b'$' | b'\\' | b'\n'
    )
}

impl<'a> Splitter<'a> {
    fn peek(&self, k: usize) -> Option<u8> {
        self.text.as_bytes().get(self.i + k).copied()
    }

    fn at_end(&self) -> bool {
        self.i >= self.text.len()
    }

    fn at_line_start(&self) -> bool {
        self.i == 0 || self.text.as_bytes().get(self.i - 1) == Some(&b'\n')
    }

    fn statement_empty(&self) -> bool {
        self.cur.display.is_empty()
    }

    /// The text up to the end of the line (not the newline), consumed.
    fn rest_of_line(&mut self) -> &'a str {
        let start = self.i;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |n| start + n);
        self.i = end;
        &self.text[start..end]
    }

    /// Appends plain text to both texts; a statement starts at its first non-blank character.
    #[inline]
    fn push_both(&mut self, run: &str) {
        let run = if self.cur.display.is_empty() {
            run.trim_start()
        } else {
            run
        };
        self.cur.display.push_str(run);
        self.cur.keywords.push_str(run);
    }

    /// Plain text, from here up to the next byte that needs a look (or just after a newline,
    /// where a client command may start). At least one character is taken.
    fn plain_run(&mut self) {
        let bytes = self.text.as_bytes();
        let delimiter_start = self.delimiter.as_bytes().first().copied();
        let first_len = self.text[self.i..].chars().next().map_or(1, char::len_utf8);
        let mut end = self.i + first_len;
        if bytes.get(self.i) != Some(&b'\n') {
            while let Some(&byte) = bytes.get(end) {
                if ends_plain_run(byte) || Some(byte) == delimiter_start {
                    if byte == b'\n' {
                        end += 1;
                    }
                    break;
                }
                end += 1;
            }
        }
        let run = &self.text[self.i..end];
        self.i = end;
        self.push_both(run);
    }

    fn finish(&mut self) {
        let stmt = std::mem::take(&mut self.cur);
        if stmt.display.trim().is_empty() && stmt.meta_write.is_none() {
            return;
        }
        if self.out.statements.len() >= MAX_STATEMENTS {
            self.out.truncated = true;
            self.i = self.text.len();
            return;
        }
        let copy_stdin = self.dialect == Dialect::Postgres
            && first_keyword(&stmt.keywords).is_some_and(|w| w.eq_ignore_ascii_case("COPY"))
            && keywords(&stmt.keywords)
                .windows(2)
                .any(|w| w[0] == "FROM" && w[1] == "STDIN");
        self.out.statements.push(stmt);
        if copy_stdin {
            self.skip_copy_data();
        }
    }

    /// Skips `COPY … FROM stdin` data, up to the `\.` line.
    fn skip_copy_data(&mut self) {
        // Rest of the current line (after the `;`) belongs to nothing.
        self.rest_of_line();
        while !self.at_end() {
            self.i += 1; // the newline
            let line = self.rest_of_line();
            if line.trim() == "\\." {
                return;
            }
        }
    }

    fn starts_with_delimiter(&self) -> bool {
        let d = self.delimiter.as_bytes();
        !d.is_empty()
            && self
                .text
                .as_bytes()
                .get(self.i..)
                .is_some_and(|rest| rest.starts_with(d))
    }

    fn run(&mut self) {
        while !self.at_end() {
            if self.at_line_start() && self.client_command() {
                continue;
            }
            if self.starts_with_delimiter() {
                self.i += self.delimiter.len();
                self.finish();
                continue;
            }
            let Some(c) = self.peek(0) else {
                break;
            };
            let next = self.peek(1);
            match c {
                b'-' if next == Some(b'-') => self.line_comment(),
                b'#' if self.dialect == Dialect::MySql => self.line_comment(),
                b'/' if next == Some(b'/') && self.dialect == Dialect::Cql => self.line_comment(),
                b'/' if next == Some(b'*') => self.block_comment(),
                b'\'' => {
                    let escapes = match self.dialect {
                        Dialect::MySql | Dialect::ClickHouse => true,
                        Dialect::Postgres => self.e_prefix(),
                        Dialect::MsSql | Dialect::Cql => false,
                    };
                    self.quoted(b'\'', escapes);
                }
                b'"' => self.quoted(b'"', self.dialect == Dialect::MySql),
                b'`' if matches!(self.dialect, Dialect::MySql | Dialect::ClickHouse) => {
                    self.quoted(b'`', false);
                }
                b'[' if self.dialect == Dialect::MsSql => self.quoted(b']', false),
                b'$' if matches!(
                    self.dialect,
                    Dialect::Postgres | Dialect::Cql | Dialect::ClickHouse
                ) && self.dollar_quote() => {}
                b'\\' if matches!(self.dialect, Dialect::Postgres | Dialect::MySql) => {
                    self.backslash_command();
                }
                _ => self.plain_run(),
            }
        }
        self.finish();
    }

    /// Client commands read at the start of a line. Returns whether one was consumed.
    fn client_command(&mut self) -> bool {
        // psql's client commands start with a backslash and are read where they appear;
        // clickhouse-client has none.
        if matches!(self.dialect, Dialect::Postgres | Dialect::ClickHouse) {
            return false;
        }
        let empty = self.statement_empty();
        let rest = &self.text[self.i..];
        let line = rest.find('\n').map_or(rest, |end| &rest[..end]);
        let trimmed = line.trim();
        let lower = trimmed.to_ascii_lowercase();
        let word = lower.split_whitespace().next().unwrap_or("");
        let arg = trimmed
            .split_once(char::is_whitespace)
            .map_or("", |(_, rest)| rest.trim());
        match self.dialect {
            Dialect::MySql if empty && word == "delimiter" => {
                let d = arg.split_whitespace().next().unwrap_or(";");
                self.delimiter = d.to_owned();
            }
            Dialect::MySql if empty && word == "source" => {
                self.include(arg.trim_end_matches(';'));
            }
            Dialect::MsSql if word == "go" && arg.chars().all(|c| c.is_ascii_digit()) => {
                self.rest_of_line();
                self.finish();
                return true;
            }
            Dialect::MsSql if trimmed.starts_with(':') || trimmed.starts_with("!!") => {
                if word == ":r" {
                    self.include(arg);
                }
            }
            Dialect::Cql if empty && word == "source" => self.include(arg.trim_end_matches(';')),
            _ => return false,
        }
        self.rest_of_line();
        true
    }

    fn include(&mut self, arg: &str) {
        let path = arg
            .trim()
            .trim_matches(|c| c == '\'' || c == '"')
            .to_owned();
        if !path.is_empty() {
            self.out.includes.push(path);
        }
    }

    fn e_prefix(&self) -> bool {
        let mut before = self.text[..self.i].chars().rev();
        let prev = before.next();
        let before = before.next();
        matches!(prev, Some('E' | 'e')) && !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
    }

    fn line_comment(&mut self) {
        self.i = self.text[self.i..]
            .find('\n')
            .map_or(self.text.len(), |n| self.i + n);
    }

    fn block_comment(&mut self) {
        let nested = self.dialect == Dialect::Postgres;
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            let next = self.peek(1);
            if c == b'/' && next == Some(b'*') {
                if depth == 0 || nested {
                    depth += 1;
                }
                self.i += 2;
            } else if c == b'*' && next == Some(b'/') {
                self.i += 2;
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            } else {
                // Other bytes are stepped over one at a time: only ASCII ones are compared, so
                // the comment ends at a char boundary (or at the end of the text).
                self.i += 1;
            }
        }
        self.push_both(" ");
    }

    /// A quoted string or identifier from its opening byte (here) to `close`; kept in the
    /// display text, blanked in the keywords. A doubled `close` is one character of it.
    fn quoted(&mut self, close: u8, backslash_escapes: bool) {
        let bytes = self.text.as_bytes();
        let start = self.i;
        let mut end = start + 1;
        while let Some(&byte) = bytes.get(end) {
            end += 1;
            if backslash_escapes && byte == b'\\' {
                // The escaped character, whole.
                end += self.text[end..].chars().next().map_or(0, char::len_utf8);
            } else if byte == close {
                if bytes.get(end) != Some(&close) {
                    break;
                }
                end += 1;
            }
        }
        self.cur.display.push_str(&self.text[start..end]);
        self.cur.keywords.push_str("  ");
        self.i = end;
    }

    /// `$tag$ … $tag$`. Returns false (consuming nothing) when this `$` starts no quote.
    fn dollar_quote(&mut self) -> bool {
        let after = self.i + 1;
        let mut tag_end = None;
        for (at, c) in self.text[after..].char_indices() {
            if c == '$' {
                tag_end = Some(after + at);
                break;
            }
            if !(c.is_alphanumeric() || c == '_') || (at == 0 && c.is_ascii_digit()) {
                return false;
            }
        }
        let Some(tag_end) = tag_end else {
            return false;
        };
        let tag = &self.text[self.i..=tag_end];
        let body_start = tag_end + 1;
        let end = self.text[body_start..]
            .find(tag)
            .map_or(self.text.len(), |at| body_start + at + tag.len());
        self.cur.display.push_str(&self.text[self.i..end]);
        self.cur.keywords.push(' ');
        self.i = end;
        true
    }

    /// psql meta-commands and mysql client commands: a backslash to the end of the line.
    fn backslash_command(&mut self) {
        let line = self.rest_of_line();
        let body = &line[1..];
        let mut parts = body.splitn(2, char::is_whitespace);
        let cmd = parts.next().unwrap_or("");
        let arg = parts.next().unwrap_or("").trim();
        match (self.dialect, cmd) {
            (Dialect::Postgres, "i" | "ir" | "include" | "include_relative") => self.include(arg),
            (Dialect::Postgres, "copy") => {
                self.finish();
                if copy_from(&blank_strings(arg)) {
                    self.cur.display = line.trim().to_owned();
                    self.cur.meta_write = Some(OP_PSQL_COPY_FROM.to_owned());
                    self.finish();
                }
            }
            (Dialect::Postgres, "gexec") => {
                self.cur.gexec = true;
                self.finish();
            }
            (Dialect::Postgres, "g" | "gx" | "gset" | "gdesc" | "crosstabview" | "watch") => {
                self.finish();
            }
            (Dialect::MySql, ".") => self.include(arg),
            (Dialect::MySql, "g" | "G") => self.finish(),
            (Dialect::MySql, c) if c.starts_with('.') => self.include(c[1..].trim()),
            _ => {}
        }
    }
}

/// Blanks `'…'` and `"…"` in a short client-command argument.
fn blank_strings(s: &str) -> String {
    let mut out = String::new();
    let mut quote = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(' ');
            }
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[test]
    fn could_write_searches_every_write_word() {
        for word in WRITE_LINE_START.iter().chain(WRITE_INSIDE) {
            assert!(WRITE_FIRST.contains(word), "{word} is not in WRITE_FIRST");
        }
        for word in WRITE_WORDS {
            assert!(could_write(word), "{word}");
            assert!(could_write(&format!(
                "select x{}y",
                word.to_ascii_lowercase()
            )));
        }
    }

    #[rstest]
    #[case::plain_select("SELECT 1 FROM pg_roles WHERE rolname = 'app'", false)]
    #[case::write_word_inside_a_name("SELECT updated_at FROM t", true)]
    #[case::number_glued_to_into("SELECT RAL>=8INTO o", true)]
    #[case::lower_case("select * into t2 from t", true)]
    #[case::at_the_very_end("SELECT x FROM t WHERE a = 'do'", true)]
    #[case::one_byte("S", false)]
    #[case::empty("", false)]
    #[case::non_ascii("SELECT 'ÉDROP'", true)]
    #[case::letters_of_a_word_apart("SELECT 'IN TO'", false)]
    fn could_write_finds_write_words_anywhere(#[case] statement: &str, #[case] expected: bool) {
        assert_eq!(could_write(statement), expected, "{statement:?}");
    }

    fn writes(sql: &str, dialect: Dialect) -> Vec<(String, String)> {
        classify(sql, dialect)
            .writes()
            .map(|(t, op)| (t.to_owned(), op.to_owned()))
            .collect()
    }

    #[rstest]
    #[case::insert("INSERT INTO t VALUES (1)", "INSERT")]
    #[case::update("UPDATE t SET a = 1 WHERE id = 2", "UPDATE")]
    #[case::delete("DELETE FROM t", "DELETE")]
    #[case::merge(
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a",
        "MERGE"
    )]
    #[case::create_table("CREATE TABLE IF NOT EXISTS t (id int)", "CREATE TABLE")]
    #[case::create_or_replace("CREATE OR REPLACE VIEW v AS SELECT 1", "CREATE VIEW")]
    #[case::create_index("CREATE UNIQUE INDEX i ON t (a)", "CREATE INDEX")]
    #[case::create_user("CREATE USER bob WITH PASSWORD 'x'", "CREATE USER")]
    #[case::alter("ALTER TABLE t ADD COLUMN b int", "ALTER TABLE")]
    #[case::drop("DROP TABLE t", "DROP TABLE")]
    #[case::truncate("TRUNCATE t", "TRUNCATE")]
    #[case::grant("GRANT ALL PRIVILEGES ON DATABASE d TO bob", "GRANT")]
    #[case::revoke("REVOKE ALL ON t FROM bob", "REVOKE")]
    #[case::copy_from("COPY t FROM '/tmp/x.csv'", OP_COPY_FROM)]
    #[case::call("CALL refresh_all()", "CALL")]
    #[case::do_block("DO $$ BEGIN PERFORM 1; END $$", "DO")]
    #[case::cte_insert("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "INSERT")]
    #[case::cte_delete(
        "WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone",
        "DELETE"
    )]
    #[case::select_into("SELECT * INTO backup FROM t", "SELECT INTO")]
    #[case::explain_analyze("EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN ANALYZE DELETE")]
    #[case::comment_on("COMMENT ON TABLE t IS 'x'", "COMMENT")]
    #[case::create_extension("CREATE EXTENSION IF NOT EXISTS pgcrypto", "CREATE EXTENSION")]
    #[case::create_function(
        "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
        "CREATE FUNCTION"
    )]
    #[case::psql_var("INSERT INTO users VALUES (:'account', :'username')", "INSERT")]
    #[case::psql_var_update("UPDATE t SET a = :value", "UPDATE")]
    #[case::refresh_after_comment("-- seed\n/* block */ INSERT INTO t VALUES (1)", "INSERT")]
    fn postgres_writes(#[case] sql: &str, #[case] op: &str) {
        let found = writes(sql, Dialect::Postgres);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, op);
    }

    #[rstest]
    #[case::select("SELECT 1")]
    #[case::select_literal_delete("SELECT 'DELETE FROM t' AS txt")]
    #[case::select_ident_delete("SELECT \"delete\" FROM t")]
    #[case::dollar_literal("SELECT $$DROP TABLE t$$")]
    #[case::tagged_dollar("SELECT $x$ INSERT $x$")]
    #[case::comment_only("-- DELETE FROM t\n/* DROP TABLE t */")]
    #[case::show("SHOW search_path")]
    #[case::explain("EXPLAIN DELETE FROM t")]
    #[case::set("SET statement_timeout = 0")]
    #[case::transaction("BEGIN; SELECT 1; COMMIT;")]
    #[case::copy_to("COPY t TO STDOUT")]
    #[case::copy_query_to("COPY (SELECT a FROM t) TO STDOUT")]
    #[case::meta_commands("\\connect mydb\n\\set ON_ERROR_STOP on\nSELECT :'x';")]
    #[case::with_select("WITH x AS (SELECT 1) SELECT * FROM x")]
    #[case::e_string("SELECT E'it\\'s DELETE'")]
    #[case::vacuum("VACUUM ANALYZE t")]
    #[case::for_update("SELECT * FROM t FOR UPDATE")]
    #[case::unparsable_select("SELECT :'a' || 'UPDATE'")]
    #[case::empty("")]
    #[case::semicolons(";;;")]
    fn postgres_reads(#[case] sql: &str) {
        assert_eq!(
            writes(sql, Dialect::Postgres),
            Vec::<(String, String)>::new()
        );
    }

    #[rstest]
    #[case::mysql_insert(Dialect::MySql, "INSERT INTO t VALUES ('a\\'b')", "INSERT")]
    #[case::mysql_replace(Dialect::MySql, "REPLACE INTO t VALUES (1)", "REPLACE")]
    #[case::mysql_load(Dialect::MySql, "LOAD DATA INFILE '/x.csv' INTO TABLE t", "LOAD")]
    #[case::mysql_rename(Dialect::MySql, "RENAME TABLE a TO b", "RENAME")]
    #[case::clickhouse_insert(Dialect::ClickHouse, "INSERT INTO t FORMAT CSV", "INSERT")]
    #[case::clickhouse_create(
        Dialect::ClickHouse,
        "CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a",
        "CREATE TABLE"
    )]
    #[case::clickhouse_alter_delete(
        Dialect::ClickHouse,
        "ALTER TABLE t DELETE WHERE a = 1",
        "ALTER TABLE"
    )]
    #[case::mssql_insert(Dialect::MsSql, "INSERT INTO [t] VALUES (1)", "INSERT")]
    #[case::mssql_exec(Dialect::MsSql, "EXEC sp_addrolemember 'db_owner', 'bob'", "EXEC")]
    #[case::mssql_if(
        Dialect::MsSql,
        "IF NOT EXISTS (SELECT 1 FROM t) BEGIN INSERT INTO t VALUES (1) END",
        "INSERT"
    )]
    #[case::mssql_no_semicolons(Dialect::MsSql, "SELECT 1\nDELETE FROM t", "DELETE")]
    #[case::cql_insert(Dialect::Cql, "INSERT INTO ks.t (a) VALUES (1)", "INSERT")]
    #[case::cql_keyspace(
        Dialect::Cql,
        "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy'}",
        "CREATE KEYSPACE"
    )]
    #[case::cql_batch(
        Dialect::Cql,
        "BEGIN BATCH INSERT INTO t (a) VALUES (1) APPLY BATCH",
        "BATCH INSERT"
    )]
    #[case::cql_copy(Dialect::Cql, "COPY ks.t FROM '/x.csv'", OP_COPY_FROM)]
    #[case::cockroach_upsert(Dialect::Postgres, "UPSERT INTO t VALUES (1)", "UPSERT")]
    fn other_dialect_writes(#[case] dialect: Dialect, #[case] sql: &str, #[case] op: &str) {
        let found = writes(sql, dialect);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, op);
    }

    #[rstest]
    #[case::mysql_show(Dialect::MySql, "SHOW TABLES")]
    #[case::mysql_hash_comment(Dialect::MySql, "# DELETE FROM t\nSELECT 1")]
    #[case::mysql_backtick(Dialect::MySql, "SELECT `delete` FROM t")]
    #[case::mysql_double_quoted(Dialect::MySql, "SELECT \"it\\\" DROP\"")]
    #[case::clickhouse_select(Dialect::ClickHouse, "SELECT count() FROM system.tables")]
    #[case::mssql_select(Dialect::MsSql, "SELECT [delete] FROM t\nGO")]
    #[case::mssql_begin_tran(Dialect::MsSql, "BEGIN TRANSACTION; SELECT 1; COMMIT")]
    #[case::cql_select(Dialect::Cql, "SELECT * FROM ks.t WHERE a = 'DROP'")]
    #[case::cql_use(Dialect::Cql, "USE ks; DESCRIBE TABLES")]
    fn other_dialect_reads(#[case] dialect: Dialect, #[case] sql: &str) {
        assert_eq!(writes(sql, dialect), Vec::<(String, String)>::new());
    }

    /// Statements judged without the parser get the parser's verdict.
    #[rstest]
    #[case::insert("INSERT INTO t VALUES (1)")]
    #[case::insert_unparsable("INSERT INTO users VALUES (:'account', :'username')")]
    #[case::create_or_replace("CREATE OR REPLACE VIEW v AS SELECT 1")]
    #[case::replace("REPLACE INTO t VALUES (1)")]
    #[case::lower_case("delete from t where a = 1")]
    #[case::do_block("DO $$ BEGIN PERFORM 1; END $$")]
    #[case::comment_on("COMMENT ON TABLE t IS 'x'")]
    #[case::create_trigger("CREATE TRIGGER tr ON t AFTER INSERT AS SELECT 1")]
    #[case::load("LOAD DATA INFILE '/x.csv' INTO TABLE t")]
    #[case::select("SELECT count(*) FROM tenants WHERE name = 'default'")]
    #[case::select_multiline("SELECT a\nFROM t\nWHERE b = 1")]
    #[case::select_union("SELECT 1 UNION SELECT 2")]
    #[case::select_into("SELECT * INTO backup FROM t")]
    #[case::select_for_update("SELECT * FROM t FOR UPDATE")]
    #[case::select_literal_write("SELECT 'x' AS a\nDELETE FROM t")]
    #[case::select_semicolon_literal("SELECT ';' AS a")]
    #[case::select_end("SELECT 1 END")]
    #[case::select_unparsable("SELECT :'a' || 'UPDATE'")]
    #[case::select_dollar("SELECT $x$ INSERT $x$")]
    #[case::select_glued("SELECT(1)")]
    #[case::select_number_glued_to_into("SELECT RAL>=8INTO o")]
    #[case::select_unicode("SELECT 'é'")]
    fn foregone_verdicts_agree_with_the_parser(#[case] sql: &str) {
        for dialect in [
            Dialect::Postgres,
            Dialect::MySql,
            Dialect::ClickHouse,
            Dialect::MsSql,
            Dialect::Cql,
        ] {
            assert_foregone_agrees(sql, dialect);
        }
    }

    #[test]
    fn psql_variables_go_through_the_keyword_fallback() {
        let sql = "INSERT INTO users VALUES (:'account', :'username')";
        assert!(Parser::parse_sql(&PostgreSqlDialect {}, sql).is_err());
        assert_eq!(
            writes(sql, Dialect::Postgres),
            vec![(sql.to_owned(), "INSERT".to_owned())]
        );
        let select = "SELECT :'account', 'INSERT INTO x'";
        assert!(Parser::parse_sql(&PostgreSqlDialect {}, select).is_err());
        assert!(writes(select, Dialect::Postgres).is_empty());
    }

    #[test]
    fn statement_text_is_without_comments() {
        let found = writes(
            "/* licence */\nCREATE TABLE users (id int); -- trailing\nSELECT 1;",
            Dialect::Postgres,
        );
        assert_eq!(
            found,
            vec![(
                "CREATE TABLE users (id int)".to_owned(),
                "CREATE TABLE".to_owned()
            )]
        );
    }

    #[test]
    fn copy_from_stdin_data_is_skipped() {
        let sql = "COPY t (a, b) FROM stdin;\n1\tdelete everything\n2\tdrop\n\\.\nSELECT 1;";
        let c = classify(sql, Dialect::Postgres);
        let texts: Vec<&str> = c.statements.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["COPY t (a, b) FROM stdin", "SELECT 1"]);
        assert_eq!(
            c.writes().map(|(_, op)| op).collect::<Vec<_>>(),
            [OP_COPY_FROM]
        );
    }

    #[rstest]
    #[case::psql_copy("\\copy t from '/data/t.csv' csv", Some(OP_PSQL_COPY_FROM))]
    #[case::psql_copy_to("\\copy (select * from t) to '/tmp/out.csv'", None)]
    #[case::gexec(
        "SELECT 'CREATE DATABASE app' WHERE NOT EXISTS (SELECT 1 FROM pg_database)\\gexec",
        Some(OP_GEXEC)
    )]
    #[case::gset("SELECT 1 AS one \\gset", None)]
    fn psql_meta_commands(#[case] sql: &str, #[case] op: Option<&str>) {
        let c = classify(sql, Dialect::Postgres);
        assert_eq!(c.writes().map(|(_, op)| op).next(), op, "{c:?}");
    }

    #[rstest]
    #[case::psql_i(Dialect::Postgres, "\\i /sql/a.sql\n\\ir 'b.sql'", &["/sql/a.sql", "b.sql"])]
    #[case::mysql_source(Dialect::MySql, "source /sql/a.sql\n\\. /sql/b.sql", &["/sql/a.sql", "/sql/b.sql"])]
    #[case::sqlcmd_r(Dialect::MsSql, ":r /sql/a.sql\nGO", &["/sql/a.sql"])]
    #[case::cqlsh_source(Dialect::Cql, "SOURCE '/cql/a.cql';", &["/cql/a.cql"])]
    fn includes(#[case] dialect: Dialect, #[case] sql: &str, #[case] expected: &[&str]) {
        assert_eq!(classify(sql, dialect).includes, expected);
    }

    #[test]
    fn mysql_delimiter_blocks() {
        let sql = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN INSERT INTO t VALUES (1); END$$\nDELIMITER ;\nSELECT 1;";
        let c = classify(sql, Dialect::MySql);
        assert_eq!(c.statements.len(), 2, "{c:?}");
        assert_eq!(
            c.writes().map(|(_, op)| op).collect::<Vec<_>>(),
            ["CREATE PROCEDURE"]
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let sql = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(writes(&sql, Dialect::Postgres).is_empty());
        let sql = format!(
            "DELETE FROM t WHERE a = {}1{}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert_eq!(writes(&sql, Dialect::Postgres).len(), 1);
    }

    #[test]
    fn unterminated_input_is_fine() {
        for sql in [
            "'",
            "\"",
            "$$",
            "$a$ x",
            "/* x",
            "E'\\",
            "[",
            "`",
            "\\",
            "COPY t FROM stdin;",
        ] {
            for d in [
                Dialect::Postgres,
                Dialect::MySql,
                Dialect::ClickHouse,
                Dialect::MsSql,
                Dialect::Cql,
            ] {
                let _ = classify(sql, d);
            }
        }
    }
}
