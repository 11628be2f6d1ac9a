"""Reads the API server's defaulting functions (the SetDefaults_* functions
of kubernetes/kubernetes pkg/apis/<group>/<version>/defaults.go) and turns
what they set into default rules for gen-defaults.py.

A pragmatic, pattern-based reader of the forms those files use, not a Go
compiler:
- assignments to a field of `obj` (or of a name bound to one:
  `strategy := &obj.Spec.Strategy`, `sp := &obj.Spec.Ports[i]`, loop
  variables over a list), with values that are literals, constants of
  kubernetes/api (`v1.ProtocolTCP`), `ptr.To(..)`, `pointer.Bool(..)`,
  `intstr.FromString(..)`, `&local` for a local holding such a value,
  `new(T)` followed by `*obj.F = V`, composite literals (`&v1.T{F: ..}`,
  `[]T{..}`), `append(obj.F, V)`, or another field (`@same-as:`);
- conditions: `F == nil`, `F == ""`, `len(F) == 0`, `F == 0` on the field
  set or a field above it (the "unset" guard: not a condition of the
  default), `F == C` / `F != C` on another field (an `if=` condition),
  `F == nil` / `F != nil` on a field nothing defaults, `||` (one rule per
  alternative), `&&`, `else` of a single comparison, `switch F { case C: }`,
  and feature gates (named in the citation);
- calls to other SetDefaults_ functions (their rules at the argument's path).
Go struct paths become JSON paths through the json tags of the kubernetes/api
types; a function for a type that is not a kind applies wherever the type
occurs in a kind (the defaulter-gen calls), written as the shortest path
suffix that only that type has.

What it cannot read (another helper call, a value computed at run time, a
condition on a local) it names on stderr with the function and line, and
that statement gives no rule: such defaults go in overrides.txt by hand.
"""
import json
import os
import re
import subprocess
import sys

GO_STD = {"math.MaxInt32": 2**31 - 1}
# Wrappers that take the address of, or convert, their single argument.
WRAPPERS = re.compile(
    r"^(?:ptr\.To(?:\[\w+\])?|(?:util)?pointer\.(?:Bool|Int32|Int64|String|Int32Ptr|Int64Ptr|BoolPtr|StringPtr)"
    r"|intstr\.FromString|intstr\.FromInt|intstr\.FromInt32|int|int32|int64|string)\((.*)\)$",
    re.S,
)
# apimachinery types the kinds embed (k8s.io/apimachinery is not part of
# kubernetes/api): the fields the defaulting functions touch.
META = {
    "ObjectMeta": [("Name", "name", "string", ""), ("Labels", "labels", "string", "map"),
                   ("Annotations", "annotations", "string", "map"),
                   ("Namespace", "namespace", "string", "")],
    "LabelSelector": [("MatchLabels", "matchLabels", "string", "map")],
    "TypeMeta": [("Kind", "kind", "string", ""), ("APIVersion", "apiVersion", "string", "")],
}
META_PKG = "k8s.io/apimachinery/pkg/apis/meta/v1"


def warn(msg):
    print(f"gen-defaults: {msg}", file=sys.stderr)


# ---------------------------------------------------------------- types


class Field:
    def __init__(self, go, json_name, typ, shape, embedded):
        self.go, self.json, self.typ, self.shape, self.embedded = go, json_name, typ, shape, embedded


