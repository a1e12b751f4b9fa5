"""An entry holds exactly what the Skrun runtime (v0.7.0) installs for the same key.

For every manifest kind, `skrun deps install` and the runtime's own command (as
its installer runs it: `npm ci`, `pnpm install --frozen-lockfile`, `pip install
-r`, `uv sync --frozen`, ...) install the same local fixture; the installed
packages (name@version) must be the same sets, dev dependencies included, and
install scripts must have run in both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from skrun_build.cli import run
from skrun_build.deps.detect import detect_dir
from skrun_build.deps.install import install
from skrun_build.deps.key import cache_key
from skrun_build.deps.meta import META_NAME, parse_meta, read_meta
from skrun_build.deps.poetry import normalize
from skrun_build.deps.python import uv_bin
from skrun_build.deps.store import Store

from helpers.deps_fixtures import (
    BERRY,
    BUILT_PYPROJECT,
    NODE_DEV,
    NODE_PACKAGES,
    NODE_SCRIPTED,
    POETRY,
    SCRIPT_MARKER,
    poetry_env,
    uv_lock,
)
from helpers.trees import make_tree

pytestmark = pytest.mark.slow

ALL_NODE = {f"{name}@{version}" for name, (version, _, _) in NODE_PACKAGES.items()}

# What Skrun v0.7.0's installer runs in the entry dir (script-deps-installers.ts).
RUNTIME_NODE = {
    "npm": ["npm", "ci", "--prefix={dir}"],
    "pnpm": ["pnpm", "install", "--frozen-lockfile", "--dir={dir}"],
    "yarn": ["yarn", "install", "--frozen-lockfile", "--cwd={dir}"],
    # yarn >= 2 refuses the runtime's `--cwd=<dir>` after `install` ("ambiguous"), so
    # Skrun v0.7.0 cannot install a yarn >= 2 lock at all; the same command run in the
    # dir shows what it would install.
    "berry": [str(BERRY / "yarn"), "install", "--frozen-lockfile"],
    "none": ["npm", "install", "--prefix={dir}"],
}


def node_packages(node_modules: Path) -> set[str]:
    """name@version of every package under node_modules (nested and pnpm's store too)."""
    found: set[str] = set()
    for manifest in node_modules.rglob("package.json"):
        rel = manifest.relative_to(node_modules).parts
        # <pkg>/package.json or @scope/<pkg>/package.json directly under a node_modules.
        parent = rel[:-1]
        depth = 2 if len(parent) >= 2 and parent[-2].startswith("@") else 1
        owner = parent[:-depth]
        if not parent or (owner and owner[-1] != "node_modules"):
            continue
        if owner and owner[-1] == "node_modules" and len(owner) > 1 and owner[-2] == ".bin":
            continue
        data = json.loads(manifest.read_text())
        if isinstance(data, dict) and "name" in data and "version" in data:
            found.add(f"{data['name']}@{data['version']}")
    return found


def _runtime_node(skill: Path, kind: str, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in os.listdir(skill):
        shutil.copy2(skill / name, dest / name)
    argv = [a.format(dir=dest) for a in RUNTIME_NODE[kind]]
    env = dict(os.environ)
    if kind == "berry":
        # The runtime sets no linker, so yarn >= 2 would make Plug'n'Play and no
        # node_modules to compare; the set of packages is the same either way.
        env["YARN_NODE_LINKER"] = "node-modules"
        env["YARN_ENABLE_NETWORK"] = "0"
    done = subprocess.run(argv, cwd=dest, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
    return dest / "node_modules"


@pytest.mark.parametrize("kind", ["npm", "pnpm", "yarn", "berry", "none"])
def test_node_entry_holds_what_the_runtime_installs(
    node_skill: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    if kind == "berry":
        monkeypatch.setenv("PATH", f"{BERRY}{os.pathsep}{os.environ['PATH']}")
    # A machine that pre-warms with NODE_ENV=production must not drop devDependencies.
    monkeypatch.setenv("NODE_ENV", "production")
    skill = node_skill(kind)
    manifest = detect_dir(skill)
    assert manifest is not None
    ours = install(manifest, source=skill, offline=True)
    monkeypatch.delenv("NODE_ENV")
    # Same depth as <tmp>/skills/<kind> and <tmp>/deps/<key>: file:../../pkgs resolves.
    theirs = _runtime_node(skill, kind, tmp_path / "runtime" / kind)
    assert node_packages(ours.path / "node_modules") == node_packages(theirs) == ALL_NODE
    assert ours.meta.packages == len(ALL_NODE)
    ran = [
        (node_modules / NODE_SCRIPTED / SCRIPT_MARKER).resolve().is_file()
        for node_modules in (ours.path / "node_modules", theirs)
    ]
    # Install scripts run as the runtime runs them: always for npm, pnpm 9 and yarn 1;
    # yarn 4 runs none by default (enableScripts: false), for the runtime as for us.
    assert ran == ([False, False] if kind == "berry" else [True, True])
    assert ours.meta.differs_from_runtime is None
    # What a tool of the skill sees at call time (Skrun sets NODE_PATH to node_modules).
    code = f"console.log(require('{NODE_DEV}'))"
    env = {**os.environ, "NODE_PATH": str(ours.path / "node_modules")}
    out = subprocess.run(["node", "-e", code], env=env, capture_output=True, text=True)
    assert out.stdout == "2\n", out.stderr


def test_ignore_scripts_is_recorded_and_warned(
    node_skill: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    skill = node_skill("npm")
    assert run(["deps", "install", "--offline", "--ignore-scripts", str(skill)]) == 0
    err = capsys.readouterr().err
    assert (
        "skrun: warning: install scripts not run (--ignore-scripts): the Skrun runtime runs "
        "them and will use this entry as it is, so a package that needs its install script "
        "may fail at call time; the entry records this"
    ) in err
    manifest = detect_dir(skill)
    assert manifest is not None
    entry = Store().root / cache_key(manifest)
    meta = read_meta(entry)
    assert meta is not None
    assert meta.differs_from_runtime == "install scripts not run (--ignore-scripts)"
    assert not (entry / "node_modules" / NODE_SCRIPTED / SCRIPT_MARKER).exists()
    # A later hit says so too, and how to get the runtime's set.
    assert run(["deps", "install", "--offline", str(skill)]) == 0
    err = capsys.readouterr().err
    assert (
        f"entry {entry.name[:12]} differs from what Skrun installs: install scripts not run "
        "(--ignore-scripts), and the runtime uses it as it is; run `skrun deps install "
        "--reinstall` to rebuild it"
    ) in err
    assert run(["deps", "install", "--offline", "--reinstall", str(skill)]) == 0
    assert (entry / "node_modules" / NODE_SCRIPTED / SCRIPT_MARKER).read_text() == "ran\n"
    assert read_meta(entry).differs_from_runtime is None  # type: ignore[union-attr]


# --- Python ------------------------------------------------------------------

# What `python3 -m venv` puts in a venv before Skrun's installer runs (and uv sync
# removes): not part of the manifest's package set.
VENV_SEED = {"pip", "setuptools"}


def python_packages(venv: Path) -> set[str]:
    """name==version of every distribution installed in the venv, seed tools left out."""
    code = (
        "import importlib.metadata as m, json; "
        "print(json.dumps([[d.metadata['Name'], d.version] for d in m.distributions()]))"
    )
    out = subprocess.run(
        [venv / "bin" / "python", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    names = {(normalize(name), version) for name, version in json.loads(out)}
    return {f"{name}=={version}" for name, version in names if name not in VENV_SEED}


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What Skrun's `python3 -m venv <entry>/venv` makes, made once and copied per test."""
    venv = tmp_path_factory.mktemp("seeded") / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    return venv


def _runtime_python(
    skill: Path, argv: list[str], dest: Path, env: dict[str, str], seeded: Path
) -> Path:
    """Skrun's steps: copy the manifest, `python3 -m venv <dest>/venv`, then `argv`."""
    shutil.copytree(skill, dest)
    venv = dest / "venv"
    # A copied venv works through `bin/python -m pip` (its scripts' shebangs would not).
    shutil.copytree(seeded, venv, symlinks=True)
    argv = [a.format(dir=dest, venv=venv) for a in argv]
    done = subprocess.run(argv, cwd=dest, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
    return venv


@pytest.mark.parametrize(
    ("files", "argv", "expected"),
    [
        pytest.param(
            {"requirements.txt": "tinypkg==1.0.0\ntinyextra\n"},
            ["{venv}/bin/python", "-m", "pip", "install", "-r", "{dir}/requirements.txt"],
            {"tinypkg==1.0.0", "tinyextra==1.0.0"},
            id="requirements",
        ),
        pytest.param(
            {"pyproject.toml": BUILT_PYPROJECT},
            ["{venv}/bin/python", "-m", "pip", "install", "{dir}"],
            {"demo==0.1.0", "tinypkg==1.0.0"},  # the project itself too
            id="pyproject",
        ),
        pytest.param(
            None,  # uv_locked: a dev group
            [uv_bin(), "sync", "--frozen"],
            {"tinypkg==1.0.0", "tinyextra==1.0.0"},
            id="uv.lock",
        ),
        pytest.param(
            {"pyproject.toml": BUILT_PYPROJECT, "uv.lock": "packaged"},
            [uv_bin(), "sync", "--frozen"],
            {"demo==0.1.0", "tinypkg==1.0.0"},  # a packaged project is installed too
            id="uv.lock-packaged",
        ),
    ],
)
def test_python_entry_holds_what_the_runtime_installs(
    tmp_path: Path,
    py_offline: Path,
    uv_locked: dict[str, str],
    runtime_venv: Path,
    files: dict[str, str] | None,
    argv: list[str],
    expected: set[str],
) -> None:
    files = dict(uv_locked) if files is None else dict(files)
    if files.get("uv.lock") == "packaged":
        files["uv.lock"] = uv_lock(tmp_path / "lock", files["pyproject.toml"], py_offline)
    skill = make_tree(tmp_path / "s", files)
    manifest = detect_dir(skill)
    assert manifest is not None
    ours = install(manifest)
    env = {
        **os.environ,
        "PIP_NO_INDEX": "1",  # Skrun sets PIP_INDEX_URL to PyPI; offline here
        "PIP_FIND_LINKS": str(py_offline),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "runtime" / "venv"),
    }
    theirs = _runtime_python(skill, argv, tmp_path / "runtime", env, runtime_venv)
    assert python_packages(ours.path / "venv") == python_packages(theirs) == expected
    assert ours.meta.packages == len(expected)


def test_poetry_entry_holds_what_the_runtime_installs(
    tmp_path: Path,
    py_offline: Path,
    poetry_locked: dict[str, str],
    runtime_venv: Path,
) -> None:
    skill = make_tree(tmp_path / "s", dict(poetry_locked))
    manifest = detect_dir(skill)
    assert manifest is not None
    ours = install(manifest)
    # Skrun: pip-installs poetry into the venv, then `poetry install --no-root` with
    # POETRY_VIRTUALENVS_CREATE=false and VIRTUAL_ENV=<venv>. A poetry outside the venv
    # installs the same set without mixing poetry's own packages into it.
    dest = tmp_path / "runtime"
    env = {**poetry_env(tmp_path), "VIRTUAL_ENV": str(dest / "venv")}
    theirs = _runtime_python(skill, [str(POETRY), "install", "--no-root"], dest, env, runtime_venv)
    # main and dev; never the optional docs group, never the project itself.
    expected = {"tinypkg==1.0.0", "tinyextra==1.0.0"}
    assert python_packages(ours.path / "venv") == python_packages(theirs) == expected


def test_entry_of_an_older_skrun_build_is_flagged(
    node_skill: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Before this metadata field existed, entries were installed with --omit=dev and
    # --ignore-scripts: the runtime hits them and its tools fail. A hit says so.
    skill = node_skill("npm")
    assert run(["deps", "install", "--offline", str(skill)]) == 0
    capsys.readouterr()
    (entry,) = [p for p in Store().root.iterdir() if not p.name.startswith(".")]
    data = json.loads((entry / META_NAME).read_text())
    del data["differs_from_runtime"]
    (entry / META_NAME).write_text(json.dumps(data))
    assert run(["deps", "install", "--offline", str(skill)]) == 0
    assert (
        f"entry {entry.name[:12]} differs from what Skrun installs: written by an older "
        "skrun-build, which left out dev dependencies, default groups and install scripts, and "
        "the runtime uses it as it is; run `skrun deps install --reinstall` to rebuild it"
    ) in capsys.readouterr().err
    # requirements.txt entries were already installed as Skrun installs them.
    data["manifest_kind"] = "requirements"
    assert parse_meta(json.dumps(data)).differs_from_runtime is None  # type: ignore[union-attr]


def test_ignore_scripts_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["deps", "install", "--allow-scripts", "--ignore-scripts", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "skrun: error: --allow-scripts and --ignore-scripts contradict each other (install "
        "scripts run by default; keep --ignore-scripts only to skip them)\n"
    )


def test_ignore_scripts_on_python_says_it_does_nothing(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg==1.0.0\n"})
    manifest = detect_dir(skill)
    assert manifest is not None
    result = install(manifest, ignore_scripts=True)
    assert result.warnings[-1] == (
        "--ignore-scripts has no effect on a Python install (it applies to npm, pnpm and yarn)"
    )
    assert result.meta.differs_from_runtime is None
