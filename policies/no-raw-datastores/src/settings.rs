//! Settings of no-raw-datastores, besides the shared ones (`exemptNamespaces`,
//! `exemptions`, `allowAnnotationExemptions`, `warnOnly`, `enforceOnUpdate`).

use serde::Deserialize;
use upstream_first_rules::catalog::{Catalog, ComponentPatch};
use upstream_first_rules::settings::Validate;

pub const EMPTY_BUNDLE: &str = "must not be empty";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Additions to the built-in catalog: new datastores, or more images, chart sources,
    /// operators and bundles for a built-in one.
    #[serde(default)]
    pub catalog: Vec<ComponentPatch>,
    /// `app.kubernetes.io/part-of` values of vendor install bundles accepted as upstream
    /// for every datastore.
    #[serde(default)]
    pub allowed_bundles: Vec<String>,
}

impl Settings {
    /// The catalog these settings describe: the built-in one, extended.
    pub fn catalog(&self) -> Result<std::borrow::Cow<'static, Catalog>, String> {
        if self.catalog.is_empty() {
            return Ok(std::borrow::Cow::Borrowed(Catalog::builtin()));
        }
        Catalog::builtin()
            .with_additions(&self.catalog)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| e.to_string())
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
    #[case(json!({"allowedBundles": ["shop"]}))]
    #[case(json!({"catalog": [{"id": "postgresql", "images": ["corp/pg"]}]}))]
    fn valid(#[case] raw: Value) {
        parse::<Settings>(&raw).unwrap();
    }

    #[rstest]
    #[case(json!({"allowedBundles": [""]}), "allowedBundles[0]: must not be empty")]
    #[case(json!({"catalogue": []}), "catalogue: unknown field `catalogue`, expected `catalog` or `allowedBundles`")]
    fn invalid(#[case] raw: Value, #[case] message: &str) {
        assert_eq!(parse::<Settings>(&raw).unwrap_err(), message);
    }
}
