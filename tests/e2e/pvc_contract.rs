//! pvc-contract, end to end: the built `.wasm` evaluated through the policy host, with the
//! JSONPatch the host computes from the mutated object, and the context-aware claim lookup
//! answered from the host's object store with what `metadata.yml` declares.

use std::path::Path;

use e2e_tests::{Policy, admission_request, corpus_config, corpus_dir, load_objects};
use policy_host::{
    AdmissionResponse, ContextAwareResource, HostCapabilities, HostContext, ObjectStore,
};
use rstest::rstest;
use serde_json::{Value, json};

const POLICY: &str = "pvc-contract";
const ALLOWED: &str = "standard, standard-rwo, fast";
const DEADLOCK: &str = "a roll-out deadlocks because the new pod cannot attach the volume while an old pod holds it; use a StatefulSet with volumeClaimTemplates, a ReadWriteMany claim, or replicas: 1 with strategy Recreate";

/// The corpus contract, plus a class with its own limits.
fn contract() -> Value {
    json!({
        "allowedStorageClasses": ["standard", "standard-rwo", "fast"],
        "maxSize": "1Ti",
        "classes": {"fast": {"maxSize": "512Gi", "accessModes": ["ReadWriteOnce"]}}
    })
}

fn with(extra: Value) -> Value {
    let mut settings = contract();
    if let (Some(s), Some(extra)) = (settings.as_object_mut(), extra.as_object()) {
        s.extend(extra.clone());
    }
    settings
}

fn pvc(class: Option<&str>, storage: Value) -> Value {
    let mut spec =
        json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}});
    if let Some(class) = class {
        spec["storageClassName"] = json!(class);
    }
    json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop"},
        "spec": spec
    })
}

fn claim_template(name: &str, class: Option<&str>) -> Value {
    let mut spec =
        json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}});
    if let Some(class) = class {
        spec["storageClassName"] = json!(class);
    }
    json!({"metadata": {"name": name}, "spec": spec})
}

fn statefulset(templates: Value, volumes: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "serviceName": "db", "replicas": 3,
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {
                    "containers": [{"name": "db", "image": "registry.corp/shop/db:1",
                                    "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                    "volumes": volumes
                }
            },
            "volumeClaimTemplates": templates
        }
    })
}

fn deployment(replicas: Value, strategy: Value, claim: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": replicas, "strategy": strategy,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{"name": "web", "image": "registry.corp/shop/web:1",
                                    "volumeMounts": [{"name": "uploads", "mountPath": "/uploads"}]}],
                    "volumes": [{"name": "uploads", "persistentVolumeClaim": {"claimName": claim}}]
                }
            }
        }
    })
}

fn create(object: &Value, settings: Value) -> AdmissionResponse {
    Policy::new(POLICY).validate(admission_request("CREATE", object, None), settings)
}

fn update(new: &Value, old: &Value, settings: Value) -> AdmissionResponse {
    Policy::new(POLICY).validate(admission_request("UPDATE", new, Some(old)), settings)
}

fn patch(response: &AdmissionResponse) -> Value {
    assert_eq!(response.patch_type.as_deref(), Some("JSONPatch"));
    response.decoded_patch_json().expect("a JSON patch")
}

// ------------------------------------------------------------------ PersistentVolumeClaims

#[rstest]
#[case::standard("standard", json!("10Gi"))]
#[case::at_the_cap("standard", json!("1Ti"))]
#[case::tera_under_tebi("standard", json!("1T"))]
#[case::exponent("standard", json!("1e12"))]
#[case::half_tebi_is_the_class_cap("fast", json!("0.5Ti"))]
#[case::mebi("fast", json!("1500Mi"))]
#[case::milli("standard", json!("100m"))]
#[case::number("standard-rwo", json!(1073741824))]
fn claims_within_the_contract_are_accepted(#[case] class: &str, #[case] storage: Value) {
    let response = create(&pvc(Some(class), storage), contract());
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(response.patch, None);
    assert_eq!(response.warnings, None);
}

