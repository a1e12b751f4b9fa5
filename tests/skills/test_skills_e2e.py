"""End to end, offline: skill new -> build -> run -> install-local -> call by id.

python_uv with the real uv (the echo has no third-party imports, `UV_OFFLINE=1`),
rust_binary with the real cargo (only std, `CARGO_NET_OFFLINE=true`; one release
build per session, shared), markdown (nothing to build or run).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import skrun_build
from skrun_build import cli
from skrun_build.checks.run import validate

from helpers.skills import tree

OFFLINE = {"UV_OFFLINE": "1", "CARGO_NET_OFFLINE": "true"}


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in OFFLINE.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="session")
def rust_echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """One `skrun skill new --kind rust_binary` + `skill build`, shared by the session."""
    base = tmp_path_factory.mktemp("rust")
    skill_dir = base / "rust-echo"
    names = (*OFFLINE, "CARGO_TARGET_DIR", "CARGO_HOME", "RUSTUP_HOME")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update(OFFLINE)
    os.environ.pop("CARGO_TARGET_DIR", None)
    # cargo writes its caches into CARGO_HOME even offline: keep them in the tmp dir. The
    # rustup proxy still finds its toolchains, whose place is derived from the real HOME.
    if "RUSTUP_HOME" not in os.environ and (Path.home() / ".rustup").is_dir():
        os.environ["RUSTUP_HOME"] = str(Path.home() / ".rustup")
    os.environ["CARGO_HOME"] = str(base / "cargo-home")
    try:
        assert (
            cli.run(["skill", "new", "--kind", "rust_binary", "--id", "rust-echo", str(skill_dir)])
            == 0
        )
        before = sorted(tree(skill_dir))
        code = cli.run(["skill", "build", "--target-dir", str(base / "target"), str(skill_dir)])
        assert code == 0
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield skill_dir, before


def test_rust_binary_end_to_end(
    rust_echo: tuple[Path, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built, files_at_new = rust_echo
    assert files_at_new == [
        "Cargo.toml",
        "SKILL.md",
        "artifact.json",
        "schema/input.json",
        "schema/output.json",
        "src/main.rs",
    ]
    assert "use std::io" in (built / "src" / "main.rs").read_text()
    skill_dir = tmp_path / "rust-echo"
    shutil.copytree(built, skill_dir, symlinks=True)
    assert os.access(skill_dir / "bin" / "release" / "rust-echo", os.X_OK)
    assert not (skill_dir / "target").exists()  # cargo built outside the skill
    assert [i for i in validate(skill_dir, strict=True)] == []

    capsys.readouterr()
    assert cli.run(["skill", "run", "--input", '{"ok":true}', str(skill_dir)]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True}

    (skill_dir / "target" / "release").mkdir(parents=True)  # as if cargo ran in place
    (skill_dir / "target" / "release" / "junk").write_text("x")
    monkeypatch.chdir(tmp_path)
    assert cli.run(["skill", "install-local", str(skill_dir)]) == 0
    installed = Path(os.environ["SKRUN_SKILLS_DIR"]) / "rust-echo"
    assert not (installed / "target").exists()
    assert skrun_build.skill("rust-echo").call({"ok": True}) == {"ok": True}


def test_python_uv_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = cli.run(
        ["skill", "new", "--kind", "python_uv", "--id", "py-echo", "--name", "Py Echo", "py-echo"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == "Created python_uv skill py-echo in py-echo:"
    skill_dir = tmp_path / "py-echo"
    assert sorted(tree(skill_dir)) == [
        "SKILL.md",
        "artifact.json",
        "pyproject.toml",
        "schema/input.json",
        "schema/output.json",
        "skill.py",
    ]
    assert "import json\nimport sys\n" in (skill_dir / "skill.py").read_text()
    assert validate(skill_dir, strict=True) == []
    artifact = json.loads((skill_dir / "artifact.json").read_text())
    assert (artifact["kind"], artifact["id"], artifact["name"], artifact["entry"]) == (
        "python_uv",
        "py-echo",
        "Py Echo",
        "skill.py",
    )

    with pytest.raises(skrun_build.SkillRunError) as info:
        skrun_build.skill(skill_dir)
    assert info.value.reason == "not_built"

    assert cli.run(["skill", "build", "py-echo"]) == 0
    assert (skill_dir / "uv.lock").is_file() and (skill_dir / ".venv").is_dir()
    capsys.readouterr()
    assert cli.run(["skill", "run", "--input", '{"n": 1}', "py-echo"]) == 0
    assert json.loads(capsys.readouterr().out) == {"n": 1}

    assert cli.run(["skill", "install-local", "py-echo"]) == 0
    installed = Path(os.environ["SKRUN_SKILLS_DIR"]) / "py-echo"
    assert not (installed / ".venv").exists()
    assert (installed / "uv.lock").is_file()
    monkeypatch.chdir(tmp_path.parent)  # by id, not by the folder of the same name
    assert skrun_build.skill("py-echo").call({"ok": True}) == {"ok": True}
    capsys.readouterr()
    assert cli.run(["skill", "list"]) == 0
    assert capsys.readouterr().out == "py-echo\tpython_uv\t0.1.0\tPy Echo\n"


def test_markdown_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.run(["skill", "new", "--kind", "markdown", "--id", "guide", "guide"]) == 0
    assert sorted(tree(tmp_path / "guide")) == ["SKILL.md"]
    assert validate(tmp_path / "guide", strict=True) == []
    capsys.readouterr()
    assert cli.run(["skill", "build", "guide"]) == 0
    assert capsys.readouterr().out == "guide: guidance-only skill (markdown), nothing to build\n"
    assert cli.run(["skill", "install-local", "guide"]) == 0
    capsys.readouterr()
    assert cli.run(["skill", "show", "guide"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[:3] == ["id: guide", "kind: markdown", "version: 0.1.0"]
    assert cli.run(["skill", "run", "--input", "{}", "guide"]) == 1
    assert "guidance-only (markdown): there is nothing to run" in capsys.readouterr().err


def test_new_refuses_a_non_empty_dir_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    code = cli.run(["skill", "new", "--kind", "python_uv", "--id", "busy", str(target)])
    assert code == 1
    assert "is not empty (notes.txt)" in capsys.readouterr().err
    assert sorted(os.listdir(target)) == ["notes.txt"]
    assert sorted(os.listdir(tmp_path)) == ["busy"]  # no temp dir left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "python_uv", "--id", "-bad"], "--id: '-bad' is no valid skill id"),
        (["--kind", "markdown", "--id", "other"], "a markdown skill's id is its folder's name"),
        (["--kind", "rust_binary", "--id", "x", "--version", "1.0"], "cargo needs a SemVer"),
    ],
)
def test_new_refuses_bad_values_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = cli.run(["skill", "new", *args, str(tmp_path / "x")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_new_bad_dir_name_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.run(["skill", "new", "--kind", "python_uv", "--id", "ok", str(tmp_path / "Bad_Dir")])
    assert code == 2
    assert "a skill's name is its directory's name" in capsys.readouterr().err
