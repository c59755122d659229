//! The scanner on a large bundle: 2,000 files of 3 objects (Deployment + Service +
//! NetworkPolicy, with StatefulSets, standalone PVCs and Jobs mixed in), scanned with the five
//! policies of `examples/config.yaml`, through the release binary as a user runs it.
//!
//! Reports wall time, objects per second, median evaluation time and peak RSS, cold (empty
//! module cache: every policy compiled) and warm (modules read from the cache), then the warm
//! wall time and peak RSS of `upstream-first migrate` on the same bundle. Run with
//! `cargo xtask scan-bench` (or `cargo bench -p upstream-first --bench scan`).

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Files in the bundle; each holds three objects.
const FILES: usize = 2_000;
/// Namespaces the files are spread over: ten services (and NetworkPolicies) each.
const NAMESPACES: usize = 200;
/// Warm runs; the median is reported.
const WARM_RUNS: usize = 7;

/// Goals of the README, on a 2-core machine.
const GOAL_WARM_SCAN: Duration = Duration::from_millis(500);
const GOAL_WARM_LOAD: Duration = Duration::from_millis(50);
const GOAL_PEAK_RSS_MIB: f64 = 200.0;
/// Issue 18's goal for `migrate` of the same bundle.
const GOAL_WARM_MIGRATE: Duration = Duration::from_secs(1);
/// Issue 19's goal: 10x the objects costs at most this many times the time.
const GOAL_SCALING_RATIO: f64 = 11.0;
/// Issue 19's goals for the scan itself (its bundle held 6,600 objects, this one 6,000).
const GOAL_COLD_SMALL_SCAN: Duration = Duration::from_millis(150);
const GOAL_COLD_SCAN: Duration = Duration::from_millis(500);
const GOAL_WARM_SCAN_19: Duration = Duration::from_millis(300);
const GOAL_PEAK_RSS_19_MIB: f64 = 150.0;
const GOAL_PEAK_RSS_10X_MIB: f64 = 1024.0;
const GOAL_ONE_NAMESPACE_1000: Duration = Duration::from_millis(500);
/// Files of the small bundle issue 19 times with an empty cache (660 objects there).
const SMALL_FILES: usize = 200;
/// The sizes of the one-namespace NetworkPolicy table.
const NETWORK_POLICY_COUNTS: [usize; 3] = [100, 1_000, 5_000];

fn deployment(index: usize, namespace: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{index}
  namespace: {namespace}
  labels: {{app.kubernetes.io/name: svc-{index}, app.kubernetes.io/part-of: shop}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: svc-{index}}}
  template:
    metadata:
      labels: {{app: svc-{index}, app.kubernetes.io/name: svc-{index}}}
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/svc-{index}:1.{index}.0
          ports: [{{name: http, containerPort: 8080}}, {{name: metrics, containerPort: 9090}}]
          env:
            - {{name: LOG_LEVEL, value: info}}
            - name: DATABASE_URL
              valueFrom: {{secretKeyRef: {{name: svc-{index}-db, key: url}}}}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{memory: 256Mi}}
          readinessProbe: {{httpGet: {{path: /ready, port: http}}}}
          livenessProbe: {{httpGet: {{path: /health, port: http}}}}
"
    )
}

fn statefulset(index: usize, namespace: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db-{index}
  namespace: {namespace}
spec:
  serviceName: db-{index}
  replicas: 1
  selector:
    matchLabels: {{app: db-{index}}}
  template:
    metadata:
      labels: {{app: db-{index}}}
    spec:
      containers:
        - name: postgres
          image: postgres:16.4
          ports: [{{name: postgres, containerPort: 5432}}]
          volumeMounts: [{{name: data, mountPath: /var/lib/postgresql/data}}]
  volumeClaimTemplates:
    - metadata: {{name: data}}
      spec:
        storageClassName: standard
        accessModes: [ReadWriteOnce]
        resources: {{requests: {{storage: 20Gi}}}}
"
    )
}

