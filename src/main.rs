//! Command-line entry: parse arguments, run the library, map the outcome to an exit code
//! (0 ok, 1 findings where a command has them, 2 error).

use std::process::ExitCode;

// mimalloc instead of the system allocator: glibc's malloc and free were about a twelfth of
// the CPU time at a million comments (many short-lived token and row vectors freed across
// threads), and its pages are reused rather than faulted in again.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = threadlens::cli::Cli::parse_args();
    match threadlens::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("threadlens: error: {e}");
            ExitCode::from(2)
        }
    }
}
