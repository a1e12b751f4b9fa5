"""A malformed `[tool.skrun]` config is exit 1, one line naming the file and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import one_line_error

CONFIGS = [
    (
        ".skrun.toml",
        b'ignore = ["ZZ999"]\n',
        "demo/.skrun.toml: ignore: unknown rule code 'ZZ999' (list the codes with: skrun rules)",
    ),
    (
        "pyproject.toml",
        b'[tool.skrun]\nselect = ["XX"]\n',
        "demo/pyproject.toml: tool.skrun.select: unknown rule code 'XX' "
        "(list the codes with: skrun rules)",
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
        "demo/pyproject.toml: unknown key tool.skrun.bogus (known keys: select, ignore, strict, "
        "target, per-file-ignores, max-body-lines, max-body-tokens, build)",
    ),
    # tomllib lets RecursionError and ValueError escape: a traceback, exit 3.
    (
        "pyproject.toml",
        b"a = " + b"[" * 100_000 + b"]" * 100_000,
        "demo/pyproject.toml: invalid TOML: nesting is too deep (flatten the arrays or tables)",
    ),
    (
        ".skrun.toml",
        b"a = 1" + b"0" * 5000,
        "demo/.skrun.toml: invalid TOML: a number has more than 4300 digits "
        "(quote the number as a string)",
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
    assert one_line_error(capsys.readouterr().err) == f"skrun: error: {message}"
    assert not (tmp_path / "dist").exists()
    assert sorted(p.name for p in root.iterdir()) == sorted(["agent.yaml", "SKILL.md", name])
