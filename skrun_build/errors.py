"""The one exception tree of skrun-build and its exit-code map.

Every error the library raises on purpose is a `SkrunError`. The CLI maps it to
an exit code with `exit_code_for()`; nothing else decides exit codes.

Exit codes (documented in README.md and docs/rules.md; `skrun --help` lists them):
    0   success
    1   the input is invalid or the operation failed (validation errors, bad
        files, failed installs, mismatching bundles, ...)
    2   usage error (bad flag, bad argument, missing path)
    3   unexpected error: a bug in skrun-build, please report it
    130 interrupted (SIGINT, Ctrl-C)
    143 terminated (SIGTERM, as sent by `kill`, systemd, docker stop, CI timeouts)

Constructors never print; messages are plain text, one line where possible,
naming the file (and line/field) and the fix.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    # pathlib only for the hint: `skrun --version` and `--help` need nothing it imports.
    from pathlib import Path
    from typing import Any

    from skrun_build.issues import Issue

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM killed


class Terminated(BaseException):
    """SIGTERM arrived; the CLI raises it in the main thread, as Python raises KeyboardInterrupt.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` swallows it and
    every clean-up path (`finally`, `except BaseException: ...; raise`) runs as for Ctrl-C.
    """


_terminated = False  # Terminated was raised (and not lost in a finalizer)


def raise_terminated(signum: int, frame: object) -> None:
    """The CLI's SIGTERM handler (`signal.signal(SIGTERM, raise_terminated)`): raise `Terminated`.

    Once: a second SIGTERM does nothing, so that it cannot cut short the clean-up the
    first started (SIGKILL still stops everything). The handler stays installed (it is
    not SIG_IGN, which a child started now would inherit).
    """
    global _terminated
    if _terminated:
        return
    _terminated = True
    raise Terminated


_lost: type[BaseException] | None = None  # an interrupt a finalizer swallowed, to raise again
_in_hook = False
_RETRY = 0.001  # seconds before a lost interrupt is raised again


def redeliver_lost_interrupts(info: Any) -> None:
    """`sys.unraisablehook` for the CLI: an interrupt that was lost is raised again.

    A signal handler can run while Python runs a finalizer or a weakref callback; what
    it raises there cannot propagate, so Python prints "Exception ignored in ..." and
    goes on, and the command would not stop. This hook remembers the interrupt and
    arms a one-shot timer: its SIGALRM handler (`raise_lost`) raises the interrupt
    again in the main thread, at its next step (and again, should that step be a
    finalizer too). Sending the signal itself again would run its handler at once,
    inside this hook, where it would be lost once more. Anything else is Python's.
    """
    import signal

    global _lost, _terminated, _in_hook
    if not isinstance(info.exc_value, Terminated | KeyboardInterrupt):
        sys.__unraisablehook__(info)
        return
    _in_hook = True
    if isinstance(info.exc_value, Terminated):
        _terminated = False  # the one SIGTERM that counted was lost: it counts again
    _lost = type(info.exc_value)
    signal.setitimer(signal.ITIMER_REAL, _RETRY)
    _in_hook = False  # no interrupt check between this store and the return


def raise_lost(signum: int, frame: object) -> None:
    """The CLI's SIGALRM handler: raise the interrupt a finalizer swallowed (see
    `redeliver_lost_interrupts`); inside that hook, try again a little later."""
    import signal

    global _lost
    if _in_hook:
        signal.setitimer(signal.ITIMER_REAL, _RETRY)
        return
    lost, _lost = _lost, None
    if lost is Terminated:
        raise_terminated(signal.SIGTERM, frame)
    elif lost is KeyboardInterrupt:
        raise KeyboardInterrupt


def handle_interrupts() -> None:
    """What the CLI installs in its main thread: SIGTERM raises `Terminated` (once), and
    an interrupt lost in a finalizer is raised again (`redeliver_lost_interrupts`)."""
    import signal

    signal.signal(signal.SIGTERM, raise_terminated)
    signal.signal(signal.SIGALRM, raise_lost)
    sys.unraisablehook = redeliver_lost_interrupts


class SkrunError(Exception):
    """Base of every expected skrun-build error; `exit_code` says how the CLI exits."""

    exit_code: int = EXIT_FAILURE

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path + (f":{self.line}" if self.line is not None else "") + ": "
        text = where + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class UsageError(SkrunError):
    """A bad flag, argument or option value; exit 2."""

    exit_code = EXIT_USAGE


class InputError(SkrunError):
    """A file the user gave us cannot be read or parsed (not a spec violation)."""


class ValidationFailed(SkrunError):
    """Validation found errors; carries every issue so callers can render them."""

    def __init__(self, issues: Sequence[Issue], message: str | None = None) -> None:
        self.issues = list(issues)
        errors = sum(1 for i in self.issues if i.level == "error")
        super().__init__(message or f"validation failed with {errors} error(s)")


class BundleError(SkrunError):
    """Building, reading, verifying or unpacking a bundle failed."""


class SecretFound(BundleError):
    """A file that looks like a credential would have been packed."""


class DepsError(SkrunError):
    """Resolving or installing script dependencies failed."""


class InstallFailed(DepsError):
    """An installer subprocess exited non-zero."""


class CacheError(SkrunError):
    """The dependency cache could not be read or changed."""


class ScaffoldError(SkrunError):
    """`skrun init` could not render a template or import a skill."""


class ConfigError(SkrunError):
    """`[tool.skrun]` in pyproject.toml or `.skrun.toml` is malformed."""


class SkillError(SkrunError):
    """An executable skill (artifact.json) could not be created, built or installed."""


class SkillNotFound(SkillError):
    """The ID or DIR given names no skill (no folder, or neither artifact.json nor SKILL.md)."""


class SkillRunError(SkillError):
    """A skill ran and failed: `reason` says how, with the entry's exit status and stderr tail.

    `reason` is one of "input" (not JSON, or a bad timeout), "input_schema", "not_built",
    "spawn", "exit", "timeout", "not_json", "not_object", "output_schema". `returncode` is the entry's exit status (negative: killed
    by that signal; None when it never ran or was killed on timeout). The CLI exits 1.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        returncode: int | None = None,
        stderr_tail: str = "",
        path: str | Path | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, path=path, hint=hint)
        self.reason = reason
        self.returncode = returncode
        self.stderr_tail = stderr_tail


_OS_HINTS = {
    "EACCES": "check the permissions with ls -l, or run as a user who may access it",
    "EPERM": "check the permissions with ls -l, or run as a user who may access it",
    "ENOSPC": "free some disk space and run it again",
    "EDQUOT": "free some space within your disk quota and run it again",
    "EROFS": "the file system is read-only: pick a writable location",
    "ENOENT": "check that the path exists",
    "ENOTDIR": "a part of the path is a file where a directory is expected",
    "EISDIR": "it is a directory where a file is expected",
    "ENAMETOOLONG": "shorten the path",
    "ELOOP": "a symlink loop: fix or remove the link",
    "EMFILE": "too many open files: raise the limit (ulimit -n)",
    "ENFILE": "too many open files on this system: close some programs",
    "EIO": "an I/O error from the device: check the disk",
    "ENOTEMPTY": "the directory is not empty: remove what is in it",
    "EEXIST": "something is already there: remove it or pick another path",
    "EBUSY": "it is in use by another program: close it and run again",
    "ETXTBSY": "it is in use by another program: close it and run again",
}


def os_hint(e: OSError, *, default: str | None = None, **by_name: str) -> str | None:
    """The fix for an OS error, by its errno (`EACCES` -> check the permissions).

    A caller that knows more names its own fix per errno (`ENOENT="create it first"`)
    and a `default` for the errnos without one.
    """
    import errno

    name = errno.errorcode.get(e.errno or 0, "")
    return by_name.get(name) or _OS_HINTS.get(name) or default


def exit_code_for(exc: BaseException) -> int:
    """Map any exception to the documented exit code."""
    if isinstance(exc, SkrunError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, Terminated):
        return EXIT_TERMINATED
    return EXIT_BUG
