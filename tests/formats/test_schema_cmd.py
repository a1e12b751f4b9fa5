"""`skrun schema`: JSON Schemas that accept the real files and reject broken ones."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from skrun_build.cli import cli, run
from skrun_build.formats.schemas import DRAFT, json_schema

from helpers.paths import CORPUS, REPO

# --- a small draft 2020-12 checker: the keywords our schemas use ---------------


def problems(
    schema: dict[str, Any], value: Any, root: dict[str, Any] | None = None, at: str = ""
) -> list[str]:
    """Where `value` breaks `schema` (empty list: valid)."""
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        found = problems(root["$defs"][name], value, root, at)
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return found + problems(rest, value, root, at)
    out: list[str] = []
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return [f"{at}: not a number"]
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return [f"{at}: not an integer"]
    if kind in types and not isinstance(value, types[kind]):
        return [f"{at}: not {kind}"]
    if kind == "string" and isinstance(value, bool):
        return [f"{at}: not a string"]
    if "const" in schema and value != schema["const"]:
        out.append(f"{at}: not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{at}: not in enum")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{at}: does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1e9):
            out.append(f"{at}: bad length")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{at}: below minimum")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{at}: above maximum")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            out.append(f"{at}: not above exclusiveMinimum")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{at}: too few items")
        for i, item in enumerate(value):
            if "items" in schema:
                out += problems(schema["items"], item, root, f"{at}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{at}: missing {key}")
        for key, item in value.items():
            if key in props:
                out += problems(props[key], item, root, f"{at}.{key}")
            elif schema.get("additionalProperties") is False:
                out.append(f"{at}: unknown key {key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                out += problems(schema["additionalProperties"], item, root, f"{at}.{key}")
    if "anyOf" in schema and all(problems(s, value, root, at) for s in schema["anyOf"]):
        out.append(f"{at}: matches no anyOf branch")
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not problems(s, value, root, at)]
        if len(matching) != 1:
            out.append(f"{at}: matches {len(matching)} oneOf branches")
    return out


def _agent_files() -> list[Path]:
    files = sorted(REPO.glob("fixtures/init/*/agent.yaml")) + sorted(
        REPO.glob("examples/*/agent.yaml")
    )
    files += sorted(CORPUS.glob("*/*/agent.yaml"))
    return files


@pytest.mark.parametrize("path", _agent_files(), ids=lambda p: p.parent.name)
def test_agent_schema_accepts_real_agent_yaml(path: Path) -> None:
    assert problems(json_schema("agent"), yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_real_agent_files_are_found() -> None:
    assert len(_agent_files()) == 6


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"version": 1.0}, [".version: not string"]),
        ({"version": "1.0"}, [".version: does not match ^[0-9]+\\.[0-9]+\\.[0-9]+$"]),
        ({"envirnment": {}}, [": unknown key envirnment"]),
        ({"tools": ["Read"]}, [".tools[0]: not object"]),
        (
            {"model": {"provider": "openai", "name": "m", "temperature": 2.01}},
            [".model.temperature: above maximum"],
        ),
        (
            {"model": {"provider": "openai", "name": "m", "base_url": None}},
            [".model.base_url: not string"],
        ),
        ({"inputs": []}, [".inputs: too few items"]),
        (
            {"inputs": [{"name": "f", "type": "file", "media": "image", "max_size": 0}]},
            [".inputs[0]: matches 0 oneOf branches"],
        ),
        (
            {"mcp_servers": [{"name": "m", "transport": "stdio"}]},
            [".mcp_servers[0]: matches no anyOf branch"],
        ),
        ({"environment": {"timeout": "300"}}, [".environment.timeout: does not match ^[0-9]+s$"]),
    ],
)
def test_agent_schema_rejects_broken(change: dict[str, Any], expected: list[str]) -> None:
    data = yaml.safe_load((REPO / "fixtures/init/agent/agent.yaml").read_text(encoding="utf-8"))
    data.update(change)
    assert problems(json_schema("agent"), data) == expected


def test_artifact_schema() -> None:
    schema = json_schema("artifact")
    for path in sorted(CORPUS.glob("*/*/artifact.json")):
        assert problems(schema, json.loads(path.read_text(encoding="utf-8"))) == []
    broken = json.loads(
        (CORPUS / "lhwzds__skrun__python-echo/python-echo/artifact.json").read_text()
    )
    broken["schema_version"] = 2
    del broken["entry"]
    assert problems(schema, broken) == [": missing entry", ".schema_version: not 1"]


def test_skill_schema() -> None:
    schema = json_schema("skill")
    assert problems(schema, {"name": "pdf-tools", "description": "x", "version": 2}) == []
    assert problems(schema, {"name": "PDF--tools", "description": "", "metadata": {"a": 1}}) == [
        ".name: does not match ^[a-z0-9]+(-[a-z0-9]+)*$",
        ".description: does not match \\S",
        ".description: bad length",
        ".metadata.a: not string",
    ]
    assert problems(schema, {"name": "a" * 65, "description": "d"}) == [".name: bad length"]


@pytest.mark.parametrize("kind", ["skill", "agent", "artifact"])
def test_schema_shape(kind: str) -> None:
    schema = json_schema(kind)  # type: ignore[arg-type]
    assert list(schema)[:3] == ["$schema", "title", "description"]
    assert schema["$schema"] == DRAFT
    assert "$id" not in json.dumps(schema)
    assert (
        schema["title"]
        == {"skill": "SKILL.md frontmatter", "agent": "agent.yaml", "artifact": "artifact.json"}[
            kind
        ]
    )

    def described(node: Any) -> None:
        if isinstance(node, dict):
            # Declarations only; constraint branches (an anyOf's `const`) need none.
            declared = node.get("properties", {}) if node.get("type") == "object" else {}
            for prop in declared.values():
                # pydantic leaves out a field description equal to its model's docstring.
                ref = schema.get("$defs", {}).get(prop.get("$ref", "").removeprefix("#/$defs/"), {})
                assert prop.get("description") or ref.get("description"), prop
                assert "title" not in prop
            for key, value in node.items():
                if key == "properties":
                    for prop in value.values():
                        described(prop)
                else:
                    described(value)
        elif isinstance(node, list):
            for item in node:
                described(item)

    described(schema)


def test_cli_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["schema", "agent"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == json_schema("agent")
    assert out.endswith("}\n")


def test_cli_writes_output_atomically(tmp_path: Path) -> None:
    target = tmp_path / "agent.schema.json"
    target.write_text("old", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["schema", "artifact", "-o", str(target)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == json_schema("artifact")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agent.schema.json"]


def test_cli_output_into_missing_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["schema", "skill", "--output", str(tmp_path / "no" / "s.json")]) == 1
    assert capsys.readouterr().err == (
        f"skrun: error: cannot write {tmp_path}/no/s.json: No such file or directory "
        "(create the directory first)\n"
    )


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["schema", "agnet"]) == 2
    assert "'agnet' is not one of 'skill', 'agent', 'artifact'" in capsys.readouterr().err
    assert run(["schema"]) == 2


def test_real_subprocess() -> None:
    skrun = Path(sys.executable).parent / "skrun"
    done = subprocess.run(
        [str(skrun), "schema", "skill"], capture_output=True, text=True, check=False, timeout=60
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["required"] == ["name", "description"]
