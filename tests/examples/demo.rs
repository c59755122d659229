//! The bundled example: evaluates every request under `examples/requests/` with the built
//! policies through the host, and prints each AdmissionResponse as `kwctl run` would.
//!
//! Each file is `<policy>--<case>.json` holding an AdmissionRequest or AdmissionReview; an
//! optional `<policy>--<case>.settings.json` beside it holds the settings.

use std::path::Path;

use e2e_tests::Policy;
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/requests");
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p.to_string_lossy().ends_with(".settings.json")
        })
        .collect();
    files.sort();
    let (mut allowed, mut rejected) = (0, 0);
    for path in files {
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let Some((policy, case)) = stem.split_once("--") else {
            continue;
        };
        let request: Value = serde_json::from_slice(&std::fs::read(&path)?)?;
        let settings_path = path.with_file_name(format!("{stem}.settings.json"));
        let settings: Value = if settings_path.exists() {
            serde_json::from_slice(&std::fs::read(&settings_path)?)?
        } else {
            Value::Object(Default::default())
        };
        let response = Policy::new(policy).validate(request, settings);
        if response.allowed {
            allowed += 1;
        } else {
            rejected += 1;
        }
        println!("== {policy}: {case}");
        println!("{}", serde_json::to_string_pretty(&response)?);
    }
    println!("{allowed} allowed, {rejected} rejected");
    Ok(())
}