#[rstest]
#[case::class_not_allowed(pvc(Some("gold"), json!("10Gi")), format!("PersistentVolumeClaim shop/data: storage class gold is not allowed; use one of: {ALLOWED}"))]
#[case::no_class_no_default(pvc(None, json!("10Gi")), format!("PersistentVolumeClaim shop/data: names no storage class and the platform sets no default; set storageClassName to one of: {ALLOWED}"))]
#[case::static_binding(pvc(Some(""), json!("10Gi")), format!("PersistentVolumeClaim shop/data: sets storageClassName \"\" (static binding to a pre-provisioned PersistentVolume), which is not allowed; use one of: {ALLOWED}"))]
#[case::over_the_cap(pvc(Some("standard"), json!("2Ti")), "PersistentVolumeClaim shop/data: requests 2Ti of storage, more than the maximum 1Ti".to_string())]
#[case::exponent_over_the_cap(pvc(Some("standard"), json!("1.1e12")), "PersistentVolumeClaim shop/data: requests 1.1e12 of storage, more than the maximum 1Ti".to_string())]
#[case::over_the_class_cap(pvc(Some("fast"), json!("513Gi")), "PersistentVolumeClaim shop/data: requests 513Gi of storage, more than the maximum 512Gi for storage class fast".to_string())]
#[case::malformed_quantity(pvc(Some("standard"), json!("10GB")), "PersistentVolumeClaim shop/data: has an invalid storage request: invalid quantity \"10GB\": unknown suffix \"GB\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)".to_string())]
#[case::several(pvc(Some("gold"), json!("2Ti")), format!("PersistentVolumeClaim shop/data: storage class gold is not allowed; use one of: {ALLOWED}\nPersistentVolumeClaim shop/data: requests 2Ti of storage, more than the maximum 1Ti"))]
fn claims_outside_the_contract_are_rejected(#[case] object: Value, #[case] message: String) {
    let response = create(&object, contract());
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(message.as_str()));
    assert_eq!(response.code(), None);
    assert_eq!(response.patch, None);
}

#[test]
fn access_modes_are_limited_per_class() {
    let mut object = pvc(Some("fast"), json!("10Gi"));
    object["spec"]["accessModes"] = json!(["ReadWriteMany"]);
    let response = create(&object, contract());
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "PersistentVolumeClaim shop/data: access mode ReadWriteMany is not allowed for storage class fast; allowed: ReadWriteOnce"
        )
    );
    object["spec"]["storageClassName"] = json!("standard");
    assert!(create(&object, contract()).allowed);
}

#[test]
fn static_binding_is_accepted_when_allowed() {
    let mut object = pvc(Some(""), json!("10Gi"));
    object["spec"]["volumeName"] = json!("pv-nfs-legacy");
    assert!(create(&object, with(json!({"allowStaticBinding": true}))).allowed);
}

#[test]
fn a_missing_class_is_set_to_the_default_and_nothing_else_changes() {
    let response = create(
        &pvc(None, json!("10Gi")),
        with(json!({"defaultStorageClass": "standard-rwo"})),
    );
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(response.warnings, None);
    assert_eq!(
        patch(&response),
        json!([{"op": "add", "path": "/spec/storageClassName", "value": "standard-rwo"}])
    );
}

#[test]
fn a_null_class_is_set_to_the_default() {
    let mut object = pvc(None, json!("10Gi"));
    object["spec"]["storageClassName"] = Value::Null;
    let response = create(&object, with(json!({"defaultStorageClass": "standard"})));
    assert_eq!(
        patch(&response),
        json!([{"op": "replace", "path": "/spec/storageClassName", "value": "standard"}])
    );
}

#[test]
fn the_default_class_brings_its_limits() {
    let response = create(
        &pvc(None, json!("600Gi")),
        with(json!({"defaultStorageClass": "fast"})),
    );
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "PersistentVolumeClaim shop/data: requests 600Gi of storage, more than the maximum 512Gi for storage class fast"
        )
    );
    assert_eq!(response.patch, None);
}

