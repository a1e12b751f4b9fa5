"""Interrupts are safe by construction: a build or an unpack stops at any point, promptly,
leaving no temp file or folder and no thread, whatever the timing.

The in-process test injects KeyboardInterrupt deterministically at every point of the
writer's calling thread where a signal handler can run (its own code and the
threading/contextlib code it calls): no sleeps, no timing. The subprocess tests send real SIGINT
and SIGTERM once the temp file exists and only bound the wait generously.
"""

from __future__ import annotations

import dis
import gc
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from skrun_build.bundle import build as build_mod
from skrun_build.bundle import deflate, writer
from skrun_build.bundle.collect import collect
from skrun_build.bundle.secrets import Allow
from skrun_build.bundle.source import check_source
from skrun_build.bundle.verify import verify_bundle

from helpers.bundle import agent_tree
from helpers.paths import BIN

REPO = Path(__file__).resolve().parents[2]
SKRUN = BIN / "skrun"
# Files whose every bytecode may be interrupted: the writer, the build around it, the
# atomic-file helpers, and the standard library pieces they call into.
import contextlib  # noqa: E402 - listed with the traced modules

from skrun_build import fsutil  # noqa: E402
from skrun_build.bundle import agenttar, probe, skillzip  # noqa: E402

_TRACED = tuple(
    str(Path(m.__file__).resolve())  # type: ignore[arg-type]
    for m in (writer, deflate, build_mod, agenttar, probe, skillzip, fsutil, threading, contextlib)
)


def _sigint_blocked() -> bool:
    # A real signal cannot land where the code blocks it (`deflate._signals_blocked`).
    return signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])


# Where CPython 3.11 runs a signal handler (its "eval breaker" checks): on entering a
# function, after a call returns, and on a loop's backward jump. Never elsewhere (a
# `return` right after a `try` block, for instance, cannot be interrupted).
_BREAKER_AFTER = {"CALL", "CALL_FUNCTION_EX", "JUMP_BACKWARD"}


