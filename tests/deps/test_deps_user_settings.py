"""The deps cache honours the user's machine and settings: platform of a hit, index
settings, the skill's .npmrc, the size question of `cache clear` on a tty."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from skrun_build import cli

from helpers.deps import write_entry


def _fake_python_entry(skill: Path, *, runtime: str, platform: str) -> Path:
    from skrun_build.deps.detect import detect_dir
    from skrun_build.deps.key import cache_key
    from skrun_build.deps.store import Store

    manifest = detect_dir(skill)
    assert manifest is not None
    return write_entry(
        Store().root,
        cache_key(manifest),
        requirements="tinypkg==1.0.0\n",
        runtime=runtime,
        platform=platform,
    )


def test_a_hit_built_on_another_platform_warns_and_offers_reinstall(
    tmp_path: Path, py_offline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skrun_build.deps.install import current_platform
    from skrun_build.deps.python import current_python, describe_python

    here = describe_python(current_python())
    assert here is not None
    skill = tmp_path / "s"
    skill.mkdir()
    (skill / "requirements.txt").write_text("tinypkg==1.0.0\n")
    entry = _fake_python_entry(skill, runtime=here, platform="plan9-mips")
    assert cli.run(["deps", "install", str(skill)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(f"Cached: {entry} (1 package, ")
    assert out.err == (
        f"skrun: warning: entry {entry.name[:12]} was built for {here} on plan9-mips, but this "
        f"is {here} on {current_platform()}; run `skrun deps install --reinstall` to rebuild it\n"
    )
    # The offered flag rebuilds the entry for this machine; then hits are silent.
    assert cli.run(["deps", "install", "--reinstall", str(skill)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("Installed 1 package from requirements.txt with uv ")
    assert "tinypkg" in "".join(p.name for p in (entry / "venv").rglob("tinypkg*"))
    meta = json.loads((entry / "skrun-entry.json").read_text())
    assert (meta["platform"], meta["runtime"]) == (current_platform(), here)
    assert cli.run(["deps", "install", str(skill)]) == 0
    assert capsys.readouterr().err == ""
    # Same platform, another interpreter: warned too.
    shutil.rmtree(entry)
    _fake_python_entry(skill, runtime="cpython 3.99.0", platform=current_platform())
    assert cli.run(["deps", "install", str(skill)]) == 0
    assert "was built for cpython 3.99.0 on " in capsys.readouterr().err


def _simple_index(root: Path, wheelhouse: Path) -> str:
    """A PEP 503 index on disk serving the wheelhouse's tinypkg; returns its file:// URL."""
    (wheel,) = wheelhouse.glob("tinypkg-1.0.0-*.whl")
    page = root / "simple" / "tinypkg"
    page.mkdir(parents=True)
    (page / "index.html").write_text(f'<a href="{wheel.as_uri()}">{wheel.name}</a>\n')
    (root / "simple" / "index.html").write_text('<a href="tinypkg/">tinypkg</a>\n')
    return (root / "simple").as_uri()


@pytest.mark.parametrize("setting", ["PIP_INDEX_URL", "UV_INDEX"])
def test_the_users_index_setting_is_honoured(
    setting: str,
    tmp_path: Path,
    wheelhouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import subprocess

    for name in (
        "PIP_FIND_LINKS",
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "UV_INDEX",
        "UV_INDEX_URL",
        "UV_FIND_LINKS",
        "UV_NO_INDEX",
        "UV_OFFLINE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    # The default index is a dead end: only the user's setting can find tinypkg.
    monkeypatch.setenv("UV_DEFAULT_INDEX", (tmp_path / "nowhere").as_uri())
    skill = tmp_path / "s"
    skill.mkdir()
    (skill / "requirements.txt").write_text("tinypkg==1.0.0\n")
    assert cli.run(["deps", "install", str(skill)]) == 1  # proves the dead end
    assert "Script dependency install failed for python" in capsys.readouterr().err
    if setting == "PIP_INDEX_URL":
        monkeypatch.delenv("UV_DEFAULT_INDEX")
    monkeypatch.setenv(setting, _simple_index(tmp_path / "index", wheelhouse))
    assert cli.run(["deps", "install", str(skill)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.startswith("Installed 1 package from requirements.txt with uv ")
    assert cli.run(["deps", "path", str(skill)]) == 0
    entry = Path(capsys.readouterr().out.strip())
    done = subprocess.run(
        [str(entry / "venv" / "bin" / "python"), "-c", "import tinypkg; print(tinypkg.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith(str(entry / "venv"))


def test_deps_install_cli_uses_the_skills_npmrc(
    node_skill: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skill = node_skill("npm")
    # An observable npm setting: with dry-run, `npm ci` installs nothing.
    (skill / ".npmrc").write_text("dry-run=true\n")
    assert cli.run(["deps", "install", "--offline", str(skill)]) == 0
    assert capsys.readouterr().out.startswith("Installed 0 packages from package-lock.json")
    assert not list((tmp_path / "deps").glob("*/.npmrc"))  # used, not kept in the entry
    (skill / ".npmrc").unlink()
    assert cli.run(["deps", "install", "--offline", "--reinstall", str(skill)]) == 0
    # The fixture's dependency, devDependency and scripted dependency (Skrun's set).
    assert capsys.readouterr().out.startswith("Installed 3 packages from package-lock.json")


def test_cache_clear_on_a_tty_asks_only_above_100_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from skrun_build.cli.deps_cmd import cache
    from skrun_build.deps.store import Store

    monkeypatch.setattr("skrun_build.cli.deps_cmd.stdin_is_tty", lambda: True)
    # Exactly 100 MiB: not above, so no question.
    entry = write_entry(Store().root, "a" * 64, size=100 * 1024 * 1024)
    done = CliRunner().invoke(cache, ["clear"], input="", catch_exceptions=False)
    assert (done.exit_code, done.output) == (0, "Cleared 1 entry (100.0 MiB freed).\n")
    assert not entry.exists()
