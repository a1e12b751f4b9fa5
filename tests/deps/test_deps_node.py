"""Node installs: npm ci, pnpm, yarn 1, npm install without a lockfile, from a local .tgz."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from skrun_build.deps.detect import detect_dir
from skrun_build.deps.install import InstallResult, install
from skrun_build.deps.node import _commands, count_packages, is_berry_lock
from skrun_build.deps.store import Store
from skrun_build.errors import DepsError, InstallFailed

from helpers.deps_fixtures import BERRY, NODE_PACKAGES

pytestmark = pytest.mark.slow


def _install(skill: Path, **kw: object) -> InstallResult:
    manifest = detect_dir(skill)
    assert manifest is not None
    return install(manifest, source=skill, offline=True, **kw)  # type: ignore[arg-type]


def _require(entry: Path) -> str:
    # Scripts run from the entry see node_modules in an ancestor dir: both require and import.
    code = "console.log(require('tiny-node')())"
    return subprocess.run(
        ["node", "-e", code], cwd=entry, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize(
    ("kind", "lockfile", "installer"),
    [
        ("npm", "package-lock.json", "npm"),
        ("pnpm", "pnpm-lock.yaml", "pnpm"),
        ("yarn", "yarn.lock", "yarn"),
    ],
)
def test_locked_install(
    node_skill: Callable[[str], Path], kind: str, lockfile: str, installer: str
) -> None:
    skill = node_skill(kind)
    result = _install(skill)
    assert result.status == "installed"
    assert result.warnings == []
    meta = result.meta
    assert (meta.ecosystem, meta.lock_kind, meta.lockfile, meta.installer) == (
        "node",
        kind,
        lockfile,
        installer,
    )
    assert meta.packages == len(NODE_PACKAGES)  # devDependencies too, as Skrun installs
    assert meta.runtime.startswith("node v")
    assert meta.reproducible is True
    assert _require(result.path) == "hello from tiny-node\n"
    assert [p.name for p in Store().root.iterdir() if not p.name.startswith(".lock-")] == [
        result.key
    ]
    assert _install(skill).status == "hit"


def test_yarn_berry_lock_uses_immutable_with_node_modules(
    node_skill: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    skill = node_skill("berry")
    assert "__metadata:" in (skill / "yarn.lock").read_text()
    # yarn 1 on PATH refuses a yarn >= 2 lockfile with a clear message...
    with pytest.raises(DepsError) as info:
        _install(skill)
    assert str(info.value).startswith("yarn.lock: written by yarn >= 2, but `yarn` on PATH is 1.")
    # ...and yarn >= 2 installs it into node_modules (not Plug'n'Play).
    monkeypatch.setenv("PATH", f"{BERRY}{os.pathsep}{os.environ['PATH']}")
    result = _install(skill)
    assert (result.meta.installer, result.meta.lock_kind) == ("yarn", "yarn")
    assert result.meta.installer_version.startswith("4.")
    assert result.meta.packages == len(NODE_PACKAGES)
    assert _require(result.path) == "hello from tiny-node\n"


def test_no_lockfile_warns_and_uses_npm_install(node_skill: Callable[[str], Path]) -> None:
    skill = node_skill("none")
    result = _install(skill)
    assert result.meta.installer == "npm"
    assert result.meta.reproducible is False
    assert result.warnings == [
        "non-reproducible build: package.json has no lockfile, so versions are resolved at "
        "install time (commit package-lock.json, pnpm-lock.yaml or yarn.lock)"
    ]
    assert _require(result.path) == "hello from tiny-node\n"
    # The user's npm configuration applies (here npm_config_cache, set by conftest).
    assert (Path(os.environ["npm_config_cache"]) / "_cacache").is_dir()  # noqa: SIM112


def test_lock_out_of_sync_fails(node_skill: Callable[[str], Path]) -> None:
    skill = node_skill("npm")
    data = json.loads((skill / "package.json").read_text())
    data["dependencies"]["left-pad"] = "1.3.0"
    (skill / "package.json").write_text(json.dumps(data))
    with pytest.raises(InstallFailed) as info:
        _install(skill)
    assert str(info.value).splitlines()[0] == (
        "Script dependency install failed for node: npm ci --include=dev --no-audit --no-fund "
        "--offline exited 1"
    )
    assert [p.name for p in Store().root.iterdir() if not p.name.startswith(".lock-")] == []


def test_npmrc_used_for_the_install_but_not_kept(node_skill: Callable[[str], Path]) -> None:
    skill = node_skill("npm")
    (skill / ".npmrc").write_text("//registry.example/:_authToken=secret\n")
    result = _install(skill)
    assert not (result.path / ".npmrc").exists()


def test_commands_per_lock() -> None:
    from skrun_build.deps.detect import Manifest

    def argv(kind: str | None, **kw: object) -> tuple[str, list[str], dict[str, str]]:
        m = Manifest("node", "package.json", "package.json", "{}", kind, "x", "")
        opts = {"offline": False, "ignore_scripts": False, "yarn_major": None, **kw}
        return _commands(m, **opts)  # type: ignore[arg-type]

    # Skrun v0.7.0's set: devDependencies included (explicitly, whatever NODE_ENV says),
    # install scripts run.
    assert argv("npm")[1] == ["npm", "ci", "--include=dev", "--no-audit", "--no-fund"]
    assert argv("pnpm", offline=True)[1] == [
        "pnpm",
        "install",
        "--frozen-lockfile",
        "--production=false",
        "--offline",
    ]
    assert argv("yarn", yarn_major=1)[1] == [
        "yarn",
        "install",
        "--frozen-lockfile",
        "--production=false",
        "--non-interactive",
    ]
    assert argv("yarn", yarn_major=4, offline=True) == (
        "yarn",
        ["yarn", "install", "--immutable"],
        {
            "YARN_NODE_LINKER": "node-modules",
            "YARN_ENABLE_TELEMETRY": "0",
            "YARN_ENABLE_NETWORK": "0",
        },
    )
    assert argv("yarn", yarn_major=4, ignore_scripts=True)[2]["YARN_ENABLE_SCRIPTS"] == "0"
    assert argv(None, ignore_scripts=True)[1] == [
        "npm",
        "install",
        "--include=dev",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
    ]
    assert is_berry_lock("# generated\n\n__metadata:\n  version: 8\n")
    assert not is_berry_lock("# yarn lockfile v1\n")


def test_count_packages_pnpm_layout(tmp_path: Path) -> None:
    nm = tmp_path / "node_modules"
    real = nm / ".pnpm" / "a@1.0.0" / "node_modules" / "a"
    scoped = nm / ".pnpm" / "@s+b@1.0.0" / "node_modules" / "@s" / "b"
    for d in (real, scoped, nm / "c", nm / "c" / "node_modules" / "d"):
        d.mkdir(parents=True)
        (d / "package.json").write_text("{}")
    (nm / "a").symlink_to(real)
    (nm / ".bin").mkdir()
    assert count_packages(nm) == 4
