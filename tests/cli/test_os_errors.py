"""OS errors (read-only parent, a file where a folder is expected) name the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import one_line_error


def test_init_into_a_read_only_parent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores chmod: refuse where the scaffolder makes its temp dir.
    import tempfile

    real = tempfile.mkdtemp

    def refuse(*args: object, dir: str | Path | None = None, **kwargs: object) -> str:
        if dir is not None and Path(dir) == tmp_path:
            raise PermissionError(13, "Permission denied", str(dir))
        return real(*args, dir=dir, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    assert run(["init", str(tmp_path / "new-skill"), "-t", "skill"]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: cannot create a temp dir in {tmp_path}: Permission denied "
        "(pick a DIR whose parent you can write to)"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["build", "{root}", "-o", "{file}/out"],
            "{file}/out: cannot create the output directory: Not a directory "
            "(a part of the path is a file where a directory is expected)",
        ),
        (
            ["init", "{file}/demo"],
            "{file} exists and is not a directory "
            "(remove or rename it, or pick another target directory)",
        ),
    ],
)
def test_os_errors_name_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    # These said what the OS said ("Not a directory") and stopped there.
    root = agent_tree(tmp_path / "src")
    file = tmp_path / "a-file"
    file.write_text("")
    assert run([a.format(root=root, file=file) for a in argv]) == 1
    assert one_line_error(capsys.readouterr().err) == "skrun: error: " + message.format(file=file)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "src"]


def test_os_hint_maps_errno_to_a_fix() -> None:
    import errno

    from skrun_build.errors import os_hint

    assert os_hint(PermissionError(errno.EACCES, "Permission denied")) == (
        "check the permissions with ls -l, or run as a user who may access it"
    )
    assert os_hint(OSError(errno.ENOSPC, "No space left on device")) == (
        "free some disk space and run it again"
    )
    assert (
        os_hint(OSError(errno.EROFS, "x"))
        == "the file system is read-only: pick a writable location"
    )
    assert os_hint(OSError(errno.EINTR, "x")) is None
    assert os_hint(OSError("no errno")) is None
