//! require-upstream-chart, end to end: the built `.wasm` evaluated through the policy host.

use e2e_tests::{Policy, admission_request, corpus_dir, load_objects};
use rstest::rstest;
use serde_json::{Value, json};
use upstream_first_rules::catalog::Catalog;
use upstream_first_rules::image::ImageReference;
use upstream_first_rules::upstream_chart::recommended_sources;

const POLICY: &str = "require-upstream-chart";

const GRAFANA_FIX: &str = "use the grafana Helm chart from https://grafana-community.github.io/helm-charts or the grafana.integreatly.org operator instead: https://github.com/grafana-community/helm-charts/tree/main/charts/grafana";
const GRAFANA_REJECTION: &str = "Deployment monitoring/grafana: container grafana (image grafana/grafana:11.3.0) runs Grafana rendered without the upstream chart; use the grafana Helm chart from https://grafana-community.github.io/helm-charts or the grafana.integreatly.org operator instead: https://github.com/grafana-community/helm-charts/tree/main/charts/grafana";

fn workload(kind: &str, name: &str, metadata_extra: Value, containers: Value) -> Value {
    let mut metadata = json!({"name": name, "namespace": "monitoring"});
    if let (Some(m), Some(extra)) = (metadata.as_object_mut(), metadata_extra.as_object()) {
        m.extend(extra.clone());
    }
    let mut spec = json!({
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": containers}
        }
    });
    if kind == "StatefulSet" {
        spec["serviceName"] = json!(name);
    }
    json!({"apiVersion": "apps/v1", "kind": kind, "metadata": metadata, "spec": spec})
}

fn grafana(metadata_extra: Value) -> Value {
    workload(
        "Deployment",
        "grafana",
        metadata_extra,
        json!([{"name": "grafana", "image": "grafana/grafana:11.3.0", "ports": [{"containerPort": 3000}]}]),
    )
}

fn evaluate(object: &Value, settings: Value) -> policy_host::AdmissionResponse {
    Policy::new(POLICY).validate(admission_request("CREATE", object, None), settings)
}

#[test]
fn every_catalog_application_is_rejected_with_its_chart() {
    let mut policy = Policy::new(POLICY);
    let mut count = 0;
    for component in Catalog::builtin().applications() {
        count += 1;
        let image = format!("{}:1.0", component.images[0]);
        let object = workload(
            "Deployment",
            &component.id,
            json!({}),
            json!([{"name": "main", "image": image}]),
        );
        let response = policy.validate(admission_request("CREATE", &object, None), json!({}));
        assert!(!response.allowed, "{} ({image}) was accepted", component.id);
        let fix = recommended_sources(component, ImageReference::parse(&image).ok().as_ref());
        assert!(fix.contains(" Helm chart from "), "{}: {fix}", component.id);
        assert_eq!(
            response.message(),
            Some(
                format!(
                    "Deployment monitoring/{}: container main (image {image}) runs {} rendered without the upstream chart; use {fix} instead: {}",
                    component.id, component.display_name, component.replacement.url
                )
                .as_str()
            )
        );
    }
    assert!(count >= 28, "only {count} applications in the catalog");
}

