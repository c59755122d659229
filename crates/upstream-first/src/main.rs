//! The `upstream-first` command line: see `upstream-first --help`.

/// A scan allocates many small JSON values on every thread; mimalloc's thread-local heaps
/// serve them with far less contention and overhead than glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    upstream_first::cli::main()
}
