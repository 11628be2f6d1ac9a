#!/usr/bin/env python3
"""Generates src/defaults/defaults.txt: the API server's defaults for every
built-in kind, one rule a line, each citing where it comes from.

Three sources, in this order in the output:
- the SetDefaults_* functions of kubernetes/kubernetes
  pkg/apis/<group>/<version>/defaults.go, read by go_defaults.py (beside this
  file) from one directory per kubernetes/kubernetes commit, each holding the
  files at their repository paths. A rule cites file, function, commit and
  line; the header says which Kubernetes release each commit is first in,
  found from the Kubernetes-commit trailers of kubernetes/api;
- overrides.txt (beside this file): the few defaults those functions set in a
  way the reader does not follow, or that the API server sets elsewhere
  (registry strategies, admission plugins), each with the reason it is
  hand-kept;
- `+default=` markers on the fields of staging/src/k8s.io/api/*/v1*/types.go,
  read from a clone of github.com/kubernetes/api (the published copy of that
  staging tree) at the last patch tag of every supported minor version
  (v0.30 = Kubernetes 1.30 ... v0.36 = 1.36); a marker present in only some
  versions gets since=/until=. The same clone gives the Go types (json tags,
  constants) the functions are read against, at the newest tag.

Getting the sources:
  git clone --bare https://github.com/kubernetes/api /tmp/k8s-api
  # the defaulting functions, one sparse checkout per commit (a release tag
  # such as v1.36.0 works as well as a commit):
  git clone --filter=blob:none --no-checkout https://github.com/kubernetes/kubernetes /tmp/k8s
  git -C /tmp/k8s sparse-checkout set --no-cone '/pkg/apis/*/v1*/defaults.go' '/pkg/apis/autoscaling/v2/defaults.go'
  git -C /tmp/k8s checkout COMMIT
  mkdir -p /tmp/k8s-defaults/COMMIT && cp -r /tmp/k8s/pkg /tmp/k8s-defaults/COMMIT/
  # (only defaults.go files are read; the directory is named by the commit)

Usage:
  python3 src/defaults/gen-defaults.py /tmp/k8s-api /tmp/k8s-defaults/COMMIT... \
      > src/defaults/defaults.txt
  (--stats: rules per kind and source on stderr, for the issue's closing note)
What the function reader cannot read it names on stderr, with function and
line; those statements give no rule (overrides.txt is where such a default
goes, by hand, with its reason).

Output format (what src/defaults/mod.rs reads):
  KINDS PATTERN VALUE [if=REL==VALUE|if=REL!=VALUE ...] [since=1.N] [until=1.N] src=CITATION
  KINDS    group/Kind[,group/Kind...] or * (any built-in kind with that field)
  PATTERN  field path; `[]` after a list field; `*` one field of any name;
           a leading ^ anchors it at the object's root
  VALUE    JSON; @image-pull-policy, @same-as:REL, @assigned (any value)
  REL      a field of the map holding the field; `..F` a field of its parent;
           `...a.b` a path from the object root; several if= must all hold,
           and an absent field compares as null
"""
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import go_defaults  # noqa: E402

VERSIONS = range(30, 37)

