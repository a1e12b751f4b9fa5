"""In an agent folder, what Skrun v0.7.0's `skrun push` refuses in SKILL.md is an error (issue 9.3).

The facts (read in skrun-dev/skrun v0.7.0 `packages/schema/src/parsers/
skill-md.ts` and `schemas/skill-frontmatter.ts`): the text must match
`^---\\r?\\n(...)\\r?\\n---` from its first byte (a BOM fails), `allowed-tools` is a string,
`metadata` a record of strings, lengths are JavaScript string lengths. Each refusal has its own
located message and fix; plain skills keep the spec's levels; `init --from-skill` refuses such
a skill before writing anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build import cli
from skrun_build.checks.run import validate
from skrun_build.issues import Issue

from helpers.bundle import agent_yaml
from helpers.trees import make_tree

GOOD = "---\nname: demo\ndescription: Counts words. Use for counting.\n---\n# Demo\n"
EMOJI = "\N{GRINNING FACE}"  # one character, two UTF-16 code units


def agent_dir(tmp_path: Path, skill_md: str | bytes) -> Path:
    return make_tree(tmp_path / "demo", {"agent.yaml": agent_yaml("demo"), "SKILL.md": skill_md})


def skill_dir(tmp_path: Path, skill_md: str | bytes) -> Path:
    return make_tree(tmp_path / "plain" / "demo", {"SKILL.md": skill_md})


def found(issues: list[Issue]) -> list[tuple[int, int, str, str, str, str | None]]:
    return [(i.line, i.col, i.code, i.level, i.message, i.hint) for i in issues]


# case -> (SKILL.md, the agent's issues, the plain skill's (code, level) pairs)
CASES: dict[
    str, tuple[str, list[tuple[int, int, str, str, str, str | None]], list[tuple[str, str]]]
] = {
    "bom": (
        "\ufeff" + GOOD,
        [
            (
                1,
                1,
                "SK070",
                "error",
                "SKILL.md starts with a UTF-8 BOM; Skrun v0.7.0 push refuses it"
                ' ("SKILL.md must start with YAML frontmatter")',
                "save SKILL.md as UTF-8 without a BOM, so its first bytes are ---",
            )
        ],
        [],
    ),
    "opening-fence-blanks": (
        GOOD.replace("---\n", "--- \t\n", 1),
        [
            (
                1,
                4,
                "SK071",
                "error",
                "the opening '---' is followed by blanks; Skrun v0.7.0 push needs '---' alone"
                " on the first line",
                "delete the spaces or tabs after the first ---",
            )
        ],
        [],
    ),
    "early-dashes": (
        "---\nname: demo\ndescription: Counts words.\n---note: x\n---\n",
        [
            (
                4,
                1,
                "SK050",
                "warning",
                "unknown frontmatter key '---note'",
                "kept; skills-ref and claude.ai uploads reject it: move it under metadata:",
            ),
            (
                4,
                1,
                "SK071",
                "error",
                "line 4 starts with '---', where Skrun v0.7.0 push ends the frontmatter"
                " (the closing fence is line 5)",
                "indent that line or start it with something other than ---",
            ),
        ],
        [("SK050", "warning")],
    ),
    "allowed-tools-list": (
        "---\nname: demo\ndescription: Counts words.\nallowed-tools: [Read, Grep]\n---\n",
        [
            (
                4,
                16,
                "SK072",
                "error",
                "allowed-tools is a YAML list; Skrun v0.7.0 push needs one string",
                "write allowed-tools: Read Grep",
            )
        ],
        [("SK041", "warning")],
    ),
    "metadata-values": (
        "---\nname: demo\ndescription: Counts words.\nmetadata:\n  version: 1.0\n"
        "  tags: [a, b]\n  owner:\n  7: seven\n---\n",
        [
            (
                5,
                12,
                "SK073",
                "error",
                "metadata value of 'version' is a number (1.0), not a string;"
                " Skrun v0.7.0 push refuses it",
                'quote it: version: "1.0"',
            ),
            (
                6,
                9,
                "SK073",
                "error",
                "metadata value of 'tags' is a list, not a string; Skrun v0.7.0 push refuses it",
                "skills-ref and skrun-dev accept only string values; encode it as one string",
            ),
            (
                7,
                9,
                "SK073",
                "error",
                "metadata value of 'owner' is null, not a string; Skrun v0.7.0 push refuses it",
                'give it a value, e.g. owner: "...", or remove the line',
            ),
            # A key is not refused (JavaScript makes it a string): still only a warning.
            (
                8,
                3,
                "SK035",
                "warning",
                "metadata key 7 is a number (7), not a string",
                'quote it: "7":',
            ),
        ],
        [("SK035", "warning")] * 4,
    ),
    "description-utf16": (
        f"---\nname: demo\ndescription: {EMOJI * 513}\n---\n",
        [
            (
                3,
                14,
                "SK023",
                "error",
                "description is 1026 UTF-16 code units as Skrun v0.7.0 push counts it"
                " (513 characters); the limit is 1024",
                "shorten it and move details into the body",
            )
        ],
        [],
    ),
    "compatibility-utf16": (
        f"---\nname: demo\ndescription: Counts.\ncompatibility: {'a' * 499}{EMOJI}\n---\n",
        [
            (
                4,
                16,
                "SK033",
                "error",
                "compatibility is 501 UTF-16 code units as Skrun v0.7.0 push counts it"
                " (500 characters); the limit is 500",
                "shorten it and move details into the body",
            )
        ],
        [],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_push_refusals_are_errors_in_an_agent(tmp_path: Path, case: str) -> None:
    text, expected, _ = CASES[case]
    root = agent_dir(tmp_path, text)
    issues = [i for i in validate(root) if i.file.endswith("SKILL.md")]
    assert found(issues) == expected
    assert {i.file for i in issues} <= {str(root / "SKILL.md")}


@pytest.mark.parametrize("case", sorted(CASES))
def test_plain_skills_keep_their_levels(tmp_path: Path, case: str) -> None:
    text, _, plain = CASES[case]
    issues = validate(skill_dir(tmp_path, text))
    assert [(i.code, i.level) for i in issues] == plain


def test_a_clean_agent_skill_md_has_no_push_issue(tmp_path: Path) -> None:
    crlf = GOOD.replace("\n", "\r\n")  # Skrun's split accepts CRLF
    assert validate(agent_dir(tmp_path / "a", GOOD)) == []
    assert validate(agent_dir(tmp_path / "b", crlf)) == []
    # A closing fence with trailing blanks is fine for both readers.
    assert validate(agent_dir(tmp_path / "c", GOOD.replace("\n---\n", "\n---  \n"))) == []


def test_build_refuses_what_push_would_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = agent_dir(tmp_path, "\ufeff" + GOOD)
    assert cli.run(["build", str(root), "-o", str(tmp_path / "out")]) == 1
    assert "SK070 error" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_init_from_skill_refuses_before_writing_and_names_each_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        "\ufeff---\nname: demo\ndescription: Counts words.\nallowed-tools: [Read, demo]\n"
        "metadata:\n  version: 1.0\n---\nCall demo.\n"
    )
    make_tree(tmp_path / "demo", {"SKILL.md": text, "scripts": {"demo.py": "print(1)\n"}})
    before = sorted(p.as_posix() for p in tmp_path.rglob("*"))
    assert cli.run(["init", "--from-skill", "demo"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "demo/SKILL.md:1:1: SK070 error SKILL.md starts with a UTF-8 BOM; Skrun v0.7.0 push"
        ' refuses it ("SKILL.md must start with YAML frontmatter") (save SKILL.md as UTF-8'
        " without a BOM, so its first bytes are ---)",
        "demo/SKILL.md:4:16: SK072 error allowed-tools is a YAML list; Skrun v0.7.0 push needs"
        " one string (write allowed-tools: Read demo)",
        "demo/SKILL.md:6:12: SK073 error metadata value of 'version' is a number (1.0), not a"
        ' string; Skrun v0.7.0 push refuses it (quote it: version: "1.0")',
        "skrun: error: demo/SKILL.md has 3 error(s); nothing was written",
    ]
    assert sorted(p.as_posix() for p in tmp_path.rglob("*")) == before
