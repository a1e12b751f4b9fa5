"""check_agent_dir / load_agent_config: every AG code, exact messages and locations."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from skrun_build.checks.agent import CODES, check_agent_dir, load_agent_config
from skrun_build.errors import ValidationFailed

from helpers.paths import CORPUS, REPO
from helpers.trees import AGENT_DEFAULTS, make_tree

BASE = """\
name: acme/demo
version: 1.0.0
model:
  provider: openai
  name: gpt-4o
tools:
  - name: count
    description: Count words.
    input_schema:
      type: object
inputs:
  - name: text
    type: string
outputs:
  - name: result
    type: string
"""
SKILL = "---\nname: demo\ndescription: Count words.\n---\nCall `count` on the text.\n"

Row = tuple[int, int, str, str, str, str | None]


def _skill(name: str | None = "demo") -> SimpleNamespace | None:
    return None if name is None else SimpleNamespace(frontmatter={"name": name})


def agent(tmp_path: Path, yaml_text: str = BASE, **files: str | bytes | dict[str, Any]) -> Path:
    tree: dict[str, Any] = {"SKILL.md": SKILL, "scripts": {"count.py": "import json\n"}}
    tree["agent.yaml"] = yaml_text
    tree.update(files)
    return make_tree(tmp_path / "demo", tree)


def rows(root: Path, skill: str | None = "demo") -> list[Row]:
    out = []
    for i in check_agent_dir(root, _skill(skill)):
        where = Path(i.file).relative_to(root).as_posix()
        assert where == "agent.yaml" or where.startswith("scripts/")
        out.append((i.line, i.col, i.code, i.level, i.message, i.hint))
    return out


def check(tmp_path: Path, yaml_text: str, **files: Any) -> list[Row]:
    return rows(agent(tmp_path, yaml_text, **files))


def replace(old: str, new: str, text: str = BASE) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_valid_agent_has_no_issue(tmp_path: Path) -> None:
    assert check(tmp_path, BASE) == []


# --- reading --------------------------------------------------------------


def test_missing_agent_yaml(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "a", {"SKILL.md": SKILL})
    [issue] = check_agent_dir(root, None)
    assert issue.format() == (
        f"{root}/agent.yaml: AG001 error agent.yaml is missing"
        " (create it, e.g. with `skrun init --template agent`)"
    )


def test_agent_yaml_is_a_directory(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "a", {"agent.yaml": {}})
    assert rows(root, None) == [
        (0, 0, "AG002", "error", "agent.yaml is a directory, not a file", None)
    ]


def test_agent_yaml_not_utf8(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "a", {"agent.yaml": b"name: acme/x\nversion: \xff\n"})
    assert rows(root, None) == [
        (2, 0, "AG002", "error", "agent.yaml is not UTF-8 (byte 22)", "save it as UTF-8")
    ]


def test_invalid_yaml_is_located(tmp_path: Path) -> None:
    assert check(tmp_path, "name: a\nname: b\n") == [
        (
            2,
            1,
            "AG003",
            "error",
            "duplicate key 'name' (first defined on line 1)",
            "keep one of them",
        )
    ]
    assert check(tmp_path, "name: [a\n")[0][:3] == (2, 1, "AG003")


@pytest.mark.parametrize(
    ("text", "got"),
    # Python's type names ("a str", "a int") leaked here; YAML's words now.
    [("", "empty"), ("- a\n", "a list"), ("just text\n", "a string"), ("42\n", "a number")],
)
def test_not_a_mapping(tmp_path: Path, text: str, got: str) -> None:
    [row] = check(tmp_path, text)
    assert row[2:5] == (
        "AG004",
        "error",
        f"agent.yaml must be a mapping of fields (name, version, model, ...), not {got}",
    )


def test_bom_and_crlf_are_read(tmp_path: Path) -> None:
    text = "\ufeff" + BASE.replace("\n", "\r\n")
    assert check(tmp_path, text) == []


# --- schema errors: every one, with its path --------------------------------


def test_every_schema_error_is_reported_at_once(tmp_path: Path) -> None:
    text = replace("version: 1.0.0", "version: 1.0")
    text = replace("  name: gpt-4o", '  name: ""\n  temperature: 3', text)
    text = replace("outputs:\n  - name: result\n    type: string\n", "outputs: []\n", text)
    assert [r[:3] for r in check(tmp_path, text)] == [
        (2, 10, "AG006"),
        (5, 9, "AG007"),
        (6, 16, "AG007"),
        (15, 10, "AG007"),
    ]


def test_missing_required_fields_point_at_their_parent(tmp_path: Path) -> None:
    text = replace("  name: gpt-4o\n", "")
    text = replace("inputs:\n  - name: text\n    type: string\n", "", text)
    assert check(tmp_path, text) == [
        (1, 1, "AG005", "error", 'missing required field "inputs"', None),
        (3, 1, "AG005", "error", 'missing required field "model.name"', None),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"1.0.0"', []),
        ('"10.20.30"', []),
        (
            "1.0",
            [
                (
                    2,
                    10,
                    "AG006",
                    "error",
                    "version must be a string, not a number",
                    'YAML reads 1.0 as a number: quote it and give three parts, version: "1.0.0"',
                )
            ],
        ),
        (
            "2",
            [
                (
                    2,
                    10,
                    "AG006",
                    "error",
                    "version must be a string, not a number",
                    'YAML reads 2 as a number: quote it and give three parts, version: "2.0.0"',
                )
            ],
        ),
        (
            '"1.0"',
            [
                (
                    2,
                    10,
                    "AG007",
                    "error",
                    'version must be a version "MAJOR.MINOR.PATCH", not "1.0"',
                    'e.g. "1.0.0"',
                )
            ],
        ),
        ('"v1.0.0"', [(2, 10, "AG007")]),
        ('"1.0.0-rc1"', [(2, 10, "AG007")]),
    ],
)
def test_version(tmp_path: Path, value: str, expected: list[Any]) -> None:
    got = check(tmp_path, replace("version: 1.0.0", f"version: {value}"))
    assert [r[: len(expected[0])] for r in got] == expected if expected else got == []


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("0", None, None),
        ("2", None, None),
        ("0.7", None, None),
        ("2.01", "AG007", "model.temperature must be less than or equal to 2, not 2.01"),
        ("-0.1", "AG007", "model.temperature must be greater than or equal to 0, not -0.1"),
        ('"0.5"', "AG006", "model.temperature must be a number, not a string"),
        ("true", "AG006", "model.temperature must be a number, not a boolean"),
    ],
)
def test_temperature(tmp_path: Path, value: str, code: str | None, message: str | None) -> None:
    got = check(tmp_path, replace("  name: gpt-4o", f"  name: gpt-4o\n  temperature: {value}"))
    assert got == ([] if code is None else [(6, 16, code, "error", message, None)])


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("acme/demo", True),
        ("a-1/b-2", True),
        ("demo", False),
        ("Acme/demo", False),
        ("acme/demo/x", False),
        ("acme/de_mo", False),
        ("acme/", False),
    ],
)
def test_name_pattern(tmp_path: Path, name: str, ok: bool) -> None:
    got = check(tmp_path, replace("name: acme/demo", f'name: "{name}"'))
    # A valid name that is not the SKILL.md name only warns (AG016).
    assert [r[2] for r in got if r[3] == "error"] == ([] if ok else ["AG007"])


def test_name_message_suggests_a_namespace(tmp_path: Path) -> None:
    assert check(tmp_path, replace("name: acme/demo", "name: Demo")) == [
        (
            1,
            7,
            "AG007",
            "error",
            'name must be "namespace/slug" (lowercase letters, digits and -), not "Demo"',
            'e.g. "my-namespace/demo"',
        )
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("300s", []),
        ("0s", []),
        (
            '"300"',
            [
                (
                    2,
                    12,
                    "AG007",
                    "error",
                    'environment.timeout must be whole seconds like "300s", not "300"',
                    'write "300s"',
                )
            ],
        ),
        (
            "300",
            [
                (
                    2,
                    12,
                    "AG006",
                    "error",
                    "environment.timeout must be a string, not a number",
                    'YAML reads 300 as a number: quote it, timeout: "300"',
                )
            ],
        ),
        (
            "5m",
            [
                (
                    2,
                    12,
                    "AG007",
                    "error",
                    'environment.timeout must be whole seconds like "300s", not "5m"',
                    None,
                )
            ],
        ),
    ],
)
def test_timeout(tmp_path: Path, value: str, expected: list[Row]) -> None:
    text = BASE + f"environment:\n  timeout: {value}\n"
    shift = BASE.count("\n")
    assert check(tmp_path, text) == [(r[0] + shift, *r[1:]) for r in expected]


@pytest.mark.parametrize(
    ("value", "code"),
    [("30d", None), ("1d", None), ('"30"', "AG007"), ("30", "AG006"), ("4w", "AG007")],
)
def test_ttl(tmp_path: Path, value: str, code: str | None) -> None:
    got = check(tmp_path, BASE + f"state:\n  type: kv\n  ttl: {value}\n")
    assert [r[2] for r in got] == ([] if code is None else [code])


def test_max_cost_must_be_positive(tmp_path: Path) -> None:
    got = check(tmp_path, BASE + "environment:\n  max_cost: 0\n")
    assert got == [
        (18, 13, "AG007", "error", "environment.max_cost must be greater than 0, not 0", None)
    ]
    assert check(tmp_path, BASE + "environment:\n  max_cost: 0.01\n") == []


def test_enums_offer_did_you_mean(tmp_path: Path) -> None:
    got = check(tmp_path, replace("provider: openai", "provider: opnai"))
    assert got == [
        (
            4,
            13,
            "AG007",
            "error",
            'model.provider must be "anthropic", "openai", "google", "mistral", "groq", "xai"'
            ' or "meta", not "opnai"',
            'did you mean "openai"?',
        )
    ]


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("count", True),
        ("_x-1", True),
        ("Count_2", True),
        ("1x", False),
        ("my tool", False),
        ("", False),
    ],
)
def test_tool_name_pattern(tmp_path: Path, name: str, ok: bool) -> None:
    got = check(tmp_path, replace("  - name: count", f'  - name: "{name}"'))
    # The renamed tool has no script: AG017, an error since Skrun v0.7.0 cannot run it.
    assert [r[2] for r in got if r[3] == "error" and r[2] != "AG017"] == ([] if ok else ["AG007"])


@pytest.mark.parametrize("word", ["yes", "on", "y", "True"])
def test_yaml11_boolean_words_are_strings_in_agent_yaml(tmp_path: Path, word: str) -> None:
    # Skrun v0.7.0 reads agent.yaml as YAML 1.2 core: `required: yes` is the string "yes",
    # which its schema refuses; only true/True/TRUE and false/False/FALSE are booleans.
    got = check(
        tmp_path, replace("    type: string\n", f"    type: string\n    required: {word}\n")
    )
    if word == "True":
        assert got == []
    else:
        assert got == [
            (
                14,
                15,
                "AG006",
                "error",
                "inputs[0].required must be true or false, not a string",
                None,
            )
        ]


def test_tool_input_schema_rules(tmp_path: Path) -> None:
    text = replace(
        "      type: object\n",
        "      type: array\n      properties: {a: {type: string}}\n      required: a\n"
        # `no` is the string "no" in YAML 1.2 (Skrun's reading): `false` is the boolean.
        "      additionalProperties: false\n      $defs: {}\n",
    )
    assert check(tmp_path, text) == [
        (
            10,
            13,
            "AG007",
            "error",
            'tools[0].input_schema.type must be "object", not "array"',
            None,
        ),
        (
            12,
            17,
            "AG006",
            "error",
            "tools[0].input_schema.required must be a list, not a string",
            None,
        ),
    ]


def test_bare_string_tool_gets_a_migration_message(tmp_path: Path) -> None:
    text = replace("tools:\n", "tools:\n  - Read\n")
    assert check(tmp_path, text) == [
        (
            7,
            5,
            "AG010",
            "error",
            "tools[0] is a bare string 'Read', the pre-0.4 form; a tool is now an object",
            "write it as {name: Read, description: what it does, input_schema: {type: object}}",
        )
    ]


@pytest.mark.parametrize(
    ("server", "ok"),
    [
        ("{name: a, url: 'https://mcp.example.com/sse'}", True),
        ("{name: a, transport: stdio, command: npx, args: [-y, srv]}", True),
        ("{name: a, transport: sse, url: 'https://x.example/sse', auth: oauth2}", True),
        ("{name: a, transport: stdio}", False),
        ("{name: a, transport: sse}", False),
        ("{name: a}", False),
    ],
)
def test_mcp_server_needs_url_or_stdio_command(tmp_path: Path, server: str, ok: bool) -> None:
    got = check(tmp_path, BASE + f"mcp_servers:\n  - {server}\n")
    expected = (
        []
        if ok
        else [
            (
                18,
                5,
                "AG011",
                "error",
                "mcp_servers[0] needs a url, or transport: stdio and a command",
                "add url: https://..., or transport: stdio and command: <program>",
            )
        ]
    )
    assert got == expected


def test_mcp_url_must_be_absolute(tmp_path: Path) -> None:
    got = check(tmp_path, BASE + "mcp_servers:\n  - {name: a, url: mcp.example.com}\n")
    assert [r[2:5] for r in got] == [
        ("AG007", "error", 'mcp_servers[0].url must be an absolute URL, not "mcp.example.com"')
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("max_size: 1", []),
        (
            "max_size: 0",
            [(17, 15, "AG007", "error", "inputs[1].max_size must be greater than 0, not 0", None)],
        ),
        (
            "max_count: 0",
            [(17, 16, "AG007", "error", "inputs[1].max_count must be greater than 0, not 0", None)],
        ),
        (
            "max_size: '5'",
            [
                (
                    17,
                    15,
                    "AG006",
                    "error",
                    "inputs[1].max_size must be an integer, not a string",
                    None,
                )
            ],
        ),
        (
            "max_size: 1.5",
            [
                (
                    17,
                    15,
                    "AG006",
                    "error",
                    "inputs[1].max_size must be an integer, not a number",
                    None,
                )
            ],
        ),
    ],
)
def test_file_input(tmp_path: Path, extra: str, expected: list[Row]) -> None:
    text = replace(
        "outputs:", "  - name: photo\n    type: file\n    media: image\n    " + extra + "\noutputs:"
    )
    assert check(tmp_path, text) == expected


def test_file_input_needs_media(tmp_path: Path) -> None:
    text = replace("outputs:", "  - name: photo\n    type: file\noutputs:")
    assert check(tmp_path, text) == [
        (14, 5, "AG005", "error", 'missing required field "inputs[1].media"', None)
    ]


def test_input_type_did_you_mean(tmp_path: Path) -> None:
    got = check(tmp_path, replace("    type: string\noutputs", "    type: strin\noutputs"))
    assert got[0][2:] == (
        "AG007",
        "error",
        'inputs[0].type must be "string", "number", "boolean", "object" or "array", not "strin"',
        'did you mean "string"?',
    )


@pytest.mark.parametrize("section", ["inputs", "outputs"])
def test_at_least_one_input_and_output(tmp_path: Path, section: str) -> None:
    text = BASE.split(f"{section}:\n")[0] + f"{section}: []\n"
    rest = BASE.split(f"{section}:\n")[1]
    if section == "inputs":
        text += rest[rest.index("outputs:") :]
    got = check(tmp_path, text)
    assert [r[2:5] for r in got] == [("AG007", "error", f"{section} needs at least 1 entry")]


def test_test_case_assert(tmp_path: Path) -> None:
    ok = BASE + "tests:\n  - name: t\n    input: {text: hi}\n    assert: output.result != ''\n"
    assert check(tmp_path, ok) == []
    bad = BASE + "tests:\n  - name: t\n    input: {text: hi}\n    assert: result == 1\n"
    assert check(tmp_path, bad) == [
        (
            20,
            13,
            "AG007",
            "error",
            'tests[0].assert must read "output.<path> <op> <value>" with op one of'
            ' >= <= == != > <, not "result == 1"',
            'e.g. "output.count >= 1"',
        )
    ]


def test_unknown_keys(tmp_path: Path) -> None:
    text = replace("  name: gpt-4o", "  name: gpt-4o\n  temprature: 1")
    text += "envirnment: {}\nzzz: 1\n"
    assert check(tmp_path, text) == [
        (
            6,
            3,
            "AG009",
            "warning",
            'unknown key "temprature" in model; skrun ignores it',
            'did you mean "temperature"?',
        ),
        (18, 1, "AG008", "error", 'unknown key "envirnment"', 'did you mean "environment"?'),
        (
            19,
            1,
            "AG008",
            "error",
            'unknown key "zzz"',
            "allowed keys: name, version, model, tools, mcp_servers, tool_choice, parallel_tools,"
            " inputs, outputs, environment, context_mode, state, tests",
        ),
    ]


def test_unknown_nested_keys_everywhere(tmp_path: Path) -> None:
    text = replace("    description: Count words.", "    description: Count words.\n    Name: x")
    text = replace(
        "    type: string\noutputs", "    type: string\n    requried: true\noutputs", text
    )
    text += "environment:\n  networking:\n    allowed_host: []\nstate:\n  TTL: 1d\n"
    got = [(r[0], r[2], r[4], r[5]) for r in check(tmp_path, text)]
    assert got == [
        (9, "AG009", 'unknown key "Name" in tools[0]; skrun ignores it', 'did you mean "name"?'),
        (
            15,
            "AG009",
            'unknown key "requried" in inputs[0]; skrun ignores it',
            'did you mean "required"?',
        ),
        (
            21,
            "AG009",
            'unknown key "allowed_host" in environment.networking; skrun ignores it',
            'did you mean "allowed_hosts"?',
        ),
        (23, "AG009", 'unknown key "TTL" in state; skrun ignores it', 'did you mean "ttl"?'),
    ]


def test_input_schema_keeps_extra_keys_silently(tmp_path: Path) -> None:
    text = replace(
        "      type: object\n", "      type: object\n      description: x\n      $defs: {}\n"
    )
    assert check(tmp_path, text) == []


def test_number_key_in_properties(tmp_path: Path) -> None:
    text = replace(
        "      type: object\n", "      type: object\n      properties:\n        1: {type: string}\n"
    )
    assert check(tmp_path, text) == [
        (
            12,
            9,
            "AG006",
            "error",
            "tools[0].input_schema.properties has the key 1, which must be a string, not a number",
            'quote it: "1"',
        )
    ]


# --- rules on the parsed data -----------------------------------------------


def test_duplicate_names(tmp_path: Path) -> None:
    text = replace(
        "outputs:\n",
        "  - name: text\n    type: number\noutputs:\n  - name: result\n    type: number\n",
    )
    text = text.replace(
        "inputs:",
        "  - name: count\n    description: Again.\n    input_schema: {type: object}\ninputs:",
    )
    assert check(tmp_path, text) == [
        (
            11,
            11,
            "AG012",
            "error",
            'duplicate tool name "count" (first at tools[0], line 7)',
            "rename or remove one of the tools",
        ),
        (
            17,
            11,
            "AG013",
            "error",
            'duplicate input name "text" (first at inputs[0], line 15)',
            "rename or remove one of the inputs",
        ),
        (
            22,
            11,
            "AG014",
            "error",
            'duplicate output name "result" (first at outputs[0], line 20)',
            "rename or remove one of the outputs",
        ),
    ]


@pytest.mark.parametrize("choice", ["auto", "required", "none", "count"])
def test_tool_choice_declared(tmp_path: Path, choice: str) -> None:
    assert check(tmp_path, BASE + f"tool_choice: {choice}\n") == []


def test_tool_choice_undeclared(tmp_path: Path) -> None:
    assert check(tmp_path, BASE + "tool_choice: cuont\n") == [
        (
            17,
            14,
            "AG015",
            "error",
            'tool_choice "cuont" is not a declared tool',
            'did you mean "count"?',
        )
    ]
    assert check(tmp_path, BASE + "tool_choice: search\n") == [
        (
            17,
            14,
            "AG015",
            "error",
            'tool_choice "search" is not a declared tool',
            "declared tools: count; or use auto, required or none",
        )
    ]


def test_name_mismatch_with_skill_md(tmp_path: Path) -> None:
    root = agent(tmp_path)
    assert rows(root, "demo") == []
    assert rows(root, None) == []  # no SKILL.md: nothing to compare
    assert rows(root, "other") == [
        (
            1,
            7,
            "AG016",
            "warning",
            'agent.yaml slug "demo" differs from SKILL.md name "other"',
            "use the same name in both, e.g. name: acme/other",
        )
    ]


def test_tool_without_script(tmp_path: Path) -> None:
    root = agent(tmp_path, scripts={"count": {"x.py": ""}, "Count.py": "", "counter.py": ""})
    # A directory, another case, a longer name: none is scripts/count.<ext>.
    assert rows(root) == [
        (
            7,
            11,
            "AG017",
            "error",
            'tool "count" has no script scripts/count.py, .js or .ts',
            "add scripts/count.py, scripts/count.js or scripts/count.ts",
        )
    ]


@pytest.mark.parametrize("script", ["count.js", "count.ts", "count.py"])
def test_a_runnable_script_backs_a_tool(tmp_path: Path, script: str) -> None:
    root = agent(tmp_path)
    (root / "scripts" / "count.py").unlink()
    (root / "scripts" / script).write_text("", encoding="utf-8")
    assert rows(root) == []


@pytest.mark.parametrize(
    ("agents_md", "problem"),
    [(None, "AGENTS.md is missing"), ("  \n\n", "AGENTS.md is empty"), ("# Memory\n", None)],
)
def test_persistent_context_needs_agents_md(
    tmp_path: Path, agents_md: str | None, problem: str | None
) -> None:
    files = {} if agents_md is None else {"AGENTS.md": agents_md}
    got = check(tmp_path, BASE + "context_mode: persistent\n", **files)
    assert got == (
        []
        if problem is None
        else [
            (
                17,
                15,
                "AG018",
                "error",
                f"context_mode is persistent but {problem}",
                "write AGENTS.md, or set context_mode: skill",
            )
        ]
    )


def test_tool_not_mentioned_in_skill_md(tmp_path: Path) -> None:
    root = agent(
        tmp_path, **{"SKILL.md": "---\nname: demo\ndescription: d\n---\nCount things; counter.\n"}
    )
    assert rows(root) == [
        (
            7,
            11,
            "AG020",
            "warning",
            'tool "count" is never mentioned in SKILL.md',
            "tell the model in SKILL.md when to call count",
        )
    ]
    assert rows(root, None) == []  # no SKILL.md parsed: not checked


def test_codes_are_documented_one_liners() -> None:
    assert sorted(c for c in CODES if c.startswith("AG")) == [f"AG{n:03d}" for n in range(1, 22)]
    assert all(text and "\n" not in text for text in CODES.values())


# --- load_agent_config and the snapshot --------------------------------------


def test_load_agent_config_and_snapshot(tmp_path: Path) -> None:
    config = load_agent_config(agent(tmp_path))
    assert config.slug == "demo"
    assert config.snapshot() == {
        "name": "acme/demo",
        "version": "1.0.0",
        "model": {"provider": "openai", "name": "gpt-4o"},
        "tools": [
            {
                "name": "count",
                "description": "Count words.",
                "input_schema": {"type": "object", "properties": {}},
                "required": False,
            }
        ],
        "inputs": [{"name": "text", "type": "string", "required": True}],
        "outputs": [{"name": "result", "type": "string"}],
        **AGENT_DEFAULTS,
    }


def test_snapshot_keeps_explicit_values_and_is_stable(tmp_path: Path) -> None:
    extra = (
        "tests:\n  - name: t\n    input: {when: 2024-01-02, n: 1}\n    assert: output.result == 'x'\n"
        "mcp_servers:\n  - {name: m, url: 'https://m.example/sse'}\n"
    )
    text_a = (
        replace(
            "    type: string\noutputs",
            "    type: string\n    default: null\n    description: d\noutputs",
        )
        + extra
    )
    first = load_agent_config(agent(tmp_path / "a", text_a)).snapshot()
    # Same content, keys in another order: the same snapshot, byte for byte as canonical JSON.
    lines = text_a.split("\n")
    text_b = "\n".join(lines[1:2] + lines[0:1] + lines[2:])
    second = load_agent_config(agent(tmp_path / "b", text_b)).snapshot()
    assert first == second
    canon = json.dumps(first, sort_keys=True, separators=(",", ":"))
    assert canon == json.dumps(second, sort_keys=True, separators=(",", ":"))
    assert first["inputs"][0] == {
        "name": "text",
        "type": "string",
        "required": True,
        "description": "d",
        "default": None,
    }
    assert first["tests"] == [
        {"name": "t", "input": {"when": "2024-01-02", "n": 1}, "assert": "output.result == 'x'"}
    ]
    assert first["mcp_servers"] == [{"name": "m", "url": "https://m.example/sse", "auth": "none"}]


def test_load_agent_config_raises_with_every_error(tmp_path: Path) -> None:
    text = replace("version: 1.0.0", "version: 1.0") + "tool_choice: nope\n"
    with pytest.raises(ValidationFailed) as info:
        load_agent_config(agent(tmp_path, text))
    assert [(i.line, i.code) for i in info.value.issues] == [(2, "AG006"), (17, "AG015")]
    assert str(info.value) == (
        f"{tmp_path}/demo/agent.yaml:2:10: AG006 version must be a string, not a number (and 1 more)"
    )


def test_load_agent_config_ignores_warnings(tmp_path: Path) -> None:
    text = replace("  name: gpt-4o", "  name: gpt-4o\n  temprature: 1")
    assert load_agent_config(agent(tmp_path, text)).model.temperature is None


def test_load_agent_config_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as info:
        load_agent_config(tmp_path)
    assert [i.code for i in info.value.issues] == ["AG001"]


# --- real agents --------------------------------------------------------------

REAL_AGENTS = {
    "corpus/skrun-dev__skrun__csv-to-executive-report/csv-to-executive-report": [],
    "corpus/skrun-dev__skrun__knowledge-base-from-vault/knowledge-base-from-vault": [],
    "examples/csv-summary": [],
    "fixtures/init/agent": [],
    "fixtures/init/agent-node": [],
    "fixtures/init/agent-python": [],
}


def _real(key: str) -> Path:
    return CORPUS / key.removeprefix("corpus/") if key.startswith("corpus/") else REPO / key


def test_every_real_agent_is_pinned() -> None:
    found = {
        f"corpus/{p.parent.relative_to(CORPUS).as_posix()}" for p in CORPUS.glob("*/*/agent.yaml")
    }
    found |= {p.parent.relative_to(REPO).as_posix() for p in REPO.glob("examples/*/agent.yaml")}
    found |= {
        p.parent.relative_to(REPO).as_posix() for p in REPO.glob("fixtures/init/*/agent.yaml")
    }
    assert found == set(REAL_AGENTS)


@pytest.mark.parametrize("key", sorted(REAL_AGENTS))
def test_real_agents(key: str) -> None:
    import yaml

    root = _real(key)
    front = (root / "SKILL.md").read_text(encoding="utf-8").split("---\n")[1]
    skill = SimpleNamespace(frontmatter=yaml.safe_load(front))
    assert [i.code for i in check_agent_dir(root, skill)] == REAL_AGENTS[key]
    config = load_agent_config(root)
    assert config.slug == skill.frontmatter["name"]
    assert json.loads(json.dumps(config.snapshot(), allow_nan=False)) == config.snapshot()


# --- AG019: imports without a dependency manifest ------------------------------

PY_SCRIPT = """\
from __future__ import annotations
import json, os.path
import numpy.linalg
from helper import x
from . import sibling
from pkg.sub import y

