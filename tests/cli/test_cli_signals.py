"""SIGTERM is handled like SIGINT by every command: one line, exit 143 (SIGINT: 130).

The real-process tests never race the process: each waits for a sign that it is past start-up
and cannot finish on its own (its first bytes in a stdout pipe nobody drains while it has more
than a pipe's worth to write, or its prompt on a terminal), then signals it. The bounds on the
waits are generous and only turn a hang into a failure.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from skrun_build import build_bundle
from skrun_build.cli import run
from skrun_build.errors import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, exit_code_for

from helpers.bundle import agent_tree
from helpers.paths import BIN, REPO
from helpers.processes import sigint_as_on_a_terminal
from helpers.trees import make_tree

SKRUN = str(BIN / "skrun")
BOUND = 120  # seconds: only ever reached when something hangs
SIGNALS = [
    pytest.param(signal.SIGTERM, 143, "terminated", id="SIGTERM"),
    pytest.param(signal.SIGINT, 130, "interrupted", id="SIGINT"),
]


def _error_lines(err: str) -> list[str]:
    # click puts a newline after a terminal's ^C before our line; nothing else may be there.
    assert "Traceback" not in err and "internal error" not in err, err
    return [line for line in err.splitlines() if line.strip()]


def test_exit_codes() -> None:
    assert (EXIT_INTERRUPTED, EXIT_TERMINATED) == (130, 128 + signal.SIGTERM)
    assert exit_code_for(Terminated()) == 143
    assert exit_code_for(KeyboardInterrupt()) == 130
    assert not issubclass(Terminated, Exception)  # no `except Exception` swallows it


def test_exit_codes_are_documented(capsys: pytest.CaptureFixture[str]) -> None:
    import skrun_build.errors

    readme = (REPO / "README.md").read_text().splitlines()
    assert "| 130 | interrupted (SIGINT, Ctrl-C) |" in readme
    assert "| 143 | terminated (SIGTERM) |" in readme
    assert "    143 terminated (SIGTERM" in (skrun_build.errors.__doc__ or "")
    assert run(["--help"]) == 0
    assert "130 interrupted, 143 terminated." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("raised", "code", "line"),
    [(Terminated, 143, "terminated"), (KeyboardInterrupt, 130, "interrupted")],
)
def test_a_signal_inside_a_command_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    raised: type[BaseException],
    code: int,
    line: str,
) -> None:
    from skrun_build.cli import validate_cmd

    def stopped(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(validate_cmd, "check_paths", stopped)
    make_tree(tmp_path / "s", {"SKILL.md": "---\nname: s\ndescription: x\n---\n"})
    assert run(["validate", str(tmp_path / "s")]) == code
    assert _error_lines(capsys.readouterr().err) == [f"skrun: error: {line}"]


def test_sigterm_while_the_cli_is_still_importing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skrun_build import _entry

    class Importing(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise Terminated

    monkeypatch.setitem(sys.modules, "skrun_build.cli", Importing("skrun_build.cli"))
    # _entry.main installs the handler for the process: put the test runner's back after.
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)
    with pytest.raises(SystemExit) as exited:
        _entry.main()
    assert exited.value.code == 143
    assert capsys.readouterr().err == "skrun: error: terminated\n"


def test_main_installs_the_sigterm_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    from skrun_build import cli, errors
    from skrun_build.errors import raise_lost, raise_terminated, redeliver_lost_interrupts

    installed: list[tuple[int, object]] = []
    monkeypatch.setattr(
        signal, "signal", lambda signum, handler: installed.append((signum, handler))
    )
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)  # put back after
    monkeypatch.setattr(errors, "_terminated", False)
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert installed == [(signal.SIGTERM, raise_terminated), (signal.SIGALRM, raise_lost)]
    assert sys.unraisablehook is redeliver_lost_interrupts
    with pytest.raises(Terminated):
        raise_terminated(signal.SIGTERM, None)
    # Once: a second SIGTERM must not cut short the clean-up the first one started; the
    # handler stays (not SIG_IGN, which a child started now would inherit).
    assert raise_terminated(signal.SIGTERM, None) is None
    assert len(installed) == 2


_LOST_IN_A_FINALIZER = """
import signal
from skrun_build.cli import handle_sigterm
from skrun_build.errors import Terminated

handle_sigterm()

class Finalized:
    def __del__(self):
        # What the handler does when the signal lands while this finalizer runs.
        signal.raise_signal(signal.SIG)

try:
    Finalized()  # collected at once: the interrupt is raised inside __del__
    while True:  # never ends unless the interrupt is raised again
        pass
except EXC:
    print("stopped")
