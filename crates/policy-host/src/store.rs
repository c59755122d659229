//! The in-memory Kubernetes object store that answers context-aware policies.
//!
//! policy-server answers `kubernetes/*` host calls from reflectors (watch caches) of the API
//! server; offline, the same answers come from this store. Objects are indexed by
//! `(apiVersion, kind)` then namespace then name, so a `get_resource` is three map lookups and a
//! `list_resources_by_namespace` only walks the objects of that kind in that namespace: nothing
//! ever scans the whole store.
//!
//! Like policy-server's reflectors, the store drops `metadata.managedFields` and the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation when an object is inserted.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};

use crate::selector::{FieldMask, FieldSelector, Selector, matches_labels};

/// Why an object could not be inserted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The value is not a JSON object.
    #[error("a Kubernetes object must be a JSON object, got {found}")]
    NotAnObject {
        /// The JSON type that was given.
        found: &'static str,
    },
    /// A required string field is missing or empty.
    #[error("a Kubernetes object needs a non-empty string `{field}`{}", describe(.object))]
    MissingField {
        /// The dotted path of the field.
        field: &'static str,
        /// `apiVersion/kind name` of the object, as far as known.
        object: String,
    },
}

fn describe(object: &str) -> String {
    if object.is_empty() {
        String::new()
    } else {
        format!(" (object: {object})")
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `(apiVersion, kind)` of a Kubernetes resource type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeKey {
    /// `v1`, `apps/v1`, ...
    pub api_version: String,
    /// `Pod`, `Deployment`, ...
    pub kind: String,
}

impl TypeKey {
    /// Builds a key.
    pub fn new(api_version: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            api_version: api_version.into(),
            kind: kind.into(),
        }
    }
}

/// Objects of one type: namespace (`""` for cluster-scoped objects) → name → object.
#[derive(Debug, Clone, Default)]
struct TypeIndex {
    by_namespace: HashMap<String, BTreeMap<String, Value>>,
    namespaced: usize,
    cluster_scoped: usize,
}

/// Whether a type is namespaced, as far as the store can tell from its objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every object of the type has a namespace.
    Namespaced,
    /// No object of the type has a namespace.
    Cluster,
    /// The store holds no object of the type, or both kinds (it cannot tell).
    Unknown,
}

/// In-memory Kubernetes objects, indexed for the host capabilities.
#[derive(Debug, Clone, Default)]
pub struct ObjectStore {
    types: HashMap<TypeKey, TypeIndex>,
    len: usize,
    answers: AnswerCache,
}

/// Most answers an [`AnswerCache`] keeps, and most bytes of answers.
const MAX_CACHED_ANSWERS: usize = 4096;
const MAX_CACHED_ANSWER_BYTES: usize = 32 << 20;

/// What a host call answered, keyed by the call's operation and payload: a scan asks the same
/// question for every workload of a namespace, and the answer only changes with the store.
/// Emptied by every change to the store; a clone of the store starts empty.
#[derive(Default)]
struct AnswerCache {
    answers: Mutex<CachedAnswers>,
}

/// A host call's answer: the bytes the guest receives, or the error text.
pub type HostAnswer = Arc<Result<Vec<u8>, String>>;

#[derive(Default)]
struct CachedAnswers {
    by_call: HashMap<(String, Vec<u8>), HostAnswer>,
    bytes: usize,
}

impl AnswerCache {
    fn clear(&mut self) {
        let answers = self
            .answers
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        *answers = CachedAnswers::default();
    }
}

impl Clone for AnswerCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for AnswerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnswerCache")
    }
}

/// Which objects a list returns.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListQuery<'a> {
    /// Restrict to one namespace (`None`: every namespace, and cluster-scoped objects).
    pub namespace: Option<&'a str>,
    /// Keep objects whose labels match.
    pub label_selector: Option<&'a Selector>,
    /// Keep objects whose fields match.
    pub field_selector: Option<&'a FieldSelector>,
}

