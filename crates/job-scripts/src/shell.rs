//! Shell scripts: parsed with `brush-parser` (POSIX sh and bash), then walked like a very
//! lazy shell that runs nothing. The walker expands words from what it knows (the container's
//! literal env, the script's own assignments, positional parameters), follows `.`/`source`,
//! `eval`, function calls, command substitutions and every branch of `if`/`case`/loops, and
//! hands each simple command, with its standard input, to a [`Sink`].

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::rc::Rc;

use brush_parser::ParserOptions;
use brush_parser::ast;
use brush_parser::word::{self, Parameter, ParameterExpr, SpecialParameter, WordPiece};

use crate::model::Resolution;
use crate::parser_guards::{
    HEREDOC_WITHOUT_DELIMITER, MAX_BACKTRACKING_NESTING, MAX_WORD_NESTING,
    SUBSTITUTION_OPEN_ACROSS_HEREDOC, backtracking_nesting, complex_extglob, has_oversized_number,
    heredoc_line_continuation, heredoc_without_delimiter, nesting_estimate,
    ready_array_element_words, substitution_open_across_heredoc, word_nesting_too_deep,
};
use crate::text::{Field, MAX_VALUE_BYTES, basename, normalize_path, shorten};

/// Deepest nesting of shell constructs (`( { $( if for while case`) accepted in one script.
/// Deeper scripts are refused before parsing: the parser and the walker recurse per level.
pub(crate) const MAX_NESTING: usize = 48;
/// A `for` loop over at most this many known values walks its body once per value.
const MAX_LOOP_VALUES: usize = 16;
/// Most fields one word may expand to.
const MAX_FIELDS: usize = 4_096;
/// `printf` reuses its format at most this many times.
const MAX_PRINTF_ROUNDS: usize = 64;
/// Most variables a shell keeps; further ones are unknown.
const MAX_VARS: usize = 512;
/// Most bytes of variable names and values a shell keeps; further ones are unknown.
const MAX_VARS_BYTES: usize = 128 * 1024;
/// Most bytes of one command's arguments.
const MAX_ARGV_BYTES: usize = 256 * 1024;
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

/// Why a script was not parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScriptError {
    /// Larger than [`crate::MAX_SCRIPT_BYTES`].
    TooLarge,
    /// Nested deeper than [`MAX_NESTING`].
    TooDeep,
    /// Nests `case` statements and unclosed `(` deeper than [`MAX_BACKTRACKING_NESTING`].
    Backtracking,
    /// Has an array-element assignment word nested deeper than [`MAX_WORD_NESTING`]
    /// ([`ready_array_element_words`]).
    ArrayAssignmentTooDeep,
    /// Contains numbers the parser cannot represent.
    Unsupported,
    /// Has an extended glob pattern holding quotes, `<` or a line break ([`complex_extglob`]).
    ComplexExtglob,
    /// Splits a here-document operator or tag with a line continuation
    /// ([`heredoc_line_continuation`]).
    HeredocLineContinuation,
    /// A syntax error.
    Syntax(String),
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(f, "script larger than {} bytes", crate::MAX_SCRIPT_BYTES),
            Self::TooDeep => write!(f, "script nested deeper than {MAX_NESTING} levels"),
            Self::Backtracking => write!(
                f,
                "script nests case statements and unclosed ( deeper than {MAX_BACKTRACKING_NESTING} levels"
            ),
            Self::ArrayAssignmentTooDeep => write!(
                f,
                "script has a word NAME[… nested deeper than {MAX_WORD_NESTING} levels"
            ),
            Self::Unsupported => f.write_str("script has numbers too large to parse"),
            Self::ComplexExtglob => {
                f.write_str("script has an extended glob !(…) holding quotes, < or a line break")
            }
            Self::HeredocLineContinuation => {
                f.write_str("script continues a line inside a here-document operator or tag")
            }
            Self::Syntax(e) => write!(f, "shell syntax error: {e}"),
        }
    }
}

fn parser_options() -> ParserOptions {
    ParserOptions::default()
}

/// Parses a script, refusing inputs that would make the parser recurse too deep or panic.
pub(crate) fn parse(text: &str) -> Result<ast::Program, ScriptError> {
    if text.len() > crate::MAX_SCRIPT_BYTES {
        return Err(ScriptError::TooLarge);
    }
    if nesting_estimate(text) > MAX_NESTING {
        return Err(ScriptError::TooDeep);
    }
    if has_oversized_number(text) {
        return Err(ScriptError::Unsupported);
    }
    if heredoc_without_delimiter(text) {
        return Err(ScriptError::Syntax(HEREDOC_WITHOUT_DELIMITER.to_owned()));
    }
    if heredoc_line_continuation(text) {
        return Err(ScriptError::HeredocLineContinuation);
    }
    if complex_extglob(text) {
        return Err(ScriptError::ComplexExtglob);
    }
    if substitution_open_across_heredoc(text) {
        return Err(ScriptError::Syntax(
            SUBSTITUTION_OPEN_ACROSS_HEREDOC.to_owned(),
        ));
    }
    let text = terminated(text);
    let options = parser_options();
    let mut tokens = brush_parser::uncached_tokenize_str(&text, &options.tokenizer_options())
        .map_err(syntax_error)?;
    if backtracking_nesting(&tokens) > MAX_BACKTRACKING_NESTING {
        return Err(ScriptError::Backtracking);
    }
    ready_array_element_words(&mut tokens).map_err(|_| ScriptError::ArrayAssignmentTooDeep)?;
    brush_parser::parse_tokens(&tokens, &options).map_err(syntax_error)
}

