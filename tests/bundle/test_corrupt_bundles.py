"""A damaged bundle (cut, not gzip, not tar, odd JSON members) is exit 1, one line naming
the file and our own words, never gzip's or tarfile's."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.cli import SKRUN, one_line_error
from helpers.tars import tar_gz, tar_info

CORRUPTIONS = {
    "half": lambda b: b[: len(b) // 2],
    "no-gzip-trailer": lambda b: b[:-8],
    "last-byte-cut": lambda b: b[:-1],
    "end-blocks-cut": lambda b: b[:-30],
    "trailing-garbage": lambda b: b + b"garbage!",
    "not-gzip": lambda b: b"hello world" * 10,
    "gzip-not-tar": lambda b: gzip.compress(b"not a tar" * 100),
    "empty": lambda b: b"",
}


# Our own words, never gzip's or tarfile's ("Not a gzipped file (b'he')", "invalid header").
_CUT = (
    "is not a valid .agent bundle: it ends before its gzip stream does (cut short) "
    "(download or build it again)"
)


CORRUPT_MESSAGES = {
    "half": _CUT,
    "no-gzip-trailer": _CUT,
    "last-byte-cut": _CUT,
    "end-blocks-cut": _CUT,
    "trailing-garbage": "is not a valid .agent bundle: unexpected data after the end of its "
    "gzip stream (download or build it again)",
    "not-gzip": "is not a gzip-compressed .agent bundle: it starts with 68 65, not the gzip "
    "signature 1f 8b (pass a bundle made by `skrun build`)",
    "gzip-not-tar": "is not a valid .agent bundle: the gzip stream does not hold a tar archive "
    "(download or build it again)",
    "empty": "is not a gzip-compressed .agent bundle: the file is empty (pass a bundle made by "
    "`skrun build`)",
}


@pytest.mark.parametrize("command", ["inspect", "verify", "unpack", "deps hash"])
@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupt_bundle_is_exit_1_naming_the_file(
    built: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    corruption: str,
) -> None:
    bundle = tmp_path / "bad.agent"
    bundle.write_bytes(CORRUPTIONS[corruption](built))
    extra = [str(tmp_path / "out")] if command == "unpack" else []
    assert run([*command.split(), str(bundle), *extra]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert line == f"skrun: error: {bundle}: {CORRUPT_MESSAGES[corruption]}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.agent"]


def test_truncated_bundle_in_a_real_subprocess(built: bytes, tmp_path: Path) -> None:
    bundle = tmp_path / "cut.agent"
    bundle.write_bytes(built[: len(built) // 2])
    proc = subprocess.run(
        [str(SKRUN), "verify", str(bundle)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert one_line_error(proc.stderr) == f"skrun: error: {bundle}: {_CUT}"


REBUILD = "the bundle is damaged or was not made by skrun build: rebuild it with `skrun build`"


@pytest.mark.parametrize("depth", [5_000, 100_000])
@pytest.mark.parametrize(
    ("member", "command"), [(".skrun/record.json", "verify"), (".skrun/config.json", "inspect")]
)
def test_deeply_nested_json_member_of_a_bundle(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    member: str,
    command: str,
    depth: int,
) -> None:
    # Python 3.13's json parses 5,000 levels: verify then said "'list' object has no
    # attribute 'get'" and inspect exited 0. The depth is checked first, on every Python.
    data = b"[" * depth + b"]" * depth
    bundle = tar_gz(
        tmp_path / "deep.agent", [tar_info("agent.yaml", data=b"x"), tar_info(member, data=data)]
    )
    assert run([command, str(bundle)]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {bundle}: {member} is malformed: JSON nesting is deeper than 127"
        f" levels (line 1, column 128) ({REBUILD})"
    )


@pytest.mark.parametrize(
    ("member", "command", "data", "problem"),
    [
        (".skrun/record.json", "verify", b"[]", "the top level is a list, expected an object"),
        (".skrun/config.json", "inspect", b'"x"', "the top level is a string, expected an object"),
        (".skrun/config.json", "inspect", b"null", "the top level is null, expected an object"),
        (
            ".skrun/record.json",
            "verify",
            b'{"format":"skrun-agent-bundle","format_version":2,"files":{}}',
            '"files" is an object, expected a list',
        ),
        (
            ".skrun/record.json",
            "verify",
            b'{"format":"skrun-agent-bundle","format_version":2,"files":[[]]}',
            "files[0] is a list, expected an object",
        ),
    ],
)
def test_bundle_json_member_of_the_wrong_shape(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    member: str,
    command: str,
    data: bytes,
    problem: str,
) -> None:
    bundle = tar_gz(
        tmp_path / "odd.agent", [tar_info("agent.yaml", data=b"x"), tar_info(member, data=data)]
    )
    assert run([command, str(bundle)]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"skrun: error: {bundle}: {member} is malformed: {problem} ({REBUILD})"
    )