impl ObjectStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding the given objects (see [`ObjectStore::insert_value`] for Lists).
    pub fn from_objects(objects: impl IntoIterator<Item = Value>) -> Result<Self, StoreError> {
        let mut store = Self::new();
        for object in objects {
            store.insert_value(object)?;
        }
        Ok(store)
    }

    /// Inserts (or replaces) one object; returns the object it replaced.
    ///
    /// The object needs `apiVersion`, `kind` and `metadata.name`; `metadata.namespace` is
    /// optional (cluster-scoped objects have none).
    pub fn insert(&mut self, mut object: Value) -> Result<Option<Value>, StoreError> {
        self.answers.clear();
        let found = json_type(&object);
        let Some(map) = object.as_object_mut() else {
            return Err(StoreError::NotAnObject { found });
        };
        let text = |map: &serde_json::Map<String, Value>, key: &str| {
            map.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let api_version = text(map, "apiVersion");
        let kind = text(map, "kind");
        let metadata = map.get_mut("metadata").and_then(Value::as_object_mut);
        let name = metadata.as_deref().and_then(|m| text(m, "name"));
        let namespace = metadata.as_deref().and_then(|m| text(m, "namespace"));
        if let Some(metadata) = metadata {
            strip_bulky_metadata(metadata);
        }
        let describe = || {
            format!(
                "{}/{} {}",
                api_version.as_deref().unwrap_or("?"),
                kind.as_deref().unwrap_or("?"),
                name.as_deref().unwrap_or("?")
            )
        };
        let missing = |field| StoreError::MissingField {
            field,
            object: describe(),
        };
        let (Some(api_version), Some(kind), Some(name)) = (&api_version, &kind, &name) else {
            let field = match (&api_version, &kind) {
                (None, _) => "apiVersion",
                (_, None) => "kind",
                _ => "metadata.name",
            };
            return Err(missing(field));
        };

        let index = self
            .types
            .entry(TypeKey::new(api_version.clone(), kind.clone()))
            .or_default();
        let replaced = index
            .by_namespace
            .entry(namespace.clone().unwrap_or_default())
            .or_default()
            .insert(name.clone(), object);
        if replaced.is_none() {
            self.len += 1;
            if namespace.is_some() {
                index.namespaced += 1;
            } else {
                index.cluster_scoped += 1;
            }
        }
        Ok(replaced)
    }

    /// Inserts an object, or every item of a Kubernetes List (`kubectl get -o json` output, or any
    /// object with an `items` array and a kind ending in `List`). Returns how many objects were
    /// inserted. On an invalid item, the items before it stay inserted.
    pub fn insert_value(&mut self, value: Value) -> Result<usize, StoreError> {
        let is_list = value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && value.get("items").is_some_and(Value::is_array);
        if !is_list {
            self.insert(value)?;
            return Ok(1);
        }
        let Value::Object(mut map) = value else {
            return Ok(0);
        };
        let Some(Value::Array(items)) = map.remove("items") else {
            return Ok(0);
        };
        let count = items.len();
        for item in items {
            self.insert(item)?;
        }
        Ok(count)
    }

    /// Removes an object; returns it if it was there.
    pub fn remove(
        &mut self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        self.answers.clear();
        let index = self.types.get_mut(&TypeKey::new(api_version, kind))?;
        let removed = index
            .by_namespace
            .get_mut(namespace.unwrap_or_default())?
            .remove(name)?;
        self.len -= 1;
        if namespace.is_some() {
            index.namespaced -= 1;
        } else {
            index.cluster_scoped -= 1;
        }
        Some(removed)
    }

    /// The object with this type, namespace (`None` for cluster-scoped) and name.
    #[must_use]
    pub fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<&Value> {
        self.types
            .get(&TypeKey::new(api_version, kind))?
            .by_namespace
            .get(namespace.unwrap_or_default())?
            .get(name)
    }

    /// The answer to a host call (`capability` with its raw `payload`): the cached one when the
    /// same call was answered since the store last changed, otherwise `answer()`'s, kept.
    pub fn cached_answer(
        &self,
        capability: &str,
        payload: &[u8],
        answer: impl FnOnce() -> Result<Vec<u8>, String>,
    ) -> HostAnswer {
        let lock = || {
            self.answers
                .answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        let key = (capability.to_owned(), payload.to_vec());
        if let Some(cached) = lock().by_call.get(&key) {
            return Arc::clone(cached);
        }
        let answer = Arc::new(answer());
        let size = key.1.len() + answer.as_ref().as_ref().map_or_else(String::len, Vec::len);
        let mut cache = lock();
        if cache.by_call.len() < MAX_CACHED_ANSWERS && cache.bytes + size <= MAX_CACHED_ANSWER_BYTES
        {
            cache.bytes += size;
            cache.by_call.insert(key, Arc::clone(&answer));
        }
        answer
    }

    /// The objects of a type matching the query, ordered by namespace then name (deterministic,
    /// unlike the API server, so that evaluations are reproducible).
    pub fn list<'a>(
        &'a self,
        api_version: &str,
        kind: &str,
        query: ListQuery<'a>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        let index = self.types.get(&TypeKey::new(api_version, kind));
        let mut buckets: Vec<(&String, &BTreeMap<String, Value>)> = match (index, query.namespace) {
            (None, _) => Vec::new(),
            (Some(index), Some(namespace)) => index
                .by_namespace
                .get_key_value(namespace)
                .into_iter()
                .collect(),
            (Some(index), None) => index.by_namespace.iter().collect(),
        };
        buckets.sort_unstable_by_key(|(namespace, _)| *namespace);
        buckets
            .into_iter()
            .flat_map(|(_, objects)| objects.values())
            .filter(move |object| {
                query
                    .label_selector
                    .is_none_or(|selector| matches_labels(selector, object))
                    && query
                        .field_selector
                        .is_none_or(|selector| selector.matches_object(object))
            })
    }

    /// Whether the type is namespaced, as far as its objects tell.
    #[must_use]
    pub fn scope(&self, api_version: &str, kind: &str) -> Scope {
        match self.types.get(&TypeKey::new(api_version, kind)) {
            Some(index) if index.namespaced > 0 && index.cluster_scoped == 0 => Scope::Namespaced,
            Some(index) if index.cluster_scoped > 0 && index.namespaced == 0 => Scope::Cluster,
            _ => Scope::Unknown,
        }
    }

    /// Number of objects.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the store is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The types the store holds objects of.
    pub fn types(&self) -> impl Iterator<Item = &TypeKey> {
        self.types.keys()
    }
}

