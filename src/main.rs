//! Command-line entry: parse arguments, run the library, map the outcome to an exit code
//! (0 ok, 1 findings where a command has them, 2 error).

use std::process::ExitCode;

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
