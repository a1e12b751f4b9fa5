"""The SKILL.md reader: fences, BOM, CRLF, exact body, round-trip, located read errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import skrun_build
from skrun_build.errors import InputError
from skrun_build.formats.skillmd import Skill, SkillMdError, load_skill, parse_skill_md
from skrun_build.formats.yaml import YamlError

from helpers.trees import make_tree

GOOD = "---\nname: my-skill\ndescription: Does x.\n---\n# Title\n\nbody\n"


def parse(text: str | bytes) -> Skill:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return parse_skill_md(raw, "SKILL.md")


def error(text: str | bytes) -> SkillMdError:
    with pytest.raises(SkillMdError) as info:
        parse(text)
    return info.value


def test_split_with_line_numbers_and_exact_body() -> None:
    skill = parse(GOOD)
    assert skill.frontmatter == {"name": "my-skill", "description": "Does x."}
    assert skill.body == "# Title\n\nbody\n"
    assert skill.body_line == 5
    assert skill.yaml_text == "name: my-skill\ndescription: Does x.\n"
    assert skill.doc.locate(["description"]) == (3, 14)
    assert skill.text() == GOOD
    assert skill.body_lines() == 3


def test_bom_and_crlf_accepted_and_body_kept_byte_exact() -> None:
    raw = (
        "\ufeff---\r\nname: my-skill\r\ndescription: Does x.\r\n---  \r\nline 1\r\n\r\nend".encode()
    )
    skill = parse(raw)
    assert skill.bom is True
    assert skill.frontmatter == {"name": "my-skill", "description": "Does x."}
    assert skill.body == "line 1\r\n\r\nend"
    assert skill.body_line == 5
    assert skill.doc.locate(["name"]) == (2, 7)
    assert skill.text().encode("utf-8") == raw


def test_unknown_keys_kept_in_file_order() -> None:
    skill = parse("---\nzeta: 1\nname: my-skill\nalpha: [a]\ndescription: x\nmid: {k: v}\n---\n")
    assert list(skill.frontmatter) == ["zeta", "name", "alpha", "description", "mid"]
    assert skill.frontmatter["mid"] == {"k": "v"}


def test_fence_inside_a_value_never_truncates() -> None:
    text = (
        "---\nname: my-skill\n"
        'description: "before --- after"\n'
        "compatibility: |\n  ---\n  indented fence is text\n"
        "license: MIT\n---\nbody ---\n"
    )
    skill = parse(text)
    assert skill.frontmatter["description"] == "before --- after"
    assert skill.frontmatter["compatibility"] == "---\nindented fence is text\n"
    assert skill.frontmatter["license"] == "MIT"
    assert skill.body == "body ---\n"
    assert skill.body_line == 9


def test_fence_glued_to_the_end_of_a_line_is_not_a_fence() -> None:
    err = error("---\nname: my-skill\ndescription: ends here---\nbody\n")
    assert (err.kind, err.line, err.col) == ("unclosed", 1, 1)
    assert str(err) == (
        "SKILL.md:1:1: the frontmatter has no closing '---' line "
        "(line 3 ends with '---', but a closing fence must be alone on its line)"
    )


def test_glued_opening_fence() -> None:
    err = error("---name: my-skill\ndescription: x\n---\n")
    assert (err.kind, err.line, err.col) == ("no-frontmatter", 1, 1)
    assert err.hint == (
        "the opening '---' must be alone on the first line; put the first key on the next line"
    )


def test_missing_closing_fence() -> None:
    err = error("---\nname: my-skill\ndescription: x\n")
    assert str(err) == (
        "SKILL.md:1:1: the frontmatter has no closing '---' line "
        "(add a line with only '---' after the last frontmatter key)"
    )


def test_no_frontmatter() -> None:
    err = error("# Title\n")
    assert str(err) == (
        "SKILL.md:1:1: SKILL.md must start with YAML frontmatter: a '---' line "
        "(start the file with a '---' line, then name: and description:, then '---')"
    )
    assert (
        error("\n---\nname: x\n---\n").hint == "remove the blank line(s) before the opening '---'"
    )
    # Blank lines before text that is no fence: the blank lines are not the problem.
    assert error("\n\n# Title\n").hint == (
        "start the file with a '---' line, then name: and description:, then '---'"
    )


@pytest.mark.parametrize("text", ["", "\ufeff", "\n", "\ufeff \r\n\n"])
def test_empty_or_bom_only_file(text: str) -> None:
    # It got "remove the blank line(s) before the opening '---'", which names nothing to do.
    err = error(text)
    assert (err.kind, err.line, err.col) == ("no-frontmatter", 1, 1)
    assert str(err) == (
        "SKILL.md:1:1: SKILL.md is empty; it must start with YAML frontmatter: a '---' line "
        "(write a '---' line, then name: and description:, then '---')"
    )


def test_closing_fence_at_end_of_file_without_newline() -> None:
    skill = parse("---\nname: my-skill\ndescription: x\n---")
    assert skill.body == ""
    assert skill.body_line == 5


def test_empty_frontmatter_is_an_empty_mapping() -> None:
    assert parse("---\n---\n").frontmatter == {}


@pytest.mark.parametrize(
    ("yaml", "kind"),
    [("- a\n- b\n", "a list"), ("42\n", "a number"), ("true\n", "a boolean"), ("hi\n", "a string")],
)
def test_frontmatter_must_be_a_mapping(yaml: str, kind: str) -> None:
    # A number was reported as "not a int".
    err = error(f"---\n{yaml}---\n")
    assert str(err) == (
        f"SKILL.md:2:1: the frontmatter must be a mapping of keys, not {kind} "
        "(write `key: value` lines such as `name: my-skill`)"
    )


def test_non_utf8_is_located_at_the_bad_byte() -> None:
    err = error(b"---\nname: my-skill\ndescription: caf\xe9\n---\n")
    assert (err.kind, err.line, err.col) == ("encoding", 3, 17)
    assert str(err) == (
        "SKILL.md:3:17: SKILL.md is not valid UTF-8: byte 0xe9 at offset 35 (save the file as UTF-8)"
    )
    assert isinstance(err, InputError)


def test_yaml_errors_come_from_the_shared_loader_with_file_lines() -> None:
    with pytest.raises(YamlError) as info:
        parse("---\nname: my-skill\nmetadata:\n\tx: 1\n---\n")
    assert (info.value.kind, info.value.line) == ("syntax", 4)
    assert info.value.hint == "indent with spaces, not tabs"


def test_ten_megabyte_body_is_split_without_parsing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Work counted, not timed: the YAML parser sees only the frontmatter, and the fence
    # search runs once over the text (the benchmark in benchmarks/validate.py times it).
    from skrun_build.formats import skillmd

    parsed: list[str] = []
    real_load = skillmd.load_yaml

    def load_yaml(text: str, **kwargs: Any) -> Any:
        parsed.append(text)
        return real_load(text, **kwargs)

    searches: list[int] = []
    real_fence = skillmd._FENCE

    class Fence:
        def fullmatch(self, text: str) -> Any:
            return real_fence.fullmatch(text)

        def search(self, text: str, pos: int = 0) -> Any:
            searches.append(pos)
            return real_fence.search(text, pos)

    monkeypatch.setattr(skillmd, "load_yaml", load_yaml)
    monkeypatch.setattr(skillmd, "_FENCE", Fence())
    body = ("x" * 99 + "\n") * 100_000
    skill = parse("---\nname: my-skill\ndescription: x\n---\n" + body)
    assert parsed == ["name: my-skill\ndescription: x\n"]
    assert searches == [4]
    assert skill.body == body
    assert skill.body_lines() == 100_000


def test_load_skill_from_dir_or_file(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "my-skill", {"SKILL.md": GOOD})
    assert load_skill(d).name == "my-skill"
    assert load_skill(d / "SKILL.md").description == "Does x."
    assert load_skill(str(d)).dir == d
    assert skrun_build.load_skill is load_skill


def test_missing_skill_md(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "my-skill", {})
    with pytest.raises(SkillMdError) as info:
        load_skill(d)
    assert info.value.kind == "missing"
    assert info.value.message == f"SKILL.md not found in {d}"


def test_skill_md_that_is_a_directory(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "my-skill", {"SKILL.md": {"x.md": "x"}})
    for path in (d, d / "SKILL.md"):
        with pytest.raises(SkillMdError) as info:
            load_skill(path)
        assert str(info.value) == (
            f"{d}/SKILL.md: SKILL.md is a directory, not a file "
            "(move its contents out and write the skill's SKILL.md file there)"
        )


def test_symlink_inside_the_skill_dir_is_followed(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "my-skill", {"docs": {"skill.md": GOOD}})
    (d / "SKILL.md").symlink_to(Path("docs") / "skill.md")
    assert load_skill(d).name == "my-skill"


def test_symlink_leaving_the_skill_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.md").write_text(GOOD)
    d = make_tree(tmp_path / "my-skill", {})
    (d / "SKILL.md").symlink_to(Path("..") / "elsewhere.md")
    with pytest.raises(SkillMdError) as info:
        load_skill(d)
    assert str(info.value) == (
        f"{d}/SKILL.md: SKILL.md is a symlink to '../elsewhere.md', outside the skill directory "
        "(copy the file into the skill directory; uploads and bundles do not follow it)"
    )


def test_dangling_symlink_is_refused(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "my-skill", {})
    (d / "SKILL.md").symlink_to("gone.md")
    with pytest.raises(SkillMdError) as info:
        load_skill(d)
    assert info.value.kind == "symlink"
    assert info.value.message == "SKILL.md is a symlink to 'gone.md', which does not exist"


def test_fifo_is_not_a_regular_file(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "my-skill", {})
    os.mkfifo(d / "SKILL.md")
    with pytest.raises(SkillMdError) as info:
        load_skill(d)
    assert (info.value.kind, info.value.message) == ("not-file", "SKILL.md is not a regular file")


def test_unreadable_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root here, where chmod 000 does not stop a read: fail the read itself.
    d = make_tree(tmp_path / "my-skill", {"SKILL.md": GOOD})

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(SkillMdError) as info:
        load_skill(d)
    assert str(info.value) == (
        f"{d}/SKILL.md: cannot read SKILL.md: Permission denied (check the file's permissions)"
    )
    assert info.value.kind == "unreadable"


def test_non_utf8_column_counts_characters() -> None:
    err = error("---\nname: my-skill\ndescription: ééé".encode() + b"\xff\n---\n")
    assert (err.line, err.col) == (3, 17)
