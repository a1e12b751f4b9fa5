"""SKILL.md rules (SK) of one client's own keys (`--target claude-code`): the registry's entries,
checked in `skrun_build.checks.clients`.
"""

from __future__ import annotations

from skrun_build.checks.codes.rule import Rule

# Claude Code's skills documentation ("Extend Claude with skills", code.claude.com/docs/en/skills,
# frontmatter reference), the source of every fact below; agnix 0.59 checks the same values.
CLAUDE_CODE = "Claude Code skills docs (code.claude.com/docs/en/skills, frontmatter reference)"

SK_CLIENT_RULES: tuple[Rule, ...] = (
    Rule(
        code="SK051",
        level="error",
        summary="a Claude Code key has the wrong type (--target claude-code)",
        why=(
            'Only with `--target claude-code` (or `target = "claude-code"` in the config). '
            "Claude Code documents `disable-model-invocation` and `user-invocable` as booleans, "
            "`hooks` as a mapping of hook events, `paths` as a glob string or a list of globs, "
            "and `argument-hint`, `model`, `effort`, `context`, `agent`, `shell` and "
            "`when_to_use` as strings. A value of another type does not do what it says."
        ),
        fails=(
            (
                "`argument-hint: [file]` → `SK051 error argument-hint must be a string for Claude "
                'Code, got a list (quote it: argument-hint: "[...]" (a bare [ starts a YAML list))`'
            ),
            '`user-invocable: "no"` (a string, not a boolean)',
        ),
        passes='`argument-hint: "[file]"`, `user-invocable: false`',
        fix="write the value with the type Claude Code documents (quote strings starting with [)",
        source=CLAUDE_CODE,
    ),
    Rule(
        code="SK052",
        level="warning",
        summary="a Claude Code key has a value Claude Code does not document (--target claude-code)",
        why=(
            "Only with `--target claude-code`. `context` has one documented value, `fork`; "
            "`effort` is `low`, `medium`, `high`, `xhigh` or `max`; `shell` is `bash` (the "
            "default) or `powershell`. Other values are not documented to do anything."
        ),
        fails=("`context: isolated`", "`effort: huge`", "`shell: zsh`"),
        passes="`context: fork`, `effort: high`, `shell: bash`",
        fix="use a documented value, or remove the key",
        source=CLAUDE_CODE,
    ),
    Rule(
        code="SK053",
        level="warning",
        summary="agent is set without context: fork (--target claude-code)",
        why=(
            "Only with `--target claude-code`. Claude Code uses `agent` (the subagent type) only "
            "when the skill runs in a fork (`context: fork`); without it the key is ignored."
        ),
        fails=("`agent: Explore` with no `context:` key.",),
        passes="\n```yaml\ncontext: fork\nagent: Explore\n```",
        fix="add context: fork, or remove agent",
        source=CLAUDE_CODE,
    ),
)
