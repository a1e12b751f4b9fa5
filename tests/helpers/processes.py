"""Child processes started by the tests."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path


def sigint_as_on_a_terminal() -> None:
    """A Popen `preexec_fn`: the child gets SIGINT's default disposition back, so Python in it
    turns SIGINT into KeyboardInterrupt. A shell starts a background job (`bash scripts/test &`,
    some CI runners) with SIGINT ignored, children inherit that, and Python then keeps ignoring
    it, as it should: the tests that send SIGINT must not depend on how the suite was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


BOUND = 60.0  # seconds: generous, only reached when something is broken


def running(pid: int) -> bool:
    """The process exists and is not a zombie (a killed orphan may wait to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_for(condition: Callable[[], object], what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` after BOUND (only when broken)."""
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)
