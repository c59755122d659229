//! Small text helpers and [`Field`], a string that remembers which parts are unknown.

/// Longest [`Finding::statement`](crate::Finding::statement), in characters.
pub const MAX_STATEMENT_CHARS: usize = 80;
/// Marks a shortened statement.
pub const ELLIPSIS: &str = "…";
/// Largest value a word may grow to, in bytes (as large as a script: `sh -c` takes one).
pub(crate) const MAX_VALUE_BYTES: usize = crate::MAX_SCRIPT_BYTES;

/// Collapses whitespace runs to one space, trims, and shortens to [`MAX_STATEMENT_CHARS`]
/// characters, the last being [`ELLIPSIS`] when something was cut.
pub(crate) fn shorten(text: &str) -> String {
    let mut out = String::new();
    let mut count = 0usize;
    let mut cut = false;
    for word in text.split_whitespace() {
        let need_space = !out.is_empty();
        let extra = word.chars().count() + usize::from(need_space);
        if count + extra > MAX_STATEMENT_CHARS {
            cut = true;
            if need_space && count < MAX_STATEMENT_CHARS - 1 {
                out.push(' ');
                count += 1;
            }
            for c in word.chars() {
                if count >= MAX_STATEMENT_CHARS - 1 {
                    break;
                }
                out.push(c);
                count += 1;
            }
            break;
        }
        if need_space {
            out.push(' ');
        }
        out.push_str(word);
        count += extra;
    }
    if cut {
        // The words before the cut may fill every place: one is left for the ellipsis.
        if let Some((end, _)) = out.char_indices().nth(MAX_STATEMENT_CHARS - 1) {
            out.truncate(end);
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push_str(ELLIPSIS);
    }
    out
}

/// Parts of a variable name that mark its value as secret, anywhere in the name.
const SECRET_NAME_PARTS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
    "APIKEY",
    "PRIVATE",
];
/// Words of a variable name (split on `_`) that mark its value as secret.
const SECRET_NAME_WORDS: &[&str] = &["KEY", "PASS", "PWD", "PW", "AUTH", "CERT", "DSN"];

/// Whether a variable name says its value is a credential: `PGPASSWORD`, `DB_PASS`,
/// `API_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `HASURA_GRAPHQL_ADMIN_SECRET`, `AUTH`…
/// (`PWD`, the working directory, is not one).
pub(crate) fn looks_secret(name: &str) -> bool {
    // Compared in place, case-insensitively: every assignment and expansion asks, and an
    // upper-cased copy plus a substring searcher per part cost more than the walk itself.
    if name.eq_ignore_ascii_case("PWD") || name.eq_ignore_ascii_case("OLDPWD") {
        return false;
    }
    SECRET_NAME_PARTS
        .iter()
        .any(|part| contains_ignore_ascii_case(name, part))
        || name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| {
                SECRET_NAME_WORDS
                    .iter()
                    .any(|w| word.eq_ignore_ascii_case(w))
            })
}

/// Whether `haystack` contains `needle`, ASCII letters compared case-insensitively.
fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The last path segment: `/usr/bin/psql` → `psql`.
pub(crate) fn basename(path: &str) -> &str {
    // A byte search: `rsplit` sets up a searcher, which costs more than these few bytes.
    match path.bytes().rposition(|b| b == b'/') {
        Some(slash) => &path[slash + 1..],
        None => path,
    }
}

