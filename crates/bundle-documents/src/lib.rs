//! Reading Kubernetes objects out of files, directories and stdin.
//!
//! A YAML stream is split into documents at `---` lines (a document marker at column 0 always
//! ends a document, even inside a block scalar, so this is exact) and every document is parsed
//! on its own. That gives each object the line it starts on, and a broken document is reported
//! with its file, line and column while every other document is still read. JSON (a `.json`
//! file, or a stream that starts with `{` or `[`) is read as a stream of JSON values.
//!
//! `kind: List` and every `*List` with an `items` array (what `kubectl get -o yaml` prints) are
//! unwrapped, each item keeping its own line; empty documents are ignored; documents that are
//! not Kubernetes objects (no `apiVersion` or `kind`) are reported as skipped.
//!
//! Hostile input is refused with an error naming the file (and the line, when there is one),
//! in bounded time and memory, and every other document is still read:
//! - binary files (a NUL byte) and UTF-16 text are refused as a whole;
//! - bytes that are not UTF-8 make only the documents that contain them unreadable;
//! - YAML aliases may not expand a document beyond a budget proportional to its size
//!   ([`expansion_budget`]), which stops "billion laughs" alias bombs early;
//! - nesting deeper than 128 levels is refused (by the YAML and JSON parsers);
//! - a file (or stdin) larger than [`MAX_INPUT_BYTES`] is refused without being read.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The name under which stdin is reported.
pub const STDIN_NAME: &str = "-";

/// File extensions read when a directory is scanned.
pub const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The comment `helm template` writes before every rendered document.
const HELM_SOURCE_COMMENT: &str = "# Source: ";

/// Largest file (or stdin) read: a `kubectl get -A -o yaml` dump of a large cluster is a few
/// hundred MB; past this, memory use would no longer be reasonable for a CI job.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;
/// How far into a file a NUL byte makes it binary (git's heuristic looks as far).
const BINARY_PROBE_BYTES: usize = 8000;
/// Says why a document was not expanded.
pub const ALIAS_BOMB: &str =
    "YAML aliases expand this document far beyond its size (an alias bomb?); it is not read";
/// serde_yaml_ng's error when aliases are followed too often.
const YAML_REPETITION_LIMIT: &str = "repetition limit exceeded";
/// Says why a file was not read.
pub const BINARY_FILE: &str = "a binary file (it contains NUL bytes), not YAML or JSON text";
/// Says why a UTF-16 file was not read.
pub const UTF16_FILE: &str = "UTF-16 text: convert it to UTF-8 (YAML and JSON manifests are UTF-8)";

/// One Kubernetes object and where it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceObject {
    /// The file (as given on the command line, or `-` for stdin).
    pub file: Arc<str>,
    /// 1-based line where the object starts.
    pub line: usize,
    /// The chart template it was rendered from (`# Source:` comment of `helm template`).
    pub template: Option<String>,
    /// The object.
    pub object: Value,
}

/// A document that is not a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub file: Arc<str>,
    /// 1-based line of the document.
    pub line: usize,
    /// Why it was skipped.
    pub reason: String,
}

/// A file or document that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file.
    pub file: Arc<str>,
    /// 1-based line, when the error has a position.
    pub line: Option<usize>,
    /// 1-based column, when the error has a position.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything read from the inputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Documents {
    /// The Kubernetes objects, in input order.
    pub objects: Vec<SourceObject>,
    /// Documents that are not Kubernetes objects.
    pub skipped: Vec<Skipped>,
    /// Files and documents that could not be read.
    pub errors: Vec<InputError>,
    /// Things the reader noticed (one per Helm chart whose templates it did not read).
    pub notes: Vec<String>,
}

/// The file that makes a directory a Helm chart.
pub const CHART_FILE: &str = "Chart.yaml";
/// What a chart's sources are: not manifests until `helm template` renders them.
pub const CHART_NOT_RENDERED: &str =
    "a Helm chart: its templates are not rendered here, scan what it renders with";

/// Whether `dir` is a Helm chart (holds a `Chart.yaml`).
fn is_chart(dir: &Path) -> bool {
    dir.join(CHART_FILE).is_file()
}

/// The note for a chart the reader did not render.
fn chart_note(dir: &Path) -> String {
    let display = dir.display();
    format!(
        "{display}: {CHART_NOT_RENDERED} `helm template <release> {display} | upstream-first scan -`"
    )
}

impl Documents {
    /// Parses the text of one file (`file` is the name to report).
    #[must_use]
    pub fn parse(file: &str, text: &str) -> Self {
        let mut documents = Self::default();
        documents.add_text(file, text);
        documents
    }

    /// Parses the bytes of one file: binary files are refused, and documents with bytes that
    /// are not UTF-8 are reported (at the line of the first such byte) while the others are read.
    #[must_use]
    pub fn parse_bytes(file: &str, bytes: &[u8]) -> Self {
        let mut documents = Self::default();
        documents.add_bytes(file, bytes);
        documents
    }

    /// Reads files, directories (recursively: `*.yaml`, `*.yml`, `*.json`, hidden entries
    /// skipped) and `-` (stdin), in the order given; files of a directory in name order. Files
    /// are parsed in parallel, one worker per core.
    #[must_use]
    pub fn read_paths<P: AsRef<Path>>(paths: &[P]) -> Self {
        let mut documents = Self::default();
        let mut files = Vec::new();
        for path in paths {
            let path = path.as_ref();
            // A chart's own `templates/` given by name: said once, as for its chart.
            let chart_templates = path.file_name().is_some_and(|name| name == "templates")
                && path.parent().is_some_and(is_chart);
            if chart_templates {
                if let Some(chart) = path.parent() {
                    documents.notes.push(chart_note(chart));
                }
            } else if path.is_dir() {
                documents.collect_directory(path, &mut files, &mut HashSet::new());
            } else {
                files.push(path.to_path_buf());
            }
        }
        for part in parse_files(&files) {
            documents.append(part);
        }
        documents
    }

    /// Reads one file, directory or `-`.
    pub fn add_path(&mut self, path: &Path) {
        let read = Self::read_paths(&[path]);
        self.append(read);
    }

