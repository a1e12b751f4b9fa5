"""JSON outputs stay valid UTF-8 JSON when a file name is not UTF-8 (cli/_output.json_text).

`echo` shows a lone surrogate (an undecodable byte of a file name) as the text `\\xff`;
inside a JSON string that was the invalid escape `\\x`, so `build --explain --json`
printed a document no JSON reader accepts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree

BAD = b"bad\xffname.md"
SHOWN = "bad\\xffname.md"  # as every text output shows it


@pytest.fixture
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = agent_tree(tmp_path)
    with open(os.path.join(os.fsencode(root), BAD), "wb") as f:
        f.write(b"x")
    monkeypatch.chdir(tmp_path)
    return root


def _json(out: str) -> object:
    return json.loads(out.encode("utf-8").decode("utf-8"))


@pytest.mark.usefixtures("agent")
def test_build_list_json_names_the_file_in_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    # A bundle member name must be UTF-8: refused, with a JSON document on stdout too.
    assert run(["build", "demo", "--list", "--json"]) == 1
    out = capsys.readouterr()
    assert _json(out.out) == {
        "ok": False,
        "error": {
            "message": "file name is not valid UTF-8",
            "path": SHOWN,
            "line": None,
            "hint": "rename it; bundle member names must be UTF-8",
            "exit_code": 1,
        },
        "issues": [],
    }
    assert out.err == (
        f"skrun: error: {SHOWN}: file name is not valid UTF-8"
        " (rename it; bundle member names must be UTF-8)\n"
    )


@pytest.mark.usefixtures("agent")
def test_build_json_failure_is_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["build", "demo", "--json"]) == 1
    assert _json(capsys.readouterr().out)["error"]["path"] == SHOWN  # type: ignore[index]


@pytest.mark.usefixtures("agent")
def test_explain_json_of_a_non_utf8_name_is_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    arg = os.fsdecode(b"demo/" + BAD)
    assert run(["build", "demo", "--explain", arg, "--json"]) == 0
    data = _json(capsys.readouterr().out)
    assert isinstance(data, dict)
    assert (data["path"], data["included"], data["exists"]) == (SHOWN, True, True)


def test_inspect_json_of_a_bundle_stays_valid_json(
    agent: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.unlink(os.path.join(os.fsencode(agent), BAD))
    (agent / "é-ü.md").write_text("x")
    assert run(["build", "demo", "-o", "dist"]) == 0
    capsys.readouterr()
    assert run(["inspect", str(tmp_path / "dist" / "demo-0.1.0.agent"), "--json"]) == 0
    data = _json(capsys.readouterr().out)
    assert isinstance(data, dict)
    assert "é-ü.md" in [m["name"] for m in data["members"]]
