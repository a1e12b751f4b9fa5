"""What `skrun validate` searches: unreadable folders, symlinks out, nested skills, odd names.

Tests run as root here, where chmod stops nothing: an unreadable folder is one whose
listing (os.scandir) or entering (os.stat) is refused by a patched call, so the tests
behave the same for root and for a normal user.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from skrun_build import cli
from skrun_build.checks.discovery import discover
from skrun_build.checks.run import check_paths, validate

from helpers.paths import CORPUS
from helpers.trees import make_tree

GOOD = "---\nname: {name}\ndescription: Does x.\n---\nbody\n"
EACCES_HINT = "check the permissions with ls -l, or run as a user who may access it"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def skill(root: Path, name: str) -> Path:
    return make_tree(root / name, {"SKILL.md": GOOD.format(name=name)})


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.run(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def refuse(monkeypatch: pytest.MonkeyPatch, call: str, *paths: Path) -> Callable[..., object]:
    """Make `os.<call>` refuse `paths` with EACCES, as a folder of mode 000 does."""
    real = getattr(os, call)
    refused = {os.path.abspath(p) for p in paths}

    def patched(path: object, *args: object, **kwargs: object) -> object:
        if isinstance(path, (str, os.PathLike)) and os.path.abspath(path) in refused:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, call, patched)
    return patched


# --- nothing unreadable is skipped silently (issue 10, deliver 4) ---


def test_an_unreadable_sub_folder_is_an_error_not_a_clean_pass(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    skill(Path("tree"), "a-skill")
    locked = make_tree(Path("tree/locked"), {"b-skill": {"SKILL.md": GOOD.format(name="b-skill")}})
    refuse(monkeypatch, "scandir", locked)
    assert run(capsys, "tree") == (
        1,
        "tree/locked: TR001 error cannot read this folder: Permission denied; nothing in it "
        f"was checked ({EACCES_HINT})\n"
        "1 file checked: 1 error, 0 warnings.\n",
        "",
    )


def test_a_folder_listed_but_not_entered_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    skill(Path("tree"), "a-skill")
    locked = make_tree(Path("tree/locked"), {"b-skill": {"SKILL.md": "x"}})
    refuse(monkeypatch, "stat", locked)
    assert [i.format() for i in validate("tree")] == [
        "tree/locked: TR001 error cannot read this folder: Permission denied; nothing in it "
        f"was checked ({EACCES_HINT})"
    ]


def test_an_unreadable_skill_folder_says_permission_denied(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = skill(Path("."), "my-skill")
    refuse(monkeypatch, "scandir", d)
    assert run(capsys, "my-skill") == (
        1,
        "my-skill: TR001 error cannot read this folder: Permission denied; nothing in it was "
        f"checked ({EACCES_HINT})\n"
        "0 files checked: 1 error, 0 warnings.\n",
        "",
    )


def test_a_skill_folder_that_cannot_be_reached_is_permission_denied_not_usage(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A parent folder without the x bit: stat of the skill itself is refused.
    d = skill(Path("locked"), "my-skill")
    refuse(monkeypatch, "stat", d)
    assert run(capsys, "locked/my-skill") == (
        1,
        "locked/my-skill: TR001 error cannot read this path: Permission denied; nothing in it "
        f"was checked ({EACCES_HINT})\n"
        "0 files checked: 1 error, 0 warnings.\n",
        "",
    )


def test_an_unreadable_folder_can_be_ignored_only_on_purpose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    skill(Path("tree"), "a-skill")
    refuse(monkeypatch, "scandir", make_tree(Path("tree/locked"), {}))
    assert [i.code for i in validate("tree")] == ["TR001"]
    assert validate("tree", ignore=["TR001"]) == []
    assert [i.code for i in validate("tree", select=["TR"])] == ["TR001"]


# --- trees stay trees (issue 10, deliver 5) ---


def test_a_folder_symlink_out_of_the_tree_is_reported_once_and_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(tmp_path / "tree", {})
    skill(tree, "a-skill")
    outside = skill(tmp_path / "elsewhere", "o-skill")
    (tree / "to-root").symlink_to("/")
    (tree / "out").symlink_to(outside.parent)
    (tree / "deep").mkdir()
    (tree / "deep" / "to-root-again").symlink_to("/", target_is_directory=True)
    scanned: list[str] = []
    real_scandir = os.scandir

    def recording(path: str) -> object:
        scanned.append(os.path.abspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", recording)
    report = check_paths([tree])
    assert report.files == [f"{tree}/a-skill/SKILL.md"]
    assert [i.format() for i in report.issues] == [
        f"{tree}/out: TR002 warning symlink to a folder outside the searched tree "
        f"({outside.parent}); not followed (validate the target on its own: "
        f"skrun validate {outside.parent})",
        f"{tree}/to-root: TR002 warning symlink to a folder outside the searched tree (/); "
        "not followed (validate the target on its own: skrun validate /)",
        f"{tree}/deep/to-root-again: TR002 warning symlink to a folder outside the searched "
        "tree (/); not followed (validate the target on its own: skrun validate /)",
    ]
    assert all(p == str(tree) or p.startswith(f"{tree}/") for p in scanned), scanned
    assert not any(p.startswith("/proc") for p in scanned)


def test_slash_as_path_never_walks_proc_sys_or_dev(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `/` stands in for a fake root, so the test never lists the real file system.
    fake = make_tree(tmp_path / "fake-root", {"proc": {"1": {}}, "sys": {}, "dev": {}})
    skill(fake / "srv", "a-skill")
    (fake / "srv" / "self").symlink_to("/proc/self")  # in the tree when PATH is /
    scanned: list[str] = []
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        scanned.append(os.fspath(path))
        return real_scandir(fake if os.fspath(path) == "/" else path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover("/")
    assert [str(u.dir) for u in found.units] == [f"{fake}/srv/a-skill"]
    assert found.issues == []
    assert scanned == ["/", f"{fake}/srv", f"{fake}/srv/a-skill"]


def test_symlink_loops_and_links_inside_the_tree_are_safe(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", {"group": {}})
    skill(tree / "group", "a-skill")
    hidden = skill(tree / ".shared", "h-skill")
    (tree / "group" / "up").symlink_to("..")
    (tree / "group" / "self").symlink_to("self")  # a loop of links: ELOOP
    (tree / "group" / "dangling").symlink_to("nowhere")
    (tree / "alias").symlink_to("group/a-skill")  # searched already, under its real path
    (tree / "h-skill").symlink_to(".shared/h-skill")  # the only way to the hidden skill
    report = check_paths([tree])
    assert report.files == [f"{tree}/group/a-skill/SKILL.md", f"{tree}/h-skill/SKILL.md"]
    assert report.issues == []
    assert hidden.exists()


def test_a_tree_deeper_than_the_recursion_limit_is_searched(tmp_path: Path) -> None:
    deep = tmp_path / "tree"
    deep.mkdir()
    for _ in range(1200):  # 2,400 characters of path: under PATH_MAX
        deep /= "d"
        deep.mkdir()
    (deep / "SKILL.md").write_text(GOOD.format(name="d"))
    try:
        report = check_paths([tmp_path / "tree"])
    finally:  # pytest's clean-up (shutil.rmtree) recurses: remove the tree bottom-up here
        (deep / "SKILL.md").unlink()
        for d in [deep, *deep.parents][:1201]:
            d.rmdir()
    assert report.files == [str(deep / "SKILL.md")]
    assert report.issues == []


def test_file_names_that_are_not_utf8_never_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = os.fsencode(tmp_path / "tree")
    os.makedirs(tree + b"/\xff-dir/x\xfe")
    with open(tree + b"/\xff.md", "wb") as f:
        f.write(b"x")
    with open(tree + b"/\xff-dir/x\xfe/SKILL.md", "wb") as f:
        f.write(GOOD.format(name="bad").encode())
    os.symlink(b"/", tree + b"/\xfd-link")
    shown = "tree/\\xff-dir/x\\xfe/SKILL.md"
    code, out, err = run(capsys, "tree")
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "tree/\\xfd-link: TR002 warning symlink to a folder outside the searched tree (/); "
        "not followed (validate the target on its own: skrun validate /)",
        f'{shown}:2:7: SK016 error name "bad" must equal the skill directory\'s name '
        '"x\\xfe" (rename the directory to "bad")',
        "1 file checked: 1 error, 1 warning.",
    ]
    code, out, err = run(capsys, "--format", "json", "tree")
    assert (code, err) == (1, "")
    document = json.loads(out.encode("utf-8"))
    assert document["files"] == [shown]
    code, out, err = run(capsys, "--format", "github", "tree")
    assert code == 1 and out.encode("utf-8")
    assert "file=tree/\\xfd-link" in out


# --- skills inside skills (issue 10, deliver 9) ---


def test_a_skill_md_nested_in_a_skill_is_a_resource_not_a_skill(tmp_path: Path) -> None:
    d = skill(tmp_path, "my-skill")
    make_tree(d / "setup", {"SKILL.md": GOOD.format(name="my-skill-setup")})
    make_tree(d / "scripts" / "deep", {"agent.yaml": "not: checked\n"})
    report = check_paths([d])
    assert (report.files, report.issues) == ([f"{d}/SKILL.md"], [])
    # The nested file is still checked when it is named on its own.
    assert [i.code for i in validate(d / "setup" / "SKILL.md")] == ["SK016"]


def test_a_folder_of_skills_is_searched_down_to_each_skill_only(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "skills", {})
    a = skill(root, "a-skill")
    make_tree(a / "setup", {"SKILL.md": GOOD.format(name="a-skill-setup")})
    skill(root / "group", "b-skill")
    assert [str(u.dir) for u in discover(root).units] == [
        f"{root}/a-skill",
        f"{root}/group/b-skill",
    ]
    assert validate(root) == []


def test_the_qdrant_corpus_skill_validates_as_every_client_loads_it() -> None:
    d = CORPUS / "github__awesome-copilot__qdrant-monitoring" / "qdrant-monitoring"
    assert (d / "setup" / "SKILL.md").is_file() and (d / "debugging" / "SKILL.md").is_file()
    report = check_paths([d.parent])
    assert report.files == [f"{d}/SKILL.md"]
    assert [(i.code, i.level) for i in report.issues] == [("SK041", "warning")]


# --- nothing to check (issue 10, item 12) ---


def test_a_folder_with_nothing_to_check_says_so_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_tree(Path("docs"), {"README.md": "x", "guide": {"intro.md": "x"}, ".hidden": {}})
    hint = (
        "a skill is a folder with a SKILL.md at its top: pass one, or create one with "
        "`skrun init -t skill DIR`; dot-folders, node_modules and virtualenvs are not searched"
    )
    assert run(capsys, "docs") == (
        1,
        "docs: SK001 error nothing to validate: no SKILL.md, agent.yaml or artifact.json in "
        f"this folder or below ({hint})\n"
        "0 files checked: 1 error, 0 warnings.\n",
        "",
    )
    make_tree(Path("empty"), {})
    code, out, _ = run(capsys, "--format", "json", "empty")
    assert code == 1
    assert json.loads(out)["issues"] == [
        {
            "file": "empty",
            "line": 0,
            "col": 0,
            "code": "SK001",
            "level": "error",
            "message": "nothing to validate: no SKILL.md, agent.yaml or artifact.json in this "
            "folder",
            "hint": hint,
        }
    ]


def test_nothing_to_check_in_one_path_does_not_stop_the_others(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_tree(Path("empty"), {})
    skill(Path("."), "my-skill")
    code, out, _ = run(capsys, "empty", "my-skill")
    assert code == 1
    assert out.splitlines()[1:] == ["1 file checked: 1 error, 0 warnings."]
    assert out.startswith("empty: SK001 error nothing to validate")


def test_every_tree_code_is_documented_with_its_level_and_examples() -> None:
    from skrun_build.checks.discovery import TREE_RULES

    from helpers.paths import REPO

    text = (REPO / "docs" / "rules.md").read_text()
    for code, (level, summary) in TREE_RULES.items():
        heading = f"### {code} {level}: {summary}\n"
        assert heading in text, f"docs/rules.md lacks {heading!r}"
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        assert "- fails:" in section and "- passes:" in section, code
