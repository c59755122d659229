//! The command line: `scan`, `migrate`, `run` (kwctl-compatible) and `policies`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};
use policy_host::{
    HostCapabilities, HostContext, Limits, ObjectStore, PolicyModule, ValidateRequest,
};
use serde_json::{Value, json};
use upstream_first_migrate::Target;

use crate::builtin::{self, EMBEDDED_POLICIES};
use crate::config::{self, Config, ModuleRef};
use crate::documents::{Documents, STDIN_NAME};
use crate::migrate;
use crate::output::{self, Format, RenderOptions};
use crate::policies::{self, Cache, PolicySet, Selection};
use crate::replay::Session;
use crate::report::{
    EXIT_FAILURES, EXIT_OK, EXIT_USAGE_OR_INPUT, FailOn, ScanReport, peak_rss_kib,
};
use crate::scan::{self, ScanOptions};

/// Environment variable that turns colours off when set (<https://no-color.org>).
pub const NO_COLOR_ENV: &str = "NO_COLOR";

#[derive(Debug, Parser)]
#[command(
    name = "upstream-first",
    version,
    about = "Scans rendered Kubernetes manifests with the upstream-first policies: the same .wasm modules the cluster runs",
    long_about = None,
    after_help = "Examples:\n  helm template my-release ./chart | upstream-first scan --config policies.yaml -\n  upstream-first scan --format sarif --output scan.sarif --format text manifests/\n  upstream-first run --request-path request.json no-raw-datastores"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files, directories or stdin (`-`) with the policies.
    Scan(ScanArgs),
    /// Write the upstream replacement (Flux, Argo CD, Helm values, operator resources) of every
    /// workload no-raw-datastores and require-upstream-chart reject.
    Migrate(MigrateArgs),
    /// Write a starting configuration (the five ClusterAdmissionPolicies, with the storage
    /// classes and namespaces of the given manifests) that `kubectl apply` and `scan` accept.
    Init(InitArgs),
    /// Evaluate one AdmissionRequest with one policy and print the AdmissionResponse, as `kwctl run`.
    Run(RunArgs),
    /// List the built-in policies.
    Policies,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
enum ColorChoice {
    /// Colours when writing text to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Args)]
struct CacheArgs {
    /// Directory of compiled modules [default: $UPSTREAM_FIRST_CACHE_DIR, else the user's cache directory]
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Compile every module again instead of reading the cache.
    #[arg(long)]
    no_cache: bool,
}

impl CacheArgs {
    fn cache(&self) -> Cache {
        match (&self.cache_dir, self.no_cache) {
            (_, true) => Cache::Disabled,
            (Some(dir), false) => Cache::Dir(dir.clone()),
            (None, false) => Cache::Default,
        }
    }
}

/// Execution limits of every policy instance (policy-server's defaults).
#[derive(Debug, Args)]
struct LimitArgs {
    /// Interrupt a policy evaluation after this many seconds and report it as an error (code
    /// 500), as policy-server's --policy-timeout.
    #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = parse_seconds)]
    timeout: Duration,
    /// Never interrupt a policy (policy-server's --disable-timeout-protection).
    #[arg(long)]
    no_timeout: bool,
    /// Largest memory of one policy instance (`256Mi`, `1Gi`, bytes); a policy that needs more
    /// fails with code 500.
    #[arg(long, value_name = "QUANTITY", default_value = "256Mi", value_parser = parse_memory)]
    memory_limit: usize,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            execution_deadline: (!self.no_timeout).then_some(self.timeout),
            max_memory_bytes: Some(self.memory_limit),
            ..Limits::default()
        }
    }
}

/// Smallest `--memory-limit`: a policy module needs some linear memory to start at all.
const MIN_MEMORY_LIMIT: usize = 2 << 20;

/// `--timeout`: a positive number of seconds.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("{text:?} is not a positive number of seconds"))
}