/// A script that ends with a newline no backslash escapes. brush-parser's tokenizer can loop
/// without end, allocating, when the input stops in the middle of a line that leaves a
/// here-document pending (an empty or missing delimiter, then a blank, a comment or a
/// backslash; found by fuzzing). A final newline means the same to a shell.
fn terminated(text: &str) -> Cow<'_, str> {
    let mut terminated = Cow::Borrowed(text);
    if text.ends_with('\\') {
        terminated.to_mut().push('\n');
    }
    if !terminated.ends_with('\n') || terminated.ends_with("\\\n") {
        terminated.to_mut().push('\n');
    }
    terminated
}

/// A tokenizer or parser error, shortened for a message.
fn syntax_error(error: impl fmt::Display) -> ScriptError {
    ScriptError::Syntax(shorten(&error.to_string()))
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

/// Known variables (values may contain unknown parts); absent variables are unknown. Cheap
/// to clone (shared until changed) and bounded ([`MAX_VARS`], [`MAX_VARS_BYTES`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Vars {
    map: Rc<BTreeMap<String, Field>>,
    bytes: usize,
}

impl Vars {
    pub(crate) fn get(&self, name: &str) -> Option<&Field> {
        self.map.get(name)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Field)> {
        self.map.iter()
    }

    /// Sets a variable; when the bounds are reached it becomes unknown instead. A variable whose
    /// name looks secret (`PGPASSWORD`, `API_TOKEN`…) is never given a value: it stays unknown,
    /// so its references are kept as written (`$PGPASSWORD`) and no message can quote its value,
    /// whatever the script does with it (substrings, case changes, copies).
    pub(crate) fn insert(&mut self, name: String, value: Field) {
        if crate::analysis::looks_secret(&name) {
            self.remove(&name);
            return;
        }
        let old = self
            .map
            .get(&name)
            .map_or(0, |f| name.len() + f.as_str().len());
        let new = name.len() + value.as_str().len();
        let bytes = self.bytes - old + new;
        if bytes > MAX_VARS_BYTES || (old == 0 && self.map.len() >= MAX_VARS) {
            self.remove(&name);
            return;
        }
        Rc::make_mut(&mut self.map).insert(name, value);
        self.bytes = bytes;
    }

    pub(crate) fn remove(&mut self, name: &str) {
        if let Some(old) = self.map.get(name) {
            self.bytes -= name.len() + old.as_str().len();
            Rc::make_mut(&mut self.map).remove(name);
        }
    }
}

impl FromIterator<(String, Field)> for Vars {
    fn from_iter<I: IntoIterator<Item = (String, Field)>>(iter: I) -> Self {
        let mut vars = Self::default();
        vars.extend(iter);
        vars
    }
}

impl Extend<(String, Field)> for Vars {
    fn extend<I: IntoIterator<Item = (String, Field)>>(&mut self, iter: I) {
        for (name, value) in iter {
            self.insert(name, value);
        }
    }
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
    /// Functions defined so far, with the script that defined them.
    /// Shared, so that a call walks the body without copying it again.
    functions: BTreeMap<String, Rc<(ast::FunctionBody, Option<String>)>>,
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
    /// A script could not be parsed.
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

/// Walks parsed scripts.
pub(crate) struct Walker<'s, S: Sink + ?Sized> {
    sink: &'s mut S,
    pub state: ShellState,
    depth: Depth,
    stopped: bool,
}

impl<'s, S: Sink + ?Sized> Walker<'s, S> {
    pub(crate) fn new(sink: &'s mut S, state: ShellState, depth: Depth) -> Self {
        Self {
            sink,
            state,
            depth,
            stopped: false,
        }
    }

    /// Parses and walks a script, then walks the functions it defined but never called.
    pub(crate) fn run(&mut self, text: &str) {
        self.run_nested(text, &Stdin::None);
        self.walk_uncalled_functions();
    }

    /// Enters a nested script.
    fn enter_script(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        if self.depth.scripts >= self.sink.max_depth() || self.depth.levels >= MAX_WALK_LEVELS {
            self.sink.truncated();
            return false;
        }
        self.depth = self.depth.nested();
        true
    }

    fn leave_script(&mut self) {
        self.depth.scripts = self.depth.scripts.saturating_sub(1);
        self.depth.levels = self.depth.levels.saturating_sub(1);
    }

    /// Enters a compound command or a function body.
    fn enter_level(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        if self.depth.levels >= MAX_WALK_LEVELS {
            self.sink.truncated();
            return false;
        }
        self.depth.levels += 1;
        true
    }

    fn leave_level(&mut self) {
        self.depth.levels = self.depth.levels.saturating_sub(1);
    }

    /// Parses and walks a script in the current state (sourcing, `eval`, substitutions).
    fn run_nested(&mut self, text: &str, stdin: &Stdin) {
        if self.stopped {
            return;
        }
        if !self.sink.charge(0, text.len()) {
            self.stop();
            return;
        }
        match parse(text) {
            Ok(program) => {
                for list in &program.complete_commands {
                    self.compound_list(list, stdin);
                }
            }
            Err(e) => {
                if matches!(
                    e,
                    ScriptError::TooLarge
                        | ScriptError::TooDeep
                        | ScriptError::Backtracking
                        | ScriptError::ArrayAssignmentTooDeep
                ) {
                    self.sink.truncated();
                }
                self.sink.unparsable(text, &e, &self.state);
            }
        }
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.sink.truncated();
    }

    fn walk_uncalled_functions(&mut self) {
        let names: Vec<String> = self
            .state
            .functions
            .keys()
            .filter(|n| !self.state.walked_functions.contains(*n))
            .cloned()
            .collect();
        for name in names {
            self.call_function(&name, None, &Stdin::None);
        }
    }

