//! Links the binaries as position-dependent executables on Linux.
//!
//! A position-independent driftctl carries ~14,500 relative relocations that
//! the dynamic loader applies, page by page, at every start; `driftctl
//! render` of a typical kustomization is over in a few milliseconds, and that
//! start-up was a tenth of it (benches/kustomize_corpus.py). The price is
//! that the executable itself is not address-randomised (its libraries,
//! heap and stack still are).

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
