"""`skrun deps install|hash|path` and `skrun cache list|clear|prune|dir`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from skrun_build.cli._output import (
    echo,
    echo_warning,
    json_text,
    plural,
    stderr_is_tty,
    stdin_is_tty,
    style,
)
from skrun_build.errors import DepsError, UsageError
from skrun_build.fsutil import human_size

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.deps.detect import Manifest
    from skrun_build.deps.install import InstallResult
    from skrun_build.deps.meta import EntryMeta
    from skrun_build.deps.store import Entry

CONFIRM_ABOVE = 100 * 1024 * 1024  # clear asks first above this, as Skrun does
_CTX = {"help_option_names": ["-h", "--help"]}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def ago(seconds: float) -> str:
    """`just now`, `5 minutes ago`, `3 days ago`."""
    s = max(0, int(seconds))
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if s >= length:
            n = s // length
            return f"{plural(n, unit)} ago"
    return "just now"


def parse_duration(text: str) -> float:
    """`30d`, `12h`, `90m`, `2w`, `45s` -> seconds."""
    # ASCII digits, bounded: `\d+` took "١d" and crashed on a 5000-digit count.
    m = re.fullmatch(r"\s*([0-9]{1,12})\s*([smhdw])\s*", text)
    if not m:
        raise UsageError(
            f"--older-than: invalid duration {text!r}", hint="use a number and s, m, h, d or w: 30d"
        )
    return int(m.group(1)) * _UNITS[m.group(2)]


def _manifest_of(target: Path) -> tuple[Manifest | None, Path | None]:
    """Detect from a skill directory or from the root members of a `.agent` bundle."""
    from skrun_build.deps.detect import detect_dir

    if target.is_dir():
        return detect_dir(target), target
    if not target.exists():
        raise UsageError("no such file or directory", path=target, hint="give a skill directory")
    return _manifest_of_bundle(target), None


def _manifest_of_bundle(bundle: Path) -> Manifest | None:
    """Detect from the root members of a `.agent` bundle (read by the safe bundle reader)."""
    from skrun_build.bundle.reader import read_members
    from skrun_build.deps.detect import detect_members
    from skrun_build.formats.manifests import CANDIDATES

    return detect_members(read_members(bundle, CANDIDATES))


def _require_manifest(target: Path) -> Manifest:
    manifest, _ = _manifest_of(target)
    if manifest is None:
        raise DepsError(
            "no dependency manifest at the root",
            path=target,
            hint="add package.json, pyproject.toml or requirements.txt",
        )
    return manifest


def _meta_json(meta: EntryMeta) -> dict[str, Any]:
    """The metadata's fields as `--json` shows them: sorted, without the schema number."""
    from dataclasses import asdict

    return {k: v for k, v in sorted(asdict(meta).items()) if k != "schema"}


def _runtime_json(e: Entry | InstallResult) -> dict[str, Any]:
    """What is known of an entry the Skrun runtime made (it keeps no record)."""
    return {"ecosystem": e.ecosystem, "key": e.key, "packages": e.packages, "size": e.size}


def _progress() -> Any:
    if not stderr_is_tty():
        return None
    return lambda line: echo(style("  " + line, fg="bright_black", err=True), err=True)


@click.group("deps", context_settings=_CTX)
def deps() -> None:
    """Resolve a skill's script dependencies into the Skrun cache.

    \b
    The cache entry is the one the Skrun runtime looks up: <root>/<sha256>/,
    root $SKRUN_DEPS_DIR or ~/.skrun/deps.
    """


