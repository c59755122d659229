//! The syntax tree of a shell script. Every node that the analysis may quote keeps its byte
//! [`Span`] in the text it was read from ([`Script::source`]).

use std::cell::OnceCell;
use std::rc::Rc;

/// A byte range of a script's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    pub(crate) fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// The text of the span; empty when it is not a range of `source`.
    #[inline]
    pub(crate) fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// A script, or the text of a command substitution: its commands and the text their spans
/// point into. A `$( … )` shares the text of its script; the text of a `` `…` `` is the
/// substitution with its backslash escapes removed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Script {
    pub body: List,
    pub source: Rc<str>,
}

/// Commands separated by `;`, `&` or newlines.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct List {
    pub items: Vec<AndOr>,
}

/// Pipelines joined by `&&` and `||`, maybe run in the background (`&`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Logical, Pipeline)>,
    pub background: bool,
}

/// `&&` or `||`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Logical {
    And,
    Or,
}

/// Commands joined by `|` (or `|&`), maybe negated (`!`) or timed (`time`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pipeline {
    pub negated: bool,
    pub timed: bool,
    pub commands: Vec<Command>,
    pub span: Span,
}

/// One command of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Command {
    Simple(SimpleCommand),
    Compound(Box<Compound>),
    /// Shared: the walker keeps defined functions without copying their bodies.
    Function(Rc<FunctionDef>),
}

/// Assignments, words and redirections, in the order of their kinds.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SimpleCommand {
    /// `NAME=value` before the command name.
    pub assignments: Vec<Assignment>,
    /// The command name and its arguments.
    pub arguments: Vec<Argument>,
    pub redirects: Vec<Redirect>,
    pub span: Span,
}

/// An argument of a simple command: a word, or an assignment given to a declaration builtin
/// (`export`, `local`, `readonly`, `declare`, `typeset`), which bash reads as an assignment.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Argument {
    Word(Word),
    /// Boxed: rare, and three times the size of a word.
    Assignment(Box<Assignment>),
}

/// `NAME=value`, `NAME+=value`, `NAME[subscript]=value`, `NAME=(elements)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Assignment {
    pub name: String,
    pub subscript: Option<Word>,
    pub append: bool,
    pub value: AssignedValue,
    pub span: Span,
}

/// The right-hand side of an assignment.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AssignedValue {
    Scalar(Word),
    /// `( a b [k]=v )`.
    Array(Vec<ArrayElement>),
}

/// One element of an array literal, with its key when written `[key]=value`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ArrayElement {
    pub key: Option<Word>,
    pub value: Word,
}

/// A compound command and the redirections that follow it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Compound {
    pub kind: CompoundKind,
    pub redirects: Vec<Redirect>,
    pub span: Span,
}

/// The compound commands of POSIX sh and bash.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CompoundKind {
    /// `{ list; }`
    Brace(List),
    /// `( list )`
    Subshell(List),
    /// `if c; then b; elif c; then b; else b; fi`: the `(condition, body)` branches in order.
    If {
        branches: Vec<(List, List)>,
        otherwise: Option<List>,
    },
    /// `while c; do b; done` and `until c; do b; done`.
    Loop {
        until: bool,
        condition: List,
        body: List,
    },
    /// `for name [in words]; do b; done` (`values` is `None` without `in`: the positional
    /// parameters), and bash's `select`, which reads the same.
    For {
        select: bool,
        variable: String,
        values: Option<Vec<Word>>,
        body: List,
    },
    /// `for (( init; condition; step )); do b; done`.
    ArithmeticFor {
        init: Word,
        condition: Word,
        step: Word,
        body: List,
    },
    /// `case word in pattern) list ;; esac`.
    Case { subject: Word, arms: Vec<CaseArm> },
    /// `(( expression ))`.
    Arithmetic(Word),
    /// `[[ … ]]`: its words in order, operators (`-f`, `==`, `&&`, `(`, `!`) as literal words.
    Conditional(Vec<Word>),
    /// `coproc [NAME] command`.
    Coproc { name: Option<String>, body: Command },
}

/// One arm of a `case`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CaseArm {
    pub patterns: Vec<Word>,
    pub body: List,
    pub end: CaseEnd,
}

/// What ends a `case` arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CaseEnd {
    /// `;;` (or the `esac` of the last arm).
    Break,
    /// `;&`: the next arm's body runs too.
    FallThrough,
    /// `;;&`: the next patterns are tested too.
    Continue,
}

