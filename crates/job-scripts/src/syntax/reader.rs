//! The reader's cursor: one pass over the bytes of a script, line continuations joined where
//! the shell joins them, nesting counted, errors placed.

use std::cell::Cell;
use std::rc::Rc;

use super::MAX_DEPTH;
use super::ast::{List, Script};
use super::error::{self, ParseError};
use super::heredoc::Pending;

/// Reads one text: a script, the body of a here-document, the text of a `` `…` ``.
pub(super) struct Reader<'a> {
    /// The whole text (positions are offsets into it).
    pub(super) src: &'a str,
    /// Its bytes up to `end`.
    bytes: &'a [u8],
    pub(super) pos: usize,
    /// Where this reader stops: the end of `src`, or of a here-document body.
    pub(super) end: usize,
    /// The text shared with the [`Script`] nodes made from it.
    pub(super) source: Rc<str>,
    depth: usize,
    /// Here-documents whose operator was read and whose body starts after the next newline.
    pub(super) heredocs: Vec<Pending>,
    /// Bytes the look-ahead of `$((` and `((` may still scan (see [`Reader::arithmetic_ahead`]).
    scan_budget: usize,
    /// Steps taken (bytes looked at, look-ahead included): what tests bound to show that
    /// reading is linear.
    work: Cell<usize>,
    /// The reserved word last looked for and where: a command start is asked several times.
    pub(super) keyword_at: Option<(usize, Option<&'static str>)>,
    /// Where the last array literal ended: a word glued to it (`a=()b`) is no assignment.
    pub(super) array_end: Option<usize>,
}

// Byte classes and the reader's smallest steps are `#[inline]`: at `opt-level = "s"` (the
// policies' build) they stay calls otherwise, each costing more than its body.

/// Bytes that end an unquoted word: blanks, newlines and the shell's operators.
#[inline]
pub(super) fn is_metachar(byte: u8) -> bool {
    matches!(
        byte,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
    )
}

#[inline]
pub(super) fn is_name_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

pub(super) fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Whether `text` is a shell variable name.
pub(crate) fn is_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first().is_some_and(|b| is_name_start(*b)) && bytes.iter().all(|b| is_name_byte(*b))
}

impl<'a> Reader<'a> {
    /// A reader of `src[pos..end]`, `depth` levels deep.
    pub(super) fn new(src: &'a str, source: Rc<str>, pos: usize, end: usize, depth: usize) -> Self {
        let end = end.min(src.len());
        Self {
            src,
            bytes: src.as_bytes().get(..end).unwrap_or_default(),
            pos: pos.min(end),
            end,
            source,
            depth,
            heredocs: Vec::new(),
            scan_budget: 4 * (end - pos.min(end)) + 1024,
            work: Cell::new(0),
            keyword_at: None,
            array_end: None,
        }
    }

    /// Counts `steps` of work. Only tests read the count, so other builds skip it (its
    /// saturating additions were ~4 % of the reader's instructions).
    #[cfg_attr(not(test), allow(clippy::unused_self, unused_variables))]
    pub(super) fn count(&self, steps: usize) {
        #[cfg(test)]
        self.work.set(self.work.get().saturating_add(steps));
    }

    /// The steps taken so far.
    pub(super) fn work(&self) -> usize {
        self.work.get()
    }

    /// Reads a whole script: commands up to the end, every here-document body read.
    pub(super) fn script(&mut self) -> Result<Script, ParseError> {
        let body: List = self.list()?;
        if self.peek().is_some() {
            return Err(self.unexpected());
        }
        self.check_no_pending_heredoc()?;
        Ok(Script {
            body,
            source: self.source.clone(),
        })
    }

    // -----------------------------------------------------------------------------------------
    // Bytes

    /// Skips `\` + newline pairs: the shell removes them before reading tokens (outside single
    /// quotes, comments and quoted here-documents).
    pub(super) fn skip_continuations(&mut self) {
        self.count(1);
        while self.raw_at(self.pos) == Some(b'\\') && self.raw_at(self.pos + 1) == Some(b'\n') {
            self.pos += 2;
            self.count(1);
        }
    }

