"""`skrun_build.checks.run`: path discovery, every issue of every path, select/ignore/strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from skrun_build.checks.run import check_paths, check_skill_dir, validate
from skrun_build.checks.select import Selection
from skrun_build.errors import UsageError
from skrun_build.issues import Issue

from helpers.trees import make_tree

GOOD = "---\nname: {name}\ndescription: Does x.\n---\nbody\n"
WARN = "---\nname: {name}\ndescription: Does x.\nversion: 1\n---\nbody\n"
BAD = "---\nname: Bad\ndescription: Does x.\n---\nbody\n"


def skill(root: Path, name: str, template: str = GOOD) -> Path:
    return make_tree(root / name, {"SKILL.md": template.format(name=name)})


def codes(issues: list[Issue]) -> list[tuple[str, str, str]]:
    return [(i.file, i.code, i.level) for i in issues]


@pytest.mark.parametrize("first", ["import skrun_build", "import skrun_build.checks.run"])
def test_library_api_is_callable_whatever_was_imported_first(first: str, tmp_path: Path) -> None:
    d = skill(tmp_path, "b-skill", BAD)
    code = f"{first}; import skrun_build; print([i.code for i in skrun_build.validate({str(d)!r})])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "['SK012']\n"


def test_dot_from_inside_a_skill_uses_the_real_directory_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(skill(tmp_path, "my-skill"))
    assert validate(".") == []
    assert validate("SKILL.md") == []
    monkeypatch.chdir(skill(tmp_path, "other", BAD.replace("Bad", "my-skill")))
    assert codes(validate(".")) == [("SKILL.md", "SK016", "error")]


def test_tree_search_finds_every_skill_and_skips_junk(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    skill(root / "skills", "a-skill")
    skill(root / "skills", "b-skill", BAD)
    skill(root / "skills" / "group", "nested", WARN)
    for junk in (".git", "node_modules", ".venv", "__pycache__", ".hidden"):
        skill(root / junk, "x", BAD)
    venv = skill(root / "myenv", "y", BAD).parent
    (venv / "pyvenv.cfg").write_text("home = /usr\n")
    report = check_paths([root])
    assert report.files == [
        f"{root}/skills/a-skill/SKILL.md",
        f"{root}/skills/b-skill/SKILL.md",
        f"{root}/skills/group/nested/SKILL.md",
    ]
    assert codes(report.issues) == [
        (f"{root}/skills/b-skill/SKILL.md", "SK012", "error"),
        (f"{root}/skills/group/nested/SKILL.md", "SK050", "warning"),
    ]
    assert (report.errors, report.warnings) == (1, 1)


def locked_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An agent dir of mode r--: its names can be listed, nothing in it can be stat'ed.

    Tests run as root, where chmod stops nothing, so stat itself refuses.
    """
    import errno
    import os

    locked = make_tree(
        tmp_path / "repo" / "demo",
        {"SKILL.md": GOOD.format(name="demo"), "agent.yaml": "x: 1\n", "artifact.json": "{}"},
    )
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if Path(str(path)).parent == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    return locked


SK002 = ("SK002", "cannot read SKILL.md: Permission denied", "check the file's permissions")
AG002 = ("AG002", "cannot read agent.yaml: Permission denied", None)
AR001 = ("AR001", "cannot read artifact.json: Permission denied", None)


def test_a_directory_listed_but_not_entered_is_reported_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = locked_agent(tmp_path, monkeypatch)
    report = check_paths([locked.parent])
    assert [(i.file, i.code, i.message, i.hint) for i in report.issues] == [
        (f"{locked}/SKILL.md", *SK002),
        (f"{locked}/agent.yaml", *AG002),
        (f"{locked}/artifact.json", *AR001),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("SKILL.md", SK002), ("agent.yaml", AG002), ("artifact.json", AR001)],
)
def test_a_file_in_a_directory_not_entered_is_reported_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, expected: tuple[str, ...]
) -> None:
    locked = locked_agent(tmp_path, monkeypatch)
    issues = validate(locked / name)
    assert [(i.file, i.code, i.message, i.hint) for i in issues] == [
        (f"{locked}/{name}", *expected)
    ]


