//! The catalog of datastores and applications that have an upstream Helm chart or operator.
//!
//! One data source for every policy: the built-in catalog
//! (`catalog/default-catalog.yaml`, validated and turned into JSON by `build.rs`, embedded,
//! parsed once) extended by settings ([`Catalog::with_additions`]).
//!
//! Image lookups go through an index keyed by the last path segment of each catalog
//! repository, then the whole-segment check of [`ImageReference::matches_repository`]: never
//! a scan over every entry, never a substring match.

mod check;
mod error;
pub mod migration;
mod model;

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use error::*;
pub use model::*;

use crate::image::{ImageReference, last_segment};

/// The default catalog, as compact JSON produced by `build.rs` from
/// `catalog/default-catalog.yaml`.
const BUILTIN_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/default-catalog.json"));

/// The migration blocks of the default catalog (`{id: migration}`), split off by `build.rs`.
const BUILTIN_MIGRATIONS_JSON: &str =
    include_str!(concat!(env!("OUT_DIR"), "/default-migrations.json"));

/// The migration mapping of each built-in component that has one, by id: what `upstream-first
/// migrate` writes in place of a hand-rolled workload. Parsed on first use; the policies never
/// call it, so its data stays out of their modules.
pub fn builtin_migrations() -> &'static BTreeMap<String, migration::Migration> {
    static MIGRATIONS: OnceLock<BTreeMap<String, migration::Migration>> = OnceLock::new();
    MIGRATIONS.get_or_init(|| serde_json::from_str(BUILTIN_MIGRATIONS_JSON).unwrap_or_default())
}

/// The catalog: components in file order, with lookup indexes.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    components: Vec<Component>,
    by_id: BTreeMap<String, usize>,
    /// Last path segment of a catalog repository → (component, image) indexes.
    by_image_name: BTreeMap<String, Vec<(usize, usize)>>,
    /// Tag hint word → components.
    by_tag_hint: BTreeMap<String, Vec<usize>>,
    /// Every client program, sorted, deduplicated.
    clients: Vec<String>,
    /// Every server program, sorted, deduplicated.
    servers: Vec<String>,
}

