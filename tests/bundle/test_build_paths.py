"""`skrun build` flags: --explain PATH is a path like any other, bad values are usage
errors (exit 2), and `--json` prints a document on failure too."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.paths import BIN

SKRUN = BIN / "skrun"


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = agent_tree(
        tmp_path, {".gitignore": "*.log\nbuild/\n", "a.log": "", "sub": {"x.txt": ""}}
    )
    monkeypatch.chdir(tmp_path)
    return root


def test_explain_path_is_relative_to_the_current_directory(
    demo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["build", "demo", "--explain", "demo/a.log"]) == 0
    assert capsys.readouterr().out == 'a.log: excluded by .gitignore:1 "*.log"\n'
    monkeypatch.chdir(demo / "sub")
    assert run(["build", "..", "--explain", "x.txt"]) == 0
    assert capsys.readouterr().out == "sub/x.txt: included (no rule matches)\n"
    assert run(["build", "..", "--explain", "../a.log"]) == 0
    assert capsys.readouterr().out == 'a.log: excluded by .gitignore:1 "*.log"\n'


def test_explain_says_when_path_does_not_exist(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It answered "included" for any name, typo or not.
    assert run(["build", "demo", "--explain", "demo/typo.txt"]) == 1
    assert capsys.readouterr().out == (
        "typo.txt: does not exist; a file there would be included (no rule matches)\n"
    )
    assert run(["build", "demo", "--explain", "demo/new.log"]) == 1
    assert capsys.readouterr().out == (
        'new.log: does not exist; a file there would be excluded by .gitignore:1 "*.log"\n'
    )
    assert run(["build", "demo", "--explain", "demo/build/"]) == 1
    assert 'excluded by .gitignore:2 "build/"' in capsys.readouterr().out
    assert run(["build", "demo", "--explain", "demo/new.log", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["path"], doc["included"], doc["exists"]) == ("new.log", False, False)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("a.log", "a.log: --explain names a path outside the source directory"),
        ("/etc/passwd", "/etc/passwd: --explain names a path outside the source directory"),
        ("demo", "demo: --explain names the source directory itself"),
        ("demo/..", "demo/..: --explain names a path outside the source directory"),
    ],
)
def test_explain_outside_the_agent_is_a_usage_error(
    demo: Path, capsys: pytest.CaptureFixture[str], path: str, message: str
) -> None:
    assert run(["build", "demo", "--explain", path]) == 2
    assert capsys.readouterr().err.startswith(f"skrun: error: {message} (")


@pytest.mark.parametrize("extra", [[], ["--list"], ["--explain", "demo/a.log"], ["--json"]])
def test_output_naming_an_existing_file_is_a_usage_error(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    (tmp_path / "a-file").write_text("keep me")
    assert run(["build", "demo", "-o", "a-file", *extra]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "skrun: error: a-file: output must be a directory "
        "(pass --output a directory; it is created if missing)"
    )
    assert (tmp_path / "a-file").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "demo"]


def test_build_json_prints_a_document_when_the_build_fails(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Validation errors: the issues, and the error line still on stderr.
    (demo / "agent.yaml").write_text((demo / "agent.yaml").read_text().replace("0.1.0", "'1.0'"))
    assert run(["build", "demo", "--json"]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["ok"] is False
    assert doc["error"] == {
        "message": "validation failed with 1 error(s)",
        "path": None,
        "line": None,
        "hint": None,
        "exit_code": 1,
    }
    assert [(i["file"], i["level"]) for i in doc["issues"]] == [("demo/agent.yaml", "error")]
    assert captured.err.splitlines()[-1] == "skrun: error: validation failed with 1 error(s)"
    # A refused build: the error, with its hint.
    (demo / "agent.yaml").write_text((demo / "agent.yaml").read_text().replace("'1.0'", "0.1.0"))
    (demo / ".skrunignore").write_text("SKILL.md\n")
    assert run(["build", "demo", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and doc["issues"] == []
    assert doc["error"]["path"] == "demo"
    assert doc["error"]["message"].startswith("the bundle would lack what it needs to run")
    assert doc["error"]["exit_code"] == 1
    # A usage error keeps its exit code.
    assert run(["build", "demo", "--json", "--max-size", "lots"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["exit_code"] == 2


def test_build_json_failure_in_a_real_subprocess(demo: Path, tmp_path: Path) -> None:
    (demo / ".gitignore").write_text("agent.yaml\n")
    proc = subprocess.run(
        [str(SKRUN), "build", str(demo), "--json"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["ok"] is False
    assert (
        'agent.yaml (the agent\'s config) is excluded by .gitignore:1 "agent.yaml"'
        in (doc["error"]["message"])
    )
    assert proc.stderr.startswith("skrun: error: ")
    ok = subprocess.run(
        [str(SKRUN), "build", str(demo), "--json", "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 1  # still excluded
    (demo / ".gitignore").write_text("")
    ok = subprocess.run(
        [str(SKRUN), "build", str(demo), "--json", "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True
