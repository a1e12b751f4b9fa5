"""Suppressions (SU): the registry's entries, checked in `skrun_build.checks.suppress`."""

from __future__ import annotations

from skrun_build.checks.codes.rule import Rule

_SOURCE = (
    "skrun-build: `skrun-ignore` comments (docs/rules.md, Suppressions), as ruff reports an "
    "unused `noqa` (RUF100)"
)

SU_RULES: tuple[Rule, ...] = (
    Rule(
        code="SU001",
        level="warning",
        summary="a skrun-ignore comment silences nothing",
        why=(
            "The line it covers has no issue with that code (any more), so the comment only "
            "hides a future issue nobody has seen. Remove it, or move it onto the line of the "
            "issue (or alone on the line before). Not reported under `--no-inline-ignores`, "
            "which reads no comment."
        ),
        fails=(
            (
                "`name: my-skill  # skrun-ignore SK012` → `SKILL.md:2:32: SU001 warning "
                "skrun-ignore SK012 silences nothing on line 2 (remove SK012 from the comment)`"
            ),
        ),
        passes=(
            "`name: My-Skill  # skrun-ignore SK012` (line 2 has an SK012 issue), or no comment."
        ),
        fix="remove the code from the comment (the whole comment when it names no other code)",
        source=_SOURCE,
    ),
    Rule(
        code="SU002",
        level="warning",
        summary="a skrun-ignore comment names an unknown code, an SU code, or no code",
        why=(
            "A misspelt code (`SK12`, `SK-012`) or a bare `skrun-ignore` silences nothing, so "
            "the issue it was meant for is still reported; the comment must name full codes "
            "from `skrun rules`. SU codes are about the comments themselves, so a comment "
            "cannot silence them (the config's `ignore` can)."
        ),
        fails=(
            (
                "`<!-- skrun-ignore SK12 -->` → `SKILL.md:7:19: SU002 warning skrun-ignore "
                "names an unknown rule code 'SK12' (did you mean 'SK012'?)`"
            ),
            (
                "`# skrun-ignore` with no code → `agent.yaml:4:3: SU002 warning skrun-ignore "
                "names no rule code (name the codes to silence, e.g. skrun-ignore SK050; skrun "
                "rules lists them)`"
            ),
        ),
        passes="`<!-- skrun-ignore SK012 -->`, `# skrun-ignore AG005, AG016`",
        fix="name full rule codes (skrun rules lists them), separated by commas or blanks",
        source=_SOURCE,
    ),
)
