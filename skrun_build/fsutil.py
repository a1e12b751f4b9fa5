"""File-system helpers every feature shares: atomic file writes, human sizes, and
folder creation and removal that do not recurse (any depth of tree).

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
from collections.abc import Callable, Iterator
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


def make_dirs(path: Path) -> None:
    """`mkdir -p path` without recursion; raises OSError.

    `Path.mkdir(parents=True)` and `os.makedirs` recurse once per missing folder, so a
    member ~1,000 folders deep (a hostile bundle or skill) was a RecursionError.
    """
    missing: list[Path] = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            if not folder.is_dir():
                raise


def remove_tree(path: Path, *, ignore_errors: bool = False) -> None:
    """Remove `path` and everything under it, without recursion.

    A symlink is unlinked, never followed. Read-only folders (some packages ship them)
    are made writable first. `shutil.rmtree` recurses once per folder on Python 3.11, so
    a tree ~1,000 folders deep could not be cleaned up; this walks an explicit stack.
    Everything removable is removed; then, unless `ignore_errors`, the first OSError is
    raised if `path` is still there (a vanished `path` is no error, as a race is not).
    """
    top = os.fspath(path)
    errors: list[OSError] = []

    def attempt(func: Callable[[str], None], target: str) -> None:
        try:
            func(target)
        except FileNotFoundError:
            pass
        except OSError as e:
            errors.append(e)

    if os.path.islink(top) or not os.path.isdir(top):
        attempt(os.unlink, top)
    else:
        stack: list[tuple[str, bool]] = [(top, False)]
        while stack:
            folder, emptied = stack.pop()
            if emptied:
                attempt(os.rmdir, folder)
                continue
            with contextlib.suppress(OSError):
                os.chmod(folder, 0o700)  # read-only folders cannot be emptied
            stack.append((folder, True))
            try:
                with os.scandir(folder) as it:
                    entries = list(it)
            except FileNotFoundError:
                continue
            except OSError as e:
                errors.append(e)
                continue
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    stack.append((entry.path, False))
                else:
                    attempt(os.unlink, entry.path)
    if errors and not ignore_errors and os.path.lexists(top):
        raise errors[0]
