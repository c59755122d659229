//! Settings of require-upstream-chart, besides the shared ones (`exemptNamespaces`,
//! `exemptions`, `allowAnnotationExemptions`, `warnOnly`, `enforceOnUpdate`).

use std::borrow::Cow;

use serde::Deserialize;
use upstream_first_rules::catalog::{Catalog, ComponentPatch};
use upstream_first_rules::settings::Validate;
use upstream_first_rules::upstream_chart::extended_catalog;

pub const EMPTY_BUNDLE: &str = "must not be empty";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Additions to the built-in catalog: new applications, or more images, chart sources,
    /// operators and bundles for a built-in one.
    #[serde(default)]
    pub catalog: Vec<ComponentPatch>,
    /// `app.kubernetes.io/part-of` values of vendor install bundles accepted as upstream
    /// for every application.
    #[serde(default)]
    pub allowed_bundles: Vec<String>,
}

impl Settings {
    /// The catalog these settings describe: the built-in one, extended.
    pub fn catalog(&self) -> Result<Cow<'static, Catalog>, String> {
        extended_catalog(&self.catalog)
    }
}

impl Validate for Settings {
    fn validate(&self) -> Result<(), String> {
        if let Some(i) = self
            .allowed_bundles
            .iter()
            .position(|b| b.trim().is_empty())
        {
            return Err(format!("allowedBundles[{i}]: {EMPTY_BUNDLE}"));
        }
        self.catalog().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::{Value, json};
    use upstream_first_rules::settings::parse;

    #[rstest]
    #[case(json!({}))]
    #[case(json!({"allowedBundles": ["observability"]}))]
    #[case(json!({"catalog": [{"id": "grafana", "sources": {"charts": [{"name": "platform-grafana", "images": ["grafana/grafana"], "repository": "https://charts.corp.example/"}]}}]}))]
    #[case(json!({"catalog": [{"id": "backstage", "displayName": "Backstage", "class": "application", "images": ["backstage/backstage"], "replacement": {"summary": "the backstage Helm chart", "url": "https://backstage.io/docs/deployment/k8s/"}}]}))]
    fn valid(#[case] raw: Value) {
        parse::<Settings>(&raw).unwrap();
    }

    #[rstest]
    #[case(json!({"allowedBundles": [" "]}), "allowedBundles[0]: must not be empty")]
    #[case(json!({"bundles": []}), "bundles: unknown field `bundles`, expected `catalog` or `allowedBundles`")]
    #[case(json!({"catalog": [{"id": "backstage", "class": "application"}]}), "catalog[0] \"backstage\": new component needs \"displayName\"")]
    #[case(json!({"catalog": [{"id": "grafana", "sources": {"charts": [{"name": "g", "images": ["corp/grafana"], "repository": "https://charts.corp.example/"}]}}]}), "catalog[0].sources.charts[0].images[0]: \"corp/grafana\" is not one of the component's images: add it to \"images\"")]
    fn invalid(#[case] raw: Value, #[case] message: &str) {
        assert_eq!(parse::<Settings>(&raw).unwrap_err(), message);
    }
}
