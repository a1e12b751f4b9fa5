"""The package's shape: imports point one way and never in a circle; no module shares a
public name of its package (read with `ast`, nothing imported)."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers.paths import REPO

PACKAGE = REPO / "skrun_build"

# Layers, lowest first: a module may import its own layer or a lower one, never a higher one.
# cli -> features (bundle, deps, scaffolding, skills, config) -> checks -> formats -> the base.
_LAYERS = {"formats": 1, "checks": 2, "cli": 4}
_FEATURES = ("bundle", "deps", "scaffolding", "skills", "config")
_ENTRY = ("skrun_build._entry", "skrun_build.__main__")  # the console script, above cli

# The cycle wt-buildpath removes (issue 11, item 4: skillzip imports back from build);
# delete this line once that branch is merged.
_KNOWN_CYCLES: list[set[str]] = []


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """Every skrun_build module `name` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name) for name in MODULES}


def _layer(name: str) -> int:
    if name in _ENTRY:
        return 5
    parts = name.split(".")
    if len(parts) == 1:
        return 0
    if parts[1] in _FEATURES:
        return 3
    return _LAYERS.get(parts[1], 0)  # errors, issues, suggest, fsutil, the lazy __init__


def test_the_graph_is_read() -> None:
    # A sanity check, so that an empty graph cannot pass the tests below.
    assert "skrun_build.checks.codes" in GRAPH["skrun_build.checks.skill"]
    assert "skrun_build.formats.yaml" in GRAPH["skrun_build.checks.agent"]
    assert "skrun_build.checks.codes" in GRAPH["skrun_build.cli.rules_cmd"]  # inside a function


def test_no_upward_import() -> None:
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if _layer(target) > _layer(name)
    )
    assert upward == []


def test_nothing_but_the_entry_point_imports_cli() -> None:
    importers = sorted(
        name
        for name, targets in GRAPH.items()
        if not name.startswith("skrun_build.cli") and name not in _ENTRY
        for target in targets
        if target.startswith("skrun_build.cli")
    )
    assert importers == []


def _cycles() -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle() -> None:
    assert [c for c in _cycles() if c not in _KNOWN_CYCLES] == []


def test_the_cycle_check_sees_a_cycle() -> None:
    GRAPH["skrun_build.formats.yaml"].add("skrun_build.formats.jsonloc")
    try:
        assert {"skrun_build.formats.yaml", "skrun_build.formats.jsonloc"} in _cycles()
    finally:
        GRAPH["skrun_build.formats.yaml"].discard("skrun_build.formats.jsonloc")


def _public_names(init: Path) -> set[str]:
    """What a package's __init__ offers: its public defs, imports and lazy names."""
    names = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if getattr(target, "id", "") == "_LAZY" and isinstance(node.value, ast.Dict):
                names |= {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    return {n for n in names if not n.startswith("_")}


def test_no_module_shares_a_public_name_of_its_package() -> None:
    # `skrun_build.validate` must be the function whatever was imported first: a submodule
    # of that name would replace it on import (the old _CallableModule swaps worked around it).
    clashes = []
    for init in PACKAGE.rglob("__init__.py"):
        submodules = {p.stem for p in init.parent.glob("*.py")} | {
            p.name for p in init.parent.iterdir() if (p / "__init__.py").is_file()
        }
        for name in sorted(_public_names(init) & submodules):
            clashes.append(f"{init.parent.relative_to(REPO)}: {name}")
    assert clashes == []
