"""Turn pydantic validation errors into located, readable `Issue`s.

Shared by the agent.yaml and artifact.json checks: every error keeps its field
path (`tools[1].name`), points at `file:line:col` through the document's
positions, and says what is expected in words rather than pydantic's phrasing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from skrun_build.checks.codes import level
from skrun_build.formats.names import type_name
from skrun_build.formats.yaml import YamlDoc
from skrun_build.issues import Issue
from skrun_build.suggest import hint as suggestion
from skrun_build.suggest import hint_or_list

Loc = tuple[str | int, ...]

_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "literal_error": None,  # handled apart: "one of ..."
}


@dataclass(frozen=True, slots=True)
class Codes:
    """Which code each kind of schema error gets in one file format."""

    missing: str
    wrong_type: str
    invalid: str
    unknown_top: str
    custom: Mapping[str, str]


def field_path(loc: Sequence[str | int]) -> str:
    """`tools[1].input_schema.type` from a location tuple."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text or "the top level"


def show(value: Any) -> str:
    """A short JSON-ish rendering of a bad value for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def convert(
    errors: Iterable[Mapping[str, Any]],
    doc: YamlDoc,
    codes: Codes,
    *,
    clean_loc: Callable[[Loc], Loc] = lambda loc: loc,
    top_keys: Sequence[str] = (),
    pattern_message: Callable[[str, Any], tuple[str, str | None]] | None = None,
    custom_message: Callable[[str, Loc, Mapping[str, Any]], tuple[str, str | None]] | None = None,
    type_hint: Callable[[Loc, Any, str], str | None] | None = None,
) -> list[Issue]:
    """One `Issue` per pydantic error dict, located in `doc`."""
    issues: list[Issue] = []
    for err in errors:
        kind = str(err["type"])
        raw_loc: Loc = tuple(err["loc"])
        is_key = "[key]" in raw_loc or kind == "invalid_key"
        loc = clean_loc(tuple(p for p in raw_loc if p != "[key]"))
        path = field_path(loc)
        value: Any = err.get("input")
        if kind == "invalid_key" and loc:
            value = loc[-1]  # pydantic gives the whole mapping as input here
        ctx: Mapping[str, Any] = err.get("ctx") or {}
        hint: str | None = None
        line, col = doc.locate_key(loc) if is_key else doc.locate(loc)
        if is_key and loc:
            # A mapping key that YAML typed as a number is recorded under its text.
            pos = doc.positions.get((*loc[:-1], str(loc[-1])))
            if pos is not None:
                line, col = pos.key_line, pos.key_col
        if kind == "missing":
            code = codes.missing
            message = f'missing required field "{path}"'
            line, col = doc.locate(loc)
        elif kind == "extra_forbidden":
            code = codes.unknown_top
            key = str(loc[-1])
            message = f'unknown key "{key}"'
            hint = hint_or_list(key, top_keys, "allowed keys:", quote='"')
            line, col = doc.locate_key(loc)
        elif kind in codes.custom:
            code = codes.custom[kind]
            if custom_message is not None:
                message, hint = custom_message(kind, loc, ctx)
            else:
                message = f"{path} {err['msg']}"
        elif is_key:
            code = codes.wrong_type
            message = (
                f"{field_path(loc[:-1])} has the key {show(value)}, which must be"
                f" {_TYPE_WORDS.get(kind) or 'a string'}, not {type_name(value)}"
            )
            hint = f'quote it: "{value}"'
        elif kind in _TYPE_WORDS and kind != "literal_error":
            code = codes.wrong_type
            message = f"{path} must be {_TYPE_WORDS[kind]}, not {type_name(value)}"
            if type_hint is not None:
                hint = type_hint(loc, value, kind)
        elif kind == "literal_error":
            code = codes.invalid
            expected = str(ctx.get("expected", "")).replace("'", '"')
            if not isinstance(value, str | int) or isinstance(value, bool):
                code = codes.wrong_type
            message = f"{path} must be {expected}, not {show(value)}"
            if isinstance(value, str):
                choices = [c.strip().strip('"') for c in expected.replace(" or ", ", ").split(",")]
                hint = suggestion(value, choices, quote='"')
        elif kind == "string_pattern_mismatch" and pattern_message is not None:
            code = codes.invalid
            message, hint = pattern_message(path, value)
        elif kind == "string_unicode":
            # pydantic's "unable to parse raw data as a unicode string": a lone surrogate.
            code = codes.wrong_type
            message = f"{path} must be Unicode text; it holds a lone surrogate"
            hint = "write the character itself (a whole surrogate pair, not half of one)"
        elif kind == "string_too_short":
            code = codes.invalid
            message = f"{path} must not be empty"
        elif kind == "too_short":
            code = codes.invalid
            message = f"{path} needs at least {ctx.get('min_length', 1)} entry"
        else:
            code = codes.invalid
            text = str(err["msg"])
            text = text.replace("Input should be", "must be").replace("String should", "must")
            text = text.replace("Value error, ", "")
            message = f"{path} {text[:1].lower()}{text[1:]}, not {show(value)}"
        issues.append(Issue(doc.file, line, col, code, level(code), message, hint))
    return issues
