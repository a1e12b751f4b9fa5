"""Depth guards give one answer on every supported Python (3.11, 3.12, 3.13), through the CLI.

The suite runs under each interpreter; these inputs are the ones whose handling used to
depend on how deep that interpreter's own parsers recurse (Issue 15).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree, skill_md
from helpers.trees import make_tree

JSON_HINT = "flatten the structure: the skrun runtime's JSON reader stops at 128 levels"


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deep_artifact_json_is_ar002_not_an_internal_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    depth: int,
) -> None:
    # 3.13's json takes 5,000 levels (3.11 raised RecursionError, which we mapped to AR002);
    # our position walker then crashed: "internal error: RecursionError", exit 3.
    make_tree(
        tmp_path / "deep",
        {"SKILL.md": skill_md("deep"), "artifact.json": "[" * depth + "]" * depth},
    )
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "deep"]) == 1
    out = capsys.readouterr()
    assert "internal error" not in out.err
    assert out.out.splitlines()[0] == (
        f"deep/artifact.json:1:128: AR002 error JSON nesting is deeper than 127 levels"
        f" ({JSON_HINT})"
    )


def test_deep_agent_yaml_is_ag003(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(tmp_path)
    text = (root / "agent.yaml").read_text(encoding="utf-8")
    (root / "agent.yaml").write_text(text + "x: " + "[" * 5_000 + "]" * 5_000 + "\n")
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--select", "AG003"]) == 1
    line = text.count("\n") + 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"demo/agent.yaml:{line}:35: AG003 error YAML nesting is deeper than 32 levels"
        " (flatten the structure)"
    )


def test_deeply_nested_script_expression_is_the_same_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # ast.parse builds this on 3.13 and raises RecursionError on 3.11/3.12: the script is
    # skipped on every version, so the agent gets the same verdict everywhere.
    agent_tree(tmp_path, {"scripts": {"t.py": "import requests\nx = " + "1+" * 5_000 + "1\n"}})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", "demo", "--select", "AG019"]) == 0
    assert capsys.readouterr().out == "2 files checked: no issues.\n"
