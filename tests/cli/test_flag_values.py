"""Bad flag values of `deps`, `cache` and `skill` are usage errors: exit 2, one line, the fix."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from skrun_build import cli
from skrun_build.deps.store import Store

from helpers.trees import make_tree

_FIX = "(pass a path to a python executable or a version uv can find, e.g. --python 3.12)"


def _err_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("/nonexistent", "--python /nonexistent: no such interpreter " + _FIX),
        ("", "--python: empty " + _FIX),
        ("/dev/null", "--python /dev/null: not an executable file " + _FIX),
    ],
)
def test_a_python_path_that_is_no_interpreter_is_a_usage_error(
    value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg\n"})
    assert cli.run(["deps", "install", "--python", value, str(skill)]) == 2
    assert _err_lines(capsys) == [f"skrun: error: {message}"]
    assert not Store().root.exists() or list(Store().root.iterdir()) == []  # nothing started


@pytest.mark.parametrize("value", ["python9.99", "9.99", "/bin/sh"])
def test_a_python_uv_cannot_find_is_a_usage_error_before_any_install(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg\n"})
    assert cli.run(["deps", "install", "--python", value, str(skill)]) == 2
    (line,) = _err_lines(capsys)  # one line: no raw installer output
    what = "not a Python interpreter" if "/" in value else "no such interpreter"
    assert line.startswith(f"skrun: error: --python {value}: {what}; uv: ")
    assert line.endswith(_FIX)
    assert "uv venv" not in line
    assert not Store().root.exists() or list(Store().root.iterdir()) == []


def test_a_bad_python_is_a_usage_error_even_with_nothing_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = make_tree(tmp_path / "e", {"SKILL.md": "x"})
    assert cli.run(["deps", "install", "--python", "/nonexistent", str(empty)]) == 2
    assert _err_lines(capsys) == [
        "skrun: error: --python /nonexistent: no such interpreter " + _FIX
    ]


def test_find_python_makes_a_relative_path_absolute_and_resolves_a_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skrun_build.deps.python import find_python

    monkeypatch.chdir(Path(sys.executable).parent)
    # The venv is made in a temp dir: a relative path must be the caller's, made absolute.
    assert find_python(f"./{Path(sys.executable).name}") == sys.executable
    # This interpreter's own folder first on PATH: a version is found on any machine
    # (a pyenv shim for another version, earlier on PATH, would fail to answer uv).
    base = os.path.dirname(os.path.realpath(sys.executable))
    monkeypatch.setenv("PATH", base + os.pathsep + os.environ.get("PATH", ""))
    v = sys.version_info
    found = find_python(f"{v.major}.{v.minor}")
    assert os.path.isabs(found) and os.access(found, os.X_OK)
    assert os.path.realpath(found) == os.path.realpath(sys.executable)


def test_input_file_that_does_not_exist_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    assert cli.run(["skill", "run", "--input-file", str(missing), str(tmp_path)]) == 2
    assert _err_lines(capsys) == [
        f"skrun: error: --input-file {missing}: no such file (give an existing file, or - for stdin)"
    ]


def test_install_local_with_a_bad_id_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "root"
    skill = tmp_path / "sk"
    assert cli.run(["skill", "new", "--kind", "markdown", "--id", "sk", str(skill)]) == 0
    capsys.readouterr()
    argv = ["skill", "install-local", "--root", str(root), "--id", "bad id!", str(skill)]
    assert cli.run(argv) == 2
    assert _err_lines(capsys) == [
        "skrun: error: --id 'bad id!' is no valid skill id "
        "(use ASCII letters, digits, - and _, starting with a letter or digit)"
    ]
    assert not root.exists()


@pytest.mark.parametrize("argv", [["list"], ["show", "sk"], ["run", "sk"], ["install-local", "sk"]])
def test_a_root_that_is_a_file_is_a_usage_error(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "root").write_text("not a folder\n")
    assert cli.run(["skill", argv[0], "--root", str(tmp_path / "root"), *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert f"Invalid value for '--root': Directory '{tmp_path / 'root'}' is a file." in err
    assert "Traceback" not in err