/// `--memory-limit`: a Kubernetes quantity of bytes (`256Mi`), at least [`MIN_MEMORY_LIMIT`].
fn parse_memory(text: &str) -> Result<usize, String> {
    let quantity =
        upstream_first_rules::quantity::Quantity::parse(text).map_err(|e| e.to_string())?;
    let bytes = quantity
        .as_bytes_ceil()
        .and_then(|bytes| usize::try_from(bytes).ok())
        .ok_or_else(|| format!("{text:?} is not a number of bytes"))?;
    if bytes < MIN_MEMORY_LIMIT {
        return Err(format!("{text:?} is too small: at least 2Mi"));
    }
    Ok(bytes)
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Files, directories (*.yaml, *.yml, *.json, recursively) or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Kubewarden ClusterAdmissionPolicy / AdmissionPolicy / ClusterAdmissionPolicyGroup resources
    /// saying which policies run, with which settings, mode, rules and selectors [default:
    /// .upstream-first.yaml or .upstream-first/ in the current directory or the nearest parent
    /// inside the repository, unless --policy is given; else every built-in policy with its
    /// defaults].
    #[arg(short, long, value_name = "FILE")]
    config: Vec<PathBuf>,
    /// A policy to run with its defaults: a built-in name or a .wasm file (repeatable). Without
    /// --config and --policy, every built-in policy runs.
    #[arg(short, long, value_name = "NAME|FILE.wasm")]
    policy: Vec<String>,
    /// Settings of one policy, as JSON or YAML: `pvc-contract={"allowedStorageClasses":["standard"]}`.
    #[arg(long, value_name = "POLICY=SETTINGS")]
    settings: Vec<String>,
    /// Cluster state the bundle lacks, read by context-aware policies but not evaluated
    /// (e.g. `kubectl get networkpolicies,configmaps,pvc -A -o yaml`).
    #[arg(long, value_name = "FILE|DIR")]
    context: Vec<PathBuf>,
    /// Namespace of namespaced objects that name none.
    #[arg(short, long, default_value = "default")]
    namespace: String,
    /// Output format (repeatable; the n-th --output goes with the n-th --format).
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    format: Vec<Format>,
    /// Where to write each --format (`-` or none: stdout).
    #[arg(short, long, value_name = "FILE")]
    output: Vec<PathBuf>,
    /// Exit with 1 when a verdict at or above this one is found.
    #[arg(long, value_enum, default_value_t = FailOn::Fail)]
    fail_on: FailOn,
    /// Show the JSONPatch each mutating policy would apply.
    #[arg(long)]
    show_patches: bool,
    /// List resources that pass too (text format).
    #[arg(short, long)]
    verbose: bool,
    /// Colours in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Worker threads [default: one per core].
    #[arg(short, long, default_value_t = 0, hide_default_value = true)]
    jobs: usize,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Print timings, throughput and peak memory to stderr (JSON).
    #[arg(long)]
    stats: bool,
    #[command(flatten)]
    cache: CacheArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `migrate --to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TargetArg {
    /// A Flux source (HelmRepository or OCIRepository) and HelmRelease.
    Flux,
    /// An Argo CD Application.
    Argocd,
    /// A wrapper chart: Chart.yaml without dependencies and a values overlay.
    Helm,
    /// The operator's custom resources.
    Operator,
}

impl From<TargetArg> for Target {
    fn from(arg: TargetArg) -> Self {
        match arg {
            TargetArg::Flux => Target::Flux,
            TargetArg::Argocd => Target::Argocd,
            TargetArg::Helm => Target::Helm,
            TargetArg::Operator => Target::Operator,
        }
    }
}

#[derive(Debug, Args)]
struct MigrateArgs {
    /// Files, directories (*.yaml, *.yml, *.json, recursively) or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// What to write [default: each workload's first recommendation in the catalog; flux for
    /// a chart].
    #[arg(long, value_enum)]
    to: Option<TargetArg>,
    /// Write one file per replaced workload and MIGRATION.md here (default: one YAML stream
    /// on stdout).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Overwrite existing files that differ.
    #[arg(long, requires = "out")]
    force: bool,
    /// Kubewarden policy resources, as for `scan` (found the same way when not given): their
    /// settings and exemptions decide which workloads are migrated.
    #[arg(short, long, value_name = "FILE")]
    config: Vec<PathBuf>,
    /// Settings of one policy, as for `scan`.
    #[arg(long, value_name = "POLICY=SETTINGS")]
    settings: Vec<String>,
    /// Namespace of namespaced objects that name none.
    #[arg(short, long, default_value = "default")]
    namespace: String,
    /// Worker threads [default: one per core].
    #[arg(short, long, default_value_t = 0, hide_default_value = true)]
    jobs: usize,
    /// Print timings and peak memory to stderr (JSON).
    #[arg(long)]
    stats: bool,
    #[command(flatten)]
    cache: CacheArgs,
}

#[derive(Debug, Args)]
struct InitArgs {
    /// Manifests to read the site off (files, directories or `-`); none: the policies with an
    /// empty storage contract.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Where to write it (`-`: stdout).
    #[arg(short, long, value_name = "FILE", default_value = config::CONFIG_FILE)]
    output: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
    /// Namespace of namespaced objects that name none.
    #[arg(short, long, default_value = "default")]
    namespace: String,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The AdmissionReview or AdmissionRequest to evaluate (JSON or YAML; `-` for stdin).
    #[arg(short, long, value_name = "FILE")]
    request_path: PathBuf,
    /// The policy's settings as JSON.
    #[arg(
        short = 's',
        long,
        value_name = "JSON",
        conflicts_with = "settings_path"
    )]
    settings_json: Option<String>,
    /// A file with the policy's settings (JSON or YAML).
    #[arg(long, value_name = "FILE")]
    settings_path: Option<PathBuf>,
    /// Let the policy read the resources its metadata declares (contextAwareResources).
    #[arg(long)]
    allow_context_aware: bool,
    /// Answer host capability calls from a session recorded by `kwctl run
    /// --record-host-capabilities-interactions`.
    #[arg(long, value_name = "FILE")]
    replay_host_capabilities_interactions: Option<PathBuf>,
    /// Objects the policy may read through host capabilities (files or directories).
    #[arg(long, value_name = "FILE|DIR")]
    context: Vec<PathBuf>,
    #[command(flatten)]
    cache: CacheArgs,
    #[command(flatten)]
    limits: LimitArgs,
    /// A built-in policy's name, `registry://…/<name>:<tag>`, or a .wasm file.
    #[arg(value_name = "POLICY")]
    policy: String,
}