/// Drops what policy-server's reflectors drop to save memory.
fn strip_bulky_metadata(metadata: &mut serde_json::Map<String, Value>) {
    metadata.remove("managedFields");
    if let Some(annotations) = metadata
        .get_mut("annotations")
        .and_then(Value::as_object_mut)
    {
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

/// A Kubernetes List of the given items, shaped like policy-server's `kube::core::ObjectList`
/// (`{"apiVersion", "kind": "<Kind>List", "metadata": {}, "items"}`), which
/// `k8s_openapi::List<T>` deserialises.
#[must_use]
pub fn kubernetes_list(api_version: &str, kind: &str, items: Vec<Value>) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": format!("{kind}List"),
        "metadata": {},
        "items": items,
    })
}

/// A copy of the object with the field mask applied (no copy work beyond the clone when the
/// mask is empty).
#[must_use]
pub fn masked(object: &Value, mask: Option<&FieldMask>) -> Value {
    let mut object = object.clone();
    if let Some(mask) = mask {
        mask.apply(&mut object);
    }
    object
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cm(namespace: Option<&str>, name: &str, labels: Value) -> Value {
        let mut metadata = json!({"name": name, "labels": labels});
        if let Some(namespace) = namespace {
            metadata["namespace"] = json!(namespace);
        }
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {"k": name}})
    }

    fn names<'a>(objects: impl Iterator<Item = &'a Value>) -> Vec<String> {
        objects
            .map(|o| {
                format!(
                    "{}/{}",
                    o["metadata"]["namespace"].as_str().unwrap_or("-"),
                    o["metadata"]["name"].as_str().unwrap_or("?")
                )
            })
            .collect()
    }

    fn store() -> ObjectStore {
        ObjectStore::from_objects([
            cm(Some("b"), "z", json!({"app": "web"})),
            cm(Some("a"), "y", json!({"app": "db"})),
            cm(Some("a"), "x", json!({"app": "web", "tier": "fe"})),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}),
        ])
        .expect("valid objects")
    }

    #[test]
    fn get_is_indexed_by_type_namespace_and_name() {
        let store = store();
        assert_eq!(store.len(), 4);
        let found = store
            .get("v1", "ConfigMap", Some("a"), "x")
            .expect("present");
        assert_eq!(found["data"]["k"], "x");
        assert!(store.get("v1", "ConfigMap", Some("b"), "x").is_none());
        assert!(store.get("v1", "ConfigMap", None, "x").is_none());
        assert!(store.get("apps/v1", "ConfigMap", Some("a"), "x").is_none());
        assert!(store.get("v1", "Namespace", None, "a").is_some());
    }

    #[test]
    fn list_by_namespace_is_isolated_and_sorted() {
        let store = store();
        let query = ListQuery {
            namespace: Some("a"),
            ..ListQuery::default()
        };
        assert_eq!(names(store.list("v1", "ConfigMap", query)), ["a/x", "a/y"]);
        assert_eq!(
            names(store.list("v1", "ConfigMap", ListQuery::default())),
            ["a/x", "a/y", "b/z"]
        );
        assert_eq!(store.list("v1", "Secret", query).count(), 0);
    }

    #[test]
    fn list_applies_label_and_field_selectors() {
        let store = store();
        let web = Selector::parse("app=web").expect("valid");
        let not_x = FieldSelector::parse("metadata.name!=x").expect("valid");
        let query = ListQuery {
            label_selector: Some(&web),
            ..ListQuery::default()
        };
        assert_eq!(names(store.list("v1", "ConfigMap", query)), ["a/x", "b/z"]);
        let query = ListQuery {
            field_selector: Some(&not_x),
            ..query
        };
        assert_eq!(names(store.list("v1", "ConfigMap", query)), ["b/z"]);
    }

    #[test]
    fn answers_are_reused_until_the_store_changes() {
        let mut store = store();
        let calls = std::cell::Cell::new(0);
        let answer = |store: &ObjectStore, payload: &[u8]| {
            store.cached_answer("kubernetes/list_resources_by_namespace", payload, || {
                calls.set(calls.get() + 1);
                Ok(format!("answer {}", calls.get()).into_bytes())
            })
        };
        assert_eq!(*answer(&store, b"a"), Ok(b"answer 1".to_vec()));
        assert_eq!(*answer(&store, b"a"), Ok(b"answer 1".to_vec()));
        assert_eq!(*answer(&store, b"b"), Ok(b"answer 2".to_vec()));
        assert_eq!(*answer(&store.clone(), b"a"), Ok(b"answer 3".to_vec()));
        store.insert(cm(Some("a"), "w", json!({}))).expect("valid");
        assert_eq!(*answer(&store, b"a"), Ok(b"answer 4".to_vec()));
        store.remove("v1", "ConfigMap", Some("a"), "w");
        assert_eq!(*answer(&store, b"a"), Ok(b"answer 5".to_vec()));
        assert_eq!(calls.get(), 5);
    }

    #[test]
    fn insert_replaces_strips_and_validates() {
        let mut store = ObjectStore::new();
        let mut object = cm(Some("a"), "x", json!({}));
        object["metadata"]["managedFields"] = json!([{"manager": "kubectl"}]);
        object["metadata"]["annotations"] = json!({
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "keep": "me"
        });
        assert_eq!(store.insert(object.clone()), Ok(None));
        let stored = store
            .get("v1", "ConfigMap", Some("a"), "x")
            .expect("present");
        assert!(stored["metadata"].get("managedFields").is_none());
        assert_eq!(stored["metadata"]["annotations"], json!({"keep": "me"}));
        assert!(store.insert(object).expect("valid").is_some(), "replaced");
        assert_eq!(store.len(), 1);

        assert_eq!(
            store.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})),
            Err(StoreError::MissingField {
                field: "metadata.name",
                object: "v1/ConfigMap ?".to_owned()
            })
        );
        assert_eq!(
            store.insert(json!([])),
            Err(StoreError::NotAnObject { found: "an array" })
        );
        assert!(store.remove("v1", "ConfigMap", Some("a"), "x").is_some());
        assert!(store.is_empty());
    }

    #[test]
    fn insert_value_flattens_lists_and_scope_is_inferred() {
        let mut store = ObjectStore::new();
        let list = kubernetes_list(
            "v1",
            "ConfigMap",
            vec![cm(Some("a"), "x", json!({})), cm(Some("b"), "y", json!({}))],
        );
        assert_eq!(list["kind"], "ConfigMapList");
        assert_eq!(store.insert_value(list), Ok(2));
        assert_eq!(store.scope("v1", "ConfigMap"), Scope::Namespaced);
        store
            .insert(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}))
            .expect("valid");
        assert_eq!(store.scope("v1", "Node"), Scope::Cluster);
        assert_eq!(store.scope("v1", "Pod"), Scope::Unknown);
    }
}
