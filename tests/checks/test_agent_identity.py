"""An agent's identity is its agent.yaml slug, never its folder's name (issue 9 item 2).

Skrun v0.7.0 never checks the folder an agent lives in; it compares SKILL.md's `name` with
the slug of agent.yaml's `name` and only warns (NAME_MISMATCH). Plain skills keep SK016.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from skrun_build import cli
from skrun_build.checks.run import validate

from helpers.bundle import agent_yaml, skill_md
from helpers.trees import make_tree


def checkout(tmp_path: Path, folder: str = "skrun-demo-agent-main", name: str = "demo") -> Path:
    """An agent in a folder named like a CI checkout of its repository."""
    return make_tree(
        tmp_path / folder,
        {"agent.yaml": agent_yaml(name), "SKILL.md": skill_md(name)},
    )


def test_build_dot_works_from_a_checkout_of_any_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = checkout(tmp_path)
    monkeypatch.chdir(root)
    assert cli.run(["validate", "--strict", "."]) == 0, capsys.readouterr().out
    assert cli.run(["build", "."]) == 0, capsys.readouterr().err
    assert "SK016" not in capsys.readouterr().err
    bundle = root / "demo-0.1.0.agent"  # named after the slug, not the folder
    with tarfile.open(bundle, "r:gz") as tf:
        assert {"SKILL.md", "agent.yaml"} <= set(tf.getnames())


@pytest.mark.parametrize("target", ["", "SKILL.md", "agent.yaml"])
def test_no_folder_name_rule_in_an_agent_however_it_is_named(tmp_path: Path, target: str) -> None:
    root = checkout(tmp_path)
    assert validate(root / target if target else root) == []


def test_slug_differing_from_skill_name_is_a_warning_at_the_slug(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    (root / "agent.yaml").write_text(agent_yaml("demo").replace("tests/demo", "tests/other"))
    [issue] = validate(root)
    assert (issue.file, issue.line, issue.code, issue.level) == (
        str(root / "agent.yaml"),
        1,
        "AG016",
        "warning",
    )
    assert issue.message == 'agent.yaml slug "other" differs from SKILL.md name "demo"'
    assert cli.run(["build", str(root), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "other-0.1.0.agent").is_file()


def test_a_plain_skill_keeps_the_folder_name_rule(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "skrun-demo-main", {"SKILL.md": skill_md("demo")})
    assert [(i.code, i.level) for i in validate(root)] == [("SK016", "error")]
    assert cli.run(["build", "--format", "skill", str(root), "-o", str(tmp_path / "o")]) == 1
