//! Reading a hand-rolled workload, and the objects of the bundle around it, into the facts a
//! migration carries over.
//!
//! The reader works on a copy of the workload (`rest`) and takes out every field it reads into
//! a fact; what is left at the end is listed, field by field, as not carried over. So a field
//! is either carried, or named in the output: never dropped silently.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};
use upstream_first_rules::catalog::Component;
use upstream_first_rules::catalog::migration::{Fact, MigrationEnv};
use upstream_first_rules::image::ImageReference;
use upstream_first_rules::podspec::{WorkloadKind, without_null_fields};

/// Why a literal password is never carried.
pub const LITERAL_PASSWORD: &str = "a literal password: never copied; put it in a Secret and give the Secret's name to the replacement";
/// Why a user name or database read from a Secret is not carried.
pub const FROM_SECRET: &str =
    "read from a Secret: only passwords are carried by reference; set it by hand";
/// The generic reason for a field nothing maps.
pub const NO_MAPPING: &str = "no mapping in the replacement";

/// A Kubernetes object, by kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// A fact's value and the field it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct FactValue {
    pub value: Value,
    pub source: String,
}

/// A field of the original that is not carried over, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Leftover {
    /// `spec.template.spec.containers[1] (exporter)`.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Leftover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Where the server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataVolume {
    /// Claims of a StatefulSet's `volumeClaimTemplates`, one per replica.
    Template {
        template: String,
        claims: Vec<String>,
    },
    /// A standalone claim; `declared` when the bundle holds its PersistentVolumeClaim.
    Standalone { claim: String, declared: bool },
    /// No persistent volume at the data path (`emptyDir`, none at all).
    Ephemeral,
}

/// What was read off one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub workload: ObjectRef,
    pub values: BTreeMap<Fact, FactValue>,
    /// The server image, when it parses.
    pub image: Option<ImageReference>,
    /// Fields read into no fact.
    pub leftovers: Vec<Leftover>,
    /// Services in front of the workload, the one that names the release first.
    pub services: Vec<ObjectRef>,
    /// ConfigMaps only this workload uses.
    pub config_maps: Vec<ObjectRef>,
    pub data: DataVolume,
}

impl Facts {
    pub fn text(&self, fact: Fact) -> Option<&str> {
        self.values.get(&fact).and_then(|v| v.value.as_str())
    }

    /// The name the replacement's objects take: the Service's in front of the workload (its
    /// DNS name stays), else the workload's.
    pub fn release_name(&self) -> &str {
        self.text(Fact::Name).unwrap_or(&self.workload.name)
    }
}

/// The workload to read: a server container of a catalog component.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The object, its namespace defaulted.
    pub object: &'a Value,
    pub container: &'a str,
    pub component: &'a Component,
}

/// Reads the facts of `subject`; `bundle` (the other objects, namespaces defaulted) answers
/// for its Services, claims and ConfigMaps. An error says why the workload cannot be read.
pub fn read_facts(
    subject: &Subject<'_>,
    env: &MigrationEnv,
    bundle: &[Value],
) -> Result<Facts, String> {
    let object = without_null_fields(subject.object).into_owned();
    let kind_name = object["kind"].as_str().unwrap_or_default();
    let kind = WorkloadKind::from_kind(kind_name)
        .ok_or_else(|| format!("{kind_name:?} is not a workload kind"))?;
    let name = object["metadata"]["name"]
        .as_str()
        .filter(|name| !name.is_empty())
        .ok_or("the workload has no metadata.name")?
        .to_owned();
    let namespace = namespace_of(&object).to_owned();
    let template: Vec<&str> = kind.template_path().to_vec();
    let containers = template_path(&template, &["spec", "containers"]);
    let index = at(&object, &containers)
        .and_then(Value::as_array)
        .and_then(|items| items.iter().position(|c| c["name"] == subject.container))
        .ok_or_else(|| format!("no container named {:?}", subject.container))?;
    let mut reader = Reader {
        rest: object.clone(),
        object,
        kind,
        template,
        component: subject.component,
        bundle,
        facts: Facts {
            workload: ObjectRef {
                kind: kind.as_str().to_owned(),
                namespace,
                name,
            },
            values: BTreeMap::new(),
            image: None,
            leftovers: Vec::new(),
            services: Vec::new(),
            config_maps: Vec::new(),
            data: DataVolume::Ephemeral,
        },
    };
    let container_path = format!("{}[{index}]", display(&containers));
    let server = at(&reader.object, &containers)
        .and_then(|items| items.get(index))
        .cloned()
        .unwrap_or_default();
    reader.bookkeeping();
    let taken = reader.take_container(&containers, index);
    let mut container = reader.server_container(taken, &container_path, env);
    reader.pod();
    reader.services(&server, &mut container);
    reader.config_maps();
    walk(
        &container,
        &container_path,
        std::slice::from_ref(&container_path),
        &mut reader.facts.leftovers,
    );
    reader.finish();
    Ok(reader.facts)
}

