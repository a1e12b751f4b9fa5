"""Adversarial robustness of the real CLI: malformed files, flags, environments.

Every case asserts the documented exit code, a one-line message naming the file
or field and the fix, no traceback, and nothing partial left on disk. A few run
the installed `skrun` in a subprocess; the rest go through `cli.run` in-process.
"""

from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path

import pytest
from _bundle import agent_tree

from skrun_build.cli import run

REPO = Path(__file__).resolve().parent.parent
SKRUN = REPO / ".venv" / "bin" / "skrun"


def _one_line_error(err: str) -> str:
    """The single stderr line, after checking there is no traceback."""
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a freshly built bundle, to be corrupted by the tests."""
    tmp = tmp_path_factory.mktemp("built")
    agent_tree(tmp, {"notes.md": "hello\n" * 200})
    assert run(["build", str(tmp / "demo"), "-o", str(tmp / "dist")]) == 0
    return (tmp / "dist" / "demo-0.1.0.agent").read_bytes()


# --- corrupt bundles -------------------------------------------------------------------

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
CORRUPT_MESSAGES = {
    "half": "Compressed file ended before the end-of-stream marker was reached",
    "no-gzip-trailer": "Compressed file ended before the end-of-stream marker was reached",
    "last-byte-cut": "Compressed file ended before the end-of-stream marker was reached",
    "end-blocks-cut": "Compressed file ended before the end-of-stream marker was reached",
    "trailing-garbage": "Not a gzipped file",
    "not-gzip": "Not a gzipped file",
    "gzip-not-tar": "invalid header",
    "empty": "empty file",
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
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith(f"skrun: error: {bundle}: not a valid bundle (gzip-compressed tar): ")
    assert CORRUPT_MESSAGES[corruption] in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.agent"]


def test_truncated_bundle_in_a_real_subprocess(built: bytes, tmp_path: Path) -> None:
    bundle = tmp_path / "cut.agent"
    bundle.write_bytes(built[: len(built) // 2])
    proc = subprocess.run(
        [str(SKRUN), "verify", str(bundle)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert _one_line_error(proc.stderr) == (
        f"skrun: error: {bundle}: not a valid bundle (gzip-compressed tar): "
        "Compressed file ended before the end-of-stream marker was reached"
    )


# --- malformed config ------------------------------------------------------------------

CONFIGS = [
    (
        ".skrun.toml",
        b'ignore = ["ZZ999"]\n',
        "demo/.skrun.toml: ignore: unknown rule code 'ZZ999' (see docs/rules.md for the codes)",
    ),
    (
        "pyproject.toml",
        b'[tool.skrun]\nselect = ["XX"]\n',
        "demo/pyproject.toml: tool.skrun.select: unknown rule code 'XX' "
        "(see docs/rules.md for the codes)",
    ),
    (
        ".skrun.toml",
        b"\xff\xfe\x00garbage",
        "demo/.skrun.toml: not UTF-8 (byte 0) (save it as UTF-8 TOML)",
    ),
    (
        "pyproject.toml",
        b"[project]\nname = 'caf\xe9'\n",
        "demo/pyproject.toml: not UTF-8 (byte 21) (save it as UTF-8 TOML)",
    ),
    (
        ".skrun.toml",
        b'strict = "yes"\n',
        "demo/.skrun.toml: strict must be true or false, not 'yes' (strict = true)",
    ),
    (
        "pyproject.toml",
        b"[tool.skrun]\nbogus = 1\n",
        "demo/pyproject.toml: unknown key tool.skrun.bogus (known keys: select, ignore, strict)",
    ),
]


@pytest.mark.parametrize("command", ["validate", "build"])
@pytest.mark.parametrize(("name", "content", "message"), CONFIGS)
def test_malformed_config_is_exit_1_naming_the_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    name: str,
    content: bytes,
    message: str,
) -> None:
    root = agent_tree(tmp_path, {name: content})
    monkeypatch.chdir(tmp_path)
    extra = ["-o", "dist"] if command == "build" else []
    assert run([command, "demo", *extra]) == 1
    assert _one_line_error(capsys.readouterr().err) == f"skrun: error: {message}"
    assert not (tmp_path / "dist").exists()
    assert sorted(p.name for p in root.iterdir()) == sorted(["agent.yaml", "SKILL.md", name])