    fn compound_list(&mut self, list: &ast::CompoundList, stdin: &Stdin) {
        for ast::CompoundListItem(and_or, _) in &list.0 {
            if self.stopped {
                return;
            }
            self.pipeline(&and_or.first, stdin);
            for next in &and_or.additional {
                match next {
                    ast::AndOr::And(p) | ast::AndOr::Or(p) => self.pipeline(p, stdin),
                }
            }
        }
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline, stdin: &Stdin) {
        let mut input = stdin.clone();
        for command in &pipeline.seq {
            input = self.command(command, input);
        }
    }

    /// Walks one command; returns its standard output as the next command's input.
    fn command(&mut self, command: &ast::Command, stdin: Stdin) -> Stdin {
        if self.stopped {
            return Stdin::None;
        }
        if !self.sink.charge(1, 0) {
            self.stop();
            return Stdin::None;
        }
        match command {
            ast::Command::Simple(simple) => self.simple(simple, stdin),
            ast::Command::Compound(compound, redirects) => {
                let stdin = match redirects {
                    Some(list) => self.redirects(list.0.iter(), stdin),
                    None => stdin,
                };
                self.compound(compound, &stdin);
                unknown_output("{ … }")
            }
            ast::Command::Function(def) => {
                // The body is copied into the state: account for its size, so that a
                // definition walked in nested loops cannot copy without bound.
                let size = ast::SourceLocation::location(def)
                    .map_or(MAX_VALUE_BYTES, |span| span.length());
                if !self.sink.charge(0, size) {
                    self.stop();
                    return Stdin::None;
                }
                self.state.functions.insert(
                    def.fname.value.clone(),
                    Rc::new((def.body.clone(), self.state.script.clone())),
                );
                Stdin::None
            }
            ast::Command::ExtendedTest(..) => Stdin::None,
        }
    }

