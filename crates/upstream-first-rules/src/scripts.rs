//! The Kubernetes side of no-sql-mutating-jobs: which files a container sees through its
//! ConfigMap volumes, ConfigMaps read through the host (each at most once per check), and
//! whether a Job is an Argo CD or Helm hook. Reading the scripts themselves is the
//! `job-scripts` crate's business.
//!
//! A path is looked up the way the kubelet lays volumes out: the longest `mountPath` that
//! contains it, then the mount's `subPath`, then the volume's `items` (key to path) or, without
//! items, one file per key. Projected volumes are read through their ConfigMap sources. Secrets,
//! and every other volume type, are never read: a path on them is [`FileContent::Unreadable`].

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use kubewarden_policy_sdk::host_capabilities::kubernetes::{GetResourceRequest, get_resource};
use serde_json::Value;

use crate::podspec::{ConfigMapVolumeSource, Container, Volume, VolumeMount};

/// Argo CD's hook annotation (`PreSync`, `Sync`, `PostSync`, `SyncFail`, `PostDelete`, `Skip`).
pub const ARGOCD_HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";
/// Helm's hook annotation (`pre-install`, `post-upgrade`, …, comma-separated).
pub const HELM_HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const CONFIG_MAP_API_VERSION: &str = "v1";
pub const CONFIG_MAP_KIND: &str = "ConfigMap";
/// The host capability used to read ConfigMaps (declared in the policy's `metadata.yml`).
pub const GET_RESOURCE_CAPABILITY: &str = "kubernetes/get_resource";
/// What is read of a ConfigMap: the host always returns its metadata too.
pub const CONFIG_MAP_FIELD_MASKS: [&str; 2] = ["data", "binaryData"];
/// Why a ConfigMap of an object without a namespace cannot be read.
pub const NO_NAMESPACE: &str = "the request names no namespace";

/// Names the deploy hooks an object is, from its annotations: `Argo CD PostSync hook`,
/// `Helm pre-install, pre-upgrade hook`, both joined by ` and ` when both tools annotate it.
/// `None` when it is no hook.
pub fn describe_hooks(annotations: &BTreeMap<String, String>) -> Option<String> {
    let hooks: Vec<String> = [
        (ARGOCD_HOOK_ANNOTATION, "Argo CD"),
        (HELM_HOOK_ANNOTATION, "Helm"),
    ]
    .into_iter()
    .filter_map(|(annotation, tool)| {
        let phases: Vec<&str> = annotations
            .get(annotation)?
            .split(',')
            .map(str::trim)
            .filter(|phase| !phase.is_empty())
            .collect();
        (!phases.is_empty()).then(|| format!("{tool} {} hook", phases.join(", ")))
    })
    .collect();
    (!hooks.is_empty()).then(|| hooks.join(" and "))
}

/// The files of a ConfigMap: the text of its `data` keys, and its `binaryData` keys (whose
/// content is not read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigMapFiles {
    pub data: BTreeMap<String, String>,
    pub binary_keys: BTreeSet<String>,
}

impl ConfigMapFiles {
    /// Reads a ConfigMap object; a `data` value that is not a string is an error.
    pub fn from_object(object: &Value) -> Result<Self, String> {
        let mut files = ConfigMapFiles::default();
        if let Some(data) = object.get("data").filter(|d| !d.is_null()) {
            let data = data.as_object().ok_or("data: expected a map")?;
            // A `null` value is an absent key, as the API server reads it.
            for (key, value) in data.iter().filter(|(_, value)| !value.is_null()) {
                let text = value
                    .as_str()
                    .ok_or_else(|| format!("data.{key}: expected a string"))?;
                files.data.insert(key.clone(), text.to_owned());
            }
        }
        if let Some(binary) = object.get("binaryData").and_then(Value::as_object) {
            files.binary_keys.extend(binary.keys().cloned());
        }
        Ok(files)
    }

    fn keys(&self) -> impl Iterator<Item = &String> {
        self.data.keys().chain(&self.binary_keys)
    }
}

/// Where ConfigMaps come from. `Err` says why one cannot be read (not found, access refused…).
pub trait ConfigMapSource {
    fn fetch(&self, name: &str) -> Result<ConfigMapFiles, String>;
}

