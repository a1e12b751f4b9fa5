"""Terminal output helpers for the CLI: colour policy and stderr messages.

Colour only when the stream is a TTY, `NO_COLOR` disables it, `FORCE_COLOR`
forces it (https://no-color.org, https://force-color.org).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

import click

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.issues import Issue


def use_color(stream: TextIO | None = None) -> bool:
    """Whether to colour output written to `stream` (stdout by default)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _isatty(stream if stream is not None else sys.stdout)


def _isatty(stream: TextIO) -> bool:
    # A closed stream raises ValueError; a missing one (pythonw) is None.
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 package`, `3 packages`; `many` for irregular plurals (`entry`, `entries`)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def style(text: str, *, fg: str | None = None, bold: bool = False, err: bool = False) -> str:
    """Colour `text` if the target stream should be coloured."""
    if not use_color(sys.stderr if err else sys.stdout):
        return text
    return click.style(text, fg=fg, bold=bold)


def printable(text: str, encoding: str | None) -> str:
    """`text` as a stream in `encoding` can always write it, whatever its error handler.

    A file name that is not UTF-8 reaches us with its bytes as surrogate escapes
    (`os.fsdecode`): each shows as `\\xff`, another lone surrogate as `\\ud800`, so
    JSON and GitHub output stay valid UTF-8; a character the encoding lacks (an ASCII
    or Latin-1 terminal) shows as its escape.
    """
    encoding = encoding or "utf-8"
    try:
        text.encode(encoding)
        return text  # the common case: nothing to change
    except (UnicodeEncodeError, LookupError):
        pass
    text = _SURROGATES.sub(_escape_surrogate, text)
    try:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        return text.encode("ascii", "backslashreplace").decode("ascii")


_SURROGATES = re.compile(r"[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, escaped by os.fsdecode
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def json_text(data: object, **options: Any) -> str:
    """`json.dumps(data, ensure_ascii=False, **options)` that is always valid UTF-8 JSON.

    A lone surrogate in a string (a file name that is not UTF-8) becomes the text `\\xff`
    or `\\ud800` inside the JSON string, as the text output shows it.
    """
    import json

    text = json.dumps(data, ensure_ascii=False, **options)
    if _SURROGATES.search(text) is None:
        return text
    return _SURROGATES.sub(lambda m: _escape_surrogate(m).replace("\\", "\\\\"), text)


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Write one line to stdout (or stderr); a full disk on stdout is a SkrunError."""
    stream = sys.stderr if err else sys.stdout
    text = printable(text, getattr(stream, "encoding", None))
    try:
        click.echo(text, err=err, nl=nl, color=use_color(stream))
    except BrokenPipeError:
        raise  # the reader went away: `cli.run` makes that a quiet exit 0
    except OSError as e:
        if err:
            return  # stderr itself is broken: there is nowhere left to report to
        # What failed to go out is still buffered: without this, the interpreter's
        # final flush fails again and exits 120 with "Exception ignored ...".
        silence_stdout()
        from skrun_build.errors import SkrunError

        raise SkrunError(
            f"cannot write the output: {e.strerror or e}",
            hint="free some space or redirect stdout elsewhere",
        ) from e


def silence_stdout() -> None:
    """Point fd 1 at /dev/null, so flushing what is still buffered cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


# C0 controls and DEL, except tab: a file name with a newline must not split a message
# (a CI log would read the rest as a new line, e.g. a `::error` workflow command).
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(32), 127] if c != 9} | {
    10: "\\n",
    13: "\\r",
}


def one_line(text: str) -> str:
    """`text` with control characters escaped, so it prints as exactly one line."""
    return text.translate(_CONTROLS)


def echo_error(message: str) -> None:
    """`skrun: error: <message>` on stderr: one line, plus any indented detail lines."""
    # An installer's output tail comes as deliberate "\n    "-indented detail lines.
    text = "\n    ".join(one_line(part) for part in message.split("\n    "))
    echo(style("skrun: error: ", fg="red", bold=True, err=True) + text, err=True)


def echo_warning(message: str) -> None:
    """`skrun: warning: <message>` on stderr, always one line."""
    echo(style("skrun: warning: ", fg="yellow", bold=True, err=True) + one_line(message), err=True)


def stderr_is_tty() -> bool:
    """Whether progress output may be shown."""
    return _isatty(sys.stderr)


def stdin_is_tty() -> bool:
    """Whether we may prompt (never prompt when stdin is not a terminal)."""
    return _isatty(sys.stdin)


def relpath(path: str, cwd: str) -> str:
    """`path` relative to `cwd` when it lies under it; otherwise unchanged."""
    if not os.path.isabs(path):
        return path
    # Decided on the normalised result, not on the text: `/cwd/../x` is outside the
    # cwd, while `/cwd/..name` is inside it.
    rel = os.path.relpath(path, cwd)
    return path if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel


def relative_issue(issue: Issue, cwd: str) -> Issue:
    """The issue with its file shown relative to `cwd` (see `relpath`)."""
    shown = relpath(issue.file, cwd)
    if shown == issue.file:
        return issue
    import dataclasses

    return dataclasses.replace(issue, file=shown)


def issue_text(issue: Issue, *, err: bool = False) -> str:
    """`file:line:col: CODE level message (hint)`, coloured for a terminal."""
    color = {"error": "red", "warning": "yellow"}.get(issue.level, "cyan")
    text = (
        style(one_line(issue.location()) + ":", bold=True, err=err)
        + " "
        + style(issue.code, bold=True, err=err)
        + " "
        + style(issue.level, fg=color, err=err)
        + " "
        + one_line(issue.message)
    )
    if issue.hint:
        text += f" ({one_line(issue.hint)})"
    return text


def echo_issues(issues: Iterable[Issue], *, err: bool = False) -> None:
    """Print issues exactly as `skrun validate` does, paths relative to the cwd."""
    cwd = os.getcwd()
    for issue in issues:
        echo(issue_text(relative_issue(issue, cwd), err=err), err=err)