impl Catalog {
    /// The built-in catalog, parsed on first use.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // build.rs wrote this JSON from the same types after validating it, so it parses;
            // an empty catalog (rather than a trap) is the fallback the tests rule out.
            let components: Vec<Component> = serde_json::from_str(BUILTIN_JSON).unwrap_or_default();
            Catalog::indexed(components)
        })
    }

    /// A catalog of `components`, written in normalised form (see
    /// [`catalog_repository`](crate::image::catalog_repository)), validated like the default
    /// catalog: entries complete, ids unique, each repository in one component.
    pub fn from_components(components: Vec<Component>) -> Result<Catalog, CatalogError> {
        check::check_catalog(SETTINGS_FIELD, &components)?;
        Ok(Catalog::indexed(components))
    }

    /// This catalog extended by settings additions. A patch with a known `id` is merged into
    /// that entry (lists extended, `displayName`, `class` and `replacement` fields replaced);
    /// a new `id` needs `displayName`, `class`, `images` and `replacement`. Repositories may
    /// be written like images (`postgres`, `ghcr.io/org/app`) and are normalised. Errors name
    /// the field: `catalog[0] "foo": new component needs "images"`.
    pub fn with_additions(&self, additions: &[ComponentPatch]) -> Result<Catalog, CatalogError> {
        let mut components = self.components.clone();
        let mut owners: BTreeMap<String, usize> = BTreeMap::new();
        for (c, component) in components.iter().enumerate() {
            for image in &component.images {
                owners.insert(image.clone(), c);
            }
        }
        for (i, patch) in additions.iter().enumerate() {
            let path = format!("{SETTINGS_FIELD}[{i}]");
            let patch = normalise_patch(&path, patch)?;
            let index = match components.iter().position(|c| c.id == patch.id) {
                Some(index) => {
                    merge(&mut components[index], &patch);
                    index
                }
                None => {
                    components.push(new_component(&path, &patch)?);
                    components.len() - 1
                }
            };
            for (j, image) in patch.images.iter().enumerate() {
                match owners.get(image) {
                    Some(&owner) if owner != index => {
                        return Err(check::already_claimed(
                            &format!("{path}.images[{j}]"),
                            image,
                            &components[owner].id,
                        ));
                    }
                    _ => {
                        owners.insert(image.clone(), index);
                    }
                }
            }
            check::check_sources(
                &format!("{path}.sources"),
                &patch.sources,
                &components[index].images,
            )?;
        }
        Ok(Catalog::indexed(components))
    }

    /// Every component, in catalog order.
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// The component with this id.
    pub fn get(&self, id: &str) -> Option<&Component> {
        self.by_id.get(id).map(|&i| &self.components[i])
    }

    /// The datastores, in catalog order.
    pub fn datastores(&self) -> impl Iterator<Item = &Component> {
        self.of_class(ComponentClass::Datastore)
    }

    /// The applications, in catalog order.
    pub fn applications(&self) -> impl Iterator<Item = &Component> {
        self.of_class(ComponentClass::Application)
    }

    /// The components of one class, in catalog order.
    pub fn of_class(&self, class: ComponentClass) -> impl Iterator<Item = &Component> {
        self.components.iter().filter(move |c| c.class == class)
    }

    /// The component whose image repository `image` is, whatever registry or mirror serves
    /// it. When several catalog repositories match (`library/postgres` and a longer
    /// `docker/library/postgres` added in settings) the most specific one wins.
    pub fn component_for_image(&self, image: &ImageReference) -> Option<&Component> {
        self.image_match(image).map(|(component, _)| component)
    }

    /// The component and the catalog repository `image` matched.
    pub fn image_match(&self, image: &ImageReference) -> Option<(&Component, &str)> {
        self.by_image_name
            .get(image.name())?
            .iter()
            .map(|&(c, i)| (&self.components[c], self.components[c].images[i].as_str()))
            .filter(|(_, repository)| image.matches_repository(repository))
            .reduce(|best, next| {
                if next.1.len() > best.1.len() {
                    next
                } else {
                    best
                }
            })
    }

    /// Components with a catalog repository whose last path segment is `name`
    /// (`valkey` for `valkey/valkey`), in file order, each once.
    pub fn components_with_image_name<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = &'a Component> + use<'a> {
        let mut found: Vec<usize> = self
            .by_image_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(component, _)| component)
            .collect();
        found.dedup();
        found.into_iter().map(|i| &self.components[i])
    }

    /// Components whose operators include `kind` in API group `group`; `None` matches by
    /// kind alone (an owner reference without `apiVersion`).
    pub fn components_with_operator<'a>(
        &'a self,
        group: Option<&'a str>,
        kind: &'a str,
    ) -> impl Iterator<Item = &'a Component> + 'a {
        self.components
            .iter()
            .filter(move |c| c.has_operator(group, kind))
    }

    /// Components whose tag hints appear among the words of `image`'s tag
    /// (`…/demo:2.1.3-kafka` hints Kafka).
    pub fn components_hinted_by_tag<'a>(
        &'a self,
        image: &ImageReference,
    ) -> impl Iterator<Item = &'a Component> + use<'a> {
        let mut hinted: Vec<usize> = image
            .tag_words()
            .filter_map(|word| self.by_tag_hint.get(&word.to_ascii_lowercase()))
            .flatten()
            .copied()
            .collect();
        hinted.sort_unstable();
        hinted.dedup();
        hinted.into_iter().map(|i| &self.components[i])
    }

    /// Components that list `port` among their server ports.
    pub fn components_with_port(&self, port: u16) -> impl Iterator<Item = &Component> {
        self.components
            .iter()
            .filter(move |c| c.signals.ports.contains(&port))
    }

    /// Every client program (`psql`, `kafka-topics.sh`, `cockroach sql`), sorted.
    pub fn clients(&self) -> &[String] {
        &self.clients
    }

    /// Whether `program` (a path or a bare name) is a one-word client program (`psql`,
    /// `/usr/bin/redis-cli`). Two-word clients (`cockroach sql`) need
    /// [`is_client_command`](Self::is_client_command).
    pub fn is_client(&self, program: &str) -> bool {
        self.clients
            .binary_search_by(|c| c.as_str().cmp(last_segment(program)))
            .is_ok()
    }

    /// Whether a command line (`argv`) runs a client: its program is a one-word client, or
    /// its program and first argument are a two-word one (`cockroach sql --execute …`).
    pub fn is_client_command<S: AsRef<str>>(&self, argv: &[S]) -> bool {
        starts_program(&self.clients, argv)
    }

    /// Every server program (`postgres`, `redis-server`, `minio server`), sorted.
    pub fn servers(&self) -> &[String] {
        &self.servers
    }

    /// Whether a command line (`argv`) starts a server: its program is a one-word server
    /// program (`/usr/local/bin/redis-server`), or its program and first argument are a
    /// two-word one (`cockroach start …`, `minio server /data`).
    pub fn is_server_command<S: AsRef<str>>(&self, argv: &[S]) -> bool {
        starts_program(&self.servers, argv)
    }

    /// The component a client program belongs to (`psql` → PostgreSQL).
    pub fn component_for_client(&self, program: &str) -> Option<&Component> {
        let program = last_segment(program);
        self.components
            .iter()
            .find(|c| c.signals.clients.iter().any(|client| client == program))
    }

    fn indexed(components: Vec<Component>) -> Catalog {
        let mut catalog = Catalog {
            components,
            ..Catalog::default()
        };
        let mut clients = Vec::new();
        let mut servers = Vec::new();
        for (c, component) in catalog.components.iter().enumerate() {
            catalog.by_id.entry(component.id.clone()).or_insert(c);
            for (i, image) in component.images.iter().enumerate() {
                catalog
                    .by_image_name
                    .entry(last_segment(image).to_string())
                    .or_default()
                    .push((c, i));
            }
            for hint in &component.signals.tag_hints {
                catalog.by_tag_hint.entry(hint.clone()).or_default().push(c);
            }
            clients.extend(component.signals.clients.iter().cloned());
            servers.extend(component.signals.servers.iter().cloned());
        }
        clients.sort();
        clients.dedup();
        catalog.clients = clients;
        servers.sort();
        servers.dedup();
        catalog.servers = servers;
        catalog
    }
}

