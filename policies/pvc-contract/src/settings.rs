//! Settings of pvc-contract, besides the shared ones (`exemptNamespaces`, `exemptions`,
//! `allowAnnotationExemptions`, `warnOnly`, `enforceOnUpdate`): `allowedStorageClasses` (the
//! class contract; without it only the storage structure is judged), `defaultStorageClass`,
//! `maxSize`, `classes`, `allowStaticBinding`, `checkWorkloadClaims`.
//!
//! The type lives in the rules library (`storage::StorageSettings`), so every reader of the
//! storage contract, not only this policy, parses and validates it the same way.

pub use upstream_first_rules::storage::StorageSettings as Settings;

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::{Value, json};
    use upstream_first_rules::settings::parse;

    #[rstest]
    #[case::empty(json!({}))]
    #[case(json!({"allowedStorageClasses": ["standard", "standard-rwo", "fast"], "maxSize": "1Ti"}))]
    #[case(json!({"allowedStorageClasses": ["standard"], "defaultStorageClass": "standard", "warnOnly": true, "exemptNamespaces": ["legacy-*"]}))]
    fn valid(#[case] raw: Value) {
        parse::<Settings>(&raw).unwrap();
    }

    #[rstest]
    #[case(json!({"defaultStorageClass": "standard"}), "defaultStorageClass: needs allowedStorageClasses")]
    #[case(json!({"allowedStorageClasses": ["standard"], "defaultStorageClass": "fast"}), "defaultStorageClass: \"fast\" is not one of allowedStorageClasses (standard)")]
    #[case(json!({"allowedStorageClasses": ["standard"], "maxSize": "one terabyte"}), "maxSize: invalid quantity \"one terabyte\": expected a number (digits with an optional sign and decimal point) at the start")]
    fn invalid(#[case] raw: Value, #[case] message: &str) {
        assert_eq!(parse::<Settings>(&raw).unwrap_err(), message);
    }
}