#[rstest]
#[case::grafana(grafana(json!({})), GRAFANA_REJECTION)]
#[case::keycloak_statefulset(
    workload("StatefulSet", "keycloak", json!({}), json!([{"name": "keycloak", "image": "quay.io/keycloak/keycloak:26.0.5", "args": ["start"]}])),
    "StatefulSet monitoring/keycloak: container keycloak (image quay.io/keycloak/keycloak:26.0.5) runs Keycloak rendered without the upstream chart; use the keycloakx Helm chart from https://codecentric.github.io/helm-charts or the k8s.keycloak.org or keycloak.org operator instead: https://www.keycloak.org/operator/installation"
)]
#[case::otel_daemonset(
    workload("DaemonSet", "otel-agent", json!({}), json!([{"name": "otel", "image": "otel/opentelemetry-collector-contrib:0.120.0"}])),
    "DaemonSet monitoring/otel-agent: container otel (image otel/opentelemetry-collector-contrib:0.120.0) runs OpenTelemetry Collector rendered without the upstream chart; use the opentelemetry-collector Helm chart from https://open-telemetry.github.io/opentelemetry-helm-charts or the opentelemetry.io operator instead: https://opentelemetry.io/docs/platforms/kubernetes/helm/collector/"
)]
#[case::argocd_without_bundle(
    workload("Deployment", "argocd-server", json!({}), json!([{"name": "argocd-server", "image": "quay.io/argoproj/argocd:v3.1.0"}])),
    "Deployment monitoring/argocd-server: container argocd-server (image quay.io/argoproj/argocd:v3.1.0) runs Argo CD rendered without the upstream chart; use the argo-cd Helm chart from https://argoproj.github.io/argo-helm, the argoproj.io operator or the vendor install manifests (app.kubernetes.io/part-of: argocd) instead: https://argo-cd.readthedocs.io/en/stable/operator-manual/installation/"
)]
#[case::local_chart_named_like_another(
    grafana(json!({"labels": {"helm.sh/chart": "loki-6.0.0"}})),
    GRAFANA_REJECTION
)]
#[case::chart_of_other_images(
    workload("StatefulSet", "keycloak", json!({"labels": {"helm.sh/chart": "keycloak-24.4.0"}}), json!([{"name": "keycloak", "image": "quay.io/keycloak/keycloak:26.0.5"}])),
    "StatefulSet monitoring/keycloak: container keycloak (image quay.io/keycloak/keycloak:26.0.5) runs Keycloak rendered without the upstream chart; use the keycloakx Helm chart from https://codecentric.github.io/helm-charts or the k8s.keycloak.org or keycloak.org operator instead: https://www.keycloak.org/operator/installation"
)]
#[case::legacy_chart_without_heritage(grafana(json!({"labels": {"chart": "grafana-6.0.0"}})), GRAFANA_REJECTION)]
#[case::wrong_operator_group(
    grafana(json!({"ownerReferences": [{"apiVersion": "example.com/v1", "kind": "Grafana", "name": "g", "uid": "1", "controller": true}]})),
    GRAFANA_REJECTION
)]
fn rendered_without_the_upstream_chart_is_rejected(#[case] object: Value, #[case] message: &str) {
    let response = evaluate(&object, json!({}));
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(message));
    assert_eq!(response.code(), None);
}

#[test]
fn several_applications_are_listed_one_per_line() {
    let object = workload(
        "Deployment",
        "observability",
        json!({}),
        json!([
            {"name": "grafana", "image": "grafana/grafana:11.3.0"},
            {"name": "web", "image": "registry.corp/shop/web:1"},
            {"name": "headlamp", "image": "ghcr.io/headlamp-k8s/headlamp:v0.30.0"}
        ]),
    );
    let response = evaluate(&object, json!({}));
    assert_eq!(
        response.message(),
        Some(format!(
            "Deployment monitoring/observability: container grafana (image grafana/grafana:11.3.0) runs Grafana rendered without the upstream chart; {GRAFANA_FIX}\nDeployment monitoring/observability: container headlamp (image ghcr.io/headlamp-k8s/headlamp:v0.30.0) runs Headlamp rendered without the upstream chart; use the headlamp Helm chart from https://kubernetes-sigs.github.io/headlamp/ instead: https://headlamp.dev/docs/latest/installation/in-cluster/"
        ).as_str())
    );
}

#[rstest]
#[case::helm3_chart(grafana(json!({"labels": {"helm.sh/chart": "grafana-8.5.1", "app.kubernetes.io/managed-by": "Helm"}})))]
#[case::legacy_chart(grafana(json!({"labels": {"chart": "grafana-6.0.0", "heritage": "Tiller"}})))]
#[case::bitnami_chart(workload("StatefulSet", "keycloak", json!({"labels": {"helm.sh/chart": "keycloak-24.4.0"}}), json!([{"name": "keycloak", "image": "docker.io/bitnami/keycloak:26.0.5"}])))]
#[case::prerelease_chart(workload("StatefulSet", "loki", json!({"labels": {"helm.sh/chart": "loki-6.30.0-weekly.1"}}), json!([{"name": "loki", "image": "grafana/loki:3.5.0"}])))]
#[case::operator(grafana(json!({"ownerReferences": [{"apiVersion": "grafana.integreatly.org/v1beta1", "kind": "Grafana", "name": "g", "uid": "1", "controller": true}]})))]
#[case::operator_without_api_version(workload("StatefulSet", "prometheus-k8s", json!({"ownerReferences": [{"kind": "Prometheus", "name": "k8s", "uid": "1"}]}), json!([{"name": "prometheus", "image": "quay.io/prometheus/prometheus:v3.4.0"}])))]
#[case::vendor_bundle(workload("Deployment", "argocd-server", json!({"labels": {"app.kubernetes.io/part-of": "argocd"}}), json!([{"name": "argocd-server", "image": "quay.io/argoproj/argocd:v3.1.0"}])))]
#[case::datastore_is_no_raw_datastores_job(workload("StatefulSet", "db", json!({}), json!([{"name": "db", "image": "postgres:16"}])))]
#[case::first_party(workload("Deployment", "web", json!({}), json!([{"name": "web", "image": "registry.corp/shop/web:1.2.3"}])))]
#[case::lookalike_name(workload("Deployment", "web", json!({}), json!([{"name": "web", "image": "registry.corp/grafana-dashboards-sync:1"}])))]
fn upstream_provided_or_not_an_application_is_accepted(#[case] object: Value) {
    let response = evaluate(&object, json!({}));
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(response.warnings, None);
}

