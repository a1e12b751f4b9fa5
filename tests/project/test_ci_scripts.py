"""scripts/pythons (which CPythons the suite runs on) and scripts/pytest_summary.py (the
closing lines of scripts/test), run for real against temp copies."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from helpers.paths import REPO

RUNNING = "{}.{}".format(*sys.version_info[:2])


def _summary_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pytest_summary", REPO / "scripts" / "pytest_summary.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_supported_pythons_are_the_classifiers_and_the_readme_names_them() -> None:
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "pythons"), "--supported"],
        capture_output=True,
        text=True,
        check=True,
    )
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    prefix = "Programming Language :: Python :: "
    versions = [c.removeprefix(prefix) for c in project["classifiers"] if c.startswith(prefix)]
    assert versions == ["3", "3 :: Only", "3.11", "3.12", "3.13", "Implementation :: CPython"]
    assert done.stdout.split() == ["3.11", "3.12", "3.13"]
    assert project["requires-python"] == ">=3.11"
    readme = " ".join((REPO / "README.md").read_text().split())  # lines joined
    assert "pytest on CPython 3.11, 3.12 and 3.13, each in its own venv" in readme


def _pythons_copy(tmp_path: Path, versions: list[str]) -> Path:
    """scripts/pythons beside a pyproject.toml that supports `versions`."""
    (tmp_path / "scripts").mkdir(parents=True)
    shutil.copy2(REPO / "scripts" / "pythons", tmp_path / "scripts" / "pythons")
    lines = [f'  "Programming Language :: Python :: {v}",' for v in versions]
    (tmp_path / "pyproject.toml").write_text("classifiers = [\n" + "\n".join(lines) + "\n]\n")
    return tmp_path / "scripts" / "pythons"


def _run_pythons(script: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None
    # PATH holds only what the script needs, plus a pyenv-like shim that does not run.
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("sed", "find", "sort", "head", "dirname"):
        found = shutil.which(tool)
        assert found is not None
        (tools / tool).symlink_to(found)
    shim = tools / f"python{RUNNING}"
    shim.write_text(f"#!{bash}\necho 'pyenv: python{RUNNING}: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    env = {"PATH": str(tools), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    return subprocess.run([bash, str(script)], capture_output=True, text=True, env=env)


def test_a_python_is_found_past_a_broken_shim_in_the_newest_pyenv_build(tmp_path: Path) -> None:
    script = _pythons_copy(tmp_path, [RUNNING])
    real = os.path.realpath(sys.executable)
    for build in ("0", "9", "10"):  # 10 is the newest: version order, not text order
        folder = tmp_path / "pyenv" / "versions" / f"{RUNNING}.{build}" / "bin"
        folder.mkdir(parents=True)
        (folder / f"python{RUNNING}").symlink_to(real)
    done = _run_pythons(script, tmp_path)
    assert done.returncode == 0, done.stderr
    newest = tmp_path / "pyenv" / "versions" / f"{RUNNING}.10" / "bin" / f"python{RUNNING}"
    assert done.stdout == f"{RUNNING} {newest}\n"


def test_a_missing_oldest_python_fails_and_a_missing_newer_one_is_left_out(
    tmp_path: Path,
) -> None:
    script = _pythons_copy(tmp_path, [RUNNING, "3.99"])
    folder = tmp_path / "pyenv" / "versions" / f"{RUNNING}.1" / "bin"
    folder.mkdir(parents=True)
    (folder / f"python{RUNNING}").symlink_to(os.path.realpath(sys.executable))
    done = _run_pythons(script, tmp_path)
    assert (done.returncode, done.stdout.split()[0]) == (0, RUNNING)
    assert len(done.stdout.splitlines()) == 1  # 3.99 is not on this machine

    script = _pythons_copy(tmp_path / "old", ["3.9", RUNNING])
    done = _run_pythons(script, tmp_path / "old")
    assert done.returncode == 1
    assert done.stderr == (
        "scripts/pythons: Python 3.9 not found: install it (the oldest supported version "
        "is always tested)\n"
    )


@pytest.mark.parametrize(
    ("logs", "expected"),
    [
        (
            ["...\n954 passed in 51.32s\n", "...\n954 passed in 99.04s (0:01:39)\n"],
            "1908 passed in 150.36s (0:02:30)",
        ),
        (
            # pytest without -q frames the line; 3.13 failed two.
            [
                "== 1 passed, 1 warning in 0.50s ==\n",
                "FAILED x\n===== 2 failed, 952 passed, 2 warnings in 3.00s =====\n",
            ],
            "2 failed, 953 passed, 3 warnings in 3.50s",
        ),
        (
            ["\x1b[32m954 passed\x1b[0m\x1b[32m in 1.00s\x1b[0m\n", "ERROR: no such option\n"],
            "954 passed, 1 error in 1.00s",
        ),
        (["1 error in 0.10s\n", "23 deselected in 0.20s\n"], "23 deselected, 1 error in 0.30s"),
    ],
)
def test_the_last_line_adds_up_every_interpreter_in_pytests_format(
    logs: list[str], expected: str
) -> None:
    summary = _summary_module()
    runs = [("0", f"3.1{n}.0", f".venvs/py3.1{n}", log) for n, log in enumerate(logs)]
    lines = summary.summarize(runs)
    assert len(lines) == len(logs) + 1
    assert lines[-1] == expected
    assert lines[0].startswith("Python 3.10.0 (.venvs/py3.10): ")


def test_a_run_without_a_closing_line_is_named() -> None:
    summary = _summary_module()
    lines = summary.summarize([("4", "3.13.0", ".venvs/py3.13", "ERROR: usage\n")])
    assert lines == ["Python 3.13.0 (.venvs/py3.13): exit 4, no pytest summary", "1 error in 0.00s"]
