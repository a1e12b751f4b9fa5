"""Python installs through uv, offline from wheels built by the test session."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from skrun_build.deps.detect import detect_dir
from skrun_build.deps.install import install
from skrun_build.deps.key import cache_key
from skrun_build.deps.meta import read_meta
from skrun_build.deps.poetry import requirements_from_poetry
from skrun_build.deps.store import Store
from skrun_build.errors import DepsError, InstallFailed

from helpers.deps_fixtures import BUILT_PYPROJECT, sha256_file
from helpers.trees import make_tree

pytestmark = pytest.mark.slow


def _install(skill: Path, **kw: object):  # type: ignore[no-untyped-def]
    manifest = detect_dir(skill)
    assert manifest is not None
    return install(manifest, **kw)  # type: ignore[arg-type]


def _root_names() -> list[str]:
    return sorted(p.name for p in Store().root.iterdir() if not p.name.startswith(".lock-"))


def test_requirements_relocatable_venv(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg==1.0.0\n"})
    result = _install(skill)
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    assert result.status == "installed"
    assert result.path == Store().root / key
    assert _root_names() == [key]  # built in .tmp-*, renamed: nothing else left
    assert sorted(p.name for p in result.path.iterdir()) == [
        "requirements.txt",
        "skrun-entry.json",
        "venv",
    ]
    # The venv was built under .tmp-<key>-...: it must work where it landed.
    script = result.path / "venv" / "bin" / "tinypkg-hello"
    assert subprocess.run([script], capture_output=True, text=True, check=True).stdout == (
        "hello from tinypkg\n"
    )
    out = subprocess.run(
        [result.path / "venv" / "bin" / "python", "-c", "import tinypkg; print(tinypkg.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out.startswith(str(result.path / "venv" / "lib"))
    assert ".tmp-" not in script.read_text()
    meta = read_meta(result.path)
    assert meta is not None
    assert (meta.ecosystem, meta.manifest, meta.manifest_kind, meta.lockfile) == (
        "python",
        "requirements.txt",
        "requirements",
        None,
    )
    assert (meta.installer, meta.packages, meta.reproducible) == ("uv", 1, False)
    assert meta.runtime.startswith("cpython 3.")
    assert meta.size > 0
    assert result.warnings == [
        "non-reproducible build: requirements.txt has no lockfile, so versions are resolved "
        "at install time (commit uv.lock or poetry.lock (pyproject.toml), or requirements.txt "
        "pinned with hashes)"
    ]


def test_hit_touches_entry_and_warns_on_other_interpreter(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg\n"})
    first = _install(skill)
    os.utime(first.path, (1_000_000, 1_000_000))
    again = _install(skill)
    assert again.status == "hit"
    assert again.warnings == []
    assert first.path.stat().st_mtime > 1_000_000  # "last used" refreshed
    meta_file = first.path / "skrun-entry.json"
    data = json.loads(meta_file.read_text())
    data["runtime"] = "cpython 3.99.0"
    meta_file.write_text(json.dumps(data))
    hit = _install(skill)
    assert hit.status == "hit"
    assert len(hit.warnings) == 1
    assert hit.warnings[0].startswith(f"entry {first.key[:12]} was built for cpython 3.99.0 on ")
    assert hit.warnings[0].endswith("run `skrun deps install --reinstall` to rebuild it")
    redo = _install(skill, reinstall=True)
    assert redo.status == "reinstalled"
    assert read_meta(redo.path).runtime != "cpython 3.99.0"  # type: ignore[union-attr]
    assert _root_names() == [first.key]


def test_corrupt_entry_is_replaced(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg\n"})
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    make_tree(Store().root / key, {"venv": {"junk": "x"}})  # no metadata: never completed
    result = _install(skill)
    assert result.status == "reinstalled"
    assert (result.path / "venv" / "bin" / "tinypkg-hello").exists()
    assert not (result.path / "venv" / "junk").exists()
    assert _root_names() == [key]


def test_pyproject_without_lock_warns(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(tmp_path / "s", {"pyproject.toml": BUILT_PYPROJECT})
    result = _install(skill)
    assert result.meta.manifest_kind == "pyproject"
    assert result.meta.packages == 2  # the project itself and tinypkg, as Skrun's pip does
    assert [w.split(":")[0] for w in result.warnings] == ["non-reproducible build"]
    assert "pyproject.toml has no lockfile" in result.warnings[0]


def test_hashed_requirements_are_reproducible(tmp_path: Path, py_offline: Path) -> None:
    digest = sha256_file(py_offline / "tinypkg-1.0.0-py3-none-any.whl")
    skill = make_tree(
        tmp_path / "s", {"requirements.txt": f"tinypkg==1.0.0 \\\n    --hash=sha256:{digest}\n"}
    )
    result = _install(skill)
    assert result.warnings == []
    assert result.meta.reproducible is True


def test_uv_lock_installs_locked(
    tmp_path: Path, py_offline: Path, uv_locked: dict[str, str]
) -> None:
    skill = make_tree(tmp_path / "s", dict(uv_locked))
    result = _install(skill)
    assert result.warnings == []
    assert (result.meta.lock_kind, result.meta.lockfile, result.meta.packages) == (
        "uv",
        "uv.lock",
        2,  # tinypkg and the default `dev` group's tinyextra, as Skrun's uv sync
    )
    assert sorted(p.name for p in result.path.iterdir()) == [
        "pyproject.toml",
        "skrun-entry.json",
        "uv.lock",
        "venv",
    ]
    out = subprocess.run(
        [result.path / "venv" / "bin" / "tinypkg-hello"], capture_output=True, text=True
    )
    assert out.stdout == "hello from tinypkg\n"


def test_stale_uv_lock_is_rejected(
    tmp_path: Path, py_offline: Path, uv_locked: dict[str, str]
) -> None:
    files = dict(uv_locked)
    files["pyproject.toml"] = files["pyproject.toml"].replace(
        '["tinypkg"]', '["tinypkg", "tinyextra"]'
    )
    skill = make_tree(tmp_path / "s", files)
    with pytest.raises(DepsError) as info:
        _install(skill)
    assert str(info.value) == (
        "uv.lock: out of date: it no longer matches pyproject.toml (uv sync --locked refuses "
        "it) (run `uv lock` and commit uv.lock; the Skrun runtime runs `uv sync --frozen`, "
        "which would install the stale lock as it is)"
    )
    assert _root_names() == []  # no entry, no temp dir


def test_failed_install_message_and_nothing_left(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(tmp_path / "s", {"requirements.txt": "no-such-package-xyz==1.0\n"})
    with pytest.raises(InstallFailed) as info:
        _install(skill, offline=True)
    lines = str(info.value).splitlines()
    assert lines[0] == (
        "Script dependency install failed for python: uv pip install --python venv/bin/python "
        "--compile-bytecode --offline -r requirements.txt exited 1"
    )
    assert any("no-such-package-xyz" in line for line in lines[1:])
    assert _root_names() == []


def _poetry_lock(wheelhouse: Path, *, version: str = "2.1", tiny_hash: str | None = None) -> str:
    tiny = tiny_hash or sha256_file(wheelhouse / "tinypkg-1.0.0-py3-none-any.whl")
    extra = sha256_file(wheelhouse / "tinyextra-1.0.0-py3-none-any.whl")
    return f"""# This file is automatically @generated by Poetry.

