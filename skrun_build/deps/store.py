"""The dependency cache on disk: entries, orphans, locks, list/clear/prune.

Layout (the runtime's, plus names its `cache list` never shows, Skrun v0.7.0):
    <root>/<key>/                     an entry: ours (has skrun-entry.json), or the
                                      runtime's (venv/bin/python or node_modules, no record)
    <root>/.tmp-<key>-<pid>-<hex>/    an install in progress, or its orphan
    <root>/.lock-<key>                the per-key cross-process lock (a regular file)

Skrun's `cache list` shows every directory of the root except `.tmp-*` ones and
its `cache clear` deletes every directory (packages/cli/src/commands/cache.ts):
so the locks are plain files, which both skip, and not a directory, which the
list would show as an entry and the clear would delete under a waiting install.

Installs and removals hold the key's lock. The runtime takes no lock of ours, so
a temp dir counts as an orphan only when the process named in it is dead. Entries
are removed by renaming them to a temp name first, so a half-deleted entry is
never visible under its key. Symlinks are removed, never followed.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from skrun_build.deps import Notify
from skrun_build.deps.entry import (
    TMP_PREFIX,
    Entry,
    Orphan,
    entry_at,
    rmtree,
    temp_pid,
    tree_size,
)
from skrun_build.deps.key import is_key
from skrun_build.errors import CacheError, UsageError, os_hint

__all__ = ["ClearPlan", "Entry", "Orphan", "RemoveResult", "Store", "rmtree", "tree_size"]

LOCK_PREFIX = ".lock-"
LEGACY_LOCKS_DIR = ".locks"  # where skrun-build kept its locks before; Skrun listed it
_HEX = frozenset("0123456789abcdef")


def default_root() -> Path:
    """`$SKRUN_DEPS_DIR`, else `~/.skrun/deps` (the runtime's rule)."""
    env = os.environ.get("SKRUN_DEPS_DIR")
    # Absolute now: `skrun cache dir` output used from another directory (a later CI
    # step) must name the same cache.
    return Path(env).absolute() if env else Path.home() / ".skrun" / "deps"


@dataclass
class ClearPlan:
    """What `clear` would remove, and the KEYs the user typed that matched nothing."""

    entries: list[Entry] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


@dataclass
class RemoveResult:
    """What clear/prune removed."""

    entries: list[str] = field(default_factory=list)  # keys of complete entries (ours)
    runtime: list[str] = field(default_factory=list)  # keys of the runtime's entries
    corrupt: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)  # temp dir names
    freed: int = 0
    skipped: list[str] = field(default_factory=list)  # busy (an install holds the lock)
    legacy_locks: bool = False  # the old `.locks/` folder was removed

    @property
    def removed(self) -> int:
        """Entries removed, whoever made them (temp dirs not counted, as in Skrun)."""
        return len(self.entries) + len(self.runtime) + len(self.corrupt)


def _flock(fd: int, path: Path, *, wait: bool) -> bool:
    """Take an exclusive flock on `fd`; False if busy and not `wait`."""
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError as e:
        raise CacheError(f"cannot lock: {e.strerror or e}", path=path, hint=os_hint(e)) from e
    return True


