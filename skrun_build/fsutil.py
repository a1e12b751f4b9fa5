"""File-system helpers every feature shares: atomic file writes and human sizes.

A file is written as a hidden temp file beside its final name (same filesystem,
so the rename is atomic), flushed to disk, then renamed over the final name: a
crash or `kill -9` leaves at most `.<name>.<pid>.<hex>.tmp`, never a partial file.
The pid in the temp name lets a later run tell a dead writer's leftovers from a
live one's (`stale_temps`). Errors are plain `OSError`s; callers wrap them in the
`SkrunError` of their feature, naming the file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_file(final: Path, *, mode: int = 0o644, buffering: int = -1) -> Iterator[BinaryIO]:
    """Open a temp file beside `final` (read/write); rename it into place if the block succeeds."""
    tmp = temp_path(final)
    try:  # from the open on: an interrupt right after it must still remove the temp file
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w+b", buffering=buffering) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def temp_path(final: Path) -> Path:
    """A fresh temp name beside `final`: `.<name>.<pid>.<hex>.tmp` (see `stale_temps`)."""
    # os.urandom, as secrets.token_hex does: importing secrets costs `skrun init` hashlib+hmac.
    return final.parent / f".{final.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write `data` to `path` atomically (see the module docstring); raises OSError."""
    with atomic_file(path, mode=mode) as f:
        f.write(data)


def stale_temps(final: Path) -> Iterator[Path]:
    """Temp files of `final` left by writers whose process no longer runs."""
    prefix = f".{final.name}."
    try:
        names = os.listdir(final.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid_text = name[len(prefix) :].split(".", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            yield final.parent / name


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def human_size(n: int) -> str:
    """`512 B`, `1.5 KiB`, `20.0 MiB`: binary units, one decimal."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def parse_size(text: str) -> int:
    """`50MiB`, `10M`, `1.5 GiB`, `2048` -> bytes (K/M/G are powers of 1024)."""
    import re

    from skrun_build.errors import UsageError

    mib = 1024 * 1024
    units = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": mib, "mb": mib, "mib": mib}
    units |= {"g": 1024 * mib, "gb": 1024 * mib, "gib": 1024 * mib}

    # Plain ASCII decimals only: float() would take "1e999" (inf), "1_000" and "١٢".
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([a-z]*)", text.strip().lower().replace(" ", ""))
    size = 0
    if match is not None and match.group(2) in units:
        value = float(match.group(1)) * units[match.group(2)]
        size = int(value) if value < 2**63 else 0  # a 400-digit count is a typo, not a limit
    if size < 1:
        raise UsageError(f"invalid size {text!r} (use e.g. 50MiB, 500KiB or a byte count)")
    return size
