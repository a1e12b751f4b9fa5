"""Ignore files decide exactly as git does: each verdict is compared with `git check-ignore`.

A table of tricky patterns (escapes, brackets, `**`, negations, patterns git treats
as empty or invalid) is written as the `.gitignore` of a real tree; git answers for
every path, and so do we. The rule named must be the one git names.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from skrun_build.bundle.ignore import Rules
from skrun_build.cli import run

from helpers.trees import make_tree

GIT = shutil.which("git")

# Files of the tree (folders are implied); no dot-names and no Skrun default names,
# so only .gitignore decides.
FILES = [
    "a",
    "b.txt",
    "z",
    "x]",
    "é.txt",
    "a b",
    "a ",
    "!x",
    "#x",
    "foo.txt",
    "UPPER.TXT",
    "tab\tname",
    "q?",
    "star*",
    "back\\slash",
    "brk[1]",
    "minus-",
    "caret^",
    "d/e/f",
    "d/g.txt",
    "foox/y/bar",
    "x/bar",
    "top/mid/leaf.txt",
    "top/leaf.txt",
    "lib/x.log",
    "lib/keep.log",
    "lib/top.txt",
    "deep/a/b/c.md",
]
DIRS = sorted({"/".join(f.split("/")[:i]) for f in FILES for i in range(1, f.count("/") + 1)})

PATTERNS = [
    "!",
    "\\",
    "[z-a]",
    "[a-\\]]",
    "[--a]",
    "[",
    "[a",
    "[[:alpha:]]",
    "[[:alpha]",
    "[[:foo:]]",
    "[[:punct:]]*",
    "[[:space:]]*",
    "[]]",
    "x[]]",
    "[!]]",
    "[^a]",
    "[!a-y]",
    "?.txt",
    "??.txt",
    "\\!x",
    "\\#x",
    "a\\ ",
    "a  ",
    " ",
    "/",
    "!/",
    "a\\",
    "*",
    "**",
    "***",
    "**/",
    "/**",
    "**/bar",
    "foo**/bar",
    "d/**/f",
    "d/**",
    "d/",
    "d",
    "/d/e",
    "e/f",
    "*/bar",
    "top/*.txt",
    "top/**/*.txt",
    "deep/**/c.md",
    "deep/a**/c.md",
    "*.txt\n!b.txt",
    "d/\n!d/e/f",
    "*\n!*/\n!*.log",
    "*.TXT",
    "star\\*",
    "q\\?",
    "brk\\[1]",
    "back\\\\slash",
    "tab?name",
    "[[:cntrl:]]*",
    "\\a",
    "é*",
    "\\xc3*",
    "lib/\n!lib/keep.log",
    "*.log\n!keep.log\n/top.txt",
    "# comment\n\n\nb.txt\r\nz\r",
    # Many stars: matched without backtracking, still as git does.
    "*/*/*",
    "**/*/*.txt",
    "t*/m*/*.t?t",
    "*[[:alpha:]]*[a-z]*.*",
    "*a*a*",
    "**/**/bar",
    "d/**/**/f",
]


def _git_verdicts(root: Path, paths: list[str]) -> dict[str, tuple[bool, str, int]]:
    """path -> (ignored?, deciding ignore file or "", its line or 0), from git."""
    assert GIT is not None
    proc = subprocess.run(
        [GIT, "-C", str(root), "check-ignore", "--no-index", "-v", "-n", "-z", "--stdin"],
        input=b"".join(os.fsencode(p) + b"\0" for p in paths),
        capture_output=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    fields = proc.stdout.split(b"\0")[:-1]
    out: dict[str, tuple[bool, str, int]] = {}
    for i in range(0, len(fields), 4):
        source, line, pattern, path = fields[i : i + 4]
        ignored = bool(source) and not pattern.startswith(b"!")
        out[os.fsdecode(path)] = (ignored, os.fsdecode(source), int(line) if source else 0)
    return out


def _our_verdicts(root: Path, paths: list[str]) -> dict[str, tuple[bool, str, int]]:
    rules = Rules(root)
    out = {}
    for p in paths:
        v = rules.explain(p)
        out[p] = (not v.included, v.source, v.line) if v.source else (not v.included, "", 0)
    return out


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parity") / "repo"
    root.mkdir()
    assert GIT is not None, "git is needed for the parity test"
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run([GIT, "init", "-q", str(root)], check=True, env=env)
    for f in FILES:
        path = root / f
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    return root


@pytest.mark.parametrize("content", PATTERNS)
def test_verdicts_are_gits(tree: Path, content: str) -> None:
    (tree / ".gitignore").write_bytes(content.encode("utf-8").replace(b"\\xc3", b"\xc3") + b"\n")
    paths = FILES + DIRS
    assert _our_verdicts(tree, paths) == _git_verdicts(tree, paths)


NESTED = [
    ("*.log\n", "!keep.log\n/top.txt\n"),
    ("lib/*\n", "!x.log\n"),
    ("top.txt\n", "/top.txt\n!/top.txt\n"),
    ("", "**/keep.log\nx.*\n"),
    ("!lib/keep.log\n", "*\n"),
    ("", "/\n!\n[\n"),
]


@pytest.mark.parametrize(("root_rules", "lib_rules"), NESTED)
def test_nested_ignore_files_decide_as_in_git(tree: Path, root_rules: str, lib_rules: str) -> None:
    (tree / ".gitignore").write_text(root_rules)
    (tree / "lib" / ".gitignore").write_text(lib_rules)
    try:
        paths = FILES + DIRS
        assert _our_verdicts(tree, paths) == _git_verdicts(tree, paths)
    finally:
        (tree / "lib" / ".gitignore").unlink()


def test_git_tolerated_patterns_are_warnings_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each of these made build, --list, --explain and --format skill exit 3.
    from helpers.bundle import agent_tree

    root = agent_tree(tmp_path, {"notes.txt": "n", "z": "z"})
    (root / ".gitignore").write_text("!\n\\\n[z-a]\n[a\n[[:nope:]]\n   \n*.log\n")
    expected = [
        "skrun: warning: .gitignore:1: empty pattern: git ignores it",
        "skrun: warning: .gitignore:2: it ends with a lone backslash: it never matches",
        "skrun: warning: .gitignore:3: range z-a is reversed (it matches only 'z')",
        "skrun: warning: .gitignore:4: '[' is never closed: it never matches",
        "skrun: warning: .gitignore:5: [:nope:] is not a character class: it never matches",
        "skrun: warning: .gitignore:6: empty pattern: git ignores it",
    ]
    assert run(["build", str(root), "--list"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["SKILL.md", "agent.yaml", "notes.txt"]
    assert captured.err.splitlines() == expected
    assert run(["build", str(root), "--explain", str(root / "z")]) == 0
    captured = capsys.readouterr()
    assert captured.out == 'z: excluded by .gitignore:3 "[z-a]"\n'
    assert captured.err.splitlines() == expected
    assert run(["build", str(root), "-o", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().err.splitlines() == expected
    assert run(["build", str(root), "--format", "skill", "-o", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().err.splitlines() == expected


def test_a_non_utf8_gitignore_is_read_as_bytes_like_git(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "a", {"caf\u00e9.txt": "", "b.txt": ""})
    (root / ".gitignore").write_bytes(b"\xff\xfe\ncaf\xc3*\n")  # not UTF-8, yet git reads it
    rules = Rules(root)
    assert not rules.explain("café.txt").included
    assert rules.explain("b.txt").included


def test_many_stars_take_linear_time(tmp_path: Path) -> None:
    # A backtracking matcher needs hours for this line against a 60-letter name.
    name = "a" * 60
    root = make_tree(tmp_path / "a", {name: "", "a" * 12 + "b": ""})
    (root / ".gitignore").write_text("*a" * 12 + "*b\n")
    rules = Rules(root)
    assert rules.explain(name).included
    assert not rules.explain("a" * 12 + "b").included
