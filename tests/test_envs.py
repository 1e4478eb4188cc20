"""Every rule's conda env holds what the rule's code imports, pinned as in requirements.txt.

conda cannot be reached here, so this is proved statically. Snakemake's API names each rule's
env and script; the script is followed through the package with ``ast`` to the third-party
modules it can import. Lazy imports count when the function holding them is reachable from the
script (any reference to a package name counts, a referenced class brings all its methods, a
module used as a value brings all of it), because lazy imports are what keep TensorFlow out of
the figures env. Optional dependencies that pandas, xarray and Keras load behind a call count
too (``to_markdown`` needs tabulate, ``open_dataset`` without an engine needs netCDF4, ...).
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# scripts/figure.py imports the module that params.function names ("module:function").
DYNAMIC_PARAM = "function"
# module -> pip distribution, where packages_distributions() may not say (not installed here)
# or says something else (tensorflow-cpu, not tensorflow, provides `tensorflow`).
MODULE_DISTRIBUTIONS = {
    "tensorflow": "tensorflow-cpu",
    "netCDF4": "netCDF4",
    "yaml": "PyYAML",
    "sklearn": "scikit-learn",
    "h5netcdf": "h5netcdf",
    "tabulate": "tabulate",
    "jinja2": "Jinja2",
    "pyarrow": "pyarrow",
    "openpyxl": "openpyxl",
}
# a module -> what it loads at run time without an import statement in our code
RUNTIME_MODULES = {"keras": ("tensorflow", "Keras 3's default backend")}
# pandas/xarray methods -> the optional module they import when called
OPTIONAL_CALLS = {
    "to_markdown": "tabulate",
    "to_latex": "jinja2",
    "to_parquet": "pyarrow",
    "read_parquet": "pyarrow",
    "to_excel": "openpyxl",
    "read_excel": "openpyxl",
}
NETCDF_CALLS = {"to_netcdf", "open_dataset", "open_dataarray", "load_dataset", "open_mfdataset"}
# xarray engine -> module; with no engine xarray takes netCDF4 first, and the workflow's
# netCDF-4 files need netCDF4 or h5netcdf (scipy reads netCDF-3 only)
NETCDF_ENGINES = {"netcdf4": "netCDF4", "h5netcdf": "h5netcdf", "scipy": "scipy"}
PLAIN_INTERPOLATION = {"linear", "time", "index", "values", "pad", "ffill", "bfill"}


def normalise(name: str) -> str:
    """PEP 503 name; conda-forge spells our distributions the same way (netcdf4, pyyaml)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# ---- the package: modules, their units (top-level defs, classes, assignments) and imports


@dataclass
class Module:
    name: str
    path: Path
    load: list = field(default_factory=list)  # nodes run on import
    units: dict = field(default_factory=dict)  # top-level name -> nodes run when used
    eager: set = field(default_factory=set)  # assignments that call something on import


def parse_module(name: str, path: Path, text: str | None = None) -> Module:
    """Split a module into the code run on import and the units run when referenced; given
    ``text`` (a script, a `run:` block), all of it runs."""
    tree = ast.parse(path.read_text() if text is None else text, filename=str(path))
    mod = Module(name, path)
    if text is not None:
        mod.load = [tree]
        return mod
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            mod.load += [*stmt.decorator_list, *stmt.args.defaults, *stmt.args.kw_defaults]
            mod.units[stmt.name] = stmt.body
        elif isinstance(stmt, ast.ClassDef):
            mod.load += [*stmt.decorator_list, *stmt.bases, *stmt.keywords]
            mod.units[stmt.name] = stmt.body
        elif isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if len(names) != len(targets):
                mod.load.append(stmt)
                continue
            for n in names:
                mod.units[n] = [stmt.value]
                if any(isinstance(x, ast.Call) for x in ast.walk(stmt.value)):
                    mod.eager.add(n)
        else:
            mod.load.append(stmt)
    return mod


@dataclass
class Facts:
    imports: list = field(default_factory=list)  # ast.Import / ast.ImportFrom
    chains: list = field(default_factory=list)  # ("a", "b", "c") for a.b.c
    calls: list = field(default_factory=list)  # ast.Call


