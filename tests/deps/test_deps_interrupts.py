"""Interrupting `skrun deps install`: SIGINT/SIGTERM, to skrun's group or to skrun alone.

The installer is a fake `npm` on PATH that records its pid and its child's, then
blocks on a fifo nobody writes: the test waits for the pid file (no sleep races a
process), signals skrun, and checks that the installer's whole group is gone and
that no temp dir is left. `kill -9` of skrun leaves an orphan the next run removes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from skrun_build.cli import run
from skrun_build.deps.detect import detect_dir
from skrun_build.deps.key import cache_key
from skrun_build.deps.run import run_installer
from skrun_build.deps.store import Store
from skrun_build.errors import Terminated

from helpers.deps import dead_pid, write_entry
from helpers.processes import BOUND, running, wait_for
from helpers.trees import make_tree

pytestmark = pytest.mark.slow
SKRUN = str(Path(sys.executable).parent / "skrun")

FAKE_NPM = """#!{python}
import os, subprocess, sys
if sys.argv[1:] == ["--version"]:
    print("10.0.0")
    sys.exit(0)
if os.environ.get("FAKE_NPM_MODE") == "ok":
    os.makedirs("node_modules/left-pad")
    with open("node_modules/left-pad/package.json", "w") as f:
        f.write('{{"name": "left-pad", "version": "1.3.0"}}')
    sys.exit(0)
fifo = os.environ["FAKE_NPM_FIFO"]
block = "import os, sys; os.open(sys.argv[1], os.O_RDONLY)"
child = subprocess.Popen([sys.executable, "-c", block, fifo])
pids = os.environ["FAKE_NPM_PIDS"]
with open(pids + ".tmp", "w") as f:
    f.write(f"{{os.getpid()}} {{child.pid}}")
os.replace(pids + ".tmp", pids)
os.open(fifo, os.O_RDONLY)  # no writer ever comes: blocks until killed
"""


@pytest.fixture
def fake_npm(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a `skrun` that finds the fake npm; kills what it left at the end."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM.format(python=sys.executable), encoding="utf-8")
    npm.chmod(0o755)
    fifo = tmp_path / "block.fifo"
    os.mkfifo(fifo)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_NPM_FIFO": str(fifo),
        "FAKE_NPM_PIDS": str(tmp_path / "npm.pids"),
    }
    yield env
    for pid in installer_pids(env):  # only after a failure: the tests kill them
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)  # each pid: if skrun failed, they share no group


def installer_pids(env: dict[str, str]) -> list[int]:
    try:
        return [int(p) for p in Path(env["FAKE_NPM_PIDS"]).read_text().split()]
    except OSError:
        return []


def node_skill(tmp_path: Path) -> Path:
    return make_tree(
        tmp_path / "s",
        {
            "package.json": '{"name": "s", "version": "1.0.0", "dependencies": '
            '{"left-pad": "1.3.0"}}\n',
            "package-lock.json": '{"name": "s", "lockfileVersion": 3, "packages": {}}\n',
        },
    )


def start_install(skill: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`skrun deps install` in a session of its own; returns once the installer blocks."""
    proc = subprocess.Popen(
        [SKRUN, "deps", "install", str(skill)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    wait_for(lambda: len(installer_pids(env)) == 2, "the fake npm to start")
    return proc


def entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".lock-"))


@pytest.mark.parametrize(
    ("sig", "to_group", "code", "word"),
    [
        # Ctrl-C is reported as "interrupted" (after a blank line that ends the ^C echo)
        (signal.SIGINT, True, 130, "interrupted"),  # Ctrl-C on a terminal
        (signal.SIGINT, False, 130, "interrupted"),
        (signal.SIGTERM, True, 143, "terminated"),
        (signal.SIGTERM, False, 143, "terminated"),  # `kill PID`, a CI runner's cancel
    ],
)
def test_signal_stops_install_kills_installer_group_and_leaves_no_temp_dir(
    tmp_path: Path,
    fake_npm: dict[str, str],
    sig: signal.Signals,
    to_group: bool,
    code: int,
    word: str,
) -> None:
    # SIGTERM ended skrun without a word while its installer kept writing an orphan,
    # and a signal to skrun alone never reached the installer.
    skill = node_skill(tmp_path)
    proc = start_install(skill, fake_npm)
    npm, grandchild = installer_pids(fake_npm)
    assert os.getpgid(npm) == npm != os.getpgid(proc.pid)  # its own group
    if to_group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=BOUND)
    assert (proc.returncode, out) == (code, "")
    assert [line for line in err.splitlines() if line] == [f"skrun: error: {word}"]
    wait_for(lambda: not running(npm) and not running(grandchild), "the installer group to die")
    assert entries(Store().root) == []  # no temp dir, no entry