/// ConfigMaps given up front (a bundle of manifests, tests); any other is not found.
impl ConfigMapSource for BTreeMap<String, ConfigMapFiles> {
    fn fetch(&self, name: &str) -> Result<ConfigMapFiles, String> {
        self.get(name)
            .cloned()
            .ok_or_else(|| format!("ConfigMap {name} not found"))
    }
}

/// The ConfigMaps of one namespace, read through the host's `kubernetes/get_resource`.
pub struct HostConfigMaps {
    namespace: String,
}

impl HostConfigMaps {
    pub fn new(namespace: &str) -> Self {
        HostConfigMaps {
            namespace: namespace.to_owned(),
        }
    }

    /// The host request for ConfigMap `name`, masked to its data.
    pub fn request(&self, name: &str) -> GetResourceRequest {
        GetResourceRequest {
            api_version: CONFIG_MAP_API_VERSION.to_owned(),
            kind: CONFIG_MAP_KIND.to_owned(),
            name: name.to_owned(),
            namespace: Some(self.namespace.clone()),
            disable_cache: false,
            field_masks: Some(
                CONFIG_MAP_FIELD_MASKS
                    .iter()
                    .map(|m| (*m).to_owned())
                    .collect(),
            ),
        }
    }
}

impl ConfigMapSource for HostConfigMaps {
    fn fetch(&self, name: &str) -> Result<ConfigMapFiles, String> {
        if self.namespace.is_empty() {
            return Err(NO_NAMESPACE.to_owned());
        }
        let object: Value = get_resource(&self.request(name)).map_err(|e| e.to_string())?;
        ConfigMapFiles::from_object(&object)
    }
}

/// A [`ConfigMapSource`] asked at most once per name; remembers the failures.
pub struct ConfigMaps<'s> {
    source: &'s dyn ConfigMapSource,
    cache: RefCell<BTreeMap<String, Result<Rc<ConfigMapFiles>, String>>>,
}

impl<'s> ConfigMaps<'s> {
    pub fn new(source: &'s dyn ConfigMapSource) -> Self {
        ConfigMaps {
            source,
            cache: RefCell::default(),
        }
    }

    pub fn get(&self, name: &str) -> Result<Rc<ConfigMapFiles>, String> {
        if let Some(cached) = self.cache.borrow().get(name) {
            return cached.clone();
        }
        let fetched = self.source.fetch(name).map(Rc::new);
        self.cache
            .borrow_mut()
            .insert(name.to_owned(), fetched.clone());
        fetched
    }

    /// The ConfigMaps that were asked for and could not be read, with the reason, by name.
    pub fn failures(&self) -> Vec<(String, String)> {
        self.cache
            .borrow()
            .iter()
            .filter_map(|(name, result)| result.as_ref().err().map(|e| (name.clone(), e.clone())))
            .collect()
    }
}

/// What a container finds at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    /// A ConfigMap key's text.
    Text(String),
    /// No mounted volume provides it: the file is the image's, or does not exist.
    Missing,
    /// A volume whose content cannot be read provides (or may provide) it: a Secret, a
    /// ConfigMap that cannot be fetched or whose key is binary, any other volume type.
    Unreadable,
}

/// The files one container sees through its volume mounts.
pub struct ContainerFiles<'a> {
    /// Longest mount path first, so the innermost mount wins.
    mounts: Vec<&'a VolumeMount>,
    volumes: &'a [Volume],
    config_maps: &'a ConfigMaps<'a>,
}

/// Inside a ConfigMap volume (or source): the file, no such file, or unknown.
enum Lookup {
    Found(String),
    Absent,
    Unknown,
}

impl<'a> ContainerFiles<'a> {
    pub fn new(
        container: &'a Container,
        volumes: &'a [Volume],
        config_maps: &'a ConfigMaps<'a>,
    ) -> Self {
        let mut mounts: Vec<&VolumeMount> = container.volume_mounts.iter().collect();
        mounts.sort_by_key(|m| std::cmp::Reverse(mount_path(m).len()));
        ContainerFiles {
            mounts,
            volumes,
            config_maps,
        }
    }