class Injector:
    """A trace function that raises KeyboardInterrupt at the `at`-th point where a signal
    handler could run (0: never), counting the points it passes."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.count = 0
        self.entered: set[tuple[str, str]] = set()  # (file, qualified name) of each function
        self._previous: dict[int, str] = {}

    def global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename not in _TRACED:
            return None
        self.entered.add((frame.f_code.co_filename, frame.f_code.co_qualname))
        frame.f_trace_opcodes = True
        self._previous[id(frame)] = ""
        self._tick()  # entering a function
        return self.local_trace

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            previous = self._previous.get(id(frame), "")
            self._previous[id(frame)] = dis.opname[frame.f_code.co_code[frame.f_lasti]]
            if previous in _BREAKER_AFTER:
                self._tick()
        return self.local_trace

    def _tick(self) -> None:
        if _sigint_blocked():
            return
        self.count += 1
        if self.count == self.at:
            raise KeyboardInterrupt  # the trace function is then unset: one interrupt


def _prepared(tmp_path: Path) -> tuple[Any, list[Any], Path]:
    root = agent_tree(
        tmp_path,
        {
            "notes.md": "hello world\n" * 60,
            "scripts": {"run.py": "print('hi')\n"},
            "data.txt": "abcdefgh" * 200,
        },
    )
    info = check_source(root, "agent")
    files = collect(root, build_mod.source_rules(root))
    return info, files, root


def _run_writer(
    info: Any, files: list[Any], final: Path, at: int, fmt: str = "agent"
) -> tuple[BaseException | None, int, bool]:
    """Run the writer in a helper thread traced by an Injector; (error, events, finished)."""
    error, injector, finished = _traced_writer(info, files, final, at, fmt)
    return error, injector.count, finished


def _traced_writer(
    info: Any, files: list[Any], final: Path, at: int, fmt: str = "agent"
) -> tuple[BaseException | None, Injector, bool]:
    """Run the writer in a helper thread traced by an Injector; (error, injector, finished)."""
    outcome: dict[str, Any] = {}
    injector = Injector(at)

    def target() -> None:
        sys.settrace(injector.global_trace)
        try:
            if fmt == "agent":
                agenttar.write_agent_tar(final, info.snapshot, files, 2**40, Allow(()), [])
            else:
                skillzip.write_skill_zip(final, info.name, files, 2**40, Allow(()), [])
        except BaseException as e:
            outcome["error"] = e
        finally:
            sys.settrace(None)
            outcome["blocked"] = _sigint_blocked()

    helper = threading.Thread(target=target, name="injected-build", daemon=True)
    # The garbage of an earlier interrupted run (a half-built ZipFile whose __del__ raises) is
    # collected here, never inside the traced thread: a collection there runs finalisers and
    # the unraisable hook in traced files, where they would take the injected interrupt and
    # make the count depend on when the collector happens to run (that is, on test order).
    gc.collect()
    gc.disable()
    try:
        helper.start()
        helper.join(60)  # a generous bound: a passing run takes milliseconds
    finally:
        gc.enable()
    # The signal mask held while the worker thread starts is always restored.
    assert not outcome.get("blocked"), at
    return outcome.get("error"), injector, not helper.is_alive()


def _functions(module: Any) -> set[str]:
    """The qualified names of every function a module defines (its code objects, nested too)."""
    import inspect
    import types

    path = str(Path(module.__file__).resolve())
    found: set[str] = set()
    stack = [compile(Path(path).read_text(encoding="utf-8"), path, "exec")]
    while stack:
        code = stack.pop()
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                stack.append(const)
                # Functions only: not class bodies, nor comprehensions (inlined on 3.12+).
                if const.co_flags & inspect.CO_NEWLOCALS and not const.co_name.startswith("<"):
                    found.add(const.co_qualname)
    return found


# What the writer modules define but a plain build on the calling thread never enters:
# the gzip worker thread's own code (not traced: it is not where the interrupt lands) and
# the pure functions of bytes it calls (on the calling thread too for a one-block stream,
# where they are traced; they hold nothing to clean up), the failure and long-name
# paths, and a Protocol's stub.
_NOT_ON_THE_CALLING_THREAD = {
    "GzipSink._work",
    "deflate_block",
    "_deflate",
    "_runs",
    "incompressible",
    "_stored",
}
# `publish` is the tree build parent's (tests/bundle/test_build_tree_interrupt.py).
_NOT_IN_A_PLAIN_BUILD = {
    "_pax_record",
    "atomic_output.discard",
    "write_error",
    "Writable.write",
    "publish",
}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def assert_writer_covered(
    injector: Injector, fmt: str, skipped: frozenset[str] = frozenset()
) -> None:
    """The tracer covers the writer: every function of the format's writer modules was
    entered, so interrupts are injected inside each. How many points a run passes depends
    on the interpreter's bytecode (3.11, 3.12 and 3.13 differ), so no count is pinned."""
    modules = (writer, deflate, agenttar) if fmt == "agent" else (writer, skillzip)
    for module in modules:
        path = str(Path(module.__file__).resolve())  # type: ignore[arg-type]
        entered = {name for file, name in injector.entered if file == path}
        expected = _functions(module) - _NOT_ON_THE_CALLING_THREAD - _NOT_IN_A_PLAIN_BUILD - skipped
        if module is writer and fmt == "skill":  # the zip uses only the atomic output
            expected = {n for n in expected if n.startswith("atomic_output.")}
        assert expected, module.__name__
        assert expected - entered == set(), (module.__name__, sorted(expected - entered))
    assert injector.count >= len(injector.entered)  # at least one point per function entered


# A source file opened for reading the instant before an interrupt (between `open()`
# returning and its `with` block) is closed by the garbage collector, which warns.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(("fmt", "name"), [("agent", "demo-0.1.0.agent"), ("skill", "demo.skill")])
def test_keyboard_interrupt_at_every_point_of_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, name: str
) -> None:
    # Small chunks: many writes. The stream is one block, compressed on the calling
    # thread; blocks handed over to worker threads are test_gzip_blocks' every-point test.
    monkeypatch.setattr(writer, "CHUNK", 256)
    info, files, _ = _prepared(tmp_path)
    out = tmp_path / "out" / "deeper"
    # Twice: on Python 3.12+ tracing is set up per code object on first use, so a first
    # traced run can pass fewer points than the ones after it.
    for _ in range(2):
        error, injector, finished = _traced_writer(info, files, out / name, 0, fmt)
        assert finished and error is None
        (out / name).unlink()
        out.rmdir()
        (tmp_path / "out").rmdir()
    threads = {"GzipSink._start", "GzipSink._write_next", "_signals_blocked", "_cpus"}
    assert_writer_covered(injector, fmt, frozenset(threads))
    total = injector.count
    interrupted = 0
    for at in range(1, total + 1):
        error, count, finished = _run_writer(info, files, out / name, at, fmt)
        assert finished, f"the build hung after an interrupt at event {at}"
        if count < at:
            # This run passed fewer points than the counting one (the interpreter's own
            # bookkeeping can differ from run to run): it never got its interrupt, and
            # the bundle must simply be complete.
            assert error is None and verify_bundle(out / name).ok, at
            (out / name).unlink()
            out.rmdir()
            (tmp_path / "out").rmdir()
            continue
        interrupted += 1
        assert isinstance(error, KeyboardInterrupt), (at, error)
        assert not [t for t in threading.enumerate() if t.name == "skrun-gzip"], at
        left = _leftovers(out)
        if left:
            # Interrupted after the rename: the bundle is complete, and nothing else is there.
            assert left == [name], (at, left)
            assert verify_bundle(out / left[0]).ok, at
            (out / left[0]).unlink()
        for folder in (out, tmp_path / "out"):
            if folder.exists():
                assert _leftovers(folder) in ([], ["deeper"]), (at, _leftovers(folder))
                if not left:
                    pytest.fail(f"interrupt at event {at} left the folder {folder}")
        if out.exists():
            out.rmdir()
            (tmp_path / "out").rmdir()
    assert interrupted >= 0.9 * total, (interrupted, total)  # nearly every point was tried


