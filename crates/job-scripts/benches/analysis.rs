//! Native timing of `analyze_container` on the 40-line script of the policy benchmark
//! (`tests/benches/validate.rs`, `job_with_40_line_script`): the policy's hot path without wasm.
//!
//! `cargo bench -p job-scripts --bench analysis [-- ITERATIONS]`; prints the median and p99.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use job_scripts::{ContainerInput, NoFiles, Options, analyze_container};

/// The script `job_with_40_line_script` of `tests/benches/validate.rs` runs too.
const SCRIPT: &str = include_str!("ensure-tenant.sh");
fn main() {
    assert_eq!(SCRIPT.lines().count(), 40);
    let iterations: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2_000);
    // As the policy builds it: `bash -c SCRIPT`, the literal env (PGPASSWORD comes from a
    // Secret and is left out).
    let input = ContainerInput {
        command: vec!["bash".into(), "-c".into(), SCRIPT.into()],
        args: Vec::new(),
        env: BTreeMap::from([
            ("PGHOST".to_owned(), "postgres".to_owned()),
            ("POSTGRES_DB".to_owned(), "app".to_owned()),
        ]),
        image: "postgres:16".into(),
        working_dir: None,
    };
    let options = Options::default();
    let analysis = analyze_container(&input, &NoFiles, &options);
    println!("findings: {:?}", analysis.findings);

    let mut times: Vec<Duration> = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        black_box(analyze_container(black_box(&input), &NoFiles, &options));
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    println!(
        "analyze_container, 40-line script: median {median:?}, p99 {p99:?} ({iterations} runs)"
    );
}