    fn compound(&mut self, compound: &ast::CompoundCommand, stdin: &Stdin) {
        if !self.enter_level() {
            return;
        }
        match compound {
            ast::CompoundCommand::Arithmetic(_) => {}
            ast::CompoundCommand::ArithmeticForClause(c) => self.compound_list(&c.body.list, stdin),
            ast::CompoundCommand::BraceGroup(c) => self.compound_list(&c.list, stdin),
            ast::CompoundCommand::Subshell(c) => self.subshell(&c.list, stdin),
            ast::CompoundCommand::ForClause(c) => self.for_clause(c, stdin),
            ast::CompoundCommand::CaseClause(c) => {
                let _ = self.expand_single(&c.value.value);
                for item in &c.cases {
                    if let Some(list) = &item.cmd {
                        self.compound_list(list, stdin);
                    }
                }
            }
            ast::CompoundCommand::IfClause(c) => {
                self.compound_list(&c.condition, stdin);
                self.compound_list(&c.then, stdin);
                for e in c.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        self.compound_list(cond, stdin);
                    }
                    self.compound_list(&e.body, stdin);
                }
            }
            ast::CompoundCommand::WhileClause(c) | ast::CompoundCommand::UntilClause(c) => {
                self.compound_list(&c.0, stdin);
                self.compound_list(&c.1.list, stdin);
            }
            ast::CompoundCommand::Coprocess(c) => {
                let _ = self.command(&c.body, stdin.clone());
            }
        }
        self.leave_level();
    }

    fn subshell(&mut self, list: &ast::CompoundList, stdin: &Stdin) {
        let saved = (
            self.state.vars.clone(),
            self.state.cwd.clone(),
            self.state.positionals.clone(),
        );
        self.compound_list(list, stdin);
        (self.state.vars, self.state.cwd, self.state.positionals) = saved;
    }

    fn for_clause(&mut self, c: &ast::ForClauseCommand, stdin: &Stdin) {
        let values: Option<Vec<Field>> = match &c.values {
            Some(words) => {
                let mut out = Vec::new();
                for w in words {
                    for f in self.expand_fields(&w.value) {
                        out.extend(self.glob(f));
                    }
                }
                Some(out)
            }
            None => match &self.state.positionals {
                Some(p) if p.len() <= MAX_LOOP_VALUES => Some(p.to_vec()),
                _ => None,
            },
        };
        match values {
            Some(values) if values.len() <= MAX_LOOP_VALUES => {
                for v in values {
                    self.state.vars.insert(c.variable_name.clone(), v);
                    self.compound_list(&c.body.list, stdin);
                }
            }
            _ => {
                self.state.vars.remove(&c.variable_name);
                self.compound_list(&c.body.list, stdin);
            }
        }
    }

    /// Expands a glob in the last path component through the resolver's listing.
    fn glob(&mut self, field: Field) -> Vec<Field> {
        let text = field.as_str();
        if field.has_unknown() || !text.contains(['*', '?']) {
            return vec![field];
        }
        let path = normalize_path(text, self.state.cwd.as_deref());
        let (dir, pattern) = match path.rsplit_once('/') {
            Some((dir, pattern)) if !dir.contains(['*', '?']) => {
                (dir.to_owned(), pattern.to_owned())
            }
            _ => return vec![Field::unknown(text)],
        };
        match self.sink.list(if dir.is_empty() { "/" } else { &dir }) {
            Some(mut entries) => {
                entries.sort();
                entries
                    .into_iter()
                    .filter(|e| glob_match(&pattern, basename(e)))
                    .take(MAX_FIELDS)
                    .map(|e| Field::known(&e))
                    .collect()
            }
            None => vec![Field::unknown(text)],
        }
    }

    /// Applies redirections to the standard input; walks process substitutions.
    fn redirects<'a>(
        &mut self,
        redirects: impl Iterator<Item = &'a ast::IoRedirect>,
        mut stdin: Stdin,
    ) -> Stdin {
        for r in redirects {
            match r {
                ast::IoRedirect::File(fd, kind, target) => {
                    let reads = matches!(kind, ast::IoFileRedirectKind::Read)
                        && matches!(fd, None | Some(0));
                    match target {
                        ast::IoFileRedirectTarget::Filename(w) if reads => {
                            let path = self.expand_single(&w.value);
                            stdin = if path.has_unknown() {
                                Stdin::Unknown {
                                    via: format!("{VIA_STDIN} {}", path.as_str()),
                                }
                            } else {
                                let p = normalize_path(path.as_str(), self.state.cwd.as_deref());
                                Stdin::File {
                                    via: format!("{VIA_STDIN} {p}"),
                                    path: p,
                                }
                            };
                        }
                        ast::IoFileRedirectTarget::ProcessSubstitution(_, sub) => {
                            self.subshell(&sub.list, &Stdin::None);
                            if reads {
                                stdin = unknown_output("<( … )");
                            }
                        }
                        _ => {}
                    }
                }
                ast::IoRedirect::HereDocument(None | Some(0), doc) => {
                    let text = if doc.requires_expansion {
                        self.expand_heredoc(&doc.doc.value)
                    } else {
                        Field::known(&doc.doc.value)
                    };
                    stdin = Stdin::Text {
                        text: Rc::new(text),
                        via: VIA_HEREDOC.to_owned(),
                    };
                }
                ast::IoRedirect::HereString(None | Some(0), w) => {
                    let mut text = self.expand_single(&w.value);
                    text.push_char('\n');
                    stdin = Stdin::Text {
                        text: Rc::new(text),
                        via: VIA_HERE_STRING.to_owned(),
                    };
                }
                _ => {}
            }
        }
        stdin
    }

    fn simple(&mut self, cmd: &ast::SimpleCommand, stdin: Stdin) -> Stdin {
        let prefix = cmd
            .prefix
            .as_ref()
            .map(|p| p.0.as_slice())
            .unwrap_or_default();
        let suffix = cmd
            .suffix
            .as_ref()
            .map(|s| s.0.as_slice())
            .unwrap_or_default();
        let items = || prefix.iter().chain(suffix.iter());

        let own_stdin = self.redirects(
            items().filter_map(|i| match i {
                ast::CommandPrefixOrSuffixItem::IoRedirect(r) => Some(r),
                _ => None,
            }),
            Stdin::None,
        );
        let stdin = if own_stdin == Stdin::None {
            stdin
        } else {
            own_stdin
        };

        let mut env = Vec::new();
        for item in prefix {
            if let ast::CommandPrefixOrSuffixItem::AssignmentWord(a, _) = item
                && let Some((name, value)) = self.assignment(a)
            {
                env.push((name, value));
            }
        }
        let mut argv = Vec::new();
        let mut argv_bytes = 0usize;
        if let Some(w) = &cmd.word_or_name {
            argv.extend(self.expand_fields(&w.value));
        }
        for item in suffix {
            match item {
                ast::CommandPrefixOrSuffixItem::Word(w)
                | ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
                    if argv.len() >= MAX_FIELDS || argv_bytes >= MAX_ARGV_BYTES {
                        self.sink.truncated();
                        continue;
                    }
                    for f in self.expand_fields(&w.value) {
                        argv_bytes += f.as_str().len();
                        argv.push(f);
                    }
                }
                ast::CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) => {
                    self.subshell(&sub.list, &Stdin::None);
                    argv.push(Field::unknown("<( … )"));
                }
                ast::CommandPrefixOrSuffixItem::IoRedirect(_) => {}
            }
        }
        for item in prefix {
            if let ast::CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) = item {
                self.subshell(&sub.list, &Stdin::None);
            }
        }

        if argv.is_empty() {
            for (name, value) in env {
                self.state.vars.insert(name, value);
            }
            return Stdin::None;
        }
        if self.builtin(&argv, &stdin) {
            return Stdin::None;
        }
        if let Some(name) = argv.first().map(|f| f.as_str().to_owned())
            && self.state.functions.contains_key(&name)
        {
            self.call_function(&name, Some(argv[1..].to_vec()), &stdin);
            return unknown_output(&name);
        }
        let simple = SimpleCmd { argv, env, stdin };
        self.sink.command(&simple, &self.state, self.depth);
        self.output(&simple)
    }

    fn assignment(&mut self, a: &ast::Assignment) -> Option<(String, Field)> {
        let name = match &a.name {
            ast::AssignmentName::VariableName(n) => n.clone(),
            ast::AssignmentName::ArrayElementName(..) => return None,
        };
        let value = match &a.value {
            ast::AssignmentValue::Scalar(w) => self.expand_single(&w.value),
            ast::AssignmentValue::Array(items) => {
                for (_, w) in items {
                    let _ = self.expand_single(&w.value);
                }
                Field::unknown("( … )")
            }
        };
        let value = if a.append {
            let mut v = self.state.vars.get(&name).cloned().unwrap_or_default();
            v.append(&value);
            v
        } else {
            value
        };
        Some((name, value))
    }

    /// Builtins that change the walker's state. Returns whether `argv` was one.
    fn builtin(&mut self, argv: &[Field], stdin: &Stdin) -> bool {
        let name = argv[0].as_str();
        let args = &argv[1..];
        match name {
            "." | "source" => {
                if let Some(path) = args.first() {
                    self.source(path, &args[1..], stdin);
                }
            }
            "export" | "readonly" | "local" | "declare" | "typeset" => {
                for a in args {
                    if let Some((n, _)) = a.as_str().split_once('=')
                        && is_name(n)
                    {
                        self.state.vars.insert(n.to_owned(), a.tail(n.len() + 1));
                    }
                }
            }
            "unset" => {
                for a in args.iter().filter(|a| !a.as_str().starts_with('-')) {
                    self.state.vars.remove(a.as_str());
                    self.state.functions.remove(a.as_str());
                }
            }
            "read" | "mapfile" | "readarray" | "getopts" => {
                for a in args.iter().filter(|a| is_name(a.as_str())) {
                    self.state.vars.remove(a.as_str());
                }
            }
            "cd" | "pushd" => {
                self.state.cwd = match args.iter().find(|a| !a.as_str().starts_with('-')) {
                    Some(dir) if !dir.has_unknown() => {
                        Some(normalize_path(dir.as_str(), self.state.cwd.as_deref()))
                            .filter(|d| d.starts_with('/'))
                    }
                    _ => None,
                };
            }
            "shift" => {
                let n = args
                    .first()
                    .and_then(|a| a.as_str().parse::<usize>().ok())
                    .unwrap_or(1);
                if let Some(p) = &mut self.state.positionals {
                    let p = Rc::make_mut(p);
                    p.drain(..n.min(p.len()));
                }
            }
            "set" => {
                if let Some(i) = args.iter().position(|a| a.as_str() == "--") {
                    self.state.positionals = Some(Rc::new(args[i + 1..].to_vec()));
                }
            }
            "eval" => {
                let mut text = Field::default();
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        text.push_char(' ');
                    }
                    text.append(a);
                }
                if self.enter_script() {
                    self.run_nested(text.as_str(), stdin);
                    self.leave_script();
                }
            }
            _ => return false,
        }
        true
    }

    fn source(&mut self, path: &Field, args: &[Field], stdin: &Stdin) {
        if path.has_unknown() {
            return;
        }
        let path = normalize_path(path.as_str(), self.state.cwd.as_deref());
        match self.sink.read(&path) {
            Resolution::Resolved(text) => {
                if !self.enter_script() {
                    return;
                }
                let saved_script = self.state.script.replace(path);
                let saved_positionals = if args.is_empty() {
                    None
                } else {
                    Some(self.state.positionals.replace(Rc::new(args.to_vec())))
                };
                self.run_nested(&text, stdin);
                self.state.script = saved_script;
                if let Some(p) = saved_positionals {
                    self.state.positionals = p;
                }
                self.leave_script();
            }
            Resolution::Opaque => self.sink.opaque_script(&path, &self.state),
            Resolution::NotFound => {}
        }
    }

    /// Walks a function body once, at its first call (or at the end, if never called).
    fn call_function(&mut self, name: &str, args: Option<Vec<Field>>, stdin: &Stdin) {
        if self.state.walked_functions.contains(name) {
            return;
        }
        let Some(function) = self.state.functions.get(name).cloned() else {
            return;
        };
        let (body, script) = &*function;
        self.state.walked_functions.insert(name.to_owned());
        if !self.enter_level() {
            return;
        }
        let saved = std::mem::replace(&mut self.state.positionals, args.map(Rc::new));
        let saved_script = std::mem::replace(&mut self.state.script, script.clone());
        let stdin = match &body.1 {
            Some(list) => self.redirects(list.0.iter(), stdin.clone()),
            None => stdin.clone(),
        };
        self.compound(&body.0, &stdin);
        self.state.positionals = saved;
        self.state.script = saved_script;
        self.leave_level();
    }

    /// The standard output of a command, when it is a known producer.
    fn output(&mut self, cmd: &SimpleCmd) -> Stdin {
        let name = basename(cmd.argv[0].as_str());
        let args = &cmd.argv[1..];
        let via = format!("{VIA_PIPE_FROM} {name}");
        match name {
            "echo" => {
                let mut text = Field::default();
                let mut newline = true;
                let mut first = true;
                let mut options = true;
                for a in args {
                    let s = a.as_str();
                    if options
                        && s.len() > 1
                        && s.starts_with('-')
                        && s[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
                    {
                        newline &= !s.contains('n');
                        continue;
                    }
                    options = false;
                    if !first {
                        text.push_char(' ');
                    }
                    first = false;
                    text.append(a);
                }
                if newline {
                    text.push_char('\n');
                }
                Stdin::Text {
                    text: Rc::new(unescape_field(&text)),
                    via,
                }
            }
            "printf" => match args.split_first() {
                Some((format, rest)) if !format.has_unknown() => Stdin::Text {
                    text: Rc::new(printf(format.as_str(), rest)),
                    via,
                },
                _ => Stdin::Unknown { via },
            },
            "cat" => {
                let files: Vec<&Field> = args
                    .iter()
                    .filter(|a| !a.as_str().starts_with('-') || a.as_str() == "-")
                    .collect();
                if files.is_empty() || files.iter().all(|f| f.as_str() == "-") {
                    return match &cmd.stdin {
                        Stdin::None => Stdin::Unknown { via },
                        other => other.clone(),
                    };
                }
                if files.len() == 1 && !files[0].has_unknown() {
                    let path = normalize_path(files[0].as_str(), self.state.cwd.as_deref());
                    return Stdin::File {
                        via: format!("{via} {path}"),
                        path,
                    };
                }
                let mut text = Field::default();
                for f in files {
                    let path = normalize_path(f.as_str(), self.state.cwd.as_deref());
                    match (f.has_unknown(), self.sink.read(&path)) {
                        (false, Resolution::Resolved(content)) => text.push_known(&content),
                        _ => {
                            return Stdin::File {
                                via: format!("{via} {path}"),
                                path,
                            };
                        }
                    }
                }
                Stdin::Text {
                    text: Rc::new(text),
                    via,
                }
            }
            "envsubst" => {
                let input = match &cmd.stdin {
                    Stdin::Text { text, .. } => Some(text.as_str().to_owned()),
                    Stdin::File { path, .. } => match self.sink.read(path) {
                        Resolution::Resolved(t) => Some(t),
                        _ => None,
                    },
                    _ => None,
                };
                match input {
                    Some(t) => Stdin::Text {
                        text: Rc::new(self.envsubst(&t)),
                        via,
                    },
                    None => Stdin::Unknown { via },
                }
            }
            _ => Stdin::Unknown { via },
        }
    }

    /// `$NAME` and `${NAME}` replaced from known variables.
    fn envsubst(&self, text: &str) -> Field {
        let mut out = Field::default();
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            out.push_known(&rest[..pos]);
            let after = &rest[pos + 1..];
            let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
                match inner.find('}') {
                    Some(end) => (&inner[..end], end + 2),
                    None => ("", 0),
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            };
            if is_name(name) {
                match self.state.vars.get(name) {
                    Some(v) => out.append(v),
                    None => out.push_unknown(&rest[pos..pos + 1 + consumed]),
                }
                rest = &after[consumed..];
            } else {
                out.push_char('$');
                rest = after;
            }
        }
        out.push_known(rest);
        out
    }

    // -----------------------------------------------------------------------------------------
    // Word expansion

    /// Expands a word with field splitting (command arguments, `for` values).
    pub(crate) fn expand_fields(&mut self, raw: &str) -> Vec<Field> {
        if is_plain_word(raw) {
            return vec![Field::known(raw)];
        }
        let Some(pieces) = word_pieces(raw) else {
            return vec![Field::unknown(raw)];
        };
        let mut b = FieldBuilder::default();
        self.pieces(raw, &pieces, false, &mut b);
        b.finish()
    }

    /// Expands a word into one field (assignments, redirection targets).
    pub(crate) fn expand_single(&mut self, raw: &str) -> Field {
        if is_plain_word(raw) {
            return Field::known(raw);
        }
        let Some(pieces) = word_pieces(raw) else {
            return Field::unknown(raw);
        };
        let mut b = FieldBuilder {
            no_split: true,
            ..FieldBuilder::default()
        };
        self.pieces(raw, &pieces, false, &mut b);
        b.finish_single()
    }

    /// Expands a heredoc body (`$VAR`, `${VAR}`, `$(…)`, backslash escapes).
    fn expand_heredoc(&mut self, body: &str) -> Field {
        if has_oversized_number(body) || word_nesting_too_deep(body, true) {
            return Field::unknown(body);
        }
        let Ok(pieces) = word::parse_heredoc(body, &parser_options()) else {
            return Field::unknown(body);
        };
        let mut b = FieldBuilder {
            no_split: true,
            ..FieldBuilder::default()
        };
        self.pieces(body, &pieces, true, &mut b);
        b.finish_single()
    }

    fn pieces(
        &mut self,
        raw: &str,
        pieces: &[word::WordPieceWithSource],
        quoted: bool,
        b: &mut FieldBuilder,
    ) {
        for p in pieces {
            let source = raw.get(p.start_index..p.end_index).unwrap_or("");
            match &p.piece {
                WordPiece::Text(t) => b.literal(t),
                WordPiece::SingleQuotedText(t) => b.quoted(&Field::known(t)),
                WordPiece::AnsiCQuotedText(t) => b.quoted(&Field::known(&unescape(t))),
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    b.open_quote();
                    self.pieces(raw, inner, true, b);
                }
                WordPiece::TildeExpansion(_) => b.literal(source),
                WordPiece::EscapeSequence(s) => {
                    let c = s.chars().nth(1);
                    match c {
                        Some('\n') => {}
                        Some(c) if !quoted || matches!(c, '$' | '`' | '"' | '\\') => {
                            b.quoted(&Field::known(c.encode_utf8(&mut [0; 4])));
                        }
                        _ => b.quoted(&Field::known(s)),
                    }
                }
                WordPiece::CommandSubstitution(script)
                | WordPiece::BackquotedCommandSubstitution(script) => {
                    self.substitution(script);
                    b.value(&Field::unknown(source), quoted);
                }
                WordPiece::ArithmeticExpression(_) => b.value(&Field::unknown(source), quoted),
                WordPiece::ParameterExpansion(expr) => self.parameter(expr, source, quoted, b),
            }
        }
    }

    fn substitution(&mut self, script: &str) {
        if !self.enter_script() {
            return;
        }
        let saved = (self.state.vars.clone(), self.state.cwd.clone());
        self.run_nested(script, &Stdin::None);
        (self.state.vars, self.state.cwd) = saved;
        self.leave_script();
    }

    fn parameter(
        &mut self,
        expr: &ParameterExpr,
        source: &str,
        quoted: bool,
        b: &mut FieldBuilder,
    ) {
        let unknown = Field::unknown(source);
        match expr {
            ParameterExpr::Parameter {
                parameter,
                indirect: false,
            } => {
                if let Parameter::Special(SpecialParameter::AllPositionalParameters {
                    concatenate: false,
                }) = parameter
                    && quoted
                {
                    match self.state.positionals.clone() {
                        Some(list) => b.separate(&list),
                        None => b.value(&unknown, quoted),
                    }
                    return;
                }
                let v = self.lookup(parameter).unwrap_or(unknown);
                b.value(&v, quoted);
            }
            ParameterExpr::UseDefaultValues {
                parameter,
                indirect: false,
                test_type,
                default_value,
            }
            | ParameterExpr::AssignDefaultValues {
                parameter,
                indirect: false,
                test_type,
                default_value,
            } => {
                let current = self.lookup(parameter);
                let use_current = match (&current, test_type) {
                    (Some(v), word::ParameterTestType::UnsetOrNull) => !v.is_empty(),
                    (Some(_), word::ParameterTestType::Unset) => true,
                    (None, _) => false,
                };
                let v = if use_current {
                    current.unwrap_or_default()
                } else {
                    let d = self.expand_single(default_value.as_deref().unwrap_or(""));
                    if let (ParameterExpr::AssignDefaultValues { .. }, Parameter::Named(n)) =
                        (expr, parameter)
                    {
                        self.state.vars.insert(n.clone(), d.clone());
                    }
                    d
                };
                b.value(&v, quoted);
            }
            ParameterExpr::UseAlternativeValue {
                parameter,
                indirect: false,
                test_type,
                alternative_value,
            } => match self.lookup(parameter) {
                Some(v) if !v.is_empty() || matches!(test_type, word::ParameterTestType::Unset) => {
                    let alt = self.expand_single(alternative_value.as_deref().unwrap_or(""));
                    b.value(&alt, quoted);
                }
                Some(_) => b.value(&Field::default(), quoted),
                None => b.value(&unknown, quoted),
            },
            ParameterExpr::IndicateErrorIfNullOrUnset {
                parameter,
                indirect: false,
                ..
            } => {
                let v = self.lookup(parameter).unwrap_or(unknown);
                b.value(&v, quoted);
            }
            ParameterExpr::ParameterLength {
                parameter,
                indirect: false,
            } => match self.lookup(parameter) {
                Some(v) if !v.has_unknown() => {
                    b.value(
                        &Field::known(&v.as_str().chars().count().to_string()),
                        quoted,
                    );
                }
                _ => b.value(&unknown, quoted),
            },
            _ => b.value(&unknown, quoted),
        }
    }

    /// A parameter's value; `None` when unknown.
    fn lookup(&self, parameter: &Parameter) -> Option<Field> {
        match parameter {
            Parameter::Named(n) => self.state.vars.get(n).cloned(),
            Parameter::Positional(0) => Some(Field::known(&self.state.arg0)),
            Parameter::Positional(k) => {
                let list = self.state.positionals.as_ref()?;
                let index = usize::try_from(*k).ok()?.checked_sub(1)?;
                Some(list.get(index).cloned().unwrap_or_default())
            }
            Parameter::Special(SpecialParameter::AllPositionalParameters { .. }) => {
                let list = self.state.positionals.as_ref()?;
                let mut out = Field::default();
                for (i, f) in list.iter().enumerate() {
                    if i > 0 {
                        out.push_char(' ');
                    }
                    out.append(f);
                }
                Some(out)
            }
            Parameter::Special(SpecialParameter::PositionalParameterCount) => self
                .state
                .positionals
                .as_ref()
                .map(|p| Field::known(&p.len().to_string())),
            _ => None,
        }
    }
}