/// `name() compound` or `function name [()] compound`, with the body's redirections.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FunctionDef {
    pub name: String,
    pub body: Compound,
    pub span: Span,
}

/// A redirection: `[n]>word`, `<<EOF`, `<<<word`, `&>word`, `{var}>word`, ….
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Redirect {
    /// The file descriptor written before the operator; `None` for the operator's default.
    pub fd: Option<RedirectFd>,
    pub target: RedirectTarget,
    pub span: Span,
}

/// The file descriptor of a redirection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RedirectFd {
    /// `2>`; numbers beyond `u32` saturate.
    Number(u32),
    /// `{name}>`: bash allocates one and stores it in the variable.
    Variable(String),
}

/// What a redirection does.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RedirectTarget {
    File(FileOp, Word),
    /// `<<<word`.
    HereString(Word),
    /// `<<DELIM` and `<<-DELIM`.
    HereDoc(Rc<HereDoc>),
}

/// Redirection operators that take a file (or a file descriptor) as their word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileOp {
    /// `<`
    Read,
    /// `>`
    Write,
    /// `>>`
    Append,
    /// `>|`
    Clobber,
    /// `<>`
    ReadWrite,
    /// `<&`
    DupRead,
    /// `>&`
    DupWrite,
    /// `&>` (and `>&word` where word is not a number, which bash reads the same)
    WriteBoth,
    /// `&>>`
    AppendBoth,
}

/// A here-document. Its body is read at the next newline, after the node is made.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HereDoc {
    /// The delimiter after quote removal.
    pub delimiter: String,
    /// Whether the delimiter was quoted: then the body is not expanded.
    pub quoted: bool,
    /// `<<-`: leading tabs are removed from the body's lines.
    pub strip_tabs: bool,
    pub(super) body: OnceCell<HereDocBody>,
}

impl HereDoc {
    /// The body; the reader sets it before it answers a script.
    pub(crate) fn body(&self) -> &HereDocBody {
        const UNSET: &HereDocBody = &HereDocBody::Literal(String::new());
        self.body.get().unwrap_or(UNSET)
    }
}

/// The body of a here-document.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum HereDocBody {
    /// Quoted delimiter: the text as written (leading tabs removed for `<<-`).
    Literal(String),
    /// Unquoted delimiter: text with `$` expansions, command substitutions and `\` escapes.
    Expanding(Word),
    /// Unquoted delimiter, but the expansions do not read (bash would fail when it runs);
    /// the span of the body.
    Unreadable(Span),
}

/// Text of a word: a span of the script when it is written as is (most text is, and needs no
/// copy), owned when the reader changed it (escapes removed, lines joined).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Text {
    Span(Span),
    Owned(String),
}

impl Text {
    /// The text, from the script's `source`.
    #[inline]
    pub(crate) fn as_str<'a>(&'a self, source: &'a str) -> &'a str {
        match self {
            Self::Span(span) => span.text(source),
            Self::Owned(text) => text,
        }
    }
}

/// A shell word: its parts, concatenated.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Word {
    pub parts: Parts,
    pub span: Span,
}

/// The parts of a word. Most words have one part, kept inline: a script has many words, and
/// a vector each would double the allocations of reading it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Parts(PartsRepr);

#[derive(Clone, Debug, Default, PartialEq)]
enum PartsRepr {
    #[default]
    Empty,
    One(WordPart),
    Many(Vec<WordPart>),
}

impl Parts {
    pub(crate) fn push(&mut self, part: WordPart) {
        self.0 = match std::mem::take(&mut self.0) {
            PartsRepr::Empty => PartsRepr::One(part),
            PartsRepr::One(first) => PartsRepr::Many(vec![first, part]),
            PartsRepr::Many(mut parts) => {
                parts.push(part);
                PartsRepr::Many(parts)
            }
        };
    }
}

impl std::ops::Deref for Parts {
    type Target = [WordPart];

    fn deref(&self) -> &[WordPart] {
        match &self.0 {
            PartsRepr::Empty => &[],
            PartsRepr::One(part) => std::slice::from_ref(part),
            PartsRepr::Many(parts) => parts,
        }
    }
}

impl std::ops::DerefMut for Parts {
    fn deref_mut(&mut self) -> &mut [WordPart] {
        match &mut self.0 {
            PartsRepr::Empty => &mut [],
            PartsRepr::One(part) => std::slice::from_mut(part),
            PartsRepr::Many(parts) => parts,
        }
    }
}

