"""agent.yaml (the Skrun runtime config) as pydantic v2 models, no I/O.

Every field, type, default and rule of skrun-dev's zod schema (v0.7.0), with
strict types: YAML `version: 1.0` is a float and is refused, never coerced.
The top level forbids unknown keys (as skrun-dev does); nested models ignore
them here and `unknown_keys()` lists them so the checker can warn (skrun-dev
drops them silently). Checks that need the agent directory live in
`skrun_build.checks.agent`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from skrun_build.formats.agent_fields import (
    NAME_PATTERN,
    TOOL_NAME_PATTERN,
    VERSION_PATTERN,
    FieldType,
    Provider,
)

URL_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*$"
TIMEOUT_PATTERN = r"^[0-9]+s$"
TTL_PATTERN = r"^[0-9]+d$"
ASSERT_PATTERN = r"^output(\.[A-Za-z0-9_-]+|\[[0-9]+\])+\s*(>=|<=|==|!=|>|<)\s*\S.*$"

NonEmpty = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    # strict: no str<->number coercion; extra keys ignored here and reported by unknown_keys().
    # defer_build: the schemas are built on first use, so importing costs little.
    model_config = ConfigDict(strict=True, extra="ignore", defer_build=True)


class Fallback(_Model):
    """The model used when the primary one fails."""

    provider: Provider = Field(description="LLM provider of the fallback model.")
    name: NonEmpty = Field(description="Model name at the provider.")


class Model(_Model):
    """Which LLM runs the agent."""

    provider: Provider = Field(description="LLM provider.")
    name: NonEmpty = Field(description="Model name at the provider, e.g. gpt-4o.")
    temperature: Annotated[float, Field(ge=0, le=2)] | None = Field(
        None, description="Sampling temperature, 0 to 2."
    )
    base_url: Annotated[str, Field(pattern=URL_PATTERN)] | None = Field(
        None, description="Custom API endpoint (an absolute URL)."
    )
    fallback: Fallback | None = Field(None, description="Model to use when this one fails.")


class InputSchema(BaseModel):
    """JSON Schema of a tool's arguments; keys beyond the listed ones are kept."""

    model_config = ConfigDict(strict=True, extra="allow", defer_build=True)

    type: Literal["object"] = Field(description='Always "object".')
    properties: dict[str, Any] = Field(
        default_factory=dict, description="JSON Schema of each argument."
    )
    required: list[str] | None = Field(None, description="Names of the required arguments.")
    additionalProperties: bool | None = Field(
        None, description="Whether arguments beyond `properties` are allowed."
    )


class Tool(_Model):
    """A tool the model may call; the runtime runs `scripts/<name>.<ext>`."""

    name: Annotated[str, Field(min_length=1, pattern=TOOL_NAME_PATTERN)] = Field(
        description="Tool name; also the script name in scripts/."
    )
    description: NonEmpty = Field(description="What the tool does, shown to the model.")
    input_schema: InputSchema = Field(description="JSON Schema of the tool's arguments.")
    required: bool = Field(False, description="Whether the model must call this tool.")

    @model_validator(mode="before")
    @classmethod
    def _not_a_bare_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise PydanticCustomError(
                "legacy_tool", "a bare string tool is the pre-0.4 form", {"value": data}
            )
        return data


class McpServer(_Model):
    """An MCP server whose tools the agent may use."""

    name: NonEmpty = Field(description="Server name.")
    url: Annotated[str, Field(pattern=URL_PATTERN)] | None = Field(
        None, description="URL of a remote server (sse or streamable-http)."
    )
    transport: Literal["stdio", "sse", "streamable-http"] | None = Field(
        None, description="How to talk to the server."
    )
    command: NonEmpty | None = Field(None, description="Command that starts a stdio server.")
    args: list[str] | None = Field(None, description="Arguments of `command`.")
    auth: Literal["none", "api_key", "oauth2"] = Field("none", description="Authentication.")

    @model_validator(mode="after")
    def _reachable(self) -> McpServer:
        if self.url is None and not (self.transport == "stdio" and self.command):
            raise PydanticCustomError(
                "mcp_endpoint", "an MCP server needs a url, or transport: stdio and a command"
            )
        return self