    /// Reads one file, or stdin for `-`.
    fn read_file(path: &Path) -> Self {
        let mut documents = Self::default();
        if path.as_os_str() == STDIN_NAME {
            let mut bytes = Vec::new();
            let read = std::io::stdin()
                .lock()
                .take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut bytes);
            match read {
                Ok(_) if bytes.len() as u64 > MAX_INPUT_BYTES => {
                    documents.errors.push(file_error(STDIN_NAME, too_large()));
                }
                Ok(_) => documents.add_bytes(STDIN_NAME, &bytes),
                Err(e) => documents
                    .errors
                    .push(file_error(STDIN_NAME, format!("cannot read stdin: {e}"))),
            }
        } else {
            documents.add_file(path);
        }
        documents
    }

    fn collect_directory(
        &mut self,
        dir: &Path,
        files: &mut Vec<PathBuf>,
        visited: &mut HashSet<PathBuf>,
    ) {
        // A symbolic link back to an ancestor must not loop forever.
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if !visited.insert(canonical) {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.errors.push(InputError {
                    file: Arc::from(dir.display().to_string()),
                    line: None,
                    column: None,
                    message: format!("cannot read directory: {e}"),
                });
                return;
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        paths.sort();
        // A chart: its templates (and subcharts, which `helm template` renders with it) are Go
        // templates, not manifests, and its Chart.yaml and values files are not objects. Its
        // other files (`crds/`, plain manifests) are read as usual.
        let chart = is_chart(dir);
        if chart {
            self.notes.push(chart_note(dir));
            paths.retain(|path| {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let sources = path.is_dir() && (name == "templates" || name == "charts");
                let chart_files = !path.is_dir()
                    && (name == CHART_FILE || name == "Chart.lock" || name.starts_with("values"));
                !sources && !chart_files
            });
        }
        for path in paths {
            if path.is_dir() {
                self.collect_directory(&path, files, visited);
            } else if path.extension().is_some_and(|ext| {
                MANIFEST_EXTENSIONS
                    .iter()
                    .any(|m| ext.eq_ignore_ascii_case(m))
            }) {
                files.push(path);
            }
        }
    }

    fn add_file(&mut self, path: &Path) {
        let name = path.display().to_string();
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_INPUT_BYTES {
            self.errors.push(file_error(&name, too_large()));
            return;
        }
        match std::fs::read(path) {
            Ok(bytes) => self.add_bytes(&name, &bytes),
            Err(e) => self
                .errors
                .push(file_error(&name, format!("cannot read: {e}"))),
        }
    }

    /// Adds what the bytes of one file hold (see [`Documents::parse_bytes`]).
    pub fn add_bytes(&mut self, file: &str, bytes: &[u8]) {
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            self.errors.push(file_error(file, UTF16_FILE.to_owned()));
            return;
        }
        let probe = &bytes[..bytes.len().min(BINARY_PROBE_BYTES)];
        if probe.contains(&0) {
            self.errors.push(file_error(file, BINARY_FILE.to_owned()));
            return;
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => self.add_checked_text(file, text, &[]),
            Err(_) => {
                let (text, invalid) = decode_lossily(bytes);
                self.add_checked_text(file, &text, &invalid);
            }
        }
    }

    /// Parses the text of one file and adds what it holds.
    pub fn add_text(&mut self, file: &str, text: &str) {
        self.add_checked_text(file, text, &[]);
    }

    /// [`Documents::add_text`] for text decoded with replacement characters at `invalid`:
    /// the documents (or JSON values) that hold one are reported instead of read.
    fn add_checked_text(&mut self, file: &str, text: &str, invalid: &[InvalidByte]) {
        let file: Arc<str> = Arc::from(file);
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let looks_like_json = file.to_ascii_lowercase().ends_with(".json")
            || text.trim_start().starts_with(['{', '[']);
        if looks_like_json {
            let mut json = Self::default();
            let complete = json.add_json(&file, text, invalid);
            // YAML is a superset of most JSON-looking text (`{a: 1}` is YAML, not JSON): a
            // stream that is not JSON is read as YAML unless the file says it is JSON.
            if complete || file.to_ascii_lowercase().ends_with(".json") {
                self.append(json);
                return;
            }
        }
        self.add_yaml(&file, text, invalid);
    }

    fn append(&mut self, other: Self) {
        self.objects.extend(other.objects);
        self.skipped.extend(other.skipped);
        self.errors.extend(other.errors);
        self.notes.extend(other.notes);
    }

    /// Reads a stream of JSON values; `false` when it stopped on a syntax error.
    fn add_json(&mut self, file: &Arc<str>, text: &str, invalid: &[InvalidByte]) -> bool {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
        loop {
            match stream.next() {
                None => return true,
                Some(Ok(raw)) => {
                    let start = offset_in(text, raw.get());
                    let line = line_at(text, start);
                    let last_line = line_at(text, start + raw.get().len());
                    if let Some(byte) = invalid
                        .iter()
                        .find(|b| (line..=last_line).contains(&b.line))
                    {
                        self.errors.push(byte.error(file));
                        continue;
                    }
                    match serde_json::from_str::<Value>(raw.get()) {
                        Ok(value) => {
                            let item_lines = json_list_item_lines(text, raw.get());
                            self.add_value(file, line, None, value, item_lines.as_deref());
                        }
                        Err(e) => self.errors.push(json_error(file, &e)),
                    }
                }
                Some(Err(e)) => {
                    self.errors.push(json_error(file, &e));
                    return false;
                }
            }
        }
    }

    fn add_yaml(&mut self, file: &Arc<str>, text: &str, invalid: &[InvalidByte]) {
        for document in split_yaml_documents(text) {
            let last_line = document.first_line + document.text.matches('\n').count();
            if let Some(byte) = invalid
                .iter()
                .find(|b| (document.first_line..=last_line).contains(&b.line))
            {
                self.errors.push(byte.error(file));
                continue;
            }
            let Some(object_line) = document.content_line() else {
                continue;
            };
            let template = document.helm_template();
            let value = match parse_yaml_document(document.text) {
                Ok(value) => value,
                Err(YamlProblem::Syntax(e)) => {
                    self.errors
                        .push(yaml_error(file, &document, object_line, &e));
                    continue;
                }
                Err(YamlProblem::NotJson(message)) => {
                    self.errors.push(InputError {
                        file: Arc::clone(file),
                        line: Some(object_line),
                        column: None,
                        message,
                    });
                    continue;
                }
                Err(YamlProblem::TooDeep { line, column }) => {
                    let (line, column) = document.stream_position(line, column);
                    self.errors.push(InputError {
                        file: Arc::clone(file),
                        line: Some(line),
                        column: Some(column),
                        message: format!("invalid YAML: {FLOW_TOO_DEEP}"),
                    });
                    continue;
                }
            };
            let item_lines = value
                .get("items")
                .and_then(Value::as_array)
                .and_then(|items| yaml_list_item_lines(&document, items.len()));
            self.add_value(file, object_line, template, value, item_lines.as_deref());
        }
    }

    /// Adds a parsed document: an object, the items of a List, or a skipped document.
    fn add_value(
        &mut self,
        file: &Arc<str>,
        line: usize,
        template: Option<String>,
        value: Value,
        item_lines: Option<&[usize]>,
    ) {
        let skip = |reason: &str| Skipped {
            file: Arc::clone(file),
            line,
            reason: reason.to_owned(),
        };
        let mut object = match value {
            Value::Null => return,
            Value::Object(object) => object,
            Value::Array(_) => {
                self.skipped
                    .push(skip("a sequence, not a Kubernetes object"));
                return;
            }
            _ => {
                self.skipped.push(skip("a scalar, not a Kubernetes object"));
                return;
            }
        };
        if is_list(&object) {
            let Some(Value::Array(items)) = object.remove("items") else {
                return;
            };
            let item_kind = text_field(&object, "kind")
                .and_then(|kind| kind.strip_suffix("List"))
                .filter(|kind| !kind.is_empty())
                .map(str::to_owned);
            let item_api_version = text_field(&object, "apiVersion").map(str::to_owned);
            for (index, mut item) in items.into_iter().enumerate() {
                // Typed lists from the API (`DeploymentList`) leave the kind out of their items.
                if let (Some(kind), Some(map)) = (&item_kind, item.as_object_mut()) {
                    map.entry("kind")
                        .or_insert_with(|| Value::from(kind.clone()));
                    if let Some(api_version) = &item_api_version {
                        map.entry("apiVersion")
                            .or_insert_with(|| Value::from(api_version.clone()));
                    }
                }
                let item_line = item_lines
                    .and_then(|lines| lines.get(index).copied())
                    .unwrap_or(line);
                self.add_value(file, item_line, template.clone(), item, None);
            }
            return;
        }
        let missing = match (
            text_field(&object, "apiVersion"),
            text_field(&object, "kind"),
        ) {
            (None, None) => Some("no apiVersion and no kind: not a Kubernetes object"),
            (None, Some(_)) => Some("no apiVersion: not a Kubernetes object"),
            (Some(_), None) => Some("no kind: not a Kubernetes object"),
            _ => None,
        };
        if let Some(reason) = missing {
            self.skipped.push(skip(reason));
            return;
        }
        self.objects.push(SourceObject {
            file: Arc::clone(file),
            line,
            template,
            object: Value::Object(object),
        });
    }
}

