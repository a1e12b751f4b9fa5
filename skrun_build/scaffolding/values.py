"""Checks and normalisation of the values `skrun init` writes, and YAML quoting.

Every check raises `UsageError` (exit 2) naming the flag and the fix, so bad
values are reported before anything is written.
"""

from __future__ import annotations

import re

from skrun_build.checks import skill
from skrun_build.errors import UsageError
from skrun_build.formats import agent_fields
from skrun_build.formats.agent_fields import FIELD_TYPES as IO_TYPES
from skrun_build.formats.agent_fields import PROVIDERS
from skrun_build.formats.names import normalize_name
from skrun_build.suggest import hint_or_list

__all__ = [
    "IO_TYPES",
    "PROVIDERS",
    "TOOL_NAME_RE",
    "check_description",
    "check_host",
    "check_namespace",
    "check_skill_name",
    "check_tool_name",
    "default_tool_name",
    "normalize_name",
    "parse_io",
    "parse_model",
    "yaml_quote",
    "yaml_scalar",
]

# The rules themselves live in the spec modules; these are their compiled forms.
NAMESPACE_RE = re.compile(agent_fields.NAMESPACE_PATTERN)
TOOL_NAME_RE = re.compile(agent_fields.TOOL_NAME_PATTERN)
_HOST_RE = re.compile(
    r"^(\*\.)?(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:\d{1,5})?$"
)


def check_skill_name(name: str, flag: str = "--name") -> str:
    """Return `name` if the SKILL.md rules accept it, else raise UsageError with their message.

    The message is the validator's own (`SK012 name must be lowercase: ...`).
    """
    if not name:
        raise UsageError(
            f"{flag}: SK011 name is empty", hint="pass --name with lowercase letters, digits, -"
        )
    problems = skill.name_problems(name)
    if problems:
        code, message, hint = problems[0]
        raise UsageError(f"{flag}: {code} {message}", hint=hint)
    return name


def check_namespace(namespace: str) -> str:
    """Return `namespace` if it is the first half of an agent name, else raise UsageError."""
    if not NAMESPACE_RE.match(namespace):
        fixed = re.sub(r"[^a-z0-9-]+", "-", namespace.lower()).strip("-")
        hint = f'try "{fixed}"' if fixed else "use lowercase a-z, 0-9 and -"
        raise UsageError(
            f"--namespace: {namespace!r} must match {agent_fields.NAMESPACE_PATTERN}", hint=hint
        )
    return namespace


def check_tool_name(tool: str) -> str:
    """Return `tool` if it is a valid agent.yaml tool name, else raise UsageError."""
    if not TOOL_NAME_RE.match(tool):
        raise UsageError(
            f"--tool: {tool!r} must match {agent_fields.TOOL_NAME_PATTERN}",
            hint="e.g. word_count",
        )
    return tool


def default_tool_name(name: str) -> str:
    """The tool name derived from a skill name (`my-agent` -> `my_agent`)."""
    tool = name.replace("-", "_")
    return tool if TOOL_NAME_RE.match(tool) else f"tool_{tool}"


def check_description(description: str, warnings: list[str]) -> str:
    """Return `description` if the SKILL.md rules accept it; their warnings go to `warnings`."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in description):
        raise UsageError(
            "--description: not valid Unicode text (undecodable bytes)",
            hint="pass UTF-8 text, or set a UTF-8 locale (LANG=C.UTF-8)",
        )
    for code, message, hint in skill.description_problems(description):
        if skill.RULES[code][0] == "error":
            raise UsageError(f"--description: {code} {message}", hint=hint)
        warnings.append(
            f"--description: {code} {message} ({hint}; `skrun validate --strict` fails on it)"
        )
    return description


def parse_model(model: str) -> tuple[str, str]:
    """Split `provider/name` and check the provider; raise UsageError if malformed."""
    provider, sep, name = model.partition("/")
    if not sep or not provider or not name.strip():
        raise UsageError(
            f"--model: {model!r} must be provider/name", hint="e.g. anthropic/claude-sonnet-4-5"
        )
    if provider not in PROVIDERS:
        hint = hint_or_list(provider.lower(), PROVIDERS, "one of")
        raise UsageError(f"--model: unknown provider {provider!r}", hint=hint)
    if any(ch.isspace() or ord(ch) < 0x20 for ch in name):
        raise UsageError(
            f"--model: model name {name!r} contains whitespace",
            hint="write the name as the provider spells it, e.g. claude-sonnet-4-5",
        )
    return provider, name


def parse_io(spec: str, flag: str) -> tuple[str, str]:
    """Parse `name:type` for --input/--output; raise UsageError if malformed."""
    name, _sep, kind = spec.partition(":")
    kind = kind.strip() or "string"
    name = name.strip()
    if not name or not re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", name):
        raise UsageError(f"{flag}: {spec!r} must be name:type", hint="e.g. question:string")
    if kind not in IO_TYPES:
        hint = hint_or_list(kind, IO_TYPES, "one of")
        raise UsageError(f"{flag}: unknown type {kind!r} in {spec!r}", hint=hint)
    return name, kind


def check_host(host: str) -> str:
    """Return `host` if it is a host name (optionally `*.` wildcard and :port)."""
    if not _HOST_RE.match(host):
        raise UsageError(
            f"--allowed-host: {host!r} is not a host name", hint="e.g. api.example.com"
        )
    return host.lower()


def yaml_quote(text: str) -> str:
    """`text` as a YAML double-quoted scalar that loads back to exactly `text`."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif (
            code < 0x20
            or 0x7F <= code <= 0x9F
            or code in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)
            or 0xD800 <= code <= 0xDFFF
        ):
            # YAML's printable set excludes these; line separators would fold.
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_PLAIN_SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9_./-]*$")
_YAML_RESERVED = re.compile(
    r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL|\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN)$"
)


def yaml_scalar(text: str) -> str:
    """`text` plain when YAML reads it back as the same string, else double-quoted.

    "The same string" under both readings: the YAML 1.2 core schema Skrun v0.7.0 reads
    with (`yaml_schema.plain_value`: `0o17`, `1e3`, `0x1F`, `.inf`, `null` are not
    strings there) and YAML 1.1 (`yes`, `on`, `1:30`), so any client reads a string.
    """
    from skrun_build.formats.yaml_schema import plain_value

    if (
        _PLAIN_SAFE.match(text)
        and not _YAML_RESERVED.match(text)
        and isinstance(plain_value(text), str)
    ):
        return text
    return yaml_quote(text)
