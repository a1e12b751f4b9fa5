"""artifact.json (executable skills of the lhwzds/skrun runtime) as pydantic v2 models, no I/O.

The runtime reads it with serde: unknown keys are ignored (the checker warns
about them), `protocol` and `schema` may be left out. Paths are relative and may
not leave the skill directory; whether they exist is checked in
`skrun_build.checks.artifact`.
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"


def path_problem(value: str) -> str | None:
    """ "path_absolute", "path_escape" or None: the runtime's rule for entry and schema paths."""
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute():
        return "path_absolute"
    if ".." in PurePosixPath(value.replace("\\", "/")).parts:
        return "path_escape"
    return None


def _relative_inside(value: str) -> str:
    problem = path_problem(value)
    if problem == "path_absolute":
        raise PydanticCustomError("path_absolute", "must be a relative path")
    if problem == "path_escape":
        raise PydanticCustomError("path_escape", "must not leave the skill directory")
    return value


RelPath = Annotated[str, Field(min_length=1), AfterValidator(_relative_inside)]


def _exact_int(value: Any) -> Any:
    # Literal[1] would take true and 1.0 (they equal 1); serde's u32 takes neither.
    if type(value) is not int:
        raise PydanticCustomError("int_type", "must be an integer")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", defer_build=True)


class Protocol(_Model):
    """How the runtime talks to the entry: one JSON value in, one JSON object out."""

    transport: Literal["stdio-json"] = Field("stdio-json", description="Always stdio-json.")
    input: Literal["single-json-value"] = Field(
        "single-json-value", description="stdin gets one JSON value."
    )
    output: Literal["single-json-value"] = Field(
        "single-json-value", description="stdout returns one JSON object."
    )


class Schemas(_Model):
    """Paths of the JSON Schemas of the input and output."""

    input: RelPath | None = Field(None, description="JSON Schema of the input, relative path.")
    output: RelPath | None = Field(None, description="JSON Schema of the output, relative path.")


class Source(_Model):
    """Where the skill was built from."""

    type: Annotated[str, Field(min_length=1)] = Field(description='Source kind, e.g. "git".')
    ref: str | None = Field(None, description="Reference inside the source.")


class Artifact(_Model):
    """The whole artifact.json."""

    model_config = ConfigDict(strict=True, extra="ignore", defer_build=True, title="artifact.json")

    schema_version: Annotated[Literal[1], BeforeValidator(_exact_int)] = Field(
        description="Always 1."
    )
    kind: Literal["rust_binary", "python_uv", "markdown"] = Field(description="How the entry runs.")
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(
        description="ASCII letters, digits, - and _, starting with a letter or digit."
    )
    name: Annotated[str, Field(min_length=1)] = Field(description="Display name.")
    version: Annotated[str, Field(min_length=1)] = Field(description="Skill version.")
    entry: RelPath = Field(description="Executable or script, relative to the skill dir.")
    protocol: Protocol = Field(default_factory=Protocol, description="I/O protocol.")
    description: str | None = Field(None, description="What the skill does.")
    tags: list[str] | None = Field(None, description="Search tags.")
    schema_: Schemas | None = Field(None, alias="schema", description="Input/output schemas.")
    source: Source | None = Field(None, description="Where the skill was built from.")


def unknown_artifact_keys(data: Any) -> list[tuple[tuple[str, ...], str, list[str]]]:
    """(path, key, known keys there) for every key the runtime would ignore."""
    found: list[tuple[tuple[str, ...], str, list[str]]] = []
    if not isinstance(data, dict):
        return found
    shapes: list[tuple[tuple[str, ...], Any, type[BaseModel]]] = [((), data, Artifact)]
    subs: tuple[tuple[str, type[BaseModel]], ...] = (
        ("protocol", Protocol),
        ("schema", Schemas),
        ("source", Source),
    )
    for sub, sub_model in subs:
        if isinstance(data.get(sub), dict):
            shapes.append(((sub,), data[sub], sub_model))
    for path, value, model in shapes:
        known = [info.alias or name for name, info in model.model_fields.items()]
        for key in value:
            if key not in known:
                found.append(((*path, str(key)), str(key), known))
    return found
