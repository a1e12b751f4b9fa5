"""The dependency cache on disk: entries, orphans, locks, list/clear/prune.

Layout (the runtime's, plus two dot-names it never looks at):
    <root>/<key>/                     a complete entry (has skrun-entry.json)
    <root>/.tmp-<key>-<pid>-<hex>/    an install in progress, or its orphan
    <root>/.locks/<key>.lock          the per-key cross-process lock

Installs and removals hold the key's lock, so a temp dir whose key lock is free
is an orphan. Entries are removed by renaming them to a temp name first, so a
half-deleted entry is never visible under its key. Symlinks are removed, never
followed.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skrun_build.deps import Notify
from skrun_build.deps.key import is_key
from skrun_build.deps.meta import EntryMeta, read_meta
from skrun_build.errors import CacheError, UsageError, os_hint

TMP_PREFIX = ".tmp-"
LOCKS_DIR = ".locks"


def default_root() -> Path:
    """`$SKRUN_DEPS_DIR`, else `~/.skrun/deps` (the runtime's rule)."""
    env = os.environ.get("SKRUN_DEPS_DIR")
    # Absolute now: `skrun cache dir` output used from another directory (a later CI
    # step) must name the same cache.
    return Path(env).absolute() if env else Path.home() / ".skrun" / "deps"


@dataclass(frozen=True)
class Entry:
    """One `<root>/<key>` item; `meta` is None when it is corrupt (or a symlink)."""

    key: str
    path: Path
    meta: EntryMeta | None
    last_used: float  # the entry's mtime, refreshed on every hit

    @property
    def size(self) -> int:
        """Bytes on disk, from the metadata when there is one."""
        return self.meta.size if self.meta is not None else tree_size(self.path)

    @property
    def usable(self) -> bool:
        """Complete (metadata written last) and its payload still there: a hit."""
        if self.meta is None:
            return False
        if self.meta.ecosystem == "python":
            return (self.path / "venv" / "pyvenv.cfg").is_file()
        return (self.path / "node_modules").is_dir() or self.meta.packages == 0


@dataclass(frozen=True)
class Orphan:
    """A `.tmp-<key>-...` directory: an install in progress or one that died."""

    key: str
    path: Path


@dataclass
class RemoveResult:
    """What clear/prune removed."""

    entries: list[str] = field(default_factory=list)  # keys of complete entries
    corrupt: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)  # temp dir names
    freed: int = 0
    skipped: list[str] = field(default_factory=list)  # busy (an install holds the lock)


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


def _make_writable(func: Any, path: str, _exc: Any) -> None:
    # Some packages ship read-only directories; rmtree needs write access to empty them.
    parent = os.path.dirname(path)
    try:
        os.chmod(parent, 0o700)
        if not os.path.islink(path) and os.path.isdir(path):
            os.chmod(path, 0o700)
    except OSError:
        pass
    func(path)


