use std::collections::HashMap;

use rstest::rstest;
use serde_json::json;

use super::*;
use crate::podspec::Volume;
use crate::settings::parse;

fn settings(raw: Value) -> StorageSettings {
    parse::<StorageSettings>(&raw).unwrap().policy
}

fn contract() -> StorageSettings {
    settings(json!({
        "allowedStorageClasses": ["standard", "standard-rwo", "fast"],
        "maxSize": "1Ti",
        "classes": {"fast": {"maxSize": "512Gi", "accessModes": ["ReadWriteOnce", "ReadWriteOncePod"]}}
    }))
}

fn with_default() -> StorageSettings {
    let mut settings = contract();
    settings.default_storage_class = Some("standard".to_string());
    settings
}

/// Answers claim lookups from a map; a claim absent from it does not exist.
struct Claims(HashMap<String, Vec<&'static str>>);

impl ClaimReader for Claims {
    fn access_modes(&self, namespace: &str, name: &str) -> Result<Option<Vec<String>>, String> {
        if name == "broken" {
            return Err("host unavailable".to_string());
        }
        Ok(self
            .0
            .get(&format!("{namespace}/{name}"))
            .map(|modes| modes.iter().map(|m| m.to_string()).collect()))
    }
}

fn no_claims() -> Claims {
    Claims(HashMap::new())
}

fn pvc(class: Value, annotations: Value, storage: Value, modes: Value) -> Value {
    let mut spec = json!({"accessModes": modes, "resources": {"requests": {"storage": storage}}});
    if !class.is_null() {
        spec["storageClassName"] = class;
    }
    json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop", "annotations": annotations},
        "spec": spec
    })
}

fn check(settings: &StorageSettings, kind: &str, object: &Value, creating: bool) -> Findings {
    let display = format!("{kind} shop/data");
    let context = ClaimContext {
        display: &display,
        namespace: "shop",
        creating,
    };
    check_storage(settings, &context, kind, object, &no_claims()).unwrap()
}

fn messages(findings: &Findings) -> Vec<&str> {
    findings
        .violations
        .iter()
        .map(|v| v.message.as_str())
        .collect()
}

#[rstest]
#[case::named(json!({"storageClassName": "fast"}), json!({}), RequestedClass::Named("fast"), false)]
#[case::unset(json!({}), json!({}), RequestedClass::Unset, false)]
#[case::null(json!({"storageClassName": null}), json!({}), RequestedClass::Unset, false)]
#[case::static_binding(json!({"storageClassName": ""}), json!({}), RequestedClass::StaticBinding, false)]
#[case::beta_annotation(json!({}), json!({BETA_STORAGE_CLASS_ANNOTATION: "fast"}), RequestedClass::Named("fast"), true)]
#[case::annotation_wins_like_kubernetes(json!({"storageClassName": "standard"}), json!({BETA_STORAGE_CLASS_ANNOTATION: "fast"}), RequestedClass::Named("fast"), true)]
#[case::annotation_static(json!({}), json!({BETA_STORAGE_CLASS_ANNOTATION: ""}), RequestedClass::StaticBinding, true)]
fn class_resolution(
    #[case] spec: Value,
    #[case] annotations: Value,
    #[case] expected: RequestedClass,
    #[case] from_annotation: bool,
) {
    let claim =
        persistent_volume_claim(&json!({"metadata": {"annotations": annotations}, "spec": spec}))
            .unwrap();
    assert_eq!(requested_class(&claim), (expected, from_annotation));
}