def test_all_issues_of_one_file_are_reported(tmp_path: Path) -> None:
    d = make_tree(
        tmp_path / "x",
        {"SKILL.md": "---\nname: A_B\ndescription: true\nlicense: 1\nfoo: 1\n---\n" + "l\n" * 501},
    )
    assert [i.code for i in validate(d)] == ["SK012", "SK013", "SK021", "SK030", "SK050", "SK060"]


def test_empty_directory_is_reported_as_nothing_to_validate(tmp_path: Path) -> None:
    d = make_tree(tmp_path / "empty", {})
    assert [i.format() for i in validate(d)] == [
        f"{d}: SK001 error nothing to validate: no SKILL.md, agent.yaml or artifact.json in "
        "this folder (a skill is a folder with a SKILL.md at its top: pass one, or create one "
        "with `skrun init -t skill DIR`; dot-folders, node_modules and virtualenvs are not "
        "searched)"
    ]


def test_missing_path_and_wrong_file_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        validate(tmp_path / "nope")
    assert (
        str(info.value)
        == f"{tmp_path}/nope: no such file or directory (pass a skill directory or file)"
    )
    (tmp_path / "README.md").write_text("x")
    with pytest.raises(UsageError) as info:
        validate(tmp_path / "README.md")
    assert info.value.message == (
        f"{tmp_path}/README.md: not a skill directory, SKILL.md, agent.yaml or artifact.json"
    )


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    d = skill(tmp_path, "w-skill", WARN)
    assert codes(validate(d)) == [(f"{d}/SKILL.md", "SK050", "warning")]
    assert codes(validate(d, strict=True)) == [(f"{d}/SKILL.md", "SK050", "error")]


def test_select_and_ignore_by_code_or_prefix(tmp_path: Path) -> None:
    d = make_tree(
        tmp_path / "x", {"SKILL.md": "---\nname: A\ndescription: true\nlicense: 1\nfoo: 1\n---\n"}
    )
    assert [i.code for i in validate(d)] == ["SK012", "SK021", "SK030", "SK050"]
    assert [i.code for i in validate(d, select=["SK01"])] == ["SK012"]
    assert [i.code for i in validate(d, ignore=["sk050", "SK030"])] == ["SK012", "SK021"]
    assert [i.code for i in validate(d, select=["SK0"], ignore=["SK01"])] == [
        "SK021",
        "SK030",
        "SK050",
    ]
    # The more specific selector wins: select SK012 beats ignore SK01.
    assert [i.code for i in validate(d, select=["SK012"], ignore=["SK01"])] == ["SK012"]
    assert [i.code for i in validate(d, select=["SK012,SK021"])] == ["SK012", "SK021"]
    assert [i.code for i in validate(d, select="SK012,SK021")] == ["SK012", "SK021"]


def test_unknown_code_is_a_usage_error_with_a_suggestion(tmp_path: Path) -> None:
    d = skill(tmp_path, "my-skill")
    with pytest.raises(UsageError) as info:
        validate(d, select=["SK999"])
    assert str(info.value) == "--select: unknown rule code 'SK999' (did you mean 'SK009'?)"
    with pytest.raises(UsageError) as info:
        Selection.parse((), ["SKX"])
    assert info.value.message == "--ignore: unknown rule code 'SKX'"


def test_skill_md_and_agent_dir_given_twice_is_checked_once(tmp_path: Path) -> None:
    d = skill(tmp_path, "b-skill", BAD)
    report = check_paths([d, d / "SKILL.md", tmp_path])
    assert report.files == [f"{d}/SKILL.md"]
    assert [i.code for i in report.issues] == ["SK012"]