class Types:
    """Structs, constants and kinds of kubernetes/api at one tag."""

    def __init__(self, repo, tag, texts=None):
        """From a kubernetes/api clone at `tag`, or from `texts`
        ({"apps/v1/types.go": source}) when given."""
        self.structs = {}  # "apps/v1.Deployment" -> [Field]
        self.consts = {}  # "core/v1.ProtocolTCP" -> JSON value
        self.groups = {}  # "apps/v1" -> "apps"
        self.kinds = []  # ("apps/v1", "Deployment")
        if texts is None:
            files = git(repo, "ls-tree", "-r", "--name-only", tag).split()
            texts = {}
            for path in files:
                m = re.fullmatch(r"([\w.]+)/(v\d+)/(\w+)\.go", path)
                if m and not m.group(3).startswith(("zz_", "generated")) and not path.endswith("_test.go"):
                    texts[path] = git(repo, "show", f"{tag}:{path}")
        for path, text in sorted(texts.items()):
            pkg = path.rsplit("/", 1)[0]
            self.read_file(pkg, text)
        for name, fields in META.items():
            self.structs[f"{META_PKG}.{name}"] = [Field(g, j, t, s, False) for g, j, t, s in fields]
        self.locations = self.find_locations()

    def read_file(self, pkg, text):
        imports = read_imports(text)
        in_const = False
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            line = strip_comment(lines[i])
            m = re.match(r"^type (\w+) struct \{\s*$", line)
            if m:
                fields, i = self.read_struct(pkg, imports, lines, i + 1)
                self.structs[f"{pkg}.{m.group(1)}"] = fields
                continue
            if re.match(r"^const \($", line):
                in_const = True
            elif in_const and line.strip() == ")":
                in_const = False
            else:
                m = re.match(r"^(?:const )?\s*(\w+)(?:\s+[\w.]+)?\s*=\s*(.+?)\s*$", line)
                if m and (in_const or line.startswith("const ")):
                    value = const_value(m.group(2), self.consts, pkg)
                    if value is not None:
                        self.consts[f"{pkg}.{m.group(1)}"] = value
                        if m.group(1) == "GroupName":
                            self.groups[pkg] = value
            i += 1

    def read_struct(self, pkg, imports, lines, i):
        fields = []
        depth = 0
        while i < len(lines):
            line = strip_comment(lines[i]).strip()
            i += 1
            if line == "}" and depth == 0:
                break
            depth += line.count("{") - line.count("}")
            if depth or not line:
                continue
            m = re.match(r"^(\w+)\s+([^\s`]+)\s*(`.*`)?$", line)
            embedded = False
            if m:
                go, typ, tag = m.group(1), m.group(2), m.group(3) or ""
            else:
                m = re.match(r"^([\w.*]+)\s*(`.*`)?$", line)
                if not m:
                    continue
                typ, tag, embedded = m.group(1), m.group(2) or "", True
                go = typ.lstrip("*").rsplit(".", 1)[-1]
            jm = re.search(r'json:"([^"]*)"', tag)
            json_name = jm.group(1).split(",")[0] if jm else ("" if embedded else go)
            if json_name == "-":
                continue
            shape = ""
            if typ.startswith("[]"):
                shape, typ = "list", typ[2:]
            elif typ.startswith("map["):
                shape, typ = "map", typ.split("]", 1)[1]
            typ = qualify(typ.lstrip("*"), pkg, imports)
            fields.append(Field(go, json_name, typ, shape, embedded))
        return fields, i

    def field(self, typ, go):
        """(json segments, Field) of Go field `go` of struct `typ`, looking
        through embedded structs (Go promotes their fields)."""
        for f in self.structs.get(typ, []):
            if f.go == go:
                return ([f.json] if f.json else []), f
        for f in self.structs.get(typ, []):
            if f.embedded:
                found = self.field(f.typ, go)
                if found:
                    return ([f.json] if f.json else []) + found[0], found[1]
        return None

    def is_kind(self, typ):
        pkg, name = typ.rsplit(".", 1)
        return (pkg, name) in self.kinds

    def kind_name(self, typ):
        pkg, name = typ.rsplit(".", 1)
        return f"{self.groups.get(pkg, '')}/{name}" if self.groups.get(pkg) else f"/{name}"

    def find_locations(self):
        """Every place (kind, json path) a struct type occurs in a kind
        users apply (status left out: it is not declared)."""
        for key, fields in self.structs.items():
            pkg, name = key.rsplit(".", 1)
            if pkg == META_PKG or re.search(r"(alpha|beta)", pkg) or name.endswith("List"):
                continue
            names = {(f.go, f.json) for f in fields}
            if ("TypeMeta", "") in names and ("ObjectMeta", "metadata") in names:
                self.kinds.append((pkg, name))
        locations = {}  # type -> [(kind typ, segments)]
        for pkg, name in self.kinds:
            root = f"{pkg}.{name}"
            self.walk(root, root, [], [root], locations)
        return locations

    def walk(self, root, typ, segs, stack, out):
        out.setdefault(typ, []).append((root, segs))
        if len(segs) > 24:
            return
        for f in self.structs.get(typ, []):
            if not segs and f.json == "status":
                continue
            if f.typ not in self.structs or f.typ in stack or f.shape == "map":
                continue
            sub = segs + ([f.json] if f.json else []) + (["[]"] if f.shape == "list" else [])
            self.walk(root, f.typ, sub, stack + [f.typ], out)

    def anchors(self, typ):
        """(kinds, pattern prefix) for the places `typ` occurs: the
        shortest suffix of each place's path that no other type's place has,
        for any kind; the whole anchored path where none is."""
        if self.is_kind(typ):
            return [(self.kind_name(typ), "^", [])]
        out = []
        mine = {(root, tuple(segs)) for root, segs in self.locations.get(typ, [])}
        for root, segs in self.locations.get(typ, []):
            chosen = None
            for n in range(1, len(segs) + 1):
                suffix = segs[-n:]
                if suffix[0] == "[]":
                    continue
                # every place with this suffix is a place of typ (an inline
                # embedded struct shares its holder's places)
                if all((r, tuple(s)) in mine for places in self.locations.values()
                       for r, s in places if len(s) >= n and s[-n:] == suffix):
                    chosen = ("*", "", suffix)
                    break
            if chosen is None:
                chosen = (self.kind_name(root), "^", segs)
            if chosen not in out:
                out.append(chosen)
        return out


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True,
                          capture_output=True, text=True).stdout


