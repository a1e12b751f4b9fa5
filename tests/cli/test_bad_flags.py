"""Bad flag values are usage errors (exit 2) naming the flag and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import one_line_error


@pytest.mark.parametrize(
    "value", ["abc", "-1", "0", "0.1", "1e999", "1e999KiB", "9" * 400, "1_000", "١٢", "inf"]
)
def test_bad_max_size_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    # "1e999" crashed (OverflowError, exit 3); "0.1" and "١٢" were taken as 0 and 12 bytes.
    root = agent_tree(tmp_path)
    assert run(["build", str(root), "-o", str(tmp_path / "d"), "--max-size", value]) == 2
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: invalid size {value!r} (use e.g. 50MiB, 500KiB or a byte count)"
    )
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["cache", "clear", "--older-than", "3x", "--yes"],
            "--older-than: invalid duration '3x' (use a number and s, m, h, d or w: 30d)",
        ),
        (
            ["validate", ".", "--select", "ZZ999"],
            "--select: unknown rule code 'ZZ999' (list the codes with: skrun rules)",
        ),
        (
            ["init", "{tmp}/x", "--model", "nope"],
            "--model: 'nope' must be provider/name (e.g. anthropic/claude-sonnet-4-5)",
        ),
        (
            ["init", "--from-skill", "{tmp}/skill", "--input", "x:nope"],
            "--input: unknown type 'nope' in 'x:nope' (one of string, number, boolean, object, "
            "array)",
        ),
    ],
)
def test_bad_flag_values(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    agent_tree(tmp_path)
    agent_tree(tmp_path, slug="skill")
    monkeypatch.chdir(tmp_path)
    code = run([a.format(tmp=tmp_path) for a in argv])
    err = one_line_error(capsys.readouterr().err)
    assert (code, err) == (2, f"skrun: error: {message}")


@pytest.mark.parametrize("value", ["3x", "-1d", "1.5d", "١d", "9" * 5000 + "d", "1e999d", ""])
def test_bad_older_than_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    # A 5000-digit count crashed (int digit limit, exit 3); "١d" passed for 1 day.
    assert run(["cache", "clear", "--older-than", value, "--yes"]) == 2
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: --older-than: invalid duration {value!r} "
        "(use a number and s, m, h, d or w: 30d)"
    )


def test_explain_of_a_path_outside_the_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    agent_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    # Exit 2 since --explain PATH became a path like any other (relative to the cwd).
    assert run(["build", "demo", "--explain", "../../etc/passwd"]) == 2
    assert one_line_error(capsys.readouterr().err) == (
        "skrun: error: ../../etc/passwd: --explain names a path outside the source directory "
        "(name a path inside demo; like every path argument, it is relative to the current "
        "directory)"
    )
