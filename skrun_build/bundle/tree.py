"""Tree builds: find the agents (or skills) under some paths and build them in parallel.

`find_targets()` turns the paths a user gave into target folders (a folder with
agent.yaml, or SKILL.md for `--format skill`, is a target; any other folder is
searched like `skrun validate` searches it). `build_tree()` builds each target that is
not up to date with `jobs.run_job()` (`build_bundle()`, so a tree build writes the same
bytes as single builds): in this process for one job or one worker, else in worker
processes (`pool.run_jobs()`), so compression never shares one GIL. One failure never
stops the others.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skrun_build.bundle.format import Format
from skrun_build.bundle.jobs import Job, TargetResult, deps_key, run_job, up_to_date
from skrun_build.bundle.manifest import Row, rel
from skrun_build.bundle.plan import PlanItem
from skrun_build.bundle.pool import run_jobs
from skrun_build.issues import Issue

__all__ = [
    "Job",
    "TargetResult",
    "Targets",
    "build_tree",
    "default_jobs",
    "deps_key",
    "find_targets",
    "manifest_rows",
    "marker",
    "run_job",
    "run_jobs",
]


@dataclass(slots=True)
class Targets:
    """The target folders under some paths, and what the search met on the way."""

    dirs: list[Path] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)  # TR001/TR002 of the search
    others: list[Path] = field(default_factory=list)  # skill folders not built as agents


def marker(fmt: Format) -> str:
    """The file that makes a folder a target of `fmt`."""
    return "agent.yaml" if fmt == "agent" else "SKILL.md"


def find_targets(paths: Iterable[Path], fmt: Format) -> Targets:
    """Every target folder under `paths`, in the order given, each once."""
    from skrun_build.checks.discovery import discover

    found = Targets()
    seen: set[str] = set()

    def add(d: Path) -> None:
        real = os.path.realpath(d)
        if real not in seen:
            seen.add(real)
            found.dirs.append(d)

    for path in paths:
        # os.path, not pathlib: a folder that cannot be looked at is then discover's TR001.
        if os.path.isfile(path / marker(fmt)):
            add(path)
            continue
        result = discover(path)  # a missing path is its UsageError
        found.issues += [i for i in result.issues if i.code.startswith("TR")]
        for unit in result.units:
            if (unit.dir / marker(fmt)).is_file():
                add(unit.dir)
            elif fmt == "agent" and (unit.dir / "SKILL.md").is_file():
                found.others.append(unit.dir)
    return found


def build_tree(
    items: Sequence[PlanItem],
    job_for: Callable[[PlanItem], Job],
    workers: int,
    on_result: Callable[[TargetResult], None],
    base: Path,
) -> list[TargetResult]:
    """Build every planned target that is not up to date; results in the order of `items`.

    `base` is the folder the previous manifest's paths are relative to.
    """
    results: dict[int, TargetResult] = {}
    jobs, where = [], []
    for n, item in enumerate(items):
        row = item.previous
        if item.error:
            results[n] = TargetResult(
                item.source, "failed", "", error=item.error, exit_code=item.exit_code
            )
        elif item.up_to_date and row is not None and row.bundle and row.sha256:
            results[n] = up_to_date(item.source, item.inputs, row, base)
        else:
            jobs.append(job_for(item))
            where.append(n)
            continue
        on_result(results[n])
    for n, result in zip(where, run_jobs(jobs, workers, on_result), strict=True):
        results[n] = result
    return _collisions([results[n] for n in range(len(items))])


def _collisions(results: list[TargetResult]) -> list[TargetResult]:
    """Fail every target whose bundle path another target of the run also wrote."""
    import dataclasses

    by_path: dict[str, list[int]] = {}
    for n, r in enumerate(results):
        if r.ok and r.bundle is not None:
            by_path.setdefault(os.path.abspath(r.bundle), []).append(n)
    for path, ns in by_path.items():
        if len(ns) > 1:
            sources = ", ".join(str(results[n].source) for n in ns)
            for n in ns:
                results[n] = dataclasses.replace(
                    results[n],
                    status="failed",
                    error=f"{len(ns)} targets write the same bundle {path} ({sources})",
                    exit_code=1,
                    sha256="",
                )
    return results


def manifest_rows(results: Sequence[TargetResult], base: Path) -> list[Row]:
    """The manifest rows of `results`, paths relative to `base`."""
    return [
        Row(
            source=rel(r.source, base),
            status=r.status,
            inputs=r.inputs,
            name=r.name,
            version=r.version,
            bundle=None if r.bundle is None or not r.ok else rel(r.bundle, base),
            sha256=r.sha256 if r.ok else None,
            size=r.size if r.ok else None,
            deps_key=r.deps_key,
            error=r.error or None,
        )
        for r in results
    ]


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