@deps.command("install", context_settings=_CTX, short_help="Install into the cache.")
@click.argument(
    "target", required=False, default=".", metavar="[DIR|BUNDLE]", type=click.Path(path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--offline", is_flag=True, help="Install from local sources and caches only.")
@click.option("--reinstall", is_flag=True, help="Rebuild the entry even if it is cached.")
@click.option("--python", "python", metavar="PYTHON", help="Interpreter for the venv.")
@click.option(
    "--ignore-scripts",
    is_flag=True,
    help="Don't run npm/pnpm/yarn install scripts. Skrun runs them, so its tools may then "
    "fail; the entry records it.",
)
@click.option("--allow-scripts", is_flag=True, hidden=True)  # the default now; kept for old CI
def install(
    target: Path,
    as_json: bool,
    offline: bool,
    reinstall: bool,
    python: str | None,
    ignore_scripts: bool,
    allow_scripts: bool,
) -> int:
    """Install the dependencies of DIR or BUNDLE (default: .) into the cache.

    \b
    The entry holds what the Skrun runtime installs for the same key: dev
    dependencies and default groups included, install scripts run.
    Python: uv.lock (uv sync --locked), poetry.lock (hash-checked), else
    pyproject.toml or requirements.txt with uv pip. Node: npm ci, pnpm
    --frozen-lockfile, yarn --frozen-lockfile / --immutable, else npm install.
    Without a lockfile the build is not reproducible and a warning says so.
    """
    from skrun_build.deps.install import install as run_install

    if allow_scripts and ignore_scripts:
        raise UsageError(
            "--allow-scripts and --ignore-scripts contradict each other",
            hint="install scripts run by default; keep --ignore-scripts only to skip them",
        )
    if python is not None:
        from skrun_build.deps.python import find_python

        python = find_python(python)  # a usage error even when there is nothing to install
    manifest, source = _manifest_of(target)
    if manifest is None:
        if as_json:
            echo(json_text({"status": "none", "path": None, "warnings": []}))
        else:
            echo_warning(
                f"nothing to install: {target} has no package.json, pyproject.toml "
                "or requirements.txt at its root"
            )
        return 0
    result = run_install(
        manifest,
        source=source,
        offline=offline,
        reinstall=reinstall,
        python=python,
        ignore_scripts=ignore_scripts,
        progress=_progress(),
        warn=None if as_json else echo_warning,
    )
    meta = result.meta
    if as_json:
        data = {
            "status": result.status,
            "path": str(result.path),
            "seconds": round(result.seconds, 3),
            "warnings": result.warnings,
            "made_by": result.made_by,
            **(_meta_json(meta) if meta is not None else _runtime_json(result)),
        }
        echo(json_text(data, indent=2))
        return 0
    if result.status == "hit":
        by = "" if meta is not None else "made by the Skrun runtime, "
        echo(
            f"Cached: {result.path} ({by}{plural(result.packages, 'package')}, "
            f"{human_size(result.size)})"
        )
        return 0
    assert meta is not None  # installed by us
    lock = meta.lockfile or meta.manifest
    echo(
        f"Installed {plural(meta.packages, 'package')} from {lock} with {meta.installer} "
        f"{meta.installer_version} into {result.path} in {result.seconds:.1f} s"
    )
    return 0


@deps.command("hash", context_settings=_CTX, short_help="Print the cache key.")
@click.argument(
    "target", required=False, default=".", metavar="[DIR|BUNDLE]", type=click.Path(path_type=Path)
)
def hash_(target: Path) -> int:
    """Print the cache key of DIR or BUNDLE (the runtime's sha256), e.g. for CI caches."""
    from skrun_build.deps.key import cache_key

    echo(cache_key(_require_manifest(target)))
    return 0


@deps.command("path", context_settings=_CTX, short_help="Print the cache entry's path.")
@click.argument(
    "target", required=False, default=".", metavar="[DIR|BUNDLE]", type=click.Path(path_type=Path)
)
def path(target: Path) -> int:
    """Print the cache entry of DIR or BUNDLE; exit 1 if it is not cached."""
    from skrun_build.deps.key import cache_key
    from skrun_build.deps.store import Store

    store = Store()
    key = cache_key(_require_manifest(target))
    entry = store.lookup(key)
    if entry is None or not entry.usable:  # what `deps install` would replace is no hit
        raise DepsError(
            f"not cached: {store.entry_path(key)}", hint=f"run `skrun deps install {target}`"
        )
    echo(str(entry.path))
    return 0


@click.group("cache", context_settings=_CTX)
def cache() -> None:
    """List, clear and prune the dependency cache ($SKRUN_DEPS_DIR or ~/.skrun/deps)."""


def _entry_json(e: Entry) -> dict[str, Any]:
    from datetime import UTC, datetime

    last = datetime.fromtimestamp(e.last_used, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = _meta_json(e.meta) if e.meta is not None else _runtime_json(e)
    return {"path": str(e.path), "last_used": last, "made_by": e.made_by, **fields}


_BY_RUNTIME = " (Skrun runtime)"  # the LAST USED cell of an entry the runtime made


@cache.command("list", context_settings=_CTX)
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
def list_(as_json: bool) -> int:
    """List cache entries, most recently used first.

    \b
    Entries the Skrun runtime made itself (no skrun-build record) are listed
    too, marked "(Skrun runtime)"; their size and package count are measured.
    """
    import time

    from skrun_build.deps.store import Store

    store = Store()
    entries, orphans = store.scan()
    good = [e for e in entries if not e.incomplete]
    corrupt = len(entries) - len(good)
    if as_json:
        echo(json_text([_entry_json(e) for e in good], indent=2))
    elif not good:
        echo("No cache entries.")
    else:
        now = time.time()
        rows = [("HASH", "SIZE", "PACKAGES", "LAST USED")]
        for e in good:
            by = _BY_RUNTIME if e.made_by == "runtime" else ""
            rows.append(
                (e.key[:12], human_size(e.size), str(e.packages), ago(now - e.last_used) + by)
            )
        n = len(good)
        rows.append(
            (
                "TOTAL",
                human_size(sum(e.size for e in good)),
                str(sum(e.packages for e in good)),
                plural(n, "entry", "entries"),
            )
        )
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for i, r in enumerate(rows):
            line = "  ".join(
                c.rjust(w) if j in (1, 2) else c.ljust(w)
                for j, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
            echo(style(line, bold=True) if i == 0 else line)
    if corrupt or orphans:
        echo_warning(
            f"{plural(corrupt, 'incomplete entry', 'incomplete entries')} and "
            f"{plural(len(orphans), 'temp dir')} under {store.root} (an install in progress or "
            "interrupted); `skrun cache prune` removes the dead ones"
        )
    return 0


@cache.command("clear", context_settings=_CTX, short_help="Remove entries and orphans.")
@click.argument("keys", nargs=-1)
@click.option("-y", "--yes", is_flag=True, help="Do not ask (it asks only on a terminal).")
@click.option("--dry-run", is_flag=True, help="Show what would be removed; remove nothing.")
@click.option("--older-than", metavar="AGE", help="Only entries unused for AGE (30d, 12h, 2w).")
def clear(keys: tuple[str, ...], yes: bool, dry_run: bool, older_than: str | None) -> int:
    """Remove cache entries (all, the given KEYs or hash prefixes) and temp-dir orphans.

    \b
    On a terminal it asks first when more than 100 MiB would be freed (as
    Skrun's own `cache clear` does); without one it does what was typed. A KEY
    that matches nothing is a warning: the exit code does not depend on it.
    Entries the Skrun runtime made go only when clearing everything or their
    KEY, never by --older-than alone. Waits for installs of the same key.
    """
    from skrun_build.deps.store import Store, tree_size

    age = parse_duration(older_than) if older_than is not None else None
    store = Store()
    plan = store.plan_clear(keys, age)
    for given in plan.unmatched:
        echo_warning(f"no cache entry matches {given!r} (see `skrun cache list`)")
    n = len(plan.entries)
    total = sum(e.size for e in plan.entries) + sum(tree_size(o.path) for o in plan.orphans)
    if dry_run:
        for e in plan.entries:
            note = {"runtime": _BY_RUNTIME, None: " (incomplete)"}.get(e.made_by, "")
            echo(f"Would remove {e.key}  {human_size(e.size)}{note}")
        for o in plan.orphans:
            echo(f"Would remove {o.path.name}  {human_size(tree_size(o.path))}")
        echo(f"Would clear {plural(n, 'entry', 'entries')} ({human_size(total)}).")
        return 0
    if (
        not yes
        and total > CONFIRM_ABOVE
        and stdin_is_tty()
        and not click.confirm(
            f"Delete {plural(n, 'entry', 'entries')} ({human_size(total)}) from {store.root}?",
            default=False,
            err=True,
        )
    ):
        echo("Nothing cleared.")
        raise click.exceptions.Exit(1)
    everything = not keys and age is None
    result = store.clear(
        plan.entries,
        plan.orphans,
        older_than=age,
        runtime_too=everything or bool(keys),
        notify=_progress(),
    )
    if everything:
        result.legacy_locks = store.remove_legacy_locks()
    echo(
        f"Cleared {plural(result.removed, 'entry', 'entries')} ({human_size(result.freed)} freed)."
    )
    return 0


@cache.command("prune", context_settings=_CTX, short_help="Remove orphans and broken entries.")
def prune() -> int:
    """Remove temp dirs of dead installs and incomplete entries.

    \b
    Entries the Skrun runtime made (venv/bin/python or node_modules, no
    skrun-build record) are working entries: prune never removes them.
    """
    from skrun_build.deps.store import Store

    result = Store().prune()
    echo(
        f"Pruned {plural(len(result.orphans), 'temp dir')} and "
        f"{plural(len(result.corrupt), 'incomplete entry', 'incomplete entries')} "
        f"({human_size(result.freed)} freed)."
    )
    if result.legacy_locks:
        echo("Removed .locks/, the lock folder of earlier skrun-build versions.")
    if result.skipped:
        echo_warning(
            f"skipped {plural(len(result.skipped), 'key')} with an install in progress: "
            + ", ".join(k[:12] for k in result.skipped)
        )
    return 0


@cache.command("dir", context_settings=_CTX)
def dir_() -> int:
    """Print the cache root."""
    from skrun_build.deps.store import default_root

    echo(str(default_root()))
    return 0
