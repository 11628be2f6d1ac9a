#!/usr/bin/env python3
"""Benchmark, run by hand: native `driftctl render ROOT` against
`kubectl kustomize ROOT`, process against process, for every root of the
kubeflow/manifests corpus (../shared/corpus/kubeflow-manifests).

Each root is rendered REPEAT times by each tool, alternating, and the
median wall time per tool and root is kept; the report gives the median
per-root ratio (kubectl / driftctl) and the totals.

    cargo build --release
    python3 benches/kustomize_corpus.py [REPEAT]
"""
import os
import pathlib
import statistics
import sys
import time

repo = pathlib.Path(__file__).resolve().parent.parent
corpus = repo.parent / "shared/corpus/kubeflow-manifests"
tree = corpus / "tree"
driftctl = repo / "target/release/driftctl"
repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3


def timed(cmd):
    """Wall time of one process, spawned directly (no shell, no pipes), so
    that the harness adds as little as possible to either tool."""
    start = time.perf_counter()
    pid = os.posix_spawnp(
        cmd[0],
        cmd,
        os.environ,
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ],
    )
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed; run it by hand to see why")
    return elapsed


os.chdir(tree)
roots = [l.strip() for l in (corpus / "roots.txt").read_text().splitlines() if l.strip()]
ratios, native_total, kubectl_total = [], 0.0, 0.0
for root in roots:
    native, kubectl = [], []
    for _ in range(repeat):
        native.append(timed([str(driftctl), "render", "--renderer", "native", "--show-secrets", root]))
        kubectl.append(timed(["kubectl", "kustomize", root]))
    n, k = statistics.median(native), statistics.median(kubectl)
    native_total += n
    kubectl_total += k
    ratios.append(k / n)
    print(f"{root}: driftctl {n * 1000:.1f} ms, kubectl {k * 1000:.1f} ms, {k / n:.1f}x", flush=True)
print()
print(f"roots: {len(roots)}, runs per tool and root: {repeat}")
print(f"median per-root ratio (kubectl kustomize / driftctl render): {statistics.median(ratios):.1f}x")
print(f"slowest-root ratio: {min(ratios):.1f}x, fastest: {max(ratios):.1f}x")
print(f"total (sum of per-root medians): driftctl {native_total:.2f} s, kubectl {kubectl_total:.2f} s, {kubectl_total / native_total:.1f}x")