def strip_comment(line):
    return re.sub(r"(^|\s)//.*$", "", line)


def read_imports(text):
    imports = {}
    block = re.search(r"^import \((.*?)^\)", text, re.S | re.M)
    lines = block.group(1).splitlines() if block else re.findall(r"^import (.*)$", text, re.M)
    for line in lines:
        m = re.match(r'\s*(\w+)?\s*"([^"]+)"', line)
        if m:
            path = m.group(2)
            imports[m.group(1) or path.rsplit("/", 1)[-1]] = path
    return imports


def qualify(typ, pkg, imports):
    if "." in typ:
        alias, name = typ.split(".", 1)
        path = imports.get(alias, alias)
        return f"{api_pkg(path)}.{name}"
    return f"{pkg}.{typ}"


def api_pkg(path):
    """kubernetes/api package dir of a Go import path (core/v1)."""
    return path[len("k8s.io/api/"):] if path.startswith("k8s.io/api/") else path


def const_value(expr, consts, pkg):
    expr = expr.strip()
    m = re.fullmatch(r"\w+\((.*)\)", expr)
    if m:
        expr = m.group(1)
    if re.fullmatch(r'"[^"\\]*"', expr):
        return expr[1:-1]
    if re.fullmatch(r"0[0-7]+", expr):
        return int(expr, 8)
    if re.fullmatch(r"-?\d+", expr):
        return int(expr)
    if expr in ("true", "false"):
        return expr == "true"
    if re.fullmatch(r"\w+", expr) and f"{pkg}.{expr}" in consts:
        return consts[f"{pkg}.{expr}"]
    return None


# ---------------------------------------------------------------- functions


class Unread(Exception):
    pass


class Func:
    def __init__(self, name, param, typ, body, line, helpers):
        self.name, self.param, self.typ, self.body, self.line = name, param, typ, body, line
        self.helpers = helpers


def read_functions(text, types, pkg_path):
    """SetDefaults_* functions of one defaults.go: name -> Func."""
    imports = read_imports(text)
    funcs, helpers = {}, set()
    lines = text.splitlines()
    for n, line in enumerate(lines):
        m = re.match(r"^func (\w+)\((\w+) \*?([\w.]+)\) \*?[\w.]+ \{$", line)
        if m and re.fullmatch(r"\s*return &" + m.group(2), lines[n + 1]) and lines[n + 2] == "}":
            helpers.add(m.group(1))  # func f(x T) *T { return &x }
    for n, line in enumerate(lines):
        m = re.match(r"^func (SetDefaults_\w+)\((\w+) \*([\w.]+)\) \{$", line)
        if not m:
            continue
        body = []
        for k in range(n + 1, len(lines)):
            if lines[k] == "}":
                break
            body.append((k + 1, lines[k]))
        typ = qualify(m.group(3), pkg_path, imports)
        funcs[m.group(1)] = Func(m.group(1), m.group(2), typ, body, n + 1, helpers)
    return funcs, imports


