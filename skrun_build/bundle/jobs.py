"""One target of a tree build: what to build (`Job`), what became of it (`TargetResult`),
and `run_job()`, which a worker process (or the calling one) runs for each.

A job digests its target first when a previous manifest row may make it up to date;
otherwise the digest comes from what the build packed. With `publish=False` (a worker's
job) the bundle stays under its temp name; `published()` then makes it durable and
visible, in the process that collects the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from skrun_build.bundle.format import Format
from skrun_build.bundle.manifest import Row, current, inputs_digest
from skrun_build.errors import SkrunError, ValidationFailed
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.checks.budget import Limits
    from skrun_build.checks.suppress import Suppressions


@dataclass(frozen=True, slots=True)
class Job:
    """One target to build, with every setting (paths absolute: workers share no cwd)."""

    source: Path
    output: Path | None
    format: Format
    inputs: str
    max_size: int
    allow_secrets: tuple[str, ...] = ()
    strict: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    compress_workers: int = 0  # threads compressing one bundle (0: one per CPU)
    suppress: Suppressions | None = None  # skrun-ignore comments, per-file ignores
    # The previous manifest's row and its folder: the target is digested first and
    # reported up to date when the row says so (None: build, and digest what was packed).
    previous: Row | None = None
    base: Path | None = None
    publish: bool = True  # False: leave the bundle under its temp name (a worker's job)
    target: str = "generic"  # whose rules the validator applies (`--target`)
    limits: Limits | None = None  # the body limits of SK060/SK061


@dataclass(frozen=True, slots=True)
class TargetResult:
    """What became of one target: `status` is "built", "up to date" or "failed"."""

    source: Path
    status: str
    inputs: str
    name: str = ""
    version: str = ""
    bundle: Path | None = None
    sha256: str = ""
    size: int = 0
    files: int = 0
    deps_key: str | None = None
    warnings: tuple[str, ...] = ()
    issues: tuple[Issue, ...] = ()
    error: str = ""
    exit_code: int = 0
    temp: Path | None = None  # the bundle under its temp name, until `published`

    @property
    def ok(self) -> bool:
        """Built or up to date."""
        return self.status != "failed"


def run_job(job: Job) -> TargetResult:
    """Build one target (or find it up to date); an expected error or a bug becomes a
    failed result. Runs in a worker process: digesting is parallel too."""
    from skrun_build.bundle.build import build_bundle

    inputs = job.inputs
    try:
        if job.previous is not None:
            inputs = inputs or inputs_digest(job.source, job.format, job.output, job.exclude)
            row = job.previous
            base = job.base or Path.cwd()
            if row.bundle and row.sha256 and current(row, inputs, job.output or job.source, base):
                return up_to_date(job.source, inputs, row, base)
        result = build_bundle(
            job.source,
            job.output,
            format=job.format,
            max_size=job.max_size,
            allow_secrets=job.allow_secrets,
            strict=job.strict,
            select=job.select,
            ignore=job.ignore,
            exclude=job.exclude,
            workers=job.compress_workers,
            suppress=job.suppress,
            publish=job.publish,
            target=job.target,
            limits=job.limits,
        )
        return TargetResult(
            job.source,
            "built",
            inputs or result.inputs,
            result.name,
            result.version,
            result.path,
            result.sha256,
            result.size,
            result.files,
            deps_key(job.source),
            result.warnings,
            result.issues,
            temp=result.temp,
        )
    except SkrunError as e:
        issues = tuple(e.issues) if isinstance(e, ValidationFailed) else ()
        return _failed(job, inputs, str(e), e.exit_code, issues)
    except Exception as e:  # one target's bug must not lose the others' results
        from skrun_build.errors import EXIT_BUG

        text = f"internal error: {type(e).__name__}: {e} (a bug in skrun-build; please report it)"
        return _failed(job, inputs, text, EXIT_BUG)


def up_to_date(source: Path, inputs: str, row: Row, base: Path) -> TargetResult:
    """The result of a target its previous manifest `row` (paths relative to `base`) says
    is built and unchanged."""
    assert row.bundle is not None and row.sha256 is not None
    return TargetResult(
        source,
        "up to date",
        inputs,
        row.name,
        row.version,
        base / row.bundle,
        row.sha256,
        row.size or 0,
        deps_key=row.deps_key,
    )


def published(result: TargetResult) -> TargetResult:
    """`result` with its bundle fsynced and renamed into place (see `writer.publish`);
    a failed result when that fails (the temp file is then removed)."""
    import dataclasses

    from skrun_build.bundle.writer import publish, write_error

    if result.temp is None or result.bundle is None:
        return result
    try:
        publish(result.temp, result.bundle)
    except OSError as e:
        error = write_error(result.bundle, e)
        return TargetResult(
            result.source, "failed", result.inputs, error=str(error), exit_code=error.exit_code
        )
    return dataclasses.replace(result, temp=None)


def lost(job: Job, error: str) -> TargetResult:
    """A target a dead worker took with it."""
    return TargetResult(job.source, "failed", job.inputs, error=error, exit_code=1)


def _failed(
    job: Job, inputs: str, error: str, code: int, issues: tuple[Issue, ...] = ()
) -> TargetResult:
    """A failed target; its inputs digest as well as it can be had ("" if the files
    cannot be read), so the manifest row of a failure is the same however it failed."""
    if not inputs:
        try:
            inputs = inputs_digest(job.source, job.format, job.output, job.exclude)
        except Exception:
            inputs = ""
    return TargetResult(job.source, "failed", inputs, error=error, exit_code=code, issues=issues)


def deps_key(source: Path) -> str | None:
    """The dependency cache key of `source` (as `skrun deps hash`), None without a manifest."""
    from skrun_build.deps.detect import detect_dir
    from skrun_build.deps.key import cache_key

    manifest = detect_dir(source)
    return None if manifest is None else cache_key(manifest)