    /// The file at an absolute, normalised path.
    pub fn read(&self, path: &str) -> FileContent {
        let Some((volume, volume_path)) = self.locate(path) else {
            return FileContent::Missing;
        };
        let Some(volume_path) = volume_path else {
            return FileContent::Unreadable;
        };
        let lookup = match volume {
            Some(Volume {
                config_map: Some(source),
                ..
            }) => self.config_map_file(source, &volume_path),
            Some(Volume {
                projected: Some(projected),
                ..
            }) => {
                let mut unknown = false;
                let mut found = None;
                for projection in &projected.sources {
                    match &projection.config_map {
                        Some(source) => match self.config_map_file(source, &volume_path) {
                            Lookup::Found(text) => {
                                found = Some(text);
                                break;
                            }
                            Lookup::Absent => {}
                            Lookup::Unknown => unknown = true,
                        },
                        // A Secret, downward API or token source may provide any path.
                        None => unknown = true,
                    }
                }
                match found {
                    Some(text) => Lookup::Found(text),
                    None if unknown => Lookup::Unknown,
                    None => Lookup::Absent,
                }
            }
            _ => Lookup::Unknown,
        };
        match lookup {
            Lookup::Found(text) => FileContent::Text(text),
            Lookup::Absent => FileContent::Missing,
            Lookup::Unknown => FileContent::Unreadable,
        }
    }

    /// The files directly in an absolute, normalised directory, as absolute paths; `None` when
    /// they cannot be known (a directory of the image, a Secret volume…).
    pub fn list(&self, dir: &str) -> Option<Vec<String>> {
        let dir = dir.trim_end_matches('/');
        let (volume, volume_dir) = self.locate(dir)?;
        let volume_dir = volume_dir?;
        let mut names: BTreeSet<String> = match volume? {
            Volume {
                config_map: Some(source),
                ..
            } => self.config_map_names(source, &volume_dir)?,
            Volume {
                projected: Some(projected),
                ..
            } => {
                let mut names = BTreeSet::new();
                for projection in &projected.sources {
                    names.extend(
                        self.config_map_names(projection.config_map.as_ref()?, &volume_dir)?,
                    );
                }
                names
            }
            _ => return None,
        };
        // Mounts nested right inside the directory add an entry each.
        names.extend(self.mounts.iter().filter_map(|m| {
            let (parent, name) = mount_path(m).rsplit_once('/')?;
            (parent == dir && !name.is_empty()).then(|| name.to_owned())
        }));
        Some(
            names
                .into_iter()
                .map(|name| format!("{dir}/{name}"))
                .collect(),
        )
    }

    /// The volume that holds `path` (`None` inside it when the pod names no such volume) and
    /// the path inside that volume (`None` when a `subPathExpr` hides it). `None` when no
    /// mount contains the path.
    #[allow(clippy::type_complexity)]
    fn locate(&self, path: &str) -> Option<(Option<&'a Volume>, Option<String>)> {
        let (mount, rest) = self.mounts.iter().find_map(|m| {
            let mount_path = mount_path(m);
            let rest = if mount_path.is_empty() {
                path.strip_prefix('/')
            } else {
                path.strip_prefix(mount_path).and_then(|r| {
                    if r.is_empty() {
                        Some(r)
                    } else {
                        r.strip_prefix('/')
                    }
                })
            };
            rest.map(|rest| (*m, rest))
        })?;
        let volume = self.volumes.iter().find(|v| v.name == mount.name);
        if mount
            .sub_path_expr
            .as_deref()
            .is_some_and(|e| !e.is_empty())
        {
            return Some((volume, None));
        }
        let sub_path = mount.sub_path.as_deref().unwrap_or("").trim_matches('/');
        let inside = match (sub_path.is_empty(), rest.is_empty()) {
            (true, _) => rest.to_owned(),
            (false, true) => sub_path.to_owned(),
            (false, false) => format!("{sub_path}/{rest}"),
        };
        Some((volume, Some(inside)))
    }

