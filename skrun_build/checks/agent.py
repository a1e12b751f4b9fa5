"""Checks of an agent directory: agent.yaml by the Skrun schema, plus cross-file rules.

Codes `AG001`...; every issue is located at `file:line:col`. The schema errors
all come out together (never only the first), each with its field path. The
model classes are imported lazily: a plain skill validation never pays for
pydantic.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from skrun_build.checks.artifact import AR_CODES, check_artifact_dir
from skrun_build.checks.codes import level, summaries
from skrun_build.errors import ValidationFailed, os_hint
from skrun_build.formats.agent_fields import BUILTIN_TOOL_CHOICES
from skrun_build.formats.names import type_name
from skrun_build.formats.yaml import YamlDoc, YamlError, load_yaml
from skrun_build.issues import Issue
from skrun_build.suggest import hint as suggestion
from skrun_build.suggest import hint_or_list

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.formats.agent_yaml import AgentConfig

__all__ = [
    "CODES",
    "check_agent_config",
    "check_agent_dir",
    "check_artifact_dir",
    "load_agent_config",
]

AG_CODES: dict[str, str] = summaries("AG")  # a view of the registry (checks/codes/ag.py)
CODES: dict[str, str] = {**AG_CODES, **AR_CODES}


class _SkillView(Protocol):
    """What the checks need of a parsed SKILL.md (`skrun_build.formats.skillmd.Skill` fits)."""

    @property
    def frontmatter(self) -> dict[str, Any]: ...


def check_agent_dir(dir: Path, skill: _SkillView | None) -> list[Issue]:
    """Every issue of `dir/agent.yaml` and of the rules that tie it to the agent dir."""
    return check_agent_config(dir, skill)[0]


def check_agent_config(
    dir: Path, skill: _SkillView | None
) -> tuple[list[Issue], AgentConfig | None]:
    """`check_agent_dir`'s issues, and the config `load_agent_config` would return.

    The config is None when agent.yaml itself has an error; one parse serves both.
    """
    loaded = _load(dir)
    if isinstance(loaded, list):
        return loaded, None
    doc, text = loaded
    config, issues = _schema_issues(doc, text)
    data: dict[str, Any] = doc.data
    issues += _duplicates(doc, data)
    issues += _tool_choice(doc, data)
    if any(i.level == "error" for i in issues):
        config = None
    issues += _dir_rules(dir, doc, data, skill)
    return sorted(issues, key=lambda i: (i.file, i.line, i.col, i.code)), config


def load_agent_config(dir: Path) -> AgentConfig:
    """The validated config of `dir/agent.yaml`; raises `ValidationFailed` on any error in it.

    Only agent.yaml itself counts (schema, duplicate names, tool_choice); the
    rules that look at other files are `check_agent_dir`'s.
    """
    loaded = _load(dir)
    if isinstance(loaded, list):
        raise ValidationFailed(loaded, _failed_message(loaded))
    doc, text = loaded
    config, issues = _schema_issues(doc, text)
    issues += _duplicates(doc, doc.data) + _tool_choice(doc, doc.data)
    errors = sorted(i for i in issues if i.level == "error")
    if errors:
        raise ValidationFailed(sorted(issues), _failed_message(errors))
    assert config is not None  # a schema failure always yields an error issue
    return config


def _failed_message(errors: list[Issue]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first.location()}: {first.code} {first.message}{more}"


def _issue(
    doc: YamlDoc, at: tuple[int, int], code: str, message: str, hint: str | None = None
) -> Issue:
    return Issue(doc.file, at[0], at[1], code, level(code), message, hint)


def _load(dir: Path) -> tuple[YamlDoc, str] | list[Issue]:
    """The parsed agent.yaml, or the issues that stop any further check."""
    path = dir / "agent.yaml"
    file = str(path)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            return [
                Issue(file, 0, 0, "AG002", level("AG002"), "agent.yaml is a directory, not a file")
            ]
        if not stat.S_ISREG(mode):  # a FIFO or device would block or never end
            return [Issue(file, 0, 0, "AG002", level("AG002"), "agent.yaml is not a regular file")]
        raw = path.read_bytes()
    except OSError as e:
        if isinstance(e, FileNotFoundError | NotADirectoryError) and not path.is_symlink():
            return [
                Issue(
                    file,
                    0,
                    0,
                    "AG001",
                    level("AG001"),
                    "agent.yaml is missing",
                    "create it, e.g. with `skrun init --template agent`",
                )
            ]
        return [
            Issue(file, 0, 0, "AG002", level("AG002"), f"cannot read agent.yaml: {e.strerror or e}")
        ]
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        return [
            Issue(
                file,
                line,
                0,
                "AG002",
                level("AG002"),
                f"agent.yaml is not UTF-8 (byte {e.start})",
                "save it as UTF-8",
            )
        ]
    try:
        doc = load_yaml(text, file=file)
    except YamlError as e:
        return [Issue(file, e.line or 0, e.col, "AG003", level("AG003"), e.message, e.hint)]
    if not isinstance(doc.data, dict):
        got = "empty" if doc.data is None else type_name(doc.data)
        return [
            Issue(
                file,
                doc.start[0],
                doc.start[1],
                "AG004",
                level("AG004"),
                f"agent.yaml must be a mapping of fields (name, version, model, ...), not {got}",
            )
        ]
    return doc, text


# --- the schema -----------------------------------------------------------


def _schema_issues(doc: YamlDoc, text: str) -> tuple[AgentConfig | None, list[Issue]]:
    """The validated model (None if the schema refuses it) and the schema's issues."""
    from pydantic import ValidationError

    from skrun_build.checks.schema_issues import Codes, convert
    from skrun_build.formats.agent_yaml import INPUT_TAGS, AgentConfig, nested_findings

    issues: list[Issue] = []
    config: AgentConfig | None = None
    try:
        config = AgentConfig.model_validate(doc.data)
    except ValidationError as e:
        codes = Codes(
            "AG005", "AG006", "AG007", "AG008", {"legacy_tool": "AG010", "mcp_endpoint": "AG011"}
        )

        def clean(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
            # The input union adds its tag ("plain"/"file") after the index.
            if len(loc) > 2 and loc[0] == "inputs" and loc[2] in INPUT_TAGS:
                return (*loc[:2], *loc[3:])
            return loc

        def custom(kind: str, loc: tuple[str | int, ...], ctx: Any) -> tuple[str, str | None]:
            if kind == "legacy_tool":
                name = str(ctx.get("value", "name"))
                return (
                    f"{_path(loc)} is a bare string {name!r}, the pre-0.4 form; a tool is now an object",
                    f"write it as {{name: {name}, description: what it does, input_schema: {{type: object}}}}",
                )
            return (
                f"{_path(loc)} needs a url, or transport: stdio and a command",
                "add url: https://..., or transport: stdio and command: <program>",
            )

        issues += convert(
            e.errors(include_url=False),
            doc,
            codes,
            clean_loc=clean,
            top_keys=list(AgentConfig.model_fields),
            pattern_message=_pattern_message,
            custom_message=custom,
            type_hint=lambda loc, value, kind: _quote_hint(doc, text, loc, value, kind),
        )
    for kind, path, key, known in nested_findings(doc.data):
        if kind == "null":
            issues.append(
                _issue(
                    doc,
                    doc.locate(path),
                    "AG006",
                    f"{_path(path)} is null; skrun refuses null for an optional field",
                    f"give a value or leave {key} out",
                )
            )
            continue
        issues.append(
            _issue(
                doc,
                doc.locate_key(path),
                "AG009",
                f'unknown key "{key}" in {_path(path[:-1])}; skrun ignores it',
                hint_or_list(key, known, "known keys:", quote='"'),
            )
        )
    return config, issues


def _path(loc: tuple[str | int, ...]) -> str:
    from skrun_build.checks.schema_issues import field_path

    return field_path(loc)


_PATTERNS: dict[str, tuple[str, str | None]] = {
    "name": ('must be "namespace/slug" (lowercase letters, digits and -)', 'e.g. "acme/my-agent"'),
    "version": ('must be a version "MAJOR.MINOR.PATCH"', 'e.g. "1.0.0"'),
    "timeout": ('must be whole seconds like "300s"', None),
    "ttl": ('must be whole days like "30d"', None),
    "assert": (
        'must read "output.<path> <op> <value>" with op one of >= <= == != > <',
        'e.g. "output.count >= 1"',
    ),
    "base_url": ("must be an absolute URL", 'e.g. "https://api.example.com/v1"'),
    "url": ("must be an absolute URL", 'e.g. "https://mcp.example.com/sse"'),
}
_TOOL_NAME = ("must start with a letter or _ and hold only letters, digits, _ and -", None)


def _pattern_message(path: str, value: Any) -> tuple[str, str | None]:
    field = path.rsplit(".", 1)[-1]
    text, hint = (
        _TOOL_NAME
        if path.startswith("tools[")
        else _PATTERNS.get(field, ("has a bad format", None))
    )
    if field in ("timeout", "ttl") and isinstance(value, str) and value.strip().isdigit():
        hint = f'write "{value.strip()}{"d" if field == "ttl" else "s"}"'
    if field == "name" and not path.startswith("tools[") and isinstance(value, str):
        slug = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
        if "/" not in value and slug:
            hint = f'e.g. "my-namespace/{slug}"'
    from skrun_build.checks.schema_issues import show

    return f"{path} {text}, not {show(value)}", hint


def _quote_hint(
    doc: YamlDoc, text: str, loc: tuple[str | int, ...], value: Any, kind: str
) -> str | None:
    """For a YAML number/boolean/date where a string belongs: show the quoted form."""
    import datetime

    if kind != "string_type" or not loc:
        return None
    if isinstance(value, bool):
        what = "a boolean"
    elif isinstance(value, int | float):
        what = "a number"
    elif isinstance(value, datetime.date):  # datetime is a date too
        what = "a date"
    else:
        return None
    line, col = doc.locate(loc)
    lines = text.splitlines()
    raw = lines[line - 1][col - 1 :] if 0 < line <= len(lines) else str(value)
    # A number, boolean or date never holds `,`, `]` or `}`: they end it in flow style.
    raw = re.split(r"[,\]}]| #", raw, maxsplit=1)[0].strip() or str(value)
    key = str(loc[-1]) if isinstance(loc[-1], str) else None
    if key == "version" and re.fullmatch(r"[0-9]+(\.[0-9]+)?", raw):
        parts = [*raw.split("."), "0", "0"][:3]
        return (
            f"YAML reads {raw} as a number: quote it and give three parts,"
            f' version: "{".".join(parts)}"'
        )
    shown = f'{key}: "{raw}"' if key else f'"{raw}"'
    return f"YAML reads {raw} as {what}: quote it, {shown}"


# --- rules on the parsed data ---------------------------------------------


def _named(data: dict[str, Any], key: str) -> list[tuple[int, str]]:
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [
        (i, item["name"])
        for i, item in enumerate(items)
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    ]


def _duplicates(doc: YamlDoc, data: dict[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    for key, code, what in (
        ("tools", "AG012", "tool"),
        ("inputs", "AG013", "input"),
        ("outputs", "AG014", "output"),
    ):
        first: dict[str, int] = {}
        for i, name in _named(data, key):
            if name in first:
                line = doc.locate((key, first[name], "name"))[0]
                issues.append(
                    _issue(
                        doc,
                        doc.locate((key, i, "name")),
                        code,
                        f'duplicate {what} name "{name}" (first at {key}[{first[name]}], line {line})',
                        f"rename or remove one of the {what}s",
                    )
                )
            else:
                first[name] = i
    return issues


def _tool_choice(doc: YamlDoc, data: dict[str, Any]) -> list[Issue]:

    choice = data.get("tool_choice")
    if not isinstance(choice, str) or not choice or choice in BUILTIN_TOOL_CHOICES:
        return []
    names = list(dict.fromkeys(name for _, name in _named(data, "tools")))
    if choice in names:
        return []
    hint = suggestion(choice, [*names, *BUILTIN_TOOL_CHOICES], quote='"')
    if hint is None:
        hint = (
            "declared tools: "
            + (", ".join(names) if names else "none")
            + "; or use auto, required or none"
        )
    return [
        _issue(
            doc,
            doc.locate(("tool_choice",)),
            "AG015",
            f'tool_choice "{choice}" is not a declared tool',
            hint,
        )
    ]


def _dir_rules(
    dir: Path, doc: YamlDoc, data: dict[str, Any], skill: _SkillView | None
) -> list[Issue]:
    from skrun_build.checks.scripts import (
        manifest_hint,
        missing_script,
        runtime_manifest,
        script_files,
        scripts_without_manifest,
    )

    issues: list[Issue] = []
    name = data.get("name")
    skill_name = skill.frontmatter.get("name") if skill is not None else None
    if isinstance(name, str) and "/" in name and isinstance(skill_name, str):
        slug = name.partition("/")[2]
        if slug != skill_name:
            issues.append(
                _issue(
                    doc,
                    doc.locate(("name",)),
                    "AG016",
                    f'agent.yaml slug "{slug}" differs from SKILL.md name "{skill_name}"',
                    f"use the same name in both, e.g. name: {name.partition('/')[0]}/{skill_name}",
                )
            )
    tools = _named(data, "tools")
    scripts = script_files(dir)
    for i, tool in tools:
        issue = missing_script(tool, scripts.get(tool))
        if issue is not None:
            issues.append(_issue(doc, doc.locate(("tools", i, "name")), "AG017", *issue))
    if data.get("context_mode") == "persistent":
        agents = dir / "AGENTS.md"
        problem = None
        try:
            if not agents.exists():
                problem = "AGENTS.md is missing"
            elif not agents.is_file():
                problem = "AGENTS.md is not a regular file"
            elif not agents.read_text(encoding="utf-8", errors="replace").strip():
                problem = "AGENTS.md is empty"
        except OSError as e:
            problem = f"AGENTS.md cannot be read ({e.strerror or e})"
        if problem:
            issues.append(
                _issue(
                    doc,
                    doc.locate(("context_mode",)),
                    "AG018",
                    f"context_mode is persistent but {problem}",
                    "write AGENTS.md, or set context_mode: skill",
                )
            )
    if skill is not None and tools:
        issues += _unmentioned_tools(dir, doc, tools)
    manifest = runtime_manifest(dir)
    unreadable: list[tuple[Path, OSError]] = []
    for script, line, col, module, why in scripts_without_manifest(dir, unreadable):
        issues.append(
            Issue(
                str(script),
                line,
                col,
                "AG019",
                level("AG019"),
                f'{script.name} imports "{module}", which is not in the standard library, {why}',
                manifest_hint(script, manifest),
            )
        )
    for path, error in unreadable:
        issues.append(
            Issue(
                str(path),
                0,
                0,
                "AG021",
                level("AG021"),
                f"cannot read {path.name}: {error.strerror or error}; the runtime could not run"
                " it either",
                os_hint(error) or "make it readable (chmod a+r, and a+x for a folder)",
            )
        )
    return issues


def _unmentioned_tools(dir: Path, doc: YamlDoc, tools: list[tuple[int, str]]) -> list[Issue]:
    skill_md = dir / "SKILL.md"
    try:
        if not skill_md.is_file():
            return []
        text = skill_md.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    issues = []
    for i, tool in tools:
        if not re.search(rf"(?<![A-Za-z0-9_-]){re.escape(tool)}(?![A-Za-z0-9_-])", text):
            issues.append(
                _issue(
                    doc,
                    doc.locate(("tools", i, "name")),
                    "AG020",
                    f'tool "{tool}" is never mentioned in SKILL.md',
                    f"tell the model in SKILL.md when to call {tool}",
                )
            )
    return issues