fn job(index: usize, namespace: &str) -> String {
    format!(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: migrate-{index}
  namespace: {namespace}
spec:
  template:
    metadata:
      labels: {{app: migrate-{index}}}
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ghcr.io/acme/svc-{index}-migrations:1.0
          command: [flyway, migrate]
"
    )
}

fn service(name: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]
"
    )
}

fn network_policy(name: &str, namespace: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  podSelector: {{matchLabels: {{app: {name}}}}}
  policyTypes: [Ingress]
  ingress: [{{from: [{{podSelector: {{matchLabels: {{role: gateway}}}}}}]}}]
"
    )
}

fn claim(name: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: {name}-backup, namespace: {namespace}}}
spec:
  storageClassName: standard
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 50Gi}}}}
"
    )
}

/// Writes a bundle of `files` files; returns the number of objects.
fn generate(dir: &Path, files: usize) -> usize {
    let _ = std::fs::remove_dir_all(dir);
    let mut objects = 0;
    for index in 0..files {
        let namespace = format!("team-{:03}", index % NAMESPACES);
        let documents = match index % 10 {
            3 => {
                let name = format!("db-{index}");
                vec![
                    statefulset(index, &namespace),
                    service(&name, &namespace),
                    claim(&name, &namespace),
                ]
            }
            7 => {
                let name = format!("migrate-{index}");
                vec![
                    job(index, &namespace),
                    service(&name, &namespace),
                    network_policy(&name, &namespace),
                ]
            }
            _ => {
                let name = format!("svc-{index}");
                vec![
                    deployment(index, &namespace),
                    service(&name, &namespace),
                    network_policy(&name, &namespace),
                ]
            }
        };
        objects += documents.len();
        let file = dir.join(&namespace).join(format!("{index:04}.yaml"));
        std::fs::create_dir_all(file.parent().expect("parent")).expect("bundle directory");
        std::fs::write(&file, documents.join("---\n")).expect("bundle file");
    }
    objects
}

struct Run {
    wall: Duration,
    stats: Value,
}

/// Runs `upstream-first <args> --stats` with `cache` as the module cache; its wall time and
/// the `--stats` line. A scan may exit 1 (the bundle has findings), anything else must exit 0.
fn timed(binary: &Path, cache: &Path, args: &[&OsStr]) -> Run {
    let started = Instant::now();
    let output = Command::new(binary)
        .env("UPSTREAM_FIRST_CACHE_DIR", cache)
        .args(args)
        .arg("--stats")
        .output()
        .expect("the scanner runs");
    let wall = started.elapsed();
    let code = output.status.code().unwrap_or(-1);
    assert!(
        code == 0 || (code == 1 && args[0] == "scan"),
        "{args:?} failed ({code}): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stats = stderr
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<Value>(line).ok())
        .expect("--stats prints a JSON line on stderr");
    Run { wall, stats }
}

/// A scan of `bundle` with the policies of `config`.
fn scan(binary: &Path, cache: &Path, config: &Path, bundle: &Path) -> Run {
    let args = ["scan", "--no-progress", "--config"].map(OsStr::new);
    timed(
        binary,
        cache,
        &[&args[..], &[config.as_os_str(), bundle.as_os_str()]].concat(),
    )
}

/// `upstream-first migrate` of the bundle, its stdout discarded.
fn migrate(binary: &Path, cache: &Path, config: &Path, bundle: &Path) -> Run {
    let args = ["migrate", "--config"].map(OsStr::new);
    timed(
        binary,
        cache,
        &[&args[..], &[config.as_os_str(), bundle.as_os_str()]].concat(),
    )
}

/// The median of `runs` runs.
fn median(runs: usize, run: impl Fn() -> Run) -> Run {
    let mut all: Vec<Run> = (0..runs).map(|_| run()).collect();
    all.sort_by_key(|run| run.wall);
    all.swap_remove(runs / 2)
}

/// One namespace holding `count` Deployments, each with its own NetworkPolicy: what a
/// multi-tenant namespace looks like to require-network-policy.
fn one_namespace(dir: &Path, count: usize) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("one-namespace-{count}.yaml"));
    let documents: Vec<String> = (0..count)
        .flat_map(|index| {
            let name = format!("app-{index}");
            [
                deployment(index, "tenants").replace(&format!("svc-{index}"), &name),
                network_policy(&name, "tenants"),
            ]
        })
        .collect();
    std::fs::write(&path, documents.join("---\n")).expect("bundle file");
    path
}

