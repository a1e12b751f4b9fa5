"""Pathological files in the deps cache and lockfiles: a corrupt entry or a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skrun_build.cli import run

from helpers.bundle import agent_tree
from helpers.cli import one_line_error

DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


def test_deeply_nested_cache_metadata_is_a_corrupt_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = tmp_path / "deps"
    entry = deps / ("a" * 64)
    entry.mkdir(parents=True)
    (entry / "skrun-entry.json").write_bytes(DEEP_JSON)
    monkeypatch.setenv("SKRUN_DEPS_DIR", str(deps))
    assert run(["cache", "list"]) == 0
    err = capsys.readouterr().err
    assert one_line_error(err).startswith("skrun: warning: 1 incomplete entry and 0 temp dirs")


def test_pathological_poetry_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = agent_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.poetry]\nname = 'x'\n",
            "poetry.lock": b"x = " + b"[" * 100_000 + b"]" * 100_000,
        },
    )
    assert run(["deps", "install", "--offline", str(root)]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        "skrun: error: poetry.lock: not valid TOML: nesting is too deep "
        "(flatten the arrays or tables)"
    )
    deps = Path(os.environ["SKRUN_DEPS_DIR"])
    assert [p.name for p in deps.glob(".tmp-*")] == []
