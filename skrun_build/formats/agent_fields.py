"""agent.yaml value rules shared by the pydantic models and `skrun init`, without pydantic.

`skrun_build.formats.agent_yaml` builds its models from these; the scaffolder checks flag
values with them before writing anything, and must not pay for importing pydantic.
"""

from __future__ import annotations

from typing import Literal, get_args

# `namespace/slug`: each half is lowercase a-z, 0-9 and '-'.
SEGMENT_PATTERN = r"[a-z0-9-]+"
NAMESPACE_PATTERN = rf"^{SEGMENT_PATTERN}$"
NAME_PATTERN = rf"^{SEGMENT_PATTERN}/{SEGMENT_PATTERN}$"
VERSION_PATTERN = r"^[0-9]+\.[0-9]+\.[0-9]+$"
TOOL_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_-]*$"
# tool_choice: one of these, or the name of a declared tool.
BUILTIN_TOOL_CHOICES = ("auto", "required", "none")

Provider = Literal["anthropic", "openai", "google", "mistral", "groq", "xai", "meta"]
FieldType = Literal["string", "number", "boolean", "object", "array"]
PROVIDERS: tuple[str, ...] = get_args(Provider)
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