fn text_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// An error about a whole file.
fn file_error(file: &str, message: String) -> InputError {
    InputError {
        file: Arc::from(file),
        line: None,
        column: None,
        message,
    }
}

fn too_large() -> String {
    format!(
        "larger than {} MiB: split it (or scan its parts separately)",
        MAX_INPUT_BYTES >> 20
    )
}

/// Where a byte that is not UTF-8 was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InvalidByte {
    /// 1-based line.
    line: usize,
    /// 1-based column (in characters).
    column: usize,
    /// The byte.
    byte: u8,
}

impl InvalidByte {
    fn error(&self, file: &Arc<str>) -> InputError {
        InputError {
            file: Arc::clone(file),
            line: Some(self.line),
            column: Some(self.column),
            message: format!(
                "not UTF-8 text: invalid byte 0x{:02X}; the document is not read",
                self.byte
            ),
        }
    }
}

/// The text with U+FFFD for every invalid sequence, and where each one was.
fn decode_lossily(bytes: &[u8]) -> (String, Vec<InvalidByte>) {
    let mut text = String::with_capacity(bytes.len());
    let mut invalid = Vec::new();
    let (mut line, mut column) = (1, 1);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\n' {
                (line, column) = (line + 1, 1);
            } else {
                column += 1;
            }
        }
        text.push_str(chunk.valid());
        if let Some(&byte) = chunk.invalid().first() {
            invalid.push(InvalidByte { line, column, byte });
            text.push(char::REPLACEMENT_CHARACTER);
            column += 1;
        }
    }
    (text, invalid)
}

/// Parses files in parallel; the results in the order of `files`.
fn parse_files(files: &[PathBuf]) -> Vec<Documents> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.len());
    if workers <= 1 {
        return files
            .iter()
            .map(|file| Documents::read_file(file))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let mut parsed: Vec<(usize, Documents)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(index) else {
                            return done;
                        };
                        done.push((index, Documents::read_file(file)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_default())
            .collect()
    });
    if parsed.len() < files.len() {
        // A worker died (it cannot: parsing never panics); read what is missing here.
        let seen: HashSet<usize> = parsed.iter().map(|(index, _)| *index).collect();
        for (index, file) in files.iter().enumerate() {
            if !seen.contains(&index) {
                parsed.push((index, Documents::read_file(file)));
            }
        }
    }
    parsed.sort_by_key(|(index, _)| *index);
    parsed.into_iter().map(|(_, documents)| documents).collect()
}

/// `kind: List`, or any `*List` kind, with an `items` array.
fn is_list(object: &Map<String, Value>) -> bool {
    object
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|kind| kind.ends_with("List"))
        && object.get("items").is_some_and(Value::is_array)
}

/// One YAML document of a stream, before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDocument<'a> {
    /// 1-based line of the stream where `text` starts.
    pub first_line: usize,
    /// 0-based column where `text` starts on that line (after `--- ` when the document starts
    /// on the marker line).
    pub first_column: usize,
    /// The document's text.
    pub text: &'a str,
}