#[test]
fn the_deprecated_beta_annotation_is_the_class_with_a_warning() {
    let mut object = pvc(None, json!("10Gi"));
    object["metadata"]["annotations"] = json!({"volume.beta.kubernetes.io/storage-class": "fast"});
    let response = create(&object, with(json!({"defaultStorageClass": "standard"})));
    assert!(response.allowed);
    assert_eq!(response.patch, None);
    assert_eq!(
        response.warnings,
        Some(vec!["PersistentVolumeClaim shop/data: uses the deprecated annotation volume.beta.kubernetes.io/storage-class; set storageClassName: \"fast\" instead".to_string()])
    );

    object["metadata"]["annotations"] = json!({"volume.beta.kubernetes.io/storage-class": "gold"});
    let response = create(&object, contract());
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(format!("PersistentVolumeClaim shop/data: storage class gold is not allowed; use one of: {ALLOWED}").as_str())
    );
}

#[rstest]
#[case::expanding_beyond_the_cap("900Gi", "1.5Ti", false)]
#[case::expanding_an_oversized_claim_further("2Ti", "3Ti", false)]
#[case::expanding_within_the_cap("500Gi", "1Ti", true)]
#[case::unchanged_oversized_claim("2Ti", "2048Gi", true)]
fn expanding_updates(#[case] old: &str, #[case] new: &str, #[case] allowed: bool) {
    let response = update(
        &pvc(Some("standard"), json!(new)),
        &pvc(Some("standard"), json!(old)),
        contract(),
    );
    assert_eq!(response.allowed, allowed, "{:?}", response.message());
    if !allowed {
        assert_eq!(
            response.message(),
            Some(format!("PersistentVolumeClaim shop/data: requests {new} of storage, more than the maximum 1Ti").as_str())
        );
    }
}

#[test]
fn an_unchanged_oversized_claim_is_a_pre_existing_violation() {
    let response = update(
        &pvc(Some("standard"), json!("2048Gi")),
        &pvc(Some("standard"), json!("2Ti")),
        contract(),
    );
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec!["pre-existing violation accepted on UPDATE (enforceOnUpdate: new-violations): PersistentVolumeClaim shop/data: requests 2048Gi of storage, more than the maximum 1Ti".to_string()])
    );
}

#[test]
fn claims_are_not_mutated_on_update() {
    // storageClassName is immutable once the claim exists: a patch would make the API server
    // refuse the update.
    let object = pvc(None, json!("10Gi"));
    let response = update(
        &object,
        &object,
        with(json!({"defaultStorageClass": "standard"})),
    );
    assert!(response.allowed);
    assert_eq!(response.patch, None);
}

// ------------------------------------------------------------------ StatefulSets

#[test]
fn each_claim_template_without_class_gets_the_default() {
    let object = statefulset(
        json!([claim_template("data", None), claim_template("wal", None)]),
        json!([]),
    );
    let response = create(&object, with(json!({"defaultStorageClass": "standard"})));
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(
        patch(&response),
        json!([
            {"op": "add", "path": "/spec/volumeClaimTemplates/0/spec/storageClassName", "value": "standard"},
            {"op": "add", "path": "/spec/volumeClaimTemplates/1/spec/storageClassName", "value": "standard"}
        ])
    );
}

#[test]
fn only_the_templates_without_class_are_patched() {
    let object = statefulset(
        json!([
            claim_template("data", Some("fast")),
            claim_template("wal", None)
        ]),
        json!([]),
    );
    let response = create(&object, with(json!({"defaultStorageClass": "standard"})));
    assert_eq!(
        patch(&response),
        json!([{"op": "add", "path": "/spec/volumeClaimTemplates/1/spec/storageClassName", "value": "standard"}])
    );
}

#[test]
fn claim_templates_are_judged_like_claims() {
    let mut big = claim_template("wal", Some("fast"));
    big["spec"]["resources"]["requests"]["storage"] = json!("1Ti");
    let object = statefulset(json!([claim_template("data", None), big]), json!([]));
    let response = create(&object, contract());
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(format!(
            "StatefulSet shop/db: volumeClaimTemplate data: names no storage class and the platform sets no default; set storageClassName to one of: {ALLOWED}\nStatefulSet shop/db: volumeClaimTemplate wal: requests 1Ti of storage, more than the maximum 512Gi for storage class fast"
        ).as_str())
    );
}