"""


@pytest.mark.parametrize(
    ("sig", "exc"), [("SIGTERM", "Terminated"), ("SIGINT", "KeyboardInterrupt")]
)
def test_an_interrupt_raised_inside_a_finalizer_still_stops_the_command(sig: str, exc: str) -> None:
    script = _LOST_IN_A_FINALIZER.replace("signal.SIG)", f"signal.{sig})").replace("EXC", exc)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "stopped\n"
    # Python's "Exception ignored in ..." report is not shown: the interrupt was not lost.
    assert "Exception ignored" not in done.stderr


def test_sigterm_while_flushing_the_output_at_the_end(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from skrun_build import cli

    class Stalled(io.StringIO):  # a reader that stopped reading: flush blocks, then SIGTERM
        def flush(self) -> None:
            raise Terminated

    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)
    monkeypatch.setattr(cli, "run", lambda argv: 0)
    monkeypatch.setattr(sys, "stdout", Stalled())
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 143
    assert capsys.readouterr().err == "skrun: error: terminated\n"


# --- real processes --------------------------------------------------------------------


def _many_files(tmp_path: Path) -> Path:
    """An agent with 3000 files: its listings are far more than a pipe (64 KiB) holds."""
    root = agent_tree(
        tmp_path, {"data": {f"file-{n:05}-{'x' * 20}.txt": "x\n" for n in range(3000)}}
    )
    return root


def _bad_skills(tmp_path: Path) -> Path:
    """1000 skills with an error each: more than a pipe's worth of issue lines."""
    bad = "---\nname: Bad-Name\ndescription: x\n---\n"
    return make_tree(tmp_path / "skills", {f"skill-{n:04}": {"SKILL.md": bad} for n in range(1000)})


def _argv(command: str, tmp_path: Path) -> list[str]:
    if command == "validate":
        return ["validate", str(_bad_skills(tmp_path))]
    root = _many_files(tmp_path)
    if command == "build --list":
        return ["build", str(root), "--list"]
    bundle = build_bundle(root, tmp_path / "dist").path
    return ["inspect", str(bundle)]


@pytest.mark.parametrize("command", ["validate", "build --list", "inspect"])
@pytest.mark.parametrize(("signum", "code", "line"), SIGNALS)
def test_a_real_process_blocked_on_its_output(
    tmp_path: Path, command: str, signum: int, code: int, line: str
) -> None:
    argv = _argv(command, tmp_path)
    proc = subprocess.Popen(
        [SKRUN, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=sigint_as_on_a_terminal,
    )
    try:
        assert proc.stdout is not None
        # Output means the CLI runs (its handler is in place); not reading it means the
        # process can never finish on its own: it is blocked writing, or will be.
        ready, _, _ = select.select([proc.stdout], [], [], BOUND)
        assert ready, "no output"
        assert proc.poll() is None
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=BOUND)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == code, err
    assert _error_lines(err.decode()) == [f"skrun: error: {line}"]


def _read_until(master: int, marker: bytes) -> bytes:
    seen = b""
    deadline = time.monotonic() + BOUND  # a bound on a hang, not a wait for the process
    while marker not in seen:
        assert time.monotonic() < deadline, seen
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other side is closed
                chunk = b""
            if not chunk:
                break
            seen += chunk
    return seen


def _wait_until_reading_stdin(pid: int) -> None:
    """Return once `pid` sleeps in a system call on fd 0 (its read of the answer).

    Seeing the prompt is not enough: a signal that lands after the prompt is written but
    before read() starts is only handled when read() returns, that is after the next Enter
    (CPython checks for signals when a read is interrupted, not before it starts).
    """
    deadline = time.monotonic() + BOUND
    while True:
        fields = Path(f"/proc/{pid}/syscall").read_text().split()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "S" and fields[0].isdigit() and fields[1] == "0x0":
            return
        assert time.monotonic() < deadline, (state, fields)
        time.sleep(0.01)


@pytest.mark.parametrize(("signum", "code", "line"), SIGNALS)
def test_init_waiting_at_its_prompt(tmp_path: Path, signum: int, code: int, line: str) -> None:
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    proc = subprocess.Popen(
        [SKRUN, "init", "weather"],
        cwd=tmp_path,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=sigint_as_on_a_terminal,
    )
    os.close(slave)
    try:
        assert b"Description [" in _read_until(master, b"]: ")
        _wait_until_reading_stdin(proc.pid)
        proc.send_signal(signum)
        rest = _read_until(master, f"skrun: error: {line}".encode())
        assert proc.wait(timeout=BOUND) == code, rest
    finally:
        os.close(master)
        proc.kill()
        proc.wait()
    assert not (tmp_path / "weather").exists()  # nothing was created