/// Whether `argv` runs one of `programs` (sorted): its program's last path segment is a
/// one-word entry, or that segment and the first argument are a two-word one.
fn starts_program<S: AsRef<str>>(programs: &[String], argv: &[S]) -> bool {
    let Some(program) = argv.first().map(|p| last_segment(p.as_ref())) else {
        return false;
    };
    if programs
        .binary_search_by(|p| p.as_str().cmp(program))
        .is_ok()
    {
        return true;
    }
    argv.get(1).is_some_and(|subcommand| {
        let two_words = format!("{program} {}", subcommand.as_ref());
        programs.binary_search(&two_words).is_ok()
    })
}

impl Component {
    /// Whether this component's operators include `kind` in `group` (`None`: any group).
    pub fn has_operator(&self, group: Option<&str>, kind: &str) -> bool {
        self.sources
            .operators
            .iter()
            .any(|o| o.kind == kind && group.is_none_or(|g| g == o.group))
    }

    /// The chart source called `chart_name` that runs `image`, if any.
    pub fn chart_source(&self, chart_name: &str, image: &ImageReference) -> Option<&ChartSource> {
        self.sources.charts.iter().find(|chart| {
            chart.name == chart_name
                && chart
                    .images
                    .iter()
                    .any(|repo| image.matches_repository(repo))
        })
    }

    /// Whether `part_of` (an `app.kubernetes.io/part-of` value) is one of its bundles.
    pub fn has_bundle(&self, part_of: &str) -> bool {
        self.sources.bundles.iter().any(|b| b == part_of)
    }

    /// Whether `image` is one of this component's repositories.
    pub fn runs_image(&self, image: &ImageReference) -> bool {
        self.images
            .iter()
            .any(|repo| image.matches_repository(repo))
    }
}

