"""`skrun plan`: the targets a tree build would build, for a CI matrix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from skrun_build.cli._output import echo, echo_error, echo_issues, one_line, relpath

_CTX = {"help_option_names": ["-h", "--help"]}
_PATH = click.Path(path_type=Path)


@click.command("plan", context_settings=_CTX)
@click.argument("paths", nargs=-1, type=_PATH, metavar="[PATH]...")
@click.option(
    "--format",
    "out_format",
    type=click.Choice(["text", "json", "github-matrix"]),
    default="text",
    show_default=True,
    help='github-matrix: {"include": [...]} for a GitHub Actions strategy.matrix.',
)
@click.option(
    "--shards",
    type=click.IntRange(1, 256),
    default=None,
    help="github-matrix: at most N entries, each a group of targets, instead of one per target.",
)
@click.option("--manifest", type=_PATH, metavar="FILE", help="Compare with this build manifest.")
@click.option("--changed", is_flag=True, help="List only the targets that are not up to date.")
@click.option("-o", "--output", type=_PATH, help="The --output the build will use.")
@click.option(
    "--bundle-format",
    "fmt",
    type=click.Choice(["agent", "skill"]),
    default=None,
    help="What the build makes (default: [tool.skrun.build] format, else agent).",
)
@click.option("--no-config", is_flag=True, help="Ignore [tool.skrun.build].")
def plan(
    paths: tuple[Path, ...],
    out_format: str,
    shards: int | None,
    manifest: Path | None,
    changed: bool,
    output: Path | None,
    fmt: str | None,
    no_config: bool,
) -> int:
    """List the targets under PATHs (default: [tool.skrun.build] targets, else .).

    \b
    Each target's inputs digest, its dependency cache key, and whether the
    --manifest of an earlier `skrun build` says it is up to date. Builds
    nothing. Exit codes: 0 listed, 1 a target cannot be read, 2 usage error.
    """
    from skrun_build.bundle import manifest as manifest_mod
    from skrun_build.bundle.format import build_mtime
    from skrun_build.bundle.plan import github_matrix, plan_targets
    from skrun_build.bundle.tree import deps_key, find_targets
    from skrun_build.cli._tree import expand_targets, merge_settings
    from skrun_build.config import Config, find_config
    from skrun_build.errors import BundleError, UsageError

    if shards is not None and out_format != "github-matrix":
        raise UsageError("--shards goes with --format github-matrix")
    build_mtime()
    config = Config() if no_config else find_config(paths[0] if paths else Path("."))
    if not paths:
        paths = tuple(expand_targets(config)) if config.build.targets else (Path("."),)
    fmt_, output, _, _ = merge_settings(
        config.build, fmt=fmt, output=output, max_size=None, allow=()
    )
    found = find_targets(paths, fmt_)
    echo_issues(found.issues, err=True)
    if not found.dirs:
        raise BundleError(
            "no target found under " + ", ".join(str(p) for p in paths),
            hint="pass folders that hold agents (or skills, with --bundle-format skill)",
        )
    base = manifest.parent.absolute() if manifest is not None else Path.cwd()
    previous = {} if manifest is None else manifest_mod.read(manifest)
    items = plan_targets(
        [d.absolute() for d in found.dirs],
        fmt_,
        output=None if output is None else output.absolute(),
        exclude=config.build.exclude,
        previous=previous,
        base=base,
    )
    for item in items:
        if item.error:
            echo_error(f"{_shown(item.source)}: {item.error}")
    if changed:
        items = [i for i in items if not i.up_to_date]
    if out_format == "github-matrix":
        echo(json.dumps(github_matrix(items, shard_count=shards), ensure_ascii=False))
    elif out_format == "json":
        rows = [
            {
                "source": relpath(str(i.source), os.getcwd()),
                "inputs": i.inputs or None,
                "up_to_date": i.up_to_date,
                "deps_key": None if i.error else deps_key(i.source),
                "error": i.error or None,
            }
            for i in items
        ]
        fresh = sum(1 for i in items if i.up_to_date)
        doc = {"targets": rows, "up_to_date": fresh, "to_build": len(items) - fresh}
        echo(json.dumps(doc, ensure_ascii=False, sort_keys=True))
    else:
        width = max((len(_shown(i.source)) for i in items), default=0)
        for i in items:
            state = "error" if i.error else "up to date" if i.up_to_date else "to build"
            echo(f"{state:<10}  {_shown(i.source).ljust(width)}  {i.inputs[:12]}".rstrip())
        fresh = sum(1 for i in items if i.up_to_date)
        echo(f"{len(items)} targets: {len(items) - fresh} to build, {fresh} up to date")
    return 1 if any(i.error for i in items) or any(x.code == "TR001" for x in found.issues) else 0


def _shown(path: Path) -> str:
    return one_line(relpath(str(path), os.getcwd()))
