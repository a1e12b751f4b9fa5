"""artifact.json: the model, check_artifact_dir's AR codes, and the corpus artifacts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from skrun_build.checks.agent import CODES, check_artifact_dir
from skrun_build.formats.artifact_json import Artifact

from helpers.paths import CORPUS
from helpers.trees import make_tree

GOOD: dict[str, Any] = {
    "schema_version": 1,
    "kind": "python_uv",
    "id": "py-echo",
    "name": "Python Echo",
    "version": "0.1.0",
    "entry": "skill.py",
    "protocol": {
        "transport": "stdio-json",
        "input": "single-json-value",
        "output": "single-json-value",
    },
    "schema": {"input": "schema/input.json", "output": "schema/output.json"},
}

Row = tuple[int, int, str, str, str, str | None]


def skill(tmp_path: Path, artifact: dict[str, Any] | str, **files: Any) -> Path:
    text = artifact if isinstance(artifact, str) else json.dumps(artifact, indent=2) + "\n"
    tree: dict[str, Any] = {
        "artifact.json": text,
        "skill.py": "print('{}')\n",
        "schema": {"input.json": "{}", "output.json": "{}"},
    }
    tree.update(files)
    return make_tree(tmp_path / "py-echo", tree)


def rows(root: Path) -> list[Row]:
    out = []
    for i in check_artifact_dir(root):
        assert i.file == str(root / "artifact.json")
        out.append((i.line, i.col, i.code, i.level, i.message, i.hint))
    return out


def with_(**changes: Any) -> dict[str, Any]:
    data = dict(GOOD)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_valid_artifact(tmp_path: Path) -> None:
    assert rows(skill(tmp_path, GOOD)) == []
    model = Artifact.model_validate(GOOD)
    assert model.schema_ is not None and model.schema_.input == "schema/input.json"


def test_protocol_and_schema_are_optional(tmp_path: Path) -> None:
    model = Artifact.model_validate(with_(protocol=None, schema=None))
    assert (model.protocol.transport, model.protocol.input) == ("stdio-json", "single-json-value")
    assert rows(skill(tmp_path, with_(protocol=None, schema=None))) == []


def test_missing_file(tmp_path: Path) -> None:
    assert rows(tmp_path) == [(0, 0, "AR001", "error", "artifact.json is missing", None)]


def test_directory_and_non_utf8(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "a", {"artifact.json": {}})
    assert rows(root)[0][2:5] == ("AR001", "error", "artifact.json is a directory, not a file")
    root = make_tree(tmp_path / "b", {"artifact.json": b'{"id": "\xff"}'})
    assert rows(root) == [
        (0, 0, "AR001", "error", "artifact.json is not UTF-8 (byte 8)", "save it as UTF-8")
    ]


def test_json_errors_are_located(tmp_path: Path) -> None:
    # A trailing comma is named and located at the comma by us: Python 3.11/3.12 point
    # after it ("Expecting property name ..."), 3.13 at it with its own words.
    assert rows(skill(tmp_path / "a", '{\n  "id": "x",\n}\n')) == [
        (2, 12, "AR002", "error", "invalid JSON: trailing comma before '}'", "remove the comma")
    ]
    assert rows(skill(tmp_path / "t", '{"tags": [1, 2 ,\n ]}')) == [
        (1, 16, "AR002", "error", "invalid JSON: trailing comma before ']'", "remove the comma")
    ]
    # Any other syntax error: our prefix and json's own line/col (its words are its own).
    [row] = rows(skill(tmp_path / "s", '{\n  "id" "x"\n}\n'))
    assert row[:4] == (2, 8, "AR002", "error") and row[4].startswith("invalid JSON: ")
    assert rows(skill(tmp_path / "b", '{\n  "id": "x",\n  "id": "y"\n}\n')) == [
        (3, 3, "AR002", "error", 'duplicate key "id"', "keep one of them")
    ]
    assert rows(skill(tmp_path / "c", "[1]")) == [
        (1, 1, "AR003", "error", "artifact.json must be a JSON object, not [1]", None)
    ]


def test_every_schema_error_with_its_path(tmp_path: Path) -> None:
    data = with_(
        schema_version=2,
        kind="wasm",
        id="-bad id",
        name=None,
        version=1,
        protocol={"transport": "http", "input": "single-json-value", "output": "many"},
    )
    assert rows(skill(tmp_path, data)) == [
        (1, 1, "AR004", "error", 'missing required field "name"', None),
        (2, 21, "AR006", "error", "schema_version must be 1, not 2", None),
        (
            3,
            11,
            "AR006",
            "error",
            'kind must be "rust_binary", "python_uv" or "markdown", not "wasm"',
            None,
        ),
        (
            4,
            9,
            "AR006",
            "error",
            "id must hold only ASCII letters, digits, - and _, starting with a letter or digit,"
            ' not "-bad id"',
            None,
        ),
        (5, 14, "AR005", "error", "version must be a string, not a number", None),
        (
            8,
            18,
            "AR006",
            "error",
            'protocol.transport must be "stdio-json", not "http"',
            None,
        ),
        (10, 15, "AR006", "error", 'protocol.output must be "single-json-value", not "many"', None),
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("/usr/bin/python", "entry must be a relative path"),
        ("../outside.py", "entry must not contain .."),
        ("bin/../../x", "entry must not contain .."),
        ("C:\\tools\\x.exe", "entry must be a relative path"),
    ],
)
def test_entry_must_stay_inside_lexically(tmp_path: Path, entry: str, message: str) -> None:
    assert rows(skill(tmp_path, with_(entry=entry))) == [
        (7, 12, "AR008", "error", message, "give a path inside the skill directory")
    ]


def test_entry_symlink_leaving_the_dir(tmp_path: Path) -> None:
    outside = make_tree(tmp_path / "elsewhere", {"run.py": ""})
    root = skill(tmp_path, with_(entry="bin/run.py"))
    (root / "bin").symlink_to(outside)
    [row] = rows(root)
    assert row[:4] == (7, 12, "AR008", "error")
    assert row[4] == (
        f"entry 'bin/run.py' leaves the skill directory (through a symlink to {outside}/run.py)"
    )
    (root / "bin").unlink()
    (root / "bin").mkdir()
    (root / "bin" / "run.py").symlink_to(root / "skill.py")  # inside: fine
    assert rows(root) == []


def test_entry_missing_or_a_directory(tmp_path: Path) -> None:
    root = skill(tmp_path, with_(entry="main.py"))
    assert rows(root) == [
        (7, 12, "AR009", "error", "entry 'main.py' does not exist", "fix the path or add the file")
    ]
    (root / "main.py").mkdir()
    assert rows(root)[0][4] == "entry 'main.py' does not exist (it is a directory)"


def test_entry_in_a_directory_not_entered_is_reported_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pathlib's is_file() raised PermissionError (exit 3). Tests run as root, where
    # chmod stops nothing, so the refusal comes from a patched os.stat.
    root = skill(tmp_path, with_(entry="locked/main.py"))
    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if "locked" in os.fspath(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    assert rows(root) == [
        (
            7,
            12,
            "AR009",
            "error",
            "entry 'locked/main.py' cannot be read: Permission denied",
            "check the permissions with ls -l, or run as a user who may access it",
        )
    ]


def test_unbuilt_rust_binary_is_a_warning(tmp_path: Path) -> None:
    data = with_(kind="rust_binary", entry="bin/release/py-echo")
    root = skill(tmp_path, data, **{"Cargo.toml": "[package]\n"})
    assert rows(root) == [
        (
            7,
            12,
            "AR010",
            "warning",
            "entry 'bin/release/py-echo' is not built yet",
            "build it with `skrun build` of the skrun runtime (cargo build --release)",
        )
    ]
    (root / "Cargo.toml").unlink()  # nothing to build it from: missing for real
    assert [r[2] for r in rows(root)] == ["AR009"]


def test_schema_files_must_exist(tmp_path: Path) -> None:
    root = skill(tmp_path, GOOD, schema={"input.json": "{}"})
    assert rows(root) == [
        (
            15,
            15,
            "AR011",
            "error",
            "schema.output 'schema/output.json' does not exist",
            "fix the path or add the JSON Schema",
        )
    ]


def test_unknown_keys_are_warnings(tmp_path: Path) -> None:
    data = with_(entyr="x", protocol={**GOOD["protocol"], "timeout": 3})
    got = rows(skill(tmp_path, data))
    assert got == [
        (
            12,
            5,
            "AR007",
            "warning",
            'unknown key "timeout" in protocol; the runtime ignores it',
            "known keys: transport, input, output",
        ),
        (
            18,
            3,
            "AR007",
            "warning",
            'unknown key "entyr" in artifact.json; the runtime ignores it',
            'did you mean "entry"?',
        ),
    ]


def test_optional_fields() -> None:
    data = with_(description="d", tags=["a"], source={"type": "git", "ref": "x/y"})
    model = Artifact.model_validate(data)
    assert model.tags == ["a"] and model.source is not None and model.source.ref == "x/y"
    with pytest.raises(ValidationError):
        Artifact.model_validate(with_(tags="a b"))


def test_codes() -> None:
    assert sorted(c for c in CODES if c.startswith("AR")) == [f"AR{n:03d}" for n in range(1, 12)]


CORPUS_ARTIFACTS = {
    "lhwzds__skrun__cdp-browser/cdp-browser": ["AR010"],
    "lhwzds__skrun__python-echo/python-echo": [],
}


def test_every_corpus_artifact_is_pinned() -> None:
    found = {p.parent.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/*/artifact.json")}
    assert found == set(CORPUS_ARTIFACTS)


@pytest.mark.parametrize("key", sorted(CORPUS_ARTIFACTS))
def test_corpus_artifacts(key: str) -> None:
    assert [i.code for i in check_artifact_dir(CORPUS / key)] == CORPUS_ARTIFACTS[key]


@pytest.mark.parametrize(
    ("value", "expected"), [("true", "a boolean"), ("1.0", "a number"), ('"1"', "a string")]
)
def test_schema_version_is_exactly_the_integer_1(tmp_path: Path, value: str, expected: str) -> None:
    text = json.dumps(GOOD, indent=2).replace('"schema_version": 1', f'"schema_version": {value}')
    assert rows(skill(tmp_path, text)) == [
        (2, 21, "AR005", "error", f"schema_version must be an integer, not {expected}", None)
    ]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_refused(tmp_path: Path, constant: str) -> None:
    text = '{\n  "schema_version": ' + constant + "\n}\n"
    assert rows(skill(tmp_path, text)) == [
        (
            2,
            21,
            "AR002",
            "error",
            f"invalid JSON: {constant} is not a JSON number",
            None,
        )
    ]


DEPTH_HINT = "flatten the structure: the skrun runtime's JSON reader stops at 128 levels"


@pytest.mark.parametrize("depth", [128, 5000, 100_000])
def test_too_deep_json(tmp_path: Path, depth: int) -> None:
    # Measured before parsing: Python 3.13's json takes 5,000 levels where 3.11 raised
    # RecursionError, and our position walker then crashed (exit 3). serde_json, which
    # reads artifact.json in the runtime, refuses a 128th level.
    assert rows(skill(tmp_path, "[" * depth + "]" * depth)) == [
        (1, 128, "AR002", "error", "JSON nesting is deeper than 127 levels", DEPTH_HINT)
    ]


def test_depth_counts_brackets_outside_strings_only(tmp_path: Path) -> None:
    def ar002(text: str, name: str) -> list[Row]:
        return [r for r in rows(skill(tmp_path / name, text)) if r[2] == "AR002"]

    # 127 levels are fine, whatever brackets the strings hold (escaped quotes included).
    assert ar002('{"a": ' * 127 + '"[[{{"' + "}" * 127, "in-string") == []
    assert ar002('{"x": "\\"[[[", "y": ' + "[" * 126 + "]" * 126 + "}", "escaped") == []
    too_deep = '{"id": "]]]",\n "a": ' + "[" * 127 + "]" * 127 + "}"
    assert ar002(too_deep, "deep") == [
        (2, 133, "AR002", "error", "JSON nesting is deeper than 127 levels", DEPTH_HINT)
    ]


@pytest.mark.parametrize(
    ("text", "line", "col", "escape"),
    [
        ('{"id": "\\ud800"}', 1, 8, "\\ud800"),
        ('{\n  "name": "a\\udc00b"}', 2, 11, "\\udc00"),
        ('{"k\\udbff": 1}', 1, 2, "\\udbff"),
    ],
)
def test_lone_surrogate_escape_is_refused(
    tmp_path: Path, text: str, line: int, col: int, escape: str
) -> None:
    # Valid JSON text, but no Unicode: it cannot be printed or written as UTF-8 (a crash
    # of every output format before), and serde_json refuses it too.
    assert rows(skill(tmp_path, text)) == [
        (
            line,
            col,
            "AR002",
            "error",
            f"invalid JSON: the string holds a lone surrogate {escape}, which is no Unicode"
            " character",
            "write the character itself, or a whole surrogate pair such as \\ud83d\\ude00",
        )
    ]


def test_surrogate_pairs_and_escaped_backslashes_are_fine(tmp_path: Path) -> None:
    data = dict(GOOD, name="Smile \ud83d\ude00", description="a \\ud800 b")
    text = json.dumps(data)  # ASCII: the pair is written as two escapes
    assert "\\ud83d\\ude00" in text
    assert rows(skill(tmp_path, text)) == []


def test_fifo_is_not_read(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "a", {})
    os.mkfifo(root / "artifact.json")
    assert rows(root) == [(0, 0, "AR001", "error", "artifact.json is not a regular file", None)]