def _slow_source(tmp_path: Path) -> Path:
    import random

    words = [f"word{n}" for n in range(5000)]
    text = " ".join(random.Random(7).choices(words, k=6_000_000))  # ~50 MB, slow to gzip
    return agent_tree(tmp_path, {"data.txt": text})


def _wait_for(predicate: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60  # generous: only a bound, never a race
    while not predicate():
        assert proc.poll() is None, "the build ended before it could be interrupted"
        assert time.monotonic() < deadline, "the temp file never appeared"
        time.sleep(0.01)


# SIGINT goes to the real `skrun`. For SIGTERM the CLI installs the handler (and maps it
# to exit 143, cli/__init__.py); what the bundle code owes is to clean up whatever
# exception that handler raises, so a library caller installs one raising its own.
_TERMINATED = """
import signal, sys
from pathlib import Path

class Terminated(BaseException):
    pass

def on_term(signum, frame):
    raise Terminated

signal.signal(signal.SIGTERM, on_term)
try:
    if sys.argv[1] == "build":
        from skrun_build import build_bundle
        build_bundle(Path(sys.argv[2]), Path(sys.argv[3]), max_size=2**30)
    else:
        from skrun_build.bundle.verify import unpack_bundle
        unpack_bundle(Path(sys.argv[2]), Path(sys.argv[3]))
except Terminated:
    sys.exit(143)
"""


def _command(sig: signal.Signals, action: str, src: Path, dest: Path) -> list[str]:
    if sig == signal.SIGINT:
        flags = ["-o", str(dest), "--max-size", "1GiB"] if action == "build" else [str(dest)]
        return [str(SKRUN), action, str(src), *flags]
    return [sys.executable, "-c", _TERMINATED, action, str(src), str(dest)]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_real_signal_to_a_build_leaves_nothing(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    root = _slow_source(tmp_path)
    dist = tmp_path / "dist"
    proc = subprocess.Popen(
        _command(sig, "build", root, dist),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupt mid-write: once the hidden temp bundle exists.
    _wait_for(lambda: dist.is_dir() and any(dist.iterdir()), proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert proc.returncode == code, err
    # The output folder this build created is removed with the temp bundle.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]
    assert not any(p.name.endswith(".tmp") for p in root.iterdir())


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_real_signal_to_an_unpack_leaves_nothing(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    root = _slow_source(tmp_path / "src")
    bundle = tmp_path / "demo.agent"
    subprocess.run(
        [str(SKRUN), "build", str(root), "-o", str(tmp_path), "--max-size", "1GiB"],
        check=True,
        capture_output=True,
    )
    (tmp_path / "demo-0.1.0.agent").rename(bundle)
    dest = tmp_path / "un"
    proc = subprocess.Popen(
        _command(sig, "unpack", bundle, dest),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupt mid-extraction: once the staging folder holds the big member.
    _wait_for(
        lambda: any(
            p.name.startswith(".un.") and (p / "data.txt").exists() for p in tmp_path.iterdir()
        ),
        proc,
    )
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert proc.returncode == code, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.agent", "src"]


def test_an_unpack_killed_outright_is_cleaned_up_by_the_next_one(tmp_path: Path) -> None:
    root = agent_tree(tmp_path / "src", {"notes.md": "hi\n"})
    assert subprocess.run([str(SKRUN), "build", str(root), "-o", str(tmp_path)]).returncode == 0
    bundle = tmp_path / "demo-0.1.0.agent"
    # What a kill -9 leaves: a staging folder named after a process that is gone.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)
    stale = tmp_path / f".un.{pid}.deadbeef.tmp"
    (stale / "scripts").mkdir(parents=True)
    (stale / "scripts" / "x.py").write_text("x\n")
    live = tmp_path / f".un.{os.getpid()}.cafecafe.tmp"  # a live process's: kept
    live.mkdir()
    proc = subprocess.run(
        [str(SKRUN), "unpack", str(bundle), str(tmp_path / "un")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert not stale.exists() and live.exists()
    assert sorted(p.name for p in (tmp_path / "un").iterdir()) == [
        ".skrun",
        "SKILL.md",
        "agent.yaml",
        "notes.md",
    ]