#[rstest]
#[case::allowed(json!("standard"), json!("10Gi"), vec![])]
#[case::class_not_allowed(json!("gold"), json!("10Gi"), vec!["PersistentVolumeClaim shop/data: storage class gold is not allowed; use one of: standard, standard-rwo, fast"])]
#[case::no_class_no_default(Value::Null, json!("10Gi"), vec!["PersistentVolumeClaim shop/data: names no storage class and the platform sets no default; set storageClassName to one of: standard, standard-rwo, fast"])]
#[case::static_binding(json!(""), json!("10Gi"), vec!["PersistentVolumeClaim shop/data: sets storageClassName \"\" (static binding to a pre-provisioned PersistentVolume), which is not allowed; use one of: standard, standard-rwo, fast"])]
#[case::at_the_cap(json!("standard"), json!("1Ti"), vec![])]
#[case::exponent_at_the_cap(json!("standard"), json!("1099511627776"), vec![])]
#[case::decimal_under_binary_cap(json!("standard"), json!("1T"), vec![])]
#[case::exponent_over_cap(json!("standard"), json!("1.2e12"), vec!["PersistentVolumeClaim shop/data: requests 1.2e12 of storage, more than the maximum 1Ti"])]
#[case::over_global_cap(json!("standard"), json!("2Ti"), vec!["PersistentVolumeClaim shop/data: requests 2Ti of storage, more than the maximum 1Ti"])]
#[case::half_ti_is_the_class_cap(json!("fast"), json!("0.5Ti"), vec![])]
#[case::over_class_cap(json!("fast"), json!("1500Gi"), vec!["PersistentVolumeClaim shop/data: requests 1500Gi of storage, more than the maximum 512Gi for storage class fast"])]
#[case::mebibytes_under_cap(json!("fast"), json!("1500Mi"), vec![])]
#[case::number(json!("standard"), json!(1024), vec![])]
#[case::malformed(json!("standard"), json!("10GB"), vec!["PersistentVolumeClaim shop/data: has an invalid storage request: invalid quantity \"10GB\": unknown suffix \"GB\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"])]
#[case::two_violations(json!("gold"), json!("2Ti"), vec![
    "PersistentVolumeClaim shop/data: storage class gold is not allowed; use one of: standard, standard-rwo, fast",
    "PersistentVolumeClaim shop/data: requests 2Ti of storage, more than the maximum 1Ti",
])]
fn claims_against_the_contract(
    #[case] class: Value,
    #[case] storage: Value,
    #[case] expected: Vec<&str>,
) {
    let object = pvc(class, json!({}), storage, json!(["ReadWriteOnce"]));
    let findings = check(&contract(), PERSISTENT_VOLUME_CLAIM, &object, true);
    assert_eq!(messages(&findings), expected);
    assert_eq!(findings.mutated_object, None);
}

#[rstest]
#[case::allowed(json!(["ReadWriteOnce"]), vec![])]
#[case::rwop(json!(["ReadWriteOncePod"]), vec![])]
#[case::rwx(json!(["ReadWriteOnce", "ReadWriteMany"]), vec!["PersistentVolumeClaim shop/data: access mode ReadWriteMany is not allowed for storage class fast; allowed: ReadWriteOnce, ReadWriteOncePod"])]
fn access_modes_per_class(#[case] modes: Value, #[case] expected: Vec<&str>) {
    let object = pvc(json!("fast"), json!({}), json!("1Gi"), modes);
    assert_eq!(
        messages(&check(&contract(), PERSISTENT_VOLUME_CLAIM, &object, true)),
        expected
    );
}

#[test]
fn static_binding_when_allowed_is_capped_by_the_global_size() {
    let mut settings = contract();
    settings.allow_static_binding = true;
    let object = pvc(json!(""), json!({}), json!("2Ti"), json!(["ReadWriteMany"]));
    assert_eq!(
        messages(&check(&settings, PERSISTENT_VOLUME_CLAIM, &object, true)),
        vec!["PersistentVolumeClaim shop/data: requests 2Ti of storage, more than the maximum 1Ti"]
    );
}

#[test]
fn the_default_class_is_set_on_create_only() {
    let object = pvc(
        Value::Null,
        json!({}),
        json!("10Gi"),
        json!(["ReadWriteOnce"]),
    );
    let findings = check(&with_default(), PERSISTENT_VOLUME_CLAIM, &object, true);
    assert_eq!(findings.violations, vec![]);
    let mut expected = object.clone();
    expected["spec"]["storageClassName"] = json!("standard");
    assert_eq!(findings.mutated_object, Some(expected));

    let findings = check(&with_default(), PERSISTENT_VOLUME_CLAIM, &object, false);
    assert_eq!(findings, Findings::default());
}

#[test]
fn the_default_class_creates_a_missing_spec() {
    let object = json!({"metadata": {"name": "data"}});
    let findings = check(&with_default(), PERSISTENT_VOLUME_CLAIM, &object, true);
    assert_eq!(
        findings.mutated_object,
        Some(json!({"metadata": {"name": "data"}, "spec": {"storageClassName": "standard"}}))
    );
}

#[test]
fn the_default_class_is_judged_by_its_own_limits() {
    let mut settings = contract();
    settings.default_storage_class = Some("fast".to_string());
    let object = pvc(
        Value::Null,
        json!({}),
        json!("600Gi"),
        json!(["ReadWriteOnce"]),
    );
    assert_eq!(
        messages(&check(&settings, PERSISTENT_VOLUME_CLAIM, &object, true)),
        vec![
            "PersistentVolumeClaim shop/data: requests 600Gi of storage, more than the maximum 512Gi for storage class fast"
        ]
    );
}