# Where a marker's Go type sits in the objects users declare: the path
# pattern of a value of that type (types not listed are not reachable from a
# built-in kind users apply, e.g. in-tree volume sources of PersistentVolumes
# only, or are listed with every place they occur).
ANCHORS = {
    "core/v1": {
        "ContainerPort": ["* containers[].ports[]", "* initContainers[].ports[]"],
        "ServicePort": ["/Service ^spec.ports[]"],
        "GRPCAction": ["* *Probe.grpc"],
        "ISCSIVolumeSource": ["* volumes[].iscsi"],
        "ISCSIPersistentVolumeSource": ["/PersistentVolume ^spec.iscsi"],
        "RBDVolumeSource": ["* volumes[].rbd"],
        "RBDPersistentVolumeSource": ["/PersistentVolume ^spec.rbd"],
        "AzureDiskVolumeSource": ["* volumes[].azureDisk", "/PersistentVolume ^spec.azureDisk"],
        "ScaleIOVolumeSource": ["* volumes[].scaleIO"],
        "ScaleIOPersistentVolumeSource": ["/PersistentVolume ^spec.scaleIO"],
        "ConfigMapKeySelector": ["* env[].valueFrom.configMapKeyRef"],
        "SecretKeySelector": ["* env[].valueFrom.secretKeyRef"],
        "ReplicationControllerSpec": ["/ReplicationController ^spec"],
        "LocalObjectReference": [],
        "ImageVolumeSource": [],
    },
}


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True,
                          capture_output=True, text=True).stdout


def last_tags(repo):
    tags = git(repo, "tag", "--list", "v0.*").split()
    best = {}
    for tag in tags:
        m = re.fullmatch(r"v0\.(\d+)\.(\d+)", tag)
        if m and int(m.group(1)) in VERSIONS:
            minor, patch = int(m.group(1)), int(m.group(2))
            if patch >= best.get(minor, (-1, ""))[0]:
                best[minor] = (patch, tag)
    missing = [v for v in VERSIONS if v not in best]
    if missing:
        sys.exit(f"gen-defaults: no kubernetes/api tag for 1.{missing}")
    return {minor: tag for minor, (_, tag) in best.items()}


def markers(text):
    """(Type, json field, default value) of every `+default=` marker."""
    out = []
    current = None
    pending = None
    for line in text.splitlines():
        m = re.match(r"type (\w+) struct \{", line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r"\s*// \+default=(.*)$", line)
        if m:
            pending = m.group(1).strip()
            continue
        m = re.search(r'`json:"([^,"]+)', line)
        if m and pending is not None and current:
            out.append((current, m.group(1), pending))
            pending = None
        elif not line.strip().startswith("//"):
            pending = None if line.strip() else pending
    return out


def marker_value(raw, consts):
    if raw.startswith("ref("):
        name = raw[4:-1]
        if name not in consts:
            sys.exit(f"gen-defaults: +default={raw}: no constant {name}")
        return json.dumps(consts[name])
    return json.dumps(json.loads(raw))


def constants(text):
    return {m.group(1): m.group(2) for m in
            re.finditer(r'^\s*(\w+)\s+\w+\s*=\s*"([^"]*)"', text, re.M)}


def marker_rules(repo):
    seen = {}  # (gv, type, field, value) -> set of minors
    for minor, tag in last_tags(repo).items():
        files = git(repo, "ls-tree", "-r", "--name-only", tag).split()
        for path in files:
            m = re.fullmatch(r"(\w[\w.]*)/(v1[\w]*)/types\.go", path)
            if not m or re.search(r"(alpha|beta)", m.group(2)):
                continue
            gv = f"{m.group(1)}/{m.group(2)}"
            text = git(repo, "show", f"{tag}:{path}")
            consts = constants(text)
            for typ, field, raw in markers(text):
                key = (gv, typ, field, marker_value(raw, consts))
                seen.setdefault(key, set()).add(minor)
    rules, unanchored = [], []
    for (gv, typ, field, value), minors in sorted(seen.items()):
        anchors = ANCHORS.get(gv, {}).get(typ)
        cite = f"src=staging/src/k8s.io/api/{gv}/types.go:{typ}.{field} (+default)"
        span = version_span(minors)
        if anchors is None:
            unanchored.append(f"# not reachable from a kind users apply: {gv} {typ}.{field} {value}")
            continue
        for anchor in anchors:
            rules.append(f"{anchor}.{field} {value}{span} {cite}")
    return rules, unanchored


