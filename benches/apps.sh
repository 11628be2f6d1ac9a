#!/bin/sh
# Following apps, by hand: a Flux repository with 200 Kustomizations of 10
# objects each (a kustomization per app: namespace, a Deployment, a Service,
# 7 ConfigMaps with a ${var} each), audited against a snapshot holding all of
# them, versus `kubectl kustomize` run once per app in the same run.
# Usage: benches/apps.sh [path/to/driftctl]   (default target/release/driftctl)
set -eu
bin=${1:-target/release/driftctl}
apps=${APPS:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
mkdir -p "$repo/clusters/prod/flux-system"
cat > "$repo/clusters/prod/flux-system/sync.yaml" <<YAML
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {url: https://git.example.com/fleet.git}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec: {path: ./clusters/prod, sourceRef: {kind: GitRepository, name: flux-system}}
YAML
i=0
while [ $i -lt "$apps" ]; do
  d=$repo/apps/app$i
  mkdir -p "$d"
  cat > "$repo/clusters/prod/app$i.yaml" <<YAML
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app$i, namespace: flux-system}
spec:
  path: ./apps/app$i
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild: {substitute: {region: eu-west-1}}
YAML
  {
    echo "namespace: ns$i"
    echo "resources: [objects.yaml]"
  } > "$d/kustomization.yaml"
  {
    printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: "nginx:1.27"}]}\n---\n'
    printf 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n'
    for c in 1 2 3 4 5 6 7 8; do
      printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: config%s}\ndata: {region: "${region}", n: "%s"}\n' "$c" "$c"
    done
  } > "$d/objects.yaml"
  i=$((i + 1))
done
"$bin" render "$repo/clusters/prod" > "$work/live.yaml"
start=$(date +%s%N)
"$bin" diff "$repo/clusters/prod" --live-snapshot "$work/live.yaml" -q > "$work/report.txt" || true
mid=$(date +%s%N)
i=0
while [ $i -lt "$apps" ]; do
  kubectl kustomize "$repo/apps/app$i" > /dev/null
  i=$((i + 1))
done
end=$(date +%s%N)
tail -1 "$work/report.txt"
echo "driftctl diff, $apps apps x 10 objects (render, substitute, audit): $(( (mid - start) / 1000000 )) ms"
echo "kubectl kustomize once per app ($apps runs):                  $(( (end - mid) / 1000000 )) ms"
