"""`skrun build` of several targets: settings, progress and the summary it prints.

The library (`skrun_build.bundle.tree`, `.plan`, `.manifest`) does the work and
returns data; this module chooses settings (flags over `[tool.skrun.build]`),
shows progress on stderr and renders the results.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from skrun_build.bundle.format import Format
from skrun_build.bundle.tree import TargetResult, Targets
from skrun_build.cli._output import (
    echo,
    echo_error,
    echo_issues,
    echo_warning,
    one_line,
    relpath,
    stderr_is_tty,
    style,
)
from skrun_build.config import BuildConfig, Config
from skrun_build.errors import EXIT_BUG, EXIT_FAILURE, BundleError, UsageError


@dataclass(frozen=True, slots=True)
class TreeSettings:
    """Everything a tree build needs, flags and config already merged."""

    format: Format
    output: Path | None
    max_size: int
    allow_secrets: tuple[str, ...]
    exclude: tuple[str, ...]
    strict: bool | None  # the flag; None: each target's [tool.skrun]
    no_config: bool
    jobs: int | None
    manifest: Path | None
    force: bool
    as_json: bool
    target: str | None = None  # the flag; None: each target's config, else generic


def expand_targets(config: Config) -> list[Path]:
    """The folders `[tool.skrun.build] targets` globs name, sorted; each glob must match."""
    import glob

    out: list[Path] = []
    for pattern in config.build.targets:
        found = sorted(p for p in glob.glob(pattern) if os.path.isdir(p))
        if not found:
            from skrun_build.errors import ConfigError

            shown = os.path.relpath(pattern, config.path.parent if config.path else ".")
            raise ConfigError(
                f"build.targets: {shown!r} matches no folder",
                path=config.path,
                hint="fix the glob (relative to the config's folder) or remove it",
            )
        out += [Path(p) for p in found]
    return out


def target_search(paths: Sequence[Path], fmt: Format) -> Targets | None:
    """The targets of a tree build, or None when `paths` is one target (a plain build).

    One PATH that is itself a target, is not a folder, or holds no target below
    behaves exactly as before tree builds existed.
    """
    from skrun_build.bundle.tree import find_targets, marker

    if len(paths) == 1:
        p = paths[0]
        # os.path, not pathlib: a folder that cannot be looked at gets the plain
        # build's message, never a PermissionError.
        if not os.path.isdir(p) or os.path.isfile(p / marker(fmt)):
            return None
        found = find_targets(paths, fmt)
        return found if found.dirs else None
    return find_targets(paths, fmt)


def build_tree_cli(paths: Sequence[Path], found: Targets | None, s: TreeSettings) -> int:
    """Build every target under `paths`; print progress, a line per target and a total."""
    from skrun_build.bundle import manifest as manifest_mod
    from skrun_build.bundle.format import build_mtime
    from skrun_build.bundle.plan import PlanItem, pending
    from skrun_build.bundle.tree import Job, build_tree, default_jobs, find_targets, manifest_rows

    build_mtime()  # a bad SOURCE_DATE_EPOCH is one usage error, not one per target
    if s.manifest is not None and s.manifest.is_dir():
        raise UsageError("--manifest names a folder", path=s.manifest, hint="name a .json file")
    targets = found if found is not None else find_targets(paths, s.format)
    echo_issues(targets.issues, err=True)
    if targets.others:
        first = relpath(os.path.abspath(targets.others[0]), os.getcwd())
        echo_warning(
            f"{len(targets.others)} skill folder(s) without agent.yaml not built ({first}, ...); "
            "build them with --format skill"
        )
    if not targets.dirs:
        raise BundleError(
            f"no {'agent.yaml' if s.format == 'agent' else 'SKILL.md'} found under "
            + ", ".join(str(p) for p in paths),
            hint="pass folders that hold agents, or pack plain skills with --format skill",
        )
    cwd = Path.cwd()
    base = s.manifest.parent.absolute() if s.manifest is not None else cwd
    previous = {} if s.force or s.manifest is None else manifest_mod.read(s.manifest)
    output = None if s.output is None else s.output.absolute()
    dirs = [d.absolute() for d in targets.dirs]
    items = pending(dirs, output=output, previous=previous, base=base, force=s.force)

    configs: dict[Path, Config] = {}

    def job_for(item: PlanItem) -> Job:
        from skrun_build.checks.budget import Limits
        from skrun_build.cli.validate_cmd import suppressions

        config = Config() if s.no_config else _config_for(item.source, configs)
        return Job(
            item.source,
            output,
            s.format,
            item.inputs,
            s.max_size,
            s.allow_secrets,
            config.strict if s.strict is None else s.strict,
            config.select,
            config.ignore,
            s.exclude,
            suppress=suppressions(config),
            previous=item.previous,
            base=base,
            target=s.target or config.target or "generic",
            limits=Limits(config.max_body_lines, config.max_body_tokens),
        )

    progress = Progress(len(items))
    try:
        results = build_tree(items, job_for, s.jobs or default_jobs(), progress.done, base)
    finally:
        progress.close()
    rows = manifest_rows(results, base)
    sums = None
    if s.manifest is not None:
        sums = manifest_mod.write(s.manifest, rows)
    _report(results)
    if s.as_json:
        echo(json.dumps(manifest_mod.document(rows), ensure_ascii=False, sort_keys=True))
    else:
        _summary(results, s.manifest, sums)
    failed = [r for r in results if not r.ok]
    if not failed and not any(i.code == "TR001" for i in targets.issues):
        return 0
    return EXIT_BUG if any(r.exit_code == EXIT_BUG for r in failed) else EXIT_FAILURE


def _config_for(source: Path, by_folder: dict[Path, Config]) -> Config:
    """`find_checked_config(source)`, once per parent folder in one run: targets side by
    side share the walk up (a folder without a config file of its own has its parent's)."""
    from skrun_build.cli.validate_cmd import find_checked_config
    from skrun_build.config import FILES

    if any(os.path.isfile(source / name) for name in FILES):
        return find_checked_config(source)
    parent = source.parent
    if parent not in by_folder:
        by_folder[parent] = find_checked_config(parent)
    return by_folder[parent]


def _shown(path: Path | None) -> str:
    return "" if path is None else one_line(relpath(str(path), os.getcwd()))


def _report(results: Sequence[TargetResult]) -> None:
    """Each target's validator warnings, build warnings and error, on stderr."""
    cwd = os.getcwd().rstrip(os.sep) + os.sep
    for r in results:
        echo_issues(r.issues, err=True)
        for w in r.warnings:
            echo_warning(f"{_shown(r.source)}: {w}")
        if r.error:  # the library's messages carry absolute paths: show them relative
            echo_error(f"{_shown(r.source)}: {r.error.replace(cwd, '')}")


def _summary(results: Sequence[TargetResult], manifest: Path | None, sums: Path | None) -> None:
    width = max(len(_shown(r.source)) for r in results)
    for r in results:
        src = _shown(r.source).ljust(width)
        if r.status == "failed":
            echo(f"{style('failed    ', fg='red', bold=True)}  {src.rstrip()}")
        elif r.status == "up to date":
            echo(f"up to date  {src}  {_shown(r.bundle)}")
        else:
            echo(f"{style('built     ', fg='green', bold=True)}  {src}  {_shown(r.bundle)}")
    counts = {
        s: sum(1 for r in results if r.status == s) for s in ("built", "up to date", "failed")
    }
    total = f"{len(results)} targets: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    echo(total)
    if manifest is not None and sums is not None:
        echo(f"manifest {_shown(manifest)}, checksums {_shown(sums)}")


class Progress:
    """Targets done / total on stderr: one updated line on a terminal, else a line each."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.tty = stderr_is_tty()

    def done(self, result: TargetResult) -> None:
        """One more target finished."""
        self.count += 1
        line = f"[{self.count}/{self.total}] {result.status}: {_shown(result.source)}"
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line)
            sys.stderr.flush()
        else:
            echo(line, err=True)

    def close(self) -> None:
        """Clear the terminal line."""
        if self.tty and self.count:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def merge_settings(
    build: BuildConfig,
    *,
    fmt: str | None,
    output: Path | None,
    max_size: str | None,
    allow: tuple[str, ...],
) -> tuple[Format, Path | None, int, tuple[str, ...]]:
    """Flags over `[tool.skrun.build]` over the defaults: (format, output, max size, allow)."""
    from skrun_build.bundle.format import MAX_SIZE
    from skrun_build.fsutil import parse_size

    chosen = fmt or build.format or "agent"
    fmt_: Format = "skill" if chosen == "skill" else "agent"
    limit = parse_size(max_size) if max_size is not None else build.max_size or MAX_SIZE
    return fmt_, output if output is not None else build.output, limit, allow or build.allow_secrets
