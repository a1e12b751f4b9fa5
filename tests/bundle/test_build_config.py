"""`[tool.skrun.build]`: every key, its errors, and flags overriding it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skrun_build.cli import run
from skrun_build.config import BuildConfig, Config, find_config, load_config
from skrun_build.errors import ConfigError

from helpers.bundle import agent_tree, skill_md


def test_every_key_is_read_and_paths_join_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.skrun.build]\n"
        'output = "dist"\n'
        'format = "skill"\n'
        'max-size = "2MiB"\n'
        'allow-secrets = ["tests/*.pem"]\n'
        'exclude = ["*.log", "data/"]\n'
        'targets = ["agents/*", "more/x"]\n'
        "jobs = 3\n"
    )
    assert find_config(tmp_path) == Config(
        path=tmp_path / "pyproject.toml",
        build=BuildConfig(
            output=tmp_path / "dist",
            format="skill",
            max_size=2 * 1024 * 1024,
            allow_secrets=("tests/*.pem",),
            exclude=("*.log", "data/"),
            targets=(str(tmp_path / "agents/*"), str(tmp_path / "more/x")),
            jobs=3,
        ),
    )
    # In .skrun.toml the table is [build]; max-size may be a byte count.
    (tmp_path / ".skrun.toml").write_text("[build]\nmax-size = 4096\n")
    assert find_config(tmp_path).build == BuildConfig(max_size=4096)


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("[build]\nmax_size = 1\n", "unknown key build.max_size", "did you mean 'max-size'?"),
        ("[build]\nouptut = 'x'\n", "unknown key build.ouptut", "did you mean 'output'?"),
        ("build = 1\n", "build must be a table", "write [build]"),
        ("[build]\nformat = 'zip'\n", 'build.format must be "agent" or "skill", not \'zip\'', None),
        ("[build]\njobs = 0\n", "build.jobs must be a whole number from 1 to 1024, not 0", None),
        (
            "[build]\njobs = '2'\n",
            "build.jobs must be a whole number from 1 to 1024, not '2'",
            None,
        ),
        (
            "[build]\njobs = true\n",
            "build.jobs must be a whole number from 1 to 1024, not True",
            None,
        ),
        (
            "[build]\nmax-size = 'lots'\n",
            "build.max-size must be a size such as \"20MiB\" or a byte count, not 'lots'",
            'max-size = "20MiB"',
        ),
        (
            "[build]\nmax-size = 0\n",
            'build.max-size must be a size such as "20MiB" or a byte count, not 0',
            None,
        ),
        ("[build]\noutput = 3\n", "build.output must be a folder path (a string), not 3", None),
        (
            "[build]\nexclude = '*.log'\n",
            "build.exclude must be a list of non-empty strings, not '*.log'",
            None,
        ),
        (
            "[build]\nallow-secrets = ['']\n",
            "build.allow-secrets must be a list of non-empty strings, not ['']",
            None,
        ),
        (
            "[build]\ntargets = ['../x']\n",
            "build.targets: '../x' must be a glob relative to the config's folder",
            None,
        ),
        (
            "[build]\ntargets = ['/abs']\n",
            "build.targets: '/abs' must be a glob relative to the config's folder",
            None,
        ),
    ],
)
def test_bad_keys_and_values_are_located_errors(
    tmp_path: Path, text: str, message: str, hint: str | None
) -> None:
    path = tmp_path / ".skrun.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.message == message
    assert info.value.path == str(path)
    if hint is not None:
        assert info.value.hint == hint


def test_pyproject_errors_name_the_full_key(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.skrun.build]\njobz = 2\n")
    with pytest.raises(ConfigError, match=r"unknown key tool\.skrun\.build\.jobz"):
        load_config(path)


def test_the_cli_reports_a_bad_key_with_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_tree(tmp_path)
    (tmp_path / ".skrun.toml").write_text("[build]\njobs = -1\n")
    monkeypatch.chdir(tmp_path)
    assert run(["build", "demo"]) == 1
    assert capsys.readouterr().err == (
        "skrun: error: .skrun.toml: build.jobs must be a whole number from 1 to 1024, not -1 "
        "(jobs = 4, or leave it out to use every CPU)\n"
    )
    assert run(["build", "demo", "--no-config"]) == 0


def test_output_format_and_max_size_from_config_and_flags_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_tree(tmp_path, {"big.bin": bytes(range(256)) * 400})
    (tmp_path / ".skrun.toml").write_text('[build]\noutput = "out"\nmax-size = "1KiB"\n')
    monkeypatch.chdir(tmp_path / "demo")
    assert run(["build", "."]) == 1
    assert "exceeds the size limit of 1.0 KiB" in capsys.readouterr().err
    assert run(["build", ".", "--max-size", "1MiB"]) == 0
    assert (tmp_path / "out" / "demo-0.1.0.agent").is_file()  # relative to the config's folder
    assert run(["build", ".", "--max-size", "1MiB", "-o", "here"]) == 0
    assert (tmp_path / "demo" / "here" / "demo-0.1.0.agent").is_file()
    (tmp_path / ".skrun.toml").write_text('[build]\nformat = "skill"\noutput = "out"\n')
    assert run(["build", "."]) == 0
    assert (tmp_path / "out" / "demo.skill").is_file()


def test_exclude_applies_to_build_list_and_explain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agent_tree(tmp_path, {"a.log": "x", "keep.log": "y", "notes.md": "z"})
    (tmp_path / "demo" / ".skrunignore").write_text("!keep.log\n")
    (tmp_path / "pyproject.toml").write_text('[tool.skrun.build]\nexclude = ["*.log"]\n')
    monkeypatch.chdir(tmp_path)
    assert run(["build", "demo", "--list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "SKILL.md",
        "agent.yaml",
        "keep.log",
        "notes.md",
    ]
    assert run(["build", "demo", "--explain", "demo/a.log"]) == 0
    assert capsys.readouterr().out == 'a.log: excluded by [tool.skrun.build] exclude:1 "*.log"\n'
    assert run(["build", "demo", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"] == 4


def test_targets_and_jobs_from_config_build_a_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for slug in ("a", "b"):
        agent_tree(tmp_path / "agents", slug=slug)
    agent_tree(tmp_path / "other", slug="c")  # not in targets: not built
    (tmp_path / ".skrun.toml").write_text(
        '[build]\ntargets = ["agents/*"]\njobs = 1\noutput = "dist"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert run(["build"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "built       agents/a  dist/a-0.1.0.agent",
        "built       agents/b  dist/b-0.1.0.agent",
        "2 targets: 2 built, 0 up to date, 0 failed",
    ]
    (tmp_path / ".skrun.toml").write_text('[build]\ntargets = ["nothing/*"]\n')
    assert run(["build"]) == 1
    assert "build.targets: 'nothing/*' matches no folder" in capsys.readouterr().err


def test_skill_format_from_config_builds_a_skill_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("one", "two"):
        (tmp_path / "s" / name).mkdir(parents=True)
        (tmp_path / "s" / name / "SKILL.md").write_text(skill_md(name))
    (tmp_path / ".skrun.toml").write_text('[build]\nformat = "skill"\noutput = "dist"\n')
    monkeypatch.chdir(tmp_path)
    assert run(["build", "s", "-j", "1"]) == 0
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == ["one.skill", "two.skill"]


def test_each_target_of_a_tree_keeps_its_own_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for slug in ("a", "b", "c"):
        d = agent_tree(tmp_path / "agents", slug=slug)
        with (d / "SKILL.md").open("a") as f:
            f.write("\nSee [the guide](guide.md).\n")  # SK080, a warning
    (tmp_path / "agents" / "a" / ".skrun.toml").write_text("strict = true\n")
    (tmp_path / "agents" / ".skrun.toml").write_text('ignore = ["SK080"]\n')
    monkeypatch.chdir(tmp_path)
    assert run(["build", "agents", "-j", "1", "-o", "dist"]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines()[:3] == [
        "failed      agents/a",
        "built       agents/b  dist/b-0.1.0.agent",
        "built       agents/c  dist/c-0.1.0.agent",
    ]
    # b and c share their folder's config: the warning is ignored there, not in a.
    assert out.err.count("SK080") == 1
    (tmp_path / "agents" / ".skrun.toml").write_text('ignore = ["XX999"]\n')
    assert run(["build", "agents", "-j", "1", "-o", "dist"]) == 1
    assert "agents/.skrun.toml" in capsys.readouterr().err


def _long_claude_skill(d: Path) -> None:
    text = (d / "SKILL.md").read_text()
    text = text.replace("Use in tests.\n", "Use in tests.\nagent: helper\n", 1)
    (d / "SKILL.md").write_text(text + "".join(f"line {n}\n" for n in range(20)))


def test_build_validates_with_the_configs_body_limits_and_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for slug in ("a", "b"):
        _long_claude_skill(agent_tree(tmp_path / "agents", slug=slug))
    monkeypatch.chdir(tmp_path)
    # The defaults: the body is short enough; `agent` is an unknown key (SK050).
    assert run(["build", "agents/a", "-o", "dist"]) == 0
    err = capsys.readouterr().err
    assert "SK050" in err and "SK060" not in err and "SK053" not in err
    # The config's limit and target apply to a build as to `skrun validate`.
    (tmp_path / ".skrun.toml").write_text('max-body-lines = 10\ntarget = "claude-code"\n')
    assert run(["build", "agents/a", "-o", "dist"]) == 0
    err = capsys.readouterr().err
    assert "SK060 warning the body is 22 lines" in err and "under 10" in err
    assert "SK053" in err and "SK050" not in err
    assert run(["build", "agents/a", "-o", "dist", "--strict"]) == 1
    capsys.readouterr()
    # So they do in a tree build, where --target overrides the config.
    assert run(["build", "agents", "-o", "dist", "-j", "1", "--target", "generic"]) == 0
    err = capsys.readouterr().err
    assert err.count("SK060") == 2 and err.count("SK050") == 2 and "SK053" not in err
