//! Native throughput of the shell reader on generated 1 MiB scripts: the 40-line script of
//! the policy benchmark repeated, a mix of every construct, and each `shell_script` fuzz
//! regression repeated (inputs on which brush-parser panicked, looped or backtracked).
//!
//! `cargo bench -p job-scripts --features fuzzing --bench shell_reader [-- ITERATIONS] [NAME]`
//! (only the scripts whose name contains NAME);
//! prints MB/s (median) for each script and the slowest single read, which issue 21 bounds
//! at 50 ms.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use job_scripts::fuzzing::shell_reads;

/// The size of every generated script.
const SIZE: usize = 1 << 20;
/// The script `job_with_40_line_script` of `tests/benches/validate.rs` runs.
const SCRIPT: &str = include_str!("ensure-tenant.sh");
/// One of each construct the reader knows.
const CONSTRUCTS: &str = r#"
a=(x 'y z' "$w") b[1]+=v; declare -A m=([k]=v)
cmd=(psql -h db); "${cmd[@]}" -c "DELETE FROM t" 2>&1 | tee -a log &
if [[ -n ${X:-d} && $Y =~ ^(a|b)$ ]]; then echo ${#a[@]} ${a//x/y} ${a:1:2}; elif (( i > 2 )); then :; else true; fi
for ((i = 0; i < 3; i++)); do echo $((i * 2)) $[i]; done; for f in *.sql; do psql -f "$f"; done
while read -r l; do echo "$l"; done < <(ls) ; until false; do break; done
case "$1" in start|run) go ;; @(x|y)) ;& *) usage ;;& esac
f() { local q=$'a\tb'; echo "`date`" $(id -u) >&2; }; function g { f "$@"; } > /dev/null
cat <<SQL | psql; cat <<-'TXT'
INSERT INTO t VALUES ('$(whoami)', ${N:-1});
SQL
	literal $x
	TXT
echo a\ b \$c "d\"e" $"f" ~/x !(keep|*.sql) {a,b} # comment
"#;

/// `unit` repeated to [`SIZE`] bytes.
fn fill(unit: &str) -> String {
    let unit = if unit.is_empty() { " " } else { unit };
    let mut text = unit.repeat(SIZE / unit.len() + 1);
    let end = (0..=SIZE)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    text.truncate(end);
    text
}

/// Whether the script `name` is measured: the command line may name some.
fn selected(name: &str) -> bool {
    let only = std::env::args()
        .skip(1)
        .find(|a| a.parse::<usize>().is_err() && a != "--bench");
    only.is_none_or(|only| name.contains(&only))
}

/// Prints the median throughput of reading `unit` repeated to [`SIZE`]; answers the slowest
/// read.
fn measure(name: &str, unit: &str, iterations: usize) -> Duration {
    if !selected(name) {
        return Duration::ZERO;
    }
    let text = &fill(unit);
    let reads = shell_reads(text);
    let mut times: Vec<Duration> = (0..iterations.max(1))
        .map(|_| {
            let start = Instant::now();
            black_box(shell_reads(black_box(text)));
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let slowest = times[times.len() - 1];
    let mb_per_s = text.len() as f64 / median.as_secs_f64() / 1e6;
    println!(
        "{name:<66} {mb_per_s:>7.1} MB/s  median {median:>9.2?}  slowest {slowest:>9.2?}  {}",
        if reads { "reads" } else { "syntax error" }
    );
    slowest
}

fn main() {
    let iterations: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    let mut slowest = Duration::ZERO;
    slowest = slowest.max(measure("40-line script", SCRIPT, iterations));
    slowest = slowest.max(measure("every construct", CONSTRUCTS, iterations));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/shell_script");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        slowest = slowest.max(measure(&name, &text, iterations.min(5)));
    }
    println!("slowest read of 1 MiB: {slowest:?}");
}
