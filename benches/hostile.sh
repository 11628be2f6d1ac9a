#!/usr/bin/env bash
# Wall time and peak memory of driftctl on each hostile manifest of issue 5,
# run by hand (the tests assert the verdict and bounds, not the numbers):
#   cargo build --release && benches/hostile.sh
# Prints: case, exit code, seconds, peak RSS in MB.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${DRIFTCTL:-target/release/driftctl}
live=fixtures/ml-platform/live/clean/live.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
header=$'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: web\n'

case_dir() { mkdir -p "$work/$1/.git" "$work/$1/apps"; echo "$work/$1/apps"; }

d=$(case_dir bomb); {
  printf '%s' "$header"; echo "data:"; echo "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"
  prev=a; for n in b c d e f g h i; do
    printf '  %s: &%s [' "$n" "$n"; for k in 1 2 3 4 5 6 7 8; do printf '*%s, ' "$prev"; done; printf '*%s]\n' "$prev"; prev=$n
  done; } > "$d/bomb.yaml"
d=$(case_dir deep-seq); { printf '%s' "$header"; printf 'data: '; printf '[%.0s' $(seq 10000); printf ']%.0s' $(seq 10000); echo; } > "$d/deep.yaml"
d=$(case_dir deep-map); { printf '%s' "$header"; echo "data:"; python3 -c 'print("".join("  "*(i+1)+"k%d:\n"%i for i in range(10000)), end="")'; } > "$d/deep.yaml"
d=$(case_dir huge); { printf '%s' "$header"; } > "$d/huge.yaml"; truncate -s 200M "$d/huge.yaml"
d=$(case_dir utf8); { printf '%s' "$header"; printf 'data:\n  a: caf\xe9\n'; } > "$d/latin1.yaml"
d=$(case_dir nul); { printf '%s' "$header"; printf 'data:\n  a: "x\0y"\n'; } > "$d/nul.yaml"
d=$(case_dir dup); { printf '%s' "$header"; printf 'data:\n  a: "1"\n  a: "2"\n'; } > "$d/dup.yaml"
d=$(case_dir self); printf 'resources:\n  - .\n' > "$d/kustomization.yaml"
d=$(case_dir cycle); mkdir -p "$work/cycle/b"; printf 'resources:\n  - ../b\n' > "$d/kustomization.yaml"; printf 'resources:\n  - ../apps\n' > "$work/cycle/b/kustomization.yaml"
d=$(case_dir escape); printf 'resources:\n  - ../../../../../../../../etc/passwd\n' > "$d/kustomization.yaml"
d=$(case_dir absolute); printf 'resources:\n  - /etc/passwd\n' > "$d/kustomization.yaml"
d=$(case_dir loop); printf '%s' "$header" > "$d/cm.yaml"; ln -s "$d" "$d/again"
d=$(case_dir link-out); ln -s /etc "$d/etc"

printf '%-10s %4s %8s %8s\n' case exit seconds peakMB
for c in bomb deep-seq deep-map huge utf8 nul dup self cycle escape absolute loop link-out; do
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" diff "$work/$c/apps" --live-snapshot "$live" >/dev/null 2>"$work/err"
  code=$?
  read -r secs kb < <(tail -n 1 "$work/time")
  printf '%-10s %4s %8s %8.1f\n' "$c" "$code" "$secs" "$(echo "$kb/1024" | bc -l)"
done