/// The patch with its repositories normalised and its fields checked; errors name the
/// patch's own fields.
fn normalise_patch(path: &str, patch: &ComponentPatch) -> Result<ComponentPatch, CatalogError> {
    check::check_id(&format!("{path}.id"), &patch.id)?;
    let mut patch = patch.clone();
    if let Some(name) = &patch.display_name {
        check::check_text(&format!("{path}.displayName"), name)?;
    }
    for (j, image) in patch.images.iter_mut().enumerate() {
        *image = check::normalise_repository(&format!("{path}.images[{j}]"), image)?;
    }
    for (k, chart) in patch.sources.charts.iter_mut().enumerate() {
        for (j, image) in chart.images.iter_mut().enumerate() {
            let image_path = format!("{path}.sources.charts[{k}].images[{j}]");
            *image = check::normalise_repository(&image_path, image)?;
        }
    }
    check::check_signals(&format!("{path}.signals"), &patch.signals)?;
    if let Some(replacement) = &patch.replacement {
        if let Some(summary) = &replacement.summary {
            check::check_text(&format!("{path}.replacement.summary"), summary)?;
        }
        if let Some(url) = &replacement.url {
            check::check_url(&format!("{path}.replacement.url"), url)?;
        }
    }
    Ok(patch)
}

/// A new component from a patch that has every required field.
fn new_component(path: &str, patch: &ComponentPatch) -> Result<Component, CatalogError> {
    let needs = |field: &str| {
        CatalogError::new(
            format!("{path} \"{}\"", patch.id),
            format!("{NEW_COMPONENT_NEEDS} \"{field}\""),
        )
    };
    let display_name = patch
        .display_name
        .clone()
        .ok_or_else(|| needs("displayName"))?;
    let class = patch.class.ok_or_else(|| needs("class"))?;
    if patch.images.is_empty() {
        return Err(needs("images"));
    }
    let replacement = patch
        .replacement
        .as_ref()
        .ok_or_else(|| needs("replacement"))?;
    let summary = replacement
        .summary
        .clone()
        .ok_or_else(|| needs("replacement.summary"))?;
    let url = replacement
        .url
        .clone()
        .ok_or_else(|| needs("replacement.url"))?;
    let mut component = Component {
        id: patch.id.clone(),
        display_name,
        class,
        images: Vec::new(),
        sources: Sources::default(),
        signals: Signals::default(),
        replacement: Replacement { summary, url },
    };
    merge(&mut component, patch);
    Ok(component)
}

/// Merges `patch` into `component`: lists extended without duplicates (a chart source with
/// the same name and repository gains the patch's images), scalars replaced.
fn merge(component: &mut Component, patch: &ComponentPatch) {
    if let Some(name) = &patch.display_name {
        component.display_name.clone_from(name);
    }
    if let Some(class) = patch.class {
        component.class = class;
    }
    if let Some(replacement) = &patch.replacement {
        if let Some(summary) = &replacement.summary {
            component.replacement.summary.clone_from(summary);
        }
        if let Some(url) = &replacement.url {
            component.replacement.url.clone_from(url);
        }
    }
    extend(&mut component.images, &patch.images);
    for chart in &patch.sources.charts {
        match component
            .sources
            .charts
            .iter_mut()
            .find(|c| c.name == chart.name && c.repository == chart.repository)
        {
            Some(existing) => extend(&mut existing.images, &chart.images),
            None => component.sources.charts.push(chart.clone()),
        }
    }
    extend(&mut component.sources.operators, &patch.sources.operators);
    extend(&mut component.sources.bundles, &patch.sources.bundles);
    let (signals, added) = (&mut component.signals, &patch.signals);
    extend(&mut signals.ports, &added.ports);
    extend(&mut signals.data_paths, &added.data_paths);
    extend(&mut signals.server_env, &added.server_env);
    extend(&mut signals.tag_hints, &added.tag_hints);
    extend(&mut signals.clients, &added.clients);
    extend(&mut signals.servers, &added.servers);
}

fn extend<T: Clone + PartialEq>(list: &mut Vec<T>, added: &[T]) {
    for item in added {
        if !list.contains(item) {
            list.push(item.clone());
        }
    }
}

#[cfg(test)]
mod tests;