#[test]
fn the_beta_annotation_counts_with_a_warning_and_is_not_mutated() {
    let object = pvc(
        Value::Null,
        json!({BETA_STORAGE_CLASS_ANNOTATION: "fast"}),
        json!("1Gi"),
        json!(["ReadWriteOnce"]),
    );
    let findings = check(&with_default(), PERSISTENT_VOLUME_CLAIM, &object, true);
    assert_eq!(findings.violations, vec![]);
    assert_eq!(findings.mutated_object, None);
    assert_eq!(
        findings.warnings,
        vec![
            "PersistentVolumeClaim shop/data: uses the deprecated annotation volume.beta.kubernetes.io/storage-class; set storageClassName: \"fast\" instead"
        ]
    );
}

#[test]
fn size_keys_change_when_the_claim_expands() {
    let key = |storage: &str| {
        let object = pvc(
            json!("standard"),
            json!({}),
            json!(storage),
            json!(["ReadWriteOnce"]),
        );
        check(&contract(), PERSISTENT_VOLUME_CLAIM, &object, false).violations[0]
            .key
            .clone()
    };
    assert_eq!(key("2Ti"), key("2048Gi"));
    assert_ne!(key("2Ti"), key("3Ti"));
}

#[test]
fn malformed_claims_name_the_field() {
    let object = json!({"spec": {"accessModes": "ReadWriteOnce"}});
    let display = "PersistentVolumeClaim shop/data";
    let context = ClaimContext {
        display,
        namespace: "shop",
        creating: true,
    };
    let error = check_storage(
        &contract(),
        &context,
        PERSISTENT_VOLUME_CLAIM,
        &object,
        &no_claims(),
    )
    .unwrap_err();
    assert_eq!(
        error,
        "cannot read PersistentVolumeClaim shop/data: spec.accessModes: invalid type: string \"ReadWriteOnce\", expected a sequence"
    );
}

fn statefulset(templates: Value, volumes: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "serviceName": "db",
            "template": {"spec": {"containers": [{"name": "db", "image": "corp/db:1"}], "volumes": volumes}},
            "volumeClaimTemplates": templates
        }
    })
}

fn template(name: &str, class: Option<&str>) -> Value {
    let mut spec =
        json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}});
    if let Some(class) = class {
        spec["storageClassName"] = json!(class);
    }
    json!({"metadata": {"name": name}, "spec": spec})
}

#[rstest]
#[case::own_templates(json!([]), vec![])]
#[case::config_map(json!([{"name": "config", "configMap": {"name": "db"}}]), vec![])]
#[case::standalone(json!([{"name": "backup", "persistentVolumeClaim": {"claimName": "db-backup"}}]), vec![("backup", "db-backup")])]
#[case::look_alike_volume_named_like_a_template(json!([{"name": "data", "persistentVolumeClaim": {"claimName": "legacy-data"}}]), vec![])]
#[case::claim_named_like_a_template(json!([{"name": "storage", "persistentVolumeClaim": {"claimName": "data"}}]), vec![("storage", "data")])]
#[case::replica_claim(json!([{"name": "peer", "persistentVolumeClaim": {"claimName": "data-db-0"}}]), vec![("peer", "data-db-0")])]
fn claim_template_matching(#[case] volumes: Value, #[case] expected: Vec<(&str, &str)>) {
    let volumes: Vec<Volume> = serde_json::from_value(volumes).unwrap();
    let names = BTreeSet::from(["data", "logs"]);
    assert_eq!(standalone_claims(&volumes, &names), expected);
}

