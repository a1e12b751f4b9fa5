"""Interrupted commands (Ctrl-C, SIGTERM, even while importing) leave nothing behind and
say 'interrupted'."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import SKRUN, one_line_error
from helpers.paths import BIN, REPO
from helpers.processes import sigint_as_on_a_terminal


def test_interrupted_build_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skrun_build.bundle import writer

    root = agent_tree(tmp_path, {"notes.md": "hello\n"})
    real = writer.read_exactly

    def interrupted(path: Path, size: int, name: str) -> Iterator[bytes]:
        yield from real(path, size, name)
        raise KeyboardInterrupt

    monkeypatch.setattr(writer, "read_exactly", interrupted)
    assert run(["build", str(root), "-o", str(tmp_path / "dist")]) == 130
    assert one_line_error(capsys.readouterr().err) == "skrun: error: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_interrupted_unpack_leaves_nothing(
    built: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skrun_build.bundle.reader import MemberStream

    bundle = tmp_path / "demo.agent"
    bundle.write_bytes(built)

    def interrupted(self: MemberStream, size: int = -1) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(MemberStream, "read", interrupted)
    assert run(["unpack", str(bundle), str(tmp_path / "out")]) == 130
    assert one_line_error(capsys.readouterr().err) == "skrun: error: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.agent"]


def _stopped(pid: int) -> bool:
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state in ("T", "t")


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["SIGINT", "SIGTERM"],
)
def test_signal_in_a_real_subprocess_mid_build(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    import random
    import time

    words = [f"word{n}" for n in range(5000)]
    text = " ".join(random.Random(7).choices(words, k=6_000_000))  # ~50 MB, slow to gzip
    root = agent_tree(tmp_path, {"data.txt": text})
    dist = tmp_path / "dist"
    proc = subprocess.Popen(
        [str(SKRUN), "build", str(root), "-o", str(dist), "--max-size", "1GiB"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_on_a_terminal,
    )
    try:
        # Mid-write, whatever the load: once the hidden temp bundle exists, freeze the build,
        # check it is still unfinished, queue the signal, and let it go on.
        deadline = time.monotonic() + 120  # a bound on a hang, not a wait for the build
        while not (dist.is_dir() and any(dist.iterdir())):
            assert proc.poll() is None and time.monotonic() < deadline, proc.poll()
            time.sleep(0.01)
        proc.send_signal(signal.SIGSTOP)
        while not _stopped(proc.pid):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        written = [p.name for p in dist.iterdir()]
        assert len(written) == 1 and written[0].startswith(".demo-0.1.0.agent."), written
        proc.send_signal(signum)
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()  # never leave a build running into later tests
        proc.wait()
    assert proc.returncode == code, err
    assert one_line_error(err) == f"skrun: error: {line}"
    # The output folder this build created is removed with the temp bundle.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_ctrl_c_while_the_cli_is_still_importing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C in the first ~50 ms (click still importing) printed a traceback.
    import sys
    import types

    from skrun_build import _entry

    class Importing(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "skrun_build.cli", Importing("skrun_build.cli"))
    with pytest.raises(SystemExit) as exited:
        _entry.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "skrun: error: interrupted\n"


def test_the_console_script_and_python_m_use_the_guarded_entry() -> None:
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"skrun": "skrun_build._entry:main"}
    assert "from skrun_build._entry import main" in SKRUN.read_text()
    proc = subprocess.run(
        [str(BIN / "python"), "-m", "skrun_build", "inspect", "/nonexistent"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (
        2,
        "skrun: error: /nonexistent: no such file (pass a .agent bundle)\n",
    )
