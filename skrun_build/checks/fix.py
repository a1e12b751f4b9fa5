"""`skrun validate --fix`: the safe, meaning-keeping rewrites of a SKILL.md.

Only these, each a textual edit of the frontmatter lines (YAML is never re-dumped, so
comments, key order and formatting stay):

- a plain scalar that YAML misreads because of `: ` inside it (SK007) is single-quoted;
- `allowed-tools` as a YAML list of single words (SK041/SK072) or as a comma-separated string
  (SK042) becomes one space-separated string;
- a `metadata` value that is a number, boolean or null (SK035/SK073) is double-quoted, its
  text kept exactly as written (`version: 1.0` -> `version: "1.0"`);
- the file ends with exactly one newline.

Every edit is checked by parsing the result again: the frontmatter must hold exactly what it
held before, with only the fixed value changed as intended; an edit that fails the check is
dropped (the issue stays reported). Line endings (CRLF) and a BOM are kept. Everything else
is reported by the rules, never rewritten. The file is replaced atomically (`fsutil`).
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skrun_build.errors import InputError
from skrun_build.formats.skillmd import Skill, decode, parse_skill_md
from skrun_build.formats.yaml import YamlError, load_yaml

# `key: value` on one line, the value a plain scalar (no quote, flow, block or tag opener).
_PLAIN_LINE = re.compile(
    r"^(?P<lead>[ \t]*[A-Za-z_][\w.-]*:[ \t]+)(?P<value>[^'\"\[{|>&*!%@`#\s].*)$"
)
_MAX_ROUNDS = 64  # misread lines fixed per file, one per parse


@dataclass(frozen=True, slots=True)
class Fix:
    """What `--fix` would do to one file: the text before and after, and each change."""

    file: str
    before: str
    after: str
    changes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Whether the file would be rewritten."""
        return self.after != self.before

    def diff(self, label: str | None = None) -> str:
        """A unified diff of the change (`--- label` / `+++ label`), as git prints it."""
        import difflib

        name = self.file if label is None else label
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True) if self.before else [],
            self.after.splitlines(keepends=True) if self.after else [],
            name,
            name,
        )
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


def fix_file(path: str | os.PathLike[str], file: str | None = None) -> Fix | None:
    """The fix of the SKILL.md at `path`; None when it cannot be read or decoded."""
    shown = str(path) if file is None else file
    try:
        raw = Path(path).read_bytes()
        text = decode(raw, shown)
    except (OSError, InputError):
        return None
    after, changes = fix_text(text, shown)
    return Fix(shown, text, after, tuple(changes))


def fix_paths(paths: list[str]) -> list[tuple[Path, Fix]]:
    """The fix of every SKILL.md the paths stand for (as `skrun validate` finds them).

    A SKILL.md that is a symlink is left alone (a rewrite would replace the link by a file);
    its issues stay reported.
    """
    from skrun_build.checks.discovery import discover

    out: list[tuple[Path, Fix]] = []
    seen: set[str] = set()
    for given in paths:
        for unit in discover(given).units:
            md = unit.dir / "SKILL.md"
            key = os.path.normpath(os.path.abspath(md))
            if not unit.skill_md or key in seen or md.is_symlink():
                continue
            seen.add(key)
            fix = fix_file(md)
            if fix is not None:
                out.append((md, fix))
    return out


def write_fix(fix: Fix, path: str | os.PathLike[str]) -> None:
    """Replace the file at `path` with `fix.after` atomically, keeping its mode; raises OSError."""
    from skrun_build.fsutil import write_atomic

    p = Path(path)
    mode = p.stat().st_mode & 0o7777
    write_atomic(p, fix.after.encode("utf-8"), mode=mode)


def fix_text(text: str, file: str = "SKILL.md") -> tuple[str, list[str]]:
    """The fixed text of a SKILL.md and one line per change made (empty: nothing to fix)."""
    changes: list[str] = []
    eol = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"
    text = _quote_misread(text, file, changes)
    skill = _parse(text, file)
    if skill is not None:
        for step in (_allowed_tools, _metadata):
            text, skill = step(text, skill, file, changes)
    stripped = text.rstrip("\r\n")
    if stripped and stripped + eol != text:
        text = stripped + eol
        changes.append("ended the file with one newline")
    return text, changes


def _parse(text: str, file: str) -> Skill | None:
    try:
        return parse_skill_md(text.encode("utf-8"), file)
    except InputError:
        return None


# -- SK007: a plain scalar misread because of `: ` -----------------------------------------


def _quote_misread(text: str, file: str, changes: list[str]) -> str:
    for _ in range(_MAX_ROUNDS):
        try:
            parse_skill_md(text.encode("utf-8"), file)
            return text
        except YamlError as e:
            if e.kind != "syntax" or not e.line:
                return text
            fixed = _quote_line(text, e.line)
            if fixed is None:
                return text
            text, key = fixed
            changes.append(f"line {e.line}: quoted the value of {key} (': ' inside it)")
        except InputError:
            return text
    return text