#[test]
fn statefulset_templates_are_judged_and_defaulted_one_by_one() {
    let object = statefulset(
        json!([
            template("data", None),
            template("logs", Some("fast")),
            template("wal", None)
        ]),
        json!([]),
    );
    let findings = check(&with_default(), "StatefulSet", &object, true);
    assert_eq!(findings.violations, vec![]);
    let mut expected = object.clone();
    expected["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] = json!("standard");
    expected["spec"]["volumeClaimTemplates"][2]["spec"]["storageClassName"] = json!("standard");
    assert_eq!(findings.mutated_object, Some(expected));
}

#[test]
fn statefulset_violations_name_the_template_and_the_standalone_claim() {
    let object = statefulset(
        json!([template("data", None), template("logs", Some("gold"))]),
        json!([
            {"name": "data", "persistentVolumeClaim": {"claimName": "ignored"}},
            {"name": "backup", "persistentVolumeClaim": {"claimName": "db-backup"}}
        ]),
    );
    let findings = check(&contract(), "StatefulSet", &object, true);
    assert_eq!(
        messages(&findings),
        vec![
            "StatefulSet shop/data: volumeClaimTemplate data: names no storage class and the platform sets no default; set storageClassName to one of: standard, standard-rwo, fast",
            "StatefulSet shop/data: volumeClaimTemplate logs: storage class gold is not allowed; use one of: standard, standard-rwo, fast",
            "StatefulSet shop/data: pod volume backup mounts the standalone PersistentVolumeClaim db-backup; move it to volumeClaimTemplates so each replica gets its own claim",
        ]
    );
    let keys: Vec<&str> = findings.violations.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "volumeClaimTemplates/data/missing-class",
            "volumeClaimTemplates/logs/class",
            "standalone-claim/backup"
        ]
    );
}

#[rstest]
#[case::defaults(None, None, vec!["the RollingUpdate strategy (the default)"])]
#[case::one_replica_recreate(Some(1), Some("Recreate"), vec![])]
#[case::zero_replicas_recreate(Some(0), Some("Recreate"), vec![])]
#[case::replicas(Some(3), Some("Recreate"), vec!["3 replicas"])]
#[case::both(Some(2), Some("RollingUpdate"), vec!["2 replicas", "the RollingUpdate strategy"])]
fn deployment_rollout_reasons(
    #[case] replicas: Option<i64>,
    #[case] strategy: Option<&str>,
    #[case] expected: Vec<&str>,
) {
    assert_eq!(concurrent_pods_reasons(replicas, strategy), expected);
}

fn deployment(replicas: Value, strategy: Value, claim: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": replicas, "strategy": strategy,
            "template": {"spec": {
                "containers": [{"name": "web", "image": "corp/web:1"}],
                "volumes": [{"name": "uploads", "persistentVolumeClaim": {"claimName": claim}}]
            }}
        }
    })
}

fn check_deployment_with(object: &Value, claims: &Claims) -> Result<Findings, String> {
    let mut settings = contract();
    settings.check_workload_claims = Some(true);
    let context = ClaimContext {
        display: "Deployment shop/web",
        namespace: "shop",
        creating: true,
    };
    check_storage(&settings, &context, "Deployment", object, claims)
}

#[rstest]
#[case::rwo_default_strategy(json!(null), json!(null), "rwo", Some("Deployment shop/web: volume uploads mounts the ReadWriteOnce PersistentVolumeClaim rwo with the RollingUpdate strategy (the default): a roll-out deadlocks because the new pod cannot attach the volume while an old pod holds it; use a StatefulSet with volumeClaimTemplates, a ReadWriteMany claim, or replicas: 1 with strategy Recreate"))]
#[case::rwo_replicas(json!(3), json!({"type": "Recreate"}), "rwo", Some("Deployment shop/web: volume uploads mounts the ReadWriteOnce PersistentVolumeClaim rwo with 3 replicas: a roll-out deadlocks because the new pod cannot attach the volume while an old pod holds it; use a StatefulSet with volumeClaimTemplates, a ReadWriteMany claim, or replicas: 1 with strategy Recreate"))]
#[case::rwop(json!(1), json!({"type": "RollingUpdate"}), "rwop", Some("Deployment shop/web: volume uploads mounts the ReadWriteOncePod PersistentVolumeClaim rwop with the RollingUpdate strategy: a roll-out deadlocks because the new pod cannot attach the volume while an old pod holds it; use a StatefulSet with volumeClaimTemplates, a ReadWriteMany claim, or replicas: 1 with strategy Recreate"))]
#[case::rwx(json!(3), json!(null), "rwx", None)]
#[case::rwo_single_recreate(json!(1), json!({"type": "Recreate"}), "rwo", None)]
fn deployments_with_single_attach_claims(
    #[case] replicas: Value,
    #[case] strategy: Value,
    #[case] claim: &str,
    #[case] expected: Option<&str>,
) {
    let claims = Claims(HashMap::from([
        ("shop/rwo".to_string(), vec!["ReadWriteOnce"]),
        ("shop/rwop".to_string(), vec!["ReadWriteOncePod"]),
        ("shop/rwx".to_string(), vec!["ReadWriteMany"]),
    ]));
    let findings = check_deployment_with(&deployment(replicas, strategy, claim), &claims).unwrap();
    assert_eq!(
        messages(&findings),
        expected.into_iter().collect::<Vec<_>>()
    );
    assert_eq!(findings.warnings, Vec::<String>::new());
}

