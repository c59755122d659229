//! `upstream-first init`: a starting configuration, the five ClusterAdmissionPolicies of
//! `deploy/policies/` with what a bundle tells about the site filled in (its storage classes
//! for pvc-contract's contract, its namespaces in a comment), which `kubectl apply` and
//! `scan --config` both accept.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

/// The resources of `deploy/policies/`, as the cluster gets them.
pub const POLICY_RESOURCES: [(&str, &str); 5] = [
    (
        "no-raw-datastores",
        include_str!("../../../deploy/policies/no-raw-datastores.yaml"),
    ),
    (
        "require-upstream-chart",
        include_str!("../../../deploy/policies/require-upstream-chart.yaml"),
    ),
    (
        "pvc-contract",
        include_str!("../../../deploy/policies/pvc-contract.yaml"),
    ),
    (
        "require-network-policy",
        include_str!("../../../deploy/policies/require-network-policy.yaml"),
    ),
    (
        "no-sql-mutating-jobs",
        include_str!("../../../deploy/policies/no-sql-mutating-jobs.yaml"),
    ),
];

/// The annotation that marks the cluster's default StorageClass.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// Where pvc-contract's settings start in its resource: replaced by the ones written here.
const SETTINGS_KEY: &str = "\n  settings:\n";

/// What a bundle tells about the site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    /// Storage classes claims and claim templates name, and StorageClass objects, with how
    /// often each is used.
    pub storage_classes: BTreeMap<String, usize>,
    /// A StorageClass marked as the cluster's default.
    pub default_class: Option<String>,
    pub namespaces: BTreeSet<String>,
}

impl Site {
    /// Reads the site off `objects` (namespaces defaulted).
    #[must_use]
    pub fn survey(objects: &[Value]) -> Self {
        let mut site = Self::default();
        for object in objects {
            if let Some(namespace) = object["metadata"]["namespace"].as_str() {
                site.namespaces.insert(namespace.to_owned());
            }
            let claims: Vec<&Value> = match object["kind"].as_str() {
                Some("PersistentVolumeClaim") => vec![object],
                Some("StatefulSet") => object["spec"]["volumeClaimTemplates"]
                    .as_array()
                    .map(|templates| templates.iter().collect())
                    .unwrap_or_default(),
                Some("StorageClass") => {
                    if let Some(name) = object["metadata"]["name"].as_str() {
                        site.storage_classes.entry(name.to_owned()).or_default();
                        if object["metadata"]["annotations"][DEFAULT_CLASS_ANNOTATION] == "true" {
                            site.default_class = Some(name.to_owned());
                        }
                    }
                    Vec::new()
                }
                Some("Namespace") => {
                    if let Some(name) = object["metadata"]["name"].as_str() {
                        site.namespaces.insert(name.to_owned());
                    }
                    Vec::new()
                }
                _ => Vec::new(),
            };
            for claim in claims {
                if let Some(class) = claim["spec"]["storageClassName"]
                    .as_str()
                    .filter(|c| !c.is_empty())
                {
                    *site.storage_classes.entry(class.to_owned()).or_default() += 1;
                }
            }
        }
        site
    }

    /// The class claims without one get: the cluster's default, else the most used.
    fn default_storage_class(&self) -> Option<&str> {
        self.default_class.as_deref().or_else(|| {
            self.storage_classes
                .iter()
                .filter(|(_, uses)| **uses > 0)
                .max_by_key(|(class, uses)| (**uses, std::cmp::Reverse(*class)))
                .map(|(class, _)| class.as_str())
        })
    }
}

/// pvc-contract's settings for `site`, indented as in its resource.
fn storage_settings(site: &Site) -> String {
    if site.storage_classes.is_empty() {
        return "  # No storage class was found in the inputs: list your cluster's (`kubectl get\n  \
                # storageclass`) in allowedStorageClasses to turn the class contract on; until\n  \
                # then only the storage structure is judged.\n  settings: {}\n"
            .to_owned();
    }
    let classes: Vec<&str> = site.storage_classes.keys().map(String::as_str).collect();
    let mut text = String::from(
        "  # The storage classes the inputs use: check them against `kubectl get storageclass`.\n  settings:\n",
    );
    let _ = writeln!(text, "    allowedStorageClasses: [{}]", classes.join(", "));
    if let Some(default) = site.default_storage_class() {
        let _ = writeln!(text, "    defaultStorageClass: {default}");
    }
    text.push_str("    enforceOnUpdate: new-violations\n");
    text
}

/// The configuration for `site`; `inputs` names what was read, for the header.
#[must_use]
pub fn configuration(site: &Site, inputs: &str) -> String {
    let mut text = format!(
        "# upstream-first configuration, written by `upstream-first init` from {inputs}.\n\
         # The five policies as Kubewarden ClusterAdmissionPolicies: `kubectl apply -f` this file\n\
         # enforces them in the cluster, and `upstream-first scan` reads it (found as\n\
         # .upstream-first.yaml in this directory or a parent, or given with --config).\n"
    );
    if !site.namespaces.is_empty() {
        let namespaces: Vec<&str> = site.namespaces.iter().map(String::as_str).collect();
        let _ = write!(
            text,
            "# Namespaces in the inputs: {}.\n# To exempt one from a policy, add it to that policy's settings.exemptNamespaces.\n",
            namespaces.join(", ")
        );
    }
    for (name, resource) in POLICY_RESOURCES {
        text.push_str("---\n");
        if name == "pvc-contract"
            && let Some(start) = resource.find(SETTINGS_KEY)
        {
            text.push_str(&resource[..start + 1]);
            text.push_str(&storage_settings(site));
        } else {
            text.push_str(resource);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    fn claim(class: &str) -> Value {
        json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "c", "namespace": "shop"},
               "spec": {"storageClassName": class}})
    }

    #[rstest]
    #[case::most_used(vec![claim("fast"), claim("standard"), claim("standard")], Some("standard"))]
    #[case::marked_default(vec![claim("fast"), json!({"kind": "StorageClass", "metadata": {"name": "gp3", "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}}})], Some("gp3"))]
    #[case::none(vec![], None)]
    fn the_default_class(#[case] objects: Vec<Value>, #[case] expected: Option<&str>) {
        assert_eq!(Site::survey(&objects).default_storage_class(), expected);
    }

    #[test]
    fn the_storage_settings_replace_the_examples_of_deploy() {
        let site = Site::survey(&[claim("fast"), claim("standard"), claim("standard")]);
        let text = configuration(&site, "manifests/");
        assert!(text.contains(
            "  settings:\n    allowedStorageClasses: [fast, standard]\n    defaultStorageClass: standard\n    enforceOnUpdate: new-violations\n"
        ), "{text}");
        assert!(
            text.contains("# Namespaces in the inputs: shop.\n"),
            "{text}"
        );
        assert_eq!(text.matches("kind: ClusterAdmissionPolicy\n").count(), 5);
    }
}