def statements(body):
    """Logical statements (line, text), joining lines until brackets close;
    a statement ending in `{` after if/for/switch/else opens a block."""
    out, buf, start = [], "", 0
    for n, raw in body:
        line = strip_comment(raw).strip()
        if not line:
            continue
        if not buf:
            start = n
        buf = f"{buf} {line}".strip() if buf else line
        opens = sum(buf.count(c) for c in "([{") - sum(buf.count(c) for c in ")]}")
        block = re.match(r"^(\} )?(if|for|switch|else)\b|^\w+ := func\(", buf) and buf.endswith("{")
        if buf.endswith(("&&", "||", ",", "(")):
            continue
        if opens == 0 or (block and opens == 1) or buf == "}" or buf.startswith("} else"):
            out.append((start, buf))
            buf = ""
    if buf:
        out.append((start, buf))
    return out


class Reader:
    """Runs one function's statements symbolically, collecting effects:
    (target json segments, value, [conditions], [gates], line)."""

    def __init__(self, types, funcs, imports, pkg_path, cite):
        self.types, self.funcs, self.imports = types, funcs, imports
        self.pkg_path, self.cite = pkg_path, cite

    def run(self, func, base=None, depth=0):
        self.func = func
        env = {func.param: ("path", base or [], func.typ)}
        self.effects, self.current = [], {}
        self.block(statements(func.body), env, [], depth)
        return self.effects

    def block(self, stmts, env, conds, depth):
        stack = []  # (kind, conds-for-else) of open blocks
        frames = [conds]
        skip = 0
        for n, s in stmts:
            if skip:
                skip += s.count("{") - s.count("}")
                if skip <= 0:
                    skip = 0
                continue
            try:
                if s == "}":
                    frames.pop()
                    stack.pop()
                    continue
                m = re.match(r"^\} else if (.*) \{$", s)
                if m:
                    prev = stack.pop()[1]
                    frames.pop()
                    cond = self.parse_cond(m.group(1), env, n)
                    frames.append(frames[-1] + [negated(prev, n), cond])
                    stack.append(("if", cond))
                    continue
                if s == "} else {":
                    prev = stack.pop()[1]
                    frames.pop()
                    frames.append(frames[-1] + [negated(prev, n)])
                    stack.append(("else", None))
                    continue
                m = re.match(r"^if (.*) \{$", s)
                if m:
                    cond = self.parse_cond(m.group(1), env, n)
                    frames.append(frames[-1] + [cond])
                    stack.append(("if", cond))
                    continue
                m = re.match(r"^for (?:(\w+)(?:, (\w+))? :?= )?range (.*) \{$", s)
                if m:
                    frames.append(frames[-1])
                    stack.append(("for", None))
                    self.loop(m, env, n)
                    continue
                m = re.match(r"^switch (.*) \{$", s)
                if m:
                    env["__switch"] = m.group(1)
                    frames.append(frames[-1])
                    stack.append(("switch", frames[-1]))
                    continue
                m = re.match(r"^case (.*):$", s)
                if m:
                    outer = stack[-1][1]
                    frames[-1] = outer + [self.parse_cond(f"{env['__switch']} == {m.group(1)}", env, n)]
                    continue
                if re.match(r"^\w+ := func\(", s):
                    warn(f"{self.cite(n)}: a function literal is not read")
                    skip = 1
                    continue
                self.statement(n, s, env, frames[-1], depth)
            except Unread as e:
                warn(f"{self.cite(n)}: not read: {e}")

    def parse_cond(self, text, env, n):
        """("alts", [[atom]]) or ("unknown", why, line)."""
        try:
            return ("alts", [[read_atom(self, a, env) for a in conj] for conj in atoms(text)])
        except Unread as e:
            return ("unknown", str(e), n)

    def loop(self, m, env, n):
        key, value, over = m.group(1), m.group(2), m.group(3)
        ref = self.resolve(over, env)
        if ref is None or ref[3] != "list":
            if key:
                env[key] = ("unknown", over)
            if value:
                env[value] = ("unknown", over)
            raise Unread(f"range over {over}")
        segs, typ = ref[0], ref[1]
        if key:
            env[key] = ("index",)
        if value:
            env[value] = ("path", segs + ["[]"], typ)

    def statement(self, n, s, env, conds, depth):
        if s.startswith("return") or s.startswith("var ") or s.startswith("const "):
            return
        m = re.match(r"^(\w+)\((.*)\)$", s)
        if m:
            self.call(n, m.group(1), m.group(2), env, conds, depth)
            return
        m = re.match(r"^(\*?\(?[\w.\[\]()*]+?\)?) (:?=) (.+)$", s)
        if not m:
            raise Unread(s)
        lhs, op, rhs = m.group(1), m.group(2), m.group(3)
        if op == ":=" or re.fullmatch(r"\w+", lhs) and lhs not in (self.func.param,) and \
                (lhs not in env or env[lhs][0] != "path"):
            if "," in lhs or lhs.startswith("_"):
                raise Unread(s)
            ref = self.resolve(rhs.lstrip("&"), env)
            if ref is not None:
                env[lhs] = ("path", ref[0], ref[1])
            else:
                env[lhs] = ("value", rhs)
            return
        target = self.resolve(lhs.lstrip("*").strip("()"), env)
        if target is None:
            if re.match(r"^\w+\[", lhs) and lhs.split("[")[0] in env and env[lhs.split("[")[0]][0] == "value":
                return  # bookkeeping in a local map
            raise Unread(f"assignment to {lhs}")
        segs, typ = target[0], target[1]
        if segs and segs[0] == "status" and self.types.is_kind(self.func.typ):
            return
        value = self.value(rhs, env, typ, segs)
        if value is None:
            return  # cleared (= nil)
        self.emit(n, segs, value, conds)

    def call(self, n, name, args, env, conds, depth):
        if name in self.funcs and name.startswith("SetDefaults_"):
            arg = re.sub(r"^\(\*[\w.]+\)\((.*)\)$", r"\1", args.strip())
            ref = self.resolve(arg.lstrip("&"), env)
            if ref is None or depth > 4:
                raise Unread(f"call {name}({args})")
            saved = (self.func, self.effects, self.current)
            sub = Reader(self.types, self.funcs, self.imports, self.pkg_path, self.cite_for)
            effects = sub.run(self.funcs[name], ref[0], depth + 1)
            self.func, self.effects, self.current = saved
            for e in effects:
                self.effects.append(dict(e, conds=conds + e["conds"], via=name))
            return
        raise Unread(f"call {name}(..)")

    def cite_for(self, n):
        return self.cite(n)

    def resolve(self, expr, env):
        """(json segments, Go type, field, shape) of a field expression."""
        expr = expr.strip()
        m = re.match(r"^(\w+)((?:\.\w+|\[[^\]]+\])*)$", expr)
        if not m or m.group(1) not in env or env[m.group(1)][0] != "path":
            return None
        _, segs, typ = env[m.group(1)]
        segs = list(segs)
        shape, field = "", None
        for part in re.findall(r"\.\w+|\[[^\]]+\]", m.group(2)):
            if part.startswith("["):
                inner = part[1:-1]
                if shape == "list" and inner in env and env[inner][0] == "index":
                    segs.append("[]")
                elif shape == "map":
                    key = self.value(inner, env, None, None)
                    if not isinstance(key, tuple) or key[0] != "lit":
                        return None
                    segs.append(f'["{key[1]}"]')
                else:
                    return None
                shape = ""
                continue
            found = self.types.field(typ, part[1:])
            if not found:
                return None
            sub, field = found
            segs += sub
            typ, shape = field.typ, field.shape
        return segs, typ, field, shape

    def value(self, rhs, env, typ, segs):
        """("lit", JSON) | ("same", segments) | ("new",); None for nil."""
        rhs = rhs.strip()
        if rhs == "nil":
            return None
        m = re.fullmatch(r"new\(([\w.]+)\)", rhs)
        if m:
            return ("new",)
        m = re.fullmatch(r"make\((.*)\)", rhs)
        if m or re.fullmatch(r"map\[[\w.]+\][\w.]+\{\}", rhs):
            return ("lit", {})
        m = re.fullmatch(r"append\(([\w.]+), (.+)\)", rhs)
        if m:
            ref = self.resolve(m.group(1), env)
            item = self.value(m.group(2), env, None, None)
            if ref is None or item is None or item[0] != "lit":
                raise Unread(rhs)
            return ("lit", list(self.current.get(tuple(ref[0]), [])) + [item[1]])
        if rhs.startswith("&"):
            rhs = rhs[1:]
        m = WRAPPERS.match(rhs)
        if m:
            return self.value(m.group(1), env, typ, segs)
        m = re.fullmatch(r"(\w+)\((.*)\)", rhs)
        if m and m.group(1) in self.func.helpers:
            return self.value(m.group(2), env, typ, segs)
        if re.fullmatch(r'"[^"\\]*"', rhs):
            return ("lit", rhs[1:-1])
        if re.fullmatch(r"0[0-7]+|-?\d+", rhs):
            return ("lit", int(rhs, 8) if re.fullmatch(r"0[0-7]+", rhs) else int(rhs))
        if rhs in ("true", "false"):
            return ("lit", rhs == "true")
        if rhs in GO_STD:
            return ("lit", GO_STD[rhs])
        if re.search(r"\{.*\}$", rhs, re.S):
            return ("lit", self.composite(rhs, env))
        if re.fullmatch(r"\w+", rhs) and rhs in env:
            kind = env[rhs]
            if kind[0] == "value":
                return self.value(kind[1], env, typ, segs)
            if kind[0] == "path":
                return ("same", kind[1])
            raise Unread(rhs)
        ref = self.resolve(rhs, env)
        if ref is not None:
            return ("same", ref[0])
        const = self.constant(rhs)
        if const is not None:
            return ("lit", const)
        raise Unread(f"value {rhs}")

    def constant(self, name):
        if "." in name:
            alias, ident = name.split(".", 1)
            if alias not in self.imports:
                return None
            pkg = api_pkg(self.imports[alias])
        else:
            ident, pkg = name, self.pkg_path
        return self.types.consts.get(f"{pkg}.{ident}")

    def composite(self, text, env):
        m = re.fullmatch(r"(\[\])?\*?([\w.]*)\{(.*)\}", text.strip(), re.S)
        if not m:
            raise Unread(text)
        is_list, typ, body = m.group(1), m.group(2), m.group(3)
        typ = qualify(typ, self.pkg_path, self.imports) if typ else None
        parts = split_top(body, ",")
        if is_list:
            return [self.composite_item(p, env, typ) for p in parts]
        out = {}
        for p in parts:
            k, v = p.split(":", 1)
            found = self.types.field(typ, k.strip()) if typ else None
            if not found:
                raise Unread(f"field {k} of {typ}")
            sub, field = found
            value = self.composite_item(v, env, field.typ)
            if value is not None:
                out[sub[-1]] = value
        return out

    def composite_item(self, text, env, typ):
        text = text.strip()
        if text.startswith("{"):
            short = typ.rsplit(".", 1)[-1] if typ else ""
            pkg = typ.rsplit(".", 1)[0] if typ else ""
            alias = next((a for a, p in self.imports.items() if api_pkg(p) == pkg), "")
            text = f"{alias}.{short}{text}" if alias else f"{short}{text}"
        v = self.value(text, env, typ, None)
        if v is None:
            return None
        if v[0] != "lit":
            raise Unread(text)
        return v[1]

    def emit(self, n, segs, value, conds):
        key = tuple(segs)
        if value[0] == "new":
            self.current[key] = None
            return
        if value[0] == "lit":
            self.current[key] = value[1]
        for sub, v in flatten(segs, value):
            self.effects.append({"segs": sub, "value": v, "conds": list(conds), "line": n,
                                 "func": self.func.name, "env": None})


