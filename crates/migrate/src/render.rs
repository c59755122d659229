//! Writing the replacement of one workload: chart values (for Flux, Argo CD or a Helm values
//! overlay) or an operator's custom resources, from its facts and the catalog mapping.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value, json};
use upstream_first_rules::catalog::Component;
use upstream_first_rules::catalog::migration::{
    ChartTarget, Fact, FieldMapping, Migration, MigrationTarget, OperatorTarget, is_full_version,
};

use crate::facts::{FactValue, Facts, Leftover};
use crate::path::{merge, set_path};

/// What `migrate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A Flux source and `HelmRelease`.
    Flux,
    /// An Argo CD `Application`.
    Argocd,
    /// A wrapper chart: `Chart.yaml` and a values overlay.
    Helm,
    /// The operator's custom resources.
    Operator,
}

impl Target {
    pub const ALL: [Target; 4] = [Target::Flux, Target::Argocd, Target::Helm, Target::Operator];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Flux => "flux",
            Target::Argocd => "argocd",
            Target::Helm => "helm",
            Target::Operator => "operator",
        }
    }

    fn takes_chart(self) -> bool {
        self != Target::Operator
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Flux's media type of a Helm chart's content layer.
pub const HELM_CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Where Argo CD's Applications live.
pub const ARGOCD_NAMESPACE: &str = "argocd";

/// The catalog target `requested` selects: the first of its kind, or the first of all.
pub fn choose(
    migration: &Migration,
    requested: Option<Target>,
) -> Option<(Target, &MigrationTarget)> {
    migration.targets.iter().find_map(|target| {
        let kind = match (target, requested) {
            (MigrationTarget::Chart(_), None) => Target::Flux,
            (MigrationTarget::Operator(_), None) => Target::Operator,
            (MigrationTarget::Chart(_), Some(t)) if t.takes_chart() => t,
            (MigrationTarget::Operator(_), Some(Target::Operator)) => Target::Operator,
            _ => return None,
        };
        Some((kind, target))
    })
}

/// What `migrate` writes by default for a component: what `scan` tells before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub target: Target,
    /// The kinds written (`HelmRelease`, `Cluster`).
    pub kinds: Vec<String>,
    /// `postgresql chart 16.7.27` or `CloudNativePG`.
    pub reference: String,
}

impl Offer {
    /// `a Flux HelmRelease of the postgresql chart 16.7.27`, `the CloudNativePG Cluster`.
    pub fn describe(&self) -> String {
        match self.target {
            Target::Operator => format!("the {} {}", self.reference, self.kinds.join(" and ")),
            _ => format!("a Flux HelmRelease of the {}", self.reference),
        }
    }
}

/// The default replacement of a mapping.
pub fn offer(migration: &Migration) -> Option<Offer> {
    let (target, mapping) = choose(migration, None)?;
    Some(match mapping {
        MigrationTarget::Chart(chart) => Offer {
            target,
            kinds: vec!["HelmRelease".to_owned()],
            reference: format!("{} chart {}", chart.chart, chart.version),
        },
        MigrationTarget::Operator(operator) => Offer {
            target,
            kinds: operator
                .resources
                .iter()
                .filter_map(|r| r.template["kind"].as_str().map(str::to_owned))
                .collect(),
            reference: operator.operator.clone(),
        },
    })
}

/// One file of the output, its path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub text: String,
}

/// A workload's replacement.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub target: Target,
    /// `the postgresql chart 16.7.27 (oci://registry-1.docker.io/bitnamicharts) through a Flux
    /// HelmRelease`.
    pub summary: String,
    /// The kind of what replaces the workload: `HelmRelease`, `Application`, `Cluster`, ….
    pub kinds: Vec<String>,
    pub files: Vec<OutputFile>,
    /// `spec.replicas → primary.replicaCount`.
    pub carried: Vec<String>,
    pub not_carried: Vec<Leftover>,
    /// The data move, placeholders filled.
    pub data_move: Option<String>,
    /// The `helm upgrade --install` line of a Helm target.
    pub install: Option<String>,
    /// The operator's installation documentation.
    pub operator_install: Option<String>,
    /// Whether the replacement adopts the workload's claim (`existingClaim` carried).
    pub adopts_claim: bool,
}

/// Renders `target` for `facts`; `base` is the output path without extension
/// (`shop-statefulset-postgres`).
pub fn render(
    target: Target,
    mapping: &MigrationTarget,
    facts: &Facts,
    component: &Component,
    base: &str,
) -> Rendered {
    let mut written = Written {
        not_carried: facts.leftovers.clone(),
        ..Written::default()
    };
    match mapping {
        MigrationTarget::Chart(chart) => {
            let values = chart_values(chart, facts, component, &mut written);
            render_chart(target, chart, values, facts, component, base, written)
        }
        MigrationTarget::Operator(operator) => {
            render_operator(operator, facts, component, base, written)
        }
    }
}