class PlainInput(_Model):
    """An input of a JSON type."""

    name: NonEmpty = Field(description="Input name.")
    type: FieldType = Field(description="JSON type of the value.")
    required: bool = Field(True, description="Whether the caller must give it.")
    description: str | None = Field(None, description="What the input is.")
    default: Any = Field(None, description="Value used when the caller gives none.")


class FileInput(_Model):
    """An input that is an uploaded file."""

    name: NonEmpty = Field(description="Input name.")
    type: Literal["file"] = Field(description='Always "file".')
    media: Literal["image", "document", "audio"] = Field(description="Kind of file.")
    mime_types: list[NonEmpty] | None = Field(None, description="Accepted MIME types.")
    max_size: Annotated[int, Field(gt=0)] | None = Field(
        None, description="Largest accepted file, in bytes."
    )
    max_count: Annotated[int, Field(gt=0)] = Field(1, description="How many files at most.")
    required: bool = Field(True, description="Whether the caller must give it.")
    description: str | None = Field(None, description="What the input is.")


def _input_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return "file" if kind == "file" else "plain"


Input = Annotated[
    Annotated[PlainInput, Tag("plain")] | Annotated[FileInput, Tag("file")],
    Discriminator(_input_tag),
]
INPUT_TAGS = ("plain", "file")


class Output(_Model):
    """A value the agent returns."""

    name: NonEmpty = Field(description="Output name.")
    type: FieldType = Field(description="JSON type of the value.")
    description: str | None = Field(None, description="What the output is.")


class Networking(_Model):
    """Network access of the agent's scripts."""

    allowed_hosts: list[str] = Field(default_factory=list, description="Hosts scripts may reach.")


class Environment(_Model):
    """Sandbox, limits and secrets of a run."""

    networking: Networking = Field(default_factory=Networking, description="Network access.")
    filesystem: Literal["none", "read-only", "read-write"] = Field(
        "read-only", description="File system access of scripts."
    )
    secrets: list[str] = Field(default_factory=list, description="Names of secrets to inject.")
    timeout: Annotated[str, Field(pattern=TIMEOUT_PATTERN)] = Field(
        "300s", description='Run time limit in seconds, e.g. "300s".'
    )
    max_cost: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="Largest cost of one run."
    )
    sandbox: Literal["strict", "permissive"] = Field("strict", description="Sandbox mode.")


class State(_Model):
    """Persistent state kept between runs."""

    type: Literal["kv", "none"] = Field("kv", description="State store.")
    ttl: Annotated[str, Field(pattern=TTL_PATTERN)] = Field(
        "30d", description='How long state is kept, in days, e.g. "30d".'
    )


class TestCase(_Model):
    """A test run by `skrun test`: an input and an assertion on the output."""

    __test__ = False  # not a pytest class

    name: NonEmpty = Field(description="Test name.")
    input: dict[str, Any] = Field(description="Input values of the run.")
    assert_: Annotated[str, Field(pattern=ASSERT_PATTERN)] = Field(
        alias="assert",
        description='Assertion "output.<path> <op> <value>", op one of >= <= == != > <.',
    )


