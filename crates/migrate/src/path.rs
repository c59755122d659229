//! Writing a value at a catalog path (`primary.persistence.size`, `spec.nodeSets.0.count`) into
//! a JSON tree, creating the maps on the way.

use serde_json::{Map, Value};
use upstream_first_rules::catalog::migration::{PathStep, parse_path};

/// Why a value could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError(pub String);

/// Sets `value` at `path` in `root`. Missing maps are created; a list index past the end
/// appends empty maps up to it. A step through a scalar, or a key into a list, is an error
/// (the catalog check keeps such paths out of the built-in mappings).
pub fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), PathError> {
    let steps = parse_path(path).ok_or_else(|| PathError(format!("{path:?} is not a path")))?;
    let mut node = root;
    for step in &steps {
        if node.is_null() {
            *node = match step {
                PathStep::Key(_) => Value::Object(Map::new()),
                PathStep::Index(_) => Value::Array(Vec::new()),
            };
        }
        node = match (step, node) {
            (PathStep::Key(key), Value::Object(map)) => {
                map.entry(key.clone()).or_insert(Value::Null)
            }
            (PathStep::Index(index), Value::Array(items)) => {
                while items.len() <= *index {
                    items.push(Value::Object(Map::new()));
                }
                &mut items[*index]
            }
            _ => {
                return Err(PathError(format!(
                    "{path}: crosses a value that is not a map or list"
                )));
            }
        };
    }
    *node = value;
    Ok(())
}

/// Merges `overlay` into `base`: maps key by key, anything else replaced.
pub fn merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                merge(base.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn creates_maps_and_keeps_siblings() {
        let mut root = json!({"primary": {"persistence": {"enabled": true}}});
        set_path(&mut root, "primary.persistence.size", json!("8Gi")).unwrap();
        assert_eq!(
            root,
            json!({"primary": {"persistence": {"enabled": true, "size": "8Gi"}}})
        );
    }

    #[test]
    fn indexes_lists_and_escaped_keys() {
        let mut root = json!({"spec": {"nodeSets": [{"name": "default"}]}});
        set_path(
            &mut root,
            r"spec.nodeSets.0.podLabels.app\.kubernetes\.io/part-of",
            json!("x"),
        )
        .unwrap();
        assert_eq!(
            root["spec"]["nodeSets"][0]["podLabels"]["app.kubernetes.io/part-of"],
            "x"
        );
        assert_eq!(root["spec"]["nodeSets"][0]["name"], "default");
    }

    #[test]
    fn refuses_to_walk_through_a_scalar() {
        let mut root = json!({"image": "postgres"});
        assert_eq!(
            set_path(&mut root, "image.tag", json!("16")),
            Err(PathError(
                "image.tag: crosses a value that is not a map or list".into()
            ))
        );
    }

    #[test]
    fn merge_is_deep_for_maps_only() {
        let mut base = json!({"a": {"b": 1, "c": [1, 2]}});
        merge(&mut base, &json!({"a": {"c": [3], "d": true}}));
        assert_eq!(base, json!({"a": {"b": 1, "c": [3], "d": true}}));
    }
}
