"""Tree builds: find the agents (or skills) under some paths and build them in parallel.

`find_targets()` turns the paths a user gave into target folders (a folder with
agent.yaml, or SKILL.md for `--format skill`, is a target; any other folder is
searched like `skrun validate` searches it). `run_jobs()` builds each target with
`build_bundle()`, so a tree build writes the same bytes as single builds: in this
process for one job or one worker, else in worker processes, so compression never
shares one GIL (forked when no other thread runs here, so no lock is inherited
held; else spawned). One failure never stops the others.

Interrupts: workers ignore SIGINT (Ctrl-C reaches the whole process group; the
parent decides) and turn SIGTERM into `Terminated`, so a bundle being written is
removed by `atomic_output`. On SIGINT or SIGTERM the parent terminates every
worker, waits for it, kills what is left, removes any temp file a killed worker
left in the output folders, and re-raises.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skrun_build.bundle.format import Format
from skrun_build.bundle.manifest import Row, current, inputs_digest, rel
from skrun_build.bundle.plan import PlanItem
from skrun_build.errors import SkrunError, Terminated, ValidationFailed
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from skrun_build.checks.budget import Limits
    from skrun_build.checks.suppress import Suppressions

STOP_WAIT = 30.0  # seconds a terminated worker gets to remove its temp file


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
        name, version = identity(job.source, job.format)
        return TargetResult(
            job.source,
            "built",
            inputs or result.inputs,
            name,
            version,
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


def _lost(job: Job, error: str) -> TargetResult:
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


def identity(source: Path, fmt: Format) -> tuple[str, str]:
    """(name, version) of a validated target, read without the agent.yaml model."""
    from skrun_build.formats.skillmd import load_skill

    if fmt == "skill":
        return str(load_skill(source).name), ""
    from skrun_build.formats.yaml import load_yaml

    path = source / "agent.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"), file=str(path)).data
    return str(data["name"]), str(data["version"])


def deps_key(source: Path) -> str | None:
    """The dependency cache key of `source` (as `skrun deps hash`), None without a manifest."""
    from skrun_build.deps.detect import detect_dir
    from skrun_build.deps.key import cache_key

    manifest = detect_dir(source)
    return None if manifest is None else cache_key(manifest)


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


def run_jobs(
    jobs: Sequence[Job], workers: int, on_result: Callable[[TargetResult], None]
) -> list[TargetResult]:
    """Build every job with up to `workers` processes; results in the order of `jobs`.

    `on_result` is called in this process as each target finishes (progress).
    """
    if workers <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            results.append(run_job(job))
            on_result(results[-1])
        return results
    import dataclasses

    # The processes already share the CPUs: one compression thread each. Each bundle
    # is made durable and moved into place here (`published`), one at a time.
    jobs = [dataclasses.replace(job, compress_workers=1, publish=False) for job in jobs]
    return _Pool(jobs, min(workers, len(jobs))).run(on_result)


class _Worker:
    def __init__(self, proc: BaseProcess, conn: Connection) -> None:
        self.proc = proc
        self.conn = conn
        self.jobs: deque[int] = deque()  # sent, result not yet back, oldest first


AHEAD = 2  # jobs sent to a worker before its first result is back: it never waits on us


class _Pool:
    """Worker processes fed over a pipe each (no shared queue), `AHEAD` jobs at a time,
    so a worker starts its next target while this process reads the last result."""

    def __init__(self, jobs: Sequence[Job], size: int) -> None:
        self.jobs = jobs
        self.size = size
        self.workers: list[_Worker] = []

    def run(self, on_result: Callable[[TargetResult], None]) -> list[TargetResult]:
        import gc
        import multiprocessing
        from multiprocessing.connection import wait

        fork = _fork_safe()
        if fork:
            # Imported once here, before forking, rather than once in every worker.
            import skrun_build.bundle.build
            import skrun_build.checks.agent
            import skrun_build.checks.run  # noqa: F401

            # What exists now is never collected in a worker: its pages stay shared
            # with this process instead of being copied by the collector's writes.
            gc.freeze()
        ctx = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        results: dict[int, TargetResult] = {}
        todo = list(range(len(self.jobs)))[::-1]  # popped from the end: job order
        try:
            for _ in range(self.size):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_worker_main, args=(child,), daemon=True)
                proc.start()
                child.close()
                self.workers.append(_Worker(proc, parent))
            for w in list(self.workers):
                self._feed(w, todo)
            while any(w.jobs for w in self.workers):
                busy = {w.conn: w for w in self.workers if w.jobs}
                for conn in wait(list(busy)):
                    w = busy[conn]  # type: ignore[index]
                    index = w.jobs.popleft()
                    try:
                        result: TargetResult = w.conn.recv()
                    except (EOFError, OSError):
                        w.proc.join()
                        result = _lost(
                            self.jobs[index],
                            f"the build process died (exit code {w.proc.exitcode})",
                        )
                        self.workers.remove(w)
                        todo += reversed(w.jobs)  # sent, never started: for the others
                        w.jobs.clear()
                        for other in list(self.workers):
                            self._feed(other, todo)
                    results[index] = result = published(result)
                    on_result(result)
                    if w in self.workers:
                        self._feed(w, todo)
            while todo:  # every worker died: nobody left to build the rest
                i = todo.pop()
                results[i] = _lost(self.jobs[i], "not built: no worker left")
                on_result(results[i])
            for w in self.workers:
                with contextlib.suppress(OSError):  # one that died idle needs no goodbye
                    w.conn.send(None)
            for w in self.workers:
                w.proc.join()
        except BaseException:
            self._stop()
            raise
        finally:
            if fork:
                gc.unfreeze()
        return [results[i] for i in range(len(self.jobs))]

    def _feed(self, w: _Worker, todo: list[int]) -> None:
        while todo and len(w.jobs) < AHEAD:
            index = todo.pop()
            try:
                w.conn.send(self.jobs[index])
            except OSError:  # it died: the job goes back; its end is seen by `run`
                todo.append(index)
                if not w.jobs:  # nothing to wait for from it: gone now
                    w.proc.join()
                    self.workers.remove(w)
                return
            w.jobs.append(index)

    def _stop(self) -> None:
        """Terminate every worker, wait for it, kill stragglers, remove their temp files."""
        live = [w.proc for w in self.workers if w.proc.is_alive()]
        for proc in live:
            proc.terminate()  # SIGTERM: the worker removes its temp file and exits
        for proc in live:
            proc.join(STOP_WAIT)
        for proc in live:
            if proc.is_alive():
                proc.kill()
                proc.join()
        pids = {str(w.proc.pid) for w in self.workers}
        for folder in {job.output or job.source for job in self.jobs}:
            _remove_temps(folder, pids)


def _fork_safe() -> bool:
    """Whether to fork (POSIX, and no other thread runs here, so no lock can be
    inherited held) rather than spawn. A forked worker starts at once with every
    module already imported; a spawned one pays an interpreter start and the imports."""
    import multiprocessing
    import threading

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _remove_temps(folder: Path, pids: set[str]) -> None:
    """Delete `.<name>.<pid>.<hex>.tmp` files (see fsutil) of the given, dead, pids."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        parts = name.split(".")
        if name.startswith(".") and name.endswith(".tmp") and len(parts) >= 4 and parts[-3] in pids:
            with contextlib.suppress(OSError):
                os.unlink(folder / name)


_busy = False


def _on_term(signum: int, frame: Any) -> None:
    if _busy:
        raise Terminated  # unwinds the build: its temp file is removed on the way
    os._exit(128 + signum)


def _unraisable(info: Any) -> None:
    # A SIGTERM that lands in a finalizer or weakref callback raises there, where Python can
    # only print it ("Exception ignored in ...") and go on. The worker must stop all the
    # same, without a traceback: the parent removes the temp files a killed worker left.
    if isinstance(info.exc_value, Terminated):
        os._exit(128 + signal.SIGTERM)
    sys.__unraisablehook__(info)


def _worker_main(conn: Connection) -> None:
    """A worker: build each job it is sent, until None or the pipe closes."""
    global _busy
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_term)
    sys.unraisablehook = _unraisable
    try:
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return
            if job is None:
                return
            _busy = True
            result = run_job(job)
            _busy = False
            conn.send(result)
    except Terminated:
        os._exit(128 + signal.SIGTERM)