/// A path inside the pod template (`tail` after the template's own path).
fn template_path<'a>(template: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    template.iter().chain(tail).copied().collect()
}

fn namespace_of(object: &Value) -> &str {
    object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default")
}

fn at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn at_mut<'v>(value: &'v mut Value, path: &[&str]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(key))
}

/// Removes the value at `path`, if any.
fn take(value: &mut Value, path: &[&str]) -> Option<Value> {
    let (last, parent) = path.split_last()?;
    at_mut(value, parent)?.as_object_mut()?.remove(*last)
}

fn display(path: &[&str]) -> String {
    path.join(".")
}

struct Reader<'a> {
    /// The workload, nulls removed.
    object: Value,
    /// What no fact has read yet; list items read are replaced by `null` so indexes stay.
    rest: Value,
    kind: WorkloadKind,
    template: Vec<&'a str>,
    component: &'a Component,
    bundle: &'a [Value],
    facts: Facts,
}

impl Reader<'_> {
    fn fact(&mut self, fact: Fact, value: Value, source: impl Into<String>) {
        self.facts.values.insert(
            fact,
            FactValue {
                value,
                source: source.into(),
            },
        );
    }

    fn leftover(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.facts.leftovers.push(Leftover {
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// Fields the API server or the controller owns, and the controller wiring the replacement
    /// writes for itself (selector, service name, the selector's labels on the pods).
    fn bookkeeping(&mut self) {
        for key in ["apiVersion", "kind", "status"] {
            take(&mut self.rest, &[key]);
        }
        for key in [
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "managedFields",
            "selfLink",
        ] {
            take(&mut self.rest, &["metadata", key]);
        }
        for key in [
            "kubectl.kubernetes.io/last-applied-configuration",
            "deployment.kubernetes.io/revision",
        ] {
            take(&mut self.rest, &["metadata", "annotations", key]);
        }
        let name = self.facts.workload.name.clone();
        self.fact(Fact::Name, Value::String(name), "metadata.name");
        if self.kind == WorkloadKind::Pod {
            return;
        }
        let selector = take(&mut self.rest, &["spec", "selector"]).unwrap_or_default();
        let selector = selector.get("matchLabels").unwrap_or(&selector).clone();
        take(&mut self.rest, &["spec", "serviceName"]);
        let labels = template_path(&self.template, &["metadata", "labels"]);
        if let (Some(selector), Some(labels)) = (
            selector.as_object(),
            at_mut(&mut self.rest, &labels).and_then(Value::as_object_mut),
        ) {
            labels.retain(|key, value| selector.get(key) != Some(value));
        }
        if let Some(replicas) = take(&mut self.rest, &["spec", "replicas"]) {
            self.fact(Fact::Replicas, replicas, "spec.replicas");
        }
    }

    fn take_container(&mut self, containers: &[&str], index: usize) -> Value {
        at_mut(&mut self.rest, containers)
            .and_then(|items| items.get_mut(index))
            .map(Value::take)
            .unwrap_or_default()
    }

    /// Reads the server container; returns what is left of it.
    fn server_container(&mut self, mut container: Value, path: &str, env: &MigrationEnv) -> Value {
        let image_path = format!("{path}.image");
        let env_path = format!("{path}.env");
        let resources_path = format!("{path}.resources");
        take(&mut container, &["name"]);
        if let Some(image) = take(&mut container, &["image"]) {
            self.image(image.as_str().unwrap_or_default(), &image_path);
        }
        if let Some(resources) = take(&mut container, &["resources"])
            && resources.as_object().is_some_and(|r| !r.is_empty())
        {
            self.fact(Fact::Resources, resources, resources_path);
        }
        if let Some(items) = container.get_mut("env").and_then(Value::as_array_mut) {
            for (i, item) in items.iter_mut().enumerate() {
                let source = format!("{env_path}[{i}] ({})", item["name"].as_str().unwrap_or(""));
                if self.env_var(item, env, &source) {
                    *item = Value::Null;
                }
            }
        }
        // The replacement exposes the server's own ports; any other port stays listed.
        let server_ports = &self.component.signals.ports;
        if let Some(ports) = container.get_mut("ports").and_then(Value::as_array_mut) {
            for port in ports.iter_mut() {
                let number = port["containerPort"].as_u64().unwrap_or_default();
                if server_ports.iter().any(|p| u64::from(*p) == number) {
                    *port = Value::Null;
                }
            }
        }
        self.data_volume(&mut container);
        container
    }

    fn image(&mut self, image: &str, source: &str) {
        match ImageReference::parse(image) {
            Ok(reference) => {
                if let Some(tag) = &reference.tag {
                    self.fact(Fact::ImageTag, Value::String(tag.clone()), source);
                    if let Some(version) = leading_version(tag) {
                        self.fact(Fact::ImageVersion, Value::String(version), source);
                    }
                } else {
                    self.leftover(
                        format!("{source} ({image})"),
                        "no tag: the replacement's pinned default version is used",
                    );
                }
                if let Some(digest) = &reference.digest {
                    self.leftover(
                        format!("{source} ({digest})"),
                        "the digest is not carried: pin the replacement's image by digest by hand",
                    );
                }
                self.facts.image = Some(reference);
            }
            Err(e) => self.leftover(
                format!("{source} ({image})"),
                format!("not an image reference: {e}"),
            ),
        }
    }

    /// Reads one `env` item; whether a fact took it.
    fn env_var(&mut self, item: &Value, env: &MigrationEnv, source: &str) -> bool {
        let name = item["name"].as_str().unwrap_or_default();
        let listed = |names: &[String]| names.iter().any(|n| n == name);
        let fact = if listed(&env.database) {
            Fact::Database
        } else if listed(&env.username) {
            Fact::Username
        } else if listed(&env.password) {
            return self.password(item, source);
        } else {
            return false;
        };
        if let Some(value) = item["value"].as_str() {
            self.fact(fact, Value::String(value.to_owned()), source);
            return true;
        }
        let from = &item["valueFrom"];
        if let Some(reference) = from.get("configMapKeyRef") {
            let value = self
                .config_map_data(reference["name"].as_str().unwrap_or_default())
                .and_then(|data| data.get(reference["key"].as_str().unwrap_or_default()))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(value) = value {
                self.fact(fact, Value::String(value), source);
                return true;
            }
        }
        if from.get("secretKeyRef").is_some() {
            self.leftover(source, FROM_SECRET);
            return true;
        }
        false
    }

    fn password(&mut self, item: &Value, source: &str) -> bool {
        if let Some(reference) = item["valueFrom"].get("secretKeyRef") {
            if let Some(secret) = reference["name"].as_str() {
                self.fact(
                    Fact::ExistingSecret,
                    Value::String(secret.to_owned()),
                    source,
                );
            }
            if let Some(key) = reference["key"].as_str() {
                self.fact(
                    Fact::ExistingSecretPasswordKey,
                    Value::String(key.to_owned()),
                    source,
                );
            }
            return true;
        }
        if item.get("value").is_some() {
            // The value itself is never read past this point.
            self.leftover(source, LITERAL_PASSWORD);
            return true;
        }
        false
    }

    fn config_map_data(&self, name: &str) -> Option<&Map<String, Value>> {
        self.find("ConfigMap", name)
            .and_then(|config_map| config_map["data"].as_object())
    }

    /// An object of the bundle in the workload's namespace.
    fn find(&self, kind: &str, name: &str) -> Option<&Value> {
        self.bundle.iter().find(|object| {
            object["kind"] == kind
                && object["metadata"]["name"] == name
                && namespace_of(object) == self.facts.workload.namespace
        })
    }

    /// The mount at the component's data path (else the first on a claim), and its claim.
    fn data_volume(&mut self, container: &mut Value) {
        let volumes_path = template_path(&self.template, &["spec", "volumes"]);
        let volumes = at(&self.object, &volumes_path)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let templates = at(&self.object, &["spec", "volumeClaimTemplates"])
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let on_claim = |volume: &str| {
            templates.iter().any(|t| t["metadata"]["name"] == volume)
                || volumes
                    .iter()
                    .any(|v| v["name"] == volume && v.get("persistentVolumeClaim").is_some())
        };
        let data_paths = &self.component.signals.data_paths;
        let Some(mounts) = container
            .get_mut("volumeMounts")
            .and_then(Value::as_array_mut)
        else {
            return;
        };
        let is_data_path = |mount: &Value| {
            let path = mount["mountPath"]
                .as_str()
                .unwrap_or_default()
                .trim_end_matches('/');
            data_paths.iter().any(|data| {
                let data = data.trim_end_matches('/');
                !path.is_empty()
                    && (data == path
                        || data.starts_with(&format!("{path}/"))
                        || path.starts_with(&format!("{data}/")))
            })
        };
        let chosen = mounts.iter().position(is_data_path).or_else(|| {
            mounts
                .iter()
                .position(|m| on_claim(m["name"].as_str().unwrap_or_default()))
        });
        let Some(index) = chosen else { return };
        let volume = mounts[index]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if let Some(position) = templates
            .iter()
            .position(|t| t["metadata"]["name"] == volume)
        {
            mounts[index] = Value::Null;
            self.claim_template(&templates[position], position, &volume);
        } else if let Some(position) = volumes.iter().position(|v| v["name"] == volume)
            && let Some(claim) = volumes[position]["persistentVolumeClaim"]["claimName"].as_str()
        {
            mounts[index] = Value::Null;
            if let Some(item) =
                at_mut(&mut self.rest, &volumes_path).and_then(|items| items.get_mut(position))
            {
                *item = Value::Null;
            }
            let source = format!("{}[{position}] ({volume})", display(&volumes_path));
            self.standalone_claim(claim, &source);
        }
    }

    fn claim_template(&mut self, template: &Value, position: usize, volume: &str) {
        let source = format!("spec.volumeClaimTemplates[{position}] ({volume})");
        if let Some(item) = at_mut(&mut self.rest, &["spec", "volumeClaimTemplates"])
            .and_then(|items| items.get_mut(position))
        {
            *item = Value::Null;
        }
        self.claim_spec(&template["spec"], &source);
        let replicas = self
            .facts
            .values
            .get(&Fact::Replicas)
            .and_then(|r| r.value.as_u64())
            .unwrap_or(1);
        let name = &self.facts.workload.name;
        let claims: Vec<String> = (0..replicas.max(1))
            .map(|ordinal| format!("{volume}-{name}-{ordinal}"))
            .collect();
        // One replica's claim can be adopted as is; several replicas' data cannot.
        if let [claim] = claims.as_slice() {
            self.fact(Fact::ExistingClaim, Value::String(claim.clone()), source);
        }
        self.facts.data = DataVolume::Template {
            template: volume.to_owned(),
            claims,
        };
    }

    fn standalone_claim(&mut self, claim: &str, source: &str) {
        let object = self.find("PersistentVolumeClaim", claim).cloned();
        self.fact(Fact::ExistingClaim, Value::String(claim.to_owned()), source);
        if let Some(object) = &object {
            let source = format!(
                "PersistentVolumeClaim {}/{claim}",
                self.facts.workload.namespace
            );
            self.claim_spec(&object["spec"], &source);
        }
        self.facts.data = DataVolume::Standalone {
            claim: claim.to_owned(),
            declared: object.is_some(),
        };
    }

    fn claim_spec(&mut self, spec: &Value, source: &str) {
        if let Some(size) = spec["resources"]["requests"]["storage"].as_str() {
            self.fact(Fact::StorageSize, Value::String(size.to_owned()), source);
        }
        if let Some(class) = spec["storageClassName"].as_str() {
            self.fact(Fact::StorageClass, Value::String(class.to_owned()), source);
        }
        if let Some(modes) = spec.get("accessModes").filter(|m| m.is_array()) {
            self.fact(Fact::AccessModes, modes.clone(), source);
        }
    }

    /// Scheduling and the pod's own labels and annotations.
    fn pod(&mut self) {
        for (fact, field) in [
            (Fact::NodeSelector, "nodeSelector"),
            (Fact::Tolerations, "tolerations"),
            (Fact::Affinity, "affinity"),
        ] {
            let path = template_path(&self.template, &["spec", field]);
            if let Some(value) = take(&mut self.rest, &path) {
                self.fact(fact, value, display(&path));
            }
        }
        let labels_path = template_path(&self.template, &["metadata", "labels"]);
        if let Some(labels) = at_mut(&mut self.rest, &labels_path).and_then(Value::as_object_mut) {
            // Labels of these prefixes are the chart's own: carrying them would clash.
            let (own, chart): (Map<String, Value>, Map<String, Value>) =
                std::mem::take(labels).into_iter().partition(|(key, _)| {
                    !key.starts_with("app.kubernetes.io/") && !key.starts_with("helm.sh/")
                });
            *labels = chart;
            if !own.is_empty() {
                self.fact(Fact::PodLabels, Value::Object(own), display(&labels_path));
            }
        }
        let annotations = template_path(&self.template, &["metadata", "annotations"]);
        if let Some(value) = take(&mut self.rest, &annotations)
            .filter(|a| a.as_object().is_some_and(|a| !a.is_empty()))
        {
            self.fact(Fact::PodAnnotations, value, display(&annotations));
        }
    }

    /// The Services whose selector picks the workload's pods, and the port in front of the
    /// server.
    /// `rest` is what is left of the server container: the ports a Service targets are the
    /// replacement's to expose.
    fn services(&mut self, container: &Value, rest: &mut Value) {
        let labels = template_path(&self.template, &["metadata", "labels"]);
        let Some(pod_labels) = at(&self.object, &labels).and_then(Value::as_object) else {
            return;
        };
        let mut services: Vec<&Value> = self
            .bundle
            .iter()
            .filter(|object| {
                object["kind"] == "Service" && namespace_of(object) == self.facts.workload.namespace
            })
            .filter(|service| {
                service["spec"]["selector"]
                    .as_object()
                    .is_some_and(|selector| {
                        !selector.is_empty()
                            && selector
                                .iter()
                                .all(|(key, value)| pod_labels.get(key) == Some(value))
                    })
            })
            .collect();
        let workload = &self.facts.workload.name;
        // The Service that names the release: a routed one, the workload's namesake first.
        services.sort_by_key(|service| {
            (
                service["spec"]["clusterIP"] == "None",
                service["metadata"]["name"] != workload.as_str(),
                service["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        });
        if let Some(ports) = rest.get_mut("ports").and_then(Value::as_array_mut) {
            for port in ports.iter_mut() {
                if services.iter().any(|service| targets(service, port)) {
                    *port = Value::Null;
                }
            }
        }
        let Some(primary) = services.first() else {
            return;
        };
        let namespace = self.facts.workload.namespace.clone();
        let primary_name = primary["metadata"]["name"].as_str().unwrap_or_default();
        let source = format!("Service {namespace}/{primary_name}");
        if primary["spec"]["clusterIP"] != "None" {
            self.fact(Fact::Name, Value::String(primary_name.to_owned()), &source);
        }
        if let Some(port) = service_port(primary, container, self.component) {
            self.fact(Fact::ServicePort, Value::from(port), source);
        }
        self.facts.services = services
            .iter()
            .map(|service| ObjectRef {
                kind: "Service".to_owned(),
                namespace: namespace.clone(),
                name: service["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect();
    }

    /// ConfigMaps the workload uses and no other workload of the bundle does.
    fn config_maps(&mut self) {
        let mut names = Vec::new();
        config_map_references(&self.object, &mut names);
        names.sort();
        names.dedup();
        let namespace = self.facts.workload.namespace.clone();
        let workload = &self.facts.workload;
        for name in names {
            let declared = self.find("ConfigMap", &name).is_some();
            let shared = self.bundle.iter().any(|object| {
                namespace_of(object) == namespace
                    && object["kind"] != "ConfigMap"
                    && !(object["kind"] == workload.kind.as_str()
                        && object["metadata"]["name"] == workload.name.as_str())
                    && {
                        let mut others = Vec::new();
                        config_map_references(object, &mut others);
                        others.contains(&name)
                    }
            });
            if declared && !shared {
                self.facts.config_maps.push(ObjectRef {
                    kind: "ConfigMap".to_owned(),
                    namespace: namespace.clone(),
                    name,
                });
            }
        }
    }

    /// Lists what no fact read.
    fn finish(&mut self) {
        let template = display(&self.template);
        let mut structural = vec![
            String::new(),
            "metadata".to_owned(),
            "metadata.labels".to_owned(),
            "metadata.annotations".to_owned(),
            "spec".to_owned(),
        ];
        for tail in [
            "",
            "metadata",
            "metadata.labels",
            "metadata.annotations",
            "spec",
        ] {
            structural.push(join(&template, tail));
        }
        let mut leftovers = Vec::new();
        walk(&self.rest, "", &structural, &mut leftovers);
        self.facts.leftovers.extend(leftovers);
    }
}

fn join(prefix: &str, tail: &str) -> String {
    match (prefix.is_empty(), tail.is_empty()) {
        (true, _) => tail.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}.{tail}"),
    }
}

/// The Service port whose target is a port of the server, else the Service's first port.
fn service_port(service: &Value, container: &Value, component: &Component) -> Option<u64> {
    let ports = service["spec"]["ports"].as_array()?;
    let container_ports: Vec<&Value> = container["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let serves = |port: &Value| {
        let target = port.get("targetPort").unwrap_or(&port["port"]);
        match target {
            Value::String(name) => container_ports.iter().any(|p| p["name"] == name.as_str()),
            Value::Number(number) => number.as_u64().is_some_and(|number| {
                component
                    .signals
                    .ports
                    .iter()
                    .any(|p| u64::from(*p) == number)
                    || container_ports.iter().any(|p| p["containerPort"] == number)
            }),
            _ => false,
        }
    };
    ports
        .iter()
        .find(|port| serves(port))
        .or_else(|| ports.first())
        .and_then(|port| port["port"].as_u64())
}

/// Whether a Service sends traffic to a container port.
fn targets(service: &Value, port: &Value) -> bool {
    service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| match p.get("targetPort").unwrap_or(&p["port"]) {
            Value::String(name) => port["name"] == name.as_str(),
            number => port["containerPort"] == *number,
        })
}

/// The names of the ConfigMaps an object's pods read (volumes, projections, `envFrom`,
/// `configMapKeyRef`).
fn config_map_references(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if matches!(
                    key.as_str(),
                    "configMap" | "configMapRef" | "configMapKeyRef"
                ) && let Some(name) = child["name"].as_str()
                {
                    names.push(name.to_owned());
                }
                config_map_references(child, names);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| config_map_references(item, names)),
        _ => {}
    }
}

/// The leading version of an image tag: `16.4` of `16.4-bookworm`, `7.2.5` of `v7.2.5`.
pub fn leading_version(tag: &str) -> Option<String> {
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let end = tag
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(tag.len());
    let version = tag[..end].trim_end_matches('.');
    (version.starts_with(|c: char| c.is_ascii_digit())).then(|| version.to_owned())
}

/// Why a field is not carried: `field` is its key, `list` the list it is an item of, `parent`
/// the key of the map it is in.
fn reason(field: &str, list: Option<&str>, parent: &str) -> &'static str {
    match (list, field) {
        (None, _) if parent == "labels" => "the replacement sets its own labels on its objects",
        (Some("containers"), _) => {
            "another container: the replacement runs its own; add it through its sidecar value, if it has one"
        }
        (Some("initContainers"), _) => {
            "an init container: the replacement prepares its own data directory"
        }
        (Some("env" | "envFrom"), _) => {
            "not mapped: set it through the replacement's environment or configuration values"
        }
        (Some("volumes" | "volumeMounts" | "volumeClaimTemplates"), _) => {
            "not mapped: the replacement mounts its own volumes"
        }
        (Some("ports"), _) => "not a server port: the replacement exposes its own",
        (None, "livenessProbe" | "readinessProbe" | "startupProbe") => {
            "the replacement defines its own probes"
        }
        (None, "command" | "args") => "the replacement starts the server itself",
        (None, "securityContext") => "the replacement sets its own security context",
        _ => NO_MAPPING,
    }
}

/// Lists the leftovers of `value` at `path`: maps at `structural` paths key by key, list items
/// one by one (named after their `name`), anything else whole.
fn walk(value: &Value, path: &str, structural: &[String], leftovers: &mut Vec<Leftover>) {
    walk_field(value, path, "", "", structural, leftovers);
}

fn walk_field(
    value: &Value,
    path: &str,
    last: &str,
    parent: &str,
    structural: &[String],
    leftovers: &mut Vec<Leftover>,
) {
    match value {
        Value::Null => {}
        Value::Object(map) if map.is_empty() => {}
        Value::Array(items) if items.iter().all(Value::is_null) => {}
        Value::Object(map) if structural.iter().any(|s| s == path) => {
            let parent = last;
            for (key, child) in map {
                let child_path = if key.contains('.') {
                    format!("{path}[{key:?}]")
                } else {
                    join(path, key)
                };
                walk_field(child, &child_path, key, parent, structural, leftovers);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate().filter(|(_, item)| !item.is_null()) {
                let name = item["name"]
                    .as_str()
                    .or_else(|| item["metadata"]["name"].as_str())
                    .or_else(|| item["key"].as_str());
                let field = match name {
                    Some(name) => format!("{path}[{i}] ({name})"),
                    None => format!("{path}[{i}]"),
                };
                let reason = match item["configMap"]["name"].as_str() {
                    Some(config_map) => format!(
                        "files of ConfigMap {config_map}: move them to the replacement's configuration values"
                    ),
                    None => reason(last, Some(last), parent).to_owned(),
                };
                leftovers.push(Leftover { field, reason });
            }
        }
        _ => leftovers.push(Leftover {
            field: path.to_owned(),
            reason: reason(last, None, parent).to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;
    use upstream_first_rules::catalog::Catalog;

    use super::*;

    #[rstest]
    #[case::with_a_suffix("16.4-bookworm", Some("16.4"))]
    #[case::with_a_v("v7.2.5", Some("7.2.5"))]
    #[case::trailing_dot("8.", Some("8"))]
    #[case::no_version("latest", None)]
    #[case::alpine_only("alpine", None)]
    fn leading_versions(#[case] tag: &str, #[case] expected: Option<&str>) {
        assert_eq!(leading_version(tag).as_deref(), expected);
    }

    fn postgres_statefulset(replicas: u64) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "pg", "namespace": "shop"},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "pg"}},
                "template": {
                    "metadata": {"labels": {"app": "pg"}},
                    "spec": {"containers": [{
                        "name": "postgres",
                        "image": "postgres:16.4",
                        "ports": [{"name": "pg", "containerPort": 5432}],
                        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                    }]},
                },
                "volumeClaimTemplates": [{
                    "metadata": {"name": "data"},
                    "spec": {"resources": {"requests": {"storage": "8Gi"}}},
                }],
            },
        })
    }

    fn read(object: &Value, bundle: &[Value]) -> Facts {
        let component = Catalog::builtin().get("postgresql").unwrap();
        let subject = Subject {
            object,
            container: "postgres",
            component,
        };
        read_facts(&subject, &MigrationEnv::default(), bundle).unwrap()
    }

    #[rstest]
    #[case::one_replica_is_adopted(1, Some("data-pg-0"))]
    #[case::several_replicas_are_not(3, None)]
    fn claim_templates(#[case] replicas: u64, #[case] adopted: Option<&str>) {
        let facts = read(&postgres_statefulset(replicas), &[]);
        assert_eq!(facts.text(Fact::ExistingClaim), adopted);
        assert_eq!(facts.text(Fact::StorageSize), Some("8Gi"));
        let DataVolume::Template { claims, .. } = &facts.data else {
            panic!("{:?}", facts.data);
        };
        assert_eq!(claims.len(), replicas as usize);
        assert!(facts.leftovers.is_empty(), "{:?}", facts.leftovers);
    }

    #[test]
    fn the_routed_service_names_the_release_and_targets_a_port_by_name() {
        let service = |name: &str, headless: bool| {
            let mut service = json!({
                "kind": "Service",
                "metadata": {"name": name, "namespace": "shop"},
                "spec": {"selector": {"app": "pg"}, "ports": [{"port": 5433, "targetPort": "pg"}]},
            });
            if headless {
                service["spec"]["clusterIP"] = json!("None");
            }
            service
        };
        let bundle = [service("pg-headless", true), service("database", false)];
        let facts = read(&postgres_statefulset(1), &bundle);
        assert_eq!(facts.release_name(), "database");
        assert_eq!(facts.values[&Fact::ServicePort].value, json!(5433));
        let names: Vec<&str> = facts.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["database", "pg-headless"]);
    }

    #[test]
    fn a_literal_password_is_a_leftover_and_its_value_is_nowhere() {
        let mut object = postgres_statefulset(1);
        object["spec"]["template"]["spec"]["containers"][0]["env"] =
            json!([{"name": "POSTGRES_PASSWORD", "value": "hunter2"}]);
        let component = Catalog::builtin().get("postgresql").unwrap();
        let env = MigrationEnv {
            password: vec!["POSTGRES_PASSWORD".into()],
            ..MigrationEnv::default()
        };
        let subject = Subject {
            object: &object,
            container: "postgres",
            component,
        };
        let facts = read_facts(&subject, &env, &[]).unwrap();
        assert_eq!(
            facts.leftovers,
            [Leftover {
                field: "spec.template.spec.containers[0].env[0] (POSTGRES_PASSWORD)".into(),
                reason: LITERAL_PASSWORD.into(),
            }]
        );
        assert!(!format!("{facts:?}").contains("hunter2"));
    }

    #[test]
    fn a_missing_container_is_an_error() {
        let component = Catalog::builtin().get("postgresql").unwrap();
        let object = postgres_statefulset(1);
        let subject = Subject {
            object: &object,
            container: "sidecar",
            component,
        };
        assert_eq!(
            read_facts(&subject, &MigrationEnv::default(), &[]),
            Err("no container named \"sidecar\"".to_owned())
        );
    }
}