/// An error that ends the command with a message and an exit code.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_USAGE_OR_INPUT,
        }
    }
}

/// Runs the command line; the process exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_USAGE_OR_INPUT
            } else {
                EXIT_OK
            });
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan_command(&args),
        Command::Migrate(args) => migrate_command(&args),
        Command::Init(args) => init_command(&args),
        Command::Run(args) => run_command(&args),
        Command::Policies => policies_command(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("Error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Parses a settings value given as JSON or YAML text.
fn parse_settings(text: &str) -> Result<Value, String> {
    serde_json::from_str(text)
        .or_else(|_| serde_yaml_ng::from_str::<Value>(text).map_err(|e| e.to_string()))
}

fn settings_overrides(values: &[String]) -> Result<BTreeMap<String, Value>, Failure> {
    values
        .iter()
        .map(|value| {
            let (name, settings) = value.split_once('=').ok_or_else(|| {
                Failure::usage(format!(
                    "--settings {value:?}: expected POLICY=SETTINGS (JSON or YAML)"
                ))
            })?;
            let settings = parse_settings(settings).map_err(|e| {
                Failure::usage(format!("--settings {name}=…: not JSON or YAML: {e}"))
            })?;
            Ok((name.trim().to_owned(), settings))
        })
        .collect()
}

/// Where each format goes.
fn destinations(args: &ScanArgs) -> Result<Vec<(Format, Option<PathBuf>)>, Failure> {
    let formats = if args.format.is_empty() {
        vec![Format::Text]
    } else {
        args.format.clone()
    };
    if args.output.len() > formats.len() {
        return Err(Failure::usage(
            "more --output than --format: give one --format per --output (the n-th --output goes with the n-th --format)",
        ));
    }
    let destinations: Vec<(Format, Option<PathBuf>)> = formats
        .into_iter()
        .enumerate()
        .map(|(index, format)| {
            let output = args
                .output
                .get(index)
                .filter(|path| path.as_os_str() != STDIN_NAME)
                .cloned();
            (format, output)
        })
        .collect();
    if destinations
        .iter()
        .filter(|(_, output)| output.is_none())
        .count()
        > 1
    {
        return Err(Failure::usage(
            "only one format can go to stdout: give an --output for the others",
        ));
    }
    Ok(destinations)
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os(NO_COLOR_ENV).is_none_or(|value| value.is_empty())
        }
    }
}