/// What the mapping carried, and what it could not.
#[derive(Debug, Default)]
struct Written {
    carried: Vec<String>,
    carried_sources: BTreeSet<String>,
    /// The facts written.
    mapped: BTreeSet<Fact>,
    /// Facts a mapping could not take, and why.
    skipped: BTreeMap<Fact, String>,
    not_carried: Vec<Leftover>,
}

impl Written {
    /// Writes `value` at its mapping in `root`, or notes why not.
    fn write(&mut self, root: &mut Value, fact: Fact, mapping: &FieldMapping, value: &FactValue) {
        let result = mapped_value(mapping, &value.value)
            .and_then(|v| set_path(root, mapping.path(), v).map_err(|e| e.0));
        match result {
            Ok(()) => {
                self.mapped.insert(fact);
                self.carried
                    .push(format!("{} → {}", value.source, mapping.path()));
                self.carried_sources.insert(value.source.clone());
            }
            Err(reason) => {
                self.skipped.insert(fact, reason);
            }
        }
    }

    /// Lists the facts no mapping took, unless another fact read from the same field was
    /// carried (`imageTag` and `imageVersion` both come from the image); sorts what is not
    /// carried.
    fn finish(&mut self, facts: &Facts, target: &str) {
        // The facts a mapping refused first: their reason is the most precise for the field.
        let (refused, unmapped): (Vec<_>, Vec<_>) = facts
            .values
            .iter()
            .partition(|(fact, _)| self.skipped.contains_key(fact));
        for (fact, value) in refused.into_iter().chain(unmapped) {
            if self.mapped.contains(fact) || self.carried_sources.contains(&value.source) {
                continue;
            }
            let reason = self.skipped.get(fact).cloned().unwrap_or_else(|| match fact {
                Fact::Name => format!(
                    "{target} names its objects itself: clients of this name must be repointed"
                ),
                Fact::ServicePort => format!("{target} serves on its own port"),
                Fact::ImageTag | Fact::ImageVersion => format!(
                    "{target} sets no version from it: its pinned default is used (check it is {} or newer)",
                    value.value.as_str().unwrap_or_default()
                ),
                _ => format!("{target} has no field for {}", fact.as_str()),
            });
            // One reason per field.
            if !self.not_carried.iter().any(|l| l.field == value.source) {
                self.not_carried.push(Leftover {
                    field: value.source.clone(),
                    reason,
                });
            }
        }
        self.not_carried.sort();
    }

    fn adopts_claim(&self) -> bool {
        self.mapped.contains(&Fact::ExistingClaim)
    }
}

/// The fact's value for a mapping: formatted when the mapping says so; why not, when the
/// field takes a full version the value is not.
fn mapped_value(mapping: &FieldMapping, value: &Value) -> Result<Value, String> {
    let text = value.as_str();
    if mapping.full_version() && !text.is_some_and(is_full_version) {
        let version = text.unwrap_or_default();
        return Err(format!(
            "{} takes a full X.Y.Z version and {version} is not one: the replacement's default version is used (check it is {version} or newer)",
            mapping.path()
        ));
    }
    Ok(match (mapping.format(), text) {
        (Some(format), Some(text)) => Value::String(format.replace("{}", text)),
        _ => value.clone(),
    })
}

fn chart_values(
    chart: &ChartTarget,
    facts: &Facts,
    component: &Component,
    written: &mut Written,
) -> Value {
    let mut values = Value::Object(Map::new());
    if chart.set.is_object() {
        merge(&mut values, &chart.set);
    }
    let images: Vec<&String> = component
        .sources
        .charts
        .iter()
        .filter(|source| source.name == chart.chart)
        .flat_map(|source| &source.images)
        .collect();
    let runs_chart_image = facts
        .image
        .as_ref()
        .is_some_and(|image| images.iter().any(|repo| image.matches_repository(repo)));
    for (fact, mapping) in &chart.values {
        let Some(value) = facts.values.get(fact) else {
            continue;
        };
        // A tag names a version of one repository: carried only to the chart's own image.
        if matches!(fact, Fact::ImageTag | Fact::ImageVersion)
            && !runs_chart_image
            && !images.is_empty()
        {
            let repository = facts.image.as_ref().map_or("", |i| i.repository.as_str());
            written.skipped.insert(
                *fact,
                format!(
                    "the chart runs {}, not {repository}: its pinned default version is used (check it is {} or newer)",
                    images.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", "),
                    value.value.as_str().unwrap_or_default()
                ),
            );
            continue;
        }
        written.write(&mut values, *fact, mapping, value);
    }
    let name = format!("the {} chart {}", chart.chart, chart.version);
    written.finish(facts, &name);
    values
}