[[package]]
name = "tinyextra"
version = "1.0.0"
description = ""
optional = false
python-versions = "*"
groups = ["dev"]
files = [
    {{file = "tinyextra-1.0.0-py3-none-any.whl", hash = "sha256:{extra}"}},
]

[[package]]
name = "tinypkg"
version = "1.0.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = [
    {{file = "tinypkg-1.0.0-py3-none-any.whl", hash = "sha256:{tiny}"}},
]

[metadata]
lock-version = "{version}"
python-versions = ">=3.11"
content-hash = "0000"
"""


POETRY_PYPROJECT = """[tool.poetry]
name = "demo"
version = "0.1.0"
description = ""
authors = []

[tool.poetry.dependencies]
python = ">=3.11"
tinypkg = "1.0.0"

[tool.poetry.group.dev.dependencies]
tinyextra = "*"
"""


def test_poetry_lock_installs_non_optional_groups_with_hashes(
    tmp_path: Path, py_offline: Path
) -> None:
    skill = make_tree(
        tmp_path / "s",
        {"pyproject.toml": POETRY_PYPROJECT, "poetry.lock": _poetry_lock(py_offline)},
    )
    result = _install(skill)
    assert (result.meta.lock_kind, result.meta.packages, result.warnings) == ("poetry", 2, [])
    site = next((result.path / "venv" / "lib").glob("*/site-packages"))
    # main and dev, as Skrun's `poetry install --no-root`.
    assert sorted(p.name for p in site.glob("*.dist-info")) == [
        "tinyextra-1.0.0.dist-info",
        "tinypkg-1.0.0.dist-info",
    ]
    assert sorted(p.name for p in result.path.iterdir()) == [
        "poetry.lock",
        "pyproject.toml",
        "skrun-entry.json",
        "venv",
    ]


def test_poetry_lock_wrong_hash_fails(tmp_path: Path, py_offline: Path) -> None:
    skill = make_tree(
        tmp_path / "s",
        {
            "pyproject.toml": POETRY_PYPROJECT,
            "poetry.lock": _poetry_lock(py_offline, tiny_hash="0" * 64),
        },
    )
    with pytest.raises(InstallFailed) as info:
        _install(skill)
    assert str(info.value).splitlines()[0] == (
        "Script dependency install failed for python: uv pip install --require-hashes --python "
        "venv/bin/python --compile-bytecode -r .skrun-poetry-requirements.txt exited 1"
    )
    assert _root_names() == []


def test_poetry_translation(wheelhouse: Path) -> None:
    tiny = sha256_file(wheelhouse / "tinypkg-1.0.0-py3-none-any.whl")
    extra = sha256_file(wheelhouse / "tinyextra-1.0.0-py3-none-any.whl")
    assert requirements_from_poetry(_poetry_lock(wheelhouse), POETRY_PYPROJECT) == (
        f"tinyextra==1.0.0 \\\n    --hash=sha256:{extra}\n"
        f"tinypkg==1.0.0 \\\n    --hash=sha256:{tiny}\n"
    )
    # An optional group is left out, as `poetry install` does.
    optional = POETRY_PYPROJECT + "\n[tool.poetry.group.dev]\noptional = true\n"
    assert requirements_from_poetry(_poetry_lock(wheelhouse), optional) == (
        f"tinypkg==1.0.0 \\\n    --hash=sha256:{tiny}\n"
    )
    # lock-version 2.0 records no groups: walk the graph from the main and non-optional
    # group dependencies, keeping the marker of a package reached only through a marked edge.
    old = f"""[[package]]
