"""`--target generic|claude-code|codex`: Claude Code's own keys recognised and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build import cli
from skrun_build.checks.run import check_paths, validate
from skrun_build.config import load_config
from skrun_build.errors import ConfigError

from helpers.paths import CORPUS
from helpers.trees import make_tree

ALL_KEYS = (
    "argument-hint: '[file]'\n"
    "disable-model-invocation: true\n"
    "user-invocable: false\n"
    "model: sonnet\n"
    "effort: high\n"
    "context: fork\n"
    "agent: Explore\n"
    "hooks:\n  PreToolUse:\n    - matcher: Bash\n"
    "paths: ['src/**/*.py', '*.md']\n"
    "shell: bash\n"
    "when_to_use: When the user asks for x.\n"
)


def skill(root: Path, extra: str, name: str = "my-skill") -> Path:
    return make_tree(
        root / name, {"SKILL.md": f"---\nname: {name}\ndescription: Does x.\n{extra}---\nbody\n"}
    )


def found(d: Path, target: str) -> list[tuple[int, str, str]]:
    return [(i.line, i.code, i.level) for i in validate(d, target=target)]


def test_generic_default_reports_every_claude_code_key_as_sk050(tmp_path: Path) -> None:
    d = skill(tmp_path, ALL_KEYS)
    assert [i.code for i in validate(d)] == ["SK050"] * 11
    assert validate(d) == validate(d, target="generic") == validate(d, target="codex")


def test_claude_code_recognises_every_documented_key(tmp_path: Path) -> None:
    assert found(skill(tmp_path, ALL_KEYS), "claude-code") == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("argument-hint: [file]\n", [(4, "SK051", "error")]),
        ("disable-model-invocation: 'true'\n", [(4, "SK051", "error")]),
        ("user-invocable: yes\n", [(4, "SK051", "error")]),  # YAML 1.2: the string "yes"
        ("model: 4\n", [(4, "SK051", "error")]),
        ("hooks: run.sh\n", [(4, "SK051", "error")]),
        ("paths: [1, 2]\n", [(4, "SK051", "error")]),
        ("when_to_use: [a]\n", [(4, "SK051", "error")]),
        ("context: isolated\n", [(4, "SK052", "warning")]),
        ("effort: huge\n", [(4, "SK052", "warning")]),
        ("shell: zsh\n", [(4, "SK052", "warning")]),
        ("agent: Explore\n", [(4, "SK053", "warning")]),
        ("context: fork\nagent: Explore\n", []),
        ("paths: src/**/*.py\n", []),
        ("effort: xhigh\n", []),
        ("shell: powershell\n", []),
    ],
)
def test_claude_code_values(tmp_path: Path, extra: str, expected: list[object]) -> None:
    d = skill(tmp_path, extra)
    assert found(d, "claude-code") == expected
    assert {i.code for i in validate(d)} == {"SK050"}  # generic: unknown keys, as before


def test_claude_code_messages(tmp_path: Path) -> None:
    d = skill(tmp_path, "argument-hint: [file]\ncontext: forky\n")
    assert [(i.message, i.hint) for i in validate(d, target="claude-code")] == [
        (
            "argument-hint must be a string for Claude Code, got a list",
            'quote it: argument-hint: "[...]" (a bare [ starts a YAML list)',
        ),
        ("context 'forky' is not a value Claude Code documents (fork)", "write context: fork"),
    ]


def test_other_unknown_keys_stay_sk050_for_claude_code(tmp_path: Path) -> None:
    d = skill(tmp_path, "version: 1.0.0\nmodel: opus\n")
    assert found(d, "claude-code") == [(4, "SK050", "warning")]


def test_corpus_verdicts_unchanged_by_default() -> None:
    """The default target is generic: the corpus pins (test_validate_corpus) hold."""
    default = check_paths([CORPUS]).issues
    assert default == check_paths([CORPUS], target="generic").issues
    cc = check_paths([CORPUS], target="claude-code").issues
    dropped = [i for i in default if i not in cc]
    assert dropped and all(i.code == "SK050" for i in dropped)
    assert {i.message.split("'")[1] for i in dropped} <= {
        "argument-hint",
        "disable-model-invocation",
        "user-invocable",
        "model",
        "effort",
        "context",
        "agent",
        "hooks",
        "paths",
        "shell",
        "when_to_use",
    }


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.run(["validate", *args])
    return code, capsys.readouterr().out


def test_cli_flag_and_config_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    skill(tmp_path, "user-invocable: 'no'\n")
    assert run(capsys, "-q", "my-skill")[0] == 0  # generic: SK050 warning
    code, out = run(capsys, "-q", "--target", "claude-code", "my-skill")
    assert (code, out) == (
        1,
        "my-skill/SKILL.md:4:17: SK051 error user-invocable must be true or false for Claude "
        "Code, got a string ('no') (write user-invocable: true)\n",
    )
    (tmp_path / ".skrun.toml").write_text('target = "claude-code"\n')
    assert run(capsys, "-q", "my-skill")[0] == 1
    assert run(capsys, "-q", "--target", "generic", "my-skill")[0] == 0
    assert run(capsys, "-q", "--no-config", "my-skill")[0] == 0


def test_config_target_must_be_known(tmp_path: Path) -> None:
    config = tmp_path / ".skrun.toml"
    config.write_text('target = "claude"\n')
    with pytest.raises(ConfigError) as info:
        load_config(config)
    assert info.value.message == "target must be one of generic, claude-code, codex, not 'claude'"
    config.write_text('target = "codex"\n')
    assert load_config(config).target == "codex"
