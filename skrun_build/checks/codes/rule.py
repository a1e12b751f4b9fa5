"""One rule of the registry: what `skrun rules`, `skrun explain` and docs/rules*.md show."""

from __future__ import annotations

from typing import NamedTuple

from skrun_build.issues import Level

# Where a rule comes from, named once; an entry's `source` adds the section or detail.
SPEC = "Agent Skills specification (agentskills.io/specification)"
PUSH = (
    "Skrun v0.7.0 `skrun push` (skrun-dev/skrun packages/schema/src/parsers/skill-md.ts "
    "and schemas/skill-frontmatter.ts)"
)
AGENT = "Skrun v0.7.0 agent.yaml schema (skrun-dev/skrun packages/schema)"
RUNTIME = "Skrun v0.7.0 runtime (skrun-dev/skrun)"
ARTIFACT = "skrun runtime (lhwzds/skrun): artifact.json as its serde reader takes it"


class Rule(NamedTuple):
    """A rule code with everything a user needs to act on it (Markdown in the text fields).

    A NamedTuple rather than a dataclass: validating a plain skill imports the registry, and
    a tuple class costs a fraction of a dataclass's generated code at start-up.
    """

    code: str
    level: Level
    summary: str  # one line, no period
    fails: tuple[str, ...]  # failing examples, each `input → reported line` where useful
    passes: str  # the passing form
    fix: str  # what to do, in general; an issue's own hint is more specific
    source: str  # spec section, Skrun version or client docs the rule follows
    why: str = ""  # why the rule exists, when the summary does not say it