    /// The byte at `at`, without joining lines.
    pub(super) fn raw_at(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    /// The next byte, lines joined. Inlined: it is the reader's most frequent call, and a
    /// call costs more than its body.
    #[inline]
    pub(super) fn peek(&mut self) -> Option<u8> {
        self.count(1);
        let byte = self.raw_at(self.pos)?;
        if byte == b'\\' && self.raw_at(self.pos + 1) == Some(b'\n') {
            self.skip_continuations();
            return self.raw_at(self.pos);
        }
        Some(byte)
    }

    /// The byte `n` places after the next one (`peek_ahead(0)` is `peek()`), lines joined.
    /// Call after [`Reader::peek`], which joins the lines before the next byte.
    pub(super) fn peek_ahead(&self, n: usize) -> Option<u8> {
        if let Some(window) = self.bytes.get(self.pos..=self.pos + n)
            && !window.contains(&b'\\')
        {
            self.count(1);
            return window.last().copied();
        }
        let mut at = self.pos;
        let mut left = n;
        loop {
            self.count(1);
            while self.raw_at(at) == Some(b'\\') && self.raw_at(at + 1) == Some(b'\n') {
                at += 2;
                self.count(1);
            }
            let byte = self.raw_at(at)?;
            if left == 0 {
                return Some(byte);
            }
            left -= 1;
            at += 1;
        }
    }

    /// Whether the next bytes are `text` (lines joined). `text` holds no backslash.
    pub(super) fn at(&mut self, text: &str) -> bool {
        self.written_at(text).unwrap_or_else(|| {
            text.bytes()
                .enumerate()
                .all(|(i, b)| self.peek_ahead(i) == Some(b))
        })
    }

    /// [`Reader::at`] where no line is joined in the next `text.len()` bytes (the common
    /// case, decided without the byte-by-byte look-ahead); `None` where one may be.
    #[inline]
    fn written_at(&mut self, text: &str) -> Option<bool> {
        self.peek();
        let window = self.bytes.get(self.pos..self.pos + text.len())?;
        // Byte by byte: `==` and `contains` would call `memcmp` and `memchr` for these few
        // bytes.
        if window.iter().zip(text.bytes()).all(|(a, b)| *a == b) {
            return Some(true);
        }
        window.iter().all(|b| *b != b'\\').then_some(false)
    }

    /// Consumes `text` (which holds no backslash) if the next bytes are it.
    pub(super) fn eat(&mut self, text: &str) -> bool {
        match self.written_at(text) {
            Some(true) => {
                self.pos += text.len();
                true
            }
            Some(false) => false,
            None if self.at(text) => {
                for _ in 0..text.len() {
                    self.peek();
                    self.pos += 1;
                }
                true
            }
            None => false,
        }
    }

    /// Consumes one byte (an ASCII byte the caller has peeked).
    pub(super) fn bump(&mut self) {
        if self.pos < self.end {
            self.pos += 1;
        }
    }

    /// Consumes the next character, lines joined.
    pub(super) fn take_char(&mut self) -> Option<char> {
        self.peek()?;
        let c = self.src.get(self.pos..self.end)?.chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Skips blanks (spaces and tabs; other whitespace is text to the shell).
    pub(super) fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Skips blanks and a comment, up to (not over) the end of the line.
    pub(super) fn blanks_and_comment(&mut self) {
        self.blanks();
        if self.peek() == Some(b'#') {
            let rest = self.src.as_bytes().get(self.pos..self.end).unwrap_or(&[]);
            let length = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
            self.count(length);
            self.pos += length;
        }
    }

    /// Skips blanks, comments and newlines, reading the here-documents each newline starts.
    pub(super) fn linebreaks(&mut self) -> Result<(), ParseError> {
        loop {
            self.blanks_and_comment();
            if self.peek() != Some(b'\n') {
                return Ok(());
            }
            self.newline()?;
        }
    }

    /// Consumes a newline token: the bodies of pending here-documents follow it.
    pub(super) fn newline(&mut self) -> Result<(), ParseError> {
        self.bump();
        self.read_heredoc_bodies()
    }

    // -----------------------------------------------------------------------------------------
    // Nesting and look-ahead

    /// Enters a nested construct that starts at `at`.
    pub(super) fn enter(&mut self, at: usize) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(ParseError::at(
                at,
                format!("{} (more than {MAX_DEPTH} levels)", error::TOO_DEEP),
                true,
            ));
        }
        self.depth += 1;
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub(super) fn depth(&self) -> usize {
        self.depth
    }

    /// After `((` or `$((` (at the next byte): whether it is arithmetic, that is whether the
    /// parenthesis that closes the first `(` is followed by another `)`. Otherwise it opens a
    /// subshell (`((cd x; ls) | wc)`, `$((a) | b)`), which bash decides the same way, by
    /// reading ahead. The look-ahead tracks quotes and parentheses only; its total length is
    /// bounded by [`Reader::scan_budget`] so that nested `((` stay linear, and once the budget
    /// is spent `((` is read as arithmetic.
    pub(super) fn arithmetic_ahead(&mut self) -> bool {
        let at = self.pos;
        let budget = self.scan_budget;
        let ahead = self.scan(at, budget);
        self.scan_budget -= ahead.1.min(budget);
        self.count(ahead.1);
        ahead.0
    }

    /// The look-ahead of [`Reader::arithmetic_ahead`] from `at`: its answer and the bytes
    /// it scanned.
    fn scan(&self, mut at: usize, budget: usize) -> (bool, usize) {
        let bytes = self.src.as_bytes();
        let mut depth = 0usize;
        let mut scanned = 0usize;
        while at < self.end && scanned < budget {
            scanned += 1;
            match bytes.get(at).copied() {
                Some(b'\\') => at += 1,
                Some(quote @ (b'\'' | b'"')) => {
                    at += 1;
                    while at < self.end && scanned < budget && bytes.get(at) != Some(&quote) {
                        if quote == b'"' && bytes.get(at) == Some(&b'\\') {
                            at += 1;
                        }
                        at += 1;
                        scanned += 1;
                    }
                }
                Some(b'(') => depth += 1,
                Some(b')') => {
                    if depth == 0 {
                        let mut next = at + 1;
                        while bytes.get(next) == Some(&b'\\') && bytes.get(next + 1) == Some(&b'\n')
                        {
                            next += 2;
                        }
                        return (next >= self.end || bytes.get(next) == Some(&b')'), scanned);
                    }
                    depth -= 1;
                }
                _ => {}
            }
            at += 1;
        }
        (true, scanned)
    }

    // -----------------------------------------------------------------------------------------
    // Errors

    /// An error at `at`.
    pub(super) fn error_at(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError::at(at, message.into(), false)
    }

    /// The token at the cursor, for "unexpected …".
    pub(super) fn unexpected(&mut self) -> ParseError {
        let token = self.describe_token();
        self.error_at(self.pos, error::unexpected(&token))
    }

    fn describe_token(&mut self) -> String {
        const OPERATORS: [&str; 16] = [
            ";;&", ";;", ";&", "&&", "||", "|&", "&>>", "&>", "<<", ">>", "|", ";", "&", "(", ")",
            "\n",
        ];
        if self.peek().is_none() {
            return "end of input".to_owned();
        }
        if let Some(op) = OPERATORS.iter().find(|op| self.at(op)) {
            return if *op == "\n" {
                "newline".to_owned()
            } else {
                format!("`{op}`")
            };
        }
        let rest = self.src.get(self.pos..self.end).unwrap_or("");
        let word: String = rest
            .chars()
            .take_while(|c| !c.is_ascii() || !is_metachar(*c as u8))
            .take(24)
            .collect();
        format!("`{word}`")
    }
}
