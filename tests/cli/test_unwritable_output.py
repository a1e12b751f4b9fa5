"""Output that cannot be written: a closed stdout (the reader went away), a full disk,
an unwritable `skrun schema -o` target."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import one_line_error, skrun_into


@pytest.mark.parametrize(
    "argv",
    [["cache", "list"], ["inspect", "{bundle}"], ["schema", "agent"], ["--help"], ["build", "-h"]],
)
def test_closed_stdout_is_success_in_a_real_subprocess(
    built: bytes, tmp_path: Path, argv: list[str]
) -> None:
    # `skrun inspect X | head -1` under `set -o pipefail`: click made it a silent exit 1.
    bundle = tmp_path / "demo.agent"
    bundle.write_bytes(built)
    for unbuffered in (True, False):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            proc = skrun_into(write_end, [a.format(bundle=bundle) for a in argv], unbuffered)
        finally:
            os.close(write_end)
        assert (proc.returncode, proc.stderr) == (0, ""), unbuffered


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no/s.json", "No such file or directory (create the directory first)"),
        (
            "afile/s.json",
            "Not a directory (a part of the path is a file where a directory is expected)",
        ),
    ],
)
def test_schema_output_that_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, message: str
) -> None:
    (tmp_path / "afile").write_text("x")
    assert run(["schema", "agent", "-o", str(tmp_path / target)]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: cannot write {tmp_path / target}: {message}"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


@pytest.mark.parametrize("argv", [["schema", "agent"], ["cache", "dir"], ["validate", "{root}"]])
def test_stdout_on_a_full_disk_in_a_real_subprocess(tmp_path: Path, argv: list[str]) -> None:
    # ENOSPC on stdout was an "internal error ... please report" (exit 3).
    # Buffered stdout (no PYTHONUNBUFFERED, as for any user) also exited 120 with
    # "Exception ignored" when the interpreter flushed the unwritten text again.
    root = agent_tree(tmp_path)
    for unbuffered in (True, False):
        with open("/dev/full", "w") as full:
            proc = skrun_into(full.fileno(), [a.format(root=root) for a in argv], unbuffered)
        assert proc.returncode == 1, (unbuffered, proc.stderr)
        assert one_line_error(proc.stderr) == (
            "skrun: error: cannot write the output: No space left on device "
            "(free some space or redirect stdout elsewhere)"
        )
