//! Exemptions: owned by the platform team in settings, or (only when the settings allow it)
//! waived by the workload's own annotations.

use std::collections::BTreeMap;

use wildmatch::WildMatch;

use crate::settings::CommonSettings;

/// Names the policies an object waives itself from, comma separated.
pub const EXEMPT_ANNOTATION: &str = "upstream-first.io/exempt";
/// Why the object waives itself; a waiver without a reason is not honoured.
pub const EXEMPT_REASON_ANNOTATION: &str = "upstream-first.io/exempt-reason";

/// Why an object is exempt, and who granted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exempted {
    /// Its namespace matches an `exemptNamespaces` pattern.
    Namespace { pattern: String },
    /// It matches an entry of `exemptions`.
    Listed { reason: String },
    /// It carries an annotation waiver and the settings allow those.
    Annotation { reason: String },
}

impl Exempted {
    pub fn reason(&self) -> String {
        match self {
            Exempted::Namespace { pattern } => {
                format!("namespace matches exemptNamespaces pattern \"{pattern}\"")
            }
            Exempted::Listed { reason } | Exempted::Annotation { reason } => reason.clone(),
        }
    }

    pub fn granted_by(&self) -> &'static str {
        match self {
            Exempted::Namespace { .. } => "exemptNamespaces",
            Exempted::Listed { .. } => "exemptions",
            Exempted::Annotation { .. } => EXEMPT_ANNOTATION,
        }
    }
}

/// What the object's annotations say about a waiver for `policy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiver {
    None,
    /// The annotation names the policy and gives a reason.
    Requested {
        reason: String,
    },
    /// The annotation names the policy but gives no reason.
    MissingReason,
}

pub fn annotation_waiver(policy: &str, annotations: &BTreeMap<String, String>) -> Waiver {
    let names_policy = annotations
        .get(EXEMPT_ANNOTATION)
        .is_some_and(|list| list.split(',').any(|p| p.trim() == policy));
    if !names_policy {
        return Waiver::None;
    }
    match annotations
        .get(EXEMPT_REASON_ANNOTATION)
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
    {
        Some(reason) => Waiver::Requested {
            reason: reason.to_string(),
        },
        None => Waiver::MissingReason,
    }
}

/// The identity an exemption is matched against.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    pub annotations: &'a BTreeMap<String, String>,
}

/// The settings-granted exemption of `subject`, or an honoured annotation waiver.
pub fn find(
    policy: &str,
    settings: &CommonSettings,
    default_exempt_namespaces: &[&str],
    subject: Subject<'_>,
) -> Option<Exempted> {
    let namespace_match = match &settings.exempt_namespaces {
        Some(patterns) => patterns
            .iter()
            .find(|p| glob(p, subject.namespace))
            .cloned(),
        None => default_exempt_namespaces
            .iter()
            .find(|p| glob(p, subject.namespace))
            .map(|p| p.to_string()),
    };
    if let Some(pattern) = namespace_match {
        return Some(Exempted::Namespace { pattern });
    }
    if let Some(listed) = settings.exemptions.iter().find(|e| {
        glob(&e.namespace, subject.namespace)
            && glob(&e.name, subject.name)
            && e.kind.as_deref().is_none_or(|k| k == subject.kind)
    }) {
        return Some(Exempted::Listed {
            reason: listed.reason.clone(),
        });
    }
    if settings.allow_annotation_exemptions
        && let Waiver::Requested { reason } = annotation_waiver(policy, subject.annotations)
    {
        return Some(Exempted::Annotation { reason });
    }
    None
}

fn glob(pattern: &str, value: &str) -> bool {
    WildMatch::new(pattern).matches(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Exemption;
    use rstest::rstest;

    fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn settings() -> CommonSettings {
        CommonSettings {
            exempt_namespaces: Some(vec!["legacy-*".into()]),
            exemptions: vec![Exemption {
                namespace: "data".into(),
                name: "kafka-?".into(),
                kind: Some("StatefulSet".into()),
                reason: "migrating to Strimzi in Q3".into(),
            }],
            ..Default::default()
        }
    }

    #[rstest]
    #[case(
        "StatefulSet",
        "legacy-billing",
        "pg",
        Some("namespace matches exemptNamespaces pattern \"legacy-*\"")
    )]
    #[case("StatefulSet", "data", "kafka-1", Some("migrating to Strimzi in Q3"))]
    #[case("Deployment", "data", "kafka-1", None)]
    #[case("StatefulSet", "data", "kafka-10", None)]
    #[case("StatefulSet", "prod", "kafka-1", None)]
    fn settings_exemptions(
        #[case] kind: &str,
        #[case] namespace: &str,
        #[case] name: &str,
        #[case] reason: Option<&str>,
    ) {
        let none = BTreeMap::new();
        let subject = Subject {
            kind,
            namespace,
            name,
            annotations: &none,
        };
        let found = find("no-raw-datastores", &settings(), &[], subject);
        assert_eq!(found.map(|e| e.reason()).as_deref(), reason);
    }

    #[test]
    fn default_namespaces_apply_only_without_a_setting() {
        let none = BTreeMap::new();
        let subject = Subject {
            kind: "Pod",
            namespace: "kube-system",
            name: "x",
            annotations: &none,
        };
        let defaults = CommonSettings::default();
        assert!(find("p", &defaults, &["kube-system"], subject).is_some());
        assert!(find("p", &settings(), &["kube-system"], subject).is_none());
    }

    #[rstest]
    #[case(&[], Waiver::None)]
    #[case(&[(EXEMPT_ANNOTATION, "pvc-contract")], Waiver::None)]
    #[case(&[(EXEMPT_ANNOTATION, "pvc-contract, no-raw-datastores")], Waiver::MissingReason)]
    #[case(&[(EXEMPT_ANNOTATION, "no-raw-datastores"), (EXEMPT_REASON_ANNOTATION, " vendor appliance ")], Waiver::Requested { reason: "vendor appliance".into() })]
    fn waivers(#[case] pairs: &[(&str, &str)], #[case] expected: Waiver) {
        assert_eq!(
            annotation_waiver("no-raw-datastores", &annotations(pairs)),
            expected
        );
    }

    #[test]
    fn waivers_need_the_setting() {
        let waived = annotations(&[
            (EXEMPT_ANNOTATION, "no-raw-datastores"),
            (EXEMPT_REASON_ANNOTATION, "vendor appliance"),
        ]);
        let subject = Subject {
            kind: "Deployment",
            namespace: "shop",
            name: "cache",
            annotations: &waived,
        };
        let mut common = CommonSettings::default();
        assert_eq!(find("no-raw-datastores", &common, &[], subject), None);
        common.allow_annotation_exemptions = true;
        assert_eq!(
            find("no-raw-datastores", &common, &[], subject),
            Some(Exempted::Annotation {
                reason: "vendor appliance".into()
            })
        );
    }
}
