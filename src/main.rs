//! Parse, run, exit code; nothing else.

use clap::Parser;

fn main() {
    let cli = match driftctl::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are successes; bad usage is exit 2.
            std::process::exit(if e.use_stderr() {
                driftctl::EXIT_ERROR
            } else {
                0
            });
        }
    };
    match driftctl::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("driftctl: error: {e:#}");
            std::process::exit(driftctl::EXIT_ERROR);
        }
    }
}