impl<'a> RawDocument<'a> {
    /// Lines with their 1-based line numbers in the stream.
    fn numbered_lines(&self) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        let first = self.first_line;
        self.text
            .lines()
            .enumerate()
            .map(move |(index, line)| (first + index, line))
    }

    /// The stream line of the document's last line.
    fn last_line(&self) -> usize {
        self.first_line + self.text.lines().count().max(1) - 1
    }

    /// The position in the stream of a 1-based position in the document.
    fn stream_position(&self, line: usize, column: usize) -> (usize, usize) {
        let column = if line == 1 {
            column + self.first_column
        } else {
            column
        };
        (self.first_line + line - 1, column)
    }

    /// The line of the first content (not blank, not a comment); `None` for an empty document.
    #[must_use]
    pub fn content_line(&self) -> Option<usize> {
        self.numbered_lines()
            .find(|(_, line)| {
                let trimmed = line.trim();
                !trimmed.is_empty() && !trimmed.starts_with('#')
            })
            .map(|(number, _)| number)
    }

    /// The `# Source: <template>` comment `helm template` puts before the document.
    #[must_use]
    pub fn helm_template(&self) -> Option<String> {
        self.text
            .lines()
            .map(str::trim)
            .take_while(|line| line.is_empty() || line.starts_with('#'))
            .find_map(|line| line.strip_prefix(HELM_SOURCE_COMMENT))
            .map(|source| source.trim().to_owned())
    }
}

/// Whether a line is the document marker `marker` (`---` or `...`), alone or followed by
/// whitespace.
fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Splits a YAML stream into its documents (empty ones included: callers skip them).
#[must_use]
pub fn split_yaml_documents(text: &str) -> Vec<RawDocument<'_>> {
    let mut documents = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut start_column = 0;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let content = line.trim_end_matches(['\n', '\r']);
        let next_line_start = offset + line.len();
        if is_marker(content, "---") {
            documents.push(RawDocument {
                first_line: start_line,
                first_column: start_column,
                text: &text[start..offset],
            });
            let rest = content[3..].trim();
            if rest.is_empty() || rest.starts_with('#') {
                (start, start_line, start_column) = (next_line_start, number + 1, 0);
            } else {
                // `--- {a: 1}` or `--- !tag`: the document starts on the marker line.
                (start, start_line, start_column) = (offset + 3, number, 3);
            }
        } else if is_marker(content, "...") {
            documents.push(RawDocument {
                first_line: start_line,
                first_column: start_column,
                text: &text[start..offset],
            });
            (start, start_line, start_column) = (next_line_start, number + 1, 0);
        } else if content.starts_with('%')
            && text[start..offset]
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            // A directive (`%YAML 1.2`) belongs to the next `---`, not to a document.
            (start, start_line, start_column) = (next_line_start, number + 1, 0);
        }
        offset = next_line_start;
    }
    documents.push(RawDocument {
        first_line: start_line,
        first_column: start_column,
        text: &text[start..],
    });
    documents
}

/// The lines where the items of a block-style `items:` sequence start, when they can be found
/// unambiguously (`count` of them); `None` otherwise (the List's own line is used).
fn yaml_list_item_lines(document: &RawDocument<'_>, count: usize) -> Option<Vec<usize>> {
    let mut lines = document.numbered_lines();
    lines.find(|(_, line)| {
        line.strip_prefix("items:").is_some_and(|rest| {
            let rest = rest.trim();
            rest.is_empty() || rest.starts_with('#')
        })
    })?;
    let mut indent = None;
    let mut starts = Vec::with_capacity(count);
    for (number, line) in lines {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.trim().is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let depth = line.len() - trimmed.len();
        let is_item = trimmed == "-" || trimmed.starts_with("- ") || trimmed.starts_with("-\t");
        let item_indent = *indent.get_or_insert(depth);
        if depth == item_indent && is_item {
            starts.push(number);
        } else if depth <= item_indent {
            break;
        }
    }
    (starts.len() == count).then_some(starts)
}

/// The lines where the items of a JSON List start.
fn json_list_item_lines(text: &str, raw: &str) -> Option<Vec<usize>> {
    #[derive(Deserialize)]
    struct Items<'a> {
        #[serde(borrow)]
        items: Option<Vec<&'a RawValue>>,
    }
    let items = serde_json::from_str::<Items<'_>>(raw).ok()?.items?;
    Some(
        items
            .iter()
            .map(|item| line_at(text, offset_in(text, item.get())))
            .collect(),
    )
}

/// Byte offset of `part` (a slice of `text`) in `text`.
fn offset_in(text: &str, part: &str) -> usize {
    (part.as_ptr() as usize)
        .saturating_sub(text.as_ptr() as usize)
        .min(text.len())
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn json_error(file: &Arc<str>, error: &serde_json::Error) -> InputError {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(position) => message[..position].to_owned(),
        None => message,
    };
    InputError {
        file: Arc::clone(file),
        line: (error.line() > 0).then_some(error.line()),
        column: (error.column() > 0).then_some(error.column()),
        message: format!("invalid JSON: {message}"),
    }
}

/// A YAML error with its position moved from the document to the stream.
fn yaml_error(
    file: &Arc<str>,
    document: &RawDocument<'_>,
    object_line: usize,
    error: &serde_yaml_ng::Error,
) -> InputError {
    let (line, column) = match error.location() {
        Some(location) if location.line() > 0 => {
            let (line, column) = document.stream_position(location.line(), location.column());
            // libyaml puts an error at the end of a document without a final newline on the
            // line after it: report the end of the last line instead.
            match document.text.lines().last() {
                Some(last) if line > document.last_line() => {
                    let column = if document.last_line() == document.first_line {
                        document.first_column + last.chars().count() + 1
                    } else {
                        last.chars().count() + 1
                    };
                    (document.last_line(), Some(column))
                }
                _ => (line, Some(column)),
            }
        }
        _ => (object_line, None),
    };
    let shift = document.first_line - 1;
    let text = error.to_string();
    // serde_yaml_ng's own guard against alias bombs (100 alias jumps per event) says little.
    let text = if text == YAML_REPETITION_LIMIT {
        ALIAS_BOMB.to_owned()
    } else {
        shift_line_numbers(&text, shift)
    };
    InputError {
        file: Arc::clone(file),
        line: Some(line),
        column,
        message: format!("invalid YAML: {text}"),
    }
}