#[test]
fn init_containers_are_not_the_application() {
    let mut object = workload(
        "Deployment",
        "web",
        json!({}),
        json!([{"name": "web", "image": "registry.corp/shop/web:1"}]),
    );
    object["spec"]["template"]["spec"]["initContainers"] = json!([{"name": "copy-plugins", "image": "grafana/grafana:11.3.0", "command": ["cp", "-r", "/usr/share/grafana/plugins", "/plugins"]}]);
    assert!(evaluate(&object, json!({})).allowed);
}

#[rstest]
#[case::pod("v1", "Pod", json!({"containers": [{"name": "grafana", "image": "grafana/grafana:11"}]}))]
#[case::replicaset("apps/v1", "ReplicaSet", json!({"template": {"spec": {"containers": [{"name": "grafana", "image": "grafana/grafana:11"}]}}}))]
#[case::job("batch/v1", "Job", json!({"template": {"spec": {"containers": [{"name": "grafana", "image": "grafana/grafana:11"}]}}}))]
#[case::configmap("v1", "ConfigMap", Value::Null)]
fn out_of_scope_kinds_are_accepted(
    #[case] api_version: &str,
    #[case] kind: &str,
    #[case] spec: Value,
) {
    let object = json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "monitoring"}, "spec": spec});
    let response = evaluate(&object, json!({}));
    assert!(response.allowed, "{:?}", response.message());
}

#[test]
fn settings_add_charts_bundles_and_applications() {
    let platform_chart = json!({"catalog": [{"id": "grafana", "sources": {"charts": [
        {"name": "platform-grafana", "images": ["grafana/grafana"], "repository": "https://charts.corp.example/"}
    ]}}]});
    let chart_rendered = grafana(json!({"labels": {"helm.sh/chart": "platform-grafana-1.2.0"}}));
    assert!(!evaluate(&chart_rendered, json!({})).allowed);
    assert!(evaluate(&chart_rendered, platform_chart).allowed);

    let bundled = grafana(json!({"labels": {"app.kubernetes.io/part-of": "observability-stack"}}));
    assert!(!evaluate(&bundled, json!({})).allowed);
    assert!(evaluate(&bundled, json!({"allowedBundles": ["observability-stack"]})).allowed);

    let backstage = json!({"catalog": [{
        "id": "backstage", "displayName": "Backstage", "class": "application",
        "images": ["backstage/backstage"],
        "sources": {"charts": [{"name": "backstage", "images": ["backstage/backstage"], "repository": "https://backstage.github.io/charts"}]},
        "replacement": {"summary": "the backstage Helm chart", "url": "https://backstage.io/docs/deployment/k8s/"}
    }]});
    let object = workload(
        "Deployment",
        "portal",
        json!({}),
        json!([{"name": "backstage", "image": "ghcr.io/backstage/backstage:1.40.0"}]),
    );
    assert!(evaluate(&object, json!({})).allowed);
    let response = evaluate(&object, backstage);
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "Deployment monitoring/portal: container backstage (image ghcr.io/backstage/backstage:1.40.0) runs Backstage rendered without the upstream chart; use the backstage Helm chart from https://backstage.github.io/charts instead: https://backstage.io/docs/deployment/k8s/"
        )
    );
}

#[test]
fn exemption_is_accepted_with_its_reason() {
    let settings = json!({"exemptions": [{"namespace": "monitoring", "name": "grafana", "kind": "Deployment", "reason": "moving to the grafana chart, PLAT-42"}]});
    let response = evaluate(&grafana(json!({})), settings);
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec!["Deployment monitoring/grafana is exempt from require-upstream-chart (exemptions): moving to the grafana chart, PLAT-42".to_string()])
    );
    assert_eq!(
        response.audit_annotations.unwrap()["exemption"],
        "require-upstream-chart: moving to the grafana chart, PLAT-42"
    );
}

#[test]
fn annotation_waiver_needs_allow_annotation_exemptions() {
    let waived = grafana(json!({"annotations": {
        "upstream-first.io/exempt": "require-upstream-chart",
        "upstream-first.io/exempt-reason": "vendor appliance"
    }}));
    let response = evaluate(&waived, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec!["Deployment monitoring/grafana: annotation upstream-first.io/exempt is ignored: allowAnnotationExemptions is false in the require-upstream-chart settings; ask the platform team for an exemption".to_string()])
    );
    assert!(evaluate(&waived, json!({"allowAnnotationExemptions": true})).allowed);
}