/// Whether a word is its own value: no quote, expansion, escape or tilde. Most words of a
/// script are (`-h`, `/dev/null`, `psql`), and they skip the word parser, which would return
/// them as one text piece (and the guards of [`word_pieces`], which may refuse brackets
/// that only matter in expansions: `[[[[[[[[[[[`).
fn is_plain_word(raw: &str) -> bool {
    let plain = !raw.is_empty()
        && raw.len() <= MAX_VALUE_BYTES
        && !raw.contains(['\'', '"', '$', '`', '\\', '~', '<', '>']);
    // Debug builds (every test) check it against the parser.
    debug_assert!(
        !plain
            || matches!(
                word::parse(raw, &parser_options()).as_deref(),
                Ok([word::WordPieceWithSource { piece: WordPiece::Text(t), .. }]) if t == raw
            ),
        "{raw:?}"
    );
    plain
}

/// Parses a word, or `None` when it cannot be (or must not be, see
/// [`has_oversized_number`]).
fn word_pieces(raw: &str) -> Option<Vec<word::WordPieceWithSource>> {
    if raw.len() > MAX_VALUE_BYTES || has_oversized_number(raw) || word_nesting_too_deep(raw, false)
    {
        return None;
    }
    word::parse(raw, &parser_options()).ok()
}