def test_kill_9_leaves_an_orphan_the_next_install_removes(
    tmp_path: Path, fake_npm: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    skill = node_skill(tmp_path)
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    root = Store().root
    proc = start_install(skill, fake_npm)
    os.kill(proc.pid, signal.SIGKILL)  # nothing can clean up after this
    proc.communicate(timeout=BOUND)
    npm, _ = installer_pids(fake_npm)
    os.killpg(npm, signal.SIGKILL)  # the installer outlives a SIGKILLed skrun
    (orphan,) = entries(root)
    assert orphan.startswith(f".tmp-{key}-{proc.pid}-")
    live = root / f".tmp-{key}-{os.getpid()}-live"  # another live process installing it
    live.mkdir()
    assert run(["deps", "path", str(skill)]) == 1
    capsys.readouterr()

    done = subprocess.run(
        [SKRUN, "deps", "install", "--json", str(skill)],
        env={**fake_npm, "FAKE_NPM_MODE": "ok"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "installed"
    assert entries(root) == sorted([key, live.name])  # the dead one's orphan is gone

    assert run(["cache", "prune"]) == 0
    assert capsys.readouterr() == (
        "Pruned 0 temp dirs and 0 incomplete entries (0 B freed).\n",
        f"skrun: warning: skipped 1 key with an install in progress: {key[:12]}\n",
    )
    assert entries(root) == sorted([key, live.name])


def test_a_hit_removes_dead_temp_dirs_of_its_key_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg==1.0.0\n"})
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    root = Store().root
    write_entry(root, key, requirements="tinypkg==1.0.0\n")
    dead = root / f".tmp-{key}-{dead_pid()}-dead"
    (dead / "venv").mkdir(parents=True)
    live = root / f".tmp-{key}-{os.getpid()}-live"
    live.mkdir()
    other = root / f".tmp-{'0' * 64}-{dead_pid()}-othr"  # another key: prune's job
    other.mkdir()
    assert run(["deps", "install", str(skill)]) == 0
    assert capsys.readouterr().out.startswith(f"Cached: {root / key} (1 package, ")
    assert entries(root) == sorted([key, live.name, other.name])


@pytest.mark.parametrize("exc", [KeyboardInterrupt, Terminated])
def test_run_installer_kills_the_group_on_any_base_exception(
    tmp_path: Path, exc: type[BaseException]
) -> None:
    # In-process injection: the progress callback raises as a signal handler would.
    pids = tmp_path / "pids"
    script = (
        "import os, subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "print('started', flush=True)\n"
        "child.wait()\n"
    )

    def progress(line: str) -> None:
        raise exc

    with pytest.raises(exc):
        run_installer(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            env=dict(os.environ),
            ecosystem="python",
            progress=progress,
        )
    parent, child = (int(p) for p in pids.read_text().split())
    assert not running(parent)  # killed and reaped before the exception went on
    wait_for(lambda: not running(child), "the installer's child to die")


POINTS = ["make_temp", "progress", "installer", "write_meta", "rename"]


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("exc", [KeyboardInterrupt, Terminated])
def test_an_interrupt_at_each_step_of_an_install_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str, exc: type[BaseException]
) -> None:
    # In-process injection at each step between the temp dir's mkdir and the rename
    # that publishes it: the interrupt propagates and nothing is left in the cache.
    import skrun_build.deps.install as install_mod
    import skrun_build.deps.python as python_mod
    from skrun_build.deps.install import install

    def boom(*args: object, **kwargs: object) -> None:
        raise exc

    def after(real: object) -> object:
        def wrapper(*args: object, **kwargs: object) -> None:
            real(*args, **kwargs)  # type: ignore[operator]
            raise exc  # the signal lands right after the step's syscall

        return wrapper

    def fake_python(manifest: object, work: Path, **kwargs: object) -> python_mod.Installed:
        (work / "venv" / "bin").mkdir(parents=True)
        (work / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
        if point == "installer":
            raise exc
        return python_mod.Installed("uv", "0.9.0", "cpython 3.11.7", 0)

    monkeypatch.setattr(python_mod, "install_python", fake_python)
    if point == "make_temp":
        monkeypatch.setattr(Store, "make_temp", after(Store.make_temp))
    elif point == "write_meta":
        monkeypatch.setattr(install_mod, "write_meta", after(install_mod.write_meta))
    elif point == "rename":
        monkeypatch.setattr(install_mod.os, "rename", boom)
    skill = make_tree(tmp_path / "s", {"requirements.txt": "x==1.0\n"})
    with pytest.raises(exc):
        install(
            detect_dir(skill),  # type: ignore[arg-type]
            progress=boom if point == "progress" else None,
        )
    assert entries(Store().root) == []
