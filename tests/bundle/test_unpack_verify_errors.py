"""`skrun unpack` and `skrun verify` on targets they cannot use: one line naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import one_line_error


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            OSError(36, "File name too long"),
            "cannot extract member 'notes.md': File name too long (the name is too long for "
            "this filesystem; unpack somewhere with a shorter path)",
        ),
        (
            OSError(28, "No space left on device"),
            "cannot extract member 'notes.md': No space left on device (free some disk space "
            "and run it again)",
        ),
        (
            PermissionError(13, "Permission denied"),
            "cannot extract member 'notes.md': Permission denied (check the permissions "
            "with ls -l, or run as a user who may access it)",
        ),
    ],
)
def test_unpack_write_failure_names_the_member_not_the_staging_dir(
    built: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: OSError,
    message: str,
) -> None:
    import builtins

    bundle = tmp_path / "demo.agent"
    bundle.write_bytes(built)
    real_open = builtins.open

    def failing_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if mode == "xb" and str(file).endswith("notes.md"):
            raise error
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", failing_open)
    assert run(["unpack", str(bundle), str(tmp_path / "out")]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {tmp_path / 'out'}: {message}"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.agent"]


def test_a_skill_zip_given_to_unpack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # inspect and verify read a .skill (tests/bundle/test_bundle_limits.py); unpack leaves it to unzip.
    root = agent_tree(tmp_path)
    assert run(["build", str(root), "--format", "skill", "-o", str(tmp_path / "d")]) == 0
    capsys.readouterr()
    zipped = tmp_path / "d" / "demo.skill"
    assert run(["unpack", str(zipped), str(tmp_path / "u")]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {zipped}: is a zip (a .skill?), not a gzip-compressed .agent bundle "
        "(`skrun inspect` and `skrun verify` read a .skill; extract one with `unzip`)"
    )
    assert not (tmp_path / "u").exists()


def test_unpack_below_a_file(
    built: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # mkdir's "File exists" named neither the file in the way nor the fix.
    bundle = tmp_path / "demo.agent"
    bundle.write_bytes(built)
    (tmp_path / "afile").write_text("x")
    assert run(["unpack", str(bundle), str(tmp_path / "afile" / "sub")]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {tmp_path / 'afile' / 'sub'}: cannot create the destination: "
        f"{tmp_path / 'afile'} is a file (pick a destination whose parents are directories)"
    )
    assert (tmp_path / "afile").read_text() == "x"


def test_verify_source_that_fails_validation_shows_the_issues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # It printed only "validation failed with 1 error(s)": no file, no line.
    root = agent_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(["build", "demo", "-o", "dist"]) == 0
    (root / "SKILL.md").write_text("---\nname: demo\n---\n")
    capsys.readouterr()
    assert run(["verify", "dist/demo-0.1.0.agent", "--source", "demo"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "demo/SKILL.md:1:1: SK020 error the frontmatter has no 'description' (add description: "
        "saying what the skill does and when to use it)",
        "skrun: error: validation failed with 1 error(s)",
    ]
