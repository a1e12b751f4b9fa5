"""What a YAML scalar means: the YAML 1.2 core schema, as the clients read it.

Skrun v0.7.0 parses SKILL.md and agent.yaml with the `yaml` npm package v2 (`parse()`
with its defaults: YAML 1.2, core schema), as JavaScript clients generally do.
PyYAML types scalars the YAML 1.1 way, which differs for
`yes/no/on/off/y/n` (booleans in 1.1), `1:30` (sexagesimal), `0777` (octal),
`0b101`, `1_000`, `2001-12-14` (a date), `<<` (merge) and `=` (value): all plain
strings in 1.2 core, while `0o17` and `1e3` are numbers there and strings in 1.1.
The patterns below are the core schema's, matched as the `yaml` package matches
them (whole value, ASCII digits only); `tests/formats/test_yaml_core_schema.py` holds its
real answers for each case.

A document that declares `%YAML 1.1` is read with the 1.1 schema, as `yaml` v2
does too (the loader keeps PyYAML's resolver for that).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["TagMismatch", "plain_value", "tagged_value"]

CORE = "tag:yaml.org,2002:"

_NULL = re.compile(r"~|[Nn]ull|NULL")
_BOOL = re.compile(r"[Tt]rue|TRUE|[Ff]alse|FALSE")
_INT_OCT = re.compile(r"0o[0-7]+")
_INT = re.compile(r"[-+]?[0-9]+")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_NAN = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN")
_FLOAT_EXP = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)")
# Only these can start a null, boolean or number: any other first character is a string,
# decided without a regex (most values are words).
_TYPED_FIRST = frozenset("~nNtTfF0123456789+-.")

_MISMATCH = object()


class TagMismatch(ValueError):
    """An explicit tag (`!!int yes`) whose value is not of that type."""


def _null(text: str) -> Any:
    return None if not text or _NULL.fullmatch(text) else _MISMATCH


def _bool(text: str) -> Any:
    return text[0] in "tT" if _BOOL.fullmatch(text) else _MISMATCH


def _int(text: str) -> Any:
    if _INT.fullmatch(text):
        return int(text)  # ValueError beyond Python's 4300-digit limit: the loader says so
    if _INT_OCT.fullmatch(text):
        return int(text[2:], 8)
    if _INT_HEX.fullmatch(text):
        return int(text[2:], 16)
    return _MISMATCH


def _float(text: str) -> Any:
    if _FLOAT_NAN.fullmatch(text):
        if text.endswith(("nan", "NaN", "NAN")):
            return float("nan")
        return float("-inf") if text[0] == "-" else float("inf")
    if _FLOAT_EXP.fullmatch(text) or _FLOAT.fullmatch(text):
        return float(text)
    return _MISMATCH


# The order of the `yaml` package's core schema: null, bool, int (octal, decimal, hex), float.
_RESOLVERS = (_null, _bool, _int, _float)
_BY_TAG = {CORE + "null": _null, CORE + "bool": _bool, CORE + "int": _int, CORE + "float": _float}


def plain_value(text: str) -> Any:
    """The value of a plain (unquoted, untagged) scalar under the YAML 1.2 core schema."""
    if text and text[0] not in _TYPED_FIRST:
        return text
    for resolve in _RESOLVERS:
        value = resolve(text)
        if value is not _MISMATCH:
            return value
    return text


def tagged_value(tag: str, text: str) -> Any:
    """The value of a scalar with an explicit JSON-type tag (`!!int "3"`), quoted or not.

    Raises `TagMismatch` when the text is not of the tag's type (`!!int yes`): the
    `yaml` package then warns and keeps a string, which is not what the author meant.
    """
    if tag == CORE + "str":
        return text
    resolve = _BY_TAG.get(tag)
    value = resolve(text) if resolve is not None else _MISMATCH
    if value is _MISMATCH:
        raise TagMismatch(tag)
    return value