def split_top(text, sep):
    parts, depth, cur = [], 0, ""
    for c in text:
        depth += c in "([{"
        depth -= c in ")]}"
        if c == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def flatten(segs, value):
    if value[0] == "lit" and isinstance(value[1], dict) and value[1]:
        out = []
        for k, v in value[1].items():
            out += flatten(segs + [k], ("lit", v))
        return out
    return [(segs, value)]


# ---------------------------------------------------------------- conditions


def atoms(expr):
    """Disjunction of conjunctions of atom texts."""
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")") and balanced(expr[1:-1]):
        expr = expr[1:-1].strip()
    ors = split_op(expr, "||")
    return [[a for a in split_op(o, "&&")] for o in ors]


def balanced(text):
    depth = 0
    for c in text:
        depth += c == "("
        depth -= c == ")"
        if depth < 0:
            return False
    return depth == 0


def split_op(text, op):
    parts, depth, cur, i = [], 0, "", 0
    while i < len(text):
        c = text[i]
        depth += c in "([{"
        depth -= c in ")]}"
        if depth == 0 and text.startswith(op, i):
            parts.append(cur.strip())
            cur, i = "", i + len(op)
            continue
        cur += c
        i += 1
    parts.append(cur.strip())
    out = []
    for p in parts:
        while p.startswith("(") and p.endswith(")") and balanced(p[1:-1]):
            p = p[1:-1].strip()
        if op == "&&" and "||" in p:
            out.append(p)  # nested disjunction: read as one atom
        else:
            out.append(p)
    return out