/// Rewrites the `line N` positions of a message by `shift` lines, and drops the position of the
/// error itself (`… at line N column M` at the end), which the caller reports.
fn shift_line_numbers(message: &str, shift: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(position) = rest.find("line ") {
        let (before, after) = rest.split_at(position + "line ".len());
        out.push_str(before);
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        match after[..digits].parse::<usize>() {
            Ok(number) => out.push_str(&(number + shift).to_string()),
            Err(_) => out.push_str(&after[..digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    // The first position is the error's own; the caller prints it as file:line:column.
    match out.find(" at line ") {
        Some(position) => {
            let tail = &out[position + " at line ".len()..];
            let end = tail
                .find(',')
                .map_or(out.len(), |i| position + " at line ".len() + i);
            let mut trimmed = out[..position].to_owned();
            trimmed.push_str(&out[end..]);
            trimmed
        }
        None => out,
    }
}

/// Why a YAML document could not be read.
enum YamlProblem {
    /// Not YAML.
    Syntax(serde_yaml_ng::Error),
    /// YAML that has no JSON form (a non-scalar key, a non-finite number).
    NotJson(String),
    /// Flow collections nested deeper than [`MAX_FLOW_DEPTH`], at this 1-based position of the
    /// document.
    TooDeep { line: usize, column: usize },
}

/// Deepest nesting of flow collections (`[…]`, `{…}`) read. libyaml's scanner spends time
/// proportional to the flow depth on every token (200 KB of `[` take a minute to be refused
/// by the parser's own limit of 128 levels), so deeper documents are refused before parsing.
pub const MAX_FLOW_DEPTH: usize = 128;
/// Says why a deeply nested document was not read.
pub const FLOW_TOO_DEEP: &str = "flow collections ([…], {…}) nested deeper than 128 levels";

/// Where the flow collections of a document first nest deeper than [`MAX_FLOW_DEPTH`] (1-based
/// line and column), found with libyaml's own scanner (the one the parser uses), stopped there:
/// up to that point each token costs at most [`MAX_FLOW_DEPTH`] steps.
#[allow(
    unsafe_code,
    reason = "libyaml's scanner is a C API (unsafe-libyaml): see the SAFETY note"
)]
fn flow_too_deep(text: &str) -> Option<(usize, usize)> {
    use unsafe_libyaml::{
        YAML_FLOW_MAPPING_END_TOKEN, YAML_FLOW_MAPPING_START_TOKEN, YAML_FLOW_SEQUENCE_END_TOKEN,
        YAML_FLOW_SEQUENCE_START_TOKEN, YAML_NO_TOKEN, YAML_STREAM_END_TOKEN, yaml_parser_delete,
        yaml_parser_initialize, yaml_parser_scan, yaml_parser_set_input_string, yaml_parser_t,
        yaml_token_delete, yaml_token_t,
    };

    // Fewer opening brackets than the limit cannot nest deeper than it (nearly every document).
    let brackets = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    if brackets <= MAX_FLOW_DEPTH {
        return None;
    }
    let mut parser = std::mem::MaybeUninit::<yaml_parser_t>::uninit();
    // SAFETY: the parser is initialised before use and deleted once; `text` outlives it; every
    // token the scanner returns is read and then deleted once.
    unsafe {
        if yaml_parser_initialize(parser.as_mut_ptr()).fail {
            return None;
        }
        let parser = parser.as_mut_ptr();
        yaml_parser_set_input_string(parser, text.as_ptr(), text.len() as u64);
        let mut depth = 0usize;
        let found = loop {
            let mut token = std::mem::MaybeUninit::<yaml_token_t>::uninit();
            if yaml_parser_scan(parser, token.as_mut_ptr()).fail {
                // A syntax error: the parser reports it.
                break None;
            }
            let token = token.as_mut_ptr();
            let (kind, mark) = ((*token).type_, (*token).start_mark);
            yaml_token_delete(token);
            match kind {
                YAML_NO_TOKEN | YAML_STREAM_END_TOKEN => break None,
                YAML_FLOW_SEQUENCE_START_TOKEN | YAML_FLOW_MAPPING_START_TOKEN => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        break Some((mark.line as usize + 1, mark.column as usize + 1));
                    }
                }
                YAML_FLOW_SEQUENCE_END_TOKEN | YAML_FLOW_MAPPING_END_TOKEN => {
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            }
        };
        yaml_parser_delete(parser);
        found
    }
}

/// Parses one YAML document into JSON. Plain documents (nearly all of them) are read straight
/// into JSON; documents with merge keys (`<<`), or that the direct read refuses (non-string
/// keys, tags), go through the YAML value model, which resolves and reports them. Either way,
/// aliases may not expand the document beyond its [`expansion_budget`].
fn parse_yaml_document(text: &str) -> Result<Value, YamlProblem> {
    if let Some((line, column)) = flow_too_deep(text) {
        return Err(YamlProblem::TooDeep { line, column });
    }
    let budget = Cell::new(expansion_budget(text));
    if !text.contains("<<") {
        let direct =
            Budgeted { budget: &budget }.deserialize(serde_yaml_ng::Deserializer::from_str(text));
        match direct {
            Ok(value) => return Ok(value),
            // The value model would refuse these the same way.
            Err(error) if budget.get() == 0 || is_recursion_limit(&error) => {
                return Err(YamlProblem::Syntax(error));
            }
            Err(_) => budget.set(expansion_budget(text)),
        }
    }
    if may_have_aliases(text) {
        // The value model expands aliases unbounded: measure the expansion first.
        Counted { budget: &budget }
            .deserialize(serde_yaml_ng::Deserializer::from_str(text))
            .map_err(YamlProblem::Syntax)?;
    }
    let mut value =
        serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text).map_err(YamlProblem::Syntax)?;
    value.apply_merge().map_err(YamlProblem::Syntax)?;
    yaml_to_json(value).map_err(YamlProblem::NotJson)
}

/// Whether the parser refused the document for nesting deeper than its limit (128).
fn is_recursion_limit(error: &serde_yaml_ng::Error) -> bool {
    error.to_string().starts_with("recursion limit exceeded")
}

/// How much a YAML document may expand to: one unit per node plus one per byte of its strings
/// and keys. A document without aliases costs at most about twice its length; aliases can make
/// a small document expand exponentially ("billion laughs"), which this stops.
#[must_use]
pub fn expansion_budget(text: &str) -> usize {
    text.len().saturating_mul(4).saturating_add(1 << 20)
}

/// Whether a document can hold an alias at all (an anchor `&a` and an alias `*a`).
fn may_have_aliases(text: &str) -> bool {
    text.contains('&') && text.contains('*')
}

/// Takes `cost` from the budget, or fails with [`ALIAS_BOMB`] once it is spent.
fn charge<E: de::Error>(budget: &Cell<usize>, cost: usize) -> Result<(), E> {
    match budget.get().checked_sub(cost) {
        Some(left) => {
            budget.set(left);
            Ok(())
        }
        None => {
            budget.set(0);
            Err(E::custom(ALIAS_BOMB))
        }
    }
}

