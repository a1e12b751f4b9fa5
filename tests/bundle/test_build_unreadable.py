"""A built tree is read whole or not at all: what cannot be read is an error naming it
and the cause, and a symlink never leads the build out of the tree.

Tests run as root here, where chmod stops nothing, so the refusals are injected where
the build asks the OS (scandir, open, stat, realpath), with the errno a real
permission problem gives.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree

DENIED = "Permission denied (check the permissions with ls -l, or run as a user who may access it)"


def _deny(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, victim: Path) -> None:
    """Make `owner.name(path, ...)` fail with EACCES for `victim` only."""
    real: Callable[..., Any] = getattr(owner, name)

    def fake(path: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(path) == os.fspath(victim):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(owner, name, fake, raising=False)


def _last_err(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("mode", ["build", "--list", "skill"])
def test_an_unreadable_folder_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    root = agent_tree(tmp_path, {"data": {"private": {"a.txt": "x"}}, "b.txt": "b"})
    _deny(monkeypatch, os, "scandir", root / "data" / "private")
    argv = ["build", str(root), "-o", str(tmp_path / "out")]
    argv += {"build": [], "--list": ["--list"], "skill": ["--format", "skill"]}[mode]
    assert run(argv) == 1
    assert _last_err(capsys) == (
        f"skrun: error: {root / 'data' / 'private'}: cannot read directory: {DENIED}"
    )
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_an_unreadable_file_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(tmp_path, {"notes.txt": "n"})
    _deny(monkeypatch, os, "open", root / "notes.txt")  # the writer reads with os.open
    assert run(["build", str(root), "-o", str(tmp_path / "out")]) == 1
    assert _last_err(capsys) == f"skrun: error: notes.txt: cannot read: {DENIED}"
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_an_unreadable_ignore_file_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(tmp_path, {"sub": {".gitignore": "*.log\n", "a.log": ""}})
    real = Path.read_bytes

    def fake(self: Path) -> bytes:
        if self == root / "sub" / ".gitignore":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", fake)
    assert run(["build", str(root), "--list"]) == 1
    assert _last_err(capsys) == (
        f"skrun: error: {root / 'sub' / '.gitignore'}: cannot read: {DENIED}"
    )


def test_a_link_whose_target_cannot_be_reached_is_not_called_dangling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # It said "dangling symlink" when the target's folder was only unreadable.
    root = agent_tree(tmp_path, {"data": {"t.txt": "t"}})
    (root / "link.txt").symlink_to("data/t.txt")
    real = os.path.realpath

    def fake(path: Any, *args: Any, **kwargs: Any) -> str:
        if os.fspath(path) == str(root / "link.txt") and kwargs.get("strict"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os.path, "realpath", fake)
    assert run(["build", str(root), "--list"]) == 1
    assert _last_err(capsys) == (f"skrun: error: link.txt: cannot follow the symlink: {DENIED}")


def test_explain_inside_an_unreadable_folder_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(tmp_path, {"data": {"a.txt": "x"}})
    _deny(monkeypatch, os, "stat", root / "data" / "a.txt")
    assert run(["build", str(root), "--explain", str(root / "data" / "a.txt")]) == 1
    assert _last_err(capsys) == (f"skrun: error: {root / 'data' / 'a.txt'}: cannot stat: {DENIED}")


@pytest.mark.parametrize("target", ["/", "/proc", ".."])
def test_a_directory_link_out_of_the_tree_stops_the_build_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    # The walk never follows it: neither / nor /proc is ever listed.
    root = agent_tree(tmp_path, {"a.txt": "a"})
    (root / "root-link").symlink_to(target)
    for argv in (["--list"], ["-o", str(tmp_path / "out")], ["--format", "skill", "--list"]):
        assert run(["build", str(root), *argv]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert err[0] == (
            f"skrun: error: root-link: symlink leads outside the source directory (to "
            f"{os.path.realpath(root / 'root-link')}) (copy the file in, or exclude the link "
            "in .skrunignore)"
        )


@pytest.mark.parametrize("extra", [[], ["--list"], ["--explain", "x"]])
def test_a_source_folder_that_cannot_be_looked_at_says_why(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
) -> None:
    # pathlib's exists() raised PermissionError here: an internal error (exit 3).
    root = agent_tree(tmp_path)
    _deny(monkeypatch, os, "stat", root)
    assert run(["build", str(root), *extra]) == 1
    assert _last_err(capsys) == f"skrun: error: {root}: cannot stat: {DENIED}"