class Store:
    """The cache under `root` (default: `default_root()`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_root()

    # -- paths and locks ------------------------------------------------------------
    def entry_path(self, key: str) -> Path:
        """Where the runtime looks for the entry `key`."""
        return self.root / key

    def lock_path(self, key: str) -> Path:
        """The lock file of `key`: a plain file, which Skrun's cache list and clear skip."""
        return self.root / f"{LOCK_PREFIX}{key}"

    def ensure_root(self) -> None:
        """Create the root (not any entry) if needed."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            # mkdir says "File exists" when the root is a file: name the real problem.
            reason = "Not a directory" if isinstance(e, FileExistsError) else e.strerror
            raise CacheError(
                f"cannot create the cache: {reason}",
                path=self.root,
                hint="point SKRUN_DEPS_DIR at a directory you can write",
            ) from e

    @contextmanager
    def locked(
        self, key: str, *, wait: bool = True, notify: Notify | None = None
    ) -> Iterator[bool]:
        """Hold the key's cross-process lock; yields False if busy and `wait` is False.

        A flock on a file that is never deleted (deleting it would let a waiter and a
        newcomer hold two different locks). Releasing is closing the descriptor: it
        takes no lock and never waits, so it is safe on the way out of an interrupt.
        A signal ends a wait (Python retries EINTR only when its handler returns).
        """
        self.ensure_root()
        path = self.lock_path(key)
        try:
            # O_CLOEXEC: an installer must not inherit it and keep the key locked
            # after skrun itself is gone.
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise CacheError(f"cannot lock: {e.strerror}", path=path, hint=os_hint(e)) from e
        try:
            held = _flock(fd, path, wait=False)
            if not held and wait:
                if notify is not None:
                    notify(f"waiting for another install of {key[:12]} to finish")
                held = _flock(fd, path, wait=True)
            yield held
        finally:
            os.close(fd)

    def temp_path(self, key: str) -> Path:
        """A fresh name `<root>/.tmp-<key>-<pid>-<hex>` (nothing is created)."""
        return self.root / f"{TMP_PREFIX}{key}-{os.getpid()}-{secrets.token_hex(4)}"

    def make_temp(self, path: Path) -> None:
        """Create the temp dir `path` (from `temp_path`) for an install."""
        self.ensure_root()
        try:
            path.mkdir()
        except OSError as e:
            raise CacheError(
                f"cannot create a temp dir: {e.strerror}", path=path, hint=os_hint(e)
            ) from e

    # -- reading ------------------------------------------------------------------
    def lookup(self, key: str) -> Entry | None:
        """The entry `key` if something is there (ours, the runtime's, or corrupt)."""
        path = self.entry_path(key)
        try:
            st = path.lstat()
        except (FileNotFoundError, NotADirectoryError):
            return None  # not there (or no root yet); installing reports why it cannot be made
        except OSError as e:
            raise CacheError(
                f"cannot read the entry: {e.strerror}", path=path, hint=os_hint(e)
            ) from e
        return entry_at(key, path, st)

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
                        orphans.append(Orphan(key, Path(d.path), temp_pid(name)))
                    continue
                if not is_key(name):
                    continue  # not an entry (lock files, a README someone dropped here, ...)
                try:
                    st = d.stat(follow_symlinks=False)
                except OSError:
                    continue
                entries.append(entry_at(name, Path(d.path), st))
        entries.sort(key=lambda e: (-e.last_used, e.key))
        orphans.sort(key=lambda o: o.path.name)
        return entries, orphans

    def temps_of(self, key: str) -> list[Orphan]:
        """The temp dirs of `key` (live installs and dead ones)."""
        prefix = f"{TMP_PREFIX}{key}-"
        try:
            with os.scandir(self.root) as it:
                return [
                    Orphan(key, Path(d.path), temp_pid(d.name))
                    for d in it
                    if d.name.startswith(prefix)
                ]
        except OSError:
            return []  # no root yet, or unreadable: installing reports that itself

    def sweep(self, key: str) -> list[str]:
        """Remove the temp dirs of `key` whose process is dead; the caller holds the lock."""
        removed = []
        for o in self.temps_of(key):
            if o.dead:
                self.discard(o.path, key)
                removed.append(o.path.name)
        return removed

    # -- removing -----------------------------------------------------------------
    def discard(self, path: Path, key: str) -> None:
        """Remove an entry or temp dir; an entry is first renamed out of sight."""
        if path.is_symlink() or not path.is_dir() or path.name.startswith(TMP_PREFIX):
            target = path
        else:
            target = self.temp_path(key)
            try:
                os.rename(path, target)
            except OSError as e:
                raise CacheError(
                    f"cannot remove the entry: {e.strerror}", path=path, hint=os_hint(e)
                ) from e
        try:
            rmtree(target)
        except FileNotFoundError:
            pass  # removed meanwhile (a concurrent clean-up of a dead install)
        except OSError as e:
            raise CacheError(f"cannot remove: {e.strerror}", path=target, hint=os_hint(e)) from e

    def resolve_keys(
        self, given: Iterable[str], entries: list[Entry], orphans: list[Orphan]
    ) -> tuple[set[str], list[str]]:
        """Full keys for the keys or unique key prefixes typed, and those matching nothing."""
        known = sorted({e.key for e in entries} | {o.key for o in orphans})
        out: set[str] = set()
        unmatched: list[str] = []
        for g in given:
            prefix = g.strip().lower()
            if not prefix or len(prefix) > 64 or not set(prefix) <= _HEX:
                raise UsageError(
                    f"{g!r} is not a cache key",
                    hint="give the hash or its first characters, as `skrun cache list` shows",
                )
            matches = [k for k in known if k.startswith(prefix)]
            if not matches:
                unmatched.append(g)
            elif len(matches) > 1:
                raise UsageError(
                    f"{g!r} matches {len(matches)} cache entries",
                    hint="give more characters of the hash",
                )
            else:
                out.add(matches[0])
        return out, unmatched

    def plan_clear(self, keys: Iterable[str] = (), older_than: float | None = None) -> ClearPlan:
        """What `clear` would remove: everything, the KEYs given, or what is unused for long.

        The runtime's entries are selected by everything or by their key, never by age
        alone (they carry no record of ours). Temp dirs of live processes are never
        selected: the runtime installs without our lock.
        """
        entries, orphans = self.scan()
        orphans = [o for o in orphans if o.dead]
        keys = list(keys)
        plan = ClearPlan(entries, orphans)
        if keys:
            wanted, plan.unmatched = self.resolve_keys(keys, entries, orphans)
            plan.entries = [e for e in entries if e.key in wanted]
            plan.orphans = [o for o in orphans if o.key in wanted]
        if older_than is not None:
            cutoff = time.time() - older_than
            plan.entries = [
                e for e in plan.entries if e.last_used < cutoff and (keys or e.made_by != "runtime")
            ]
            plan.orphans = [o for o in plan.orphans if _mtime(o.path) < cutoff]
        return plan

    def clear(
        self,
        entries: list[Entry],
        orphans: list[Orphan],
        *,
        older_than: float | None = None,
        runtime_too: bool = True,
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
                    if (
                        current is not None
                        and (cutoff is None or current.last_used < cutoff)
                        and (runtime_too or current.made_by != "runtime")
                    ):
                        result.freed += current.size
                        self.discard(current.path, key)
                        if current.made_by == "skrun-build":
                            result.entries.append(key)
                        elif current.made_by == "runtime":
                            result.runtime.append(key)
                        else:
                            result.corrupt.append(key)
                for o in by_key[key][1]:
                    if (o.path.exists() or o.path.is_symlink()) and o.dead:
                        result.freed += tree_size(o.path)
                        self.discard(o.path, key)
                        result.orphans.append(o.path.name)
        return result

    def remove_legacy_locks(self) -> bool:
        """Remove `<root>/.locks/` of earlier versions: Skrun listed it as an entry."""
        path = self.root / LEGACY_LOCKS_DIR
        if path.is_symlink() or not path.is_dir():
            return False
        try:
            rmtree(path)
        except OSError as e:
            raise CacheError(f"cannot remove: {e.strerror}", path=path, hint=os_hint(e)) from e
        return True

    def prune(self) -> RemoveResult:
        """Remove dead temp dirs and incomplete entries; never the runtime's entries.

        Keys whose lock is held (an install of ours) or whose temp dir belongs to a
        live process (the runtime installing) are skipped and reported.
        """
        result = RemoveResult()
        entries, orphans = self.scan()
        live = {o.key for o in orphans if not o.dead}
        keys = sorted({e.key for e in entries if e.incomplete} | {o.key for o in orphans})
        for key in keys:
            if key in live:
                result.skipped.append(key)
                continue
            with self.locked(key, wait=False) as free:
                if not free:
                    result.skipped.append(key)
                    continue
                current = self.lookup(key)
                if current is not None and current.incomplete:
                    result.freed += tree_size(current.path)
                    self.discard(current.path, key)
                    result.corrupt.append(key)
                for o in orphans:
                    if o.key == key and o.dead:
                        result.freed += tree_size(o.path)
                        self.discard(o.path, key)
                        result.orphans.append(o.path.name)
        result.legacy_locks = self.remove_legacy_locks()
        return result


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0
