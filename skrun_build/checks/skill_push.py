"""What Skrun v0.7.0's `skrun push` refuses in an agent's SKILL.md, beyond the spec's rules.

Skrun parses SKILL.md with a strict frontmatter schema before it uploads an agent
(checked in its code: `packages/schema/src/parsers/skill-md.ts` and
`schemas/skill-frontmatter.ts`). Our reading of SKILL.md is more tolerant on a few
points, so in an agent folder each of them is an error of its own:

- the file must begin with the bytes `---` and a line end: a UTF-8 BOM (SK070) or
  blanks after the opening `---` (SK071) fail;
- the frontmatter ends at the first line that *starts* with `---` (SK071 when
  that line is before our whole-line closing fence);
- `allowed-tools` must be a string (SK072), `metadata` values strings (SK073);
- lengths are JavaScript string lengths, UTF-16 code units (`js_length`).

Plain skills follow the Agent Skills spec and never get these codes. No I/O here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from skrun_build.checks.codes import level
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.formats.skillmd import Skill

SKRUN = "Skrun v0.7.0"

# Skrun's own split (a fact, not its code): `---` and a line end at offset 0, the YAML
# up to the first line end followed by `---`, then the body.
_SKRUN_SPLIT = re.compile(r"---\r?\n(?P<yaml>[\s\S]*?)\r?\n(?P<close>---)")


def js_length(text: str) -> int:
    """The length JavaScript gives `text` (UTF-16 code units: a character past U+FFFF is 2)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def too_long(field: str, text: str, limit: int, agent: bool) -> str:
    """The message of a `field` longer than `limit`; an agent's counts as Skrun push does."""
    if agent and js_length(text) != len(text):
        return (
            f"{field} is {js_length(text)} UTF-16 code units as {SKRUN} push counts it"
            f" ({len(text)} characters); the limit is {limit}"
        )
    return f"{field} is {len(text)} characters; the limit is {limit}"


def fence_issues(skill: Skill) -> list[Issue]:
    """SK070/SK071: how the start of an agent's SKILL.md differs from what Skrun push reads."""
    issues: list[Issue] = []
    text = skill.head
    if skill.bom:
        issues.append(
            Issue(
                skill.file,
                1,
                1,
                "SK070",
                level("SK070"),
                f"SKILL.md starts with a UTF-8 BOM; {SKRUN} push refuses it"
                ' ("SKILL.md must start with YAML frontmatter")',
                "save SKILL.md as UTF-8 without a BOM, so its first bytes are ---",
            )
        )
        text = text[1:]
    first_end = text.find("\n")
    first = text[:first_end].removesuffix("\r")
    if first != "---":
        issues.append(
            Issue(
                skill.file,
                1,
                4,
                "SK071",
                level("SK071"),
                f"the opening '---' is followed by blanks; {SKRUN} push needs '---' alone"
                " on the first line",
                "delete the spaces or tabs after the first ---",
            )
        )
        return issues
    ours = first_end + 1 + len(skill.yaml_text)  # where our closing fence line starts
    match = _SKRUN_SPLIT.match(text)
    if match is not None and match.start("close") < ours:
        line = text.count("\n", 0, match.start("close")) + 1
        closing = text.count("\n", 0, ours) + 1
        issues.append(
            Issue(
                skill.file,
                line,
                1,
                "SK071",
                level("SK071"),
                f"line {line} starts with '---', where {SKRUN} push ends the frontmatter"
                f" (the closing fence is line {closing})",
                "indent that line or start it with something other than ---",
            )
        )
    return issues
