"""What a `<root>/<key>` item or a `.tmp-*` dir is, and the disk helpers the store uses.

An entry is ours when it holds `skrun-entry.json` (meta.py), the Skrun runtime's
when it holds `venv/bin/python` or `node_modules/` without that file, and
incomplete otherwise. A temp dir names the process that made it; it is an orphan
once that process is dead.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from skrun_build.deps.meta import META_NAME, EntryMeta, read_meta

TMP_PREFIX = ".tmp-"


def temp_pid(name: str) -> int | None:
    """The pid in `.tmp-<key>-<pid>-<hex>`, None if the name has none."""
    parts = name[len(TMP_PREFIX) + 64 :].split("-")
    if len(parts) < 3 or parts[0] or not parts[1].isascii() or not parts[1].isdigit():
        return None
    return int(parts[1])


def pid_alive(pid: int | None) -> bool:
    """Whether a process `pid` exists on this machine (another user's counts)."""
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # EPERM: it exists, it is someone else's
    return True


def runtime_ecosystem(path: Path) -> str | None:
    """`python` or `node` if `path` is a working entry the Skrun runtime made, else None.

    The runtime writes no record of ours; its cache hit is "the folder exists", and
    what it installs is `venv/` (bin/python, or Scripts/python.exe on Windows) or
    `node_modules/` (packages/runtime/src/cache/deps-cache.ts, Skrun v0.7.0). A folder
    holding our metadata file, valid or not, is ours.
    """
    if os.path.lexists(path / META_NAME):
        return None
    if (path / "node_modules").is_dir():
        return "node"
    venv = path / "venv"
    if os.path.lexists(venv / "bin" / "python") or os.path.lexists(venv / "Scripts" / "python.exe"):
        return "python"
    return None


@dataclass(frozen=True)
class Entry:
    """One `<root>/<key>` item: ours (`meta`), the runtime's (`runtime`), or incomplete."""

    key: str
    path: Path
    meta: EntryMeta | None  # None: made by the runtime, corrupt, or a symlink
    last_used: float  # the entry's mtime, refreshed on every hit (ours and the runtime's)
    runtime: str | None = None  # ecosystem of a working entry the Skrun runtime made

    @property
    def made_by(self) -> str | None:
        """`skrun-build`, `runtime`, or None for an incomplete entry."""
        if self.meta is not None:
            return "skrun-build"
        return "runtime" if self.runtime is not None else None

    @property
    def incomplete(self) -> bool:
        """Neither our metadata nor the runtime's layout: what prune removes."""
        return self.made_by is None

    @property
    def ecosystem(self) -> str | None:
        """`python` or `node`, None when incomplete."""
        return self.meta.ecosystem if self.meta is not None else self.runtime

    @cached_property
    def size(self) -> int:
        """Bytes on disk, from the metadata when there is one."""
        return self.meta.size if self.meta is not None else tree_size(self.path)

    @cached_property
    def packages(self) -> int:
        """Installed packages, from the metadata or counted in the runtime's entry."""
        if self.meta is not None:
            return self.meta.packages
        if self.runtime == "node":
            from skrun_build.deps.node import count_packages as count_node

            return count_node(self.path / "node_modules")
        if self.runtime == "python":
            from skrun_build.deps.python import count_packages as count_python

            return count_python(self.path / "venv")
        return 0

    @property
    def usable(self) -> bool:
        """A hit: ours complete with its payload, or a working entry of the runtime."""
        if self.meta is None:
            return self.runtime is not None
        if self.meta.ecosystem == "python":
            return (self.path / "venv" / "pyvenv.cfg").is_file()
        return (self.path / "node_modules").is_dir() or self.meta.packages == 0


@dataclass(frozen=True)
class Orphan:
    """A `.tmp-<key>-<pid>-...` directory: an install in progress or one that died."""

    key: str
    path: Path
    pid: int | None = None

    @property
    def dead(self) -> bool:
        """Its process is gone (or the name carries none): nothing writes into it any more."""
        return not pid_alive(self.pid)


def tree_size(path: Path) -> int:
    """Apparent size of every file under `path`, never following symlinks."""
    try:
        st = path.lstat()
    except OSError:
        return 0
    if not stat.S_ISDIR(st.st_mode):
        return st.st_size
    total = 0
    stack = [str(path)]
    while stack:
        try:
            it = os.scandir(stack.pop())
        except OSError:
            continue
        with it:
            for e in it:
                try:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                    else:
                        total += e.stat(follow_symlinks=False).st_size
                except OSError:
                    continue
    return total


def rmtree(path: Path) -> None:
    """Remove `path` (a symlink is unlinked, never followed)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
        return
    # Not shutil.rmtree: it recurses once per folder on Python 3.11 (RecursionError on a
    # deep tree) and imports bz2 and lzma, which a cache hit or `cache list` never needs.
    from skrun_build.fsutil import remove_tree

    remove_tree(path)


def entry_at(key: str, path: Path, st: os.stat_result) -> Entry:
    """The Entry for `path`, given its lstat."""
    if not stat.S_ISDIR(st.st_mode):
        return Entry(key, path, None, st.st_mtime)  # a file or a symlink: corrupt
    meta = read_meta(path)
    runtime = runtime_ecosystem(path) if meta is None else None
    return Entry(key, path, meta, st.st_mtime, runtime)
