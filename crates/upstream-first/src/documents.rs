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

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The name under which stdin is reported.
pub const STDIN_NAME: &str = "-";

/// File extensions read when a directory is scanned.
pub const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The comment `helm template` writes before every rendered document.
const HELM_SOURCE_COMMENT: &str = "# Source: ";

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
}

impl Documents {
    /// Parses the text of one file (`file` is the name to report).
    #[must_use]
    pub fn parse(file: &str, text: &str) -> Self {
        let mut documents = Self::default();
        documents.add_text(file, text);
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
            if path.is_dir() {
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
            let mut text = String::new();
            match std::io::stdin().read_to_string(&mut text) {
                Ok(_) => documents.add_text(STDIN_NAME, &text),
                Err(e) => documents.errors.push(InputError {
                    file: Arc::from(STDIN_NAME),
                    line: None,
                    column: None,
                    message: format!("cannot read stdin: {e}"),
                }),
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
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => self.add_text(&name, &text),
                Err(e) => self.errors.push(InputError {
                    file: Arc::from(name),
                    line: None,
                    column: None,
                    message: format!("not UTF-8 text: {e}"),
                }),
            },
            Err(e) => self.errors.push(InputError {
                file: Arc::from(name),
                line: None,
                column: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }

    /// Parses the text of one file and adds what it holds.
    pub fn add_text(&mut self, file: &str, text: &str) {
        let file: Arc<str> = Arc::from(file);
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let looks_like_json = file.to_ascii_lowercase().ends_with(".json")
            || text.trim_start().starts_with(['{', '[']);
        if looks_like_json {
            let mut json = Self::default();
            let complete = json.add_json(&file, text);
            // YAML is a superset of most JSON-looking text (`{a: 1}` is YAML, not JSON): a
            // stream that is not JSON is read as YAML unless the file says it is JSON.
            if complete || file.to_ascii_lowercase().ends_with(".json") {
                self.append(json);
                return;
            }
        }
        self.add_yaml(&file, text);
    }

    fn append(&mut self, other: Self) {
        self.objects.extend(other.objects);
        self.skipped.extend(other.skipped);
        self.errors.extend(other.errors);
    }

    /// Reads a stream of JSON values; `false` when it stopped on a syntax error.
    fn add_json(&mut self, file: &Arc<str>, text: &str) -> bool {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
        loop {
            match stream.next() {
                None => return true,
                Some(Ok(raw)) => {
                    let start = offset_in(text, raw.get());
                    let line = line_at(text, start);
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

    fn add_yaml(&mut self, file: &Arc<str>, text: &str) {
        for document in split_yaml_documents(text) {
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
            let line = document.first_line + location.line() - 1;
            let column = if location.line() == 1 {
                location.column() + document.first_column
            } else {
                location.column()
            };
            (line, Some(column))
        }
        _ => (object_line, None),
    };
    let shift = document.first_line - 1;
    InputError {
        file: Arc::clone(file),
        line: Some(line),
        column,
        message: format!(
            "invalid YAML: {}",
            shift_line_numbers(&error.to_string(), shift)
        ),
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
}

/// Parses one YAML document into JSON. Plain documents (nearly all of them) are read straight
/// into JSON; documents with merge keys (`<<`), or that the direct read refuses (non-string
/// keys, tags), go through the YAML value model, which resolves and reports them.
fn parse_yaml_document(text: &str) -> Result<Value, YamlProblem> {
    if !text.contains("<<")
        && let Ok(value) = serde_yaml_ng::from_str::<Value>(text)
    {
        return Ok(value);
    }
    let mut value =
        serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text).map_err(YamlProblem::Syntax)?;
    value.apply_merge().map_err(YamlProblem::Syntax)?;
    yaml_to_json(value).map_err(YamlProblem::NotJson)
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
}