def rmtree(path: Path) -> None:
    """Remove `path` (a symlink is unlinked, never followed)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
        return
    # Imported here: shutil pulls in bz2 and lzma, which a cache hit or `cache list` never needs.
    import shutil

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=_make_writable)
    else:
        shutil.rmtree(path, onerror=_make_writable)


class Store:
    """The cache under `root` (default: `default_root()`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_root()

    # -- paths and locks ------------------------------------------------------------
    def entry_path(self, key: str) -> Path:
        """Where the runtime looks for the entry `key`."""
        return self.root / key

    def ensure_root(self) -> None:
        """Create the root (not any entry) if needed."""
        try:
            (self.root / LOCKS_DIR).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CacheError(
                f"cannot create the cache: {e.strerror}",
                path=self.root,
                hint="point SKRUN_DEPS_DIR at a directory you can write",
            ) from e

    @contextmanager
    def locked(
        self, key: str, *, wait: bool = True, notify: Notify | None = None
    ) -> Iterator[bool]:
        """Hold the key's cross-process lock; yields False if busy and `wait` is False."""
        from filelock import FileLock, Timeout

        self.ensure_root()
        path = self.root / LOCKS_DIR / f"{key}.lock"
        lock = FileLock(str(path))
        try:
            try:
                lock.acquire(timeout=0)
                held = True
            except Timeout:
                held = False
            if not held and wait:
                if notify is not None:
                    notify(f"waiting for another install of {key[:12]} to finish")
                lock.acquire()
                held = True
        except OSError as e:
            raise CacheError(f"cannot lock: {e.strerror or e}", path=path, hint=os_hint(e)) from e
        if not held:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    def new_temp(self, key: str) -> Path:
        """Create `<root>/.tmp-<key>-<pid>-<hex>/` for an install."""
        self.ensure_root()
        path = self.root / f"{TMP_PREFIX}{key}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except OSError as e:
            raise CacheError(
                f"cannot create a temp dir: {e.strerror}", path=path, hint=os_hint(e)
            ) from e
        return path

    # -- reading ------------------------------------------------------------------
    def lookup(self, key: str) -> Entry | None:
        """The entry `key` if it exists as a real directory (corrupt or not)."""
        path = self.entry_path(key)
        try:
            st = path.lstat()
        except (FileNotFoundError, NotADirectoryError):
            return None  # not there (or no root yet); installing reports why it cannot be made
        except OSError as e:
            raise CacheError(
                f"cannot read the entry: {e.strerror}", path=path, hint=os_hint(e)
            ) from e
        if not stat.S_ISDIR(st.st_mode):
            return Entry(key, path, None, st.st_mtime)
        return Entry(key, path, read_meta(path), st.st_mtime)

    def touch(self, key: str) -> bool:
        """Mark the entry as used now (its mtime is "last used"); False if it just vanished."""
        try:
            os.utime(self.entry_path(key))
            return True
        except FileNotFoundError:
            return False  # removed by `cache clear` between lookup and touch
        except OSError as e:
            raise CacheError(
                f"cannot update the entry: {e.strerror}", path=self.entry_path(key), hint=os_hint(e)
            ) from e

    def scan(self) -> tuple[list[Entry], list[Orphan]]:
        """Every entry (newest first) and every temp dir under the root."""
        entries: list[Entry] = []
        orphans: list[Orphan] = []
        try:
            it = os.scandir(self.root)
        except FileNotFoundError:
            return [], []
        except OSError as e:
            raise CacheError(
                f"cannot read the cache: {e.strerror}",
                path=self.root,
                hint="point SKRUN_DEPS_DIR at a directory you can read",
            ) from e
        with it:
            for d in it:
                name = d.name
                if name.startswith(TMP_PREFIX):
                    key = name[len(TMP_PREFIX) : len(TMP_PREFIX) + 64]
                    if is_key(key):
                        orphans.append(Orphan(key, Path(d.path)))
                    continue
                if not is_key(name):
                    continue  # not ours (.locks, a README someone dropped here, ...)
                try:
                    st = d.stat(follow_symlinks=False)
                except OSError:
                    continue
                path = Path(d.path)
                meta = read_meta(path) if stat.S_ISDIR(st.st_mode) else None
                entries.append(Entry(name, path, meta, st.st_mtime))
        entries.sort(key=lambda e: (-e.last_used, e.key))
        orphans.sort(key=lambda o: o.path.name)
        return entries, orphans

    # -- removing -----------------------------------------------------------------
    def discard(self, path: Path, key: str) -> None:
        """Remove an entry or temp dir; an entry is first renamed out of sight."""
        if path.is_symlink() or not path.is_dir() or path.name.startswith(TMP_PREFIX):
            target = path
        else:
            target = self.root / f"{TMP_PREFIX}{key}-{os.getpid()}-{secrets.token_hex(4)}"
            try:
                os.rename(path, target)
            except OSError as e:
                raise CacheError(
                    f"cannot remove the entry: {e.strerror}", path=path, hint=os_hint(e)
                ) from e
        try:
            rmtree(target)
        except OSError as e:
            raise CacheError(f"cannot remove: {e.strerror}", path=target, hint=os_hint(e)) from e

    def resolve_keys(self, given: Iterable[str], entries: list[Entry]) -> set[str]:
        """Full keys for the keys or unique key prefixes the user typed."""
        out: set[str] = set()
        for g in given:
            prefix = g.strip().lower()
            matches = [e.key for e in entries if e.key.startswith(prefix)] if prefix else []
            if not matches:
                raise CacheError(f"no cache entry matches {g!r}", hint="see `skrun cache list`")
            if len(matches) > 1:
                raise UsageError(
                    f"{g!r} matches {len(matches)} cache entries",
                    hint="give more characters of the hash",
                )
            out.add(matches[0])
        return out

    def plan_clear(
        self, keys: Iterable[str] = (), older_than: float | None = None
    ) -> tuple[list[Entry], list[Orphan]]:
        """The entries and orphans `clear` would remove (all, by key, or unused for long)."""
        entries, orphans = self.scan()
        wanted = self.resolve_keys(keys, entries) if keys else None
        if wanted is not None:
            entries = [e for e in entries if e.key in wanted]
            orphans = [o for o in orphans if o.key in wanted]
        if older_than is not None:
            cutoff = time.time() - older_than
            entries = [e for e in entries if e.last_used < cutoff]
            orphans = [o for o in orphans if _mtime(o.path) < cutoff]
        return entries, orphans

    def clear(
        self,
        entries: list[Entry],
        orphans: list[Orphan],
        *,
        older_than: float | None = None,
        notify: Notify | None = None,
    ) -> RemoveResult:
        """Remove the planned items, waiting for any install of the same key to finish."""
        result = RemoveResult()
        by_key: dict[str, tuple[list[Entry], list[Orphan]]] = {}
        for e in entries:
            by_key.setdefault(e.key, ([], []))[0].append(e)
        for o in orphans:
            by_key.setdefault(o.key, ([], []))[1].append(o)
        for key in sorted(by_key):
            with self.locked(key, notify=notify):
                if by_key[key][0]:
                    current = self.lookup(key)
                    cutoff = None if older_than is None else time.time() - older_than
                    if current is not None and (cutoff is None or current.last_used < cutoff):
                        result.freed += current.size
                        self.discard(current.path, key)
                        (result.entries if current.meta else result.corrupt).append(key)
                for o in by_key[key][1]:
                    if o.path.exists() or o.path.is_symlink():
                        result.freed += tree_size(o.path)
                        self.discard(o.path, key)
                        result.orphans.append(o.path.name)
        return result

    def prune(self) -> RemoveResult:
        """Remove orphaned temp dirs and corrupt entries; skip keys an install holds."""
        result = RemoveResult()
        entries, orphans = self.scan()
        keys = sorted({e.key for e in entries if e.meta is None} | {o.key for o in orphans})
        for key in keys:
            with self.locked(key, wait=False) as free:
                if not free:
                    result.skipped.append(key)
                    continue
                current = self.lookup(key)
                if current is not None and current.meta is None:
                    result.freed += tree_size(current.path)
                    self.discard(current.path, key)
                    result.corrupt.append(key)
                for o in orphans:
                    if o.key == key:
                        result.freed += tree_size(o.path)
                        self.discard(o.path, key)
                        result.orphans.append(o.path.name)
        return result


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0
