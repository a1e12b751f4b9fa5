"""Checks and normalisation of the values `skrun init` writes, and YAML quoting.

Every check raises `UsageError` (exit 2) naming the flag and the fix, so bad
values are reported before anything is written.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from skrun_build.errors import UsageError

# SPEC-NOTES §1/§2: ASCII skill names, `namespace/slug` agent names, provider list.
SKILL_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAMESPACE_RE = re.compile(r"^[a-z0-9-]+$")
TOOL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]*$")
PROVIDERS = ("anthropic", "openai", "google", "mistral", "groq", "xai", "meta")
IO_TYPES = ("string", "number", "boolean", "object", "array")
MAX_NAME = 64
MAX_DESCRIPTION = 1024
_HOST_RE = re.compile(
    r"^(\*\.)?(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:\d{1,5})?$"
)


def did_you_mean(value: str, choices: Iterable[str]) -> str | None:
    """`did you mean 'x'?` for the closest choice, or None."""
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else None


def normalize_name(text: str) -> str:
    """A valid skill name made from free text (a directory name): lowercase, dashes."""
    import unicodedata

    # Drop accents rather than whole letters: "Über" -> "uber", not "ber".
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_NAME].rstrip("-")


def check_skill_name(name: str, flag: str = "--name") -> str:
    """Return `name` if it is a valid skill name, else raise UsageError with a suggestion."""
    if not name:
        raise UsageError(
            f"{flag}: the name is empty", hint="pass --name with lowercase letters, digits, -"
        )
    if len(name) > MAX_NAME:
        raise UsageError(f"{flag}: {name!r} is longer than {MAX_NAME} characters")
    if not SKILL_NAME_RE.match(name):
        fixed = normalize_name(name)
        hint = f'try "{fixed}"' if fixed else "use lowercase a-z, 0-9 and single dashes"
        raise UsageError(
            f"{flag}: {name!r} must be lowercase a-z, 0-9 and single inner dashes", hint=hint
        )
    return name


def check_namespace(namespace: str) -> str:
    """Return `namespace` if it matches `^[a-z0-9-]+$`, else raise UsageError."""
    if not NAMESPACE_RE.match(namespace):
        fixed = re.sub(r"[^a-z0-9-]+", "-", namespace.lower()).strip("-")
        hint = f'try "{fixed}"' if fixed else "use lowercase a-z, 0-9 and -"
        raise UsageError(f"--namespace: {namespace!r} must match ^[a-z0-9-]+$", hint=hint)
    return namespace


def check_tool_name(tool: str) -> str:
    """Return `tool` if it is a valid agent.yaml tool name, else raise UsageError."""
    if not TOOL_NAME_RE.match(tool):
        raise UsageError(
            f"--tool: {tool!r} must match ^[a-zA-Z_][a-zA-Z0-9_-]*$",
            hint="e.g. word_count",
        )
    return tool


def default_tool_name(name: str) -> str:
    """The tool name derived from a skill name (`my-agent` -> `my_agent`)."""
    tool = name.replace("-", "_")
    return tool if TOOL_NAME_RE.match(tool) else f"tool_{tool}"


def check_description(description: str, warnings: list[str]) -> str:
    """Return `description` if the spec allows it; portability problems go to `warnings`."""
    if not description.strip():
        raise UsageError("--description: the description is empty", hint="say what it does")
    if len(description) > MAX_DESCRIPTION:
        raise UsageError(
            f"--description: {len(description)} characters, the limit is {MAX_DESCRIPTION}"
        )
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in description):
        raise UsageError("--description: not valid Unicode text (undecodable bytes)")
    if "<" in description or ">" in description:
        warnings.append(
            "the description contains '<' or '>', which some hosts reject "
            "(`skrun validate --strict` fails on it)"
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
        hint = did_you_mean(provider.lower(), PROVIDERS) or "one of " + ", ".join(PROVIDERS)
        raise UsageError(f"--model: unknown provider {provider!r}", hint=hint)
    if any(ch.isspace() or ord(ch) < 0x20 for ch in name):
        raise UsageError(f"--model: model name {name!r} contains whitespace")
    return provider, name


def parse_io(spec: str, flag: str) -> tuple[str, str]:
    """Parse `name:type` for --input/--output; raise UsageError if malformed."""
    name, _sep, kind = spec.partition(":")
    kind = kind.strip() or "string"
    name = name.strip()
    if not name or not re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", name):
        raise UsageError(f"{flag}: {spec!r} must be name:type", hint="e.g. question:string")
    if kind not in IO_TYPES:
        hint = did_you_mean(kind, IO_TYPES) or "one of " + ", ".join(IO_TYPES)
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
    """`text` plain when YAML reads it back as the same string, else double-quoted."""
    if _PLAIN_SAFE.match(text) and not _YAML_RESERVED.match(text):
        return text
    return yaml_quote(text)
