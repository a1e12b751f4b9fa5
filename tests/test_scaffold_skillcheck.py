"""The importer's SKILL.md check: fences, encodings, typed YAML, field rules, line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_tree

from skrun_build.scaffold.skillcheck import check_skill


def check(tmp_path: Path, content: str | bytes, folder: str = "my-skill") -> list[str]:
    skill = make_tree(tmp_path / folder, {"SKILL.md": content})
    return [f"{i.line}:{i.code}:{i.level}" for i in check_skill(skill).issues]


def test_valid_skill_with_bom_and_crlf(tmp_path: Path) -> None:
    text = "\ufeff---\r\nname: my-skill\r\ndescription: Does x.\r\n---\r\nbody\r\n"
    assert check(tmp_path, text) == []
    fm = check_skill(tmp_path / "my-skill").frontmatter
    assert fm == {"name": "my-skill", "description": "Does x."}


def test_fence_inside_a_value_does_not_truncate(tmp_path: Path) -> None:
    text = '---\nname: my-skill\ndescription: "a --- b"\nlicense: MIT\n---\n'
    assert check(tmp_path, text) == []
    assert check_skill(tmp_path / "my-skill").frontmatter["license"] == "MIT"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("# no frontmatter\n", ["1:SKILL_NO_FRONTMATTER:error"]),
        ("---x\nname: my-skill\n---\n", ["1:SKILL_NO_FRONTMATTER:error"]),
        ("---\nname: my-skill\n", ["1:SKILL_FRONTMATTER_OPEN:error"]),
        ("---\n---\n", ["2:SKILL_FRONTMATTER_EMPTY:error"]),
        ("---\n- a\n---\n", ["2:SKILL_FRONTMATTER_TYPE:error"]),
        (b"---\nname: \xff\n---\n", ["0:SKILL_ENCODING:error"]),
        ("---\nname: my-skill\ndescription: a: b\n---\n", ["3:SKILL_YAML:error"]),
        (
            "---\nname: my-skill\ndescription: x\nname: my-skill\n---\n",
            ["4:SKILL_DUPLICATE_KEY:error"],
        ),
        ("---\nname: &a my-skill\ndescription: *a\n---\n", ["2:SKILL_YAML_ALIAS:error"]),
        ("---\nname: 12345\ndescription: x\n---\n", ["2:SKILL_NAME_TYPE:error"]),
        ("---\nname: My-Skill\ndescription: x\n---\n", ["2:SKILL_NAME:error"]),
        ("---\nname: other\ndescription: x\n---\n", ["2:SKILL_NAME_DIR:error"]),
        ("---\nname: my-skill\n---\n", ["2:SKILL_DESCRIPTION_MISSING:error"]),
        ("---\nname: my-skill\ndescription: yes\n---\n", ["3:SKILL_DESCRIPTION_TYPE:error"]),
        ("---\nname: my-skill\ndescription: ''\n---\n", ["3:SKILL_DESCRIPTION_EMPTY:error"]),
        (
            "---\nname: my-skill\ndescription: x\ncompatibility: ''\n---\n",
            ["4:SKILL_COMPATIBILITY:error"],
        ),
        (
            "---\nname: my-skill\ndescription: x\nmetadata:\n  v: 1.0\n---\n",
            ["4:SKILL_METADATA_VALUE:warning"],
        ),
        (
            "---\nname: my-skill\ndescription: x\nallowed-tools: [Read]\n---\n",
            ["4:SKILL_ALLOWED_TOOLS_LIST:warning"],
        ),
        (
            "---\nname: my-skill\ndescription: x\nallowed-tools: Read, Grep\n---\n",
            ["4:SKILL_ALLOWED_TOOLS_COMMA:warning"],
        ),
        ("---\nname: my-skill\ndescription: x\nversion: 1\n---\n", ["4:SKILL_UNKNOWN_KEY:warning"]),
    ],
)
def test_problems_are_reported_with_their_line(
    tmp_path: Path, content: str | bytes, expected: list[str]
) -> None:
    assert check(tmp_path, content) == expected


def test_long_description_and_hint(tmp_path: Path) -> None:
    skill = make_tree(
        tmp_path / "my-skill",
        {"SKILL.md": f"---\nname: my-skill\ndescription: {'d' * 1025}\n---\n"},
    )
    (issue,) = check_skill(skill).issues
    assert issue.message == "description is 1025 characters; the limit is 1024"
    assert issue.hint == "shorten it and move details into the body"


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    result = check(tmp_path, f"---\nname: my-skill\ndescription: x\nx: {deep}\n---\n")
    assert result and all(r.endswith(":error") for r in result)
