//! Native timing of `analyze_container` on the 40-line script of the policy benchmark
//! (`tests/benches/validate.rs`, `job_with_40_line_script`): the policy's hot path without wasm.
//!
//! `cargo bench -p job-scripts --bench analysis [-- ITERATIONS]`; prints the median and p99.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use job_scripts::{ContainerInput, NoFiles, Options, analyze_container};

/// The script of `job_with_40_line_script` in `tests/benches/validate.rs`, kept identical.
const SCRIPT: &str = r#"#!/bin/bash
set -euo pipefail
# Wait for the database, then make sure the tenant exists.
HOST=${PGHOST:-postgres}
PORT=${PGPORT:-5432}
DB=${POSTGRES_DB:-app}
TENANT=${TENANT:-default}
ATTEMPTS=0
until pg_isready -h "$HOST" -p "$PORT" -d "$DB"; do
  ATTEMPTS=$((ATTEMPTS + 1))
  if [ "$ATTEMPTS" -gt 30 ]; then
    echo "database not ready after $ATTEMPTS attempts" >&2
    exit 1
  fi
  echo "waiting for $HOST:$PORT ($ATTEMPTS)"
  sleep 2
done
log() {
  echo "[$(date -u +%FT%TZ)] $*"
}
log "checking schema version"
VERSION=$(psql -h "$HOST" -d "$DB" -tAc "SELECT max(version) FROM schema_migrations")
log "schema version: $VERSION"
COUNT=$(psql -h "$HOST" -d "$DB" -tAc "SELECT count(*) FROM tenants WHERE name = '$TENANT'")
if [ "$COUNT" = "0" ]; then
  log "creating tenant $TENANT"
  psql -v ON_ERROR_STOP=1 -h "$HOST" -d "$DB" <<-EOSQL
	INSERT INTO tenants (name, plan, created_at)
	VALUES ('$TENANT', 'standard', now())
	ON CONFLICT (name) DO NOTHING;
EOSQL
else
  log "tenant $TENANT exists"
fi
for table in tenants users invoices; do
  psql -h "$HOST" -d "$DB" -c "SELECT count(*) FROM $table" > /dev/null
done
log "done, schema version $VERSION"
echo "tenant: $TENANT"
exit 0
"#;

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
