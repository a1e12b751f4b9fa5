"""JSON Schemas (draft 2020-12) of SKILL.md frontmatter, agent.yaml and artifact.json.

For editors (yaml-language-server: `# yaml-language-server: $schema=...`). The
agent and artifact schemas come from the pydantic models, cleaned for editors:
optional fields do not offer `null` (skrun refuses it), property titles are
dropped in favour of descriptions, and rules the models check in code (an MCP
server needs a url or a stdio command) are added as schema keywords. The skill
schema is written out by hand from the Agent Skills spec so that it needs no
pydantic; it allows extra keys, as the spec does. `render_schema`/`write_schema`
turn a schema into the text `skrun schema` prints or writes (atomically).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from skrun_build.errors import SkrunError, UsageError, os_hint
from skrun_build.fsutil import write_atomic

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SchemaKind = Literal["skill", "agent", "artifact"]
KINDS: tuple[SchemaKind, ...] = ("skill", "agent", "artifact")

SKILL_SCHEMA: dict[str, Any] = {
    "$schema": DRAFT,
    "title": "SKILL.md frontmatter",
    "description": "YAML frontmatter of an Agent Skill (agentskills.io specification).",
    "type": "object",
    "required": ["name", "description"],
    "properties": {
        "name": {
            "type": "string",
            "description": "1-64 lowercase letters, digits and hyphens; no leading, trailing or"
            " double hyphen; equal to the skill's directory name.",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
        },
        "description": {
            "type": "string",
            "description": "What the skill does and when to use it (1-1024 characters).",
            "minLength": 1,
            "maxLength": 1024,
            "pattern": "\\S",
        },
        "license": {
            "type": "string",
            "description": "License name or the name of a bundled license file.",
        },
        "compatibility": {
            "type": "string",
            "description": "Environment requirements (1-500 characters).",
            "minLength": 1,
            "maxLength": 500,
        },
        "metadata": {
            "type": "object",
            "description": "Extra properties: string keys to string values.",
            "additionalProperties": {"type": "string"},
        },
        "allowed-tools": {
            "type": "string",
            "description": "Space-separated tools the skill may use, e.g. `Bash(git:*) Read`"
            " (experimental).",
        },
    },
    "additionalProperties": True,
}


def json_schema(kind: SchemaKind) -> dict[str, Any]:
    """The JSON Schema of `kind` as a fresh dict."""
    if kind == "skill":
        import copy

        return copy.deepcopy(SKILL_SCHEMA)
    if kind == "agent":
        from skrun_build.formats.agent_yaml import AgentConfig

        schema = AgentConfig.model_json_schema(by_alias=True)
        description = "Skrun runtime configuration of an agent (skrun-dev agent.yaml)."
    else:
        from skrun_build.formats.artifact_json import Artifact

        schema = Artifact.model_json_schema(by_alias=True)
        description = "Manifest of an executable skill (skrun runtime artifact.json)."
    schema = _clean(schema)
    mcp = schema.get("$defs", {}).get("McpServer")
    if mcp is not None:
        mcp["anyOf"] = [
            {"required": ["url"]},
            {"properties": {"transport": {"const": "stdio"}}, "required": ["transport", "command"]},
        ]
    schema.pop("description", None)
    return {"$schema": DRAFT, "title": schema.pop("title"), "description": description, **schema}


def _clean(node: Any, *, in_properties: bool = False) -> Any:
    """Drop null branches of optionals and property titles, recursively."""
    if isinstance(node, list):
        return [_clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    branches = node.get("anyOf")
    if (
        isinstance(branches, list)
        and {"type": "null"} in branches
        and node.get("default", 0) is None
    ):
        rest = [b for b in branches if b != {"type": "null"}]
        node = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
        if len(rest) == 1:
            node = {**rest[0], **node}
        else:
            node["anyOf"] = rest
    for key, value in node.items():
        if (key == "title" and in_properties) or (key == "default" and value is None):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _clean(sub, in_properties=True) for name, sub in value.items()}
        else:
            out[key] = _clean(value)
    return out


def render_schema(kind: str) -> str:
    """The schema of `kind` as indented JSON text ending in a newline."""
    for known in KINDS:
        if known == kind:
            return json.dumps(json_schema(known), indent=2, ensure_ascii=False) + "\n"
    raise UsageError(f"unknown schema {kind!r}; choose one of {', '.join(KINDS)}")


def write_schema(kind: str, path: Path) -> None:
    """Write the schema of `kind` to `path` atomically."""
    data = render_schema(kind).encode("utf-8")
    try:
        write_atomic(path, data)
    except OSError as e:
        hint = os_hint(
            e, ENOENT="create the directory first", default="pick a path you can write to"
        )
        raise SkrunError(f"cannot write {path}: {e.strerror or e}", hint=hint) from e
