"""Resolve a manifest into its cache entry: hit, or install in a temp dir and rename.

One install per key at a time across processes (the key's file lock); a second
process waiting on the lock finds the entry the first one made. The metadata
file is written last inside the temp dir, and the temp dir is renamed into place
in one step, so a visible entry is always complete. A working entry the Skrun
runtime made (no metadata of ours) is a hit too: the runtime would use it.

Interrupted (KeyboardInterrupt, or the CLI's SIGTERM exception): the installer's
process group is killed (run.py) and the temp dir removed on the way out, for
any BaseException, which is always re-raised. Temp dirs of this key left by dead
processes (`kill -9`) are removed by the next install, under the key's lock.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from skrun_build.deps import Notify
from skrun_build.deps.detect import Manifest
from skrun_build.deps.key import cache_key
from skrun_build.deps.meta import EntryMeta, write_meta
from skrun_build.deps.store import Entry, Store, rmtree, tree_size
from skrun_build.errors import CacheError, os_hint

Status = Literal["hit", "installed", "reinstalled"]

# What an entry installed with --ignore-scripts records: Skrun v0.7.0 runs install scripts.
IGNORED_SCRIPTS = "install scripts not run (--ignore-scripts)"

LOCKFILES = {
    "python": "uv.lock or poetry.lock (pyproject.toml), or requirements.txt pinned with hashes",
    "node": "package-lock.json, pnpm-lock.yaml or yarn.lock",
}


@dataclass
class InstallResult:
    """The entry `install` resolved to and how."""

    key: str
    path: Path
    status: Status
    meta: EntryMeta | None  # None: a hit on an entry the Skrun runtime made
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    packages: int = 0
    size: int = 0
    ecosystem: str = ""

    @property
    def made_by(self) -> str:
        """`skrun-build`, or `runtime` for an entry the Skrun runtime made."""
        return "skrun-build" if self.meta is not None else "runtime"


def current_platform() -> str:
    """`linux-x86_64`: what an entry's native files were built for."""
    import platform

    return f"{sys.platform}-{platform.machine().lower() or 'unknown'}"


def _reproducible(manifest: Manifest) -> bool:
    if manifest.lock_kind is not None:
        return True
    if manifest.kind == "requirements":
        from skrun_build.deps.python import is_pinned_requirements

        return is_pinned_requirements(manifest.text)
    return False


def _mismatch(meta: EntryMeta, *, python: str | None) -> str | None:
    """What differs between the entry's build and this machine, if anything."""
    here_platform = current_platform()
    if meta.ecosystem == "python":
        from skrun_build.deps.python import current_python, describe_python

        here = describe_python(python or current_python())
    else:
        from skrun_build.deps.node import node_version

        here = node_version()
    if here == meta.runtime and here_platform == meta.platform:
        return None
    return (
        f"entry {meta.key[:12]} was built for {meta.runtime} on {meta.platform}, but this is "
        f"{here or 'no interpreter'} on {here_platform}; run `skrun deps install --reinstall` "
        "to rebuild it"
    )