fn unknown_output(what: &str) -> Stdin {
    Stdin::Unknown {
        via: format!("{VIA_PIPE_FROM} {what}"),
    }
}

/// Builds fields from word pieces, splitting unquoted expansions on whitespace.
#[derive(Default)]
struct FieldBuilder {
    fields: Vec<Field>,
    cur: Field,
    started: bool,
    no_split: bool,
}

impl FieldBuilder {
    fn literal(&mut self, s: &str) {
        self.cur.push_known(s);
        self.started = true;
    }

    fn quoted(&mut self, f: &Field) {
        self.cur.append(f);
        self.started = true;
    }

    fn open_quote(&mut self) {
        self.started = true;
    }

    fn value(&mut self, v: &Field, quoted: bool) {
        if quoted || self.no_split || v.has_unknown() {
            if !v.is_empty() || quoted {
                self.quoted(v);
            }
            return;
        }
        let s = v.as_str();
        let mut first = true;
        let leading_space = s.starts_with(char::is_whitespace);
        for (i, part) in s.split_whitespace().enumerate() {
            if (i > 0 || (first && leading_space)) && self.started {
                self.end_field();
            }
            first = false;
            self.literal(part);
        }
        if s.ends_with(char::is_whitespace) && self.started {
            self.end_field();
        }
    }