def facts(nodes) -> Facts:
    """Imports, name references and calls in ``nodes``; annotations do not run, so skipped."""
    out = Facts()

    def visit(node):
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.imports.append(node)
            return
        if isinstance(node, ast.Call):
            out.calls.append(node)
        chain, base = [], node
        while isinstance(base, ast.Attribute):
            chain.insert(0, base.attr)
            base = base.value
        if isinstance(base, ast.Name) and (chain or node is base):
            out.chains.append((base.id, *chain))
            return
        for name, value in ast.iter_fields(node):
            if name in ("annotation", "returns"):
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    visit(child)

    for n in nodes:
        if n is not None:  # an absent keyword-only default
            visit(n)
    return out


class Package:
    """The package's modules under ``root`` (e.g. scripts/eqprecursors), parsed on demand."""

    def __init__(self, root: Path, name: str):
        self.root, self.name, self.cache = root, name, {}

    def shown(self, mod: Module) -> str:
        """A module's file as the failure message names it."""
        base = self.root.parent
        return str(mod.path.relative_to(base)) if mod.path.is_relative_to(base) else mod.name

    def path(self, module: str) -> Path | None:
        if module != self.name and not module.startswith(self.name + "."):
            return None
        base = self.root.joinpath(*module.split("."))
        for p in (base / "__init__.py", base.with_suffix(".py")):
            if p.is_file():
                return p
        return None

    def module(self, name: str) -> Module:
        if name not in self.cache:
            self.cache[name] = parse_module(name, self.path(name))
        return self.cache[name]

    def bindings(self, mod: Module, nodes) -> dict:
        """Name -> ("ext", top) | ("mod", module) | ("from", module, attr), from imports."""
        out = {}
        for node in facts(nodes).imports:
            for alias in node.names:
                if isinstance(node, ast.Import):
                    top = alias.name.split(".")[0]
                    target = alias.name if alias.asname else top
                    kind = "mod" if self.path(target) else "ext"
                    out[alias.asname or top] = (kind, target if kind == "mod" else top)
                else:
                    source = self.absolute(mod, node)
                    if self.path(source):
                        out[alias.asname or alias.name] = ("from", source, alias.name)
                    elif source:
                        out[alias.asname or alias.name] = ("ext", source.split(".")[0])
        return out

    def absolute(self, mod: Module, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = mod.name.split(".")
        is_package = mod.path.name == "__init__.py"
        base = parts[: len(parts) - node.level + (1 if is_package else 0)]
        return ".".join([*base, *([node.module] if node.module else [])])


# ---- tracing: breadth first from a script, so each need comes with its shortest chain


def label(unit) -> str:
    module, name = unit
    return {None: f"{module} (on import)", "*": f"{module} (all of it)"}.get(
        name, f"{module}:{name}"
    )


def trace(pkg: Package, script: str, source: str, entries=()) -> dict[str, list[str]]:
    """Third-party module -> chain of units from ``script`` (its code: ``source``; ``entries``:
    the "module:function" it imports by name) to the line that needs it."""
    script_mod = parse_module(script, Path(script), source)
    pkg.cache[script] = script_mod
    start = (script, None)
    parent: dict = {start: None}
    queue = [start]
    needs: dict[str, list[str]] = {}

    def chain_to(unit) -> list[str]:
        out = []
        while unit is not None:
            out.insert(0, label(unit) if unit != start else script)
            unit = parent[unit]
        return out

    def reach(unit, came_from):
        if unit not in parent:
            parent[unit] = came_from
            queue.append(unit)

    def load(module: str, came_from):
        parts = module.split(".")
        for i in range(1, len(parts) + 1):
            if pkg.path(".".join(parts[:i])):
                reach((".".join(parts[:i]), None), came_from)

    def need(module: str, unit, why: str):
        if module in sys.stdlib_module_names or module == "__future__" or module in needs:
            return
        needs[module] = [*chain_to(unit), why]
        if module in RUNTIME_MODULES:
            runtime, reason = RUNTIME_MODULES[module]
            need(runtime, unit, f"{why}, which loads {runtime} ({reason})")

    def member(module: str, attr: str, came_from) -> tuple | None:
        """Unit of ``module.attr``; returns ("mod", name) when attr is a submodule."""
        load(module, came_from)
        if pkg.path(f"{module}.{attr}"):
            load(f"{module}.{attr}", came_from)
            return ("mod", f"{module}.{attr}")
        mod = pkg.module(module)
        if attr in mod.units:
            reach((module, attr), came_from)
            return None
        binding = pkg.bindings(mod, mod.load).get(attr)
        if binding and binding[0] == "ext":  # np in `a.np`: the import of `a` needs it already
            return None
        if binding and binding[0] == "from":  # a re-export
            return member(binding[1], binding[2], (module, None))
        if binding and binding[0] == "mod":
            return ("mod", binding[1])
        reach((module, "*"), came_from)  # unknown: assume all of it
        return None

    def resolve(chain: tuple, bound: dict, mod: Module, unit):
        head, rest = chain[0], list(chain[1:])
        binding = bound.get(head)
        if binding is None:
            if head in mod.units and mod.name != script_mod.name:
                reach((mod.name, head), unit)
            return
        if binding[0] == "ext":
            return
        target = binding if binding[0] == "mod" else member(binding[1], binding[2], unit)
        while target is not None:
            if not rest:
                reach((target[1], "*"), unit)  # a module used as a value
                return
            target = member(target[1], rest.pop(0), unit)

    while queue:
        unit = queue.pop(0)
        module, name = unit
        mod = pkg.module(module)
        if name == "*":
            for n in mod.units:
                reach((module, n), unit)
            nodes = []
        elif name is None:
            nodes = mod.load
            for n in mod.eager:
                reach((module, n), unit)
            for entry in entries if unit == start else ():
                target, _, func = entry.partition(":")
                load(target, unit)
                member(target, func, unit) if func else reach((target, "*"), unit)
        else:
            nodes = mod.units[name]
        found = facts(nodes)
        bound = {**pkg.bindings(mod, mod.load), **pkg.bindings(mod, nodes)}
        for node in found.imports:
            where = pkg.shown(mod)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if pkg.path(alias.name):
                        load(alias.name, unit)
                    else:
                        top = alias.name.split(".")[0]
                        need(top, unit, f"`import {alias.name}` ({where}:{node.lineno})")
            else:
                source = pkg.absolute(mod, node)
                if pkg.path(source):
                    load(source, unit)
                    for alias in node.names:
                        if alias.name == "*":
                            reach((source, "*"), unit)
                        elif pkg.path(f"{source}.{alias.name}"):
                            load(f"{source}.{alias.name}", unit)
                else:
                    top = source.split(".")[0]
                    need(top, unit, f"`from {source} import ...` ({where}:{node.lineno})")
        for chain in found.chains:
            resolve(chain, bound, mod, unit)
        for call in found.calls:
            for optional, why in optional_needs(call, bound):
                need(optional, unit, f"{why} ({pkg.shown(mod)}:{call.lineno})")
    return needs


def optional_needs(call: ast.Call, bound: dict) -> list[tuple[str, str]]:
    """Optional modules that pandas/xarray import inside this call."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return []
    receiver = func.value
    if isinstance(receiver, ast.Name) and bound.get(receiver.id, ("",))[0] == "ext":
        if bound[receiver.id][1] not in ("pandas", "xarray"):
            return []  # np.interp, netCDF4.Dataset, ...
    kw = {k.arg: k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)}
    attr = func.attr
    if attr in OPTIONAL_CALLS:
        return [(OPTIONAL_CALLS[attr], f".{attr}()")]
    if attr in NETCDF_CALLS:
        engine = kw.get("engine", "netcdf4")
        return [(NETCDF_ENGINES.get(engine, str(engine)), f".{attr}(engine={engine!r})")]
    if attr == "corr" and kw.get("method") in ("spearman", "kendall"):
        return [("scipy", f".corr(method={kw['method']!r})")]
    if attr == "interp":
        return [("scipy", "xarray .interp()")]
    if attr == "interpolate" and kw.get("method", "linear") not in PLAIN_INTERPOLATION:
        return [("scipy", f".interpolate(method={kw['method']!r})")]
    return []


# ---- the workflow's rules, as Snakemake's API reads them (in a subprocess: it changes cwd)

_RULES_QUERY = r"""
import itertools, json, os, re, sys, types
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import OutputSettings, ResourceSettings
snakefile, key = Path(sys.argv[1]), sys.argv[2]
out = []
with SnakemakeApi(OutputSettings()) as api:
    workflow = api.workflow(
        snakefile=snakefile, workdir=snakefile.parent, resource_settings=ResourceSettings(cores=1)
    )._workflow
    for rule in workflow.rules:
        kind = ("norun" if rule.norun else "script" if rule.is_script else "shell" if rule.is_shell
                else "run" if rule.is_run else "other")
        env = rule.conda_env
        path = lambda p: os.path.normpath(rule.basedir.join(p).get_path_or_uri(secret_free=True))
        item = dict(name=rule.name, kind=kind, snakefile=rule.snakefile,
                    env=path(env) if isinstance(env, str) else env,
                    script=path(rule.script) if rule.script else None,
                    shell=rule.shellcmd if isinstance(rule.shellcmd, str) else None,
                    functions=[], error=None)
        value = dict(rule.params.items()).get(key)
        if isinstance(value, str):
            item["functions"] = [value]
        elif callable(value):  # a function of wildcards: every value the constraints allow
            choices = {w: c.split("|") for w, c in rule.wildcard_constraints.items()
                       if re.fullmatch(r"\w+(\|\w+)*", c)}
            try:
                item["functions"] = sorted({value(types.SimpleNamespace(**dict(zip(choices, v))))
                                            for v in itertools.product(*choices.values())})
            except Exception as e:
                item["error"] = f"params.{key}: a function of wildcards not enumerable: {e!r}"
        out.append(item)
print("RULES=" + json.dumps(out, default=repr))
"""


def workflow_rules(snakefile: Path) -> list[dict]:
    """Each rule: name, kind (script/shell/run/norun/other), env, script, shell, functions."""
    run = subprocess.run(
        [sys.executable, "-c", _RULES_QUERY, str(snakefile), DYNAMIC_PARAM],
        cwd=snakefile.parent,
        capture_output=True,
        text=True,
    )
    line = [x for x in run.stdout.splitlines() if x.startswith("RULES=")]
    assert run.returncode == 0 and line, f"{snakefile}: rules not read\n{run.stderr[-3000:]}"
    return json.loads(line[-1].removeprefix("RULES="))


def run_block(snakefile: Path, rule: str) -> tuple[int, str]:
    """(line, Python source) of the `run:` block of ``rule`` (Snakemake's rule.lineno counts
    lines of the compiled workflow, not of the file)."""
    lines = snakefile.read_text().splitlines()
    first = next(i for i, x in enumerate(lines) if re.match(rf"^(rule|checkpoint) {rule}:", x))
    start = next(i for i in range(first, len(lines)) if re.match(r"^\s+run:\s*$", lines[i]))
    indent = len(lines[start]) - len(lines[start].lstrip())
    body = []
    for x in lines[start + 1 :]:
        if x.strip() and len(x) - len(x.lstrip()) <= indent:
            break
        body.append(x)
    return start + 1, textwrap.dedent("\n".join(body))


def rule_code(rule: dict, workdir: Path) -> list[tuple[str, str]]:
    """(name shown, Python source) of the code a rule runs: its script, the Python scripts
    and ``-m`` modules of its shell command, or its `run:` block."""
    if rule["kind"] == "script":
        path = Path(rule["script"])
        shown = str(path.relative_to(workdir)) if path.is_relative_to(workdir) else str(path)
        if path.suffix != ".py":
            raise ValueError(f"script {shown} is not Python")
        return [(shown, path.read_text())]
    if rule["kind"] == "shell":
        shell = rule["shell"]
        found = [(p, (workdir / p).read_text()) for p in re.findall(r"(\S+\.py)\b", shell)]
        return found + [
            (f"python -m {m}", f"import {m}") for m in re.findall(r"-m\s+([\w.]+)", shell)
        ]
    if rule["kind"] == "run":
        source = Path(rule["snakefile"])
        line, code = run_block(source, rule["name"])
        return [(f"{source.name}:{line} run:", code)]
    raise ValueError(f"{rule['kind']} rules are not understood by tests/test_envs.py")


# ---- pins


def pip_pins(requirements: Path) -> dict[str, str]:
    pins = {}
    for line in requirements.read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9_.\-]+)==([^\s#]+)", line):
            pins[normalise(m.group(1))] = m.group(2)
    return pins


def env_pins(env_path: Path) -> dict[str, str]:
    """conda name -> version ("" when unpinned), pip: entries included."""
    pins = {}
    for dep in yaml.safe_load(env_path.read_text())["dependencies"]:
        for spec in dep.get("pip", []) if isinstance(dep, dict) else [dep]:
            m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:==?\s*([^\s#]+))?", spec)
            pins[normalise(m.group(1))] = m.group(2) or ""
    return pins


def same_version(env: str, pip: str) -> bool:
    """conda-forge drops pip's ``.postN`` suffix (netCDF4 1.7.5.1.post1 is 1.7.5 there)."""
    return env == pip or bool(re.fullmatch(re.escape(env) + r"(\.\d+)*\.post\d+", pip))


@functools.cache
def installed() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distribution(module: str, pins: dict[str, str]) -> str | None:
    if module in MODULE_DISTRIBUTIONS:
        return normalise(MODULE_DISTRIBUTIONS[module])
    found = [normalise(d) for d in installed().get(module, [])]
    return next((d for d in found if d in pins), found[0] if found else None)


def check_workflow(snakefile, requirements, package_root, package, rules=None):
    """(rules checked, failures): one failure per rule and distribution it lacks. A `run:`
    block runs in Snakemake's own process, so its env is requirements.txt."""
    pins = pip_pins(requirements)
    pkg = Package(package_root, package)
    checked, failures = [], []
    for rule in rules or workflow_rules(snakefile):
        name = rule["name"]
        if rule["kind"] == "norun":
            continue
        try:
            code = rule_code(rule, snakefile.parent)
        except (ValueError, OSError) as e:
            failures.append(f"rule {name}: {e}")
            continue
        if rule["kind"] == "run":
            env, env_name = pins, "requirements.txt"
        elif isinstance(rule["env"], str) and Path(rule["env"]).is_file():
            env, env_name = env_pins(Path(rule["env"])), Path(rule["env"]).name
        else:
            failures.append(f"rule {name}: conda env {rule['env']!r} is not a file")
            continue
        if rule["error"]:
            failures.append(f"rule {name}: {rule['error']}")
        for shown, source in code:
            entries = rule["functions"] if "import_module" in source else []
            if "import_module" in source and not entries:
                failures.append(f"rule {name}: {shown} imports params.{DYNAMIC_PARAM}: none given")
            needs = trace(pkg, shown, source, entries)
            checked.append(name)
            for module, chain in sorted(needs.items()):
                problem = pin_problem(module, env, env_name, pins)
                if problem:
                    failures.append(f"rule {name} ({env_name}): {' -> '.join(chain)}: {problem}")
    return checked, failures


def pin_problem(module: str, env: dict, env_name: str, pins: dict) -> str | None:
    dist = distribution(module, pins)
    if dist is None:
        return f"no distribution known for module {module} (add it to MODULE_DISTRIBUTIONS)"
    if dist not in pins:
        return f"{dist} (module {module}) is not pinned in requirements.txt"
    if dist not in env:
        return f"{dist}={pins[dist]} (module {module}) is missing from {env_name}"
    if not same_version(env[dist], pins[dist]):
        return f"{env_name} pins {dist}={env[dist]!r}, requirements.txt {pins[dist]}"
    return None


# ---- the tests


def test_every_rule_env_holds_what_its_code_imports():
    checked, failures = check_workflow(
        ROOT / "Snakefile", ROOT / "requirements.txt", ROOT / "scripts", "eqprecursors"
    )
    assert {"download_intermagnet", "train_ground", "figure_ground_map"} <= set(checked)
    assert len(set(checked)) >= 60, sorted(checked)
    assert not failures, "\n".join(failures)


FAKE_WORKFLOW = {
    "Snakefile": """
rule ok:
    output: "ok.txt"
    conda: "envs/small.yaml"
    script: "scripts/ok.py"

rule lazy_miss:
    output: "miss.txt"
    conda: "envs/small.yaml"
    script: "scripts/miss.py"

rule table:
    output: "t.md"
    conda: "envs/small.yaml"
    params: function="fakepkg.tables:write"
    script: "scripts/dispatch.py"

rule shelled:
    output: "s.txt"
    conda: "envs/small.yaml"
    shell: "python scripts/miss.py > {output}"

rule inline:
    output: "r.txt"
    run:
        from fakepkg.c import dump
        dump()
""",
    "requirements.txt": "numpy==2.4.6\npandas==3.1.1\nrequests==2.34.2\ntabulate==0.10.0\n",
    "envs/small.yaml": "channels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
    "  - numpy=2.4.6\n",
    "scripts/fakepkg/__init__.py": "",
    "scripts/fakepkg/a.py": "import numpy as np\n\n\ndef unused():\n    import requests\n\n\n"
    "def run():\n    from fakepkg.b import go\n\n    return go()\n",
    "scripts/fakepkg/b.py": "def go():\n    import requests\n\n    return requests\n",
    "scripts/fakepkg/c.py": "def dump():\n    import yaml\n\n    return yaml\n",
    "scripts/fakepkg/tables.py": "def write(out_md):\n    import pandas as pd\n\n"
    "    pd.DataFrame({'a': [1]}).to_markdown(out_md)\n",
    "scripts/ok.py": "from fakepkg import a\n\nprint(a.np.pi)\n",
    "scripts/miss.py": "from fakepkg.a import run\n\nrun()\n",
    "scripts/dispatch.py": "from importlib import import_module\n\n"
    "module, _, name = snakemake.params.function.partition(':')\n"
    "getattr(import_module(module), name)()\n",
}


def test_the_checker_fails_a_rule_whose_env_lacks_an_import(tmp_path):
    """A fake workflow: lazy imports two calls deep, a module named by params.function, a
    pandas optional dependency, a shell: script and a run: block are all caught; a lazy
    import in a function nobody calls is not demanded."""
    for name, text in FAKE_WORKFLOW.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    args = (tmp_path / "Snakefile", tmp_path / "requirements.txt", tmp_path / "scripts", "fakepkg")
    rules = workflow_rules(args[0])
    checked, failures = check_workflow(*args, rules=rules)
    assert sorted(checked) == ["inline", "lazy_miss", "ok", "shelled", "table"]
    by_rule = {r: [f for f in failures if f.startswith(f"rule {r} ")] for r in checked}
    assert by_rule["ok"] == []
    (miss,) = by_rule["lazy_miss"]
    assert miss.startswith("rule lazy_miss (small.yaml): scripts/miss.py -> fakepkg.a:run -> ")
    assert "fakepkg.b:go -> `import requests` (scripts/fakepkg/b.py:2)" in miss
    assert miss.endswith("requests=2.34.2 (module requests) is missing from small.yaml")
    (shelled,) = by_rule["shelled"]
    assert "scripts/miss.py -> fakepkg.a:run" in shelled and "requests=2.34.2" in shelled
    pandas, tabulate = by_rule["table"]
    assert "scripts/dispatch.py -> fakepkg.tables:write -> `import pandas`" in pandas
    assert "fakepkg.tables:write -> .to_markdown() (scripts/fakepkg/tables.py:4)" in tabulate
    assert tabulate.endswith("tabulate=0.10.0 (module tabulate) is missing from small.yaml")
    (inline,) = by_rule["inline"]
    assert "Snakefile:" in inline and "run: -> fakepkg.c:dump -> `import yaml`" in inline
    assert inline.endswith("pyyaml (module yaml) is not pinned in requirements.txt")
    assert len(failures) == 5, "\n".join(failures)

    env = tmp_path / "envs/small.yaml"
    env.write_text(env.read_text() + "  - pandas=3.1.1\n  - requests=2.34.2\n  - tabulate=0.10\n")
    _, failures = check_workflow(*args, rules=rules)
    assert [f for f in failures if "(module yaml)" not in f] == [
        "rule table (small.yaml): scripts/dispatch.py -> fakepkg.tables:write -> .to_markdown() "
        "(scripts/fakepkg/tables.py:4): small.yaml pins tabulate='0.10', requirements.txt 0.10.0"
    ]
    assert len(failures) == 2


def test_conda_versions_may_drop_only_a_post_suffix():
    assert same_version("1.7.5", "1.7.5.1.post1") and same_version("2.1", "2.1")
    assert not same_version("1.7", "1.7.5") and not same_version("0.10", "0.10.0")
