"""Shared fixtures. The autouse fixture makes it impossible for a test to touch
the real ~/.skrun: HOME, SKRUN_DEPS_DIR and SKRUN_SKILLS_DIR point into tmp dirs,
and the caches of uv/npm/pnpm/yarn are kept inside the test's tmp dir too."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Session fixtures of the dependency-cache tests (wheels, node packages, lockfiles).
pytest_plugins = ["tests.deps_support"]

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
# The bin folder of the venv running the suite (`.venv`, `.venvs/py3.12`, ...): tests that run
# the installed `skrun`, `python` or `pre-commit` take them from here, so that each
# interpreter scripts/test runs the suite on tests its own install.
BIN = Path(sys.executable).parent


def sigint_as_on_a_terminal() -> None:
    """A Popen `preexec_fn`: the child gets SIGINT's default disposition back, so Python in it
    turns SIGINT into KeyboardInterrupt. A shell starts a background job (`bash scripts/test &`,
    some CI runners) with SIGINT ignored, children inherit that, and Python then keeps ignoring
    it, as it should: the tests that send SIGINT must not depend on how the suite was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# Real skills written by others, vendored (with SOURCE.json and licence) so the suite
# passes on a clone of the repository alone.
CORPUS = FIXTURES / "corpus"
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


def make_tree(root: Path, spec: dict[str, str | bytes | dict]) -> Path:  # type: ignore[type-arg]
    """Build a file tree from a dict: str/bytes values are files, dicts are folders."""
    root.mkdir(parents=True, exist_ok=True)
    for name, value in spec.items():
        path = root / name
        if isinstance(value, dict):
            make_tree(path, value)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(value, bytes):
                path.write_bytes(value)
            else:
                path.write_text(value, encoding="utf-8", newline="")
    return root


# The agent.yaml fields a config snapshot fills with their defaults (skrun-dev's schema),
# for tests that compare a whole snapshot or a scaffolded agent.yaml.
AGENT_DEFAULTS: dict[str, object] = {
    "mcp_servers": [],
    "tool_choice": "auto",
    "parallel_tools": True,
    "environment": {
        "networking": {"allowed_hosts": []},
        "filesystem": "read-only",
        "secrets": [],
        "timeout": "300s",
        "sandbox": "strict",
    },
    "context_mode": "skill",
    "state": {"type": "kv", "ttl": "30d"},
    "tests": [],
}