def main():
    import pandas as pd  # a lazy import counts too
    import numpy
"""
JS_SCRIPT = """\
import { readFileSync } from "node:fs";
import fs from 'fs/promises';
// import gone from "commented";
/* require("also-commented") */
const s = "import y from 'in-a-string'";
import type { T } from "type-only";
import JSZip from "jszip";
export { z } from "@scope/pkg/deep/file.js";
const m = require("lodash/fp");
const d = await import("dyn");
import "side-effect";
import local from "./local.js";
const again = require("jszip");
"""


def _imports(tmp_path: Path, **files: Any) -> list[tuple[str, int, int, str]]:
    root = agent(tmp_path, **files)
    return [
        (Path(i.file).relative_to(root).as_posix(), i.line, i.col, i.message)
        for i in check_agent_dir(root, _skill())
        if i.code == "AG019"
    ]


def test_scripts_listed_but_not_entered_are_no_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mode r-- on scripts/: its names can be listed, nothing in it can be stat'ed.
    # Tests run as root, where chmod stops nothing, so stat itself refuses.
    import errno
    import os

    from skrun_build.checks.scripts import tool_scripts

    root = agent(tmp_path)
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if Path(str(path)).parent == root / "scripts":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    assert tool_scripts(root) == {"count"}
    assert rows(root) == []


def test_python_imports_without_manifest(tmp_path: Path) -> None:
    scripts = {"count.py": PY_SCRIPT, "helper.py": "", "pkg": {"__init__.py": ""}}
    why = "which is not in the standard library, and the agent has no requirements.txt or pyproject.toml"
    assert _imports(tmp_path, scripts=scripts) == [
        ("scripts/count.py", 3, 1, f'count.py imports "numpy", {why}'),
        ("scripts/count.py", 9, 5, f'count.py imports "pandas", {why}'),
    ]
    [issue] = [i for i in check_agent_dir(tmp_path / "demo", _skill()) if i.line == 3]
    assert (issue.level, issue.hint) == (
        "warning",
        "list it in requirements.txt or pyproject.toml at the agent root",
    )


@pytest.mark.parametrize("manifest", ["requirements.txt", "pyproject.toml"])
def test_python_manifest_silences(tmp_path: Path, manifest: str) -> None:
    files = {"scripts": {"count.py": PY_SCRIPT}, manifest: ""}
    assert _imports(tmp_path, **files) == []


def test_package_json_wins_over_python_manifests(tmp_path: Path) -> None:
    files = {
        "scripts": {"count.py": "import yaml\n"},
        "package.json": "{}",
        "requirements.txt": "pyyaml\n",
    }
    assert _imports(tmp_path, **files) == [
        (
            "scripts/count.py",
            1,
            1,
            'count.py imports "yaml", which is not in the standard library, and package.json'
            " takes precedence, so no Python dependencies are installed",
        )
    ]


def test_js_imports_without_manifest(tmp_path: Path) -> None:
    why = "which is not in the standard library, and the agent has no package.json"
    got = _imports(tmp_path, scripts={"count.ts": JS_SCRIPT})
    assert got == [
        ("scripts/count.ts", 7, 19, f'count.ts imports "jszip", {why}'),
        ("scripts/count.ts", 8, 19, f'count.ts imports "@scope/pkg", {why}'),
        ("scripts/count.ts", 9, 19, f'count.ts imports "lodash", {why}'),
        ("scripts/count.ts", 10, 24, f'count.ts imports "dyn", {why}'),
        ("scripts/count.ts", 11, 8, f'count.ts imports "side-effect", {why}'),
    ]
    assert _imports(tmp_path / "b", scripts={"count.ts": JS_SCRIPT}, **{"package.json": "{}"}) == []


def test_scripts_that_cannot_be_parsed_are_skipped(tmp_path: Path) -> None:
    scripts = {
        "count.py": "def broken(:\n",
        "deep.py": "x = " + "-" * 1_000_000 + "1\n",  # the parser gives up (MemoryError)
        "node_modules": {"x.js": 'require("dep")'},
    }
    assert _imports(tmp_path, scripts=scripts) == []


@pytest.mark.parametrize(
    "expression",
    [
        "1+" * 400 + "1",  # deep, but every Python builds it: the import is reported
        "1+" * 5_000 + "1",  # 3.11/3.12: RecursionError; 3.13 builds it
        "not " * 5_000 + "1",
        "(" * 250 + "1" + ")" * 250,  # "too many nested parentheses" everywhere
        "-" * 200_000 + "1",  # the parser's own stack: MemoryError everywhere
    ],
)
def test_deeply_nested_scripts_give_one_answer_on_every_python(
    tmp_path: Path, expression: str
) -> None:
    # Issue 15: the same script must give the same verdict on Python 3.11, 3.12 and 3.13.
    scripts = {"count.py": f"import requests\nx = {expression}\n"}
    got = [row[3].split(",")[0] for row in _imports(tmp_path, scripts=scripts)]
    assert got == (['count.py imports "requests"'] if expression.count("+") == 400 else [])


def test_scripts_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    # The walk of scripts/ recursed once per folder: RecursionError past ~1,000 levels.
    import sys

    from skrun_build.checks.scripts import scripts_without_manifest

    root = agent(tmp_path)
    folders = [root / "scripts"]
    for _ in range(sys.getrecursionlimit() + 200):
        folders.append(folders[-1] / "a")
        folders[-1].mkdir()  # one by one: os.makedirs itself recurses
    try:
        (folders[-1] / "deep.py").write_text("import requests\n")
        (root / "scripts" / "b.py").write_text("import numpy\n")
        found = [(p.name, module) for p, _, _, module, _ in scripts_without_manifest(root)]
        assert found == [("deep.py", "requests"), ("b.py", "numpy")]
    finally:
        # pytest's clean-up (shutil.rmtree) recurses too on Python 3.11: leave no deep tree.
        (folders[-1] / "deep.py").unlink(missing_ok=True)
        for folder in reversed(folders[1:]):
            folder.rmdir()


def test_explicit_null_in_optional_field(tmp_path: Path) -> None:
    text = replace("  name: gpt-4o", "  name: gpt-4o\n  base_url:\n  temperature: ~")
    text = replace(
        "    type: string\noutputs", "    type: string\n    default: null\noutputs", text
    )
    assert check(tmp_path, text) == [
        (
            6,
            12,
            "AG006",
            "error",
            "model.base_url is null; skrun refuses null for an optional field",
            "give a value or leave base_url out",
        ),
        (
            7,
            16,
            "AG006",
            "error",
            "model.temperature is null; skrun refuses null for an optional field",
            "give a value or leave temperature out",
        ),
    ]


def test_every_code_is_documented() -> None:
    text = (REPO / "docs" / "rules-agent.md").read_text(encoding="utf-8")
    headings = [line.split()[1] for line in text.splitlines() if line.startswith("### ")]
    assert headings == sorted(CODES)
    for code in CODES:
        level = (
            "warning" if code in ("AG009", "AG016", "AG019", "AG020", "AR007", "AR010") else "error"
        )
        assert f"### {code} " in text and text.split(f"### {code} ")[1].split("\n")[0].endswith(
            f"({level})"
        )


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("  name: 4  # a comment", 'YAML reads 4 as a number: quote it, name: "4"'),
        # YAML 1.2 core (Skrun's reading): `true` is a boolean, `yes` would be a string.
        ("  name: true", 'YAML reads true as a boolean: quote it, name: "true"'),
        ("  {name: 4.50, provider: openai}", 'YAML reads 4.50 as a number: quote it, name: "4.50"'),
    ],
)
def test_quote_hint_shows_the_source_text(tmp_path: Path, line: str, hint: str) -> None:
    if line.startswith("  {"):
        text = replace("model:\n  provider: openai\n  name: gpt-4o", "model:\n" + line)
    else:
        text = replace("  name: gpt-4o", line)
    [row] = check(tmp_path, text)
    assert row[2:] == (
        "AG006",
        "error",
        "model.name must be a string, not a number"
        if "true" not in line
        else "model.name must be a string, not a boolean",
        hint,
    )


def test_importing_the_checks_does_not_import_pydantic() -> None:
    import subprocess
    import sys

    code = (
        "import sys, skrun_build.checks.agent, skrun_build.checks.artifact, skrun_build.checks.scripts,"
        " skrun_build.formats.jsonloc, skrun_build.formats.schemas, skrun_build.cli.schema_cmd;"
        " print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_hostile_shapes_give_located_issues(tmp_path: Path) -> None:
    text = (
        "1: x\nname: 2024-01-01\nversion: 1.0.0\nmodel: gpt-4o\ntools: [[1], null]\n"
        "inputs: [null]\noutputs: [{}]\nenvironment: {max_cost: .inf}\nstate: null\n"
    )
    assert check(tmp_path, text) == [
        (
            1,
            1,
            "AG006",
            "error",
            "the top level has the key 1, which must be a string, not a number",
            'quote it: "1"',
        ),
        (
            2,
            7,
            # YAML 1.2 core (Skrun's reading) has no dates: a plain string, not a slug.
            "AG007",
            "error",
            'name must be "namespace/slug" (lowercase letters, digits and -), not "2024-01-01"',
            'e.g. "my-namespace/2024-01-01"',
        ),
        (4, 8, "AG006", "error", "model must be a mapping, not a string", None),
        (5, 9, "AG006", "error", "tools[0] must be a mapping, not a list", None),
        (5, 14, "AG006", "error", "tools[1] must be a mapping, not null", None),
        (6, 10, "AG006", "error", "inputs[0] must be a mapping, not null", None),
        (7, 11, "AG005", "error", 'missing required field "outputs[0].name"', None),
        (7, 11, "AG005", "error", 'missing required field "outputs[0].type"', None),
        (
            8,
            25,
            "AG007",
            "error",
            "environment.max_cost must be a finite number, not Infinity",
            None,
        ),
        (9, 8, "AG006", "error", "state must be a mapping, not null", None),
    ]


def test_fifos_are_not_read(tmp_path: Path) -> None:
    import os

    root = make_tree(tmp_path / "a", {})
    os.mkfifo(root / "agent.yaml")
    assert rows(root, None) == [(0, 0, "AG002", "error", "agent.yaml is not a regular file", None)]
    root = agent(tmp_path / "b", BASE + "context_mode: persistent\n")
    os.mkfifo(root / "AGENTS.md")
    assert [r[4] for r in rows(root)] == [
        "context_mode is persistent but AGENTS.md is not a regular file"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "import as " * 50_000,  # no `from`: a clause look-back would rescan all of it
        "'" + "a\\'" * 200_000,  # an unclosed string, every quote escaped
        "/*" * 200_000,  # unclosed comments
        '"' + "a" * 1_000_000,
    ],
    ids=["imports", "quotes", "comments", "long-string"],
)
def test_js_scan_is_linear_on_hostile_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    # Quadratic scanning took minutes on these. Work is checked, not timed (the speed is
    # benchmarks/validate.py's): the tokens are disjoint and in order (no look-back over a
    # clause), and an unclosed string is one token running to its line's end, so the
    # scanner never restarts inside it.
    from skrun_build.checks import scripts as scripts_check

    spans: list[tuple[int, int]] = []
    real = scripts_check._JS_TOKENS

    class Tokens:
        def finditer(self, source: str) -> Any:
            for match in real.finditer(source):
                spans.append(match.span())
                yield match

    monkeypatch.setattr(scripts_check, "_JS_TOKENS", Tokens())
    found = _imports(tmp_path, scripts={"count.js": text + '\nimport x from "late-pkg";\n'})
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    if text.startswith(("'", '"')):
        assert spans[0] == (0, len(text))  # the unclosed string, matched at once
    # An unclosed string ends with its line; an unclosed comment with the file.
    expected = [] if text.startswith("/*") else ["late-pkg"]
    assert [f[3].split('"')[1] for f in found] == expected