    /// `"$@"`: each positional its own field.
    fn separate(&mut self, list: &[Field]) {
        for (i, f) in list.iter().enumerate() {
            if i > 0 {
                self.end_field();
            }
            self.quoted(f);
        }
    }

    fn end_field(&mut self) {
        if self.fields.len() < MAX_FIELDS {
            self.fields.push(std::mem::take(&mut self.cur));
        } else {
            self.cur = Field::default();
        }
        self.started = false;
    }

    fn finish(mut self) -> Vec<Field> {
        if self.started {
            self.end_field();
        }
        self.fields
    }

    fn finish_single(mut self) -> Field {
        if self.fields.is_empty() {
            return self.cur;
        }
        let mut out = Field::default();
        let rest = std::mem::take(&mut self.cur);
        for (i, f) in self.fields.iter().chain(std::iter::once(&rest)).enumerate() {
            if i > 0 {
                out.push_char(' ');
            }
            out.append(f);
        }
        out
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Backslash escapes of `$'…'`, `echo -e` and `printf` formats.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn unescape_field(f: &Field) -> Field {
    if f.has_unknown() || !f.as_str().contains('\\') {
        return f.clone();
    }
    Field::known(&unescape(f.as_str()))
}

/// `printf FORMAT ARGS…` with `%s`/`%b`/`%d`-like conversions.
fn printf(format: &str, args: &[Field]) -> Field {
    let format = unescape(format);
    let mut out = Field::default();
    let mut next = 0usize;
    for round in 0..MAX_PRINTF_ROUNDS {
        let mut used = false;
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push_char(c);
                continue;
            }
            // Skip flags, width and precision.
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '#' | '.'))
            {
                chars.next();
            }
            match chars.next() {
                Some('%') => out.push_char('%'),
                Some(_) => {
                    used = true;
                    if let Some(a) = args.get(next) {
                        out.append(&unescape_field(a));
                    }
                    next += 1;
                }
                None => out.push_char('%'),
            }
        }
        if !used || next >= args.len() || round + 1 == MAX_PRINTF_ROUNDS {
            break;
        }
    }
    out
}

