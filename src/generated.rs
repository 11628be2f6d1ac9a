//! Files generated from the clap definitions in cli.rs: shell completions
//! (completions/) and man pages (docs/man/). They are committed so packagers
//! need no build step, and tests/generated.rs fails when they are stale.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::PathBuf;

/// The name completions complete and man pages describe.
pub const BIN: &str = "driftctl";

pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// The completion script for `shell`, as `driftctl completions SHELL` prints it.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut out);
    out
}

/// Where the committed completion script for `shell` lives, relative to the
/// repository root (the names each shell's packagers expect).
pub fn completion_path(shell: Shell) -> PathBuf {
    PathBuf::from("completions").join(clap_complete::Generator::file_name(&shell, BIN))
}

/// One man page for driftctl and one for each subcommand (`driftctl-diff.1`,
/// as git does): the top page only lists subcommands, and `diff` is where
/// the flags are. Paths are relative to the repository root.
pub fn man_pages() -> Vec<(PathBuf, Vec<u8>)> {
    fn collect(cmd: &clap::Command, pages: &mut Vec<(PathBuf, Vec<u8>)>) {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut page = Vec::new();
        man.render(&mut page)
            .expect("rendering into memory cannot fail");
        pages.push((PathBuf::from("docs/man").join(man.get_filename()), page));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            collect(sub, pages);
        }
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, &mut pages);
    pages
}
