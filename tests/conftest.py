"""Shared fixtures. The autouse fixture makes it impossible for a test to touch
the real ~/.skrun: HOME, SKRUN_DEPS_DIR and SKRUN_SKILLS_DIR point into tmp dirs,
and the caches of uv/npm/pnpm/yarn are kept inside the test's tmp dir too."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Session fixtures of the dependency-cache tests (wheels, node packages, lockfiles).
pytest_plugins = ["helpers.deps_fixtures"]

REAL_HOME = Path.home()


@pytest.fixture(autouse=True)
def _isolate_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SKRUN_DEPS_DIR", str(home / ".skrun" / "deps"))
    monkeypatch.setenv("SKRUN_SKILLS_DIR", str(home / ".skrun" / "skills"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("npm_config_cache", str(home / ".npm"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    # uv keeps its own cache; share one per session so tests stay fast but never touch ~.
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "uv-cache"))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    real_skrun = REAL_HOME / ".skrun"
    before = real_skrun.exists()
    yield home
    assert real_skrun.exists() == before, "a test created the real ~/.skrun"


@pytest.fixture
def copy_tree(tmp_path: Path) -> Callable[[Path, str | None], Path]:
    """Copy a read-only source tree (corpus, fixtures) into tmp_path, writable."""

    def _copy(src: Path, name: str | None = None) -> Path:
        dest = tmp_path / (name or src.name)
        shutil.copytree(src, dest, symlinks=True)
        for root, dirs, files in os.walk(dest):
            for n in dirs + files:
                p = Path(root, n)
                if not p.is_symlink():
                    p.chmod(p.stat().st_mode | 0o200)
        return dest

    return _copy


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a freshly built bundle, to be corrupted by the tests."""
    from skrun_build.cli import run

    from helpers.bundle import agent_tree

    tmp = tmp_path_factory.mktemp("built")
    agent_tree(tmp, {"notes.md": "hello\n" * 200})
    assert run(["build", str(tmp / "demo"), "-o", str(tmp / "dist")]) == 0
    return (tmp / "dist" / "demo-0.1.0.agent").read_bytes()
