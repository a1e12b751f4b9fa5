"""`init --from-skill` shows the warnings it knows of and prints a Next line that succeeds (issue 10).

Before, it printed `Next: skrun validate --strict DIR && skrun build DIR` whatever the
written agent's warnings, so the printed command failed for 17 of 34 imported corpus skills
(the corpus side is pinned in test_init_corpus.py).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from skrun_build import cli

from helpers.trees import make_tree

SKILL = """\
---
name: demo
description: Counts words. Use for counting.
allowed-tools: count Read
{extra}---
Call count on the text.
"""


def make_skill(tmp_path: Path, extra: str = "", script: str = "print(1)\n") -> Path:
    return make_tree(
        tmp_path / "demo",
        {"SKILL.md": SKILL.format(extra=extra), "scripts": {"count.py": script}},
    )


def run_next(out: str, capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    last = out.splitlines()[-1]
    assert last.startswith("Next: skrun "), last
    commands = [shlex.split(p) for p in last.removeprefix("Next: ").split(" && ")]
    for command in commands:
        assert command[0] == "skrun"
        assert cli.run(command[1:]) == 0, capsys.readouterr()
    return commands


def test_warnings_are_shown_as_validate_shows_them_and_next_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # An unknown key (SK050) and a third-party import without a manifest (AG019): both are
    # warnings only the written agent shows in full.
    make_skill(tmp_path, extra="author: me\n", script="import yaml\n")
    assert cli.run(["init", "--from-skill", "demo"]) == 0
    out, err = capsys.readouterr()
    assert cli.run(["validate", "demo"]) == 0
    shown = capsys.readouterr().out.splitlines()[:-1]  # without the summary line
    assert [line.split(" ")[1] for line in shown] == ["SK050", "AG019"]
    assert err.splitlines()[:2] == shown
    assert out.splitlines()[-2:] == [
        "note: 2 warnings above: `skrun validate --strict` fails until they are fixed",
        "Next: skrun validate demo && skrun build demo",
    ]
    assert run_next(out, capsys)[0] == ["skrun", "validate", "demo"]
    assert (tmp_path / "demo" / "demo-0.1.0.agent").is_file()


def test_a_clean_import_offers_the_strict_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_skill(tmp_path)
    assert cli.run(["init", "--from-skill", "demo"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[-1] == "Next: skrun validate --strict demo && skrun build demo"
    run_next(out, capsys)


def test_a_strict_config_makes_the_warnings_errors_and_next_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".skrun.toml").write_text("strict = true\n")
    make_skill(tmp_path, extra="author: me\n")
    assert cli.run(["init", "--from-skill", "demo"]) == 0
    out, err = capsys.readouterr()
    issues = [line for line in err.splitlines() if line.startswith("demo/")]
    assert [line.split(" ")[1:3] for line in issues] == [["SK050", "error"]]
    assert out.splitlines()[-1] == (
        "Next: fix the 1 error above, then run: skrun validate demo && skrun build demo"
    )
    assert cli.run(["validate", "demo"]) == 1  # what the line says
