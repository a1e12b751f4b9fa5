"""Exclusion rules: Skrun defaults, .gitignore (root and nested), .skrunignore, explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skrun_build.bundle.build import explain, list_files
from skrun_build.bundle.ignore import Rules, walk
from skrun_build.cli import run

from helpers.trees import make_tree


def packed(root: Path, output: Path | None = None) -> list[str]:
    return [f.rel for f in list_files(root, output)]


def test_defaults_at_any_depth_dot_names_secret_and_agent(tmp_path: Path) -> None:
    junk = {
        "node_modules": {"x.js": ""},
        ".git": {"HEAD": ""},
        "dist": {"a.txt": ""},
        ".env": "K=V",
        ".DS_Store": "",
        "__pycache__": {"m.pyc": ""},
        ".pytest_cache": {"v": ""},
        "venv": {"bin": {"python": ""}},
        ".venv": {"pyvenv.cfg": ""},
        ".hidden": "",
        "token.secret": "",
        "old-1.0.0.agent": "",
        "old.skill": "",
    }
    make_tree(
        tmp_path / "a", {"SKILL.md": "x", "keep.txt": "", **junk, "sub": {**junk, "ok.py": ""}}
    )
    assert packed(tmp_path / "a") == ["SKILL.md", "keep.txt", "sub/ok.py"]


def test_gitignore_root_and_nested_with_git_semantics(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "a",
        {
            ".gitignore": "# comment\n\n*.log\n!keep.log\n/top.txt\nbuild/\n",
            "a.log": "",
            "keep.log": "",
            "top.txt": "",
            "build": {"out.bin": ""},
            "lib": {
                ".gitignore": "*.tmp\n!important.log\n/local.txt\n",
                "top.txt": "",  # /top.txt is anchored to the root .gitignore's folder
                "x.tmp": "",
                "important.log": "",
                "other.log": "",
                "local.txt": "",
                "deep": {"local.txt": "", "build": {"y": ""}},
            },
        },
    )
    assert packed(root) == [
        "keep.log",
        "lib/deep/local.txt",
        "lib/important.log",
        "lib/top.txt",
    ]


def test_skrunignore_reincludes_a_default_and_overrides_gitignore(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "a",
        {
            ".gitignore": "*.csv\n",
            ".skrunignore": "!dist/\n!.well-known/\n!data.csv\ndocs/\n",
            "dist": {"app.js": ""},
            ".well-known": {"ai.json": ""},
            "data.csv": "",
            "other.csv": "",
            "docs": {"x.md": ""},
            "main.py": "",
        },
    )
    assert packed(root) == [".well-known/ai.json", "data.csv", "dist/app.js", "main.py"]


def test_agent_files_and_output_dir_are_never_packed(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "a",
        {".skrunignore": "!*.agent\n!out/\n", "x.agent": "", "out": {"f": ""}, "m.py": ""},
    )
    assert packed(root, root / "out") == ["m.py"]
    assert explain(root, "x.agent").describe() == 'x.agent: excluded by never packed "*.agent"'
    assert explain(root, "out/f", root / "out").describe() == (
        'out/f: excluded (its directory out/ is excluded: never packed "/out/")'
    )


def test_excluded_directory_is_not_entered_as_in_git(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "a",
        {".skrunignore": "!node_modules/keep.js\n", "node_modules": {"keep.js": ""}, "m.py": ""},
    )
    assert packed(root) == ["m.py"]
    assert explain(root, "node_modules/keep.js").describe() == (
        "node_modules/keep.js: excluded (its directory node_modules/ is excluded: "
        'Skrun default "node_modules")'
    )


def test_explain_names_file_line_and_pattern(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "a",
        {
            ".gitignore": "\n*.log\n",
            ".skrunignore": "# keep this one\n!keep.log\n",
            "sub": {".gitignore": "*.txt\n", "a.txt": ""},
            "keep.log": "",
            "a.log": "",
            "m.py": "",
        },
    )
    assert explain(root, "a.log").describe() == 'a.log: excluded by .gitignore:2 "*.log"'
    assert (
        explain(root, "keep.log").describe() == 'keep.log: included by .skrunignore:2 "!keep.log"'
    )
    assert (
        explain(root, "sub/a.txt").describe() == 'sub/a.txt: excluded by sub/.gitignore:1 "*.txt"'
    )
    assert explain(root, "m.py").describe() == "m.py: included (no rule matches)"
    assert explain(root, ".env").describe() == '.env: excluded by Skrun default ".env"'
    assert explain(root, "x/.cache").describe() == 'x/.cache: excluded by Skrun default ".*"'
    assert explain(root, "k.secret").describe() == 'k.secret: excluded by Skrun default "*.secret"'
    assert explain(root, str(root / "a.log")).path == "a.log"


def test_walk_is_sorted_and_independent_of_creation_order(tmp_path: Path) -> None:
    names = ["b.txt", "a.txt", "B.txt", "a", "é.md", "z"]
    for order, base in ((names, "one"), (list(reversed(names)), "two")):
        root = tmp_path / base
        root.mkdir()
        for n in order:
            if n in ("a", "z"):
                (root / n).mkdir()
                (root / n / "f").write_text("")
            else:
                (root / n).write_text("")
    one = [e.rel for e in walk(tmp_path / "one", Rules(tmp_path / "one"))]
    two = [e.rel for e in walk(tmp_path / "two", Rules(tmp_path / "two"))]
    assert one == two
    assert packed(tmp_path / "one") == ["B.txt", "a.txt", "a/f", "b.txt", "z/f", "é.md"]


def test_cli_list_and_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_tree(
        tmp_path / "a", {".gitignore": "*.log\n", "a.log": "", "m.py": "", "s": {"t.md": ""}}
    )
    assert run(["build", str(root), "--list"]) == 0
    assert capsys.readouterr().out == "m.py\ns/t.md\n"
    # --explain PATH is relative to the current directory, like every path argument.
    assert run(["build", str(root), "--explain", str(root / "a.log")]) == 0
    assert capsys.readouterr().out == 'a.log: excluded by .gitignore:1 "*.log"\n'
    assert run(["build", str(root), "--explain", str(tmp_path / "x")]) == 2
    assert "outside the source directory" in capsys.readouterr().err
    assert run(["build", str(root), "--explain", str(root)]) == 2
    assert "names the source directory itself" in capsys.readouterr().err
    assert run(["build", str(root), "--explain", str(root / "a.log"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "path": "a.log",
        "included": False,
        "source": ".gitignore",
        "line": 1,
        "pattern": "*.log",
        "parent": "",
        "exists": True,
        "required": "",
    }
    assert run(["build", str(root), "--list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == ["m.py", "s/t.md"]


def test_builtin_layers_agree_with_the_pattern_files() -> None:
    # Paths whose parent folders are included: the walk never asks about others, and
    # explain() checks parents first.
    from skrun_build.bundle.ignore import DEFAULT_PATTERNS, _BuiltinPatterns, _PatternFile

    lines = [*DEFAULT_PATTERNS, "*.agent", "*.skill", "/out/", "/a/b/"]
    fast = _BuiltinPatterns("x", lines)
    slow = _PatternFile("x", lines, numbered=False)
    paths = [
        "a.txt",
        "dist",
        "dist/",
        "x/dist",
        "x/dist/",
        "dist.txt",
        ".env",
        "x/.env/",
        "a/.b",
        "k.secret",
        "x/k.secret/",
        ".secret",
        "v.agent",
        "v.agent/",
        "out",
        "out/",
        "out/x",
        "x/out/",
        "a/b/",
        "a/b",
        "a/b/c",
        "node_modules/",
        "y/node_modules",
        "venv.py",
        "__pycache__/",
        "a.skill",
        ".DS_Store",
        "x/.git/",
        "b/a/b/",
    ]
    for path in paths:
        assert fast.check(path) == slow.check(path), path