#[test]
fn a_standalone_claim_in_a_statefulset_is_rejected_with_the_fix() {
    let object = statefulset(
        json!([claim_template("data", Some("standard"))]),
        json!([{"name": "backup", "persistentVolumeClaim": {"claimName": "db-backup"}}]),
    );
    let response = create(&object, contract());
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "StatefulSet shop/db: pod volume backup mounts the standalone PersistentVolumeClaim db-backup; move it to volumeClaimTemplates so each replica gets its own claim"
        )
    );
}

#[test]
fn a_template_name_used_as_a_volume_name_is_not_standalone() {
    // The StatefulSet controller replaces a pod volume named like a claim template with that
    // replica's claim.
    let object = statefulset(
        json!([claim_template("data", Some("standard"))]),
        json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]),
    );
    let response = create(&object, contract());
    assert!(response.allowed, "{:?}", response.message());
}

#[test]
fn statefulsets_are_not_mutated_on_update() {
    // volumeClaimTemplates are immutable; the claims the controller creates from them are
    // defaulted when they are admitted.
    let object = statefulset(json!([claim_template("data", None)]), json!([]));
    let mut scaled = object.clone();
    scaled["spec"]["replicas"] = json!(5);
    let response = update(
        &scaled,
        &object,
        with(json!({"defaultStorageClass": "standard"})),
    );
    assert!(response.allowed);
    assert_eq!(response.patch, None);
}

// ------------------------------------------------------------------ Deployments (context-aware)

fn claim_object(name: &str, modes: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"accessModes": modes, "storageClassName": "standard",
                 "resources": {"requests": {"storage": "10Gi"}}},
        "status": {"phase": "Bound", "accessModes": modes}
    })
}

/// The host context of the policy as `metadata.yml` declares it, with the claims of the test.
fn declared_context(claims: Vec<Value>) -> HostContext {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/pvc-contract/metadata.yml");
    let text = std::fs::read_to_string(&path).expect("pvc-contract metadata.yml");
    let metadata: Value = serde_yaml_ng::from_str(&text).expect("metadata.yml is YAML");
    assert_eq!(metadata["mutating"], json!(true));
    let resources = metadata["contextAwareResources"]
        .as_array()
        .expect("contextAwareResources")
        .iter()
        .map(|r| {
            ContextAwareResource::new(
                r["apiVersion"].as_str().unwrap_or_default(),
                r["kind"].as_str().unwrap_or_default(),
            )
        });
    let capabilities: Vec<&str> = metadata["hostCapabilities"]
        .as_array()
        .expect("hostCapabilities")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    HostContext::new()
        .with_object_store(ObjectStore::from_objects(claims).expect("valid claims"))
        .with_context_aware_resources(resources)
        .with_host_capabilities(HostCapabilities::new(capabilities).expect("valid capabilities"))
}

fn with_claims(object: &Value, claims: Vec<Value>) -> AdmissionResponse {
    Policy::with_context(POLICY, declared_context(claims)).validate(
        admission_request("CREATE", object, None),
        with(json!({"checkWorkloadClaims": true})),
    )
}

fn store() -> Vec<Value> {
    vec![
        claim_object("uploads-rwo", json!(["ReadWriteOnce"])),
        claim_object("uploads-rwx", json!(["ReadWriteMany"])),
    ]
}

#[rstest]
#[case::rwo_default_strategy(json!(null), json!(null), "uploads-rwo", Some(format!("Deployment shop/web: volume uploads mounts the ReadWriteOnce PersistentVolumeClaim uploads-rwo with the RollingUpdate strategy (the default): {DEADLOCK}")))]
#[case::rwo_replicas(json!(3), json!({"type": "Recreate"}), "uploads-rwo", Some(format!("Deployment shop/web: volume uploads mounts the ReadWriteOnce PersistentVolumeClaim uploads-rwo with 3 replicas: {DEADLOCK}")))]
#[case::rwo_both(json!(2), json!({"type": "RollingUpdate"}), "uploads-rwo", Some(format!("Deployment shop/web: volume uploads mounts the ReadWriteOnce PersistentVolumeClaim uploads-rwo with 2 replicas and the RollingUpdate strategy: {DEADLOCK}")))]
#[case::rwo_single_recreate(json!(1), json!({"type": "Recreate"}), "uploads-rwo", None)]
#[case::rwx(json!(3), json!(null), "uploads-rwx", None)]
fn deployments_mounting_claims(
    #[case] replicas: Value,
    #[case] strategy: Value,
    #[case] claim: &str,
    #[case] message: Option<String>,
) {
    let response = with_claims(&deployment(replicas, strategy, claim), store());
    assert_eq!(response.allowed, message.is_none());
    assert_eq!(response.message(), message.as_deref());
    assert_eq!(response.warnings, None);
}

