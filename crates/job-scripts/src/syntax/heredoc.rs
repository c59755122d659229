//! Here-documents. The operator is read with its command; the body starts after the next
//! newline token of the same substitution level, so the reader keeps the pending ones in a
//! list and reads their bodies there, in order (mvdan/sh's `doHeredocs`).

use std::borrow::Cow;
use std::cell::OnceCell;
use std::rc::Rc;

use super::ast::{HereDoc, HereDocBody, Parts, Span, Word};
use super::error::{self, ParseError};
use super::reader::Reader;

/// A here-document whose body is not read yet.
pub(super) struct Pending {
    doc: Rc<HereDoc>,
    /// Where its operator starts, for errors.
    operator: usize,
}

impl Reader<'_> {
    /// The delimiter word after `<<` or `<<-` (the operator starts at `start`).
    pub(super) fn heredoc_operator(
        &mut self,
        strip_tabs: bool,
        start: usize,
    ) -> Result<Rc<HereDoc>, ParseError> {
        let Some(word) = self.word()? else {
            return Err(self.error_at(start, error::HEREDOC_WITHOUT_DELIMITER));
        };
        let (delimiter, quoted) = delimiter(word.span.text(self.src));
        let doc = Rc::new(HereDoc {
            delimiter,
            quoted,
            strip_tabs,
            body: OnceCell::new(),
        });
        self.heredocs.push(Pending {
            doc: Rc::clone(&doc),
            operator: start,
        });
        Ok(doc)
    }

    /// Reads the bodies of the pending here-documents, from the cursor (after a newline).
    pub(super) fn read_heredoc_bodies(&mut self) -> Result<(), ParseError> {
        for pending in std::mem::take(&mut self.heredocs) {
            let body = self.heredoc_body(&pending)?;
            // Set once: each pending here-document is taken from the list once.
            let _ = pending.doc.body.set(body);
        }
        Ok(())
    }

    /// Fails if a here-document's body was never reached.
    pub(super) fn check_no_pending_heredoc(&self) -> Result<(), ParseError> {
        match self.heredocs.first() {
            Some(pending) => Err(self.error_at(pending.operator, error::HEREDOC_UNTERMINATED)),
            None => Ok(()),
        }
    }

    /// The lines up to the delimiter line, which is consumed.
    fn heredoc_body(&mut self, pending: &Pending) -> Result<HereDocBody, ParseError> {
        let doc = &pending.doc;
        let body_start = self.pos;
        let mut line_start = self.pos;
        let body_end = loop {
            if line_start >= self.end {
                return Err(self.error_at(pending.operator, error::HEREDOC_UNTERMINATED));
            }
            let mut line_end = self.line_end(line_start);
            let mut line = Cow::Borrowed(self.src.get(line_start..line_end).unwrap_or(""));
            // Unquoted, `\` + newline joins lines before the delimiter is looked for.
            while !doc.quoted && ends_in_escaping_backslash(&line) && line_end < self.end {
                let next_end = self.line_end(line_end + 1);
                self.count(line.len());
                let joined = line.to_mut();
                joined.pop();
                joined.push_str(self.src.get(line_end + 1..next_end).unwrap_or(""));
                line_end = next_end;
            }
            let candidate = if doc.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                &line
            };
            if candidate == doc.delimiter {
                self.pos = (line_end + 1).min(self.end);
                break line_start;
            }
            line_start = line_end + 1;
        };
        let span = Span::new(body_start, body_end);
        if doc.quoted {
            let text = span.text(self.src);
            return Ok(HereDocBody::Literal(if doc.strip_tabs {
                strip_leading_tabs(text)
            } else {
                text.to_owned()
            }));
        }
        let mut body = Reader::new(
            self.src,
            Rc::clone(&self.source),
            body_start,
            body_end,
            self.depth(),
        );
        // Bash expands the body when the command runs: expansions that do not read fail then,
        // not when the script is read.
        let parts = body.quoted_parts(false, doc.strip_tabs);
        self.count(body.work());
        Ok(match parts {
            Ok(parts) => HereDocBody::Expanding(Word {
                parts: Parts::from(parts),
                span,
            }),
            Err(_) => HereDocBody::Unreadable(span),
        })
    }

    /// The end of the line starting at `from` (its newline, or the end of the reader).
    fn line_end(&self, from: usize) -> usize {
        let rest = self.src.get(from..self.end).unwrap_or("");
        let length = rest.find('\n').unwrap_or(rest.len());
        self.count(length + 1);
        from + length
    }
}

/// The delimiter of a here-document as written in its word: quotes and backslashes removed,
/// and whether there were any (then the body is not expanded).
fn delimiter(word: &str) -> (String, bool) {
    let mut text = String::new();
    let mut quoted = false;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(escaped) => {
                    quoted = true;
                    text.push(escaped);
                }
                None => text.push('\\'),
            },
            '\'' => {
                quoted = true;
                text.extend(chars.by_ref().take_while(|c| *c != '\''));
            }
            '"' => {
                quoted = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if chars
                            .peek()
                            .is_some_and(|n| matches!(n, '$' | '`' | '"' | '\\')) =>
                        {
                            text.extend(chars.next());
                        }
                        other => text.push(other),
                    }
                }
            }
            other => text.push(other),
        }
    }
    (text, quoted)
}

/// Whether a line ends in a backslash that is not itself escaped.
fn ends_in_escaping_backslash(line: &str) -> bool {
    line.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

fn strip_leading_tabs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        out.push_str(line.trim_start_matches('\t'));
    }
    out
}