    fn config_map_file(&self, source: &ConfigMapVolumeSource, volume_path: &str) -> Lookup {
        let key = if source.items.is_empty() {
            if volume_path.is_empty() || volume_path.contains('/') {
                return Lookup::Absent;
            }
            volume_path
        } else {
            match source
                .items
                .iter()
                .find(|item| item.path.trim_matches('/') == volume_path)
            {
                Some(item) => item.key.as_str(),
                None => return Lookup::Absent,
            }
        };
        match self.config_maps.get(&source.name) {
            Ok(files) => match files.data.get(key) {
                Some(text) => Lookup::Found(text.clone()),
                None if files.binary_keys.contains(key) => Lookup::Unknown,
                None => Lookup::Absent,
            },
            Err(_) => Lookup::Unknown,
        }
    }

    fn config_map_names(
        &self,
        source: &ConfigMapVolumeSource,
        volume_dir: &str,
    ) -> Option<BTreeSet<String>> {
        if source.items.is_empty() {
            if !volume_dir.is_empty() {
                return Some(BTreeSet::new());
            }
            let files = self.config_maps.get(&source.name).ok()?;
            return Some(files.keys().cloned().collect());
        }
        Some(
            source
                .items
                .iter()
                .filter_map(|item| {
                    let path = item.path.trim_matches('/');
                    let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
                    (parent == volume_dir).then(|| name.to_owned())
                })
                .collect(),
        )
    }
}