def version_span(minors):
    lo, hi = min(minors), max(minors)
    if sorted(minors) != list(range(lo, hi + 1)):
        sys.exit(f"gen-defaults: a marker comes and goes: {sorted(minors)}")
    span = ""
    if lo > VERSIONS.start:
        span += f" since=1.{lo}"
    if hi < VERSIONS.stop - 1:
        span += f" until=1.{hi}"
    return span


def override_rules(path):
    """The hand-kept rules, each with the `# why:` line above it."""
    rules, why = [], None
    for n, line in enumerate(open(path), 1):
        line = line.strip()
        if line.startswith("# why:"):
            why = line[len("# why:"):].strip()
            continue
        if not line or line.startswith("#"):
            why = None if not line else why
            continue
        m = re.fullmatch(r"(\S+) (\S+) (.+?)((?: (?:if|since|until)=\S+)*) (src=.+)", line)
        if not m:
            sys.exit(f"{path}:{n}: expected KINDS PATTERN VALUE [if=..] src=..")
        if not why:
            sys.exit(f"{path}:{n}: a hand-kept rule needs a `# why:` line above it")
        value = m.group(3)
        if not value.startswith("@"):
            try:
                json.loads(value)
            except ValueError:
                sys.exit(f"{path}:{n}: value {value} is not JSON")
        rules.append((f"# hand-kept ({os.path.basename(path)}:{n}): {why}", f"{line} (hand-kept)"))
        why = None
    return rules


def stats(lines):
    """Rules per kind and source, for the closing note."""
    counts, total = {}, {}
    for line in lines:
        if not line or line.startswith("#"):
            continue
        kinds, cite = line.split(" ", 1)[0], line.split(" src=", 1)[1]
        source = ("hand-kept" if cite.endswith("(hand-kept)") else
                  "marker" if "(+default)" in cite else "function")
        total[source] = total.get(source, 0) + 1
        for kind in ("* (any kind with the field)" if kinds == "*" else kinds).split(","):
            counts.setdefault(kind, {}).setdefault(source, 0)
            counts[kind][source] += 1
    for kind in sorted(counts):
        by = counts[kind]
        parts = ", ".join(f"{v} {k}" for k, v in sorted(by.items()))
        print(f"{kind}: {sum(by.values())} ({parts})", file=sys.stderr)
    print(f"rules: {len([x for x in lines if x and not x.startswith('#')])} "
          f"({', '.join(f'{v} {k}' for k, v in sorted(total.items()))})", file=sys.stderr)


def main():
    args = [a for a in sys.argv[1:] if a != "--stats"]
    if len(args) < 2:
        sys.exit(__doc__)
    repo, sources = args[0], args[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    newest = last_tags(repo)[VERSIONS.stop - 1]
    types = go_defaults.Types(repo, newest)
    functions = go_defaults.function_rules(types, sources, repo)
    overrides = override_rules(os.path.join(here, "overrides.txt"))
    marks, unanchored = marker_rules(repo)
    out = [
        "# Generated by src/defaults/gen-defaults.py; do not edit.",
        "# Sources: the SetDefaults_* functions of kubernetes/kubernetes (read by",
        "# go_defaults.py at the commits below, against the kubernetes/api types of",
        f"# {newest}), the hand-kept rules of overrides.txt, and the +default markers",
        "# of kubernetes/api v0.30..v0.36.",
        "# A rule applies from since= to until= (Kubernetes minor versions);",
        "# without them, in every supported version (1.30 to 1.36): function rules",
        "# carry no range, the commits they were read at being the only versions seen.",
    ]
    seen = set()

    def add(rule):
        key = rule.split(" src=")[0]
        if key not in seen:
            seen.add(key)
            out.append(rule)

    for rule in functions:
        if rule.startswith("#"):
            out.append(rule)
        else:
            add(rule)
    for why, rule in overrides:
        out.append(why)
        add(rule)
    for rule in marks:
        add(rule)
    out += unanchored
    print("\n".join(out))
    if "--stats" in sys.argv:
        stats(out)


if __name__ == "__main__":
    main()
