"""Real `skrun` processes: 8 concurrent installs of one key, Ctrl-C mid-install, CLI.

SIGKILL and SIGTERM mid-install: tests/deps/test_deps_interrupts.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skrun_build.cli import run
from skrun_build.deps.detect import detect_dir
from skrun_build.deps.key import cache_key
from skrun_build.deps.store import Store

from helpers.processes import sigint_as_on_a_terminal
from helpers.trees import make_tree

pytestmark = pytest.mark.slow
SKRUN = str(Path(sys.executable).parent / "skrun")


def _names(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".lock-"))


def _install_caught_mid_way(skill: Path, root: Path, *, stderr: int) -> subprocess.Popen[str]:
    """Start `skrun deps install` in its own session; return it stopped (SIGSTOP, with the
    uv it started) while its temp dir exists and no entry is done: mid-way whatever the load.
    Send SIGCONT to the group after the signal under test."""
    proc = subprocess.Popen(
        [SKRUN, "deps", "install", str(skill)],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
        start_new_session=True,
        preexec_fn=sigint_as_on_a_terminal,
    )
    deadline = time.monotonic() + 120  # a bound on a hang, not a wait for the install
    while not (root.is_dir() and any(p.name.startswith(".tmp-") for p in root.iterdir())):
        assert proc.poll() is None and time.monotonic() < deadline, proc.poll()
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGSTOP)
    while Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
        assert time.monotonic() < deadline
        time.sleep(0.002)
    names = _names(root)
    assert len(names) == 1 and names[0].startswith(".tmp-"), names  # not done yet
    return proc


def test_eight_processes_one_install(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg==1.0.0\n"})
    procs = [
        subprocess.Popen(
            [SKRUN, "deps", "install", str(skill), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    results = [(p.wait(120), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0] * 8, [err for _, _, err in results]
    statuses = sorted(json.loads(out)["status"] for _, out, _ in results)
    assert statuses == ["hit"] * 7 + ["installed"]
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    root = Store().root
    assert _names(root) == [key]  # one entry, no .tmp-* left
    assert {json.loads(out)["path"] for _, out, _ in results} == {str(root / key)}


def test_cli_install_hash_path(
    tmp_path: Path, py_offline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg==1.0.0\n"})
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    entry = Store().root / key
    assert run(["deps", "hash", str(skill)]) == 0
    assert capsys.readouterr().out == key + "\n"
    assert run(["deps", "path", str(skill)]) == 1
    assert capsys.readouterr().err == (
        f"skrun: error: not cached: {entry} (run `skrun deps install {skill}`)\n"
    )
    assert run(["deps", "install", str(skill)]) == 0
    out = capsys.readouterr()
    assert re.fullmatch(
        rf"Installed 1 package from requirements.txt with uv [0-9.]+ into {re.escape(str(entry))}"
        r" in [0-9.]+ s\n",
        out.out,
    )
    assert out.err.startswith("skrun: warning: non-reproducible build: requirements.txt")
    assert run(["deps", "install", str(skill)]) == 0
    assert capsys.readouterr().out.startswith(f"Cached: {entry} (1 package, ")
    assert run(["deps", "path", str(skill)]) == 0
    assert capsys.readouterr().out == f"{entry}\n"


def test_cli_without_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = make_tree(tmp_path / "e", {"SKILL.md": "---\nname: e\n---\n"})
    assert run(["deps", "install", str(empty)]) == 0
    assert capsys.readouterr().err == (
        f"skrun: warning: nothing to install: {empty} has no package.json, pyproject.toml "
        "or requirements.txt at its root\n"
    )
    assert run(["deps", "hash", str(empty)]) == 1
    assert capsys.readouterr().err == (
        f"skrun: error: {empty}: no dependency manifest at the root "
        "(add package.json, pyproject.toml or requirements.txt)\n"
    )
    assert run(["deps", "install", str(tmp_path / "missing")]) == 2
    assert run(["deps", "install", "--json", str(empty)]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "none"


def test_install_failure_exit_code(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "no-such-package-xyz\n"})
    done = subprocess.run(
        [SKRUN, "deps", "install", "--offline", str(skill)], capture_output=True, text=True
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[1] == (
        "skrun: error: Script dependency install failed for python: uv pip install --python "
        "venv/bin/python --compile-bytecode --offline -r requirements.txt exited 1"
    )
    assert "Traceback" not in done.stderr
    assert _names(Store().root) == []


def test_ctrl_c_during_install_leaves_nothing(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg==1.0.0\n"})
    root = Store().root
    proc = _install_caught_mid_way(skill, root, stderr=subprocess.PIPE)
    os.killpg(proc.pid, signal.SIGINT)
    os.killpg(proc.pid, signal.SIGCONT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert _names(root) == []  # the temp dir was removed on the way out


def test_cache_root_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("SKRUN_DEPS_DIR", str(blocker / "deps"))
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg\n"})
    done = subprocess.run([SKRUN, "deps", "install", str(skill)], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"skrun: error: {blocker / 'deps'}: cannot create the cache: Not a directory "
        "(point SKRUN_DEPS_DIR at a directory you can write)"
    )
    assert run(["cache", "list"]) == 1
    assert run(["cache", "clear"]) == 1


def test_clear_of_an_empty_cache_needs_no_confirmation(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["cache", "clear"]) == 0
    assert capsys.readouterr().out == "Cleared 0 entries (0 B freed).\n"
    assert run(["cache", "prune"]) == 0
    assert capsys.readouterr().out == "Pruned 0 temp dirs and 0 incomplete entries (0 B freed).\n"


def test_path_agrees_with_install_on_an_entry_without_its_payload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `deps path` printed an entry whose venv was gone, which `deps install` replaces.
    from helpers.deps import write_entry

    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg==1.0.0\n"})
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    entry = write_entry(Store().root, key, requirements="tinypkg==1.0.0\n")
    assert run(["deps", "path", str(skill)]) == 0
    assert capsys.readouterr().out == f"{entry}\n"
    (entry / "venv" / "pyvenv.cfg").unlink()
    assert run(["deps", "path", str(skill)]) == 1
    assert capsys.readouterr().err == (
        f"skrun: error: not cached: {entry} (run `skrun deps install {skill}`)\n"
    )
