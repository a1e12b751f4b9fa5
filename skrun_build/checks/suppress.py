"""Suppressions: `skrun-ignore` comments in the checked files, and the config's per-file ignores.

Applied to the issues of one checked unit before `--select`/`--ignore` and `--strict`:

1. inline (unless `Suppressions.inline` is off, `--no-inline-ignores`): a comment found by
   `skrun_build.formats.ignore_comments` in a checked SKILL.md or agent.yaml drops the issues of
   the codes it names on the line it covers. A named code that silenced nothing is SU001, an
   unknown code (or none) is SU002, both on the comment. SU issues are never silenced inline.
2. per file (`per-file-ignores` in the config): issues of a file matching a pattern are dropped
   when their code starts with one of the pattern's codes. Patterns are relative to the
   config's folder; an unused pattern is not reported, since a pre-commit run sees only the
   changed files.

Whether a comment was needed is judged on every issue of the file, selected or not, so
`--select` never turns a needed comment into SU001.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from skrun_build.checks.codes import RULES, level
from skrun_build.issues import Issue

# Files whose comments count: the two YAML/Markdown files a user writes by hand.
_COMMENTED = ("SKILL.md", "agent.yaml")
# A file with one of these was not read through: the rules a comment names never ran on it, so
# a comment that silenced nothing is not SU001 there (it may be needed once the file is fixed).
_NOT_CHECKED = {
    "SKILL.md": frozenset({"SK005", "SK006", "SK007", "SK008", "SK009", "SK010"}),
    "agent.yaml": frozenset({"AG003", "AG004"}),
}
_MAX_READ = 16 * 1024 * 1024  # far past what the loaders accept; comments beyond it are not read


@dataclass(frozen=True, slots=True)
class Suppressions:
    """What may silence an issue: inline comments (on by default) and per-file ignores."""

    inline: bool = True
    per_file: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob pattern, codes or prefixes)
    root: str | None = None  # the folder patterns are relative to (the config's)


def apply(files: Sequence[str], issues: Sequence[Issue], settings: Suppressions) -> list[Issue]:
    """`issues` less the suppressed ones, plus SU issues for comments that silence nothing."""
    out = list(issues)
    if settings.inline:
        for file in files:
            if os.path.basename(file) in _COMMENTED:
                out = _inline(file, out)
    if settings.per_file and settings.root is not None:
        root = os.path.abspath(settings.root)
        out = [i for i in out if not _file_ignored(i, settings.per_file, root)]
    return out


def _inline(file: str, issues: list[Issue]) -> list[Issue]:
    try:
        # Only what the checks read: a regular file (a FIFO would block) that stays in its
        # folder (a link out of it is SK003, its target unread).
        mode = os.lstat(file).st_mode
        if stat.S_ISLNK(mode):
            folder = os.path.realpath(os.path.dirname(file))
            if not os.path.realpath(file).startswith(folder + os.sep):
                return issues
            mode = os.stat(file).st_mode
        if not stat.S_ISREG(mode):
            return issues
        with open(file, "rb") as f:
            raw = f.read(_MAX_READ)
        if b"skrun-ignore" not in raw:  # the common case: no comment parsing, no import
            return issues
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return issues  # the file's own checks report why it cannot be read
    from skrun_build.formats.ignore_comments import skill_md_comments, yaml_comments

    is_yaml = os.path.basename(file) == "agent.yaml"
    comments = yaml_comments(text) if is_yaml else skill_md_comments(text)
    if not comments:
        return issues
    key = _key(file)
    # (target line, CODE) -> has it silenced something
    wanted: dict[tuple[int, str], bool] = {}
    for comment in comments:
        for code, _col in comment.codes:
            if code.upper() in RULES:
                wanted[(comment.target, code.upper())] = False
    kept: list[Issue] = []
    for issue in issues:
        slot = (issue.line, issue.code)
        if issue.line and slot in wanted and _key(issue.file) == key:
            wanted[slot] = True
            continue
        kept.append(issue)
    stopped = _NOT_CHECKED[os.path.basename(file)]
    if any(i.code in stopped and _key(i.file) == key for i in issues):
        wanted = dict.fromkeys(wanted, True)  # nothing is known to be unused
    for comment in comments:
        kept += _comment_issues(
            file, comment.line, comment.col, comment.target, comment.codes, wanted
        )
    return kept


def _comment_issues(
    file: str,
    line: int,
    col: int,
    target: int,
    codes: tuple[tuple[str, int], ...],
    wanted: dict[tuple[int, str], bool],
) -> list[Issue]:
    from skrun_build.suggest import did_you_mean

    if not codes:
        return [
            Issue(
                file,
                line,
                col,
                "SU002",
                level("SU002"),
                "skrun-ignore names no rule code",
                "name the codes to silence, e.g. skrun-ignore SK050; skrun rules lists them",
            )
        ]
    out: list[Issue] = []
    for code, code_col in codes:
        upper = code.upper()
        if upper not in RULES:
            close = did_you_mean(upper, RULES, cutoff=0.5)
            hint = f"did you mean {close!r}?" if close else "skrun rules lists the codes"
            message = f"skrun-ignore names an unknown rule code {code!r}"
            out.append(Issue(file, line, code_col, "SU002", level("SU002"), message, hint))
        elif upper.startswith("SU"):
            message = f"skrun-ignore cannot silence {upper}"
            hint = f'drop it from the comment; silence it with ignore = ["{upper}"] in the config'
            out.append(Issue(file, line, code_col, "SU002", level("SU002"), message, hint))
        elif not wanted.get((target, upper), True):
            message = f"skrun-ignore {upper} silences nothing on line {target}"
            hint = f"remove {upper} from the comment"
            out.append(Issue(file, line, code_col, "SU001", level("SU001"), message, hint))
    return out


def _key(file: str) -> str:
    return os.path.normcase(os.path.normpath(os.path.abspath(file)))


def _file_ignored(
    issue: Issue, per_file: tuple[tuple[str, tuple[str, ...]], ...], root: str
) -> bool:
    rel = os.path.relpath(os.path.abspath(issue.file), root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return False
    rel = Path(rel).as_posix()
    return any(
        _matches(pattern, rel) and any(issue.code.startswith(c.upper()) for c in codes)
        for pattern, codes in per_file
    )


def _matches(pattern: str, rel: str) -> bool:
    """Whether `rel` (posix, relative to the config) or a folder above it matches `pattern`.

    Glob syntax: `*` and `?` stay within one path part, `**` spans parts. A pattern without
    a `/` matches any one part (a file or folder name), as in .gitignore.
    """
    parts = rel.split("/")
    anchored = pattern.strip("/").removeprefix("./")
    if "/" not in anchored:
        regex = _glob(anchored)
        return any(regex.fullmatch(p) for p in parts)
    regex = _glob(anchored)
    return any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1))


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            body = re.sub(r"([\\\]^])", r"\\\1", body[1:] if negate else body)
            out.append(f"[{'^' if negate else ''}{body}]")
            i = end + 1
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))
