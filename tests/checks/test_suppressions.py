"""Suppressions: `skrun-ignore` comments (SKILL.md, agent.yaml), per-file-ignores, SU001/SU002."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_agent_rules import BASE as AGENT_BASE
from test_agent_rules import SKILL as AGENT_SKILL

from skrun_build import validate
from skrun_build.checks.codes import RULES
from skrun_build.checks.suppress import Suppressions
from skrun_build.cli import run
from skrun_build.config import load_config
from skrun_build.errors import ConfigError
from skrun_build.formats.ignore_comments import skill_md_comments, yaml_comments

from helpers.paths import BIN, REPO
from helpers.trees import make_tree

SKRUN = BIN / "skrun"
Row = tuple[int, int, str, str]


def skill(tmp_path: Path, text: str, name: str = "my-skill") -> Path:
    return make_tree(tmp_path / name, {"SKILL.md": text})


def rows(path: Path, **kwargs: object) -> list[Row]:
    return [(i.line, i.col, i.code, i.message) for i in validate(path, **kwargs)]  # type: ignore[arg-type]


def codes(path: Path, **kwargs: object) -> list[tuple[int, str]]:
    return [(i.line, i.code) for i in validate(path, **kwargs)]  # type: ignore[arg-type]


def body(lines: int) -> str:
    return "".join(f"line {n}\n" for n in range(1, lines + 1))


HEAD = "---\nname: my-skill\ndescription: Does things.\n---\n"  # body starts on line 5


# --- YAML comments in the frontmatter -------------------------------------------------------


def test_a_trailing_comment_silences_its_own_line(tmp_path: Path) -> None:
    bad = "---\nname: My-Skill\ndescription: Does things.\n---\nbody\n"
    assert codes(skill(tmp_path / "a", bad)) == [(2, "SK012")]
    fixed = bad.replace("My-Skill\n", "My-Skill  # skrun-ignore SK012\n")
    assert codes(skill(tmp_path / "b", fixed)) == []


def test_a_comment_alone_on_its_line_silences_the_next_line(tmp_path: Path) -> None:
    text = "---\n# skrun-ignore SK012\nname: My-Skill\ndescription: Does things.\n---\nbody\n"
    assert codes(skill(tmp_path, text)) == []


def test_a_comment_covers_one_line_only(tmp_path: Path) -> None:
    # The comment alone on line 2 covers line 3 (description), not line 4 (name).
    text = "---\n# skrun-ignore SK012\ndescription: Does things.\nname: My-Skill\n---\nbody\n"
    # SU issues come after the file's own issues.
    assert rows(skill(tmp_path, text)) == [
        (4, 7, "SK012", 'name must be lowercase: "My-Skill"'),
        (2, 16, "SU001", "skrun-ignore SK012 silences nothing on line 3"),
    ]


def test_several_codes_commas_blanks_and_a_reason(tmp_path: Path) -> None:
    text = (
        "---\nname: my-skill\ndescription: Does things.\n"
        "version: 1  # skrun-ignore SK050,SK035 SK012 -- read by our v1 client\n---\nbody\n"
    )
    assert rows(skill(tmp_path, text)) == [
        (4, 34, "SU001", "skrun-ignore SK035 silences nothing on line 4"),
        (4, 40, "SU001", "skrun-ignore SK012 silences nothing on line 4"),
    ]


@pytest.mark.parametrize(
    "description",
    [
        '"says # skrun-ignore SK050"',
        "'says # skrun-ignore SK050'",
        "|\n  says\n  # skrun-ignore SK050",
    ],
)
def test_a_hash_inside_a_scalar_is_text(tmp_path: Path, description: str) -> None:
    text = f"---\nname: my-skill\ndescription: {description}\nversion: 1\n---\nbody\n"
    found = codes(skill(tmp_path, text))
    assert ("SU001" not in {c for _l, c in found}) and any(c == "SK050" for _l, c in found)


def test_comments_past_a_yaml_error_are_still_read(tmp_path: Path) -> None:
    # Line 1 is a YAML error; after it, a `#` after a blank and outside quotes is a comment.
    text = (
        'a: b: c\nd: 1  # skrun-ignore SK050\ne: "x # skrun-ignore SK012"\n# skrun-ignore AG005\n'
    )
    comments = yaml_comments(text)
    assert [(c.line, c.target, [x for x, _ in c.codes]) for c in comments] == [
        (2, 2, ["SK050"]),
        (4, 5, ["AG005"]),
    ]
    # Without the error, a quoted scalar spanning lines keeps its `#` as text.
    assert yaml_comments('a: "open\nb: 1  # skrun-ignore SK050"\n') == []


# --- HTML comments in the body --------------------------------------------------------------


def test_html_comment_on_the_line_and_on_the_line_before(tmp_path: Path) -> None:
    # SK060 is reported on the body's 501st line: line 505 of the file.
    lines = body(600).splitlines(keepends=True)
    assert codes(skill(tmp_path / "a", HEAD + "".join(lines))) == [(505, "SK060")]
    same = lines.copy()
    same[500] = "line 501 <!-- skrun-ignore SK060 -->\n"
    assert codes(skill(tmp_path / "b", HEAD + "".join(same))) == []
    before = lines.copy()
    before[499] = "<!-- skrun-ignore SK060 -->\n"  # alone on line 504
    assert codes(skill(tmp_path / "c", HEAD + "".join(before))) == []
    too_early = lines.copy()
    too_early[498] = "<!--skrun-ignore SK060-->\n"  # line 503 covers 504 only
    assert codes(skill(tmp_path / "d", HEAD + "".join(too_early))) == [
        (505, "SK060"),
        (503, "SU001"),
    ]


def test_html_comments_in_code_are_examples(tmp_path: Path) -> None:
    text = HEAD + (
        "Write `<!-- skrun-ignore SK060 -->` to silence it.\n"
        "```markdown\n<!-- skrun-ignore SK060 -->\n```\n"
        "~~~~\n<!-- skrun-ignore SK024 -->\n```\nstill code\n~~~~\n"
    )
    assert skill_md_comments(text) == []
    assert codes(skill(tmp_path, text)) == []


def test_a_frontmatter_html_comment_and_a_body_hash_are_not_suppressions() -> None:
    text = (
        "---\nname: x  # <!-- skrun-ignore SK012 -->\n---\n# skrun-ignore SK060\n"
        "<!-- skrun-ignore SK024 -->\n"
    )
    found = [(c.line, c.target, [x for x, _ in c.codes]) for c in skill_md_comments(text)]
    # Line 2's YAML comment is read as a YAML comment (its words follow `#`), line 4 is a
    # Markdown heading, line 5 the one HTML comment of the body.
    assert found == [(5, 6, ["SK024"])]


# --- agent.yaml -----------------------------------------------------------------------------


def agent(tmp_path: Path, yaml_text: str) -> Path:
    tree = {"SKILL.md": AGENT_SKILL, "scripts": {"count.py": "import json\n"}}
    return make_tree(tmp_path / "demo", {**tree, "agent.yaml": yaml_text})


def test_agent_yaml_comment_on_the_line_and_the_line_before(tmp_path: Path) -> None:
    bad = AGENT_BASE.replace("version: 1.0.0", "version: 1.0")
    assert codes(agent(tmp_path / "a", bad)) == [(2, "AG006")]
    same = bad.replace("version: 1.0\n", "version: 1.0  # skrun-ignore AG006\n")
    assert codes(agent(tmp_path / "b", same)) == []
    before = bad.replace(
        "version: 1.0\n", "# skrun-ignore AG006 -- pinned by our registry\nversion: 1.0\n"
    )
    assert codes(agent(tmp_path / "c", before)) == []


def test_agent_yaml_unused_and_unknown_codes(tmp_path: Path) -> None:
    text = AGENT_BASE.replace("version: 1.0.0", "version: 1.0.0  # skrun-ignore AG006 AG6, SU001")
    found = [(i.line, i.col, i.code, i.message, i.hint) for i in validate(agent(tmp_path, text))]
    assert found == [
        (
            2,
            32,
            "SU001",
            "skrun-ignore AG006 silences nothing on line 2",
            "remove AG006 from the comment",
        ),
        (2, 38, "SU002", "skrun-ignore names an unknown rule code 'AG6'", "did you mean 'AG016'?"),
        (
            2,
            43,
            "SU002",
            "skrun-ignore cannot silence SU001",
            'drop it from the comment; silence it with ignore = ["SU001"] in the config',
        ),
    ]


def test_a_bare_skrun_ignore_is_su002(tmp_path: Path) -> None:
    text = AGENT_BASE.replace("model:\n", "model:\n  # skrun-ignore\n")
    found = [(i.line, i.col, i.code, i.message) for i in validate(agent(tmp_path, text))]
    assert found == [(4, 3, "SU002", "skrun-ignore names no rule code")]


# --- what decides "used", and --no-inline-ignores -------------------------------------------


def test_select_never_makes_a_needed_comment_unused(tmp_path: Path) -> None:
    text = "---\nname: My-Skill  # skrun-ignore SK012\ndescription: Does things.\n---\nbody\n"
    root = skill(tmp_path, text)
    assert codes(root, select=["SK02"]) == []
    assert codes(root, select=["SU"]) == []


def test_su_codes_follow_select_and_ignore(tmp_path: Path) -> None:
    text = "---\nname: my-skill  # skrun-ignore SK012\ndescription: Does things.\n---\nbody\n"
    root = skill(tmp_path, text)
    assert codes(root) == [(2, "SU001")]
    assert codes(root, ignore=["SU001"]) == []
    assert [i.level for i in validate(root, strict=True)] == ["error"]


def test_no_inline_ignores_reports_everything_and_no_su(tmp_path: Path) -> None:
    text = (
        "---\nname: My-Skill  # skrun-ignore SK012\ndescription: Does things.\n"
        "version: 1 # skrun-ignore SK999\n---\nbody\n"
    )
    root = skill(tmp_path, text)
    assert codes(root) == [(4, "SK050"), (4, "SU002")]
    assert codes(root, suppress=Suppressions(inline=False)) == [(2, "SK012"), (4, "SK050")]


def test_cli_no_inline_ignores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "---\nname: My-Skill  # skrun-ignore SK012\ndescription: Does things.\n---\nbody\n"
    root = skill(tmp_path, text)
    assert run(["validate", "--no-config", str(root)]) == 0
    capsys.readouterr()
    assert run(["validate", "--no-config", "--no-inline-ignores", "-q", str(root)]) == 1
    assert capsys.readouterr().out == (
        f'{root}/SKILL.md:2:7: SK012 error name must be lowercase: "My-Skill" (try "my-skill")\n'
    )


# --- per-file-ignores -----------------------------------------------------------------------

LEGACY = "---\nname: old\ndescription: Old.\nversion: 1\n---\nbody\n"


def test_per_file_ignores_from_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(
        tmp_path,
        {
            ".skrun.toml": '[per-file-ignores]\n"skills/legacy/**" = ["SK05"]\n',
            "skills": {
                "legacy": {"old": {"SKILL.md": LEGACY}},
                "new": {"SKILL.md": LEGACY.replace("old", "new")},
            },
        },
    )
    assert run(["validate", "-q", str(tmp_path / "skills")]) == 0
    out = capsys.readouterr().out
    assert "legacy" not in out
    assert "skills/new/SKILL.md:4:1: SK050 warning unknown frontmatter key 'version'" in out


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("skills/legacy/**", True),
        ("skills/legacy", True),  # a folder covers what is below it
        ("legacy", True),  # no `/`: any part of that name
        ("SKILL.md", True),
        ("skills/*/old/SKILL.md", True),
        ("**/old/*.md", True),
        ("skills/leg?cy/old", True),
        ("skills/[!x]egacy", True),
        ("skills/*.md", False),  # `*` stays within one part
        ("skills/new", False),
        ("old.md", False),
    ],
)
def test_per_file_patterns(tmp_path: Path, pattern: str, matches: bool) -> None:
    root = make_tree(tmp_path, {"skills": {"legacy": {"old": {"SKILL.md": LEGACY}}}})
    settings = Suppressions(per_file=((pattern, ("SK050",)),), root=str(root))
    found = codes(root / "skills", suppress=settings)
    assert found == ([] if matches else [(4, "SK050")])


def test_a_file_outside_the_config_folder_is_never_matched(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"cfg": {}, "old": {"SKILL.md": LEGACY}})
    settings = Suppressions(per_file=(("**", ("SK",)),), root=str(root / "cfg"))
    assert codes(root / "old", suppress=settings) == [(4, "SK050")]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "per-file-ignores = 1\n",
            1,
            "per-file-ignores must be a table of glob pattern = [rule codes]",
        ),
        (
            'select = []\n[per-file-ignores]\n"a/**" = ["SK050"]\n"b/**" = [1]\n',
            4,
            "per-file-ignores.'b/**' must be a list of rule codes, not [1]",
        ),
        (
            'per-file-ignores = {"x" = []}\n',
            1,
            "per-file-ignores.'x' must be a list of rule codes, not []",
        ),
        (
            'per-file-ignores = {"/abs/**" = ["SK050"]}\n',
            1,
            "per-file-ignores.'/abs/**': a pattern must be a path relative to this file's folder",
        ),
    ],
)
def test_malformed_per_file_ignores_are_located(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / ".skrun.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert (info.value.message, info.value.line, info.value.path) == (message, line, str(path))


def test_unknown_code_in_per_file_ignores_is_a_located_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.skrun]\nstrict = true\n\n[tool.skrun.per-file-ignores]\n"legacy/**" = ["SK999"]\n',
            "legacy": {"SKILL.md": LEGACY},
        },
    )
    assert run(["validate", str(tmp_path / "legacy")]) == 1
    err = capsys.readouterr().err
    assert (
        f"{tmp_path}/pyproject.toml:5: tool.skrun.per-file-ignores.'legacy/**': unknown rule code 'SK999'"
        in err
    )
    assert "did you mean" in err


# --- skrun build and the pre-commit hook's command -------------------------------------------


def test_build_honours_comments_and_per_file_ignores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = "---\nname: my-skill\ndescription: Does things.\n---\nbody\n"
    src = skill(tmp_path, bad.replace("name: my-skill", "name: my-skill\nlicense:"))
    out = tmp_path / "out"
    assert run(["build", "--format", "skill", "-o", str(out), str(src)]) == 1
    assert "SK030" in capsys.readouterr().err
    (src / "SKILL.md").write_text(
        bad.replace("name: my-skill", "name: my-skill\nlicense:  # skrun-ignore SK030")
    )
    assert run(["build", "--format", "skill", "-o", str(out), str(src)]) == 0
    assert (out / "my-skill.skill").is_file()
    # Per file, from the config above the skill.
    (src / "SKILL.md").write_text(bad.replace("name: my-skill", "name: my-skill\nlicense:"))
    (tmp_path / ".skrun.toml").write_text('[per-file-ignores]\n"my-skill/SKILL.md" = ["SK030"]\n')
    (out / "my-skill.skill").unlink()
    assert run(["build", "--format", "skill", "-o", str(out), str(src)]) == 0
    assert (out / "my-skill.skill").is_file()


def test_the_pre_commit_hook_command_honours_suppressions(tmp_path: Path) -> None:
    # The hook runs its `entry` with the changed files appended (pass_filenames: true).
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]
    assert hook["id"] == "skrun-validate"
    root = skill(
        tmp_path, "---\nname: My-Skill  # skrun-ignore SK012\ndescription: Does things.\n---\nx\n"
    )
    argv = [str(SKRUN), *shlex.split(hook["entry"])[1:], "my-skill/SKILL.md"]
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (0, "1 file checked: no issues.\n")
    (root / "SKILL.md").write_text(
        "---\nname: my-skill  # skrun-ignore SK012\ndescription: Does things.\n---\nx\n"
    )
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0  # a warning
    assert proc.stdout.splitlines()[0] == (
        "my-skill/SKILL.md:2:32: SU001 warning skrun-ignore SK012 silences nothing on line 2"
        " (remove SK012 from the comment)"
    )


# --- the registry's examples are what the tool prints ----------------------------------------


def test_su_rule_examples_are_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    skill(
        tmp_path, "---\nname: my-skill  # skrun-ignore SK012\ndescription: Does things.\n---\nx\n"
    )
    [line] = [i.format().removeprefix("my-skill/") for i in validate("my-skill")]
    assert line in RULES["SU001"].fails[0]
    skill(tmp_path / "b", HEAD + "x\nx\n<!-- skrun-ignore SK12 -->\n")
    monkeypatch.chdir(tmp_path / "b")
    [line] = [i.format().removeprefix("my-skill/") for i in validate("my-skill")]
    assert line in RULES["SU002"].fails[0]
    text = AGENT_BASE.replace("model:\n", "model:\n  # skrun-ignore\n")
    agent(tmp_path / "c", text)
    monkeypatch.chdir(tmp_path / "c" / "demo")
    [line] = [i.format() for i in validate(".")]
    assert line in RULES["SU002"].fails[1]


# --- files the checks do not read are not read for comments either -------------------------


def test_a_fifo_or_a_link_out_is_not_read_for_comments(tmp_path: Path) -> None:
    # A FIFO SKILL.md with no writer would block a reader: SK002, and nothing else.
    root = tmp_path / "my-skill"
    root.mkdir()
    os.mkfifo(root / "SKILL.md")
    code = "import sys; from skrun_build import validate; print([i.code for i in validate(sys.argv[1])])"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, timeout=120
    )
    assert proc.stdout == "['SK002']\n"
    # A link out of the folder (SK003): the comments of its target are no suppressions.
    outside = tmp_path / "outside.md"
    outside.write_text("---\nname: x  # skrun-ignore SK012\n---\n")
    link = make_tree(tmp_path / "linked", {})
    (link / "SKILL.md").symlink_to(outside)
    assert codes(link) == [(0, "SK003")]


def test_agent_build_honours_comments_in_skill_md_and_agent_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    md = AGENT_SKILL.replace("Count words.", "Count <b> words.")
    root = make_tree(
        tmp_path / "demo",
        {"SKILL.md": md, "agent.yaml": AGENT_BASE, "scripts": {"count.py": "import json\n"}},
    )
    out = tmp_path / "out"
    assert run(["build", "--strict", "-o", str(out), str(root)]) == 1
    assert "SK024 error" in capsys.readouterr().err
    (root / "SKILL.md").write_text(md.replace("words.\n", "words.  # skrun-ignore SK024\n", 1))
    # An unused comment in agent.yaml is SU001, an error under --strict: the build says so.
    (root / "agent.yaml").write_text(
        AGENT_BASE.replace("model:\n", "model:  # skrun-ignore AG006\n")
    )
    assert run(["build", "--strict", "-o", str(out), str(root)]) == 1
    err = capsys.readouterr().err
    assert "agent.yaml:3:24: SU001 error skrun-ignore AG006 silences nothing on line 3" in err
    (root / "agent.yaml").write_text(AGENT_BASE)
    assert run(["build", "--strict", "-o", str(out), str(root)]) == 0
    assert (out / "demo-1.0.0.agent").is_file()


def test_no_su001_in_a_file_the_rules_could_not_read(tmp_path: Path) -> None:
    # Invalid YAML (SK007): the name rules never ran, so the comment may well be needed.
    text = "---\nname: My-Skill  # skrun-ignore SK012 SK99\ndescription: [oops\n---\nbody\n"
    assert codes(skill(tmp_path / "a", text)) == [(4, "SK007"), (2, "SU002")]
    bad = AGENT_BASE.replace("model:\n", "model:  # skrun-ignore AG006\n") + "x: [\n"
    assert [c for _l, c in codes(agent(tmp_path / "b", bad))] == ["AG003"]
