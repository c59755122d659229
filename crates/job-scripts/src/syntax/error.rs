//! Syntax errors: a message and where in the script it applies.

use std::fmt;

/// A syntax error, at a byte offset of the script, with its line and column (both from 1;
/// the column counts characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The error is the nesting limit, not the script's syntax.
    pub too_deep: bool,
}

impl ParseError {
    /// An error at `offset`, placed on its line and column by [`ParseError::locate`] (the
    /// reader places only the error it answers: errors it recovers from cost no scan).
    pub(crate) fn at(offset: usize, message: String, too_deep: bool) -> Self {
        Self {
            offset,
            line: 0,
            column: 0,
            message,
            too_deep,
        }
    }

    /// Sets the line and column of the offset in `source`.
    pub(crate) fn locate(mut self, source: &str) -> Self {
        let offset = crate::text::floor_boundary(source, self.offset);
        let before = source.get(..offset).unwrap_or("");
        self.offset = offset;
        self.line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        self.column = before.get(line_start..).unwrap_or("").chars().count() + 1;
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// A `(` of a subshell, `$(`, `<(` or `>(` without its `)`.
pub(crate) const UNCLOSED_PAREN: &str = "( is not closed";
/// A `'` without its closing quote.
pub(crate) const UNCLOSED_SINGLE_QUOTE: &str = "' is not closed";
/// A `"` without its closing quote.
pub(crate) const UNCLOSED_DOUBLE_QUOTE: &str = "\" is not closed";
/// A backquote without its closing backquote.
pub(crate) const UNCLOSED_BACKQUOTE: &str = "` is not closed";
/// A `${` without its `}`.
pub(crate) const UNCLOSED_BRACE: &str = "${ is not closed";
/// A `$((` or `((` without its `))`.
pub(crate) const UNCLOSED_ARITHMETIC: &str = "(( is not closed";
/// A `$[` or a subscript `[` without its `]`.
pub(crate) const UNCLOSED_BRACKET: &str = "[ is not closed";
/// An extended glob pattern without its `)`.
pub(crate) const UNCLOSED_EXTGLOB: &str = "extended glob pattern is not closed";
/// A here-document operator not followed by a delimiter word.
pub(crate) const HEREDOC_WITHOUT_DELIMITER: &str = "a here-document operator without a delimiter";
/// Input ends before a here-document's delimiter line.
pub(crate) const HEREDOC_UNTERMINATED: &str = "here-document not ended by its delimiter line";
/// Nesting deeper than [`super::MAX_DEPTH`].
pub(crate) const TOO_DEEP: &str = "nested too deep";
/// A redirection operator without its word.
pub(crate) const REDIRECT_WITHOUT_TARGET: &str = "a redirection without a target";
/// `&&`, `||` or `|` without a command after it.
pub(crate) const MISSING_COMMAND: &str = "a command is missing";
/// A compound command's keyword is missing (`then`, `do`, `fi`, `done`, `esac`, `in`, `}`).
pub(crate) fn expected(what: &str) -> String {
    format!("expected {what}")
}
/// A token where none of its kind may stand.
pub(crate) fn unexpected(token: &str) -> String {
    format!("unexpected {token}")
}
