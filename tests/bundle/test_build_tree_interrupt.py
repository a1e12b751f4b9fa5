"""Interrupting a tree build: no partial bundle, no temp file, no worker left running.

The workers are real `skrun build` worker processes. A `sitecustomize.py` put on
PYTHONPATH (imported by every Python that starts: `skrun`, and a spawned worker;
a forked one inherits it) records each worker's pid and makes the writer block on
a fifo nobody writes when it reaches the member `block.txt`: by then the bundle's
temp file exists. The
test waits for the marker file (no sleep races a process), signals skrun, and
checks what is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.bundle import agent_tree
from helpers.processes import BOUND, running, wait_for

pytestmark = pytest.mark.slow
SKRUN = str(Path(sys.executable).parent / "skrun")

SITECUSTOMIZE = """
import os, sys
_dir = os.environ.get("SKRUN_TEST_BLOCK_DIR")
if _dir:
    from skrun_build.bundle import pool, writer

    _worker_main = pool._worker_main
    _add_file = writer.TarStream.add_file

    def worker_main(conn):
        open(os.path.join(_dir, f"worker.{os.getpid()}"), "w").close()
        return _worker_main(conn)

    def add_file(self, name, path, size, mode, feed):
        if name == "block.txt":
            marker = os.path.join(_dir, "blocked")
            with open(marker + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.replace(marker + ".tmp", marker)
            os.open(os.path.join(_dir, "fifo"), os.O_RDONLY)  # no writer: blocks
        return _add_file(self, name, path, size, mode, feed)

    pool._worker_main = worker_main
    writer.TarStream.add_file = add_file
"""


@pytest.fixture
def hook(tmp_path: Path) -> Iterator[Path]:
    """The folder of the blocking hook (sitecustomize, fifo, markers); kills leftovers."""
    folder = tmp_path / "hook"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    os.mkfifo(folder / "fifo")
    yield folder
    for pid in workers(folder):  # only after a failure: the tests expect them gone
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def workers(folder: Path) -> list[int]:
    return [int(p.name.split(".")[1]) for p in folder.glob("worker.*")]


@pytest.mark.parametrize(
    ("sig", "to_group", "code", "word"),
    [
        (signal.SIGINT, True, 130, "interrupted"),  # Ctrl-C on a terminal: the whole group
        (signal.SIGTERM, False, 143, "terminated"),  # a CI runner's cancel: skrun alone
        (signal.SIGTERM, True, 143, "terminated"),
    ],
)
def test_interrupting_a_tree_build_leaves_no_partial_bundle_and_no_worker(
    tmp_path: Path, hook: Path, sig: signal.Signals, to_group: bool, code: int, word: str
) -> None:
    agent_tree(tmp_path / "agents", {"block.txt": "x\n"}, slug="slow")
    for slug in ("a1", "a2", "a3"):
        agent_tree(tmp_path / "agents", {"n.md": slug}, slug=slug)
    dist = tmp_path / "dist"
    env = {
        **os.environ,
        "PYTHONPATH": f"{hook}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "SKRUN_TEST_BLOCK_DIR": str(hook),
    }
    proc = subprocess.Popen(
        [SKRUN, "build", "agents", "-o", str(dist), "-j", "2", "--manifest", "m.json"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(lambda: (hook / "blocked").exists(), "a worker to block inside the writer")
        blocked = int((hook / "blocked").read_text())
        assert [p.name for p in dist.glob(".slow-0.1.0.agent.*.tmp")] != []
        if to_group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, err
    assert f"skrun: error: {word}" in err or f"skrun: error: {word}" in out + err
    assert "Traceback" not in err
    pids = workers(hook)
    assert blocked in pids and len(pids) == 2
    wait_for(lambda: not any(running(p) for p in pids), "the workers to be gone")
    left = sorted(p.name for p in dist.iterdir()) if dist.exists() else []
    assert not [n for n in left if n.endswith(".tmp")], left
    assert "slow-0.1.0.agent" not in left
    assert not (tmp_path / "m.json").exists()  # an interrupted run writes no manifest
