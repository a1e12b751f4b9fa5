"""`--allow-secret PATTERN` reads gitignore patterns as git does; one git never matches
is a usage error (it was an internal error, exit 3, for `!`, `\\` or `[z-a]`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.bundle.secrets import Allow
from skrun_build.cli import run

from helpers.bundle import agent_tree

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("!", "empty pattern: git ignores it"),
        ("\\", "it ends with a lone backslash: it never matches"),
        ("[a", "'[' is never closed: it never matches"),
        ("/", "empty pattern: git ignores it"),
    ],
)
def test_a_pattern_that_never_matches_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pattern: str, why: str
) -> None:
    root = agent_tree(tmp_path)
    assert run(["build", str(root), "-o", str(tmp_path / "out"), "--allow-secret", pattern]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"skrun: error: --allow-secret {pattern!r}: {why} (")
    assert not (tmp_path / "out").exists()


def test_allowed_paths_follow_git() -> None:
    allow = Allow(["data/", "*.pem", "!keep/*.pem", "[z-a]ed", "fix/**/id_*"])
    assert allow.allows("data/id_rsa")  # a folder pattern covers what is inside
    assert allow.allows("deep/er/x.pem")
    assert not allow.allows("keep/x.pem")
    assert allow.allows("zed") and not allow.allows("aed")
    assert allow.allows("fix/a/b/id_ed25519") and allow.allows("fix/id_rsa")
    assert not allow.allows("other/id_rsa")
    assert Allow(["*"]).allows("a/b/c")  # what `verify --source` passes


def test_allow_secret_lets_a_key_in_a_folder_through(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"fixtures": {"keys": {"id_test": KEY}}})
    assert run(["build", str(root), "-o", str(tmp_path / "out")]) == 1
    assert (
        run(["build", str(root), "-o", str(tmp_path / "out"), "--allow-secret", "fixtures/"]) == 0
    )