ZERO = (0, "", None)


def read_atom(reader, text, env):
    """("gate", G) | ("unset"/"set", segs) | ("eq"/"ne", segs, value)."""
    text = text.strip()
    m = re.fullmatch(r"utilfeature\.DefaultFeatureGate\.Enabled\(features\.(\w+)\)", text)
    if m:
        return ("gate", m.group(1))
    m = re.fullmatch(r"(?:util)?pointer\.AllPtrFieldsNil\(&?(.+)\)", text)
    if m and reader.resolve(m.group(1), env):
        return ("unset", reader.resolve(m.group(1), env)[0])
    m = re.fullmatch(r"len\((.+)\) (==|!=|>) 0", text)
    if m and reader.resolve(m.group(1), env):
        return ("unset" if m.group(2) == "==" else "set", reader.resolve(m.group(1), env)[0])
    m = re.fullmatch(r"(.+?) (==|!=) (.+)", text)
    if m:
        ref = reader.resolve(m.group(1), env)
        if ref is None:
            raise Unread(f"condition {text}")
        if m.group(3) == "nil":
            return ("unset" if m.group(2) == "==" else "set", ref[0])
        v = reader.value(m.group(3), env, None, None)
        if v is None or v[0] != "lit":
            raise Unread(f"condition {text}")
        if v[1] in ZERO or v[1] == {}:
            return ("unset" if m.group(2) == "==" else "set", ref[0])
        return ("eq" if m.group(2) == "==" else "ne", ref[0], v[1])
    ref = reader.resolve(text, env)
    if ref is not None:
        return ("eq", ref[0], True)
    raise Unread(f"condition {text}")


