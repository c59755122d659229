//! Validates `catalog/default-catalog.yaml` and writes it as compact JSON to
//! `$OUT_DIR/default-catalog.json`, which the library embeds: the policies parse JSON (small,
//! fast) and never carry a YAML parser. Each component's `migration:` block goes to
//! `$OUT_DIR/default-migrations.json` instead (`{id: migration}`): only `migrate` reads it.
//!
//! The validation is the library's own: the catalog types, errors and checks (and the image
//! reference parser they use) are compiled in here from `src/`.

use std::path::Path;
use std::{env, fs, process};

#[allow(dead_code)]
#[path = "src/image.rs"]
mod image;

#[allow(dead_code)]
#[path = "src/catalog/model.rs"]
mod model;

#[allow(dead_code)]
#[path = "src/catalog/error.rs"]
mod error;

#[allow(dead_code)]
#[path = "src/catalog/check.rs"]
mod check;

#[allow(dead_code)]
#[path = "src/catalog/migration.rs"]
mod migration;

use std::collections::BTreeMap;

use error::*;
use migration::{Migration, check_migration};
use model::*;

const CATALOG: &str = "catalog/default-catalog.yaml";

fn main() {
    for input in [
        CATALOG,
        "src/image.rs",
        "src/catalog/model.rs",
        "src/catalog/error.rs",
        "src/catalog/check.rs",
        "src/catalog/migration.rs",
    ] {
        println!("cargo::rerun-if-changed={input}");
    }
    if let Err(message) = run() {
        eprintln!("error: {CATALOG}: {message}");
        process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let yaml = fs::read_to_string(CATALOG).map_err(|e| e.to_string())?;
    let mut raw: serde_json::Value = serde_yaml_ng::from_str(&yaml).map_err(|e| e.to_string())?;
    let mut migrations = BTreeMap::new();
    for component in raw["components"].as_array_mut().into_iter().flatten() {
        let id = component["id"].as_str().unwrap_or_default().to_string();
        let Some(block) = component
            .as_object_mut()
            .and_then(|c| c.remove("migration"))
        else {
            continue;
        };
        let at = format!("{BUILTIN_FIELD} {id:?} migration");
        let migration: Migration =
            serde_json::from_value(block).map_err(|e| format!("{at}: {e}"))?;
        check_migration(&migration).map_err(|e| format!("{at}.{e}"))?;
        migrations.insert(id, migration);
    }
    let file: CatalogFile = serde_json::from_value(raw).map_err(|e| e.to_string())?;
    check::check_catalog(BUILTIN_FIELD, &file.components).map_err(|e| e.to_string())?;
    let json = serde_json::to_string(&file.components).map_err(|e| e.to_string())?;
    let out_dir = env::var("OUT_DIR").map_err(|e| e.to_string())?;
    fs::write(Path::new(&out_dir).join("default-catalog.json"), json).map_err(|e| e.to_string())?;
    let json = serde_json::to_string(&migrations).map_err(|e| e.to_string())?;
    fs::write(Path::new(&out_dir).join("default-migrations.json"), json).map_err(|e| e.to_string())
}
