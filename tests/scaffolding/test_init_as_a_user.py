"""`skrun init` as a user meets it: the printed next line runs, `--from-skill` flags reach
agent.yaml through the CLI."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from skrun_build import cli


@pytest.mark.parametrize("template", ["agent", "agent-python", "agent-node", "skill"])
def test_the_next_line_of_init_runs_as_printed(
    template: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.run(["init", "my-proj", "--template", template]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("Next: ")
    commands = [shlex.split(part) for part in last.removeprefix("Next: ").split(" && ")]
    expected_build = ["build", "--format", "skill"] if template == "skill" else ["build"]
    assert commands == [
        ["skrun", "validate", "--strict", "my-proj"],
        ["skrun", *expected_build, "my-proj"],
    ]
    for command in commands:
        assert cli.run(command[1:]) == 0, capsys.readouterr().err
    built = "my-proj.skill" if template == "skill" else "my-proj-0.1.0.agent"
    assert (tmp_path / "my-proj" / built).is_file()


def test_from_skill_flags_reach_agent_yaml_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    skill = tmp_path / "summarizer"
    skill.mkdir()
    (skill / "SKILL.md").write_text(
        "---\nname: summarizer\ndescription: Summarises text.\n---\nbody\n"
    )
    argv = ["init", "--from-skill", str(skill), "--namespace", "acme"]
    argv += ["--model", "openai/gpt-4o", "--input", "path:string", "--input", "limit:number"]
    argv += ["--output", "summary:string", "--allowed-host", "api.example.com"]
    assert cli.run(argv) == 0, capsys.readouterr().err
    config = yaml.safe_load((skill / "agent.yaml").read_text())
    assert config["name"] == "acme/summarizer"
    assert config["model"] == {"provider": "openai", "name": "gpt-4o"}
    assert config["inputs"] == [
        {"name": "path", "type": "string", "required": True},
        {"name": "limit", "type": "number", "required": True},
    ]
    assert config["outputs"] == [{"name": "summary", "type": "string"}]
    assert config["environment"]["networking"]["allowed_hosts"] == ["api.example.com"]
