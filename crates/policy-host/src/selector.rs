//! Kubernetes label and field selectors of list requests, and field masks.
//!
//! policy-server hands the `label_selector` / `field_selector` strings of a list request to the
//! Kubernetes API server, so their meaning is the API server's (k8s.io/apimachinery `labels.Parse`
//! and `fields.ParseSelector`). This module implements that meaning for the in-memory store:
//!
//! - labels: parsed by the rules crate's [`Selector`] (apimachinery's grammar and error texts);
//!   [`matches_labels`] applies one to an object's `metadata.labels`.
//! - fields: `path=value`, `path==value`, `path!=value`, comma = AND, `\` escapes `,`, `=`, `!`
//!   and `\` in values. The API server only supports `metadata.name`, `metadata.namespace` and a
//!   few per-kind fields; here any dotted path works, a missing field compares as the empty
//!   string.

use std::collections::BTreeMap;

use serde_json::Value;
use upstream_first_rules::selector::Labels;
pub use upstream_first_rules::selector::Selector;

/// Whether the object's `metadata.labels` satisfy the label selector. A label whose value is not
/// a string (which the API server would have refused) counts as absent.
#[must_use]
pub fn matches_labels(selector: &Selector, object: &Value) -> bool {
    if selector.is_everything() {
        return true;
    }
    let labels: Labels = object
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
        .collect();
    selector.matches(&labels)
}

/// A field selector string that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid field selector {selector:?}: {reason}")]
pub struct FieldSelectorError {
    /// The selector as given.
    pub selector: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A parsed field selector: a conjunction of `path (=|==|!=) value` terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldTerm {
    path: String,
    equals: bool,
    value: String,
}

impl FieldSelector {
    /// Parses the Kubernetes field selector syntax.
    pub fn parse(selector: &str) -> Result<Self, FieldSelectorError> {
        let error = |reason: String| FieldSelectorError {
            selector: selector.to_owned(),
            reason,
        };
        let mut terms = Vec::new();
        if selector.trim().is_empty() {
            return Ok(Self { terms });
        }
        for raw in split_unescaped(selector, ',') {
            terms.push(parse_field_term(&raw).map_err(error)?);
        }
        Ok(Self { terms })
    }

    /// Whether the object satisfies every term.
    #[must_use]
    pub fn matches_object(&self, object: &Value) -> bool {
        self.terms.iter().all(|term| {
            let actual = field_as_string(object, &term.path);
            (actual == term.value) == term.equals
        })
    }
}

/// Splits on `separator` where it is not escaped with a backslash; escapes are kept.
fn split_unescaped(input: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in input.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            current.push(c);
            escaped = true;
        } else if c == separator {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

fn parse_field_term(raw: &str) -> Result<FieldTerm, String> {
    let mut chars = raw.char_indices().peekable();
    let mut escaped = false;
    while let Some((i, c)) = chars.next() {
        if escaped {
            escaped = false;
            continue;
        }
        let (equals, op_len) = match c {
            '\\' => {
                escaped = true;
                continue;
            }
            '!' if chars.peek().is_some_and(|&(_, n)| n == '=') => (false, 2),
            '=' if chars.peek().is_some_and(|&(_, n)| n == '=') => (true, 2),
            '=' => (true, 1),
            _ => continue,
        };
        let path = raw[..i].trim();
        if path.is_empty() {
            return Err(format!("missing field path in '{raw}'"));
        }
        let value = unescape(raw[i + op_len..].trim())?;
        return Ok(FieldTerm {
            path: path.to_owned(),
            equals,
            value,
        });
    }
    Err(format!(
        "'{raw}' is not a 'field=value', 'field==value' or 'field!=value' term"
    ))
}

fn unescape(value: &str) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(e @ ('\\' | ',' | '=' | '!')) => out.push(e),
            Some(e) => return Err(format!("invalid escape sequence '\\{e}'")),
            None => return Err("dangling '\\' at the end of a value".to_owned()),
        }
    }
    Ok(out)
}