/// Reads a YAML document into JSON (as `serde_json::Value` does), within a budget.
#[derive(Clone, Copy)]
struct Budgeted<'b> {
    budget: &'b Cell<usize>,
}

impl<'de> DeserializeSeed<'de> for Budgeted<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Budgeted<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        charge(self.budget, 1)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        charge(self.budget, 1)?;
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        charge(self.budget, 1)?;
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        charge(self.budget, 1)?;
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        charge(self.budget, 1 + v.len())?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        charge(self.budget, 1 + v.len())?;
        Ok(Value::String(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        charge(self.budget, 1)?;
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        charge(self.budget, 1)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        charge(self.budget, 1)?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            charge(self.budget, key.len())?;
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Walks a YAML document of any shape (non-string keys, tags) without keeping it, spending the
/// budget as [`Budgeted`] does.
#[derive(Clone, Copy)]
struct Counted<'b> {
    budget: &'b Cell<usize>,
}

impl<'de> DeserializeSeed<'de> for Counted<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Counted<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        charge(self.budget, 1)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        charge(self.budget, 1)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        charge(self.budget, 1)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        charge(self.budget, 1)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        charge(self.budget, 1 + v.len())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        charge(self.budget, 1)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        charge(self.budget, 1)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        charge(self.budget, 1)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        charge(self.budget, 1)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged value (`!tag value`): the tag is the variant, the value its content.
        let ((), variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}

/// Converts a YAML value to JSON the way the Kubernetes API machinery does (`sigs.k8s.io/yaml`):
/// scalar keys become strings, tags are dropped, non-finite numbers are refused.
fn yaml_to_json(value: serde_yaml_ng::Value) -> Result<Value, String> {
    use serde_yaml_ng::Value as Yaml;
    Ok(match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(number) => {
            if let Some(i) = number.as_i64() {
                Value::from(i)
            } else if let Some(u) = number.as_u64() {
                Value::from(u)
            } else {
                let float = number.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(float)
                    .map(Value::Number)
                    .ok_or_else(|| format!("{number} is not a number JSON can represent"))?
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(mapping) => {
            let mut object = Map::with_capacity(mapping.len());
            for (key, value) in mapping {
                let key = match key {
                    Yaml::String(s) => s,
                    Yaml::Number(n) => n.to_string(),
                    Yaml::Bool(b) => b.to_string(),
                    Yaml::Null => "null".to_owned(),
                    _ => return Err("a mapping key must be a scalar".to_owned()),
                };
                object.insert(key, yaml_to_json(value)?);
            }
            Value::Object(object)
        }
        Yaml::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    fn lines_and_kinds(documents: &Documents) -> Vec<(usize, String)> {
        documents
            .objects
            .iter()
            .map(|o| {
                (
                    o.line,
                    format!(
                        "{}/{}",
                        o.object["kind"].as_str().unwrap_or("?"),
                        o.object["metadata"]["name"].as_str().unwrap_or("?")
                    ),
                )
            })
            .collect()
    }

    const STREAM: &str = "\
# leading comment
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
---
# Source: chart/templates/svc.yaml
apiVersion: v1
kind: Service
metadata:
  name: b
--- # trailing comment
apiVersion: v1
kind: Secret
metadata: {name: c}
";

    #[test]
    fn documents_keep_their_lines_and_empty_ones_are_ignored() {
        let documents = Documents::parse("s.yaml", STREAM);
        assert_eq!(
            lines_and_kinds(&documents),
            [
                (3, "ConfigMap/a".to_owned()),
                (9, "Service/b".to_owned()),
                (14, "Secret/c".to_owned())
            ]
        );
        assert_eq!(
            documents.objects[1].template.as_deref(),
            Some("chart/templates/svc.yaml")
        );
        assert!(documents.skipped.is_empty() && documents.errors.is_empty());
    }

    const BROKEN_MIDDLE: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: b
   labels: x
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
";

    #[test]
    fn a_broken_document_is_reported_at_its_line_and_the_others_are_read() {
        let documents = Documents::parse("b.yaml", BROKEN_MIDDLE);
        assert_eq!(
            lines_and_kinds(&documents),
            [
                (1, "ConfigMap/a".to_owned()),
                (11, "ConfigMap/c".to_owned())
            ]
        );
        let [error] = documents.errors.as_slice() else {
            panic!("one error expected: {:?}", documents.errors);
        };
        assert_eq!((error.line, error.column), (Some(9), Some(10)));
        assert_eq!(
            error.to_string(),
            "b.yaml:9:10: invalid YAML: mapping values are not allowed in this context"
        );
    }

    const LIST: &str = "\
apiVersion: v1
kind: List
metadata: {}
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: one
  spec:
    template:
      spec:
        containers:
        - name: c
          image: x
- apiVersion: v1
  kind: Service
  metadata: {name: two}
";

    #[test]
    fn lists_are_unwrapped_with_the_line_of_each_item() {
        let documents = Documents::parse("l.yaml", LIST);
        assert_eq!(
            lines_and_kinds(&documents),
            [
                (5, "Deployment/one".to_owned()),
                (15, "Service/two".to_owned())
            ]
        );
    }

    #[test]
    fn typed_lists_give_their_items_a_kind() {
        let documents = Documents::parse(
            "d.yaml",
            "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n  - metadata: {name: a}\n  - metadata: {name: b}\n",
        );
        assert_eq!(
            lines_and_kinds(&documents),
            [
                (4, "Deployment/a".to_owned()),
                (5, "Deployment/b".to_owned())
            ]
        );
        assert_eq!(documents.objects[0].object["apiVersion"], "apps/v1");
    }

    #[test]
    fn json_lists_have_item_lines() {
        let text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [\n    {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}},\n\n    {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"q\"}}\n  ]\n}\n";
        let documents = Documents::parse("-", text);
        assert_eq!(
            lines_and_kinds(&documents),
            [(5, "Pod/p".to_owned()), (7, "Pod/q".to_owned())]
        );
    }

    #[test]
    fn broken_json_is_reported_with_its_position() {
        let documents = Documents::parse(
            "x.json",
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}\n{\"apiVersion\": ,}",
        );
        assert_eq!(documents.objects.len(), 1);
        assert_eq!(
            documents.errors[0].to_string(),
            "x.json:2:16: invalid JSON: expected value"
        );
    }

    #[test]
    fn yaml_flow_mapping_is_not_mistaken_for_json() {
        let documents = Documents::parse(
            "f.yaml",
            "{apiVersion: v1, kind: Namespace, metadata: {name: n}}\n",
        );
        assert_eq!(lines_and_kinds(&documents), [(1, "Namespace/n".to_owned())]);
        assert!(documents.errors.is_empty());
    }

    #[rstest]
    #[case("kind: Pod\n", "no apiVersion: not a Kubernetes object")]
    #[case("apiVersion: v1\n", "no kind: not a Kubernetes object")]
    #[case("a: 1\n", "no apiVersion and no kind: not a Kubernetes object")]
    #[case("- a\n- b\n", "a sequence, not a Kubernetes object")]
    #[case("just text\n", "a scalar, not a Kubernetes object")]
    fn documents_that_are_not_objects_are_skipped(#[case] text: &str, #[case] reason: &str) {
        let documents = Documents::parse("k.yaml", text);
        assert!(documents.objects.is_empty());
        assert_eq!(documents.skipped[0].reason, reason);
        assert_eq!(documents.skipped[0].line, 1);
    }

    #[test]
    fn merge_keys_non_string_keys_and_marker_line_documents() {
        let text = "--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n---\nbase: &b {x: 1}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  <<: *b\n  8080: yes\n";
        let documents = Documents::parse("m.yaml", text);
        assert_eq!(
            lines_and_kinds(&documents),
            [(1, "ConfigMap/a".to_owned()), (3, "ConfigMap/b".to_owned())]
        );
        assert_eq!(
            documents.objects[1].object["data"],
            json!({"x": 1, "8080": "yes"})
        );
    }

    #[test]
    fn directives_and_document_end_markers() {
        let text = "%YAML 1.2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n...\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n";
        let documents = Documents::parse("d.yaml", text);
        assert_eq!(
            lines_and_kinds(&documents),
            [(3, "ConfigMap/a".to_owned()), (8, "ConfigMap/b".to_owned())]
        );
    }

    const CONFIG_MAP_A: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
    const CONFIG_MAP_C: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";

    /// `a` and `c` around `middle`, which starts at line 5.
    fn around(middle: &str) -> String {
        format!("{CONFIG_MAP_A}---\n{middle}\n---\n{CONFIG_MAP_C}")
    }

    /// The single error of a stream whose first and last documents must still be read.
    fn only_error(documents: &Documents) -> String {
        assert_eq!(
            documents
                .objects
                .iter()
                .map(|o| o.object["metadata"]["name"].as_str().unwrap_or("?"))
                .collect::<Vec<_>>(),
            ["a", "c"],
            "{:?}",
            documents.errors
        );
        let [error] = documents.errors.as_slice() else {
            panic!("one error expected: {:?}", documents.errors);
        };
        error.to_string()
    }

    /// Nine levels of nine aliases: 9^9 (387 million) strings from 700 bytes.
    fn billion_laughs(extra: &str) -> String {
        let mut text = String::from("a0: &a0 \"lol\"\n");
        for level in 1..10 {
            let previous = format!("*a{}", level - 1);
            let items = [previous.as_str(); 9].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        text.push_str(extra);
        text.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata: *a9\n");
        text
    }

    /// One anchored list of 20,000 items aliased 20,000 times: 400 million nodes from 200 KB.
    fn quadratic_aliases(extra: &str) -> String {
        let items = vec!["x"; 20_000].join(", ");
        let aliases = vec!["*l"; 20_000].join(", ");
        format!("apiVersion: v1\nkind: ConfigMap\n{extra}list: &l [{items}]\ndata: [{aliases}]\n")
    }

    #[rstest]
    #[case::billion_laughs(
        billion_laughs(""),
        "s.yaml:5: invalid YAML: YAML aliases expand this document far beyond its size (an alias bomb?); it is not read"
    )]
    #[case::with_merge_keys(
        billion_laughs("m: {<<: {k: v}}\n"),
        "s.yaml:5: invalid YAML: YAML aliases expand this document far beyond its size (an alias bomb?); it is not read"
    )]
    #[case::with_integer_keys(
        billion_laughs("8080: yes\n"),
        "s.yaml:5: invalid YAML: YAML aliases expand this document far beyond its size (an alias bomb?); it is not read"
    )]
    #[case::quadratic(
        quadratic_aliases(""),
        "s.yaml:7:13052: invalid YAML: data[39][4347]: YAML aliases expand this document far beyond its size (an alias bomb?); it is not read"
    )]
    #[case::quadratic_with_merge_keys(
        quadratic_aliases("m: {<<: {k: v}}\n"),
        "s.yaml:8:13124: invalid YAML: data[39][4371]: YAML aliases expand this document far beyond its size (an alias bomb?); it is not read"
    )]
    fn alias_bombs_are_refused_and_the_other_documents_read(
        #[case] bomb: String,
        #[case] message: &str,
    ) {
        let documents = Documents::parse("s.yaml", &around(&bomb));
        assert_eq!(only_error(&documents), message);
    }

    /// libyaml places an error at the end of a document without a final newline on the line
    /// after it; it is reported at the end of the last line (found by the fuzzer).
    #[test]
    fn an_error_at_the_end_of_the_input_is_on_its_last_line() {
        let documents =
            Documents::parse("e.yaml", "apiVersion: v1\n---\napiVersion: v1\nkind:\"Conf");
        assert_eq!(
            documents
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "e.yaml:4:11: invalid YAML: could not find expected ':', while scanning a simple key at line 4 column 1"
            ]
        );
    }

    #[test]
    fn ordinary_aliases_and_merge_keys_are_expanded() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m, labels: &l {app: web}}\ndata: {<<: *l, copy: *l}\n";
        let documents = Documents::parse("m.yaml", text);
        assert_eq!(
            documents.objects[0].object["data"],
            json!({"app": "web", "copy": {"app": "web"}})
        );
    }

    /// `kind: ConfigMap` whose `data.n` nests `depth` mappings (YAML) or arrays (JSON).
    fn nested(depth: usize, json: bool) -> String {
        if json {
            let open = "[".repeat(depth);
            let close = "]".repeat(depth);
            format!("{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"data\": {open}{close}}}")
        } else {
            let value = format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth));
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {value}")
        }
    }

    /// `depth` block mappings, each indented one more space.
    fn block_nested(depth: usize) -> String {
        let mut text =
            String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n");
        for level in 1..=depth {
            text.push_str(&format!("{}a:\n", " ".repeat(level)));
        }
        text.push_str(&format!("{}1", " ".repeat(depth + 1)));
        text
    }

    #[test]
    fn a_hundred_levels_of_nesting_are_read() {
        for text in [nested(100, false), block_nested(100)] {
            let documents = Documents::parse("n.yaml", &around(&text));
            assert_eq!(documents.objects.len(), 3, "{:?}", documents.errors);
        }
        let json = Documents::parse("n.json", &nested(100, true));
        assert_eq!(json.objects.len(), 1, "{:?}", json.errors);
    }

    #[rstest]
    #[case::yaml_flow("n.yaml", around(&nested(10_000, false)), "n.yaml:8:519: invalid YAML: flow collections ([…], {…}) nested deeper than 128 levels")]
    #[case::yaml_flow_bomb("n.yaml", around(&format!("a: {}", "[".repeat(200_000))), "n.yaml:5:132: invalid YAML: flow collections ([…], {…}) nested deeper than 128 levels")]
    #[case::yaml_block("n.yaml", around(&block_nested(300)), "n.yaml:136:129: invalid YAML: recursion limit exceeded")]
    #[case::json("n.json", format!("{}\n{}", nested(10_000, true), r#"{"apiVersion": "v1", "kind": "Pod"}"#), "n.json:1:177: invalid JSON: recursion limit exceeded")]
    fn deeper_nesting_is_refused_with_its_position(
        #[case] file: &str,
        #[case] text: String,
        #[case] message: &str,
    ) {
        let documents = Documents::parse(file, &text);
        assert_eq!(
            documents.errors.first().map(ToString::to_string).as_deref(),
            Some(message)
        );
        if file.ends_with(".yaml") {
            assert_eq!(only_error(&documents), message);
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_only_cost_their_document() {
        let mut bytes =
            around("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: caf\u{e9}}")
                .into_bytes();
        // Latin-1 é instead of the UTF-8 one, on line 8 after `data: {x: caf`.
        let at = bytes.windows(2).position(|w| w == [0xC3, 0xA9]).expect("é");
        bytes.splice(at..at + 2, [0xE9]);
        let documents = Documents::parse_bytes("latin1.yaml", &bytes);
        assert_eq!(
            only_error(&documents),
            "latin1.yaml:8:14: not UTF-8 text: invalid byte 0xE9; the document is not read"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_only_cost_their_json_value() {
        let bytes = b"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}}\n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"data\": {\"x\": \"\xff\"}}\n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}}\n";
        let documents = Documents::parse_bytes("s.json", bytes);
        assert_eq!(
            only_error(&documents),
            "s.json:2:58: not UTF-8 text: invalid byte 0xFF; the document is not read"
        );
    }

    #[rstest]
    #[case::binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".as_slice(), "logo.yaml: a binary file (it contains NUL bytes), not YAML or JSON text")]
    #[case::gzip(b"\x1f\x8b\x08\x00\x00\x00\x00\x00".as_slice(), "logo.yaml: a binary file (it contains NUL bytes), not YAML or JSON text")]
    #[case::utf16(b"\xff\xfea\x00p\x00i\x00".as_slice(), "logo.yaml: UTF-16 text: convert it to UTF-8 (YAML and JSON manifests are UTF-8)")]
    fn binary_files_are_refused_as_a_whole(#[case] bytes: &[u8], #[case] message: &str) {
        let documents = Documents::parse_bytes("logo.yaml", bytes);
        assert!(documents.objects.is_empty());
        assert_eq!(
            documents
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [message]
        );
    }
}

/// The harness of the `split_documents` fuzz target of `fuzz/` (the replay test below runs it on
/// every input of its corpus and regressions).
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing {
    use super::{Documents, offset_in, split_yaml_documents};

    /// Any bytes, read as a YAML and as a JSON file: every object, skipped document and error
    /// is within the input's lines, every object has an apiVersion and a kind, and the YAML
    /// documents are consecutive slices of the text.
    pub fn split_documents(data: &[u8]) {
        // YAML's line breaks, as libyaml counts them for its errors: LF, CRLF, a lone CR, and
        // the Unicode ones of YAML 1.1 (NEL, LS, PS).
        let lone_carriage_returns = data
            .windows(2)
            .filter(|pair| pair[0] == b'\r' && pair[1] != b'\n')
            .count()
            + usize::from(data.last() == Some(&b'\r'));
        let unicode_breaks = String::from_utf8_lossy(data)
            .chars()
            .filter(|c| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}'))
            .count();
        let lines = data.iter().filter(|&&b| b == b'\n').count()
            + lone_carriage_returns
            + unicode_breaks
            + 1;
        for name in ["fuzz.yaml", "fuzz.json"] {
            let documents = Documents::parse_bytes(name, data);
            for object in &documents.objects {
                assert!((1..=lines).contains(&object.line), "{object:?}");
                assert!(object.object["apiVersion"].is_string(), "{object:?}");
                assert!(object.object["kind"].is_string(), "{object:?}");
            }
            for skipped in &documents.skipped {
                assert!((1..=lines).contains(&skipped.line), "{skipped:?}");
                assert!(!skipped.reason.is_empty());
            }
            for error in &documents.errors {
                assert!(!error.message.is_empty());
                if let Some(line) = error.line {
                    assert!((1..=lines).contains(&line), "{error:?}");
                }
            }
        }
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let (mut end, mut line) = (0, 1);
        for document in split_yaml_documents(text) {
            let start = offset_in(text, document.text);
            assert!(start >= end, "documents overlap");
            assert!(document.first_line >= line, "lines go back");
            // Only the empty document after a final marker without a newline starts past the end.
            assert!(
                document.first_line <= lines || document.text.is_empty(),
                "{document:?}"
            );
            end = start + document.text.len();
            line = document.first_line;
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Every corpus and regression input of the target still passes.
        #[test]
        fn fuzz_inputs_replay() {
            let inputs = upstream_first_rules::fuzzing::inputs("split_documents");
            assert!(
                !inputs.is_empty(),
                "no inputs in fuzz/corpus/split_documents"
            );
            for (path, bytes) in &inputs {
                let result = std::panic::catch_unwind(|| split_documents(bytes));
                assert!(result.is_ok(), "fuzz input {} fails", path.display());
            }
        }
    }
}
