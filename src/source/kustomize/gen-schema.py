#!/usr/bin/env python3
"""Generates src/source/kustomize/schema.txt: what the native Kustomize
renderer needs to know about Kubernetes types.

- Strategic-merge metadata (x-kubernetes-patch-strategy, -patch-merge-key,
  -list-map-keys) per field, for every type reachable from a
  group/version/kind, from the Kubernetes OpenAPI definitions shipped in
  the PyPI package kubernetes-validate (its v1.25.0 schema: the oldest it
  ships, closest to the v1.21.2 document kustomize v5 embeds).
- Which group/kinds are cluster-scoped, from the Resource impls of the
  k8s-openapi crate (`type Scope = crate::ClusterResourceScope`).

Usage (both inputs are fetched by their ordinary clients):
  pip download --no-deps -d /tmp/kv kubernetes-validate==1.37.0
  unzip -q -d /tmp/kv/u /tmp/kv/kubernetes_validate-1.37.0-py3-none-any.whl
  python3 src/source/kustomize/gen-schema.py \
      /tmp/kv/u/kubernetes_validate/kubernetes-json-schema/v1.25.0-local/_definitions.json \
      ~/.cargo/registry/src/*/k8s-openapi-0.29.0/src/v1_36 \
      > src/source/kustomize/schema.txt

The format is one fact a line, cheap to read at start-up:
  R apiVersion/Kind TypeName       a resource's type
  C group/Kind                     a cluster-scoped kind
  T TypeName                       a type; its fields follow:
  F field [t=Type] [map=Type] [list] [strategy=S] [key=K] [mapKeys=A,B]
"""
import json
import pathlib
import re
import sys


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def field_entry(prop):
    """The merge-relevant facts of one property, or None if there are none."""
    entry = {}
    types = prop.get("type")
    if isinstance(types, list):
        types = [t for t in types if t != "null"]
        types = types[0] if types else None
    if "$ref" in prop:
        entry["t"] = ref_name(prop["$ref"])
    elif types == "array":
        entry["list"] = True
        items = prop.get("items", {})
        if "$ref" in items:
            entry["t"] = ref_name(items["$ref"])
    elif types == "object" and isinstance(prop.get("additionalProperties"), dict):
        inner = prop["additionalProperties"]
        if "$ref" in inner:
            entry["map"] = ref_name(inner["$ref"])
    for key, short in (
        ("x-kubernetes-patch-strategy", "strategy"),
        ("x-kubernetes-patch-merge-key", "key"),
        ("x-kubernetes-list-map-keys", "mapKeys"),
    ):
        if key in prop:
            entry[short] = prop[key]
    if set(entry) <= {"list"} and not entry.get("strategy"):
        return None
    return entry


def main():
    definitions = json.load(open(sys.argv[1]))["$defs"]
    roots = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            if name.endswith("List") or gvk["kind"] in ("WatchEvent", "DeleteOptions", "Status"):
                continue
            api = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            roots.setdefault(f"{api}/{gvk['kind']}", name)
    types = {}
    pending = sorted(set(roots.values()))
    while pending:
        name = pending.pop()
        if name in types or name not in definitions:
            continue
        fields = {}
        for field, prop in sorted(definitions[name].get("properties", {}).items()):
            entry = field_entry(prop)
            if entry is None:
                continue
            fields[field] = entry
            for inner in (entry.get("t"), entry.get("map")):
                if inner and inner not in types:
                    pending.append(inner)
        types[name] = fields
    cluster = set()
    for path in pathlib.Path(sys.argv[2]).rglob("*.rs"):
        text = path.read_text()
        if "type Scope = crate::ClusterResourceScope" not in text:
            continue
        group = re.search(r'const GROUP: &.static str = "([^"]*)"', text)
        kind = re.search(r'const KIND: &.static str = "([^"]*)"', text)
        if group and kind:
            cluster.add(f"{group.group(1)}/{kind.group(1)}")
    # Kinds removed from Kubernetes before k8s-openapi's oldest version,
    # still cluster-scoped in the schema kustomize embeds.
    cluster.update(["policy/PodSecurityPolicy"])
    out = sys.stdout
    out.write("# kubernetes-validate 1.37.0 (v1.25.0-local definitions); k8s-openapi 0.29.0 (v1_36) scopes\n")
    for gvk, name in sorted(roots.items()):
        out.write(f"R {gvk} {name}\n")
    for scoped in sorted(cluster):
        out.write(f"C {scoped}\n")
    for name, fields in sorted(types.items()):
        out.write(f"T {name}\n")
        for field, entry in fields.items():
            parts = [f"F {field}"]
            if "t" in entry:
                parts.append(f"t={entry['t']}")
            if "map" in entry:
                parts.append(f"map={entry['map']}")
            if entry.get("list"):
                parts.append("list")
            if "strategy" in entry:
                parts.append(f"strategy={entry['strategy']}")
            if "key" in entry:
                parts.append(f"key={entry['key']}")
            if "mapKeys" in entry:
                parts.append("mapKeys=" + ",".join(entry["mapKeys"]))
            out.write(" ".join(parts) + "\n")



if __name__ == "__main__":
    main()
