"""A skill's token budget by disclosure layer, and the body limits (SK060 lines, SK061 tokens).

Three layers, as clients load a skill: the catalogue entry (`name` + `description`, in the
context on every turn), the body (loaded when the skill activates, counted per `##` section)
and the resources (the skill's other text files: `references/`, `scripts/`, `assets/` and
any other, read on demand). `skrun
stats` reports them (`skill_budget`); `skrun validate` warns when the body passes
`Limits` (SK060, SK061) with the estimate of `skrun_build.tokens`, so a check never depends
on what is installed. No printing: the CLI renders `SkillBudget`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from skrun_build.checks.codes import level
from skrun_build.issues import Issue
from skrun_build.tokens import Counter, estimate_tokens, may_exceed

MAX_BODY_LINES = 500
MAX_BODY_TOKENS = 5000
_NOT_RESOURCES = frozenset({"__pycache__", "node_modules", "venv", "site-packages"})
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*\r?$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MAX_RESOURCE = 4 * 1024 * 1024  # a resource over this size is reported, not counted


class Limits(NamedTuple):
    """The body limits of SK060 and SK061 (`max-body-lines`, `max-body-tokens` in the config)."""

    max_body_lines: int = MAX_BODY_LINES
    max_body_tokens: int = MAX_BODY_TOKENS


def body_issues(file: str, body: str, body_line: int, limits: Limits | None = None) -> list[Issue]:
    """SK060 (too many lines) and SK061 (too many tokens, estimated) of a Markdown body."""
    limits = limits or Limits()
    issues: list[Issue] = []
    lines = body.count("\n") + (0 if not body or body.endswith("\n") else 1)
    if lines > limits.max_body_lines:
        issues.append(
            Issue(
                file,
                body_line + limits.max_body_lines,
                1,
                "SK060",
                level("SK060"),
                f"the body is {lines} lines; the spec recommends under {limits.max_body_lines}",
                "move detailed material into files under references/",
            )
        )
    # The estimate never exceeds the UTF-8 size: a short body needs no counting.
    if may_exceed(body, limits.max_body_tokens):
        tokens = estimate_tokens(body)
        if tokens > limits.max_body_tokens:
            at = _line_past(body, limits.max_body_tokens)
            issues.append(
                Issue(
                    file,
                    body_line + at,
                    1,
                    "SK061",
                    level("SK061"),
                    f"the body is about {tokens} tokens (estimated); the spec recommends under "
                    f"{limits.max_body_tokens}",
                    "move detailed material into files under references/ and link to them",
                )
            )
    return issues


def _line_past(body: str, budget: int) -> int:
    """0-based line of `body` where the running estimate first passes `budget`."""
    total = 0
    for index, line in enumerate(body.split("\n")):
        total += estimate_tokens(line + "\n")
        if total > budget:
            return index
    return 0


# -- skrun stats --------------------------------------------------------------------------


@dataclass(slots=True)
class Section:
    """One part of the body: the text before the first `##` heading, or one `##` section."""

    heading: str
    line: int
    lines: int
    tokens: int


@dataclass(slots=True)
class Resource:
    """A file under references/, scripts/ or assets/: its tokens, or why it was not counted."""

    path: str
    bytes: int
    tokens: int | None
    skipped: str = ""


@dataclass(slots=True)
class SkillBudget:
    """The token cost of one skill, by disclosure layer."""

    dir: str
    name: str
    catalogue: int
    body: int
    body_lines: int
    sections: list[Section] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)

    @property
    def resources_total(self) -> int:
        """Tokens of every counted resource."""
        return sum(r.tokens or 0 for r in self.resources)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (`skrun stats --json`)."""
        return {
            "dir": self.dir,
            "name": self.name,
            "catalogue": {"tokens": self.catalogue},
            "body": {
                "tokens": self.body,
                "lines": self.body_lines,
                "sections": [
                    {"heading": s.heading, "line": s.line, "lines": s.lines, "tokens": s.tokens}
                    for s in self.sections
                ],
            },
            "resources": {
                "tokens": self.resources_total,
                "files": [
                    {"path": r.path, "bytes": r.bytes, "tokens": r.tokens, "skipped": r.skipped}
                    for r in self.resources
                ],
            },
        }


def skill_budget(skill_dir: str | os.PathLike[str], counter: Counter) -> SkillBudget:
    """The budget of the skill at `skill_dir`; raises `InputError` if SKILL.md cannot be read."""
    from skrun_build.formats.skillmd import load_skill

    d = Path(skill_dir)
    skill = load_skill(d)
    name = skill.name or ""
    description = skill.description or ""
    # What a client lists in its catalogue: the two fields, as YAML-ish lines.
    catalogue = counter.count(f"name: {name}\ndescription: {description}\n")
    return SkillBudget(
        dir=str(d),
        name=name,
        catalogue=catalogue,
        body=counter.count(skill.body),
        body_lines=skill.body_lines(),
        sections=sections(skill.body, skill.body_line, counter),
        resources=resources(d, counter),
    )


def sections(body: str, first_line: int, counter: Counter) -> list[Section]:
    """The body cut at each `##` heading outside code (the part before the first is "(top)")."""
    parts: list[tuple[str, int, list[str]]] = [("(top)", first_line, [])]
    fence: str | None = None
    for number, line in enumerate(body.split("\n"), first_line):
        opener = _FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
        elif opener:
            fence = opener.group(1)
        else:
            heading = _HEADING.match(line)
            if heading and len(heading.group(1)) == 2:
                parts.append((heading.group(2), number, []))
        parts[-1][2].append(line)
    if body.endswith("\n"):
        parts[-1][2].pop()  # the split's empty last piece is no line
    out = []
    for title, start, texts in parts:
        if title == "(top)" and not any(t.strip() for t in texts):
            continue
        text = "\n".join(texts) + ("\n" if texts else "")
        out.append(Section(title, start, len(texts), counter.count(text)))
    return out


def resources(skill_dir: Path, counter: Counter) -> list[Resource]:
    """Every file of the skill but SKILL.md, counted when it is UTF-8 text.

    The conventional folders are references/, scripts/ and assets/, but a skill may hold
    others (`reference/`, `templates/`, top-level guides): all are read on demand. Dot
    files and folders, `__pycache__`, `node_modules` and virtualenvs are left out, as a
    bundle leaves them out.
    """
    out: list[Resource] = []
    for root, dirs, files in os.walk(skill_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _NOT_RESOURCES)
        for name in sorted(files):
            if name.startswith(".") or (root == str(skill_dir) and name == "SKILL.md"):
                continue
            path = Path(root) / name
            out.append(_resource(path, path.relative_to(skill_dir).as_posix(), counter))
    return out


def _resource(path: Path, rel: str, counter: Counter) -> Resource:
    try:
        size = path.stat().st_size
        if size > _MAX_RESOURCE:
            return Resource(rel, size, None, f"over {_MAX_RESOURCE // (1024 * 1024)} MiB")
        data = path.read_bytes()
    except OSError as e:
        return Resource(rel, 0, None, f"cannot read: {e.strerror or e}")
    if b"\0" in data:
        return Resource(rel, size, None, "binary")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Resource(rel, size, None, "not UTF-8 text")
    return Resource(rel, size, counter.count(text))