fn render_chart(
    target: Target,
    chart: &ChartTarget,
    values: Value,
    facts: &Facts,
    component: &Component,
    base: &str,
    written: Written,
) -> Rendered {
    let release = facts.release_name();
    let namespace = &facts.workload.namespace;
    let oci = chart.repository.starts_with("oci://");
    let chart_url = format!("{}/{}", chart.repository.trim_end_matches('/'), chart.chart);
    let (documents, kinds, path, how): (Vec<Value>, Vec<&str>, String, &str) = match target {
        Target::Argocd => {
            let repo_url = chart
                .repository
                .strip_prefix("oci://")
                .unwrap_or(&chart.repository)
                .trim_end_matches('/');
            let mut documents = Vec::new();
            if oci {
                // Argo CD pulls Helm charts from an OCI registry through a repository marked
                // `enableOCI`; it carries no credentials.
                documents.push(json!({
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {
                        "name": format!("{}-{}-oci", namespace, release),
                        "namespace": ARGOCD_NAMESPACE,
                        "labels": {"argocd.argoproj.io/secret-type": "repository"},
                    },
                    "stringData": {
                        "type": "helm",
                        "name": chart.chart,
                        "url": repo_url,
                        "enableOCI": "true",
                    },
                }));
            }
            documents.push(json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": format!("{namespace}-{release}"), "namespace": ARGOCD_NAMESPACE},
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": repo_url,
                        "chart": chart.chart,
                        "targetRevision": chart.version,
                        "helm": {"releaseName": release, "valuesObject": values},
                    },
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": namespace,
                    },
                },
            }));
            (
                documents,
                vec!["Application"],
                format!("{base}.yaml"),
                "an Argo CD Application",
            )
        }
        Target::Helm => {
            let mut overlay = json!({
                "upstream": {
                    "chart": chart.chart,
                    "version": chart.version,
                    "repository": chart.repository,
                }
            });
            merge(&mut overlay, &values);
            (
                vec![overlay],
                vec![],
                format!("{base}/values.yaml"),
                "a Helm values overlay",
            )
        }
        // `choose` gives a chart to the chart targets only.
        Target::Flux | Target::Operator => {
            let (source, chart_spec) = if oci {
                (
                    json!({
                        "apiVersion": "source.toolkit.fluxcd.io/v1",
                        "kind": "OCIRepository",
                        "metadata": {"name": release, "namespace": namespace},
                        "spec": {
                            "interval": "1h",
                            "url": chart_url,
                            "ref": {"tag": chart.version},
                            "layerSelector": {"mediaType": HELM_CHART_LAYER, "operation": "copy"},
                        },
                    }),
                    json!({"chartRef": {"kind": "OCIRepository", "name": release}}),
                )
            } else {
                (
                    json!({
                        "apiVersion": "source.toolkit.fluxcd.io/v1",
                        "kind": "HelmRepository",
                        "metadata": {"name": release, "namespace": namespace},
                        "spec": {"interval": "1h", "url": chart.repository},
                    }),
                    json!({"chart": {"spec": {
                        "chart": chart.chart,
                        "version": chart.version,
                        "sourceRef": {"kind": "HelmRepository", "name": release},
                        "interval": "1h",
                    }}}),
                )
            };
            let mut spec = json!({"interval": "10m", "releaseName": release, "values": values});
            merge(&mut spec, &chart_spec);
            let release_object = json!({
                "apiVersion": "helm.toolkit.fluxcd.io/v2",
                "kind": "HelmRelease",
                "metadata": {"name": release, "namespace": namespace},
                "spec": spec,
            });
            let source_kind = if oci {
                "OCIRepository"
            } else {
                "HelmRepository"
            };
            (
                vec![source, release_object],
                vec![source_kind, "HelmRelease"],
                format!("{base}.yaml"),
                "a Flux HelmRelease",
            )
        }
    };
    let install = if oci {
        format!(
            "helm upgrade --install {release} {chart_url} --version {} --namespace {namespace} --values {base}/values.yaml",
            chart.version
        )
    } else {
        format!(
            "helm upgrade --install {release} {} --repo {} --version {} --namespace {namespace} --values {base}/values.yaml",
            chart.chart, chart.repository, chart.version
        )
    };
    let summary = format!(
        "the {} chart {} ({}) through {how}",
        chart.chart, chart.version, chart.repository
    );
    let header = header(
        facts,
        component,
        &summary,
        &written.not_carried,
        (target == Target::Helm).then_some(install.as_str()),
    );
    let mut files = vec![OutputFile {
        path,
        text: yaml_file(&header, &documents),
    }];
    if target == Target::Helm {
        let chart_file = json!({
            "apiVersion": "v2",
            "name": release,
            "description": format!(
                "Values overlay for the upstream {} chart {}, replacing {}: no dependencies block; install the upstream chart with these values",
                chart.chart, chart.version, facts.workload
            ),
            "type": "application",
            "version": "0.1.0",
        });
        files.insert(
            0,
            OutputFile {
                path: format!("{base}/Chart.yaml"),
                text: yaml_file("", &[chart_file]),
            },
        );
    }
    Rendered {
        target,
        summary,
        kinds: kinds.into_iter().map(str::to_owned).collect(),
        files,
        adopts_claim: written.adopts_claim(),
        carried: written.carried,
        not_carried: written.not_carried,
        data_move: chart.data_move.as_deref().map(|text| fill(text, facts)),
        install: (target == Target::Helm).then_some(install),
        operator_install: None,
    }
}