def test_plain_skill_never_imports_pydantic(tmp_path: Path) -> None:
    d = skill(tmp_path, "my-skill")
    code = (
        "import sys, skrun_build; "
        f"assert skrun_build.validate({str(d)!r}) == []; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'skrun_build')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(
        sorted(
            [
                "skrun_build",
                "skrun_build.checks",
                "skrun_build.checks.budget",
                "skrun_build.checks.codes",
                "skrun_build.checks.codes.ag",
                "skrun_build.checks.codes.ar",
                "skrun_build.checks.codes.rule",
                "skrun_build.checks.codes.sk_clients",
                "skrun_build.checks.codes.sk_fields",
                "skrun_build.checks.codes.sk_file",
                "skrun_build.checks.codes.su",
                "skrun_build.checks.codes.sk_refs",
                "skrun_build.checks.codes.tr",
                "skrun_build.checks.discovery",
                "skrun_build.checks.references",
                "skrun_build.checks.run",
                "skrun_build.checks.select",
                "skrun_build.checks.skill",
                "skrun_build.checks.suppress",
                "skrun_build.errors",
                "skrun_build.formats",
                "skrun_build.formats.names",
                "skrun_build.formats.skillmd",
                "skrun_build.formats.yaml",
                "skrun_build.formats.yaml_schema",
                "skrun_build.issues",
                "skrun_build.suggest",
                "skrun_build.tokens",
            ]
        )
    )


AGENT = (
    "name: local/{slug}\nversion: {version}\nmodel: {{provider: anthropic, name: x}}\n"
    "inputs: [{{name: q, type: string}}]\noutputs: [{{name: a, type: string}}]\n"
)


def test_agent_dir_runs_the_agent_rules_and_needs_skill_md(tmp_path: Path) -> None:
    d = make_tree(
        tmp_path / "my-agent", {"agent.yaml": AGENT.format(slug="my-agent", version="1.0")}
    )
    assert [i.format() for i in validate(d)] == [
        f"{d}/SKILL.md: SK001 error SKILL.md not found in {d} "
        "(a skill is a directory with a SKILL.md at its top)",
        f"{d}/agent.yaml:2:10: AG006 error version must be a string, not a number "
        '(YAML reads 1.0 as a number: quote it and give three parts, version: "1.0.0")',
    ]
    assert [i.code for i in validate(d, select=["AG"])] == ["AG006"]


def test_agent_yaml_given_alone_still_sees_skill_md_but_reports_only_agent_rules(
    tmp_path: Path,
) -> None:
    d = skill(tmp_path, "my-agent", WARN)
    (d / "agent.yaml").write_text(AGENT.format(slug="other", version='"1.0.0"'))
    assert [i.code for i in validate(d / "agent.yaml")] == ["AG016"]
    assert [i.code for i in validate(d)] == ["SK050", "AG016"]


def test_unknown_agent_code_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        validate(skill(tmp_path, "my-skill"), ignore=["AG999"])
    assert info.value.message == "--ignore: unknown rule code 'AG999'"
    assert info.value.hint is not None and info.value.hint.startswith("did you mean 'AG0")


def test_check_skill_dir_returns_the_skill_and_its_issues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = skill(tmp_path, "my-skill", WARN)
    parsed, issues = check_skill_dir(d)
    assert parsed is not None and parsed.name == "my-skill"
    assert [i.code for i in issues] == ["SK050"]
    monkeypatch.chdir(d)
    assert check_skill_dir(".")[1] == [
        Issue(
            "SKILL.md",
            4,
            1,
            "SK050",
            "warning",
            "unknown frontmatter key 'version'",
            "kept; skills-ref and claude.ai uploads reject it: move it under metadata:",
        )
    ]
    (d / "SKILL.md").write_text("no frontmatter\n")
    parsed, issues = check_skill_dir(d, dir_name="anything")
    assert (parsed, [i.code for i in issues]) == (None, ["SK005"])