name = "tinypkg"
version = "1.0.0"
files = [{{file = "tinypkg-1.0.0-py3-none-any.whl", hash = "sha256:{tiny}"}}]

[package.dependencies]
winonly = {{version = "*", markers = "sys_platform == 'win32'"}}

[[package]]
name = "winonly"
version = "2.0"
files = [{{file = "winonly-2.0-py3-none-any.whl", hash = "sha256:ab"}}]

[[package]]
name = "tinyextra"
version = "1.0.0"
files = [{{file = "tinyextra-1.0.0-py3-none-any.whl", hash = "sha256:cd"}}]

[metadata]
lock-version = "2.0"
"""
    assert requirements_from_poetry(old, POETRY_PYPROJECT) == (
        "tinyextra==1.0.0 \\\n    --hash=sha256:cd\n"
        f"tinypkg==1.0.0 \\\n    --hash=sha256:{tiny}\n"
        "winonly==2.0 ; sys_platform == 'win32' \\\n    --hash=sha256:ab\n"
    )
    assert "tinyextra" not in requirements_from_poetry(old, optional)


def test_poetry_per_group_markers() -> None:
    # Lock 2.1 records a marker per group; a group without one needs the package always.
    lock = """[[package]]
name = "a"
version = "1.0"
groups = ["main", "dev"]
markers = {main = "sys_platform == 'win32'", dev = "python_version < '3.12'"}
files = [{file = "a-1.0-py3-none-any.whl", hash = "sha256:aa"}]

