"""Acceptance-audit tests: behaviours the issues name that no other test pinned down."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from skrun_build import cli


@pytest.mark.parametrize("template", ["agent", "agent-python", "agent-node", "skill"])
def test_the_next_line_of_init_runs_as_printed(
    template: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.run(["init", "my-proj", "--template", template]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("Next: ")
    commands = [shlex.split(part) for part in last.removeprefix("Next: ").split(" && ")]
    expected_build = ["build", "--format", "skill"] if template == "skill" else ["build"]
    assert commands == [
        ["skrun", "validate", "--strict", "my-proj"],
        ["skrun", *expected_build, "my-proj"],
    ]
    for command in commands:
        assert cli.run(command[1:]) == 0, capsys.readouterr().err
    built = "my-proj.skill" if template == "skill" else "my-proj-0.1.0.agent"
    assert (tmp_path / "my-proj" / built).is_file()