#[test]
fn a_missing_claim_is_reported_as_such() {
    let response = with_claims(&deployment(json!(2), json!(null), "uploads-gone"), store());
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec!["Deployment shop/web: volume uploads mounts PersistentVolumeClaim shop/uploads-gone, which does not exist, so its access modes cannot be checked".to_string()])
    );
}

#[test]
fn deployments_are_not_looked_at_without_check_workload_claims() {
    // No host context at all: the policy must not even ask.
    let response = create(
        &deployment(json!(3), json!(null), "uploads-rwo"),
        contract(),
    );
    assert!(response.allowed);
}

#[test]
fn a_host_that_refuses_the_lookup_is_a_clear_rejection() {
    let response = Policy::new(POLICY).validate(
        admission_request(
            "CREATE",
            &deployment(json!(3), json!(null), "uploads-rwo"),
            None,
        ),
        with(json!({"checkWorkloadClaims": true})),
    );
    assert!(!response.allowed);
    assert_eq!(response.code(), Some(400));
    assert_eq!(
        response.message(),
        Some(
            "Deployment shop/web: cannot read PersistentVolumeClaim shop/uploads-rwo through the host: error invoking host capability kubernetes.get_resource: Host error: Policy has not been granted access to the 'kubernetes/get_resource' host capability. The violation has been reported."
        )
    );
}

// ------------------------------------------------------------------ shared behaviour

#[test]
fn other_kinds_pass() {
    let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "shop"}});
    assert!(create(&object, contract()).allowed);
}

#[test]
fn warn_only_and_exemptions() {
    let object = pvc(Some("gold"), json!("10Gi"));
    let response = create(&object, with(json!({"warnOnly": true})));
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "pvc-contract (warnOnly): PersistentVolumeClaim shop/data: storage class gold is not allowed; use one of: {ALLOWED}"
        )])
    );
    let response = create(
        &object,
        with(
            json!({"exemptions": [{"namespace": "shop", "name": "data", "kind": "PersistentVolumeClaim", "reason": "legacy NFS claim, PLAT-7"}]}),
        ),
    );
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec!["PersistentVolumeClaim shop/data is exempt from pvc-contract (exemptions): legacy NFS claim, PLAT-7".to_string()])
    );
}

#[test]
fn delete_is_accepted() {
    let object = pvc(Some("gold"), json!("10Gi"));
    let mut request = admission_request("DELETE", &object, Some(&object));
    request["oldObject"] = object;
    let response = Policy::new(POLICY).validate(request, contract());
    assert!(response.allowed);
}

#[test]
fn a_malformed_claim_is_rejected_clearly() {
    let mut object = pvc(Some("standard"), json!("10Gi"));
    object["spec"]["accessModes"] = json!("ReadWriteOnce");
    let response = create(&object, contract());
    assert!(!response.allowed);
    assert_eq!(response.code(), Some(400));
    assert_eq!(
        response.message(),
        Some(
            "cannot read PersistentVolumeClaim shop/data: spec.accessModes: invalid type: string \"ReadWriteOnce\", expected a sequence"
        )
    );
}

#[test]
fn invalid_settings_reject_requests_naming_the_field() {
    let response = create(
        &pvc(Some("standard"), json!("1Gi")),
        json!({"defaultStorageClass": "standard"}),
    );
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some("invalid settings: defaultStorageClass: needs allowedStorageClasses")
    );
}