#[test]
fn a_missing_claim_is_reported_not_rejected() {
    let findings =
        check_deployment_with(&deployment(json!(2), json!(null), "gone"), &no_claims()).unwrap();
    assert_eq!(findings.violations, vec![]);
    assert_eq!(
        findings.warnings,
        vec![
            "Deployment shop/web: volume uploads mounts PersistentVolumeClaim shop/gone, which does not exist, so its access modes cannot be checked"
        ]
    );
}

#[test]
fn a_host_failure_is_an_error_naming_the_claim() {
    let error = check_deployment_with(&deployment(json!(2), json!(null), "broken"), &no_claims())
        .unwrap_err();
    assert_eq!(
        error,
        "Deployment shop/web: cannot read PersistentVolumeClaim shop/broken through the host: host unavailable"
    );
}

#[test]
fn deployments_pass_with_check_workload_claims_false() {
    let mut settings = contract();
    settings.check_workload_claims = Some(false);
    let object = deployment(json!(3), json!(null), "broken");
    assert_eq!(
        check(&settings, "Deployment", &object, true),
        Findings::default()
    );
}

/// A host that grants no reads, as policy-server answers a namespaced AdmissionPolicy.
struct NotGranted;

impl ClaimReader for NotGranted {
    fn access_modes(&self, _: &str, _: &str) -> Result<Option<Vec<String>>, String> {
        Err(format!(
            "Policy {NOT_GRANTED} to the 'kubernetes/get_resource' host capability"
        ))
    }
}

#[rstest]
#[case::unset_skips(None, Ok(Findings::default()))]
#[case::true_fails(Some(true), Err(format!("Deployment shop/web: cannot read PersistentVolumeClaim shop/rwo through the host: Policy {NOT_GRANTED} to the 'kubernetes/get_resource' host capability")))]
fn a_read_the_host_does_not_grant(
    #[case] check_workload_claims: Option<bool>,
    #[case] expected: Result<Findings, String>,
) {
    let mut settings = contract();
    settings.check_workload_claims = check_workload_claims;
    let context = ClaimContext {
        display: "Deployment shop/web",
        namespace: "shop",
        creating: true,
    };
    let object = deployment(json!(2), json!(null), "rwo");
    assert_eq!(
        check_storage(&settings, &context, "Deployment", &object, &NotGranted),
        expected
    );
}

#[rstest]
#[case::named_class_goes(json!("gold"), vec![], vec![])]
#[case::static_binding_goes(json!(""), vec![], vec![])]
#[case::no_class_is_a_warning(json!(null), vec![], vec![format!("PersistentVolumeClaim shop/data: {NO_CLASS_NO_CONTRACT}")])]
fn without_a_class_contract_only_the_structure_is_judged(
    #[case] class: Value,
    #[case] violations: Vec<String>,
    #[case] warnings: Vec<String>,
) {
    let settings = settings(json!({}));
    let object = pvc(class, json!({}), json!("10Ti"), json!(["ReadWriteMany"]));
    let findings = check(&settings, "PersistentVolumeClaim", &object, true);
    assert_eq!(messages(&findings), violations);
    assert_eq!(findings.warnings, warnings);
    assert_eq!(findings.mutated_object, None);
}

#[test]
fn without_a_class_contract_standalone_claims_are_still_rejected() {
    let object = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "data", "namespace": "shop"},
        "spec": {"template": {"spec": {
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "shared"}}]
        }}}
    });
    let findings = check(&settings(json!({})), "StatefulSet", &object, true);
    assert_eq!(
        messages(&findings),
        vec![format!(
            "StatefulSet shop/data: pod volume data mounts the standalone PersistentVolumeClaim shared; {STANDALONE_CLAIM_FIX}"
        )]
    );
}

#[rstest]
#[case::bound_volume_wins(json!({"spec": {"accessModes": ["ReadWriteOnce"]}, "status": {"accessModes": ["ReadWriteMany"]}}), vec!["ReadWriteMany"])]
#[case::unbound(json!({"spec": {"accessModes": ["ReadWriteOnce"]}}), vec!["ReadWriteOnce"])]
fn effective_modes(#[case] claim: Value, #[case] expected: Vec<&str>) {
    let claim = persistent_volume_claim(&claim).unwrap();
    assert_eq!(effective_access_modes(&claim), expected);
}

