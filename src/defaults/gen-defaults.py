#!/usr/bin/env python3
"""Generates src/defaults/defaults.txt: the API server's defaults for every
built-in kind, one rule a line, each citing where it comes from.

Two sources:
- `+default=` markers on the fields of staging/src/k8s.io/api/*/v1*/types.go,
  read from a clone of github.com/kubernetes/api (the published copy of that
  staging tree) at the last patch tag of every supported minor version
  (v0.30 = Kubernetes 1.30 ... v0.36 = 1.36); a marker present in only some
  versions gets since=/until=.
- src/defaults/functions.txt: the defaults the SetDefaults_* functions of
  kubernetes/kubernetes pkg/apis/*/v1*/defaults.go and the registry
  strategies set, one rule a line naming its function (those functions are
  Go code, not markers: they are written down there, and this generator
  checks their syntax and merges them).

Usage:
  git clone --bare https://github.com/kubernetes/api /tmp/k8s-api
  python3 src/defaults/gen-defaults.py /tmp/k8s-api src/defaults/functions.txt \
      > src/defaults/defaults.txt

Output format (what src/defaults/mod.rs reads):
  KINDS PATTERN VALUE [if=REL==VALUE] [since=1.N] [until=1.N] src=CITATION
See functions.txt for the meaning of each column.
"""
import json
import re
import subprocess
import sys

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


def function_rules(path):
    rules = []
    for n, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\S+) (\S+) (.+?)((?: (?:if|since|until)=\S+)*) (src=.+)", line)
        if not m:
            sys.exit(f"{path}:{n}: expected KINDS PATTERN VALUE [if=..] src=..")
        value = m.group(3)
        if not value.startswith("@"):
            try:
                json.loads(value)
            except ValueError:
                sys.exit(f"{path}:{n}: value {value} is not JSON")
        rules.append(line)
    return rules


def main():
    repo, functions = sys.argv[1], sys.argv[2]
    marks, unanchored = marker_rules(repo)
    print("# Generated by src/defaults/gen-defaults.py; do not edit.")
    print(f"# Sources: {functions.rsplit('/', 1)[-1]} (SetDefaults_* functions and registry")
    print("# strategies) and the +default markers of kubernetes/api v0.30..v0.36.")
    print("# A rule applies from since= to until= (Kubernetes minor versions);")
    print("# without them, in every supported version (1.30 to 1.36).")
    for rule in function_rules(functions):
        print(rule)
    for rule in marks:
        print(rule)
    for line in unanchored:
        print(line)


if __name__ == "__main__":
    main()
