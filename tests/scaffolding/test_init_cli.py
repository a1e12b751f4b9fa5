"""`skrun init` from templates: flags, prompts (TTY only), exit codes, dry run, subprocesses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from skrun_build import cli
from skrun_build.cli import init_cmd

from helpers.paths import BIN

SKRUN = str(BIN / "skrun")


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_init_with_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = cli.run(
        [
            "init",
            "my-agent",
            "--template",
            "agent-python",
            "--description",
            "Counts: words.",
            "--model",
            "openai/gpt-4o",
            "--namespace",
            "acme",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.splitlines() == [
        "Created agent acme/my-agent in my-agent (template agent-python):",
        "my-agent/",
        "  SKILL.md",
        "  agent.yaml",
        "  pyproject.toml",
        "  scripts/",
        "    my_agent.py",
        "  uv.lock",
        "note: dependencies: pyproject.toml + uv.lock (edit, then run `uv lock`)",
        "Next: skrun validate --strict my-agent && skrun build my-agent",
    ]
    config = yaml.safe_load((tmp_path / "my-agent" / "agent.yaml").read_text())
    assert config["name"] == "acme/my-agent"
    assert config["model"] == {"provider": "openai", "name": "gpt-4o"}


def test_init_without_dir_uses_the_current_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "weather-bot"
    project.mkdir()
    monkeypatch.chdir(project)
    assert cli.run(["init"]) == 0
    assert listing(project) == ["SKILL.md", "agent.yaml"]
    assert "name: weather-bot\n" in (project / "SKILL.md").read_text()
    assert "name: local/weather-bot\n" in (project / "agent.yaml").read_text()
    assert capsys.readouterr().out.startswith("Created agent local/weather-bot in . ")


def test_a_directory_whose_name_is_no_skill_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "Weather Bot"
    project.mkdir()
    monkeypatch.chdir(project)
    assert cli.run(["init"]) == 2
    assert capsys.readouterr().err == (
        'skrun: error: DIR: SK012 name must be lowercase: "Weather Bot"; a skill\'s name is its '
        'directory\'s name (create the directory "weather-bot" instead)\n'
    )
    assert cli.run(["init", "--name", "weather-bot"]) == 2
    assert "SK016" in capsys.readouterr().err
    assert listing(tmp_path) == ["Weather Bot"]


def test_dry_run_prints_the_tree_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.run(["init", str(tmp_path / "s"), "-t", "skill", "--dry-run"])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Would create skill in ")
    assert lines[2:] == [
        "  SKILL.md",
        "  assets/",
        "    answer-template.md",
        "  references/",
        "    REFERENCE.md",
        "  scripts/",
        "    s.py",
    ]
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Bad Name"], '--name: SK012 name must be lowercase: "Bad Name"'),
        (["--name", "other"], '--name: SK016 name "other" must equal the skill directory'),
        (["--namespace", "UP"], "--namespace: 'UP' must match ^[a-z0-9-]+$"),
        (["--model", "openia/gpt-4o"], "unknown provider 'openia' (did you mean 'openai'?)"),
        (["--template", "nope"], "Invalid value for '-t' / '--template'"),
        (
            ["--input", "q:string"],
            "--input only work with --from-skill (add --from-skill PATH, or drop them to "
            "scaffold from a template)",
        ),
    ],
)
def test_bad_values_exit_2_and_write_nothing(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(["init", str(tmp_path / "new"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert listing(tmp_path) == []


def test_non_empty_dir_exits_1_unless_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "README.md").write_text("hello")
    assert cli.run(["init", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert "is not empty (README.md)" in err
    assert "pass --force" in err
    assert listing(tmp_path) == ["p", "p/README.md"]
    assert cli.run(["init", str(tmp_path / "p"), "--force"]) == 0
    assert listing(tmp_path) == ["p", "p/README.md", "p/SKILL.md", "p/agent.yaml"]


def test_prompts_on_a_tty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(init_cmd, "stdin_is_tty", lambda: True)
    runner = CliRunner()
    answers = "  \nDoes things: well.\nopenai/gpt-4o\nBad NS\nteam-x\n"
    result = runner.invoke(
        init_cmd.init, [str(tmp_path / "dir")], input=answers, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Name [" not in result.output  # the name is the directory's
    assert "Description [Describe what the dir agent does" in result.output
    assert "SK022 description is only whitespace" in result.output  # refused, then re-asked
    assert "Namespace [local]: " in result.output
    assert "must match ^[a-z0-9-]+$" in result.output
    front = (tmp_path / "dir" / "SKILL.md").read_text()
    assert 'description: "Does things: well."' in front
    config = yaml.safe_load((tmp_path / "dir" / "agent.yaml").read_text())
    assert config["name"] == "team-x/dir"
    assert config["model"]["provider"] == "openai"


def test_flags_given_means_no_prompt_even_on_a_tty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(init_cmd, "stdin_is_tty", lambda: True)
    result = CliRunner().invoke(
        init_cmd.init,
        [
            str(tmp_path / "d"),
            "--name",
            "d",
            "--description",
            "x",
            "--model",
            "xai/grok-4",
            "--namespace",
            "n",
        ],
        input="",
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "[" not in result.output.splitlines()[0]


def test_skill_template_asks_no_agent_questions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(init_cmd, "stdin_is_tty", lambda: True)
    result = CliRunner().invoke(
        init_cmd.init,
        [str(tmp_path / "sk"), "-t", "skill"],
        input="\n\n",
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Namespace" not in result.output
    assert "Model" not in result.output


def test_real_subprocess_without_tty_never_waits(tmp_path: Path) -> None:
    # stdin is a pipe nobody writes to: a prompt would block until the timeout.
    for args in (["init", "a1"], ["init", "a2", "-t", "agent-node"], ["init", "a3", "-t", "skill"]):
        proc = subprocess.Popen(
            [SKRUN, *args],
            cwd=tmp_path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "NO_COLOR": "1"},
        )
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert b"Created " in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a1", "a2", "a3"]


def test_real_subprocess_bad_value_exit_2_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [SKRUN, "init", "x", "--namespace", "A/B"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        "skrun: error: --namespace: 'A/B' must match ^[a-z0-9-]+$ (try \"a-b\")\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_init_and_from_skill_never_import_pydantic(tmp_path: Path) -> None:
    # Start-up cost: pydantic alone takes longer than the whole of `skrun init`. A written
    # --from-skill agent is then validated as `skrun validate` does (agent.yaml through
    # pydantic), so its warnings and Next line are right: only --dry-run stays lean.
    code = (
        "import sys\n"
        "from skrun_build import cli\n"
        "d = sys.argv[1]\n"
        "assert cli.run(['init', d + '/demo', '-t', 'agent-python']) == 0\n"
        "assert cli.run(['init', d + '/sk', '-t', 'skill']) == 0\n"
        "assert cli.run(['init', '--from-skill', d + '/sk', '--dry-run']) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'tarfile')))\n"
    )
    proc = subprocess.run(
        [str(BIN / "python"), "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]"
