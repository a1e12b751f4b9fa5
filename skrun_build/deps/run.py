"""Run an installer subprocess; on failure raise `InstallFailed` with its output's tail."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from skrun_build.deps import Notify
from skrun_build.errors import DepsError, InstallFailed, os_hint

TAIL_LINES = 25


def display(argv: Sequence[str]) -> str:
    """The command as a user would type it (program name without its directory)."""
    return shlex.join([os.path.basename(argv[0]), *argv[1:]])


def run_installer(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    ecosystem: str,
    progress: Notify | None = None,
) -> None:
    """Run `argv` in `cwd`; raise `InstallFailed` naming the command and its output's tail.

    The installer runs in a session (and process group) of its own, so the whole
    group can be killed when skrun is interrupted, whichever way the signal came:
    Ctrl-C on a terminal (the group of skrun, which no longer holds the installer),
    or a signal sent to skrun alone. Any BaseException kills the group and is re-raised.
    """
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError as e:
        raise DepsError(
            f"{os.path.basename(argv[0])} not found",
            hint=f"install it and make sure it is on PATH to install {ecosystem} dependencies",
        ) from e
    except OSError as e:
        raise DepsError(f"cannot run {display(argv)}: {e.strerror}", hint=os_hint(e)) from e
    assert proc.stdout is not None
    with proc:
        try:
            for line in proc.stdout:
                line = line.rstrip("\n")
                tail.append(line)
                if progress is not None and line.strip():
                    progress(line)
            proc.wait()
        except BaseException:
            kill_group(proc)
            raise
    code = proc.returncode
    if code != 0:
        message = f"Script dependency install failed for {ecosystem}: {display(argv)} exited {code}"
        shown = [t for t in tail if t.strip()]
        raise InstallFailed(message + "".join("\n    " + t for t in shown))


def kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the process group `proc` leads and reap `proc` (it started a session)."""
    import contextlib
    import signal

    with contextlib.suppress(OSError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()  # immediate after SIGKILL; takes no lock of ours


def output_of(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> str | None:
    """stdout of a quick query (`npm --version`), or None if it cannot run."""
    try:
        done = subprocess.run(
            list(argv),
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
