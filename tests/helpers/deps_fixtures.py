"""Offline fixtures for the dependency-cache tests, built once per session.

Python: tiny wheels written by hand (a correct RECORD, a console script) in a
find-links dir. Node: tiny packages packed with `npm pack` (a dependency, a
devDependency, and a dependency whose postinstall script writes a marker file),
referenced from package.json as `file:../../pkgs/<tgz>`, with lockfiles generated
offline by npm, pnpm, yarn 1 and yarn >= 2. The lockfiles record that path
relative to the project, and installs run in `<root>/<key>/`, so every test lays out
`<tmp>/skills/<name>`, `<tmp>/pkgs` and `SKRUN_DEPS_DIR=<tmp>/deps` (same depth).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from skrun_build.deps.python import uv_bin

from helpers.deps import build_wheel

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools" / "node" / "bin"
BERRY = REPO / ".tools" / "yarn-berry" / "node_modules" / ".bin"  # yarn >= 2, see scripts/test
NODE_PKG = "tiny-node"
NODE_TGZ = "tiny-node-1.0.0.tgz"
NODE_DEV = "tiny-dev"  # a devDependency: Skrun installs it
NODE_SCRIPTED = "tiny-scripted"  # its postinstall writes SCRIPT_MARKER: Skrun runs it
SCRIPT_MARKER = "postinstall-ran.txt"
# name -> (version, extra package.json fields, extra files)
NODE_PACKAGES: dict[str, tuple[str, str, dict[str, str]]] = {
    NODE_PKG: ("1.0.0", "", {"index.js": f'module.exports = () => "hello from {NODE_PKG}";\n'}),
    NODE_DEV: ("2.0.0", "", {"index.js": "module.exports = 2;\n"}),
    NODE_SCRIPTED: (
        "3.0.0",
        ',"scripts":{"postinstall":"node write-marker.js"}',
        {
            "index.js": "module.exports = 3;\n",
            "write-marker.js": f'require("fs").writeFileSync("{SCRIPT_MARKER}", "ran\\n");\n',
        },
    ),
}


def _file_dep(name: str) -> str:
    return f'"{name}":"file:../../pkgs/{name}-{NODE_PACKAGES[name][0]}.tgz"'


PACKAGE_JSON = (
    '{"name":"node-skill","version":"1.0.0",'
    f'"dependencies":{{{_file_dep(NODE_PKG)},{_file_dep(NODE_SCRIPTED)}}},'
    f'"devDependencies":{{{_file_dep(NODE_DEV)}}}}}\n'
)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# A PEP 517 backend small enough to write here: builds a metadata-only wheel of the
# project in the current dir, so `pip install <dir>` / `uv pip install .` work offline.
TINY_BACKEND = """import base64, hashlib, os, tomllib, zipfile


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open("pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    name, version = project["name"], project["version"]
    dist = f"{name}-{version}.dist-info"
    requires = "".join(f"Requires-Dist: {r}\\n" for r in project.get("dependencies", []))
    files = {
        f"{dist}/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n"
        + requires,
        f"{dist}/WHEEL": "Wheel-Version: 1.0\\nGenerator: tinybackend\\nRoot-Is-Purelib: true\\n"
        "Tag: py3-none-any\\n",
    }
    record = []
    for member, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        b64 = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{member},sha256={b64},{len(text.encode())}")
    files[f"{dist}/RECORD"] = "\\n".join([*record, f"{dist}/RECORD,,"]) + "\\n"
    wheel = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as z:
        for member, text in files.items():
            z.writestr(member, text)
    return wheel


build_editable = build_wheel  # uv sync installs a packaged project editable
"""


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A find-links dir with tinypkg 1.0.0 (console script tinypkg-hello), tinyextra 1.0.0
    and tinybackend 1.0.0 (the build backend of BUILT_PYPROJECT)."""
    out = tmp_path_factory.mktemp("wheelhouse")
    build_wheel(out, "tinybackend", "1.0.0", {"tinybackend/__init__.py": TINY_BACKEND})
    build_wheel(
        out,
        "tinypkg",
        "1.0.0",
        {"tinypkg/__init__.py": "def main():\n    print('hello from tinypkg')\n"},
        {"tinypkg-hello": "tinypkg:main"},
    )
    build_wheel(out, "tinyextra", "1.0.0", {"tinyextra/__init__.py": "VALUE = 42\n"})
    return out


@pytest.fixture
def py_offline(wheelhouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """uv sees only the wheelhouse: no index, find-links, offline."""
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("UV_OFFLINE", "1")
    for name in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX"):
        monkeypatch.delenv(name, raising=False)
    return wheelhouse


PYPROJECT = (
    '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
    'dependencies = ["tinypkg"]\n'
)
# The project is a package (Skrun's `pip install <dir>` builds and installs it).
BUILT_PYPROJECT = (
    PYPROJECT + '\n[build-system]\nrequires = ["tinybackend"]\nbuild-backend = "tinybackend"\n'
)
# With a default dependency group: `uv sync` (and so Skrun) installs it.
UV_PYPROJECT = PYPROJECT + '\n[dependency-groups]\ndev = ["tinyextra"]\n'


@pytest.fixture(scope="session")
def uv_locked(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """pyproject.toml + uv.lock locking tinypkg and the dev group's tinyextra from the
    wheelhouse (absolute path)."""
    proj = tmp_path_factory.mktemp("uvlock")
    # A session fixture runs before conftest's per-test environment: keep uv's cache out of ~.
    cache = tmp_path_factory.getbasetemp() / "uv-cache"
    lock = uv_lock(proj, UV_PYPROJECT, wheelhouse, cache=cache)
    return {"pyproject.toml": UV_PYPROJECT, "uv.lock": lock}


def uv_lock(
    proj: Path, pyproject: str, wheelhouse: Path, *options: str, cache: Path | None = None
) -> str:
    """The uv.lock `uv lock` writes offline for `pyproject` in `proj`, the wheelhouse's
    path made absolute (uv writes it relative to the project; installs run elsewhere)."""
    proj.mkdir(parents=True, exist_ok=True)
    (proj / "pyproject.toml").write_text(pyproject)
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    if cache is not None:
        env.setdefault("UV_CACHE_DIR", str(cache))
    argv = ["lock", "--offline", "--no-index", "--find-links", str(wheelhouse), "--quiet"]
    subprocess.run([uv_bin(), *argv, *options], cwd=proj, env=env, check=True)
    lock = (proj / "uv.lock").read_text()
    rel = os.path.relpath(wheelhouse, proj)
    lock = lock.replace(f'registry = "{rel}"', f'registry = "{wheelhouse}"')
    assert str(wheelhouse) in lock
    return lock


def _node_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{TOOLS}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="session")
def node_project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str] | Path]:
    """The packed tgz and package.json with each lockfile (npm, pnpm, yarn 1)."""
    base = tmp_path_factory.mktemp("nodegen")
    pkgs = base / "pkgs"
    pkgs.mkdir()
    env = _node_env()
    env["npm_config_cache"] = str(base / ".npm")
    env["XDG_CACHE_HOME"] = str(base / ".cache")
    env["HOME"] = str(base)
    # This step *creates* the lockfiles: yarn >= 2 turns immutable installs on by
    # itself when it sees a CI environment (CI=true), which forbids exactly that.
    env.update(
        YARN_ENABLE_NETWORK="0",
        YARN_ENABLE_TELEMETRY="0",
        YARN_NODE_LINKER="node-modules",
        YARN_ENABLE_IMMUTABLE_INSTALLS="false",
    )

    def run(argv: list[str], cwd: Path) -> None:
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stdout}{done.stderr}"

    for name, (version, fields, files) in NODE_PACKAGES.items():
        src = base / "src" / name
        src.mkdir(parents=True)
        manifest = f'{{"name":"{name}","version":"{version}","main":"index.js"{fields}}}\n'
        (src / "package.json").write_text(manifest)
        for file, text in files.items():
            (src / file).write_text(text)
    # One npm start for all of them.
    folders = [f"./src/{name}" for name in NODE_PACKAGES]
    run(["npm", "pack", "--ignore-scripts", "--pack-destination", str(pkgs), *folders], base)
    locks: dict[str, dict[str, str]] = {}
    for kind, argv, lock in (
        ("npm", ["npm", "install", "--package-lock-only", "--offline"], "package-lock.json"),
        ("pnpm", ["pnpm", "install", "--lockfile-only", "--offline"], "pnpm-lock.yaml"),
        ("yarn", ["yarn", "install", "--offline", "--ignore-scripts"], "yarn.lock"),
        ("berry", [str(BERRY / "yarn"), "install"], "yarn.lock"),
    ):
        proj = base / "skills" / kind
        proj.mkdir(parents=True)
        (proj / "package.json").write_text(PACKAGE_JSON)
        run(argv, proj)
        locks[kind] = {"package.json": PACKAGE_JSON, lock: (proj / lock).read_text()}
    locks["none"] = {"package.json": PACKAGE_JSON}
    return {"pkgs": pkgs, **locks}


