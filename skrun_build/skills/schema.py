"""The input/output JSON Schemas a skill declares (`schema.input`, `schema.output`), applied.

The lhwzds/skrun runtime declares these schemas but never applies them; we validate
the input before the entry runs and the output after. Validation is the `jsonschema`
package (draft 2020-12 unless the schema's `$schema` names another draft), imported
only here, when a skill with a schema runs, so `skrun --help` and `skrun validate`
never pay for it. Remote `$ref`s are not fetched (a skill runs offline).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from skrun_build.errors import SkillError, os_hint

_LOCK = threading.Lock()


class CompiledSchema:
    """One schema file, checked once, ready to validate values (thread-safe)."""

    def __init__(self, file: Path, shown: str) -> None:
        self.file = file
        self.shown = shown  # the path as artifact.json names it, for messages
        data = _load(file, shown)
        self._object_only = _object_only(data)
        if self._object_only:
            return  # "any object" (what `skill new` writes): no need to import jsonschema
        with _LOCK:  # jsonschema's lazy imports are not safe to race on first use
            from jsonschema import Draft202012Validator, SchemaError
            from jsonschema.validators import validator_for

            cls: Any = validator_for(data, default=Draft202012Validator)
            try:
                cls.check_schema(data)
            except SchemaError as e:
                where = e.json_path if hasattr(e, "json_path") else "$"
                raise SkillError(
                    f"{where}: not a valid JSON Schema: {e.message}",
                    path=shown,
                    hint="fix the schema (see https://json-schema.org)",
                ) from None
            self._validator = cls(data)

    def problems(self, value: Any) -> list[tuple[str, str]]:
        """(JSON path, message) of each way `value` breaks the schema, most relevant first."""
        if self._object_only:
            # jsonschema's own wording for this one failure
            return [] if isinstance(value, dict) else [("$", f"{value!r} is not of type 'object'")]
        from jsonschema.exceptions import relevance

        errors = sorted(self._validator.iter_errors(value), key=relevance, reverse=True)
        return [(e.json_path, e.message) for e in errors]

    def check(self, value: Any, *, what: str) -> str | None:
        """None, or the located message: `input.json: $.count: 'x' is not of type ...`."""
        found = self.problems(value)
        if not found:
            return None
        path, message = found[0]
        more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
        return f"{what}: {path}: {message}{more} ({self.shown})"


def _object_only(schema: Any) -> bool:
    """Whether `schema` says only "a JSON object, any keys" (plus annotations)."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return False
    if schema.get("additionalProperties", True) is not True:
        return False
    annotations = {"$schema", "$id", "$comment", "title", "description", "examples"}
    if any(not isinstance(schema[k], str) for k in ("$schema", "$id") if k in schema):
        return False
    return set(schema) <= annotations | {"type", "additionalProperties"}


def parse_json(text: str) -> Any:
    """Plain `json.loads`, refusing duplicate keys and NaN; ValueError on anything odd."""
    import json

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            raise ValueError("duplicate key")
        return out

    def constant(name: str) -> Any:
        raise ValueError(name)

    if text.count("[") + text.count("{") > 127:
        # Refused at serde_json's depth on every Python (a JsonError is a ValueError);
        # imported only then: jsonloc pulls in PyYAML, which `skrun skill run` avoids.
        from skrun_build.formats.jsonloc import check_depth

        check_depth(text)
    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def _load(file: Path, shown: str) -> Any:

    try:
        text = file.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        raise SkillError(
            "the schema file is missing", path=shown, hint="add it, or drop it from artifact.json"
        ) from None
    except OSError as e:
        raise SkillError(f"cannot read: {e.strerror}", path=shown, hint=os_hint(e)) from e
    except UnicodeDecodeError as e:
        raise SkillError(f"not UTF-8 (byte {e.start})", path=shown, hint="save it as UTF-8") from e
    try:
        return parse_json(text)
    except ValueError:
        pass  # the located loader says where (and accepts nothing json.loads refused)
    from skrun_build.formats.jsonloc import JsonError, load_json

    try:
        return load_json(text, file=shown).data
    except JsonError as e:
        raise SkillError(e.message, path=shown, line=e.line, hint=e.hint) from e