/// require-network-policy alone on `bundle`.
fn network_scan(binary: &Path, cache: &Path, bundle: &Path) -> Run {
    let args = [
        "scan",
        "--no-progress",
        "--policy",
        "require-network-policy",
    ]
    .map(OsStr::new);
    timed(binary, cache, &[&args[..], &[bundle.as_os_str()]].concat())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn goal(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// The scaling table: 10x the bundle, and one namespace with more and more NetworkPolicies.
fn scaling(
    report: &mut String,
    binary: &Path,
    cache: &Path,
    config: &Path,
    root: &Path,
    base: &Run,
) {
    let large = root.join("bundle-10x");
    let objects = generate(&large, FILES * 10);
    let ten = median(3, || scan(binary, cache, config, &large));
    let rss = |run: &Run| run.stats["peakRssKiB"].as_f64().unwrap_or_default() / 1024.0;
    let _ = writeln!(
        report,
        "\nscaling (warm, median of 3):\n\n| bundle | wall time | peak RSS |\n| --- | ---: | ---: |\n| {} objects | {:.0} ms | {:.0} MiB |\n| {objects} objects | {:.0} ms | {:.0} MiB |",
        base.stats["objects"],
        ms(base.wall),
        rss(base),
        ms(ten.wall),
        rss(&ten),
    );
    let ratio = ten.wall.as_secs_f64() / base.wall.as_secs_f64();
    let _ = writeln!(
        report,
        "\n10x the objects costs {ratio:.1}x the time (goal <= 11x): {}; peak RSS at 10x <= {GOAL_PEAK_RSS_10X_MIB} MiB: {}",
        goal(ratio <= GOAL_SCALING_RATIO),
        goal(rss(&ten) <= GOAL_PEAK_RSS_10X_MIB),
    );
    let _ = writeln!(
        report,
        "\n| one namespace, require-network-policy | wall time | median evaluation | peak RSS |\n| --- | ---: | ---: | ---: |"
    );
    for count in NETWORK_POLICY_COUNTS {
        let bundle = one_namespace(&root.join("one-namespace"), count);
        let run = median(3, || network_scan(binary, cache, &bundle));
        let goal = if count == 1_000 {
            format!(
                " (goal <= {} ms: {})",
                GOAL_ONE_NAMESPACE_1000.as_millis(),
                goal(run.wall <= GOAL_ONE_NAMESPACE_1000)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            report,
            "| {count} Deployments + {count} NetworkPolicies | {:.0} ms{goal} | {:.0} µs | {:.0} MiB |",
            ms(run.wall),
            run.stats["evaluationMedianUs"].as_f64().unwrap_or_default(),
            rss(&run),
        );
    }
}

fn row(label: &str, run: &Run) -> String {
    let stats = &run.stats;
    let objects = stats["objects"].as_f64().unwrap_or_default();
    format!(
        "| {label} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} | {:.0} µs | {:.0} MiB |",
        ms(run.wall),
        stats["cpuMs"].as_f64().unwrap_or_default(),
        stats["loadPoliciesMs"].as_f64().unwrap_or_default(),
        stats["evaluateMs"].as_f64().unwrap_or_default(),
        objects / run.wall.as_secs_f64(),
        stats["evaluationMedianUs"].as_f64().unwrap_or_default(),
        stats["peakRssKiB"].as_f64().unwrap_or_default() / 1024.0,
    )
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that names another benchmark skips this one.
    if std::env::args()
        .skip(1)
        .any(|arg| !arg.starts_with('-') && !"scan".contains(arg.as_str()))
    {
        return;
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_upstream-first"));
    let config = workspace.join("examples/config.yaml");
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scan-bench");
    let bundle = root.join("bundle");
    let cache = root.join("cache");
    let objects = generate(&bundle, FILES);

    let _ = std::fs::remove_dir_all(&cache);
    let cold = scan(&binary, &cache, &config, &bundle);
    let mut warm: Vec<Run> = (0..WARM_RUNS)
        .map(|_| scan(&binary, &cache, &config, &bundle))
        .collect();
    warm.sort_by_key(|run| run.wall);
    let warm_median = &warm[WARM_RUNS / 2];

    let evaluations = warm_median.stats["evaluations"]
        .as_u64()
        .unwrap_or_default();
    let threads = warm_median.stats["threads"].as_u64().unwrap_or_default();
    let mut report = String::new();
    let _ = writeln!(
        report,
        "scan of {objects} objects in {FILES} files, {evaluations} evaluations, {threads} threads, policies of examples/config.yaml\n"
    );
    let _ = writeln!(
        report,
        "| run | wall time | CPU time | policy load | evaluation | objects/s | median evaluation | peak RSS |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let _ = writeln!(report, "{}", row("cold (empty module cache)", &cold));
    let _ = writeln!(
        report,
        "{}",
        row(&format!("warm (median of {WARM_RUNS})"), warm_median)
    );
    let load = Duration::from_secs_f64(
        warm_median.stats["loadPoliciesMs"]
            .as_f64()
            .unwrap_or_default()
            / 1e3,
    );
    let rss = warm_median.stats["peakRssKiB"].as_f64().unwrap_or_default() / 1024.0;
    let _ = writeln!(
        report,
        "\ngoals: warm scan <= {} ms: {}; warm policy load <= {} ms: {}; peak RSS <= {GOAL_PEAK_RSS_MIB} MiB: {}",
        GOAL_WARM_SCAN.as_millis(),
        goal(warm_median.wall <= GOAL_WARM_SCAN),
        GOAL_WARM_LOAD.as_millis(),
        goal(load <= GOAL_WARM_LOAD),
        goal(rss <= GOAL_PEAK_RSS_MIB),
    );
    let small = root.join("bundle-small");
    let small_objects = generate(&small, SMALL_FILES);
    let small_cold = median(3, || {
        let _ = std::fs::remove_dir_all(&cache);
        scan(&binary, &cache, &config, &small)
    });
    let cold_rss = cold.stats["peakRssKiB"].as_f64().unwrap_or_default() / 1024.0;
    let _ = writeln!(
        report,
        "issue 19: {small_objects} objects cold (median of 3) {:.0} ms, goal <= {} ms: {}; cold scan <= {} ms: {}; warm scan <= {} ms: {}; peak RSS <= {GOAL_PEAK_RSS_19_MIB} MiB (cold {cold_rss:.0}, warm {rss:.0}): {}",
        ms(small_cold.wall),
        GOAL_COLD_SMALL_SCAN.as_millis(),
        goal(small_cold.wall <= GOAL_COLD_SMALL_SCAN),
        GOAL_COLD_SCAN.as_millis(),
        goal(cold.wall <= GOAL_COLD_SCAN),
        GOAL_WARM_SCAN_19.as_millis(),
        goal(warm_median.wall <= GOAL_WARM_SCAN_19),
        goal(cold_rss.max(rss) <= GOAL_PEAK_RSS_19_MIB),
    );
    let migration = &median(WARM_RUNS, || migrate(&binary, &cache, &config, &bundle));
    let _ = writeln!(
        report,
        "\nmigrate (warm, median of {WARM_RUNS}): {} workloads replaced, {} not, {:.0} ms wall, peak RSS {:.0} MiB; goal <= {} ms: {}",
        migration.stats["replaced"],
        migration.stats["notMigrated"],
        ms(migration.wall),
        migration.stats["peakRssKiB"].as_f64().unwrap_or_default() / 1024.0,
        GOAL_WARM_MIGRATE.as_millis(),
        goal(migration.wall <= GOAL_WARM_MIGRATE),
    );
    scaling(&mut report, &binary, &cache, &config, &root, warm_median);
    // Other work on the machine slows every wall time down: say how busy it was.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let _ = writeln!(
            report,
            "load average during the runs: {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    print!("{report}");
}