fn render_operator(
    operator: &OperatorTarget,
    facts: &Facts,
    component: &Component,
    base: &str,
    mut written: Written,
) -> Rendered {
    let mut documents = Vec::new();
    for resource in &operator.resources {
        let mut object = resource.template.clone();
        fill_strings(&mut object, facts);
        // Only a template whose `metadata` is not a map refuses this; the objects written
        // then carry no namespace, which `kubectl apply -n` supplies.
        let _ = set_path(
            &mut object,
            "metadata.namespace",
            Value::String(facts.workload.namespace.clone()),
        );
        for (fact, mapping) in &resource.fields {
            let Some(value) = facts.values.get(fact) else {
                continue;
            };
            written.write(&mut object, *fact, mapping, value);
        }
        documents.push(object);
    }
    let kinds: Vec<String> = documents
        .iter()
        .filter_map(|d| d["kind"].as_str().map(str::to_owned))
        .collect();
    let summary = format!("the {} operator ({})", operator.operator, kinds.join(", "));
    written.finish(facts, &format!("{}'s resource", operator.operator));
    let header = header(facts, component, &summary, &written.not_carried, None);
    Rendered {
        target: Target::Operator,
        summary,
        kinds,
        files: vec![OutputFile {
            path: format!("{base}.yaml"),
            text: yaml_file(&header, &documents),
        }],
        adopts_claim: written.adopts_claim(),
        carried: written.carried,
        not_carried: written.not_carried,
        data_move: operator.data_move.as_deref().map(|text| fill(text, facts)),
        install: None,
        operator_install: Some(operator.install.clone()),
    }
}

/// Fills a catalog text's placeholders.
pub fn fill(text: &str, facts: &Facts) -> String {
    text.replace("{name}", facts.release_name())
        .replace("{namespace}", &facts.workload.namespace)
        .replace(
            "{database}",
            facts.text(Fact::Database).unwrap_or("<database>"),
        )
        .replace("{username}", facts.text(Fact::Username).unwrap_or("<user>"))
}

fn fill_strings(value: &mut Value, facts: &Facts) {
    match value {
        Value::String(text) if text.contains('{') => *text = fill(text, facts),
        Value::Array(items) => items.iter_mut().for_each(|item| fill_strings(item, facts)),
        Value::Object(map) => map.values_mut().for_each(|item| fill_strings(item, facts)),
        _ => {}
    }
}

/// The comment block at the top of an emitted file.
fn header(
    facts: &Facts,
    component: &Component,
    summary: &str,
    not_carried: &[Leftover],
    install: Option<&str>,
) -> String {
    let mut lines = vec![
        format!(
            "Replaces {} ({}) with {summary}.",
            facts.workload, component.display_name
        ),
        "Written by `upstream-first migrate`: MIGRATION.md lists the objects to remove with it and the data steps.".to_owned(),
    ];
    if let Some(install) = install {
        lines.push(format!("Install: {install}"));
    }
    if not_carried.is_empty() {
        lines.push("Not carried over: nothing.".to_owned());
    } else {
        lines.push("Not carried over:".to_owned());
        lines.extend(not_carried.iter().map(|l| format!("- {l}")));
    }
    lines.iter().map(|line| format!("# {line}\n")).collect()
}

/// YAML documents after a comment header, `---` between them.
pub fn yaml_file(header: &str, documents: &[Value]) -> String {
    let mut text = header.to_owned();
    for (i, document) in documents.iter().enumerate() {
        if i > 0 {
            text.push_str("---\n");
        }
        text.push_str(&serde_yaml_ng::to_string(document).unwrap_or_default());
    }
    text
}
