//! The require-upstream-chart rule: a Deployment, StatefulSet or DaemonSet that runs a catalog
//! application (Grafana, Loki, Keycloak, Argo CD, …) must come from one of that application's
//! upstream sources: its Helm chart (running the chart's own images), its operator, or a
//! vendor install bundle.
//!
//! Datastores are the no-raw-datastores rule's: only `application` entries are judged here,
//! so one workload is never reported twice. Images outside the catalog pass.

use std::borrow::Cow;

use crate::catalog::{Catalog, Component, ComponentPatch};
use crate::evaluation::Violation;
use crate::evidence::{Detection, applications};
use crate::image::ImageReference;
use crate::podspec::{Workload, WorkloadKind};
use crate::provenance::{PART_OF_LABEL, upstream_source};

/// The kinds this rule judges: the controllers a chart would render.
pub const CHART_WORKLOAD_KINDS: [WorkloadKind; 3] = [
    WorkloadKind::Deployment,
    WorkloadKind::StatefulSet,
    WorkloadKind::DaemonSet,
];

/// What the message says the workload lacks.
pub const WITHOUT_UPSTREAM_CHART: &str = "rendered without the upstream chart";

/// The catalog described by settings additions: the built-in one, extended (borrowed when
/// there is nothing to add). Errors name the field (`catalog[0].images[1]: …`).
pub fn extended_catalog(additions: &[ComponentPatch]) -> Result<Cow<'static, Catalog>, String> {
    if additions.is_empty() {
        return Ok(Cow::Borrowed(Catalog::builtin()));
    }
    Catalog::builtin()
        .with_additions(additions)
        .map(Cow::Owned)
        .map_err(|e| e.to_string())
}

/// The catalog applications `workload` runs without an upstream source. `display` names the
/// object (`Deployment monitoring/grafana`); `allowed_bundles` are extra `part-of` values the
/// settings accept for every application.
pub fn applications_without_upstream_source(
    catalog: &Catalog,
    workload: &Workload,
    display: &str,
    allowed_bundles: &[String],
) -> Vec<Violation> {
    unsourced_applications(catalog, workload, allowed_bundles)
        .into_iter()
        .map(|d| Violation {
            key: format!("{}/{}", d.component.id, d.container),
            message: format!(
                "{display}: container {} (image {}) runs {} {WITHOUT_UPSTREAM_CHART}; use {} instead: {}",
                d.container,
                d.image,
                d.component.display_name,
                recommended_sources(d.component, d.image_ref.as_ref()),
                d.component.replacement.url,
            ),
        })
        .collect()
}

/// The catalog applications of `workload` without an upstream source: what
/// [`applications_without_upstream_source`] reports, and what `upstream-first migrate` replaces.
pub fn unsourced_applications<'c>(
    catalog: &'c Catalog,
    workload: &Workload,
    allowed_bundles: &[String],
) -> Vec<Detection<'c>> {
    if !CHART_WORKLOAD_KINDS.contains(&workload.kind) {
        return Vec::new();
    }
    applications(catalog, workload)
        .into_iter()
        .filter(|d| {
            upstream_source(d.component, workload, d.image_ref.as_ref(), allowed_bundles).is_none()
        })
        .collect()
}

/// The upstream sources to use instead, in words: the charts that run `image` (every chart of
/// the component when none does), then its operators' API groups, then its vendor bundles.
/// Falls back to the catalog's replacement summary for a component without sources.
pub fn recommended_sources(component: &Component, image: Option<&ImageReference>) -> String {
    let sources = &component.sources;
    let runs_image = |images: &[String]| {
        image.is_some_and(|image| images.iter().any(|repo| image.matches_repository(repo)))
    };
    let mut charts: Vec<String> = Vec::new();
    let matching = sources.charts.iter().filter(|c| runs_image(&c.images));
    let candidates: Vec<_> = if matching.clone().next().is_some() {
        matching.collect()
    } else {
        sources.charts.iter().collect()
    };
    for chart in candidates {
        let phrase = format!("the {} Helm chart from {}", chart.name, chart.repository);
        if !charts.contains(&phrase) {
            charts.push(phrase);
        }
    }
    let mut groups: Vec<&str> = Vec::new();
    for operator in &sources.operators {
        if !groups.contains(&operator.group.as_str()) {
            groups.push(&operator.group);
        }
    }
    let mut options = charts;
    if !groups.is_empty() {
        options.push(format!("the {} operator", either(&groups)));
    }
    for bundle in &sources.bundles {
        options.push(format!(
            "the vendor install manifests ({PART_OF_LABEL}: {bundle})"
        ));
    }
    if options.is_empty() {
        return component.replacement.summary.clone();
    }
    either(&options)
}