/// A mount path without its trailing `/` (`/` itself becomes empty).
fn mount_path(mount: &VolumeMount) -> &str {
    mount.mount_path.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn container(mounts: Value) -> Container {
        serde_json::from_value(json!({"name": "c", "volumeMounts": mounts})).unwrap()
    }

    fn volumes(volumes: Value) -> Vec<Volume> {
        serde_json::from_value(volumes).unwrap()
    }

    fn source() -> BTreeMap<String, ConfigMapFiles> {
        let scripts = ConfigMapFiles::from_object(&json!({
            "data": {"init.sh": "psql -f /sql/a.sql", "a.sql": "SELECT 1;"},
            "binaryData": {"dump.gz": "H4sI"}
        }))
        .unwrap();
        let sql = ConfigMapFiles::from_object(
            &json!({"data": {"seed.sql": "INSERT INTO t VALUES (1);"}}),
        )
        .unwrap();
        BTreeMap::from([("scripts".to_owned(), scripts), ("sql".to_owned(), sql)])
    }

    fn read(mounts: Value, pod_volumes: Value, path: &str) -> FileContent {
        let source = source();
        let config_maps = ConfigMaps::new(&source);
        let container = container(mounts);
        let pod_volumes = volumes(pod_volumes);
        ContainerFiles::new(&container, &pod_volumes, &config_maps).read(path)
    }

    fn text(s: &str) -> FileContent {
        FileContent::Text(s.to_owned())
    }

    #[rstest]
    #[case::key(json!([{"name": "s", "mountPath": "/scripts"}]), json!([{"name": "s", "configMap": {"name": "scripts"}}]), "/scripts/init.sh", text("psql -f /sql/a.sql"))]
    #[case::trailing_slash(json!([{"name": "s", "mountPath": "/scripts/"}]), json!([{"name": "s", "configMap": {"name": "scripts"}}]), "/scripts/a.sql", text("SELECT 1;"))]
    #[case::absent_key(json!([{"name": "s", "mountPath": "/scripts"}]), json!([{"name": "s", "configMap": {"name": "scripts"}}]), "/scripts/nope.sh", FileContent::Missing)]
    #[case::binary_key(json!([{"name": "s", "mountPath": "/scripts"}]), json!([{"name": "s", "configMap": {"name": "scripts"}}]), "/scripts/dump.gz", FileContent::Unreadable)]
    #[case::not_mounted(json!([{"name": "s", "mountPath": "/scripts"}]), json!([{"name": "s", "configMap": {"name": "scripts"}}]), "/usr/bin/run.sh", FileContent::Missing)]
    #[case::look_alike_prefix(json!([{"name": "s", "mountPath": "/scripts"}]), json!([{"name": "s", "configMap": {"name": "scripts"}}]), "/scripts2/init.sh", FileContent::Missing)]
    #[case::items(json!([{"name": "s", "mountPath": "/opt"}]), json!([{"name": "s", "configMap": {"name": "scripts", "items": [{"key": "init.sh", "path": "bin/run.sh"}]}}]), "/opt/bin/run.sh", text("psql -f /sql/a.sql"))]
    #[case::items_hide_other_keys(json!([{"name": "s", "mountPath": "/opt"}]), json!([{"name": "s", "configMap": {"name": "scripts", "items": [{"key": "init.sh", "path": "run.sh"}]}}]), "/opt/a.sql", FileContent::Missing)]
    #[case::sub_path_file(json!([{"name": "s", "mountPath": "/docker-entrypoint-initdb.d/seed.sql", "subPath": "seed.sql"}]), json!([{"name": "s", "configMap": {"name": "sql"}}]), "/docker-entrypoint-initdb.d/seed.sql", text("INSERT INTO t VALUES (1);"))]
    #[case::sub_path_dir(json!([{"name": "s", "mountPath": "/opt/x", "subPath": "bin"}]), json!([{"name": "s", "configMap": {"name": "scripts", "items": [{"key": "a.sql", "path": "bin/a.sql"}]}}]), "/opt/x/a.sql", text("SELECT 1;"))]
    #[case::sub_path_expr(json!([{"name": "s", "mountPath": "/opt", "subPathExpr": "$(POD)"}]), json!([{"name": "s", "configMap": {"name": "scripts"}}]), "/opt/init.sh", FileContent::Unreadable)]
    #[case::innermost_mount(json!([{"name": "s", "mountPath": "/work"}, {"name": "q", "mountPath": "/work/sql"}]), json!([{"name": "s", "emptyDir": {}}, {"name": "q", "configMap": {"name": "sql"}}]), "/work/sql/seed.sql", text("INSERT INTO t VALUES (1);"))]
    #[case::secret(json!([{"name": "s", "mountPath": "/secret"}]), json!([{"name": "s", "secret": {"secretName": "scripts"}}]), "/secret/init.sh", FileContent::Unreadable)]
    #[case::empty_dir(json!([{"name": "s", "mountPath": "/work"}]), json!([{"name": "s", "emptyDir": {}}]), "/work/init.sh", FileContent::Unreadable)]
    #[case::missing_config_map(json!([{"name": "s", "mountPath": "/scripts"}]), json!([{"name": "s", "configMap": {"name": "gone"}}]), "/scripts/init.sh", FileContent::Unreadable)]
    #[case::undeclared_volume(json!([{"name": "s", "mountPath": "/scripts"}]), json!([]), "/scripts/init.sh", FileContent::Unreadable)]
    #[case::projected(json!([{"name": "p", "mountPath": "/p"}]), json!([{"name": "p", "projected": {"sources": [{"configMap": {"name": "sql"}}, {"configMap": {"name": "scripts", "items": [{"key": "init.sh", "path": "init.sh"}]}}]}}]), "/p/init.sh", text("psql -f /sql/a.sql"))]
    #[case::projected_absent(json!([{"name": "p", "mountPath": "/p"}]), json!([{"name": "p", "projected": {"sources": [{"configMap": {"name": "sql"}}]}}]), "/p/init.sh", FileContent::Missing)]
    #[case::projected_with_secret(json!([{"name": "p", "mountPath": "/p"}]), json!([{"name": "p", "projected": {"sources": [{"configMap": {"name": "sql"}}, {"secret": {"name": "creds"}}]}}]), "/p/init.sh", FileContent::Unreadable)]
    #[case::projected_found_beside_secret(json!([{"name": "p", "mountPath": "/p"}]), json!([{"name": "p", "projected": {"sources": [{"secret": {"name": "creds"}}, {"configMap": {"name": "sql"}}]}}]), "/p/seed.sql", text("INSERT INTO t VALUES (1);"))]
    fn reads_files(
        #[case] mounts: Value,
        #[case] pod_volumes: Value,
        #[case] path: &str,
        #[case] expected: FileContent,
    ) {
        assert_eq!(read(mounts, pod_volumes, path), expected);
    }

    #[rstest]
    #[case::whole_config_map(json!([{"name": "s", "mountPath": "/scripts"}]), json!([{"name": "s", "configMap": {"name": "scripts"}}]), "/scripts", Some(vec!["/scripts/a.sql", "/scripts/dump.gz", "/scripts/init.sh"]))]
    #[case::items(json!([{"name": "s", "mountPath": "/opt"}]), json!([{"name": "s", "configMap": {"name": "scripts", "items": [{"key": "a.sql", "path": "a.sql"}, {"key": "init.sh", "path": "bin/init.sh"}]}}]), "/opt", Some(vec!["/opt/a.sql"]))]
    #[case::items_subdir(json!([{"name": "s", "mountPath": "/opt"}]), json!([{"name": "s", "configMap": {"name": "scripts", "items": [{"key": "init.sh", "path": "bin/init.sh"}]}}]), "/opt/bin", Some(vec!["/opt/bin/init.sh"]))]
    #[case::nested_mount(json!([{"name": "s", "mountPath": "/scripts"}, {"name": "q", "mountPath": "/scripts/seed.sql", "subPath": "seed.sql"}]), json!([{"name": "s", "configMap": {"name": "scripts", "items": [{"key": "a.sql", "path": "a.sql"}]}}, {"name": "q", "configMap": {"name": "sql"}}]), "/scripts", Some(vec!["/scripts/a.sql", "/scripts/seed.sql"]))]
    #[case::image_dir(json!([{"name": "s", "mountPath": "/scripts"}]), json!([{"name": "s", "configMap": {"name": "scripts"}}]), "/usr/share", None)]
    #[case::secret(json!([{"name": "s", "mountPath": "/secret"}]), json!([{"name": "s", "secret": {"secretName": "x"}}]), "/secret", None)]
    #[case::missing_config_map(json!([{"name": "s", "mountPath": "/scripts"}]), json!([{"name": "s", "configMap": {"name": "gone"}}]), "/scripts", None)]
    fn lists_directories(
        #[case] mounts: Value,
        #[case] pod_volumes: Value,
        #[case] dir: &str,
        #[case] expected: Option<Vec<&str>>,
    ) {
        let source = source();
        let config_maps = ConfigMaps::new(&source);
        let container = container(mounts);
        let pod_volumes = volumes(pod_volumes);
        let files = ContainerFiles::new(&container, &pod_volumes, &config_maps);
        let expected = expected.map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>());
        assert_eq!(files.list(dir), expected);
    }

    /// Counts fetches, to prove each ConfigMap is asked for once.
    struct Counting(RefCell<Vec<String>>);

    impl ConfigMapSource for Counting {
        fn fetch(&self, name: &str) -> Result<ConfigMapFiles, String> {
            self.0.borrow_mut().push(name.to_owned());
            source().fetch(name)
        }
    }

    #[test]
    fn config_maps_are_fetched_once_and_failures_remembered() {
        let counting = Counting(RefCell::default());
        let config_maps = ConfigMaps::new(&counting);
        for name in ["scripts", "scripts", "gone", "gone"] {
            let _ = config_maps.get(name);
        }
        assert_eq!(*counting.0.borrow(), ["scripts", "gone"]);
        assert_eq!(
            config_maps.failures(),
            [("gone".to_owned(), "ConfigMap gone not found".to_owned())]
        );
    }

    #[rstest]
    #[case(json!({"data": {"a": 1}}), "data.a: expected a string")]
    #[case(json!({"data": []}), "data: expected a map")]
    fn malformed_config_maps_are_errors(#[case] object: Value, #[case] message: &str) {
        assert_eq!(ConfigMapFiles::from_object(&object).unwrap_err(), message);
    }

    #[rstest]
    #[case(json!({}), None)]
    #[case(json!({"argocd.argoproj.io/hook": "PostSync"}), Some("Argo CD PostSync hook"))]
    #[case(json!({"argocd.argoproj.io/hook": "PreSync,PostSync"}), Some("Argo CD PreSync, PostSync hook"))]
    #[case(json!({"helm.sh/hook": "pre-install, pre-upgrade", "helm.sh/hook-weight": "1"}), Some("Helm pre-install, pre-upgrade hook"))]
    #[case(json!({"argocd.argoproj.io/hook": "Sync", "helm.sh/hook": "post-install"}), Some("Argo CD Sync hook and Helm post-install hook"))]
    #[case(json!({"helm.sh/hook": " "}), None)]
    fn hooks(#[case] annotations: Value, #[case] expected: Option<&str>) {
        let annotations: BTreeMap<String, String> = serde_json::from_value(annotations).unwrap();
        assert_eq!(describe_hooks(&annotations).as_deref(), expected);
    }
}