@pytest.fixture
def node_skill(
    node_project: dict[str, dict[str, str] | Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[str], Path]:
    """Lay out `<tmp>/skills/<kind>`, `<tmp>/pkgs` and `SKRUN_DEPS_DIR=<tmp>/deps`."""
    monkeypatch.setenv("PATH", _node_env()["PATH"])
    monkeypatch.setenv("SKRUN_DEPS_DIR", str(tmp_path / "deps"))
    pkgs = node_project["pkgs"]
    assert isinstance(pkgs, Path)
    shutil.copytree(pkgs, tmp_path / "pkgs")

    def make(kind: str) -> Path:
        files = node_project[kind]
        assert isinstance(files, dict)
        skill = tmp_path / "skills" / kind
        skill.mkdir(parents=True)
        for name, text in files.items():
            (skill / name).write_text(text)
        return skill

    return make


POETRY = REPO / ".tools" / "poetry" / "bin" / "poetry"  # installed by scripts/test


def poetry_env(base: Path) -> dict[str, str]:
    """poetry's cache and config kept in `base`, never in ~."""
    return {
        **os.environ,
        "POETRY_CACHE_DIR": str(base / "poetry-cache"),
        "POETRY_CONFIG_DIR": str(base / "poetry-config"),
        "POETRY_VIRTUALENVS_CREATE": "false",
        "POETRY_NO_INTERACTION": "1",
    }


@pytest.fixture(scope="session")
def poetry_locked(
    wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """pyproject.toml (main, dev and an optional docs group) + a poetry.lock made by real
    poetry against a PEP 503 index of the wheelhouse on a local HTTP server (poetry
    reads no file:// index). The server runs for the session: poetry installs from it."""
    import functools
    import http.server
    import threading

    assert POETRY.is_file(), "run scripts/test: it installs poetry into .tools/poetry"
    base = tmp_path_factory.mktemp("poetrylock")
    index = base / "index"
    for wheel in wheelhouse.glob("*.whl"):
        name = wheel.name.split("-", 1)[0]
        (index / name).mkdir(parents=True)
        shutil.copy2(wheel, index / name / wheel.name)
        link = f'<a href="{wheel.name}#sha256={sha256_file(wheel)}">{wheel.name}</a>'
        (index / name / "index.html").write_text(f"<html><body>{link}</body></html>\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(index))

    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass

    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = Quiet(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        pyproject = POETRY_PYPROJECT_TEMPLATE.format(port=server.server_address[1])
        proj = base / "proj"
        proj.mkdir()
        (proj / "pyproject.toml").write_text(pyproject)
        done = subprocess.run(
            [str(POETRY), "lock"], cwd=proj, env=poetry_env(base), capture_output=True, text=True
        )
        assert done.returncode == 0, f"poetry lock: {done.stdout}{done.stderr}"
        yield {"pyproject.toml": pyproject, "poetry.lock": (proj / "poetry.lock").read_text()}
    finally:
        server.shutdown()
        server.server_close()


POETRY_PYPROJECT_TEMPLATE = """[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["tinypkg"]

[tool.poetry]
package-mode = false

[tool.poetry.group.dev.dependencies]
tinyextra = "*"

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
tinybackend = "*"

[[tool.poetry.source]]
name = "local"
url = "http://127.0.0.1:{port}/"
priority = "primary"
"""