def install(
    manifest: Manifest,
    *,
    store: Store | None = None,
    source: Path | None = None,
    offline: bool = False,
    reinstall: bool = False,
    python: str | None = None,
    ignore_scripts: bool = False,
    progress: Notify | None = None,
    warn: Notify | None = None,
) -> InstallResult:
    """Make sure the entry for `manifest` exists; install it if needed.

    The entry holds what Skrun v0.7.0 installs for the same key (dev dependencies,
    install scripts run); `ignore_scripts` deliberately differs and is recorded.
    """
    started = time.monotonic()
    if python is not None:  # before anything: a bad value is a usage error, not a failed install
        from skrun_build.deps.python import find_python

        python = find_python(python)
    store = store or Store()
    key = cache_key(manifest)
    warnings: list[str] = []

    def warning(text: str) -> None:
        warnings.append(text)
        if warn is not None:
            warn(text)

    if python is not None and manifest.ecosystem != "python":
        warning("--python has no effect on a node install (it applies to Python dependencies)")

    def hit(entry: Entry) -> InstallResult | None:
        # The runtime's own entries are hits as well (touched as the runtime does): it
        # would use them, so installing over them would only change what it runs.
        if not store.touch(key):
            return None
        if entry.meta is not None:
            mismatch = _mismatch(entry.meta, python=python)
            if mismatch:
                warning(mismatch)
            if entry.meta.differs_from_runtime:
                warning(
                    f"entry {key[:12]} differs from what Skrun installs: "
                    f"{entry.meta.differs_from_runtime}, and the runtime uses it as it is; run "
                    "`skrun deps install --reinstall` to rebuild it"
                )
        if any(t.dead for t in store.temps_of(key)):
            with store.locked(key, wait=False) as free:
                if free:
                    store.sweep(key)
        return InstallResult(
            key,
            entry.path,
            "hit",
            entry.meta,
            warnings,
            time.monotonic() - started,
            entry.packages,
            entry.size,
            entry.ecosystem or manifest.ecosystem,
        )

    entry = store.lookup(key)
    if entry is not None and not reinstall and entry.usable:
        found = hit(entry)  # the common case: no subprocess
        if found is not None:
            return found
    with store.locked(key, notify=progress):
        store.sweep(key)  # temp dirs of dead installs of this key (kill -9)
        entry = store.lookup(key)
        if entry is not None and not reinstall and entry.usable:
            found = hit(entry)  # another process installed it while we waited
            if found is not None:
                return found
            entry = None
        if not _reproducible(manifest):
            warning(
                f"non-reproducible build: {manifest.name} has no lockfile, so versions are "
                f"resolved at install time (commit {LOCKFILES[manifest.ecosystem]})"
            )
        differs = None
        if ignore_scripts and manifest.ecosystem == "python":
            warning(
                "--ignore-scripts has no effect on a Python install "
                "(it applies to npm, pnpm and yarn)"
            )
        elif ignore_scripts:
            differs = IGNORED_SCRIPTS
            warning(
                "install scripts not run (--ignore-scripts): the Skrun runtime runs them and "
                "will use this entry as it is, so a package that needs its install script "
                "may fail at call time; the entry records this"
            )
        meta = _build(manifest, key, store, source, offline, python, differs, progress)
        status: Status = "installed" if entry is None else "reinstalled"
        return InstallResult(
            key,
            store.entry_path(key),
            status,
            meta,
            warnings,
            time.monotonic() - started,
            meta.packages,
            meta.size,
            meta.ecosystem,
        )


def _build(
    manifest: Manifest,
    key: str,
    store: Store,
    source: Path | None,
    offline: bool,
    python: str | None,
    differs: str | None,
    progress: Notify | None,
) -> EntryMeta:
    # Named first, created inside the try: an interrupt right after the mkdir (before
    # any cleanup handler would be in place) must not leave the temp dir behind.
    work = store.temp_path(key)
    try:
        store.make_temp(work)
        if progress is not None:
            source_name = manifest.lock_name or manifest.name
            progress(
                f"installing {manifest.ecosystem} dependencies from {source_name} ({key[:12]})"
            )
        for name, text in manifest.files().items():
            # Bytes, not text mode: the entry must hold exactly what the key hashed.
            (work / name).write_bytes(text.encode("utf-8"))
        if manifest.ecosystem == "python":
            from skrun_build.deps.python import install_python

            done = install_python(manifest, work, offline=offline, python=python, progress=progress)
        else:
            from skrun_build.deps.node import install_node

            done = install_node(
                manifest,
                work,
                source=source,
                offline=offline,
                ignore_scripts=differs == IGNORED_SCRIPTS,
                progress=progress,
            )
        meta = EntryMeta(
            key=key,
            ecosystem=manifest.ecosystem,
            manifest=manifest.name,
            manifest_kind=manifest.kind,
            lockfile=manifest.lock_name,
            lock_kind=manifest.lock_kind,
            installer=done.installer,
            installer_version=done.installer_version,
            runtime=done.runtime,
            platform=current_platform(),
            packages=done.packages,
            size=tree_size(work),
            created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            reproducible=_reproducible(manifest),
            differs_from_runtime=differs,
        )
        write_meta(work, meta)  # last: its presence marks the entry complete
        _publish(store, key, work)
    except BaseException:  # an interrupt too: no temp dir is left behind
        # If this fails, the next install of this key removes it (its pid is then dead).
        with contextlib.suppress(OSError):
            rmtree(work)
        raise
    return meta


def _publish(store: Store, key: str, work: Path) -> None:
    final = store.entry_path(key)
    if final.exists() or final.is_symlink():
        # A corrupt entry, or the one --reinstall replaces: move it away first,
        # because a rename onto a non-empty directory fails.
        store.discard(final, key)
    try:
        os.rename(work, final)
    except OSError as e:
        raise CacheError(
            f"cannot move the new entry into place: {e.strerror}", path=final, hint=os_hint(e)
        ) from e
