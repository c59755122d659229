//! Provenance: whether a workload was produced by one of its component's upstream sources
//! (an operator, an upstream Helm chart running that chart's own images, or a vendor
//! install bundle).

use std::fmt;

use crate::catalog::Component;
use crate::chart::parse_chart_label;
use crate::image::ImageReference;
use crate::podspec::Workload;

/// Helm 3 chart label: `<name>-<version>`.
pub const HELM_CHART_LABEL: &str = "helm.sh/chart";
/// Helm 2 era chart label, trusted only together with `heritage`.
pub const LEGACY_CHART_LABEL: &str = "chart";
pub const LEGACY_HERITAGE_LABEL: &str = "heritage";
/// Names the vendor install bundle an object belongs to (`argocd`).
pub const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";

/// The upstream source a workload came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    Operator { kind: String, name: String },
    Chart { name: String },
    Bundle { part_of: String },
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provenance::Operator { kind, name } => write!(f, "owned by {kind} {name}"),
            Provenance::Chart { name } => write!(f, "rendered by the upstream {name} chart"),
            Provenance::Bundle { part_of } => write!(f, "part of the {part_of} install bundle"),
        }
    }
}

/// The upstream source of `workload` for `component`, when it has one. `image` is the
/// image of the container that runs the component (charts are trusted only for the images
/// they run); `allowed_bundles` are extra `part-of` values the settings accept.
pub fn upstream_source(
    component: &Component,
    workload: &Workload,
    image: Option<&ImageReference>,
    allowed_bundles: &[String],
) -> Option<Provenance> {
    operator_owner(component, workload)
        .or_else(|| chart_source(component, workload, image))
        .or_else(|| bundle_source(component, workload, allowed_bundles))
}

fn operator_owner(component: &Component, workload: &Workload) -> Option<Provenance> {
    workload
        .metadata
        .owner_references
        .iter()
        .find(|owner| {
            component.sources.operators.iter().any(|operator| {
                operator.kind == owner.kind
                    && owner.group().is_none_or(|group| group == operator.group)
            })
        })
        .map(|owner| Provenance::Operator {
            kind: owner.kind.clone(),
            name: owner.name.clone(),
        })
}

/// The chart that rendered the workload, from `helm.sh/chart`, or from the legacy `chart`
/// label when `heritage` says Helm (or Tiller, Helm 2's server).
pub fn chart_name(workload: &Workload) -> Option<String> {
    let label = workload.label(HELM_CHART_LABEL).or_else(|| {
        workload
            .label(LEGACY_HERITAGE_LABEL)
            .filter(|h| matches!(*h, "Helm" | "Tiller"))
            .and_then(|_| workload.label(LEGACY_CHART_LABEL))
    })?;
    parse_chart_label(label).map(|chart| chart.name)
}

fn chart_source(
    component: &Component,
    workload: &Workload,
    image: Option<&ImageReference>,
) -> Option<Provenance> {
    let name = chart_name(workload)?;
    component
        .sources
        .charts
        .iter()
        .filter(|chart| chart.name == name)
        .find(|chart| {
            chart.images.is_empty()
                || image.is_some_and(|image| {
                    chart
                        .images
                        .iter()
                        .any(|repo| image.matches_repository(repo))
                })
        })
        .map(|_| Provenance::Chart { name })
}

