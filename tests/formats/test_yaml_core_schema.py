"""YAML 1.2 core schema parity: every scalar typed as the `yaml` npm package v2 types it.

Skrun v0.7.0 reads SKILL.md and agent.yaml with `yaml` 2.8.3 (YAML 1.2 core schema).
The expected values in fixtures/yaml12/core-schema.json are that package's real answers,
captured with fixtures/yaml12/probe.mjs (the package is not available offline).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from skrun_build.formats.yaml import YamlError, load_yaml

from helpers.paths import FIXTURES

TABLE = FIXTURES / "yaml12" / "core-schema.json"
ROWS: list[list[Any]] = json.loads(TABLE.read_text(encoding="utf-8"))["rows"]


def _js_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


def test_the_table_comes_from_the_version_skrun_pins() -> None:
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    assert table["yaml"] == "2.8.3"
    cases = json.loads((TABLE.parent / "cases.json").read_text(encoding="utf-8"))
    assert [row[0] for row in ROWS] == cases
    assert len(ROWS) > 100


@pytest.mark.parametrize(("text", "js_type", "js_value"), ROWS, ids=[repr(r[0]) for r in ROWS])
def test_scalar_typed_as_the_yaml_package_types_it(text: str, js_type: str, js_value: Any) -> None:
    value = load_yaml(f"v: {text}\n", file="f").data["v"]
    assert _js_type(value) == js_type
    if js_type == "number":
        expected = float(js_value)
        assert (math.isnan(value) and math.isnan(expected)) or float(value) == expected
    else:
        assert value == js_value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("No", "No"),
        ("1:30", "1:30"),
        ("0777", 777),  # decimal in 1.2 core, not octal
        ("0o17", 15),
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("2001-12-14", "2001-12-14"),
        ("=", "="),
        ("1e3", 1000.0),
        ("TRUE", True),
        ("~", None),
    ],
)
def test_same_scalars_with_the_pure_python_parser(text: str, value: Any) -> None:
    # The libyaml fallback (deep nesting) must type scalars the same way.
    import yaml as pyyaml

    from skrun_build.formats import yaml as ours

    doc = ours._load(pyyaml.SafeLoader, f"v: {text}\n", "f", 1, ours.MAX_DEPTH)
    assert doc.data == {"v": value}
    assert type(doc.data["v"]) is type(value)


def test_merge_key_is_a_plain_key() -> None:
    # `<<` merges mappings in YAML 1.1 only; the `yaml` package keeps it as a key.
    assert load_yaml("<<: {a: 1}\nb: 2\n", file="f").data == {"<<": {"a": 1}, "b": 2}


def test_yaml11_keys_are_strings() -> None:
    doc = load_yaml("yes: 1\nYes: 2\non: 3\n", file="f")
    assert doc.data == {"yes": 1, "Yes": 2, "on": 3}
    assert doc.locate(["on"]) == (3, 5)


def test_a_yaml_1_1_document_is_read_as_1_1() -> None:
    # The `yaml` package switches to its 1.1 schema on `%YAML 1.1`, and so do we.
    doc = load_yaml("%YAML 1.1\n---\na: yes\nb: 0777\nc: 1:30\n", file="f")
    assert doc.data == {"a": True, "b": 511, "c": 90}
    assert load_yaml("%YAML 1.2\n---\na: yes\n", file="f").data == {"a": "yes"}
    assert load_yaml("%YAML 1.1\n---\na: =\n", file="f").data == {"a": "="}
    with pytest.raises(YamlError) as info:
        load_yaml("%YAML 1.1\n---\n<<: {a: 1}\n", file="f")
    assert str(info.value) == (
        "f:3:1: YAML merge keys (<<) are not allowed (write the keys out in full)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("!!int yes", "f:1:4: 'yes' is not a valid !!int value"),
        ("!!float 1", "f:1:4: '1' is not a valid !!float value"),
        ("!!bool yes", "f:1:4: 'yes' is not a valid !!bool value"),
        ("!!null 0", "f:1:4: '0' is not a valid !!null value"),
    ],
)
def test_explicit_tag_with_a_value_of_another_type(text: str, message: str) -> None:
    # The `yaml` package warns and keeps a string here; we say so before Skrun does.
    with pytest.raises(YamlError) as info:
        load_yaml(f"v: {text}\n", file="f")
    assert info.value.kind == "value"
    assert str(info.value).startswith(message + " (remove the tag")


@pytest.mark.parametrize("text", ["!!map x", "!!seq x", "!!str [a]", "!!int {a: 1}"])
def test_collection_tags_must_fit(text: str) -> None:
    with pytest.raises(YamlError) as info:
        load_yaml(f"v: {text}\n", file="f")
    assert (info.value.line, info.value.col) == (1, 4)


def test_keys_equal_as_values_are_duplicates() -> None:
    # `1` and `1.0` are one Python key: one value would be lost silently.
    with pytest.raises(YamlError) as info:
        load_yaml("1: a\n1.0: b\n", file="f")
    assert (info.value.kind, info.value.line) == ("duplicate-key", 2)
    assert "first defined on line 1" in info.value.message
