//! The `upstream-first` command line: see `upstream-first --help`.

fn main() -> std::process::ExitCode {
    upstream_first::cli::main()
}
