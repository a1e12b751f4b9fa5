"""Hostile tar members (absolute, '..', links, devices, duplicates, huge sizes, forged names)
are refused before anything is written, in one line."""

from __future__ import annotations

import gzip
import subprocess
import tarfile
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.cli import SKRUN, one_line_error
from helpers.tars import pax_path, tar_gz, tar_info

HOSTILE = {
    "absolute": ([tar_info("/etc/evil")], "member '/etc/evil': absolute path"),
    "dotdot": ([tar_info("a/../../evil")], "member 'a/../../evil': '..' in the path"),
    "pax-path": ([pax_path("ok", "../../evil")], "member '../../evil': '..' in the path"),
    "symlink": (
        [tar_info("l", tarfile.SYMTYPE, link="/etc/passwd")],
        "member 'l': links are not allowed in a bundle",
    ),
    "hardlink": (
        [tar_info("a"), tar_info("h", tarfile.LNKTYPE, link="a")],
        "member 'h': links are not allowed in a bundle",
    ),
    "device": (
        [tar_info("dev", tarfile.CHRTYPE)],
        "member 'dev': not a regular file (device, FIFO or special member)",
    ),
    "duplicate": ([tar_info("a"), tar_info("./a")], "member './a': duplicate member"),
    "backslash": ([tar_info("a\\..\\b")], "member 'a\\\\..\\\\b': empty name, NUL or backslash"),
}


@pytest.mark.parametrize("command", ["unpack", "inspect"])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_member_is_refused_before_any_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, case: str
) -> None:
    members, message = HOSTILE[case]
    bundle = tar_gz(tmp_path / "evil.agent", members)
    extra = [str(tmp_path / "out")] if command == "unpack" else []
    assert run([command, str(bundle), *extra]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert line.startswith(f"skrun: error: {bundle}: {message}")
    assert line.endswith(
        "(the bundle is damaged or was not made by skrun build: rebuild it with `skrun build`)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.agent"]
    assert not (tmp_path.parent / "evil").exists()


def test_huge_declared_size_fails_fast_in_a_real_subprocess(tmp_path: Path) -> None:
    # A header claiming a terabyte used to spin through a terabyte of empty reads.
    header = tarfile.TarInfo("big")
    header.size = 10**12
    bundle = tmp_path / "huge.agent"
    bundle.write_bytes(gzip.compress(header.tobuf(tarfile.PAX_FORMAT) + b"x" * 1000))
    proc = subprocess.run(
        [str(SKRUN), "unpack", str(bundle), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
    )
    assert proc.returncode == 1
    assert one_line_error(proc.stderr) == (
        f"skrun: error: {bundle}: member 'big': declares 1000000000000 bytes, more than a "
        "bundle of this size can hold (the bundle is truncated or crafted; rebuild or "
        "download it again)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.agent"]


def test_member_names_cannot_forge_inspect_lines_or_drive_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tar_gz(
        tmp_path / "names.agent",
        [tar_info("a\n::error file=x::pwned"), tar_info("b\x1b[2Jc")],
    )
    assert run(["inspect", str(bundle)]) == 0
    sha = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"
    assert capsys.readouterr().out.splitlines()[:3] == [
        f"0644  2  {sha}  a\\n::error file=x::pwned",
        f"0644  2  {sha}  b\\x1b[2Jc",
        "2 members, 4 bytes",
    ]
