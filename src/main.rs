//! Parse, run, exit code; nothing else.

fn main() {
    std::process::exit(driftctl::main(driftctl::generated::BIN));
}