#[test]
fn warn_only_accepts_with_the_message_as_warning() {
    let response = evaluate(&grafana(json!({})), json!({"warnOnly": true}));
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "require-upstream-chart (warnOnly): {GRAFANA_REJECTION}"
        )])
    );
}

#[test]
fn update_keeps_pre_existing_violations_as_warnings() {
    let old = grafana(json!({}));
    let mut new = old.clone();
    new["spec"]["replicas"] = json!(2);
    let mut policy = Policy::new(POLICY);
    let response = policy.validate(admission_request("UPDATE", &new, Some(&old)), json!({}));
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "pre-existing violation accepted on UPDATE (enforceOnUpdate: new-violations): {GRAFANA_REJECTION}"
        )])
    );
    let response = policy.validate(
        admission_request("UPDATE", &new, Some(&old)),
        json!({"enforceOnUpdate": "always"}),
    );
    assert!(!response.allowed);

    let first_party = workload(
        "Deployment",
        "grafana",
        json!({}),
        json!([{"name": "grafana", "image": "registry.corp/web:1"}]),
    );
    let response = policy.validate(
        admission_request("UPDATE", &old, Some(&first_party)),
        json!({}),
    );
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(GRAFANA_REJECTION));
}

#[test]
fn delete_is_accepted() {
    let object = grafana(json!({}));
    let mut request = admission_request("DELETE", &object, Some(&object));
    request["oldObject"] = object;
    let response = Policy::new(POLICY).validate(request, json!({}));
    assert!(response.allowed);
    assert_eq!(response.status, None);
}

#[test]
fn malformed_object_is_rejected_clearly() {
    let object = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "grafana", "namespace": "monitoring"},
                        "spec": {"template": {"spec": {"containers": [{"name": "grafana", "image": 3}]}}}});
    let response = evaluate(&object, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "cannot read Deployment monitoring/grafana: spec.template.spec.containers[0].image: invalid type: integer `3`, expected a string"
        )
    );
    assert_eq!(response.code(), Some(400));
}

#[rstest]
#[case(json!({}), true, None)]
#[case(json!({"allowedBundles": ["observability-stack"], "exemptNamespaces": ["legacy-*"], "warnOnly": true}), true, None)]
#[case(json!({"allowedBundles": [""]}), false, Some("allowedBundles[0]: must not be empty"))]
#[case(json!({"charts": []}), false, Some("charts: unknown field `charts`, expected `catalog` or `allowedBundles`"))]
#[case(json!({"catalog": [{"id": "Backstage"}]}), false, Some("catalog[0].id: \"Backstage\" is not a component id: use lower-case letters, digits and \"-\""))]
#[case(json!({"catalog": [{"id": "grafana", "sources": {"charts": [{"name": "g", "images": ["grafana/grafana"], "repository": "charts.corp.example"}]}}]}), false, Some("catalog[0].sources.charts[0].repository: \"charts.corp.example\" is not a chart repository URL (https://, http:// or oci://)"))]
fn settings_are_validated(
    #[case] settings: Value,
    #[case] valid: bool,
    #[case] message: Option<&str>,
) {
    let response = Policy::new(POLICY).validate_settings(settings);
    assert_eq!(response.valid, valid);
    assert_eq!(response.message.as_deref(), message);
}

#[test]
fn corpus_argocd_install_manifests_are_upstream() {
    let mut policy = Policy::new(POLICY);
    let mut judged = 0;
    for object in load_objects(&corpus_dir().join("argocd-namespace-install.yaml")) {
        if !matches!(object["kind"].as_str(), Some("Deployment" | "StatefulSet")) {
            continue;
        }
        judged += 1;
        let response = policy.validate(admission_request("CREATE", &object, None), json!({}));
        assert!(response.allowed, "{:?}", response.message());
        // Without its part-of label, the same workload is a hand-rolled Argo CD.
        let mut unlabelled = object.clone();
        if let Some(labels) = unlabelled["metadata"]["labels"].as_object_mut() {
            labels.remove("app.kubernetes.io/part-of");
        }
        if let Some(labels) = unlabelled["spec"]["template"]["metadata"]["labels"].as_object_mut() {
            labels.remove("app.kubernetes.io/part-of");
        }
        let runs_argocd = object["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| {
                c["image"]
                    .as_str()
                    .is_some_and(|i| i.contains("argoproj/argocd"))
            });
        let response = policy.validate(admission_request("CREATE", &unlabelled, None), json!({}));
        assert_eq!(
            response.allowed, !runs_argocd,
            "{:?}",
            object["metadata"]["name"]
        );
    }
    assert_eq!(judged, 7);
}
