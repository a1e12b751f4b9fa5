"""`build_bundle()`, `list_files()`, `explain()`: the build's steps in order, nothing else.

One way down: `source` (the bridge to validation) -> `collect` (the walk, then
`required`) -> `agenttar` or `skillzip` (the writers). None of them imports this module.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from skrun_build.bundle.collect import SourceFile, collect
from skrun_build.bundle.format import MAX_SIZE, Format
from skrun_build.bundle.ignore import Rules, Verdict, normalize_rel, path_kind, relative_inside
from skrun_build.bundle.required import check_required, required_files
from skrun_build.bundle.result import BuildResult
from skrun_build.bundle.secrets import Allow
from skrun_build.bundle.source import check_source
from skrun_build.errors import BundleError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.checks.budget import Limits
    from skrun_build.checks.suppress import Suppressions

EXTENSIONS = {"agent": ".agent", "skill": ".skill"}


def source_rules(source: Path, output: Path | None = None, exclude: Sequence[str] = ()) -> Rules:
    """The exclusion rules of `source`, excluding `output` when it lies inside it.

    `exclude`: extra gitignore patterns (`[tool.skrun.build] exclude`).
    """
    return Rules(source, output=output, exclude=exclude)


def list_files(
    source: Path,
    output: Path | None = None,
    *,
    format: Format = "agent",
    warn: Callable[[str], None] | None = None,
    exclude: Sequence[str] = (),
) -> list[SourceFile]:
    """What a build would pack (source files, in member order), without validating.

    `warn` gets each ignore-file warning (`.gitignore:3: ...`). Raises a BundleError
    when a rule excludes a file the bundle needs, as a build would.
    """
    source = _source_dir(source)
    _check_output(output)
    rules = source_rules(source, output, exclude)
    try:
        files = collect(source, rules)
    finally:
        _report(rules.warnings, warn)
    check_required(source, format, rules, {f.rel for f in files})
    return files


def explain(
    source: Path,
    path: str,
    output: Path | None = None,
    *,
    format: Format = "agent",
    base: Path | None = None,
    warn: Callable[[str], None] | None = None,
    exclude: Sequence[str] = (),
) -> Verdict:
    """The rule that includes or excludes `path`.

    A relative `path` is taken relative to `base` when given (the CLI passes the
    current directory, as for every path argument), else relative to `source`.
    The path must lie inside `source` (a UsageError otherwise). When nothing is
    there, `exists` is False and the verdict is for a file (or, with a trailing
    `/`, a folder) put there. `required` says why a bundle of `format` needs it.
    """
    source = _source_dir(source)
    _check_output(output)
    if base is not None or os.path.isabs(path):
        rel = _inside(source, path, base or Path.cwd())
    else:
        rel = normalize_rel(path)
    rules = source_rules(source, output, exclude)
    exists = bool(rel) and path_kind(source.joinpath(*rel.split("/"))) != "missing"
    try:
        if exists:
            verdict = rules.explain(rel)
        else:
            verdict = rules.explain(rel, is_dir=path.endswith(("/", os.sep)))
    finally:
        _report(rules.warnings, warn)
    why = next((r.why for r in required_files(source, format) if rel in r.candidates), "")
    return dataclasses.replace(verdict, exists=exists, required=why)


def _inside(source: Path, path: str, base: Path) -> str:
    """`path` (relative to `base`) as a POSIX path relative to `source`."""
    target = os.path.abspath(os.path.join(base, path))
    candidates = [
        (target, os.path.abspath(source)),
        # Through symlinks (a source given as a link, a cwd reached through one).
        (
            os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target)),
            os.path.realpath(source),
        ),
    ]
    for full, root in candidates:
        rel = os.path.relpath(full, root)
        if rel == os.curdir:
            raise UsageError(
                "--explain names the source directory itself",
                path=path,
                hint="name a file or folder inside it",
            )
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return rel.replace(os.sep, "/")
    raise UsageError(
        "--explain names a path outside the source directory",
        path=path,
        hint=f"name a path inside {source}; like every path argument, it is relative "
        "to the current directory",
    )


def _check_output(output: Path | str | None) -> None:
    if output is not None and path_kind(Path(output)) == "other":
        raise UsageError(
            "output must be a directory",
            path=output,
            hint="pass --output a directory; it is created if missing",
        )


def _report(warnings: list[str], warn: Callable[[str], None] | None) -> None:
    if warn is not None:
        for w in warnings:
            warn(w)


def build_bundle(
    source: Path | str,
    output: Path | str | None = None,
    *,
    format: Format = "agent",
    max_size: int = MAX_SIZE,
    allow_secrets: Sequence[str] = (),
    strict: bool = False,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    exclude: Sequence[str] = (),
    workers: int = 0,
    suppress: Suppressions | None = None,
    publish: bool = True,
    target: str = "generic",
    limits: Limits | None = None,
) -> BuildResult:
    """Validate `source` and write `<slug>-<version>.agent` (or `<name>.skill`) atomically.

    `output` is a directory (created if missing); the default is `source` itself.
    `strict`, `select`, `ignore`, `suppress`, `target` and `limits` are the validator's (as
    for `skrun validate`);
    `exclude` adds gitignore patterns to the exclusion rules; `workers` threads
    compress (0: one per CPU); the bytes never depend on it. With `publish=False`
    the bundle is left under a temp name (`BuildResult.temp`) for `writer.publish()`.
    Raises `ValidationFailed`, `SecretFound` or `BundleError`; leaves nothing behind.
    """
    src = _source_dir(Path(source))
    _check_output(output)
    info = check_source(
        src,
        format,
        strict=strict,
        select=select,
        ignore=ignore,
        suppress=suppress,
        target=target,
        limits=limits,
    )
    out_dir = Path(output) if output is not None else src
    final = out_dir / (info.stem + EXTENSIONS[format])
    rules = source_rules(src, out_dir if output is not None else None, exclude)
    warnings: list[str] = []
    try:
        files = collect(src, rules)
    finally:
        warnings += rules.warnings
    check_required(src, format, rules, {f.rel for f in files})
    if output is not None:
        _refuse_output_holding_sources(src, out_dir, files, exclude)
    if format == "skill":
        from skrun_build.bundle.skillzip import write_skill_zip

        result = write_skill_zip(
            final, info.name, files, max_size, Allow(allow_secrets), warnings, publish=publish
        )
    else:
        from skrun_build.bundle.agenttar import write_agent_tar

        allow = Allow(allow_secrets)
        result = write_agent_tar(
            final, info.snapshot, files, max_size, allow, warnings, workers=workers, publish=publish
        )
    return dataclasses.replace(
        result, issues=tuple(info.issues), name=info.name, version=info.version
    )


def _refuse_output_holding_sources(
    src: Path, out_dir: Path, files: list[SourceFile], exclude: Sequence[str] = ()
) -> None:
    # The output folder is never packed (so a second build does not pack the first's
    # leftovers); `-o scripts` would silently leave the agent's own scripts out.
    if not out_dir.is_dir():
        return  # a new folder holds no source files
    inside = relative_inside(out_dir, src)  # as Rules computed it for the exclusion
    if not inside:
        return
    rules = source_rules(src, exclude=exclude)
    if not rules.explain(inside, is_dir=True).included:
        # Excluded anyway (dist/, a dot-folder): both walks would be the same, so
        # the usual rebuild into dist/ does not walk the whole tree a second time.
        return
    kept = {f.rel for f in files}
    try:
        everything = collect(src, rules)
    except BundleError:
        return  # something unpackable inside the output folder: it stays excluded
    lost = [f.rel for f in everything if f.rel not in kept]
    if lost:
        raise BundleError(
            f"the output folder {inside}/ holds source files that would be left out of the "
            f"bundle ({lost[0]}{f' and {len(lost) - 1} more' if len(lost) > 1 else ''})",
            path=src,
            hint="write the bundle outside the agent, or into a folder of its own such as dist/",
        )


def _source_dir(source: Path) -> Path:
    kind = path_kind(source)  # a folder that cannot be looked at is a BundleError
    if kind == "missing":
        raise UsageError(
            "no such directory", path=source, hint="pass the agent's folder, the one with SKILL.md"
        )
    if kind != "dir":
        raise UsageError("not a directory", path=source, hint="pass the agent's folder")
    return source