/// `--config`, else (when `discover`) the configuration found from the current directory (said
/// on stderr), else none: every policy with its defaults.
fn load_config(paths: &[PathBuf], discover: bool) -> Result<Option<Config>, Failure> {
    if !paths.is_empty() {
        return Config::load(paths)
            .map(Some)
            .map_err(|e| Failure::usage(format!("--config {e}")));
    }
    if !discover {
        return Ok(None);
    }
    let Some(found) = std::env::current_dir()
        .ok()
        .and_then(|dir| config::discover(&dir))
    else {
        return Ok(None);
    };
    eprintln!("note: configuration: {}", found.display());
    Config::load(std::slice::from_ref(&found))
        .map(Some)
        .map_err(|e| Failure::usage(format!("{e}")))
}

/// The engine (with the module cache `cache` asks for) and the policies of `selection`.
fn load_policies(cache: &CacheArgs, selection: &Selection) -> Result<PolicySet, Failure> {
    let engine = policies::engine(&cache.cache()).map_err(|e| Failure::usage(e.to_string()))?;
    policies::load(&engine, selection).map_err(|e| Failure::usage(e.to_string()))
}

fn scan_command(args: &ScanArgs) -> Result<u8, Failure> {
    let started = Instant::now();
    let destinations = destinations(args)?;
    let config = load_config(&args.config, args.policy.is_empty())?;
    let modules = args
        .policy
        .iter()
        .map(|policy| {
            ModuleRef::parse(policy, None).map_err(|e| Failure::usage(format!("--policy {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let selection = Selection {
        config,
        modules,
        settings: settings_overrides(&args.settings)?,
    };
    let mut policy_set = load_policies(&args.cache, &selection)?;
    let limits = args.limits.limits();
    for member in policy_set
        .policies
        .iter_mut()
        .flat_map(|policy| policy.members.iter_mut())
    {
        if member.module.limits() != &limits {
            member.module = member
                .module
                .with_limits(limits.clone())
                .map_err(|e| Failure::usage(e.to_string()))?;
        }
    }
    let loaded = started.elapsed();

    let read_started = Instant::now();
    let documents = Documents::read_paths(&args.paths);
    let context = Documents::read_paths(&args.context);
    let read = read_started.elapsed();

    let options = ScanOptions {
        default_namespace: args.namespace.clone(),
        jobs: args.jobs,
        progress: !args.no_progress && std::io::stderr().is_terminal(),
    };
    let mut report = scan::scan_inputs(&policy_set, documents, context, &options);
    report.stats.load_policies = loaded;
    report.stats.read_inputs = read;
    report.stats.peak_rss_kib = peak_rss_kib();
    for note in &report.notes {
        eprintln!("note: {note}");
    }

    let render_options = RenderOptions {
        color: false,
        show_patches: args.show_patches,
        verbose: args.verbose,
    };
    for (format, output) in &destinations {
        match output {
            Some(path) => {
                let text = output::render(*format, &report, &render_options);
                std::fs::write(path, text)
                    .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
            }
            None => {
                let options = RenderOptions {
                    color: *format == Format::Text && use_color(args.color),
                    ..render_options
                };
                let text = output::render(*format, &report, &options);
                let mut stdout = std::io::stdout().lock();
                // A closed pipe (`| head`) is not an error of the scan.
                let _ = stdout.write_all(text.as_bytes());
                let _ = stdout.flush();
            }
        }
    }
    if args.stats {
        report.stats.cpu = crate::report::cpu_time();
        eprintln!("{}", stats_json(&report, started.elapsed()));
    }
    Ok(report.exit_code(args.fail_on))
}

fn migrate_command(args: &MigrateArgs) -> Result<u8, Failure> {
    let started = Instant::now();
    let config = load_config(&args.config, true)?;
    let selection = Selection {
        modules: if config.is_none() {
            migrate::default_modules()
        } else {
            Vec::new()
        },
        config,
        settings: settings_overrides(&args.settings)?,
    };
    let policy_set = load_policies(&args.cache, &selection)?;
    let documents = Documents::read_paths(&args.paths);
    let objects = documents.objects.len();
    let options = ScanOptions {
        default_namespace: args.namespace.clone(),
        jobs: args.jobs,
        progress: false,
    };
    let result = migrate::migrate(
        policy_set.policies,
        documents,
        &options,
        args.to.map(Target::from),
    );
    for note in policy_set.notes.iter().chain(&result.notes) {
        eprintln!("note: {note}");
    }
    for error in &result.errors {
        eprintln!("error: {error}");
    }
    let plan = &result.plan;
    match &args.out {
        Some(dir) => {
            let written = migrate::write_files(dir, &plan.files(), args.force)
                .map_err(|e| Failure::usage(e.to_string()))?;
            eprintln!(
                "{} workload(s) replaced, {} not migrated; {} file(s) written to {} (see {}).",
                plan.replacements.len(),
                plan.unmigrated.len(),
                written.len(),
                dir.display(),
                dir.join(upstream_first_migrate::MIGRATION_FILE).display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(plan.stream().as_bytes());
            let _ = stdout.flush();
        }
    }
    if args.stats {
        eprintln!(
            "{}",
            json!({
                "objects": objects,
                "replaced": plan.replacements.len(),
                "notMigrated": plan.unmigrated.len(),
                "totalMs": started.elapsed().as_secs_f64() * 1e3,
                "peakRssKiB": peak_rss_kib(),
            })
        );
    }
    Ok(if result.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_USAGE_OR_INPUT
    })
}

fn init_command(args: &InitArgs) -> Result<u8, Failure> {
    let documents = Documents::read_paths(&args.paths);
    for error in &documents.errors {
        eprintln!("error: {error}");
    }
    let objects: Vec<Value> = documents
        .objects
        .into_iter()
        .map(|mut source| {
            crate::requests::apply_default_namespace(&mut source.object, &args.namespace);
            source.object
        })
        .collect();
    let inputs = if args.paths.is_empty() {
        "no manifests".to_owned()
    } else {
        args.paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let text = crate::init::configuration(&crate::init::Site::survey(&objects), &inputs);
    if args.output.as_os_str() == STDIN_NAME {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    } else {
        if args.output.exists() && !args.force {
            return Err(Failure::usage(format!(
                "{} exists: nothing written (--force overwrites it)",
                args.output.display()
            )));
        }
        std::fs::write(&args.output, &text)
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", args.output.display())))?;
        eprintln!(
            "wrote {}: `upstream-first scan` reads it from here, `kubectl apply -f {}` deploys it",
            args.output.display(),
            args.output.display()
        );
    }
    Ok(if documents.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_USAGE_OR_INPUT
    })
}

/// `--stats`.
fn stats_json(report: &ScanReport, total: std::time::Duration) -> Value {
    let stats = &report.stats;
    let evaluations = report.evaluations.len();
    let seconds = stats.evaluate.as_secs_f64();
    json!({
        "objects": report.objects.len(),
        "evaluations": evaluations,
        "threads": stats.threads,
        "loadPoliciesMs": stats.load_policies.as_secs_f64() * 1e3,
        "readInputsMs": stats.read_inputs.as_secs_f64() * 1e3,
        "evaluateMs": seconds * 1e3,
        "prepareMs": stats.prepare.as_secs_f64() * 1e3,
        "firstEvaluationsMs": stats.first_evaluations.as_secs_f64() * 1e3,
        "totalMs": total.as_secs_f64() * 1e3,
        "objectsPerSecond": if seconds > 0.0 { report.objects.len() as f64 / seconds } else { 0.0 },
        "evaluationMedianUs": stats.evaluation_median.as_secs_f64() * 1e6,
        "evaluationP99Us": stats.evaluation_p99.as_secs_f64() * 1e6,
        "peakRssKiB": stats.peak_rss_kib,
        "cpuMs": stats.cpu.map(|cpu| cpu.as_secs_f64() * 1e3),
    })
}

fn read_text(path: &Path) -> Result<String, Failure> {
    if path.as_os_str() == STDIN_NAME {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Failure::usage(format!("cannot read stdin: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))
}

fn run_command(args: &RunArgs) -> Result<u8, Failure> {
    let reference =
        ModuleRef::parse(&args.policy, None).map_err(|e| Failure::usage(format!("POLICY: {e}")))?;
    // A file in the current directory named like a word (`policy`) is a module too.
    let reference = match reference {
        ModuleRef::Builtin(name)
            if builtin::find(&name).is_none() && Path::new(&args.policy).is_file() =>
        {
            ModuleRef::File(PathBuf::from(&args.policy))
        }
        other => other,
    };
    let engine =
        policies::engine(&args.cache.cache()).map_err(|e| Failure::usage(e.to_string()))?;
    let loaded = policies::load_modules(&engine, std::slice::from_ref(&reference))
        .map_err(|e| Failure::usage(e.to_string()))?;
    let loaded = &loaded[&reference];
    let module: &PolicyModule = &loaded.module;
    let metadata = loaded.metadata.clone().unwrap_or_default();

    let settings = match (&args.settings_json, &args.settings_path) {
        (Some(json), _) => serde_json::from_str(json)
            .map_err(|e| Failure::usage(format!("--settings-json is not JSON: {e}")))?,
        (None, Some(path)) => parse_settings(&read_text(path)?)
            .map_err(|e| Failure::usage(format!("--settings-path {}: {e}", path.display())))?,
        (None, None) => json!({}),
    };
    let settings = if settings.is_null() {
        json!({})
    } else {
        settings
    };
    let request_text = read_text(&args.request_path)?;
    let request_value: Value = serde_json::from_str(&request_text)
        .or_else(|_| serde_yaml_ng::from_str(&request_text))
        .map_err(|e| {
            Failure::usage(format!(
                "{} is not a JSON or YAML AdmissionReview/AdmissionRequest: {e}",
                args.request_path.display()
            ))
        })?;
    let request = ValidateRequest::from_value(request_value)
        .map_err(|e| Failure::usage(format!("{}: {e}", args.request_path.display())))?;

    let session = args
        .replay_host_capabilities_interactions
        .as_ref()
        .map(|path| {
            Session::parse(&read_text(path)?)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
        })
        .transpose()?;
    let mut store = session
        .as_ref()
        .map(Session::object_store)
        .unwrap_or_default();
    let context = Documents::read_paths(&args.context);
    if let Some(error) = context.errors.first() {
        return Err(Failure::usage(format!("--context {error}")));
    }
    for source in context.objects {
        let _ = store.insert(source.object);
    }
    let resources = if args.allow_context_aware {
        metadata.context_aware_resources.clone()
    } else {
        if !metadata.context_aware_resources.is_empty() {
            eprintln!(
                "warning: the policy reads Kubernetes resources ({}), but --allow-context-aware was not given: its reads are refused",
                metadata
                    .context_aware_resources
                    .iter()
                    .map(|r| format!("{}/{}", r.api_version, r.kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        BTreeSet::new()
    };
    let capabilities = metadata
        .host_capabilities
        .as_ref()
        .and_then(|patterns| HostCapabilities::new(patterns).ok())
        .unwrap_or_else(HostCapabilities::allow_all);
    let context = HostContext::new()
        .with_object_store(ObjectStore::clone(&store))
        .with_context_aware_resources(resources)
        .with_host_capabilities(capabilities);
    let mut evaluator = module
        .with_limits(args.limits.limits())
        .map_err(|e| Failure::usage(e.to_string()))?
        .evaluator(context);

    let validation = evaluator
        .validate_settings(&settings)
        .map_err(|e| Failure::usage(e.to_string()))?;
    if !validation.valid {
        return Err(Failure {
            message: format!(
                "Provided settings are not valid: {:?}",
                validation.message.unwrap_or_default()
            ),
            code: EXIT_FAILURES,
        });
    }
    let response = evaluator
        .validate(&request, &settings)
        .map_err(|e| Failure::usage(e.to_string()))?;
    if let Some(session) = &session {
        for difference in session.differences(&evaluator.exchanges()) {
            eprintln!("warning: replay: {difference}");
        }
    }
    let text = serde_json::to_string(&response)
        .map_err(|e| Failure::usage(format!("cannot print the response: {e}")))?;
    println!("{text}");
    Ok(EXIT_OK)
}

fn policies_command() -> Result<u8, Failure> {
    let mut stdout = std::io::stdout().lock();
    for policy in EMBEDDED_POLICIES {
        let metadata = policy.metadata().unwrap_or_default();
        let status = match policy.wasm {
            Some(wasm) => format!("embedded, {} KiB", wasm.len() / 1024),
            None => {
                "not built (run `cargo xtask build`, then build upstream-first again)".to_owned()
            }
        };
        let resources: Vec<String> = metadata
            .rules
            .iter()
            .flat_map(|rule| rule.resources.iter().cloned())
            .collect();
        let _ = writeln!(
            stdout,
            "{}\n  {status}\n  evaluates: {}\n  mutating: {}, context-aware: {}\n  {}\n",
            policy.name,
            if resources.is_empty() {
                "-".to_owned()
            } else {
                resources.join(", ")
            },
            metadata.mutating,
            !metadata.context_aware_resources.is_empty(),
            metadata.description().unwrap_or("")
        );
    }
    Ok(EXIT_OK)
}
