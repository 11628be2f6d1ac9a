#!/usr/bin/env bash
# Runs each cargo-fuzz target for SECONDS (default 600), one after another.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain the
# sanitizer flags need RUSTC_BOOTSTRAP=1. New corpus entries land in
# tests/fuzz/corpus/<target>/, crashes in tests/fuzz/artifacts/<target>/;
# commit both: tests/fuzz_regressions.rs replays them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
export RUSTC_BOOTSTRAP=1
for target in manifest_loader managed_fields path_notation compare_objects; do
  echo "== $target for ${seconds}s"
  cargo fuzz run --fuzz-dir tests/fuzz -O "$target" -- \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 2>&1 | tail -n 3
done
