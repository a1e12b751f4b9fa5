"""The build path runs one way: no import cycle in `bundle/` or `deps/`, settings that never
import the rules, and agent.yaml parsed once per build (its check hands back the config)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from skrun_build.bundle import build_bundle
from skrun_build.checks import agent
from skrun_build.errors import ValidationFailed

from helpers.bundle import agent_tree, agent_yaml

PACKAGE = Path(__file__).resolve().parents[2] / "skrun_build"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every `skrun_build` module `path` imports, at the top, in a function or for typing."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            # `from pkg import mod` imports the module pkg.mod when there is one.
            found.update(f"{base}.{a.name}" for a in node.names if _is_module(f"{base}.{a.name}"))
    return {m for m in found if m == "skrun_build" or m.startswith("skrun_build.")}


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    files = [
        *sorted((PACKAGE / "bundle").glob("*.py")),
        *sorted((PACKAGE / "deps").glob("*.py")),
        PACKAGE / "config.py",
    ]
    nodes = {_module_name(f): f for f in files}
    return {name: _imports(f) & nodes.keys() - {name} for name, f in nodes.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle once, as the path that closes it (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_the_graph_sees_the_imports_it_must_judge() -> None:
    graph = _graph()
    # Guards against a parser that finds nothing (and so no cycle): known edges are there.
    assert "skrun_build.bundle.source" in graph["skrun_build.bundle.build"]
    assert "skrun_build.bundle.agenttar" in graph["skrun_build.bundle.build"]  # lazy import
    assert "skrun_build.deps.installed" in graph["skrun_build.deps.node"]
    assert "skrun_build.deps" in graph["skrun_build.deps.python"]  # `from ... import Notify`
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_bundle_and_deps_have_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_writers_never_import_the_build_or_the_validator_bridge() -> None:
    graph = _graph()
    upward = {"skrun_build.bundle.build", "skrun_build.bundle.source"}
    for writer in ("agenttar", "skillzip", "writer", "probe", "result", "collect", "secrets"):
        assert graph[f"skrun_build.bundle.{writer}"] & upward == set(), writer


def test_settings_import_nothing_but_the_error_tree() -> None:
    # config.py reads [tool.skrun]; whether its codes exist is asked by the CLI. The one
    # did-you-mean (suggest.py) and the size parser (fsutil.py) are leaves.
    assert _imports(PACKAGE / "config.py") == {
        "skrun_build.errors",
        "skrun_build.suggest",
        "skrun_build.fsutil",
    }
    assert _imports(PACKAGE / "suggest.py") == set()
    assert _imports(PACKAGE / "fsutil.py") <= {"skrun_build.errors"}


def _count_agent_yaml_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = agent.load_yaml

    def counting(text: str, **kwargs: Any) -> Any:
        if str(kwargs.get("file", "")).endswith("agent.yaml"):
            parsed.append(kwargs["file"])
        return real(text, **kwargs)

    monkeypatch.setattr(agent, "load_yaml", counting)
    return parsed


def test_a_build_parses_agent_yaml_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = agent_tree(tmp_path)
    parsed = _count_agent_yaml_parses(monkeypatch)
    result = build_bundle(root, tmp_path / "out")
    assert result.path.name == "demo-0.1.0.agent"
    assert parsed == [str(root / "agent.yaml")]


def test_check_agent_config_gives_the_issues_and_the_config_of_one_parse(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"AGENTS.md": "x"})
    issues, config = agent.check_agent_config(root, None)
    assert issues == agent.check_agent_dir(root, None)
    assert config is not None
    assert config.snapshot() == agent.load_agent_config(root).snapshot()


def test_check_agent_config_gives_no_config_when_agent_yaml_has_an_error(tmp_path: Path) -> None:
    root = agent_tree(tmp_path)
    (root / "agent.yaml").write_text(agent_yaml("demo") + "  - name: text\n    type: string\n")
    issues, config = agent.check_agent_config(root, None)
    assert config is None
    assert [i.code for i in issues if i.level == "error"] == ["AG014"]


def test_an_agent_yaml_error_hidden_by_ignore_still_stops_the_build(tmp_path: Path) -> None:
    # As before the single parse: the snapshot needs a valid agent.yaml whatever is ignored.
    root = agent_tree(tmp_path)
    (root / "agent.yaml").write_text(agent_yaml("demo") + "  - name: text\n    type: string\n")
    with pytest.raises(ValidationFailed) as info:
        build_bundle(root, tmp_path / "out", ignore=["AG014"])
    assert "AG014" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_an_unreadable_skill_md_hidden_by_ignore_still_stops_a_skill_build(tmp_path: Path) -> None:
    from skrun_build.errors import InputError

    root = tmp_path / "s"
    root.mkdir()
    (root / "SKILL.md").write_text("---\nname: [oops\n---\nbody\n")
    with pytest.raises(InputError) as info:
        build_bundle(root, tmp_path / "out", format="skill", ignore=["SK007"])
    assert "invalid YAML" in str(info.value)
    assert not (tmp_path / "out").exists()