/// `*` and `?` glob matching of one path component.
fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

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
    #[case::unterminated("a", "a\n")]
    #[case::terminated("a\n", "a\n")]
    #[case::final_backslash("a <<\\", "a <<\\\n\n")]
    #[case::escaped_final_newline("a <<\\\n", "a <<\\\n\n")]
    fn scripts_end_with_a_newline_no_backslash_escapes(#[case] text: &str, #[case] ended: &str) {
        assert_eq!(terminated(text), ended);
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
    #[case::arrays("A=(x y); p \"${A[@]}\"", &[&["p", "${A[@]}"][..]])]
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
    #[case::unclosed_subshells(&format!("{}a", "( ".repeat(MAX_BACKTRACKING_NESTING + 1)))]
    #[case::nested_cases(&format!("{}x;; esac", "case a in b) ".repeat(MAX_BACKTRACKING_NESTING + 1)))]
    #[case::substitution_open_across_heredoc("psql <<EOF && \"$(( (1)\nEOF\n")]
    #[case::substitution_open_after_heredoc_command("a <<EOF; b $( (1)\nx\nEOF\n")]
    #[case::fd_overflow("echo 99999999999>x")]
    #[case::tilde_overflow("echo ~+99999999999999999999")]
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

    #[rstest]
    #[case::heredoc(&format!("psql <<EOF\n$({}x{})\nEOF", "( ".repeat(MAX_WORD_NESTING), " )".repeat(MAX_WORD_NESTING)))]
    #[case::word(&format!("echo \"$({}x{})\"", "( ".repeat(MAX_WORD_NESTING), " )".repeat(MAX_WORD_NESTING)))]
    fn words_nesting_parens_too_deep_stay_unknown(#[case] script: &str) {
        let rec = walk_with(script, &[], &[]);
        assert!(rec.unparsable.is_empty(), "{:?}", rec.unparsable);
        assert_eq!(rec.commands.len(), 1, "{:?}", rec.commands);
    }

    /// Scripts at the limit still parse, fast (exponential depths took seconds to minutes).
    #[rstest]
    #[case::nested_cases(&format!("{}x;; esac", "case a in b) ".repeat(MAX_BACKTRACKING_NESTING)))]
    #[case::nested_cases_closed(&format!("{}x{}", "case a in b) ".repeat(MAX_BACKTRACKING_NESTING), ";; esac".repeat(MAX_BACKTRACKING_NESTING)))]
    fn nesting_at_the_backtracking_limit_parses(#[case] script: &str) {
        assert!(matches!(parse(script), Ok(_) | Err(ScriptError::Syntax(_))));
    }

    #[rstest]
    #[case::braces(&format!("{}true{}", "{ ".repeat(MAX_NESTING - 1), "; }".repeat(MAX_NESTING - 1)))]
    #[case::subshells(&format!("{}true{}", "(".repeat(MAX_NESTING - 1), ")".repeat(MAX_NESTING - 1)))]
    #[case::ifs(&format!("{}true{}", "if true; then ".repeat(MAX_NESTING / 2 - 1), "; fi".repeat(MAX_NESTING / 2 - 1)))]
    #[case::substitutions(&format!("echo {}x{}", "$(".repeat(MAX_NESTING - 1), ")".repeat(MAX_NESTING - 1)))]
    #[case::defaults(&format!("echo {}x{}", "${a:-".repeat(MAX_NESTING - 1), "}".repeat(MAX_NESTING - 1)))]
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
        let args: Vec<Field> = args.iter().map(|a| Field::known(a)).collect();
        assert_eq!(printf(format, &args).as_str(), expected);
    }
}
