"""`skrun validate --fix` / `--diff`: only meaning-keeping rewrites, textual, atomic, idempotent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from skrun_build import cli
from skrun_build.checks.fix import fix_file, fix_text
from skrun_build.checks.run import validate

from helpers.trees import make_tree


def fixed(text: str) -> tuple[str, list[str]]:
    after, changes = fix_text(text)
    again, more = fix_text(after)
    assert (again, more) == (after, [])  # a second --fix changes nothing
    return after, changes


def test_value_misread_for_a_colon_is_single_quoted() -> None:
    text = "---\nname: a\ndescription: Loop for Django: tests, it's fast\n---\nbody\n"
    after, changes = fixed(text)
    assert after == "---\nname: a\ndescription: 'Loop for Django: tests, it''s fast'\n---\nbody\n"
    assert changes == ["line 3: quoted the value of description (': ' inside it)"]


def test_two_misread_lines_are_both_quoted() -> None:
    text = "---\nname: a\ndescription: A: b\ncompatibility: Needs: git\n---\n"
    after, _ = fixed(text)
    assert after == "---\nname: a\ndescription: 'A: b'\ncompatibility: 'Needs: git'\n---\n"


@pytest.mark.parametrize(
    "text",
    [
        # a multi-line plain value: not a one-line edit
        "---\nname: a\ndescription: A: b\n  more text\n---\n",
        # ` #` starts a comment: quoting would change the value
        "---\nname: a\ndescription: A: b # note\n---\n",
        # a syntax error that is no misread colon
        "---\nname: a\ndescription: [unclosed\n---\n",
    ],
)
def test_other_yaml_errors_are_left_alone(text: str) -> None:
    assert fix_text(text) == (text, [])


def test_allowed_tools_block_list_becomes_one_string_comments_elsewhere_kept() -> None:
    text = (
        "---\n# who\nname: a  # the name\ndescription: d\nallowed-tools:\n  - Read\n"
        "  - Bash(git:*)\n\nlicense: MIT\n---\nbody\n"
    )
    after, changes = fixed(text)
    assert after == (
        "---\n# who\nname: a  # the name\ndescription: d\nallowed-tools: Read Bash(git:*)\n"
        "\nlicense: MIT\n---\nbody\n"
    )
    assert changes == ["line 5: allowed-tools was a YAML list; wrote one space-separated string"]


def test_allowed_tools_flow_list_and_comma_string() -> None:
    flow = "---\nname: a\ndescription: d\nallowed-tools: [Read, Grep]\n---\n"
    assert fixed(flow)[0] == "---\nname: a\ndescription: d\nallowed-tools: Read Grep\n---\n"
    comma = "---\nname: a\ndescription: d\nallowed-tools: Read, Bash(git:a,b), Grep\n---\n"
    assert fixed(comma)[0] == (
        "---\nname: a\ndescription: d\nallowed-tools: Read Bash(git:a,b) Grep\n---\n"
    )


@pytest.mark.parametrize(
    "tools",
    [
        "['Azure MCP/docs', Read]",  # a name with a space: joining would change it
        "\n  - Read  # keep me\n  - Grep",  # a comment would be lost
        "[Read, 1]",  # not all strings
    ],
)
def test_allowed_tools_that_cannot_be_joined_safely_are_left(tools: str) -> None:
    text = f"---\nname: a\ndescription: d\nallowed-tools: {tools}\n---\n"
    assert fix_text(text) == (text, [])


def test_scalar_metadata_values_are_quoted_as_written() -> None:
    text = (
        "---\nname: a\ndescription: d\nmetadata:\n  version: 1.0\n  beta: true  # flag\n"
        "  none: ~\n  n: 0x1F\n  tags: [a, b]\n  author: me\n---\n"
    )
    after, changes = fixed(text)
    assert after == (
        '---\nname: a\ndescription: d\nmetadata:\n  version: "1.0"\n  beta: "true"  # flag\n'
        '  none: "~"\n  n: "0x1F"\n  tags: [a, b]\n  author: me\n---\n'
    )
    assert changes == [
        "line 5: quoted metadata value of version (1.0)",
        "line 6: quoted metadata value of beta (true)",
        "line 7: quoted metadata value of none (~)",
        "line 8: quoted metadata value of n (0x1F)",
    ]


def test_empty_metadata_value_is_left() -> None:
    text = "---\nname: a\ndescription: d\nmetadata:\n  note:\n---\n"
    assert fix_text(text) == (text, [])


def test_final_newline_exactly_one() -> None:
    assert fixed("---\nname: a\ndescription: d\n---\nbody")[0].endswith("body\n")
    after, changes = fixed("---\nname: a\ndescription: d\n---\nbody\n\n\n")
    assert after.endswith("body\n") and changes == ["ended the file with one newline"]


def test_crlf_and_bom_are_kept() -> None:
    text = "\ufeff---\r\nname: a\r\ndescription: A: b\r\nallowed-tools: [Read, Grep]\r\n---\r\nx"
    after, _ = fixed(text)
    assert after == (
        "\ufeff---\r\nname: a\r\ndescription: 'A: b'\r\nallowed-tools: Read Grep\r\n---\r\nx\r\n"
    )


def test_valid_file_is_untouched() -> None:
    text = "---\nname: a\ndescription: d # c\nallowed-tools: Read Grep\n---\nbody\n"
    assert fix_text(text) == (text, [])


def test_unreadable_or_undecodable_file_gives_none(tmp_path: Path) -> None:
    bad = tmp_path / "SKILL.md"
    bad.write_bytes(b"---\nname: \xff\n---\n")
    assert fix_file(bad) is None
    assert fix_file(tmp_path / "missing.md") is None


def skill_tree(tmp_path: Path) -> Path:
    return make_tree(
        tmp_path / "skills",
        {
            "my-skill": {
                "SKILL.md": "---\nname: my-skill\ndescription: Use: x\nallowed-tools: [Read]\n---\nb"
            },
            "clean": {"SKILL.md": "---\nname: clean\ndescription: d\n---\nb\n"},
        },
    )


@pytest.fixture
def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[[list[str], Path], tuple[int, str, str]]:
    def invoke(args: list[str], cwd: Path) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        code = cli.run(args)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


Run = Callable[[list[str], Path], tuple[int, str, str]]


def test_cli_diff_prints_and_writes_nothing(tmp_path: Path, run: Run) -> None:
    root = skill_tree(tmp_path)
    before = (root / "my-skill/SKILL.md").read_bytes()
    code, out, _ = run(["validate", "--diff", "."], root)
    assert code == 1
    assert out == (
        "--- my-skill/SKILL.md\n+++ my-skill/SKILL.md\n@@ -1,6 +1,6 @@\n ---\n name: my-skill\n"
        "-description: Use: x\n-allowed-tools: [Read]\n+description: 'Use: x'\n"
        "+allowed-tools: Read\n ---\n-b\n\\ No newline at end of file\n+b\n"
    )
    assert (root / "my-skill/SKILL.md").read_bytes() == before
    assert run(["validate", "--diff", "clean"], root)[:2] == (0, "")


def test_cli_fix_rewrites_atomically_keeps_mode_and_reports_the_rest(
    tmp_path: Path, run: Run
) -> None:
    root = skill_tree(tmp_path)
    md = root / "my-skill/SKILL.md"
    md.chmod(0o600)
    code, out, err = run(["validate", "--fix", "."], root)
    assert code == 0, out
    assert md.read_text() == (
        "---\nname: my-skill\ndescription: 'Use: x'\nallowed-tools: Read\n---\nb\n"
    )
    assert md.stat().st_mode & 0o777 == 0o600
    assert err.splitlines() == [
        "my-skill/SKILL.md: fixed: line 3: quoted the value of description (': ' inside it)",
        "my-skill/SKILL.md: fixed: line 4: allowed-tools was a YAML list; wrote one "
        "space-separated string",
        "my-skill/SKILL.md: fixed: ended the file with one newline",
    ]
    assert out == "2 files checked: no issues.\n"
    assert sorted(p.name for p in md.parent.iterdir()) == ["SKILL.md"]  # no temp file left
    assert run(["validate", "--diff", "."], root)[:2] == (0, "")


def test_cli_fix_reports_what_it_cannot_fix(tmp_path: Path, run: Run) -> None:
    root = make_tree(
        tmp_path / "s",
        {"Bad": {"SKILL.md": "---\nname: Bad\ndescription: d\nmetadata:\n  v: 1.0\n---\n"}},
    )
    code, out, _ = run(["validate", "--fix", "Bad"], root)
    assert code == 1
    assert (root / "Bad/SKILL.md").read_text().endswith('  v: "1.0"\n---\n')
    assert [i.code for i in validate(root / "Bad")] == ["SK012"]
    assert "SK012" in out


def test_cli_fix_leaves_a_symlinked_skill_md(tmp_path: Path, run: Run) -> None:
    root = make_tree(tmp_path / "s", {"a": {"real.md": "---\nname: a\ndescription: A: b\n---\n"}})
    (root / "a/SKILL.md").symlink_to("real.md")
    code, _, _ = run(["validate", "--fix", "a"], root)
    assert code == 1  # SK007 stays reported
    assert (root / "a/SKILL.md").is_symlink()
    assert (root / "a/real.md").read_text() == "---\nname: a\ndescription: A: b\n---\n"