def negate(atom):
    flip = {"unset": "set", "set": "unset", "eq": "ne", "ne": "eq"}
    if atom[0] not in flip:
        raise Unread("else of a feature gate")
    return (flip[atom[0]],) + atom[1:]


def relative(target, segs, root_kind):
    """The REL of mod.rs for field `segs` seen from field `target`."""
    if "[]" not in segs[-1:] and segs[:-1] == target[:-1]:
        return segs[-1]
    if len(target) >= 2 and segs[:-1] == target[:-2]:
        return ".." + segs[-1]
    if root_kind and all(s != "[]" and not s.startswith("[") for s in segs):
        return "..." + ".".join(segs)
    return None


# ---------------------------------------------------------------- rules


def pattern_text(segs):
    out = ""
    for s in segs:
        if s == "[]" or s.startswith('["'):
            out += s
        else:
            out += ("." if out else "") + s
    return out


def function_rules(types, sources, api_repo):
    """Rules from every defaults.go below each source directory (named by
    the kubernetes/kubernetes commit it was read at)."""
    rules, seen = [], set()
    for src in sources:
        label = os.path.basename(os.path.normpath(src))
        where = commit_release(api_repo, label)
        rules.append(f"# {label[:12]}: {where}")
        for dirpath, _, files in sorted(os.walk(src)):
            if "defaults.go" not in files:
                continue
            rel = os.path.relpath(os.path.join(dirpath, "defaults.go"), src)
            m = re.fullmatch(r"pkg/apis/(\w+)/(v\d+)/defaults\.go", rel)
            if not m:
                continue
            api = f"{m.group(1)}/{m.group(2)}"
            text = open(os.path.join(dirpath, "defaults.go")).read()
            rules += file_rules(types, text, api, rel, label, seen)
    return rules


def file_rules(types, text, api, rel, label, seen):
    funcs, imports = read_functions(text, types, api)
    called = set(re.findall(r"\b(SetDefaults_\w+)\(\(?\*?[\w.]*\)?\(?&?obj", text))
    out = []
    for name, func in funcs.items():
        if name != "SetDefaults_" + func.typ.rsplit(".", 1)[-1]:
            continue  # not registered for a type: runs only where called
        def cite(n, name=name):
            return f"{rel}:{name}@{label[:12]} line {n}"
        reader = Reader(types, funcs, imports, api, cite)
        effects = reader.run(func)
        anchors = types.anchors(func.typ)
        if not anchors:
            if name not in called:
                out.append(f"# not reachable from a kind users apply: {rel}:{name} ({func.typ})")
            continue
        defaulted = {tuple(e["segs"]) for e in effects}
        for e in effects:
            for rule in effect_rules(types, func, e, anchors, defaulted, reader, rel, label):
                key = rule.split(" src=")[0]
                if key not in seen:
                    seen.add(key)
                    out.append(rule)
    return out