def _quote_line(text: str, line_no: int) -> tuple[str, str] | None:
    lines = text.split("\n")
    index = line_no - 1
    if not 0 < index < len(lines):
        return None
    line = lines[index]
    cr = "\r" if line.endswith("\r") else ""
    match = _PLAIN_LINE.match(line[: len(line) - len(cr)])
    if match is None:
        return None
    value = match["value"].rstrip(" \t")
    if ": " not in value or " #" in value or value.endswith(":"):
        return None
    nxt = lines[index + 1] if index + 1 < len(lines) else ""
    indent = len(line) - len(line.lstrip(" \t"))
    if nxt.strip() and len(nxt) - len(nxt.lstrip(" \t")) > indent:
        return None  # the value goes on over more lines: not a one-line edit
    lead = match["lead"]
    quoted = "'" + value.replace("'", "''") + "'"
    key = lead.strip().rstrip(":").rstrip()
    try:
        data = load_yaml(f"{key}: {quoted}\n", file="-").data
    except YamlError:
        return None
    if data != {key: value}:
        return None
    lines[index] = lead + quoted + cr
    return "\n".join(lines), key


# -- edits on a parsed frontmatter -----------------------------------------------------------


def _entry_span(skill: Skill, path: tuple[str, ...], siblings: list[str]) -> tuple[int, int]:
    """(first, last) 0-based text lines of the entry at `path`, up to its next sibling."""
    doc = skill.doc
    first = doc.positions[path].key_line - 1
    closing = skill.body_line - 2  # the closing fence's index
    later = [
        doc.positions[(*path[:-1], s)].key_line - 1
        for s in siblings
        if (*path[:-1], s) in doc.positions and doc.positions[(*path[:-1], s)].key_line - 1 > first
    ]
    end = min([*later, closing]) - 1
    lines = skill.head.split("\n")
    while end > first and not lines[end].strip(" \t\r"):
        end -= 1
    return first, end


def _apply(
    text: str,
    skill: Skill,
    file: str,
    span: tuple[int, int],
    new_line: str,
    expect: Callable[[dict[str, Any]], None],
) -> Skill | None:
    """`text` with lines `span` replaced by `new_line` (kept only if the result checks)."""
    lines = text.split("\n")
    first, last = span
    cr = "\r" if lines[last].endswith("\r") else ""
    lines[first : last + 1] = [new_line + cr]
    new_text = "\n".join(lines)
    fixed = _parse(new_text, file)
    wanted = copy.deepcopy(skill.frontmatter)
    expect(wanted)
    if fixed is None or fixed.frontmatter != wanted or fixed.body != skill.body:
        return None
    return fixed


def _scalar(value: str) -> str:
    """`value` as a one-line YAML scalar: plain when YAML reads it back as this string."""
    try:
        if load_yaml(f"k: {value}\n", file="-").data == {"k": value}:
            return value
    except YamlError:
        pass
    return "'" + value.replace("'", "''") + "'"


def _allowed_tools(text: str, skill: Skill, file: str, changes: list[str]) -> tuple[str, Skill]:
    key = "allowed-tools"
    tools = skill.frontmatter.get(key)
    if key not in skill.frontmatter or (key,) not in skill.doc.positions:
        return text, skill
    if isinstance(tools, list):
        words = [t for t in tools if isinstance(t, str) and t and not re.search(r"\s", t)]
        if len(words) != len(tools) or not words:
            return text, skill
        joined = " ".join(words)
        what = "a YAML list"
    elif isinstance(tools, str) and _top_level_comma(tools):
        joined = " ".join(p.strip() for p in _split_top_level(tools) if p.strip())
        what = "comma-separated"
    else:
        return text, skill
    siblings = [k for k in skill.frontmatter if isinstance(k, str)]
    span = _entry_span(skill, (key,), siblings)
    lines = text.split("\n")
    if any("#" in lines[i] for i in range(span[0], span[1] + 1)):
        return text, skill  # a comment would be lost
    if what == "comma-separated" and span[0] != span[1]:
        return text, skill
    written_key = lines[span[0]].split(":", 1)[0]

    def expect(fm: dict[str, Any]) -> None:
        fm[key] = joined

    fixed = _apply(text, skill, file, span, f"{written_key}: {_scalar(joined)}", expect)
    if fixed is None:
        return text, skill
    changes.append(
        f"line {span[0] + 1}: allowed-tools was {what}; wrote one space-separated string"
    )
    return fixed.text(), fixed


def _metadata(text: str, skill: Skill, file: str, changes: list[str]) -> tuple[str, Skill]:
    meta = skill.frontmatter.get("metadata")
    if not isinstance(meta, dict):
        return text, skill
    for name in list(meta):
        value = meta[name]
        if not isinstance(name, str) or isinstance(value, str | dict | list):
            continue
        pos = skill.doc.positions.get(("metadata", name))
        if pos is None or pos.line != pos.key_line:
            continue
        lines = text.split("\n")
        line = lines[pos.line - 1]
        cr = "\r" if line.endswith("\r") else ""
        rest = line[pos.col - 1 : len(line) - len(cr)]
        comment = ""
        hash_at = rest.find(" #")
        if hash_at >= 0:
            rest, comment = rest[:hash_at], rest[hash_at:]
        written = rest.rstrip(" \t")
        if not written or written[0] in "'\"!&*[{|>":
            continue
        quoted = '"' + written.replace("\\", "\\\\").replace('"', '\\"') + '"'
        new_line = line[: pos.col - 1] + quoted + rest[len(written) :] + comment

        def expect(fm: dict[str, Any], name: str = name, written: str = written) -> None:
            fm["metadata"][name] = written

        fixed = _apply(text, skill, file, (pos.line - 1, pos.line - 1), new_line, expect)
        if fixed is None:
            continue
        changes.append(f"line {pos.line}: quoted metadata value of {name} ({written})")
        text, skill = fixed.text(), fixed
    return text, skill


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _top_level_comma(text: str) -> bool:
    return len(_split_top_level(text)) > 1
