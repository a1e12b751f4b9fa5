"""The agent.yaml models themselves: types, defaults, strictness, unknown keys, snapshot."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from skrun_build.formats.agent_yaml import AgentConfig, unknown_keys


def minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "acme/demo",
        "version": "1.0.0",
        "model": {"provider": "anthropic", "name": "claude-sonnet-4-5"},
        "inputs": [{"name": "q", "type": "string"}],
        "outputs": [{"name": "a", "type": "string"}],
    }
    data.update(changes)
    return data


def errors(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as info:
        AgentConfig.model_validate(data)
    return [(tuple(e["loc"]), e["type"]) for e in info.value.errors()]


def test_defaults() -> None:
    config = AgentConfig.model_validate(minimal())
    assert config.tools == [] and config.mcp_servers == [] and config.tests == []
    assert (config.tool_choice, config.parallel_tools, config.context_mode) == (
        "auto",
        True,
        "skill",
    )
    env = config.environment
    assert (env.filesystem, env.timeout, env.sandbox, env.max_cost) == (
        "read-only",
        "300s",
        "strict",
        None,
    )
    assert env.networking.allowed_hosts == [] and env.secrets == []
    assert (config.state.type, config.state.ttl) == ("kv", "30d")
    assert config.inputs[0].required is True
    assert config.slug == "demo"


def test_required_fields() -> None:
    assert errors({}) == [
        (("name",), "missing"),
        (("version",), "missing"),
        (("model",), "missing"),
        (("inputs",), "missing"),
        (("outputs",), "missing"),
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", 1.0),
        ("name", 12345),
        ("parallel_tools", "yes"),
        ("tool_choice", 1),
        ("context_mode", True),
    ],
)
def test_no_coercion(field: str, value: Any) -> None:
    assert len(errors(minimal(**{field: value}))) == 1


def test_int_is_a_number_but_bool_is_not() -> None:
    model = {"provider": "openai", "name": "m", "temperature": 1}
    assert AgentConfig.model_validate(minimal(model=model)).model.temperature == 1.0
    assert errors(minimal(model={**model, "temperature": True})) == [
        (("model", "temperature"), "float_type")
    ]


def test_file_input_defaults_and_union_tags() -> None:
    config = AgentConfig.model_validate(
        minimal(inputs=[{"name": "doc", "type": "file", "media": "document"}])
    )
    assert config.snapshot()["inputs"] == [
        {"name": "doc", "type": "file", "media": "document", "max_count": 1, "required": True}
    ]
    assert errors(minimal(inputs=[{"name": "doc", "type": "file", "media": "video"}])) == [
        (("inputs", 0, "file", "media"), "literal_error")
    ]
    assert errors(minimal(inputs=[{"name": "x", "type": "date"}])) == [
        (("inputs", 0, "plain", "type"), "literal_error")
    ]


def test_tool_forms() -> None:
    tool = {"name": "t", "description": "d", "input_schema": {"type": "object", "x-extra": 1}}
    config = AgentConfig.model_validate(minimal(tools=[tool]))
    assert config.snapshot()["tools"] == [
        {
            "name": "t",
            "description": "d",
            "input_schema": {"type": "object", "properties": {}, "x-extra": 1},
            "required": False,
        }
    ]
    assert errors(minimal(tools=["t", {"name": "u"}])) == [
        (("tools", 0), "legacy_tool"),
        (("tools", 1, "description"), "missing"),
        (("tools", 1, "input_schema"), "missing"),
    ]
    assert errors(minimal(tools=None)) == [(("tools",), "list_type")]


def test_top_level_forbids_unknown_keys_nested_ignores_them() -> None:
    assert errors(minimal(extra=1)) == [(("extra",), "extra_forbidden")]
    data = minimal(model={"provider": "openai", "name": "m", "tempo": 1})
    assert AgentConfig.model_validate(data).snapshot()["model"] == {
        "provider": "openai",
        "name": "m",
    }


def test_unknown_keys_walks_every_nested_model() -> None:
    data = minimal(
        model={"provider": "openai", "name": "m", "fallback": {"provider": "openai", "nme": "x"}},
        tools=[{"name": "t", "input_schema": {"type": "object", "free": 1}, "desc": "d"}],
        inputs=[{"name": "f", "type": "file", "media": "image", "default": 1}],
        outputs=[{"name": "a", "type": "string", "default": 1}],
        environment={"networking": {"hosts": []}, "cpu": 2},
        state={"kind": "kv"},
        tests=[{"name": "t", "input": {"anything": 1}, "assert": "output.a == 1", "skip": True}],
        mcp_servers=[{"name": "m", "url": "https://x.example", "headers": {}}],
        bogus={"ignored": 1},  # top-level: the model's own error, not listed here
    )
    assert [(path, key) for path, key, _ in unknown_keys(data)] == [
        (("model", "fallback", "nme"), "nme"),
        (("inputs", 0, "default"), "default"),
        (("outputs", 0, "default"), "default"),
        (("tools", 0, "desc"), "desc"),
        (("environment", "networking", "hosts"), "hosts"),
        (("environment", "cpu"), "cpu"),
        (("state", "kind"), "kind"),
        (("tests", 0, "skip"), "skip"),
        (("mcp_servers", 0, "headers"), "headers"),
    ]
    assert list(unknown_keys([1])) == [] and list(unknown_keys(minimal(tools="x"))) == []


def test_snapshot_is_json_ready_and_leaves_out_unset_optionals() -> None:
    import json

    data = minimal(
        model={"provider": "openai", "name": "m", "temperature": 0.5, "base_url": "http://h:1/v1"},
        tests=[
            {
                "name": "t",
                "input": {"d": __import__("datetime").date(2025, 1, 2)},
                "assert": "output.a > 1",
            }
        ],
    )
    snap = AgentConfig.model_validate(data).snapshot()
    assert snap["model"] == {
        "provider": "openai",
        "name": "m",
        "temperature": 0.5,
        "base_url": "http://h:1/v1",
    }
    assert snap["tests"] == [{"name": "t", "input": {"d": "2025-01-02"}, "assert": "output.a > 1"}]
    assert json.loads(json.dumps(snap)) == snap
    assert "max_cost" not in snap["environment"]


def test_assert_forms() -> None:
    ok = [
        "output.a == 1",
        "output.a.b >= 2",
        "output.items[0] != x",
        "output.n<3",
        "output.s == 'a b'",
    ]
    for text in ok:
        AgentConfig.model_validate(minimal(tests=[{"name": "t", "input": {}, "assert": text}]))
    for text in ["a == 1", "output == 1", "output.a = 1", "output.a ==", "output.a ~ 1"]:
        assert errors(minimal(tests=[{"name": "t", "input": {}, "assert": text}])) == [
            (("tests", 0, "assert"), "string_pattern_mismatch")
        ], text
