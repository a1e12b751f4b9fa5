"""Hostile or odd file names cannot split a line, inject a CI command or break a build."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import one_line_error


def test_newline_in_a_path_cannot_split_a_line_or_inject_a_ci_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a GitHub Actions log a line starting with `::error` is a workflow command.
    evil = "x\n::error file=evil::pwned"
    agent_tree(tmp_path / evil, {"SKILL.md": "---\nname: Demo\n---\n"})
    monkeypatch.chdir(tmp_path)
    assert run(["validate", evil]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "x\\n::error file=evil::pwned/demo/SKILL.md:1:1: SK020 error the frontmatter has no "
        "'description' (add description: saying what the skill does and when to use it)",
        "x\\n::error file=evil::pwned/demo/SKILL.md:2:7: SK012 error name must be lowercase: "
        '"Demo" (try "demo")',
        'x\\n::error file=evil::pwned/demo/agent.yaml:1:7: AG016 warning agent.yaml slug "demo" '
        'differs from SKILL.md name "Demo" (use the same name in both, e.g. name: tests/Demo)',
        "2 files checked: 2 errors, 1 warning.",
    ]
    assert run(["build", evil + "\x1b[31m"]) == 2
    assert one_line_error(capsys.readouterr().err) == (
        "skrun: error: x\\n::error file=evil::pwned\\x1b[31m: no such directory "
        "(pass the agent's folder, the one with SKILL.md)"
    )


@pytest.mark.parametrize("name", ["with space", "ünïcødé ☃", "-leading-dash"])
def test_odd_but_legal_paths_build_and_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    agent_tree(tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert run(["build", "-o", f"{name}/out", "--", f"{name}/demo"]) == 0
    assert run(["verify", "--", f"{name}/out/demo-0.1.0.agent"]) == 0
    assert run(["unpack", "--", f"{name}/out/demo-0.1.0.agent", f"{name}/un"]) == 0
    assert sorted(p.name for p in (tmp_path / name / "un").iterdir()) == [
        ".skrun",
        "SKILL.md",
        "agent.yaml",
    ]
    assert "Traceback" not in capsys.readouterr().err


def test_installer_detail_lines_stay_indented_lines(capsys: pytest.CaptureFixture[str]) -> None:
    from skrun_build.cli._output import echo_error

    echo_error("uv exited 2 in /a\nb\n    error: bad\x1b[0m\n    hint: fix it")
    assert capsys.readouterr().err == (
        "skrun: error: uv exited 2 in /a\\nb\n    error: bad\\x1b[0m\n    hint: fix it\n"
    )


def test_build_list_escapes_a_newline_in_a_source_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = agent_tree(tmp_path, {"x\ny.md": "hi\n"})
    assert run(["build", "--list", str(root)]) == 0
    assert capsys.readouterr().out.splitlines() == ["SKILL.md", "agent.yaml", "x\\ny.md"]