/// The value of a dotted path, rendered like the API server does for field selectors.
fn field_as_string(object: &Value, path: &str) -> String {
    let mut current = object;
    for part in path.split('.') {
        match current.get(part) {
            Some(next) => current = next,
            None => return String::new(),
        }
    }
    match current {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Field masks: keep only the listed dotted paths of an object.
///
/// As in policy-server (`callback_handler/kubernetes/field_mask.rs` and `reflector.rs`), the masks
/// apply to the object's *data*: `apiVersion`, `kind` and the whole of `metadata` are always kept
/// (policy-server prunes `kube::DynamicObject::data`, which excludes them). Arrays are transparent
/// (`spec.containers.image` keeps `image` in every container). One deliberate difference: when
/// both `spec` and `spec.containers` are listed, the whole `spec` is kept (policy-server would
/// keep only `spec.containers`); asking for a field is asking for all of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMask {
    children: BTreeMap<String, FieldMask>,
    keep_all: bool,
}

/// Top-level fields a field mask never removes.
const ALWAYS_KEPT: [&str; 3] = ["apiVersion", "kind", "metadata"];

impl FieldMask {
    /// Builds the mask tree from dotted paths.
    pub fn new<I, S>(paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut root = Self::default();
        for path in paths {
            let mut node = &mut root;
            for part in path.as_ref().split('.') {
                node = node.children.entry(part.to_owned()).or_default();
            }
            node.keep_all = true;
        }
        root
    }

    /// Whether the mask keeps nothing but the always-kept fields... or everything: an empty mask
    /// means "no mask", as the SDK documents.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// Applies the mask to a Kubernetes object (see the type documentation).
    pub fn apply(&self, object: &mut Value) {
        if self.is_empty() {
            return;
        }
        if let Value::Object(map) = object {
            map.retain(|key, value| {
                if ALWAYS_KEPT.contains(&key.as_str()) {
                    return true;
                }
                match self.children.get(key) {
                    Some(child) => {
                        child.prune(value);
                        true
                    }
                    None => false,
                }
            });
        }
    }

    fn prune(&self, value: &mut Value) {
        if self.keep_all {
            return;
        }
        match value {
            Value::Object(map) => map.retain(|key, value| match self.children.get(key) {
                Some(child) => {
                    child.prune(value);
                    true
                }
                None => false,
            }),
            Value::Array(items) => items.iter_mut().for_each(|item| self.prune(item)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    /// The parser and the requirements are the rules crate's (tested there); these cases check
    /// how the labels are read from an object.
    #[rstest]
    #[case::everything_without_metadata("", json!({}), true)]
    #[case::equals(
        "app=web",
        json!({"metadata": {"labels": {"app": "web"}}}),
        true
    )]
    #[case::not_equals_without_labels("app!=web", json!({"metadata": {}}), true)]
    #[case::exists_without_metadata("app", json!({"kind": "Pod"}), false)]
    #[case::does_not_exist("!legacy", json!({"metadata": {"labels": {"app": "web"}}}), true)]
    #[case::set_and_prefixed_key(
        "app.kubernetes.io/name in (pg,mysql),tier notin (fe)",
        json!({"metadata": {"labels": {"app.kubernetes.io/name": "pg", "tier": "db"}}}),
        true
    )]
    #[case::non_string_value_is_absent(
        "replicas",
        json!({"metadata": {"labels": {"replicas": 3}}}),
        false
    )]
    #[case::labels_not_an_object("!app", json!({"metadata": {"labels": "app=web"}}), true)]
    fn label_selectors_read_metadata_labels(
        #[case] selector: &str,
        #[case] object: Value,
        #[case] expected: bool,
    ) {
        let parsed = Selector::parse(selector).expect("valid selector");
        assert_eq!(matches_labels(&parsed, &object), expected, "{selector}");
    }

    #[rstest]
    #[case::name("metadata.name=a", true)]
    #[case::name_double("metadata.name==a", true)]
    #[case::name_other("metadata.name=b", false)]
    #[case::not_name("metadata.name!=b", true)]
    #[case::namespace_and_name("metadata.namespace=ns,metadata.name=a", true)]
    #[case::nested("status.phase=Running", true)]
    #[case::missing_is_empty("spec.nodeName=", true)]
    #[case::escaped_comma(r"metadata.annotations.note=x\,y", true)]
    #[case::empty("", true)]
    fn field_selector_matches(#[case] selector: &str, #[case] expected: bool) {
        let object = json!({
            "metadata": {"name": "a", "namespace": "ns", "annotations": {"note": "x,y"}},
            "status": {"phase": "Running"},
        });
        let parsed = FieldSelector::parse(selector).expect("valid selector");
        assert_eq!(parsed.matches_object(&object), expected, "{selector}");
    }

    #[rstest]
    #[case::no_operator("metadata.name")]
    #[case::no_path("=a")]
    #[case::bad_escape(r"metadata.name=a\b")]
    fn field_selector_errors(#[case] selector: &str) {
        let error = FieldSelector::parse(selector).expect_err("invalid selector");
        assert!(
            error.to_string().starts_with("invalid field selector"),
            "{error}"
        );
    }

    #[test]
    fn field_mask_keeps_type_metadata_and_listed_paths() {
        let mut object = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "labels": {"a": "b"}},
            "spec": {
                "containers": [
                    {"name": "c1", "image": "i1", "ports": [1]},
                    {"name": "c2", "image": "i2"}
                ],
                "nodeName": "n"
            },
            "status": {"phase": "Running"}
        });
        FieldMask::new(["spec.containers.image"]).apply(&mut object);
        assert_eq!(
            object,
            json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p", "namespace": "ns", "labels": {"a": "b"}},
                "spec": {"containers": [{"image": "i1"}, {"image": "i2"}]}
            })
        );
    }

    #[test]
    fn field_mask_parent_path_keeps_whole_subtree_and_empty_mask_keeps_all() {
        let original = json!({"kind": "X", "spec": {"a": 1, "b": {"c": 2}}, "status": {}});
        let mut object = original.clone();
        FieldMask::new(["spec", "spec.b"]).apply(&mut object);
        assert_eq!(
            object,
            json!({"kind": "X", "spec": {"a": 1, "b": {"c": 2}}})
        );

        let mut object = original.clone();
        FieldMask::new(Vec::<String>::new()).apply(&mut object);
        assert_eq!(object, original);
    }
}