/// Makes `path` absolute against `cwd` (when known) and removes `.`, `..` and `//`.
pub(crate) fn normalize_path(path: &str, cwd: Option<&str>) -> String {
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        match cwd {
            Some(dir) if dir.starts_with('/') => format!("{}/{path}", dir.trim_end_matches('/')),
            _ => return path.to_owned(),
        }
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Fully known fields of `words`: a command line as the tests write it.
#[cfg(test)]
pub(crate) fn known_fields(words: &[&str]) -> Vec<Field> {
    words.iter().map(|w| Field::known(w)).collect()
}

/// Largest index `<= at` that is a char boundary of `s`.
pub(crate) fn floor_boundary(s: &str, at: usize) -> usize {
    let mut i = at.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A word after expansion: its text, and the byte ranges whose value is unknown (left as
/// written, e.g. `$SQL` when `SQL` comes from a Secret, or a command substitution).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Field {
    text: String,
    unknown: Vec<(usize, usize)>,
    /// Text was cut at [`MAX_VALUE_BYTES`]: what is known is only its beginning.
    cut: bool,
}

impl Field {
    /// A fully known field.
    pub(crate) fn known(text: &str) -> Self {
        let mut f = Self::with_capacity(text.len());
        f.push_known(text);
        f
    }

    /// An empty field with room for `bytes` of text.
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Self {
            text: String::with_capacity(bytes.min(MAX_VALUE_BYTES)),
            unknown: Vec::new(),
            cut: false,
        }
    }

    /// A fully unknown field.
    pub(crate) fn unknown(text: &str) -> Self {
        let mut f = Self::with_capacity(text.len());
        f.push_unknown(text);
        f
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Appends known text (up to [`MAX_VALUE_BYTES`]; beyond, the field is marked unknown).
    pub(crate) fn push_known(&mut self, s: &str) {
        self.push(s, false);
    }

    /// Appends text whose value is unknown.
    pub(crate) fn push_unknown(&mut self, s: &str) {
        self.push(s, true);
    }

    pub(crate) fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.push_known(c.encode_utf8(&mut buf));
    }

    /// Appends another field, keeping its unknown ranges.
    pub(crate) fn append(&mut self, other: &Self) {
        for (text, unknown) in other.segments() {
            self.push(text, unknown);
        }
        self.cut |= other.cut;
    }

    fn push(&mut self, s: &str, unknown: bool) {
        let room = MAX_VALUE_BYTES.saturating_sub(self.text.len());
        let (s, cut) = if s.len() > room {
            (&s[..floor_boundary(s, room)], true)
        } else {
            (s, false)
        };
        if !s.is_empty() {
            let start = self.text.len();
            self.text.push_str(s);
            if unknown {
                match self.unknown.last_mut() {
                    Some(last) if last.1 == start => last.1 = self.text.len(),
                    _ => self.unknown.push((start, self.text.len())),
                }
            }
        }
        if cut {
            self.cut = true;
            // Whatever did not fit is unknown: mark the tail so the field is never taken as
            // complete.
            let len = self.text.len();
            let start = floor_boundary(&self.text, len.saturating_sub(1));
            if self.unknown.last().is_none_or(|last| last.1 < len) {
                self.unknown.push((start, len));
            }
        }
    }

    /// The text in order, as `(text, unknown)` runs.
    pub(crate) fn segments(&self) -> impl Iterator<Item = (&str, bool)> {
        let tail = self.unknown.last().map_or(0, |&(_, end)| end);
        let mut last = 0;
        self.unknown
            .iter()
            .flat_map(move |&(start, end)| {
                let known = self.text.get(last..start).unwrap_or("");
                last = end;
                [
                    (known, false),
                    (self.text.get(start..end).unwrap_or(""), true),
                ]
            })
            .chain(std::iter::once((
                self.text.get(tail..).unwrap_or(""),
                false,
            )))
            .filter(|(text, _)| !text.is_empty())
    }

    /// Whether part of the value is unknown.
    pub(crate) fn has_unknown(&self) -> bool {
        !self.unknown.is_empty()
    }

    /// Whether text was cut at [`MAX_VALUE_BYTES`]: a script in it is larger than a script
    /// may be, and reading its beginning would miss what comes after the cut.
    pub(crate) fn is_cut(&self) -> bool {
        self.cut
    }

    /// Whether the value is unknown as a whole: unknown parts, and nothing known but
    /// whitespace and quotes around them.
    pub(crate) fn is_opaque(&self) -> bool {
        if self.unknown.is_empty() {
            return false;
        }
        let mut last = 0;
        for &(start, end) in &self.unknown {
            if !Self::filler(self.text.get(last..start).unwrap_or("")) {
                return false;
            }
            last = end;
        }
        Self::filler(self.text.get(last..).unwrap_or(""))
    }

    fn filler(s: &str) -> bool {
        s.chars()
            .all(|c| c.is_whitespace() || matches!(c, '"' | '\'' | ';'))
    }

    /// The field from byte `offset` on (for option values attached to their flag).
    pub(crate) fn tail(&self, offset: usize) -> Self {
        let offset = floor_boundary(&self.text, offset);
        let mut out = Self::default();
        for &(start, end) in &self.unknown {
            if end > offset {
                out.unknown.push((start.max(offset) - offset, end - offset));
            }
        }
        out.text = self.text.get(offset..).unwrap_or("").to_owned();
        out.unknown.retain(|(s, e)| s < e);
        out
    }
}

/// Joins fields with spaces (for displaying a command line).
pub(crate) fn join_fields(fields: &[Field]) -> String {
    let mut out = String::new();
    for f in fields {
        if !out.is_empty() {
            out.push(' ');
        }
        let s = f.as_str();
        if s.is_empty() || s.contains(char::is_whitespace) {
            out.push('"');
            out.push_str(s);
            out.push('"');
        } else {
            out.push_str(s);
        }
        if out.len() > MAX_VALUE_BYTES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::short("SELECT 1", "SELECT 1")]
    #[case::collapse("  INSERT\n\tINTO  t ", "INSERT INTO t")]
    #[case::exact(&"a".repeat(80), &"a".repeat(80))]
    #[case::long_word(&"a".repeat(81), &format!("{}…", "a".repeat(79)))]
    // Found by the shell_script fuzz target: the words before the cut fill all 80 places.
    #[case::words_fill_the_limit(&format!("{} {} b", "a".repeat(40), "a".repeat(39)), &format!("{} {}…", "a".repeat(40), "a".repeat(38)))]
    #[case::words(
        "INSERT INTO users VALUES (:'account', :'username', :'passhash', :'firstname', 'User', '2000-01-01')",
        "INSERT INTO users VALUES (:'account', :'username', :'passhash', :'firstname', '…"
    )]
    fn shortens(#[case] input: &str, #[case] expected: &str) {
        let out = shorten(input);
        assert_eq!(out, expected);
        assert!(out.chars().count() <= MAX_STATEMENT_CHARS);
    }

    #[rstest]
    #[case("/usr/bin/psql", "psql")]
    #[case("psql", "psql")]
    #[case("/scripts/", "")]
    fn basenames(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(basename(input), expected);
    }

    #[rstest]
    #[case("/scripts/./x.sh", None, "/scripts/x.sh")]
    #[case("x.sh", Some("/work"), "/work/x.sh")]
    #[case("../sql//a.sql", Some("/work/bin"), "/work/sql/a.sql")]
    #[case("x.sh", None, "x.sh")]
    #[case("/../../x", None, "/x")]
    fn normalizes(#[case] path: &str, #[case] cwd: Option<&str>, #[case] expected: &str) {
        assert_eq!(normalize_path(path, cwd), expected);
    }

    #[test]
    fn fields_track_unknown_parts() {
        let mut f = Field::known("  \"");
        f.push_unknown("$SQL");
        f.push_known("\" ");
        assert!(f.is_opaque());
        f.push_known("WHERE");
        assert!(!f.is_opaque());
        assert!(f.has_unknown());
        let t = f.tail(4);
        assert_eq!(t.as_str(), "SQL\" WHERE");
        assert!(t.has_unknown());
        assert!(!Field::known("x").is_opaque());
    }

    #[test]
    fn fields_are_bounded() {
        let mut f = Field::default();
        for _ in 0..200 {
            f.push_known(&"é".repeat(1000));
        }
        assert!(f.as_str().len() <= MAX_VALUE_BYTES);
        assert!(f.has_unknown());
    }

    #[rstest]
    #[case::pgpassword("PGPASSWORD", true)]
    #[case::db_pass("DB_PASS", true)]
    #[case::token("GITHUB_TOKEN", true)]
    #[case::admin_secret("HASURA_GRAPHQL_ADMIN_SECRET", true)]
    #[case::key("AWS_SECRET_ACCESS_KEY", true)]
    #[case::api_key("API_KEY", true)]
    #[case::lower("db_password", true)]
    #[case::dsn("SENTRY_DSN", true)]
    #[case::pwd("PWD", false)]
    #[case::monkey("MONKEY_COUNT", false)]
    #[case::host("PGHOST", false)]
    #[case::passive("PASSIVE_MODE", false)]
    #[case::oldpwd_lower("oldpwd", false)]
    #[case::part_inside_a_word("MYTOKENX", true)]
    #[case::mixed_case_word("db_Pw", true)]
    #[case::non_ascii("ÉTOKEN", true)]
    #[case::empty("", false)]
    fn secret_names(#[case] name: &str, #[case] secret: bool) {
        assert_eq!(looks_secret(name), secret);
    }
}