fn bundle_source(
    component: &Component,
    workload: &Workload,
    allowed_bundles: &[String],
) -> Option<Provenance> {
    let part_of = workload.label(PART_OF_LABEL)?;
    component
        .sources
        .bundles
        .iter()
        .chain(allowed_bundles)
        .any(|bundle| bundle == part_of)
        .then(|| Provenance::Bundle {
            part_of: part_of.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use rstest::rstest;
    use serde_json::{Value, json};

    fn statefulset(metadata: Value, image: &str) -> Workload {
        let object = json!({
            "metadata": metadata,
            "spec": {"template": {"spec": {"containers": [{"name": "main", "image": image}]}}}
        });
        Workload::from_object("StatefulSet", &object)
            .unwrap()
            .unwrap()
    }

    fn source(component: &str, metadata: Value, image: &str, bundles: &[&str]) -> Option<String> {
        let component = Catalog::builtin().get(component).unwrap();
        let workload = statefulset(metadata, image);
        let image = ImageReference::parse(image).unwrap();
        let bundles: Vec<String> = bundles.iter().map(|b| b.to_string()).collect();
        upstream_source(component, &workload, Some(&image), &bundles).map(|p| p.to_string())
    }

    #[rstest]
    #[case::cnpg("postgresql", json!({"ownerReferences": [{"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "name": "pg", "controller": true}]}), "ghcr.io/cloudnative-pg/postgresql:16", Some("owned by Cluster pg"))]
    #[case::kind_only("postgresql", json!({"ownerReferences": [{"kind": "postgresql", "name": "acid"}]}), "postgres:16", Some("owned by postgresql acid"))]
    #[case::wrong_group("postgresql", json!({"ownerReferences": [{"apiVersion": "example.com/v1", "kind": "Cluster", "name": "pg"}]}), "postgres:16", None)]
    #[case::strimzi("kafka", json!({"ownerReferences": [{"apiVersion": "core.strimzi.io/v1beta2", "kind": "StrimziPodSet", "name": "k"}]}), "quay.io/strimzi/kafka:0.45.0-kafka-3.9.0", Some("owned by StrimziPodSet k"))]
    #[case::bitnami_chart("postgresql", json!({"labels": {"helm.sh/chart": "postgresql-16.4.2"}}), "docker.io/bitnami/postgresql:17.2.0", Some("rendered by the upstream postgresql chart"))]
    #[case::prerelease_chart("postgresql", json!({"labels": {"helm.sh/chart": "postgresql-ha-14.2.1"}}), "bitnami/postgresql-repmgr:16", Some("rendered by the upstream postgresql-ha chart"))]
    #[case::legacy_chart("redis", json!({"labels": {"chart": "redis-10.5.7", "heritage": "Helm"}}), "bitnami/redis:5.0.7", Some("rendered by the upstream redis chart"))]
    #[case::legacy_chart_without_heritage("redis", json!({"labels": {"chart": "redis-10.5.7"}}), "bitnami/redis:5.0.7", None)]
    #[case::local_kafka_chart("kafka", json!({"labels": {"helm.sh/chart": "kafka-0.1.0"}}), "apache/kafka:3.9.0", None)]
    #[case::argocd_bundle("redis", json!({"labels": {"app.kubernetes.io/part-of": "argocd"}}), "public.ecr.aws/docker/library/redis:8.10.1-alpine", Some("part of the argocd install bundle"))]
    #[case::unknown_bundle("redis", json!({"labels": {"app.kubernetes.io/part-of": "shop"}}), "redis:7", None)]
    #[case::settings_bundle("redis", json!({"labels": {"app.kubernetes.io/part-of": "shop"}}), "redis:7", Some("part of the shop install bundle"))]
    fn provenance(
        #[case] component: &str,
        #[case] metadata: Value,
        #[case] image: &str,
        #[case] expected: Option<&str>,
    ) {
        let bundles: &[&str] = if expected == Some("part of the shop install bundle") {
            &["shop"]
        } else {
            &[]
        };
        assert_eq!(
            source(component, metadata, image, bundles).as_deref(),
            expected
        );
    }

    #[test]
    fn chart_label_on_the_pod_template_counts() {
        let object = json!({
            "metadata": {"name": "pg"},
            "spec": {"template": {"metadata": {"labels": {"helm.sh/chart": "postgresql-16.4.2"}},
                                  "spec": {"containers": [{"name": "postgresql", "image": "bitnami/postgresql:17"}]}}}
        });
        let workload = Workload::from_object("StatefulSet", &object)
            .unwrap()
            .unwrap();
        assert_eq!(chart_name(&workload).as_deref(), Some("postgresql"));
    }
}
