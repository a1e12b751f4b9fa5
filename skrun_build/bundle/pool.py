"""The worker processes of a tree build, and `run_jobs()`, which feeds them.

Workers are forked when no other thread runs here (so no lock is inherited held; the
modules a build needs are imported first and frozen out of the collector, so their
pages stay shared), else spawned. Each is fed over a pipe of its own, `AHEAD` jobs at a
time, so it starts its next target while this process reads the last result; each
bundle comes back under its temp name and is made durable and visible here
(`jobs.published`), one at a time. A worker that dies fails the target it was building;
the targets it had not started go to the others.

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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skrun_build.bundle import jobs as _jobs
from skrun_build.bundle.jobs import Job, TargetResult, lost, published
from skrun_build.errors import Terminated

if TYPE_CHECKING:  # pragma: no cover
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

STOP_WAIT = 30.0  # seconds a terminated worker gets to remove its temp file


def run_jobs(
    jobs: Sequence[Job], workers: int, on_result: Callable[[TargetResult], None]
) -> list[TargetResult]:
    """Build every job with up to `workers` processes; results in the order of `jobs`.

    `on_result` is called in this process as each target finishes (progress).
    """
    if workers <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            results.append(_jobs.run_job(job))
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
                        result = lost(
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
                results[i] = lost(self.jobs[i], "not built: no worker left")
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
            result = _jobs.run_job(job)  # looked up now: tests replace it
            _busy = False
            conn.send(result)
    except Terminated:
        os._exit(128 + signal.SIGTERM)
