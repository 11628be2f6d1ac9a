//! The kubectl plugin: kubectl runs `kubectl-drift` from PATH for
//! `kubectl drift ...`. The same program as `driftctl`, named for kubectl.

fn main() {
    std::process::exit(driftctl::main("kubectl drift"));
}
