"""`skrun skill install-local`, `list`, `show`: what is copied, atomic replacement, kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import skrun_build
from skrun_build import cli
from skrun_build.errors import SkillError
from skrun_build.skills.install import install_local
from skrun_build.skills.locate import list_skills

from helpers.paths import CORPUS
from helpers.skills import script_skill, tree


def test_install_does_not_copy_target_or_venv(tmp_path: Path) -> None:
    src = script_skill(
        tmp_path / "tool",
        "cat\n",
        cargo=True,
        extra={
            "target/release/tool": "built",
            ".venv/bin/python": "venv",
            "node_modules/x/index.js": "x",
            ".env": "SECRET=1",
            "src/main.rs": "fn main() {}",
        },
    )
    result = install_local(src, root=tmp_path / "root")
    assert result.target == tmp_path / "root" / "tool"
    assert sorted(tree(result.target)) == ["Cargo.toml", "artifact.json", "run.sh", "src/main.rs"]
    assert os.access(result.target / "run.sh", os.X_OK)
    assert skrun_build.skill("tool", root=tmp_path / "root").call({"a": 1}) == {"a": 1}


def test_install_keeps_an_entry_that_gitignore_leaves_out(tmp_path: Path) -> None:
    src = script_skill(tmp_path / "tool", "cat\n", extra={".gitignore": "run.sh\n"})
    result = install_local(src, root=tmp_path / "root")
    assert "run.sh" in result.files


def test_install_refuses_an_existing_one_without_overwrite(tmp_path: Path) -> None:
    src = script_skill(tmp_path / "tool", "cat\n")
    install_local(src, root=tmp_path / "root")
    with pytest.raises(SkillError) as info:
        install_local(src, root=tmp_path / "root")
    assert "already installed" in str(info.value) and "--overwrite" in str(info.value)


def test_install_validates_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "bad"
    src.mkdir()
    (src / "artifact.json").write_text('{"schema_version": 2}')
    code = cli.run(["skill", "install-local", "--root", str(tmp_path / "root"), str(src)])
    err = capsys.readouterr().err
    assert code == 1
    assert "AR006" in err or "AR004" in err
    assert not (tmp_path / "root" / "bad").exists()


def test_install_under_another_id(tmp_path: Path) -> None:
    src = script_skill(tmp_path / "tool", "cat\n")
    result = install_local(src, root=tmp_path / "root", skill_id="other")
    assert result.target.name == "other"
    assert [s.dir_name for s in list_skills(tmp_path / "root")] == ["other"]
    assert list_skills(tmp_path / "root")[0].problem == "folder 'other' holds skill id 'tool'"


def _old_and_new(tmp_path: Path) -> tuple[Path, Path, dict[str, str], dict[str, str]]:
    root = tmp_path / "root"
    old = script_skill(tmp_path / "v1" / "tool", "cat\n", extra={"VERSION": "old"})
    install_local(old, root=root)
    new = script_skill(
        tmp_path / "v2" / "tool", "cat\n", extra={"VERSION": "new", "data/more.txt": "more"}
    )
    return root, new, tree(root / "tool"), tree(new)


def _install_killed_at(step: str, new: Path, root: Path, *, exchange: bool) -> int:
    env = dict(os.environ, _SKRUN_INSTALL_KILL_AT=step)
    if not exchange:
        env["_SKRUN_INSTALL_NO_EXCHANGE"] = "1"
    code = (
        "import sys; from skrun_build.skills.install import install_local;"
        "install_local(sys.argv[1], root=sys.argv[2], overwrite=True)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(new), str(root)], env=env, capture_output=True
    )
    return done.returncode


@pytest.mark.parametrize(
    ("step", "exchange"),
    [("copied", True), ("swapped", True), ("copied", False), ("aside", False), ("swapped", False)],
)
def test_overwrite_killed_at_any_step_leaves_one_install_whole(
    tmp_path: Path, step: str, exchange: bool
) -> None:
    root, new, old_tree, new_tree = _old_and_new(tmp_path)
    assert _install_killed_at(step, new, root, exchange=exchange) == -signal.SIGKILL
    # What any reader sees now (an id lookup puts back an install left aside) is whole.
    installed = skrun_build.skill("tool", root=root).path
    assert tree(installed) in (old_tree, new_tree)
    expected = old_tree if step in ("copied", "aside") else new_tree
    assert tree(installed) == expected
    # The next install cleans the dead process's temp dirs and completes.
    install_local(new, root=root, overwrite=True)
    assert sorted(os.listdir(root)) == ["tool"]
    assert tree(root / "tool") == new_tree


def test_list_shows_broken_entries_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "root"
    install_local(script_skill(tmp_path / "good", "cat\n"), root=root)
    (root / "empty").mkdir()
    (root / "badjson").mkdir()
    (root / "badjson" / "artifact.json").write_text("{")
    code = cli.run(["skill", "list", "--root", str(root)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("badjson\tbroken\t-\t") and "AR002" in out[0]
    assert (
        out[1].startswith("empty\tbroken\t-\t") and "neither artifact.json nor SKILL.md" in out[1]
    )
    assert out[2] == "good\trust_binary\t0.1.0\tTest Skill"


@pytest.fixture
def corpus_installed(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for key in ("lhwzds__skrun__cdp-browser", "lhwzds__skrun__python-echo"):
        src = next(p for p in (CORPUS / key).iterdir() if p.is_dir())
        assert cli.run(["skill", "install-local", "--root", str(root), str(src)]) == 0
    return root


def test_corpus_skills_are_listed_after_install(
    corpus_installed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli.run(["skill", "list", "--root", str(corpus_installed)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "cdp-browser\trust_binary\t0.1.3\tCDP Browser",
        "python-echo\tpython_uv\t0.1.0\tPython Echo",
    ]
    assert cli.run(["skill", "list", "--root", str(corpus_installed), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["entry"], r["problem"]) for r in rows] == [
        ("cdp-browser", "bin/release/cdp-browser", None),
        ("python-echo", "skill.py", None),
    ]


def test_corpus_skills_are_shown_after_install(
    corpus_installed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli.run(["skill", "show", "--root", str(corpus_installed), "cdp-browser"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "id: cdp-browser",
        "kind: rust_binary",
        "version: 0.1.3",
        "name: CDP Browser",
        "entry: bin/release/cdp-browser",
        f"path: {corpus_installed / 'cdp-browser'}",
        "schema.input: schema/input.json",
        "schema.output: schema/output.json",
    ]
    assert (
        cli.run(
            ["skill", "show", "--root", str(corpus_installed), "--format", "json", "python-echo"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert (data["id"], data["kind"], data["version"], data["name"]) == (
        "python-echo",
        "python_uv",
        "0.1.0",
        "Python Echo",
    )
