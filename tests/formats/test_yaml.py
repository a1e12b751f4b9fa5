"""The shared YAML loader: typing, positions and every guard."""

from __future__ import annotations

import pytest

from skrun_build.errors import InputError
from skrun_build.formats.yaml import MAX_DEPTH, YamlError, load_yaml


def _error(text: str, **kw: int) -> YamlError:
    with pytest.raises(YamlError) as info:
        load_yaml(text, file="f.yaml", **kw)
    return info.value


def test_typed_scalars_yaml_1_2_core() -> None:
    # YAML 1.2 core schema, as Skrun v0.7.0 reads it: `yes` and dates are strings.
    text = "a: 12345\nb: yes\nc: '12'\nd: 1.0\ne: ~\nf: 2024-01-02\ng: true\nh: 0777\n"
    doc = load_yaml(text, file="f")
    assert doc.data == {
        "a": 12345,
        "b": "yes",
        "c": "12",
        "d": 1.0,
        "e": None,
        "f": "2024-01-02",
        "g": True,
        "h": 777,
    }


def test_positions_of_keys_and_values_with_line_offset() -> None:
    text = "name: My-Skill\nmetadata:\n  tags: [x, {k: v}]\n"
    doc = load_yaml(text, file="SKILL.md", first_line=2)
    assert doc.locate(["name"]) == (2, 7)
    assert doc.locate_key(["name"]) == (2, 1)
    assert doc.locate(["metadata", "tags", 1, "k"]) == (4, 17)
    assert doc.locate(["metadata", "tags", 0]) == (4, 10)
    # A missing field points at its nearest existing parent's key.
    assert doc.locate(["metadata", "missing"]) == (3, 1)
    assert doc.locate(["nothing"]) == (2, 1)


def test_mapping_key_that_looks_like_an_index() -> None:
    doc = load_yaml("m:\n  '0': a\n", file="f")
    assert doc.locate(["m", 0]) == (2, 8)


def test_duplicate_key_is_located_at_the_second_one() -> None:
    err = _error("a: 1\nb: 2\na: 3\n")
    assert (err.kind, err.line, err.col) == ("duplicate-key", 3, 1)
    assert str(err) == (
        "f.yaml:3:1: duplicate key 'a' (first defined on line 1) (keep one of them)"
    )


def test_nested_duplicate_key() -> None:
    err = _error("m:\n  x: 1\n  x: 2\n")
    assert (err.kind, err.line, err.col) == ("duplicate-key", 3, 3)


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: &x [1]\n"])
def test_anchors_and_aliases_refused(text: str) -> None:
    assert _error(text).kind == "alias"


def test_alias_bomb_refused_fast() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    assert _error("\n".join(lines) + "\n").kind == "alias"


@pytest.mark.parametrize("tag", ["!foo", "!!python/object:os.system", "!!binary", "!!set"])
def test_custom_tags_refused(tag: str) -> None:
    err = _error(f"a: {tag} x\n")
    assert (err.kind, err.line, err.col) == ("tag", 1, 4)


def test_plain_json_tags_allowed() -> None:
    assert load_yaml("a: !!str 12\nb: !!int '3'\n", file="f").data == {"a": "12", "b": 3}


def test_deep_nesting_refused_quickly() -> None:
    err = _error("[" * 2000 + "]" * 2000)
    assert err.kind == "depth"
    assert err.col == MAX_DEPTH + 1
    block = "".join("  " * i + f"k{i}:\n" for i in range(200))
    assert _error(block).kind == "depth"


def test_nesting_at_the_bound_is_fine() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_yaml(text, file="f").data is not None


def test_size_bound() -> None:
    err = _error("a: " + "x" * 200 + "\n", max_bytes=100)
    assert (err.kind, err.line) == ("size", 1)
    assert "the limit is 100" in str(err)


def test_tab_indentation_gets_a_hint() -> None:
    err = _error("a:\n\t- b\n")
    assert (err.kind, err.line) == ("syntax", 2)
    assert err.hint == "indent with spaces, not tabs"


def test_unquoted_colon_gets_a_hint() -> None:
    err = _error("description: Use this: it works\n", first_line=2)
    assert (err.kind, err.line, err.col) == ("syntax", 2, 22)
    assert err.hint == "quote values that contain ': '"


def test_second_document_refused() -> None:
    assert _error("a: 1\n---\nb: 2\n").kind == "syntax"


def test_invalid_timestamp_is_a_value_error_not_a_crash() -> None:
    # Only a `%YAML 1.1` document has timestamps; in 1.2 core this is a string.
    assert load_yaml("a: 2024-13-40\n", file="f").data == {"a": "2024-13-40"}
    err = _error("%YAML 1.1\n---\na: 2024-13-40\n")
    assert err.kind == "value"
    assert isinstance(err, InputError)
    assert str(err) == (
        "f.yaml:3:4: '2024-13-40' is not a valid !!timestamp value"
        " (quote the value to keep it a string)"
    )


def test_unhashable_key_is_an_error_not_a_crash() -> None:
    assert _error("? [a]\n: 1\n").kind == "syntax"


def test_empty_and_scalar_documents() -> None:
    assert load_yaml("", file="f").data is None
    assert load_yaml("# only a comment\n", file="f").data is None
    assert load_yaml("just text", file="f").data == "just text"


def test_ten_thousand_keys() -> None:
    # Speed is measured in benchmarks/validate.py; here: all kept, all located.
    text = "metadata:\n" + "".join(f"  key{i}: value {i}\n" for i in range(10_000))
    doc = load_yaml(text, file="f")
    assert len(doc.data["metadata"]) == 10_000
    assert doc.locate(["metadata", "key9999"]) == (10_001, 12)


def test_deep_flow_nesting_never_needs_the_pure_python_scanner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # libyaml stops at its own limit (1000 levels) while scanning ahead; re-reading the
    # whole text with PyYAML's pure-Python scanner takes quadratic time (about 0.5 s for
    # 2,000 levels), so only the text before libyaml's stop is read again, by libyaml.
    import yaml as pyyaml

    from skrun_build.formats import yaml as ours

    used: list[object] = []
    real = ours._load

    def spy(loader_cls: object, *args: object) -> object:
        used.append(loader_cls)
        return real(loader_cls, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ours, "_load", spy)
    err = _error("metadata: " + "[" * 2000 + "]" * 2000, first_line=2)
    assert (err.kind, err.line, err.col) == ("depth", 2, 10 + MAX_DEPTH)
    if ours._LOADER is not pyyaml.SafeLoader:
        assert pyyaml.SafeLoader not in used