def effect_rules(types, func, e, anchors, defaulted, reader, rel, label):
    target = e["segs"]
    root_kind = types.is_kind(func.typ)
    line = e["line"]
    cite = f"{rel}:{e['func']}@{label[:12]} line {line}"
    alternatives = [[]]
    gates = []
    try:
        for cond in e["conds"]:
            options = cond_options(cond)
            alternatives = [a + o for a in alternatives for o in options]
    except Unread as err:
        warn(f"{cite}: not read: {err}")
        return []
    value = e["value"]
    if value[0] == "same":
        rel_same = relative(target, value[1], root_kind)
        if rel_same is None:
            warn(f"{cite}: value is field {pattern_text(value[1])}, not expressible from {pattern_text(target)}")
            return []
        text = f"@same-as:{rel_same}"
    elif value[0] == "lit":
        text = json.dumps(value[1], separators=(",", ":"))
    else:
        warn(f"{cite}: no value for {pattern_text(target)}")
        return []
    rules = []
    for alt in alternatives:
        opts, gate_names, ok = [], [], True
        for atom in alt:
            if atom[0] == "gate":
                gate_names.append(atom[1])
                continue
            segs = atom[1]
            if is_prefix(segs, target) or is_prefix(target, segs):
                if atom[0] in ("unset", "set"):
                    continue  # the guard of the default itself
            if atom[0] in ("unset", "set"):
                if tuple(segs) in defaulted:
                    warn(f"{cite}: condition on {pattern_text(segs)} before its own default is not checkable on a live object; left out")
                    continue
                cmp, want = ("==" if atom[0] == "unset" else "!="), None
            else:
                cmp, want = ("==" if atom[0] == "eq" else "!="), atom[2]
            rel_c = relative(target, segs, root_kind)
            if rel_c is None:
                warn(f"{cite}: condition on {pattern_text(segs)} not expressible from {pattern_text(target)}")
                ok = False
                break
            opts.append(f"if={rel_c}{cmp}{json.dumps(want, separators=(',', ':'))}")
        if not ok:
            continue
        gate = "".join(f" (feature gate {g})" for g in gate_names)
        for kinds, anchor, prefix in anchors:
            pattern = anchor + pattern_text(prefix + target)
            rule = " ".join([kinds, pattern, text] + opts) + f" src={cite}{gate}"
            rules.append(rule)
    return rules


def is_prefix(a, b):
    return len(a) <= len(b) and list(b[:len(a)]) == list(a)


def cond_options(cond):
    """The alternatives (lists of atoms) a frame condition allows."""
    if cond[0] == "unknown":
        raise Unread(f"{cond[1]} (line {cond[2]})")
    return cond[1]


def negated(cond, n):
    if cond is None or cond[0] != "alts" or len(cond[1]) != 1 or len(cond[1][0]) != 1:
        return ("unknown", "else of a condition not read as one comparison", n)
    try:
        return ("alts", [[negate(cond[1][0][0])]])
    except Unread as e:
        return ("unknown", str(e), n)


def commit_release(api_repo, commit):
    """Which Kubernetes release a kubernetes/kubernetes commit is first in,
    from the Kubernetes-commit trailers of the published kubernetes/api."""
    out = git(api_repo, "log", "--all", "--format=%H", f"--grep=Kubernetes-commit: {commit}")
    shas = out.split()
    if not shas:
        return "not named by any kubernetes/api commit: release not determined"
    tags = git(api_repo, "tag", "--contains", shas[-1]).split()
    rel = sorted((t for t in tags if re.fullmatch(r"v0\.\d+\.\d+", t)),
                 key=lambda t: [int(x) for x in t[1:].split(".")])
    if not rel:
        return f"published as kubernetes/api {shas[-1][:9]}, in no release tag yet"
    return f"published as kubernetes/api {shas[-1][:9]}, first released in {rel[0]} (Kubernetes 1.{rel[0].split('.')[1]})"
