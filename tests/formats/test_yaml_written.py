"""Every string we write into YAML reads back as the same string with our YAML 1.2 loader.

PyYAML's dumper (and a plain `{{value}}` in a template) follows YAML 1.1, which leaves
`0o17`, `1e3`, `0x1F` and `.inf` plain; Skrun v0.7.0 reads agent.yaml and SKILL.md as
YAML 1.2 core, where those are numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.cli import run
from skrun_build.formats.yaml import load_yaml
from skrun_build.scaffolding import import_skill
from skrun_build.scaffolding.values import yaml_scalar

from helpers.trees import make_tree

TABLE = [
    "0o17", "1e3", ".inf", "-.inf", ".nan", "true", "True", "false", "null", "Null", "~",
    "0x1F", "yes", "no", "on", "off", "y", "1:30", "0777", "123", "-1", "+1", "1.5", ".5",
    "1_000", "2001-12-14", "", "plain-text", "claude-sonnet-4-5", "a: b", "# x", "-", "'",
]  # fmt: skip


@pytest.mark.parametrize("text", TABLE)
def test_yaml_scalar_reads_back_as_the_same_string(text: str) -> None:
    assert load_yaml(f"k: {yaml_scalar(text)}\n", file="t.yaml").data == {"k": text}


@pytest.mark.parametrize("text", [t for t in TABLE if t.strip() and " " not in t])
def test_init_from_skill_model_name_reads_back(tmp_path: Path, text: str) -> None:
    skill = make_tree(
        tmp_path / "demo",
        {"SKILL.md": "---\nname: demo\ndescription: A demo skill. Use it in tests.\n---\n"},
    )
    import_skill(skill, model=f"openai/{text}")
    config = load_yaml((skill / "agent.yaml").read_text(), file="agent.yaml").data
    assert config["model"]["name"] == text


def test_every_string_of_an_imported_agent_yaml_reads_back(tmp_path: Path) -> None:
    from skrun_build.scaffolding.importer import _to_yaml

    config = {"strings": TABLE, "map": {t: t for t in TABLE if t}}
    text = _to_yaml(config, tmp_path)
    assert load_yaml(text, file="agent.yaml").data == config


@pytest.mark.parametrize("name", ["1e3", "0x1f", "0o17", "123", "null", "true", "yes"])
def test_init_skill_names_that_yaml_would_retype(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # `name: {{name}}` wrote `name: 1e3`, a number for Skrun: the new skill failed validate.
    monkeypatch.chdir(tmp_path)
    assert run(["init", name, "--template", "agent-python", "--tool", "null"]) == 0
    skill = load_yaml((tmp_path / name / "SKILL.md").read_text().split("---")[1], file="x").data
    assert skill["name"] == name
    agent = load_yaml((tmp_path / name / "agent.yaml").read_text(), file="agent.yaml").data
    assert agent["tools"][0]["name"] == "null"
    assert run(["validate", name]) == 0