#[rstest]
#[case::empty(json!({}))]
#[case::size_cap_alone(json!({"maxSize": "1Ti"}))]
#[case(json!({"allowedStorageClasses": ["standard"]}))]
#[case(json!({"allowedStorageClasses": ["standard", "fast"], "defaultStorageClass": "fast", "maxSize": "1Ti", "classes": {"fast": {"maxSize": "0.5Ti", "accessModes": ["ReadWriteOnce"]}}, "allowStaticBinding": true, "checkWorkloadClaims": true}))]
#[case(json!({"allowedStorageClasses": ["standard"], "maxSize": 1e12}))]
fn valid_settings(#[case] raw: Value) {
    parse::<StorageSettings>(&raw).unwrap();
}

#[rstest]
#[case::default_without_classes(json!({"defaultStorageClass": "standard"}), "defaultStorageClass: needs allowedStorageClasses")]
#[case::limits_without_classes(json!({"classes": {"fast": {}}}), "classes.fast: needs allowedStorageClasses")]
#[case::blank(json!({"allowedStorageClasses": ["standard", ""]}), "allowedStorageClasses[1]: must not be empty (static binding is allowed with allowStaticBinding: true)")]
#[case::default_not_allowed(json!({"allowedStorageClasses": ["standard", "fast"], "defaultStorageClass": "gold"}), "defaultStorageClass: \"gold\" is not one of allowedStorageClasses (standard, fast)")]
#[case::bad_quantity(json!({"allowedStorageClasses": ["standard"], "maxSize": "1TB"}), "maxSize: invalid quantity \"1TB\": unknown suffix \"TB\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)")]
#[case::zero(json!({"allowedStorageClasses": ["standard"], "maxSize": "0"}), "maxSize: must be greater than zero, got 0")]
#[case::negative_class_size(json!({"allowedStorageClasses": ["fast"], "classes": {"fast": {"maxSize": "-1Gi"}}}), "classes.fast.maxSize: must be greater than zero, got -1Gi")]
#[case::class_quantity(json!({"allowedStorageClasses": ["fast"], "classes": {"fast": {"maxSize": "lots"}}}), "classes.fast.maxSize: invalid quantity \"lots\": expected a number (digits with an optional sign and decimal point) at the start")]
#[case::class_not_allowed(json!({"allowedStorageClasses": ["standard"], "classes": {"fast": {}}}), "classes.fast: \"fast\" is not one of allowedStorageClasses (standard)")]
#[case::access_mode(json!({"allowedStorageClasses": ["fast"], "classes": {"fast": {"accessModes": ["RWX"]}}}), "classes.fast.accessModes[0]: unknown variant `RWX`, expected one of `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod`")]
#[case::class_field(json!({"allowedStorageClasses": ["fast"], "classes": {"fast": {"size": "1Gi"}}}), "classes.fast.size: unknown field `size`, expected `maxSize` or `accessModes`")]
#[case::unknown_field(json!({"allowedStorageClasses": ["fast"], "defaultClass": "fast"}), "defaultClass: unknown field `defaultClass`, expected one of `allowedStorageClasses`, `defaultStorageClass`, `maxSize`, `classes`, `allowStaticBinding`, `checkWorkloadClaims`")]
#[case::wrong_type(json!({"allowedStorageClasses": "standard"}), "allowedStorageClasses: invalid type: string \"standard\", expected a sequence")]
fn invalid_settings_name_the_field(#[case] raw: Value, #[case] expected: &str) {
    assert_eq!(parse::<StorageSettings>(&raw).unwrap_err(), expected);
}

#[rstest]
#[case::volumes(
    json!({"spec": {"template": {"spec": {"volumes": {"name": "data"}}}}}),
    "cannot read StatefulSet shop/data: spec.template.spec.volumes: invalid type: map, expected a sequence"
)]
#[case::templates(
    json!({"spec": {"volumeClaimTemplates": [{"spec": {"storageClassName": 7}}]}}),
    "cannot read StatefulSet shop/data: spec.volumeClaimTemplates[0].spec.storageClassName: invalid type: integer `7`, expected a string"
)]
fn malformed_statefulsets_name_the_field(#[case] object: Value, #[case] expected: &str) {
    let context = ClaimContext {
        display: "StatefulSet shop/data",
        namespace: "shop",
        creating: true,
    };
    let error =
        check_storage(&contract(), &context, "StatefulSet", &object, &no_claims()).unwrap_err();
    assert_eq!(error, expected);
}
