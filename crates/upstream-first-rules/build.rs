//! Validates `catalog/default-catalog.yaml` and writes it as compact JSON to
//! `$OUT_DIR/default-catalog.json`, which the library embeds: the policies parse JSON (small,
//! fast) and never carry a YAML parser.
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

use error::*;
use model::*;

const CATALOG: &str = "catalog/default-catalog.yaml";

fn main() {
    for input in [
        CATALOG,
        "src/image.rs",
        "src/catalog/model.rs",
        "src/catalog/error.rs",
        "src/catalog/check.rs",
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
    let file: CatalogFile = serde_yaml_ng::from_str(&yaml).map_err(|e| e.to_string())?;
    check::check_catalog(BUILTIN_FIELD, &file.components).map_err(|e| e.to_string())?;
    let json = serde_json::to_string(&file.components).map_err(|e| e.to_string())?;
    let out_dir = env::var("OUT_DIR").map_err(|e| e.to_string())?;
    fs::write(Path::new(&out_dir).join("default-catalog.json"), json).map_err(|e| e.to_string())
}
