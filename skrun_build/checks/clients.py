"""Which client a skill is written for (`--target`), and Claude Code's own frontmatter keys.

Targets:

- `generic` (the default): the Agent Skills specification alone. Keys outside it are SK050
  warnings, Claude Code's included, because skills-ref and claude.ai uploads reject them.
- `claude-code`: Claude Code's keys are recognised (no SK050) and their values checked where
  Claude Code documents them (SK051 wrong type, SK052 undocumented value, SK053 `agent`
  without `context: fork`).
- `codex`: Codex documents only `name` and `description` in SKILL.md (its own settings live in
  `agents/openai.yaml`) and ignores other keys, so its rules are the spec's, as `generic`.

The default stays `generic` so existing users see the same verdicts. No I/O here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skrun_build.checks.codes import level
from skrun_build.formats.names import type_name
from skrun_build.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.formats.skillmd import Skill

TARGETS = ("generic", "claude-code", "codex")
DEFAULT_TARGET = "generic"

# Claude Code's skill frontmatter keys beyond the spec -> the type it documents.
CLAUDE_CODE_KEYS: dict[str, str] = {
    "argument-hint": "string",
    "disable-model-invocation": "boolean",
    "user-invocable": "boolean",
    "model": "string",
    "effort": "string",
    "context": "string",
    "agent": "string",
    "hooks": "mapping",
    "paths": "glob list",
    "shell": "string",
    "when_to_use": "string",
}

# Keys whose values Claude Code documents as a closed set.
CLAUDE_CODE_CHOICES: dict[str, tuple[str, ...]] = {
    "context": ("fork",),
    "effort": ("low", "medium", "high", "xhigh", "max"),
    "shell": ("bash", "powershell"),
}


def known_keys(target: str) -> frozenset[str]:
    """The keys beyond the spec that `target` recognises (never reported as SK050)."""
    return frozenset(CLAUDE_CODE_KEYS) if target == "claude-code" else frozenset()


def client_issues(skill: Skill, target: str) -> list[Issue]:
    """The value rules of `target`'s own keys (nothing for `generic` and `codex`)."""
    if target != "claude-code":
        return []
    out: list[Issue] = []
    fm = skill.frontmatter
    for key, kind in CLAUDE_CODE_KEYS.items():
        if key in fm:
            out.extend(_claude_code_value(skill, key, kind, fm[key]))
    if "agent" in fm and fm.get("context") != "fork":
        line, col = skill.doc.locate_key(("agent",))
        out.append(
            Issue(
                skill.file,
                line,
                col,
                "SK053",
                level("SK053"),
                "agent is set but context is not 'fork'; Claude Code uses agent only in a fork",
                "add context: fork, or remove agent",
            )
        )
    return out


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "mapping":
        return isinstance(value, dict)
    if kind == "glob list":
        return isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
    return isinstance(value, str)


def _claude_code_value(skill: Skill, key: str, kind: str, value: Any) -> list[Issue]:
    line, col = skill.doc.locate((key,))

    def issue(code: str, message: str, hint: str) -> Issue:
        return Issue(skill.file, line, col, code, level(code), message, hint)

    if not _type_ok(kind, value):
        wanted = {
            "boolean": "true or false",
            "mapping": "a mapping of hook events to hook lists",
            "glob list": "a glob string or a list of glob strings",
        }.get(kind, "a string")
        hint = f"write {key}: {'true' if kind == 'boolean' else wanted}"
        if kind == "string" and isinstance(value, list):
            hint = f'quote it: {key}: "[...]" (a bare [ starts a YAML list)'
        got = type_name(value, show=True) + (f" ({value!r})" if isinstance(value, str) else "")
        message = f"{key} must be {wanted} for Claude Code, got {got}"
        return [issue("SK051", message, hint)]
    choices = CLAUDE_CODE_CHOICES.get(key)
    if choices and value not in choices:
        shown = ", ".join(choices)
        return [
            issue(
                "SK052",
                f"{key} {value!r} is not a value Claude Code documents ({shown})",
                f"use one of: {shown}" if len(choices) > 1 else f"write {key}: {choices[0]}",
            )
        ]
    return []
