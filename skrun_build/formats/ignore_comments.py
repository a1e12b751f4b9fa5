"""`skrun-ignore` comments: which line of a SKILL.md or agent.yaml silences which rule codes.

Only what the file says: whether the codes exist, and whether a comment was needed, is
`skrun_build.checks.suppress`'s business. The forms:

- Markdown (a SKILL.md body): `<!-- skrun-ignore SK012, SK050 -->`, one HTML comment on one
  line. Comments inside fenced code blocks and inside code spans are examples, not
  suppressions.
- YAML (a SKILL.md frontmatter, agent.yaml): `# skrun-ignore AG005`, a real YAML comment; a
  `#` inside a quoted or block scalar is text.

Scope: a comment that shares its line with other text covers that line; a comment alone on its
line covers the next line. Codes are separated by commas and/or blanks; ` -- ` ends them and
starts a free-text reason (`# skrun-ignore SK050 -- kept for v1 clients`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_WORD = "skrun-ignore"
_HTML = re.compile(r"<!--[ \t]*skrun-ignore(?![\w-])(?P<rest>.*?)-->")
_YAML = re.compile(r"#[ \t]*skrun-ignore(?![\w-])(?P<rest>.*)$")
_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True, slots=True)
class IgnoreComment:
    """One `skrun-ignore` comment: where it is, which line it covers, the codes it names."""

    line: int  # 1-based line of the comment
    col: int  # 1-based column where the comment starts
    target: int  # the line whose issues it silences
    codes: tuple[tuple[str, int], ...]  # (code as written, 1-based column), in order


def skill_md_comments(text: str) -> list[IgnoreComment]:
    """The `skrun-ignore` comments of a SKILL.md: YAML ones in its frontmatter, HTML ones after."""
    if _WORD not in text:  # the common case costs one substring search
        return []
    lines = text.split("\n")
    body_from = 0  # index of the first body line; 0: no frontmatter, all of it is Markdown
    first = lines[0].removeprefix("\ufeff").rstrip("\r \t")
    if first == "---":
        for i in range(1, len(lines)):
            if lines[i].rstrip("\r \t") == "---":
                body_from = i + 1
                break
    found: list[IgnoreComment] = []
    if body_from:
        front = "\n".join(lines[1 : body_from - 1])
        found += yaml_comments(front, first_line=2)
    found += _markdown_comments(lines, body_from)
    return found


def _markdown_comments(lines: list[str], start: int) -> list[IgnoreComment]:
    found: list[IgnoreComment] = []
    fence = ""
    for index in range(start, len(lines)):
        text = lines[index]
        opened = _FENCE_OPEN.match(text)
        if fence:
            stripped = text.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = ""
            continue
        if opened:
            fence = opened.group("fence")
            continue
        if _WORD not in text:
            continue
        # Code spans are examples: blank them out, keeping the columns.
        plain = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
        for match in _HTML.finditer(plain):
            alone = not (plain[: match.start()] + plain[match.end() :]).strip()
            found.append(_comment(index + 1, match, alone))
    return found


def yaml_comments(text: str, first_line: int = 1) -> list[IgnoreComment]:
    """The `# skrun-ignore` comments of YAML `text` whose first line is `first_line`."""
    if _WORD not in text:
        return []
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    spans, scanned_to = _scalar_spans(text)
    found: list[IgnoreComment] = []
    for index, line in enumerate(lines):
        if _WORD not in line:
            continue
        at = line.find("#")
        while at >= 0:
            offset = starts[index] + at
            if offset < scanned_to:
                is_comment = not any(a <= offset < b for a, b in spans)
            else:  # past a YAML error: a `#` after a blank, outside quotes, is a comment
                is_comment = (at == 0 or line[at - 1] in " \t") and _unquoted(line[:at])
            if is_comment:
                match = _YAML.match(line, at)
                if match:
                    alone = not line[:at].strip()
                    found.append(_comment(first_line + index, match, alone))
                break  # the rest of the line is the comment
            at = line.find("#", at + 1)
    return found


def _scalar_spans(text: str) -> tuple[list[tuple[int, int]], int]:
    """Where the scalars of `text` are (character offsets), and how far the scan got.

    PyYAML's pure-Python scanner: its marks count characters, and it only runs on a file
    that mentions skrun-ignore at all.
    """
    import yaml

    spans: list[tuple[int, int]] = []
    scanned_to = len(text) + 1
    loader: Any = yaml.SafeLoader(text)
    try:
        while True:
            token = loader.get_token()
            if token is None:
                break
            if isinstance(token, yaml.ScalarToken):
                spans.append((token.start_mark.index, token.end_mark.index))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        scanned_to = mark.index if mark is not None else 0
    finally:
        loader.dispose()
    return spans, scanned_to


def _unquoted(prefix: str) -> bool:
    return prefix.count('"') % 2 == 0 and prefix.count("'") % 2 == 0


def _comment(line: int, match: re.Match[str], alone: bool) -> IgnoreComment:
    rest = match.group("rest")
    rest_col = match.start("rest")
    reason = re.search(r"(?:^|\s)--(?:\s|$)", rest)
    if reason:
        rest = rest[: reason.start()]
    codes: list[tuple[str, int]] = []
    pos = 0
    for part in _SEPARATORS.split(rest):
        if not part:
            continue
        pos = rest.index(part, pos)
        codes.append((part, rest_col + pos + 1))
        pos += len(part)
    return IgnoreComment(line, match.start() + 1, line + 1 if alone else line, tuple(codes))