impl Extend<WordPart> for Parts {
    fn extend<I: IntoIterator<Item = WordPart>>(&mut self, parts: I) {
        for part in parts {
            self.push(part);
        }
    }
}

impl IntoIterator for Parts {
    type Item = WordPart;
    type IntoIter = std::vec::IntoIter<WordPart>;

    fn into_iter(self) -> Self::IntoIter {
        match self.0 {
            PartsRepr::Empty => Vec::new().into_iter(),
            PartsRepr::One(part) => vec![part].into_iter(),
            PartsRepr::Many(parts) => parts.into_iter(),
        }
    }
}

impl From<Vec<WordPart>> for Parts {
    fn from(parts: Vec<WordPart>) -> Self {
        let mut out = Self::default();
        out.extend(parts);
        out
    }
}

impl Word {
    /// The text of a word that is one unquoted literal (a keyword candidate, a function name).
    #[inline]
    pub(crate) fn as_literal<'a>(&'a self, source: &'a str) -> Option<&'a str> {
        match &*self.parts {
            [WordPart::Literal(text)] => Some(text.as_str(source)),
            _ => None,
        }
    }

    /// The word after quote removal when it holds no expansion.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn unquoted(&self, source: &str) -> Option<String> {
        let mut out = String::new();
        for part in self.parts.iter() {
            if !part.push_unquoted(&mut out, source) {
                return None;
            }
        }
        Some(out)
    }
}

/// A part of a [`Word`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum WordPart {
    /// Text: unquoted in a word, quoted inside `"…"` and here-document bodies.
    Literal(Text),
    /// Characters escaped with a backslash outside quotes (`\*`, `\ `).
    Escaped(String),
    /// `'…'`
    SingleQuoted(String),
    /// `$'…'`, its escapes already read.
    AnsiC(String),
    /// `"…"`, and bash's `$"…"` (translated text).
    DoubleQuoted(Vec<WordPart>),
    /// `$name`, `${…}`.
    Param(Box<ParamExp>),
    /// `$( … )` and `` `…` ``.
    CommandSubst(Box<CommandSubst>),
    /// `$(( … ))` and `$[ … ]`.
    Arithmetic(Box<Arithmetic>),
    /// `<( … )` and `>( … )`.
    ProcessSubst(Box<ProcessSubst>),
    /// `@( a | b )`, `!(…)`, `?(…)`, `*(…)`, `+(…)`.
    ExtGlob(Box<ExtGlob>),
}

impl WordPart {
    #[cfg(any(test, feature = "fuzzing"))]
    fn push_unquoted(&self, out: &mut String, source: &str) -> bool {
        match self {
            Self::Literal(text) => {
                out.push_str(text.as_str(source));
                true
            }
            Self::Escaped(text) | Self::SingleQuoted(text) | Self::AnsiC(text) => {
                out.push_str(text);
                true
            }
            Self::DoubleQuoted(parts) => parts.iter().all(|p| p.push_unquoted(out, source)),
            Self::Param(_)
            | Self::CommandSubst(_)
            | Self::Arithmetic(_)
            | Self::ProcessSubst(_)
            | Self::ExtGlob(_) => false,
        }
    }
}

/// A command substitution.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CommandSubst {
    pub script: Script,
    pub backquoted: bool,
    pub span: Span,
}

/// An arithmetic expansion: its expression as a word (bash expands it, then evaluates it).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Arithmetic {
    pub expression: Word,
    pub span: Span,
}

/// A process substitution.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ProcessSubst {
    /// `>( … )`: the command reads what is written to the path; `<( … )`: it writes to it.
    pub writes_to_command: bool,
    pub script: Script,
    pub span: Span,
}

/// An extended glob pattern.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ExtGlob {
    /// `@`, `!`, `?`, `*` or `+`.
    pub operator: char,
    /// The alternatives between `|`.
    pub patterns: Vec<Word>,
    pub span: Span,
}

/// A parameter expansion.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ParamExp {
    pub parameter: Parameter,
    /// `${!name}`: indirection; with a `[@]`/`[*]` subscript, the array's keys.
    pub indirect: bool,
    pub subscript: Option<Subscript>,
    pub operation: ParamOp,
    /// Written `$name` rather than `${…}`.
    pub short: bool,
    pub span: Span,
}

