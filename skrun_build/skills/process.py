"""Run one entry process in its own process group, with a deadline, and always clean up.

The lhwzds/skrun runtime kills only its direct child on timeout, so a `uv run`
wrapper's Python, or anything the entry spawned, lives on holding the pipes. We
start the entry in a new session (its own process group) and kill the whole group
with SIGKILL when the deadline passes, when the caller is interrupted (Ctrl-C, the
CLI's SIGTERM exception: any BaseException, re-raised), and after the entry exits
(a background child left behind would otherwise keep stdout open). stdin, stdout
and stderr are served by one `selectors` loop, so a large input or output never
deadlocks and stderr can be passed on as it arrives.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

STDERR_TAIL = 4096  # bytes of stderr kept for error messages
_CHUNK = 65536
_POLL = 0.2  # how often a quiet loop looks whether the entry itself has exited


@dataclass(frozen=True)
class Finished:
    """How the entry ended: exit status (None on timeout), stdout, stderr's tail."""

    returncode: int | None
    stdout: bytes
    stderr_tail: bytes
    timed_out: bool


def run_group(
    argv: Sequence[str],
    *,
    cwd: Path,
    stdin: bytes,
    timeout: float,
    env: Mapping[str, str] | None = None,
    on_stderr: Callable[[bytes], None] | None = None,
) -> Finished:
    """Run `argv` with `stdin`, collect its output; kill its process group at the end.

    Raises OSError when it cannot start (the caller names the entry).
    """
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        return _serve(proc, stdin, time.monotonic() + timeout, on_stderr)
    finally:
        # Always, whatever happened: timeout, normal exit, or an exception in the caller.
        _kill_group(proc.pid)
        with contextlib.suppress(BaseException):
            proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def _serve(
    proc: subprocess.Popen[bytes],
    data: bytes,
    deadline: float,
    on_stderr: Callable[[bytes], None] | None,
) -> Finished:
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    out: list[bytes] = []
    tail = bytearray()
    view = memoryview(data)
    leader_gone = False
    with selectors.DefaultSelector() as sel:
        if view:
            os.set_blocking(proc.stdin.fileno(), False)
            sel.register(proc.stdin, selectors.EVENT_WRITE)
        else:
            proc.stdin.close()
        sel.register(proc.stdout, selectors.EVENT_READ)
        sel.register(proc.stderr, selectors.EVENT_READ)
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Finished(None, b"".join(out), bytes(tail), True)
            ready = sel.select(min(remaining, _POLL))
            if not ready and not leader_gone and proc.poll() is not None:
                # The entry is done but something it started still holds a pipe open.
                leader_gone = True
                _kill_group(proc.pid)
            for key, _ in ready:
                f = key.fileobj
                if f is proc.stdin:
                    try:
                        n = os.write(proc.stdin.fileno(), view[:_CHUNK])
                    except BrokenPipeError:
                        n = len(view)  # the entry does not read its input: its choice
                    view = view[n:]
                    if not view:
                        sel.unregister(f)
                        proc.stdin.close()
                    continue
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    sel.unregister(f)
                    continue
                if f is proc.stdout:
                    out.append(chunk)
                else:
                    tail += chunk
                    del tail[:-STDERR_TAIL]
                    if on_stderr is not None:
                        on_stderr(chunk)
    try:
        code = proc.wait(max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        return Finished(None, b"".join(out), bytes(tail), True)
    return Finished(code, b"".join(out), bytes(tail), False)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# A failed tool's message quotes the end of its stderr, this much of it.
_TAIL_LINES = 5
_TAIL_CHARS = 600


def tail_text(raw: bytes) -> str:
    """The last lines of stderr, decoded, for a message."""
    lines = [ln.rstrip() for ln in raw.decode("utf-8", "replace").splitlines() if ln.strip()]
    return "\n".join(lines[-_TAIL_LINES:])[-_TAIL_CHARS:]