class AgentConfig(_Model):
    """The whole agent.yaml."""

    model_config = ConfigDict(strict=True, extra="forbid", defer_build=True, title="agent.yaml")

    name: Annotated[str, Field(pattern=NAME_PATTERN)] = Field(
        description='"namespace/slug", lowercase letters, digits and hyphens.'
    )
    version: Annotated[str, Field(pattern=VERSION_PATTERN)] = Field(
        description='Semantic version "MAJOR.MINOR.PATCH" (quote it).'
    )
    model: Model = Field(description="Which LLM runs the agent.")
    tools: list[Tool] = Field(default_factory=list, description="Tools backed by scripts/.")
    mcp_servers: list[McpServer] = Field(default_factory=list, description="MCP servers.")
    tool_choice: NonEmpty = Field(
        "auto", description="auto, required, none, or the name of a declared tool."
    )
    parallel_tools: bool = Field(True, description="Whether tools may run in parallel.")
    inputs: Annotated[list[Input], Field(min_length=1)] = Field(
        description="What the caller gives (at least one)."
    )
    outputs: Annotated[list[Output], Field(min_length=1)] = Field(
        description="What the agent returns (at least one)."
    )
    environment: Environment = Field(
        default_factory=Environment, description="Sandbox, limits and secrets."
    )
    context_mode: Literal["skill", "persistent"] = Field(
        "skill", description="persistent adds AGENTS.md to every run (it must exist)."
    )
    state: State = Field(default_factory=State, description="State kept between runs.")
    tests: list[TestCase] = Field(default_factory=list, description="Tests of the agent.")

    @property
    def slug(self) -> str:
        """The part of `name` after the namespace."""
        return self.name.partition("/")[2]

    def snapshot(self) -> dict[str, Any]:
        """The JSON-ready config with every default applied; same agent.yaml, same dict."""
        result = _json(self)
        assert isinstance(result, dict)
        return result


def _json(value: Any) -> Any:
    """Plain JSON data of a model tree: aliases as keys, unset `None` optionals left out."""
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        fields = type(value).model_fields
        for name, info in fields.items():
            item = getattr(value, name)
            if item is None and name not in value.model_fields_set:
                continue
            out[info.alias or name] = _json(item)
        for key, item in (value.__pydantic_extra__ or {}).items():
            out[key] = _json(item)
        return out
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, _dt.date | _dt.datetime):
        # YAML types `2024-01-02` as a date; JSON has none, so keep ISO text.
        return value.isoformat()
    return value


# --- keys the models do not judge: unknown keys, explicit nulls -------------

UnknownKey = tuple[tuple[str | int, ...], str, list[str]]
Finding = tuple[Literal["unknown", "null"], tuple[str | int, ...], str, list[str]]


def unknown_keys(data: Any) -> Iterator[UnknownKey]:
    """(path of the key, key, known keys there) for every unknown key below the top level.

    The top level is left out: the model forbids unknown keys there itself.
    """
    for kind, path, key, known in nested_findings(data):
        if kind == "unknown":
            yield path, key, known


def nested_findings(data: Any) -> Iterator[Finding]:
    """Unknown keys and explicit nulls of optional fields, in document order."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key in AgentConfig.model_fields:
            yield from _walk(_CHILDREN.get(key), value, (str(key),))


# Which model (or list of models) each field holds; None = free-form (not checked).
_Shape = type[BaseModel] | tuple[Literal["list"], "_Shape"] | Literal["input"] | None

_CHILDREN: dict[str, _Shape] = {
    "model": Model,
    "tools": ("list", Tool),
    "mcp_servers": ("list", McpServer),
    "inputs": ("list", "input"),
    "outputs": ("list", Output),
    "environment": Environment,
    "state": State,
    "tests": ("list", TestCase),
}
_NESTED: dict[tuple[type[BaseModel], str], _Shape] = {
    (Model, "fallback"): Fallback,
    (Environment, "networking"): Networking,
}


def _walk(shape: _Shape, value: Any, path: tuple[str | int, ...]) -> Iterator[Finding]:
    if shape is None:
        return
    if isinstance(shape, tuple):
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _walk(shape[1], item, (*path, i))
        return
    if shape == "input":
        shape = FileInput if _input_tag(value) == "file" else PlainInput
    if not isinstance(value, dict) or not isinstance(shape, type):
        return
    fields = {info.alias or name: (name, info) for name, info in shape.model_fields.items()}
    known = list(fields)
    for key, item in value.items():
        if key not in fields:
            yield "unknown", (*path, str(key)), str(key), known
            continue
        name, info = fields[key]
        if item is None and info.default is None and name != "default":
            yield "null", (*path, str(key)), str(key), known
        yield from _walk(_NESTED.get((shape, name)), item, (*path, str(key)))