/// What a parameter expansion names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Parameter {
    Named(String),
    /// `$0`…`$9`, `${10}`; numbers beyond `u32` saturate.
    Positional(u32),
    Special(Special),
}

/// The special parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    /// `$@`
    At,
    /// `$*`
    Star,
    /// `$#`
    Count,
    /// `$?`
    Status,
    /// `$-`
    Options,
    /// `$$`
    ProcessId,
    /// `$!`
    LastBackground,
}

/// An array subscript.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Subscript {
    /// `[@]`
    At,
    /// `[*]`
    Star,
    /// `[expression]`
    Index(Word),
}

/// The operation of a `${…}` expansion.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ParamOp {
    /// `$x`, `${x}`
    Value,
    /// `${#x}`
    Length,
    /// `${!prefix*}`, `${!prefix@}`: the names of the variables with a prefix.
    Names,
    /// `${x-w}`, `${x:-w}`, `${x=w}`, `${x:=w}`, `${x?w}`, `${x:?w}`, `${x+w}`, `${x:+w}`.
    Default {
        kind: DefaultKind,
        /// Written with `:`: a null value counts as unset.
        colon: bool,
        word: Word,
    },
    /// `${x#p}`, `${x##p}`, `${x%p}`, `${x%%p}`.
    Trim {
        suffix: bool,
        longest: bool,
        pattern: Word,
    },
    /// `${x/p/r}`, `${x//p/r}`, `${x/#p/r}`, `${x/%p/r}`.
    Replace {
        anchor: ReplaceAnchor,
        pattern: Word,
        replacement: Option<Word>,
    },
    /// `${x:offset}`, `${x:offset:length}`.
    Substring { offset: Word, length: Option<Word> },
    /// `${x^p}`, `${x^^p}`, `${x,p}`, `${x,,p}`.
    Case {
        upper: bool,
        all: bool,
        pattern: Option<Word>,
    },
    /// `${x@Q}` and the other transformations.
    Transform(char),
    /// A `${…}` bash reads but refuses when it runs ("bad substitution"): what follows the
    /// parameter, up to the closing brace.
    Bad(Word),
}

/// The four default-value operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DefaultKind {
    /// `-`: use the word.
    Use,
    /// `=`: assign the word.
    Assign,
    /// `?`: fail with the word.
    Error,
    /// `+`: use the word when the parameter is set.
    Alternative,
}

/// Where `${x/p/r}` matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplaceAnchor {
    /// `/`: the first match.
    First,
    /// `//`: every match.
    All,
    /// `/#`: at the start.
    Prefix,
    /// `/%`: at the end.
    Suffix,
}

/// The simple commands of a list, outside substitutions, in the order they are written.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn simple_commands<'a>(list: &'a List, out: &mut Vec<&'a SimpleCommand>) {
    for item in &list.items {
        for pipeline in std::iter::once(&item.first).chain(item.rest.iter().map(|(_, p)| p)) {
            for command in &pipeline.commands {
                command_simple_commands(command, out);
            }
        }
    }
}

#[cfg(any(test, feature = "fuzzing"))]
fn command_simple_commands<'a>(command: &'a Command, out: &mut Vec<&'a SimpleCommand>) {
    let kind = match command {
        Command::Simple(simple) => {
            out.push(simple);
            return;
        }
        Command::Compound(compound) => &compound.kind,
        Command::Function(function) => &function.body.kind,
    };
    match kind {
        CompoundKind::Brace(body) | CompoundKind::Subshell(body) => simple_commands(body, out),
        CompoundKind::If {
            branches,
            otherwise,
        } => {
            for (condition, body) in branches {
                simple_commands(condition, out);
                simple_commands(body, out);
            }
            if let Some(otherwise) = otherwise {
                simple_commands(otherwise, out);
            }
        }
        CompoundKind::Loop {
            condition, body, ..
        } => {
            simple_commands(condition, out);
            simple_commands(body, out);
        }
        CompoundKind::For { body, .. } | CompoundKind::ArithmeticFor { body, .. } => {
            simple_commands(body, out);
        }
        CompoundKind::Case { arms, .. } => {
            for arm in arms {
                simple_commands(&arm.body, out);
            }
        }
        CompoundKind::Coproc { body, .. } => command_simple_commands(body, out),
        CompoundKind::Arithmetic(_) | CompoundKind::Conditional(_) => {}
    }
}
