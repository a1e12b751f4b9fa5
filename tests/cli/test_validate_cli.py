"""`skrun validate`: output formats, exit codes, config, colours, relative paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skrun_build import cli

from helpers.paths import BIN
from helpers.trees import make_tree

BAD = "---\nname: My-Skill\ndescription: Does x.\nversion: 1\n---\nbody\n"
GOOD = "---\nname: my-skill\ndescription: Does x.\n---\nbody\n"
SK012 = 'my-skill/SKILL.md:2:7: SK012 error name must be lowercase: "My-Skill" (try "my-skill")'
SK050 = (
    "my-skill/SKILL.md:4:1: SK050 warning unknown frontmatter key 'version' "
    "(kept; skills-ref and claude.ai uploads reject it: move it under metadata:)"
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.run(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": BAD})
    assert run(capsys, "my-skill") == (
        1,
        f"{SK012}\n{SK050}\n1 file checked: 1 error, 1 warning.\n",
        "",
    )


def test_clean_is_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": GOOD})
    assert run(capsys, "my-skill") == (0, "1 file checked: no issues.\n", "")
    assert run(capsys, "-q", "my-skill") == (0, "", "")


def test_warnings_only_is_exit_0_and_strict_makes_it_1(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": BAD.replace("My-Skill", "my-skill")})
    code, out, _ = run(capsys, "my-skill")
    assert (code, out.splitlines()[-1]) == (0, "1 file checked: 0 errors, 1 warning.")
    code, out, _ = run(capsys, "--strict", "my-skill")
    assert code == 1
    assert out.splitlines()[0] == SK050.replace("SK050 warning", "SK050 error")


def test_default_path_is_the_current_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = make_tree(Path("my-skill"), {"SKILL.md": BAD})
    monkeypatch.chdir(d)
    code, out, _ = run(capsys)
    assert code == 1
    assert out.splitlines()[0] == SK012.replace("my-skill/", "")


def test_absolute_paths_under_the_cwd_print_relative(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": BAD})
    _, out, _ = run(capsys, str(tmp_path / "my-skill"))
    assert out.splitlines()[0] == SK012
    outside = make_tree(tmp_path.parent / f"{tmp_path.name}-out" / "my-skill", {"SKILL.md": BAD})
    _, out, _ = run(capsys, str(outside))
    assert out.splitlines()[0] == SK012.replace("my-skill/", f"{outside}/")


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": BAD})
    code, out, _ = run(capsys, "--format", "json", "my-skill")
    assert code == 1
    assert json.loads(out) == {
        "version": 1,
        "files": ["my-skill/SKILL.md"],
        "issues": [
            {
                "file": "my-skill/SKILL.md",
                "line": 2,
                "col": 7,
                "code": "SK012",
                "level": "error",
                "message": 'name must be lowercase: "My-Skill"',
                "hint": 'try "my-skill"',
            },
            {
                "file": "my-skill/SKILL.md",
                "line": 4,
                "col": 1,
                "code": "SK050",
                "level": "warning",
                "message": "unknown frontmatter key 'version'",
                "hint": "kept; skills-ref and claude.ai uploads reject it: move it under metadata:",
            },
        ],
        "summary": {"files": 1, "errors": 1, "warnings": 1, "notes": 0},
    }


def test_github_format(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": BAD})
    make_tree(Path("a,b"), {"SKILL.md": "no fence\n"})
    code, out, err = run(capsys, "--format", "github", "my-skill", "a,b")
    assert code == 1
    assert out.splitlines() == [
        "::error file=my-skill/SKILL.md,line=2,col=7,title=SK012::"
        'name must be lowercase: "My-Skill" (try "my-skill")',
        "::warning file=my-skill/SKILL.md,line=4,col=1,title=SK050::unknown frontmatter key "
        "'version' (kept; skills-ref and claude.ai uploads reject it: move it under metadata:)",
        "::error file=a%2Cb/SKILL.md,line=1,col=1,title=SK005::SKILL.md must start with YAML "
        "frontmatter: a '---' line (start the file with a '---' line, then name: and "
        "description:, then '---')",
    ]
    assert err == "2 files checked: 2 errors, 1 warning.\n"


def test_colours_only_when_forced(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": BAD})
    _, out, _ = run(capsys, "my-skill")
    assert "\x1b[" not in out  # captured output is not a TTY
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run(capsys, "my-skill")
    assert out.splitlines()[0] == (
        "\x1b[1mmy-skill/SKILL.md:2:7:\x1b[0m \x1b[1mSK012\x1b[0m \x1b[31m\x1b[22merror\x1b[0m "
        'name must be lowercase: "My-Skill" (try "my-skill")'
    )
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run(capsys, "my-skill")
    assert out.splitlines()[0] == SK012


def test_select_and_ignore_flags(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": BAD})
    assert run(capsys, "--select", "SK05", "my-skill")[:2] == (
        0,
        f"{SK050}\n1 file checked: 0 errors, 1 warning.\n",
    )
    assert run(capsys, "--ignore", "SK012,SK050", "my-skill")[:2] == (
        0,
        "1 file checked: no issues.\n",
    )


def test_usage_errors_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": GOOD})
    assert run(capsys, "--select", "SK0999", "my-skill") == (
        2,
        "",
        "skrun: error: --select: unknown rule code 'SK0999' (did you mean 'SK009'?)\n",
    )
    assert run(capsys, "missing") == (
        2,
        "",
        "skrun: error: missing: no such file or directory (pass a skill directory or file)\n",
    )
    code, _, err = run(capsys, "--format", "xml")
    assert code == 2
    assert "Invalid value for '--format'" in err


def test_pyproject_config_is_found_upward(capsys: pytest.CaptureFixture[str]) -> None:
    Path("pyproject.toml").write_text('[tool.skrun]\nignore = ["SK050"]\nstrict = false\n')
    make_tree(Path("skills/my-skill"), {"SKILL.md": BAD})
    code, out, _ = run(capsys, "skills/my-skill")
    assert (code, out.splitlines()[-1]) == (1, "1 file checked: 1 error, 0 warnings.")
    # A flag replaces the config's value; --no-config drops it.
    code, out, _ = run(capsys, "--ignore", "SK012", "skills/my-skill")
    assert (code, out.splitlines()[-1]) == (0, "1 file checked: 0 errors, 1 warning.")
    code, out, _ = run(capsys, "--no-config", "skills/my-skill")
    assert out.splitlines()[-1] == "1 file checked: 1 error, 1 warning."


def test_skrun_toml_wins_and_strict_applies(capsys: pytest.CaptureFixture[str]) -> None:
    Path("pyproject.toml").write_text('[tool.skrun]\nignore = ["SK050"]\n')
    make_tree(Path("skills"), {".skrun.toml": 'strict = true\nselect = ["SK05"]\n'})
    make_tree(Path("skills/my-skill"), {"SKILL.md": BAD})
    code, out, _ = run(capsys, "skills/my-skill")
    assert (code, out.splitlines()[0]) == (
        1,
        SK050.replace("my-skill/", "skills/my-skill/").replace("warning", "error"),
    )
    assert run(capsys, "--no-strict", "skills/my-skill")[0] == 0


def test_malformed_config_names_file_and_key(capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": GOOD})
    Path(".skrun.toml").write_text("strict = yes\n")
    code, _, err = run(capsys, "my-skill")
    assert code == 1
    assert err == (
        "skrun: error: .skrun.toml: invalid TOML: Invalid value (at line 1, column 10) "
        "(fix the TOML syntax)\n"
    )
    Path(".skrun.toml").write_text('strict = "yes"\n')
    assert run(capsys, "my-skill")[2] == (
        "skrun: error: .skrun.toml: strict must be true or false, not 'yes' (strict = true)\n"
    )
    Path(".skrun.toml").unlink()
    Path("pyproject.toml").write_text('[tool.skrun]\nselcet = ["SK0"]\n')
    assert run(capsys, "my-skill")[2] == (
        "skrun: error: pyproject.toml: unknown key tool.skrun.selcet (did you mean 'select'?)\n"
    )
    Path("pyproject.toml").write_text('[tool.skrun]\nignore = ["SK9"]\n')
    assert run(capsys, "my-skill")[2] == (
        "skrun: error: pyproject.toml: tool.skrun.ignore: unknown rule code 'SK9' "
        "(did you mean 'SK009'?)\n"
    )


def test_unexpected_exception_is_exit_3_with_please_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(Path("my-skill"), {"SKILL.md": GOOD})

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("skrun_build.cli.validate_cmd.check_paths", boom)
    code, out, err = run(capsys, "my-skill")
    assert (code, out) == (3, "")
    assert err.startswith("skrun: error: internal error: RuntimeError: kaboom at ")
    assert "This is a bug in skrun-build" in err
    assert err.endswith("please report it with the command you ran.\n")


def test_real_subprocess_from_inside_a_skill(tmp_path: Path) -> None:
    skrun = BIN / "skrun"
    d = make_tree(tmp_path / "my-skill", {"SKILL.md": BAD})
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    proc = subprocess.run(
        [str(skrun), "validate", "."], cwd=d, capture_output=True, text=True, env=env
    )
    assert (proc.returncode, proc.stderr) == (1, "")
    assert proc.stdout.splitlines()[0] == SK012.replace("my-skill/", "")
    (d / "SKILL.md").write_text(GOOD)
    proc = subprocess.run([str(skrun), "validate"], cwd=d, capture_output=True, text=True, env=env)
    assert (proc.returncode, proc.stdout) == (0, "1 file checked: no issues.\n")
    proc = subprocess.run(
        [sys.executable, "-m", "skrun_build", "validate", "nowhere"],
        cwd=d,
        capture_output=True,
        text=True,
        env=env,
    )
    assert (proc.returncode, proc.stderr) == (
        2,
        "skrun: error: nowhere: no such file or directory (pass a skill directory or file)\n",
    )


def test_cli_on_a_plain_skill_stays_off_pydantic_and_the_agent_rules(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "my-skill", {"SKILL.md": GOOD})
    code = (
        "import sys; from skrun_build.cli import run; "
        f"assert run(['validate', '-q', {str(d / 'SKILL.md')!r}]) == 0; "
        "heavy = ('pydantic', 'skrun_build.checks.agent', 'skrun_build.formats.agent_yaml', 'tarfile', 'json'); "
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]\n"
