"""The installed `skrun` and how the CLI tests read what it printed."""

from __future__ import annotations

import os
import subprocess

from helpers.paths import BIN

SKRUN = BIN / "skrun"


def one_line_error(err: str) -> str:
    """The single stderr line, after checking there is no traceback."""
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def skrun_into(fd: int, argv: list[str], unbuffered: bool) -> subprocess.CompletedProcess[str]:
    """Run the real `skrun` with stdout on `fd`, with Python's stdout buffered or not
    (CI sets PYTHONUNBUFFERED; a user's shell does not)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.run(
        [str(SKRUN), *argv], stdout=fd, stderr=subprocess.PIPE, text=True, check=False, env=env
    )
