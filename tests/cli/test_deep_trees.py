"""Trees deeper than the interpreter's recursion limit: handled, or refused with one line.

`ignore.walk`, `Path.mkdir(parents=True)`, `os.walk` (3.11) and `shutil.rmtree` (3.11)
recursed once per folder, so a tree ~1,000 folders deep ended in "internal error:
RecursionError" (exit 3). Each test builds such a tree one folder at a time (os.makedirs
recurses too) and removes it with our own iterative `remove_tree` (pytest's clean-up is
`shutil.rmtree`, which recurses on 3.11).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from skrun_build.cli import run
from skrun_build.deps.store import Store
from skrun_build.fsutil import make_dirs, remove_tree
from skrun_build.scaffolding.importer import MAX_COPY_DEPTH

from helpers.bundle import agent_tree, skill_md
from helpers.deps import write_entry
from helpers.trees import make_tree

DEPTH = sys.getrecursionlimit() + 200


def chain(top: Path, depth: int = DEPTH) -> Path:
    """`top/a/a/.../a` (`depth` folders below `top`), made one folder at a time."""
    folder = top
    for _ in range(depth):
        folder = folder / "a"
        folder.mkdir()
    return folder


@pytest.fixture
def cleanup(tmp_path: Path) -> Iterator[None]:
    yield
    for child in tmp_path.iterdir():
        remove_tree(child)


@pytest.mark.usefixtures("cleanup")
def test_build_list_verify_and_unpack_a_deep_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(tmp_path)
    (chain(root) / "x.txt").write_text("x")
    (root / "z.txt").write_text("last member")
    deep = "a/" * DEPTH + "x.txt"
    assert run(["build", str(root), "-o", str(tmp_path / "dist")]) == 0
    bundle = tmp_path / "dist" / "demo-0.1.0.agent"
    assert run(["build", str(root), "--list"]) == 0
    assert deep in capsys.readouterr().out.splitlines()
    assert run(["verify", str(bundle), "--source", str(root)]) == 0
    assert run(["validate", str(root)]) == 0  # discovery and the scripts walk: iterative
    out = tmp_path / "out"
    assert run(["unpack", str(bundle), str(out)]) == 0
    assert (out / deep).read_text() == "x"
    remove_tree(out)

    # A failed unpack removes its staging folder, deep as it is.
    real_open = open

    def refuse_last(file: object, *args: object, **kwargs: object) -> object:
        if str(file).endswith("z.txt"):
            raise OSError(28, "No space left on device")
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", refuse_last)
    assert run(["unpack", str(bundle), str(out)]) == 1
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "dist"]


@pytest.mark.usefixtures("cleanup")
def test_cache_clear_removes_a_deep_entry(capsys: pytest.CaptureFixture[str]) -> None:
    store = Store().root
    store.mkdir(parents=True)
    entry = write_entry(store, hashlib.sha256(b"1").hexdigest(), size=10, packages=1)
    (entry / "site-packages").mkdir(exist_ok=True)
    leaf = chain(entry / "site-packages")
    (leaf / "f.py").write_text("")
    leaf.chmod(0o555)  # packages ship read-only folders: still removed
    assert run(["cache", "clear", "-y"]) == 0
    assert capsys.readouterr().out.startswith("Cleared 1 entry")
    assert [p.name for p in store.iterdir() if not p.name.startswith(".lock-")] == []


def test_remove_tree_and_make_dirs_any_depth(tmp_path: Path) -> None:
    leaf = tmp_path / "t" / "/".join(["b"] * DEPTH)
    make_dirs(leaf)
    (leaf / "f").write_text("")
    os.symlink(tmp_path / "keep", leaf / "link")  # unlinked, never followed
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "k").write_text("")
    remove_tree(tmp_path / "t")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]
    assert (tmp_path / "keep" / "k").exists()


@pytest.mark.usefixtures("cleanup")
def test_init_from_skill_into_refuses_a_deep_skill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    skill = make_tree(tmp_path / "demo", {"SKILL.md": skill_md("demo")})
    chain(skill)
    monkeypatch.chdir(tmp_path)
    assert run(["init", "--from-skill", "demo", "--into", "copy"]) == 1
    err = capsys.readouterr().err
    deepest = f"{tmp_path}/demo/" + "/".join(["a"] * (MAX_COPY_DEPTH + 1))
    assert err == (
        f"skrun: error: {deepest}: folders nested more than {MAX_COPY_DEPTH} deep"
        " (flatten the skill's folders, or import without --into)\n"
    )
    assert not (tmp_path / "copy").exists()


def test_init_from_skill_into_copies_a_skill_at_the_depth_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    skill = make_tree(tmp_path / "demo", {"SKILL.md": skill_md("demo")})
    (chain(skill, MAX_COPY_DEPTH) / "f.md").write_text("deep")
    monkeypatch.chdir(tmp_path)
    assert run(["init", "--from-skill", "demo", "--into", "copy"]) == 0
    assert (tmp_path / "copy" / ("a/" * MAX_COPY_DEPTH + "f.md")).read_text() == "deep"


def test_remove_tree_reports_what_it_could_not_remove(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As shutil.rmtree does without ignore_errors: callers (cache clear) name the failure.
    make_tree(tmp_path / "t", {"keep.txt": "", "sub": {"gone.txt": ""}})
    real_unlink = os.unlink

    def unlink(path: str) -> None:
        if path.endswith("keep.txt"):
            raise PermissionError(13, "Permission denied", path)
        real_unlink(path)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(PermissionError):
        remove_tree(tmp_path / "t")
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == ["keep.txt"]
    remove_tree(tmp_path / "t", ignore_errors=True)  # best effort, silent
    assert (tmp_path / "t" / "keep.txt").exists()
    monkeypatch.undo()
    remove_tree(tmp_path / "t")
    assert not (tmp_path / "t").exists()