[[package]]
name = "b"
version = "1.0"
groups = ["main", "dev"]
markers = {main = "sys_platform == 'win32'"}
files = [{file = "b-1.0-py3-none-any.whl", hash = "sha256:bb"}]

[[package]]
name = "c"
version = "1.0"
groups = ["docs"]
files = [{file = "c-1.0-py3-none-any.whl", hash = "sha256:cc"}]

[metadata]
lock-version = "2.1"
"""
    pyproject = '[project]\nname = "x"\n[tool.poetry.group.docs]\noptional = true\n'
    assert requirements_from_poetry(lock, pyproject) == (
        "a==1.0 ; (python_version < '3.12') or (sys_platform == 'win32') \\\n"
        "    --hash=sha256:aa\n"
        "b==1.0 \\\n    --hash=sha256:bb\n"
    )


def test_poetry_lock_missing_dependency_is_stale(wheelhouse: Path) -> None:
    pyproject = POETRY_PYPROJECT.replace('tinypkg = "1.0.0"\n', 'tinypkg = "1.0.0"\nattrs = "*"\n')
    with pytest.raises(DepsError) as info:
        requirements_from_poetry(_poetry_lock(wheelhouse), pyproject)
    assert str(info.value) == (
        "poetry.lock: out of date: pyproject.toml requires attrs, which it does not lock "
        "(run `poetry lock` and commit the new poetry.lock)"
    )


def test_pip_settings_map_to_uv() -> None:
    from skrun_build.deps.python import uv_env

    env = uv_env(
        {
            "PIP_INDEX_URL": "https://mirror.example/simple",
            "PIP_EXTRA_INDEX_URL": "https://extra.example/simple",
            "PIP_FIND_LINKS": "/wheels",
            "UV_FIND_LINKS": "/uv-wheels",
            "VIRTUAL_ENV": "/somewhere/.venv",
        }
    )
    assert env["UV_DEFAULT_INDEX"] == "https://mirror.example/simple"
    assert env["UV_INDEX"] == "https://extra.example/simple"
    assert env["UV_FIND_LINKS"] == "/uv-wheels"  # uv's own setting wins
    assert "VIRTUAL_ENV" not in env
    assert "UV_DEFAULT_INDEX" not in uv_env({"PIP_INDEX_URL": "a", "UV_INDEX_URL": "b"})


def test_pinned_requirements_detection() -> None:
    from skrun_build.deps.python import is_pinned_requirements

    assert is_pinned_requirements("# c\na==1.0 \\\n    --hash=sha256:00\n--index-url x\n")
    assert not is_pinned_requirements("a==1.0\n")
    assert not is_pinned_requirements("a>=1.0 --hash=sha256:00\n")
    assert not is_pinned_requirements("-r other.txt\n")
    assert not is_pinned_requirements("# nothing\n")


def test_progress_on_a_tty(
    tmp_path: Path,
    py_offline: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from skrun_build.cli import run

    monkeypatch.setattr("skrun_build.cli.deps_cmd.stderr_is_tty", lambda: True)
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinypkg==1.0.0\n"})
    assert run(["deps", "install", str(skill)]) == 0
    err = capsys.readouterr().err.splitlines()
    key = cache_key(detect_dir(skill))  # type: ignore[arg-type]
    assert err[0].startswith("skrun: warning: non-reproducible build")
    assert err[1] == f"  installing python dependencies from requirements.txt ({key[:12]})"
    assert any("tinypkg==1.0.0" in line for line in err[2:])  # uv's own output, streamed


def test_pip_find_links_is_honoured(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("UV_FIND_LINKS", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    skill = make_tree(tmp_path / "s", {"requirements.txt": "tinyextra==1.0.0\n"})
    result = _install(skill, offline=True)
    assert result.meta.packages == 1


LOCK_OPTIONS = [
    "--exclude-newer",
    "2030-01-01T00:00:00Z",
    "--resolution",
    "lowest-direct",
    "--prerelease",
    "allow",
    "--fork-strategy",
    "fewest",
    "--exclude-newer-package",
    "tinyextra=false",
    "--prerelease-package",
    "tinypkg=allow",
]


def test_uv_lock_with_recorded_options_installs(tmp_path: Path, py_offline: Path) -> None:
    from skrun_build.deps.uvlock import sync_flags

    from helpers.deps_fixtures import UV_PYPROJECT, uv_lock

    text = uv_lock(tmp_path / "proj", UV_PYPROJECT, py_offline, *LOCK_OPTIONS)
    assert '\n[options]\nresolution-mode = "lowest-direct"\n' in text
    assert sync_flags(text) == [
        "--resolution",
        "lowest-direct",
        "--prerelease",
        "allow",
        "--fork-strategy",
        "fewest",
        "--exclude-newer",
        "2030-01-01T00:00:00Z",
        "--prerelease-package",
        "tinypkg=allow",
        "--exclude-newer-package",
        "tinyextra=false",
    ]
    skill = make_tree(tmp_path / "s", {"pyproject.toml": UV_PYPROJECT, "uv.lock": text})
    result = _install(skill)
    assert (result.status, result.meta.packages) == ("installed", 2)
    # Stale against its pyproject.toml: still refused, and the message says why it matters.
    stale = UV_PYPROJECT.replace('["tinypkg"]', '["tinypkg", "tinyextra"]')
    skill = make_tree(tmp_path / "t", {"pyproject.toml": stale, "uv.lock": text})
    with pytest.raises(DepsError) as info:
        _install(skill)
    assert str(info.value).startswith("uv.lock: out of date: it no longer matches pyproject.toml")
    assert "the Skrun runtime runs `uv sync --frozen`, which would install the stale lock" in str(
        info.value
    )
    assert _root_names() == [result.key]


def test_uv_lock_option_forms() -> None:
    from skrun_build.deps.uvlock import sync_flags

    # A relative cut-off: uv writes a placeholder timestamp beside the span.
    span = (
        'version = 1\n[options]\nexclude-newer = "0001-01-01T00:00:00Z" # no effect\n'
        'exclude-newer-span = "P3W"\n[options.exclude-newer-package]\n'
        'a = { timestamp = "0001-01-01T00:00:00Z", span = "P1W" }\nb = "2030-01-01T00:00:00Z"\n'
    )
    assert sync_flags(span) == [
        "--exclude-newer",
        "P3W",
        "--exclude-newer-package",
        "a=P1W",
        "--exclude-newer-package",
        "b=2030-01-01T00:00:00Z",
    ]
    assert sync_flags("version = 1\n") == []
    with pytest.raises(DepsError) as info:
        sync_flags('version = 1\n[options]\nnew-knob = "x"\n')
    assert str(info.value) == (
        "uv.lock: [options] records `new-knob`, which skrun-build does not know how to pass to "
        "`uv sync` (lock without that option, or report it so it can be supported)"
    )