/// `a`, `a or b`, `a, b or c`.
fn either<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [only] => only.as_ref().to_string(),
        [init @ .., last] => format!(
            "{} or {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ComponentClass;
    use rstest::rstest;
    use serde_json::{Value, json};

    /// The applications the audit names (RULES.md), each of which the catalog must know.
    const AUDITED_APPLICATIONS: [&str; 28] = [
        "grafana",
        "mimir",
        "loki",
        "tempo",
        "opentelemetry-collector",
        "prometheus",
        "headlamp",
        "argocd",
        "traefik",
        "pomerium",
        "cert-manager",
        "external-secrets",
        "openbao",
        "vault",
        "keycloak",
        "velero",
        "longhorn",
        "github-actions-runner",
        "nexus",
        "gitea",
        "hasura",
        "windmill",
        "penpot",
        "dagster",
        "datahub",
        "temporal",
        "marquez",
        "polaris",
    ];

    fn workload(kind: &str, labels: Value, owners: Value, image: &str) -> Workload {
        let object = json!({
            "metadata": {"name": "app", "labels": labels, "ownerReferences": owners},
            "spec": {"template": {"spec": {"containers": [{"name": "main", "image": image}]}}}
        });
        Workload::from_object(kind, &object).unwrap().unwrap()
    }

    fn judged(kind: &str, labels: Value, owners: Value, image: &str) -> Vec<String> {
        let workload = workload(kind, labels, owners, image);
        applications_without_upstream_source(Catalog::builtin(), &workload, "X ns/app", &[])
            .into_iter()
            .map(|v| v.key)
            .collect()
    }

    #[test]
    fn the_catalog_knows_every_audited_application() {
        let catalog = Catalog::builtin();
        for id in AUDITED_APPLICATIONS {
            let component = catalog
                .get(id)
                .unwrap_or_else(|| panic!("{id} missing from the catalog"));
            assert_eq!(component.class, ComponentClass::Application, "{id}");
        }
        assert!(catalog.applications().count() >= AUDITED_APPLICATIONS.len());
    }

    /// Every image of an application is run by one of its charts, or the component has an
    /// operator: otherwise the policy could reject a workload that has no upstream way out.
    #[test]
    fn every_application_image_has_an_upstream_source() {
        for component in Catalog::builtin().applications() {
            assert!(
                !component.sources.charts.is_empty(),
                "{} lists no chart source",
                component.id
            );
            for image in &component.images {
                let charted = component
                    .sources
                    .charts
                    .iter()
                    .any(|chart| chart.images.contains(image));
                assert!(
                    charted || !component.sources.operators.is_empty(),
                    "{}: no chart runs {image} and there is no operator",
                    component.id
                );
            }
        }
    }

    #[rstest]
    #[case::grafana("grafana/grafana:11.3.0", Some("grafana"))]
    #[case::grafana_mirror("harbor.corp/hub/grafana/grafana-oss:11", Some("grafana"))]
    #[case::keycloak_quay("quay.io/keycloak/keycloak:26.0", Some("keycloak"))]
    #[case::argocd_quay("quay.io/argoproj/argocd:v3.1.0", Some("argocd"))]
    #[case::otel_ghcr(
        "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.120.0",
        Some("opentelemetry-collector")
    )]
    #[case::gitea_registry("docker.gitea.com/gitea:1.24", Some("gitea"))]
    #[case::traefik_official("traefik:v3.4", Some("traefik"))]
    #[case::datastore("postgres:16", None)]
    #[case::exporter_lookalike("corp/grafana-exporter:1", None)]
    #[case::first_party("registry.corp/shop/web:1.2.3", None)]
    fn catalog_lookups(#[case] image: &str, #[case] expected: Option<&str>) {
        let image = ImageReference::parse(image).unwrap();
        let found = Catalog::builtin()
            .component_for_image(&image)
            .filter(|c| c.class == ComponentClass::Application)
            .map(|c| c.id.as_str());
        assert_eq!(found, expected);
    }

    #[rstest]
    #[case::hand_rolled("Deployment", json!({}), json!([]), "grafana/grafana:11", vec!["grafana/main"])]
    #[case::chart("Deployment", json!({"helm.sh/chart": "grafana-8.5.1"}), json!([]), "grafana/grafana:11", vec![])]
    #[case::bitnami_chart("StatefulSet", json!({"helm.sh/chart": "keycloak-24.4.0"}), json!([]), "bitnami/keycloak:26", vec![])]
    #[case::chart_of_other_images("StatefulSet", json!({"helm.sh/chart": "keycloak-24.4.0"}), json!([]), "quay.io/keycloak/keycloak:26", vec!["keycloak/main"])]
    #[case::local_chart_named_like("Deployment", json!({"helm.sh/chart": "headlamp-0.1.0"}), json!([]), "grafana/grafana:11", vec!["grafana/main"])]
    #[case::operator("StatefulSet", json!({}), json!([{"apiVersion": "k8s.keycloak.org/v2alpha1", "kind": "Keycloak", "name": "kc", "controller": true}]), "quay.io/keycloak/keycloak:26", vec![])]
    #[case::bundle("Deployment", json!({"app.kubernetes.io/part-of": "argocd"}), json!([]), "quay.io/argoproj/argocd:v3.1.0", vec![])]
    #[case::daemonset("DaemonSet", json!({}), json!([]), "otel/opentelemetry-collector-contrib:0.120.0", vec!["opentelemetry-collector/main"])]
    #[case::pod_out_of_scope("Pod", json!({}), json!([]), "grafana/grafana:11", vec![])]
    #[case::job_out_of_scope("Job", json!({}), json!([]), "grafana/grafana:11", vec![])]
    #[case::datastore_is_not_ours("StatefulSet", json!({}), json!([]), "postgres:16", vec![])]
    #[case::first_party("Deployment", json!({}), json!([]), "corp/web:1", vec![])]
    fn provenance_decides(
        #[case] kind: &str,
        #[case] labels: Value,
        #[case] owners: Value,
        #[case] image: &str,
        #[case] expected: Vec<&str>,
    ) {
        assert_eq!(judged(kind, labels, owners, image), expected);
    }

    #[test]
    fn settings_bundles_count() {
        let workload = workload(
            "Deployment",
            json!({"app.kubernetes.io/part-of": "observability"}),
            json!([]),
            "grafana/grafana:11",
        );
        let found = applications_without_upstream_source(
            Catalog::builtin(),
            &workload,
            "Deployment ns/app",
            &["observability".to_string()],
        );
        assert_eq!(found, vec![]);
    }

    #[rstest]
    #[case::chart_and_operator(
        "grafana",
        "grafana/grafana:11",
        "the grafana Helm chart from https://grafana-community.github.io/helm-charts or the grafana.integreatly.org operator"
    )]
    #[case::chart_for_this_image(
        "grafana",
        "bitnami/grafana:11",
        "the grafana Helm chart from oci://registry-1.docker.io/bitnamicharts or the grafana.integreatly.org operator"
    )]
    #[case::two_charts(
        "loki",
        "grafana/loki:3.5.0",
        "the loki Helm chart from https://grafana-community.github.io/helm-charts, the loki-distributed Helm chart from https://grafana.github.io/helm-charts or the loki.grafana.com operator"
    )]
    #[case::chart_only(
        "headlamp",
        "ghcr.io/headlamp-k8s/headlamp:v0.30.0",
        "the headlamp Helm chart from https://kubernetes-sigs.github.io/headlamp/"
    )]
    #[case::bundle(
        "argocd",
        "quay.io/argoproj/argocd:v3.1.0",
        "the argo-cd Helm chart from https://argoproj.github.io/argo-helm, the argoproj.io operator or the vendor install manifests (app.kubernetes.io/part-of: argocd)"
    )]
    #[case::operator_groups(
        "github-actions-runner",
        "summerwind/actions-runner:latest",
        "the gha-runner-scale-set-controller Helm chart from oci://ghcr.io/actions/actions-runner-controller-charts, the gha-runner-scale-set Helm chart from oci://ghcr.io/actions/actions-runner-controller-charts, the actions-runner-controller Helm chart from https://actions-runner-controller.github.io/actions-runner-controller or the actions.github.com or actions.summerwind.dev operator"
    )]
    fn recommended_sources_name_chart_repository_and_operator(
        #[case] id: &str,
        #[case] image: &str,
        #[case] expected: &str,
    ) {
        let component = Catalog::builtin().get(id).unwrap();
        let image = ImageReference::parse(image).unwrap();
        assert_eq!(recommended_sources(component, Some(&image)), expected);
    }

    #[test]
    fn the_message_names_workload_container_image_chart_and_url() {
        let workload = workload(
            "Deployment",
            json!({}),
            json!([]),
            "headlamp-k8s/headlamp:v0.30.0",
        );
        let found = applications_without_upstream_source(
            Catalog::builtin(),
            &workload,
            "Deployment kube-system/headlamp",
            &[],
        );
        assert_eq!(
            found,
            vec![Violation {
                key: "headlamp/main".to_string(),
                message: "Deployment kube-system/headlamp: container main (image headlamp-k8s/headlamp:v0.30.0) runs Headlamp rendered without the upstream chart; use the headlamp Helm chart from https://kubernetes-sigs.github.io/headlamp/ instead: https://headlamp.dev/docs/latest/installation/in-cluster/".to_string(),
            }]
        );
    }

    #[rstest]
    #[case(json!([]), Ok(()))]
    #[case(json!([{"id": "grafana", "sources": {"charts": [{"name": "platform-grafana", "images": ["grafana/grafana"], "repository": "https://charts.corp.example/"}]}}]), Ok(()))]
    #[case(json!([{"id": "grafana", "images": ["not an image"]}]), Err("catalog[0].images[0]: \"not an image\" is not an image repository: invalid repository path"))]
    fn extending_the_catalog(#[case] additions: Value, #[case] expected: Result<(), &str>) {
        let additions: Vec<ComponentPatch> = serde_json::from_value(additions).unwrap();
        let result = extended_catalog(&additions).map(|_| ());
        assert_eq!(result, expected.map_err(str::to_string));
    }
}