/// Empty settings: the storage structure only. Any class goes, a claim without one is a
/// warning, a standalone claim in a StatefulSet is still rejected.
#[test]
fn empty_settings_judge_the_storage_structure() {
    let named = create(&pvc(Some("gold"), json!("10Ti")), json!({}));
    assert!(named.allowed, "{:?}", named.message());
    let unset = create(&pvc(None, json!("1Gi")), json!({}));
    assert!(unset.allowed);
    assert_eq!(
        unset.warnings,
        Some(vec![format!(
            "PersistentVolumeClaim shop/data: {}",
            upstream_first_rules::storage::NO_CLASS_NO_CONTRACT
        )])
    );
}

#[rstest]
#[case(contract(), true, None)]
#[case(with(json!({"defaultStorageClass": "fast", "allowStaticBinding": true, "checkWorkloadClaims": true, "enforceOnUpdate": "always"})), true, None)]
#[case::empty(json!({}), true, None)]
#[case::size_cap_alone(json!({"maxSize": "1Ti"}), true, None)]
#[case::default_without_classes(json!({"defaultStorageClass": "standard"}), false, Some("defaultStorageClass: needs allowedStorageClasses"))]
#[case(with(json!({"defaultStorageClass": "gold"})), false, Some("defaultStorageClass: \"gold\" is not one of allowedStorageClasses (standard, standard-rwo, fast)"))]
#[case(with(json!({"maxSize": "1 TB"})), false, Some("maxSize: invalid quantity \"1 TB\": unknown suffix \" TB\"; expected no suffix, a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-6)"))]
#[case(with(json!({"classes": {"gold": {"maxSize": "1Ti"}}})), false, Some("classes.gold: \"gold\" is not one of allowedStorageClasses (standard, standard-rwo, fast)"))]
#[case(with(json!({"classes": {"fast": {"maxSize": "-5Gi"}}})), false, Some("classes.fast.maxSize: must be greater than zero, got -5Gi"))]
#[case(with(json!({"classes": {"fast": {"accessModes": ["RWO"]}}})), false, Some("classes.fast.accessModes[0]: unknown variant `RWO`, expected one of `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod`"))]
#[case(with(json!({"checkWorkloadClaim": true})), false, Some("checkWorkloadClaim: unknown field `checkWorkloadClaim`, expected one of `allowedStorageClasses`, `defaultStorageClass`, `maxSize`, `classes`, `allowStaticBinding`, `checkWorkloadClaims`"))]
fn settings_are_validated(
    #[case] settings: Value,
    #[case] valid: bool,
    #[case] message: Option<&str>,
) {
    let response = Policy::new(POLICY).validate_settings(settings);
    assert_eq!(response.valid, valid);
    assert_eq!(response.message.as_deref(), message);
}

// ------------------------------------------------------------------ real-world corpus

/// The first object of `kind` in a corpus file, with the settings `config.yaml` gives the policy.
fn corpus_object(file: &str, kind: &str) -> (Value, Value) {
    let object = load_objects(&corpus_dir().join(file))
        .into_iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("{file} has a {kind}"));
    (object, corpus_config()[POLICY].0.clone())
}

#[rstest]
#[case::kong_template_without_class(
    "kong-kic-postgres-statefulset.yaml",
    "StatefulSet",
    "StatefulSet kong/postgres: volumeClaimTemplate datadir: names no storage class and the platform sets no default; set storageClassName to one of: standard, standard-rwo, fast"
)]
#[case::katib_claim_without_class(
    "katib-mysql-pvc-no-sc.yaml",
    "PersistentVolumeClaim",
    "PersistentVolumeClaim kubeflow/katib-mysql: names no storage class and the platform sets no default; set storageClassName to one of: standard, standard-rwo, fast"
)]
fn corpus_rejections_name_the_claim_and_the_fix(
    #[case] file: &str,
    #[case] kind: &str,
    #[case] message: &str,
) {
    let (object, settings) = corpus_object(file, kind);
    let response = create(&object, settings);
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(message));
}

#[test]
fn corpus_beta_annotation_passes_with_a_warning() {
    let (object, settings) = corpus_object("k8sex-cassandra-statefulset.yaml", "StatefulSet");
    let response = create(&object, settings);
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(
        response.warnings,
        Some(vec!["StatefulSet default/cassandra: volumeClaimTemplate cassandra-data: uses the deprecated annotation volume.beta.kubernetes.io/storage-class; set storageClassName: \"fast\" instead".to_string()])
    );
}
