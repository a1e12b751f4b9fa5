"""`skrun deps install|hash|path BUNDLE`: the manifest is read from the bundle's root members."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from skrun_build.cli import run
from skrun_build.deps.detect import detect_dir
from skrun_build.deps.key import cache_key
from skrun_build.deps.store import Store

from helpers.paths import REPO
from helpers.trees import make_tree

SKILL = "---\nname: demo\ndescription: d\n---\nbody\n"


def write_bundle(path: Path, files: dict[str, str]) -> Path:
    """A gzip'd tar with root members, as `skrun build` writes them."""
    with tarfile.open(path, "w:gz") as tf:
        for name, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    return path


def test_bundle_key_equals_directory_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "SKILL.md": SKILL,
        "package.json": '{"name":"x","version":"1.0.0"}\n',
        "package-lock.json": '{"lockfileVersion":3}\n',
        "scripts/requirements.txt": "ignored: not at the root\n",
    }
    skill = make_tree(tmp_path / "demo", files)
    bundle = write_bundle(tmp_path / "demo-1.0.0.agent", files)
    assert run(["deps", "hash", str(bundle)]) == 0
    assert capsys.readouterr().out == cache_key(detect_dir(skill)) + "\n"  # type: ignore[arg-type]


def test_install_from_bundle(
    tmp_path: Path, py_offline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"SKILL.md": SKILL, "requirements.txt": "tinypkg==1.0.0\n"}
    bundle = write_bundle(tmp_path / "demo-1.0.0.agent", files)
    assert run(["deps", "install", "--json", str(bundle)]) == 0
    data = json.loads(capsys.readouterr().out)
    key = cache_key(detect_dir(make_tree(tmp_path / "demo", files)))  # type: ignore[arg-type]
    assert (data["status"], data["key"], data["path"]) == (
        "installed",
        key,
        str(Store().root / key),
    )
    assert (Store().root / key / "venv" / "bin" / "tinypkg-hello").exists()
    assert run(["deps", "path", str(bundle)]) == 0
    assert capsys.readouterr().out == str(Store().root / key) + "\n"


def test_bad_bundle_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.agent"
    bad.write_bytes(b"not a tar.gz")
    assert run(["deps", "install", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"skrun: error: {bad}: is not a gzip-compressed .agent bundle")
    evil = tmp_path / "evil.agent"
    with tarfile.open(evil, "w:gz") as tf:
        info = tarfile.TarInfo("../requirements.txt")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
    assert run(["deps", "hash", str(evil)]) == 1
    assert "'..' in the path" in capsys.readouterr().err


def test_install_from_a_built_bundle(
    tmp_path: Path, py_offline: Path, copy_tree: Callable[[Path, str | None], Path]
) -> None:
    from skrun_build.bundle import build_bundle

    agent = copy_tree(REPO / "examples" / "csv-summary", None)
    (agent / "requirements.txt").write_text("tinypkg==1.0.0\n")
    built = build_bundle(agent, tmp_path / "dist")
    dir_key = cache_key(detect_dir(agent))  # type: ignore[arg-type]
    assert run(["deps", "hash", str(built.path)]) == 0
    assert run(["deps", "install", str(built.path)]) == 0
    assert run(["deps", "path", str(agent)]) == 0  # the directory finds the bundle's entry
    entry = Store().root / dir_key
    assert (entry / "requirements.txt").read_text() == "tinypkg==1.0.0\n"
    assert (entry / "venv" / "bin" / "tinypkg-hello").exists()
