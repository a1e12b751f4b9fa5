"""`skrun build --format skill`: a reproducible `<name>.skill` zip with entries under `<name>/`."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from skrun_build import build_bundle
from skrun_build.bundle.skillzip import zip_date_time
from skrun_build.cli import run
from skrun_build.errors import ValidationFailed

from helpers.paths import FIXTURES
from helpers.trees import make_tree

HELLO = FIXTURES / "bundle" / "hello-skill"


def hello(copy_tree: Callable[[Path, str | None], Path]) -> Path:
    root = copy_tree(HELLO, None)
    (root / "scripts" / "hello.sh").chmod(0o755)
    make_tree(
        root,
        {".git": {"HEAD": ""}, "notes.secret": "", "old.skill": "", "__pycache__": {"x.pyc": ""}},
    )
    return root


def test_layout_modes_and_timestamps(
    copy_tree: Callable[[Path, str | None], Path], tmp_path: Path
) -> None:
    result = build_bundle(hello(copy_tree), tmp_path / "out", format="skill")
    assert result.path == tmp_path / "out" / "hello-skill.skill"
    assert result.files == 2
    with zipfile.ZipFile(result.path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == [
            "hello-skill/SKILL.md",
            "hello-skill/scripts/hello.sh",
        ]
        assert (
            zf.read("hello-skill/scripts/hello.sh") == (HELLO / "scripts" / "hello.sh").read_bytes()
        )
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [i.external_attr >> 16 for i in infos] == [0o100644, 0o100755]
    assert {(i.compress_type, i.create_system, i.extra) for i in infos} == {
        (zipfile.ZIP_DEFLATED, 3, b"")
    }


def test_skill_zip_is_reproducible(
    copy_tree: Callable[[Path, str | None], Path], tmp_path: Path
) -> None:
    a = hello(copy_tree)
    first = build_bundle(a, tmp_path / "one", format="skill").path.read_bytes()
    os.utime(a / "SKILL.md", (1, 1))
    (a / "SKILL.md").chmod(0o600)
    second = build_bundle(a, tmp_path / "two", format="skill")
    assert second.path.read_bytes() == first
    in_place = build_bundle(a, format="skill")  # output in the skill dir: not packed next time
    again = build_bundle(a, format="skill")
    assert again.path.read_bytes() == in_place.path.read_bytes() == first


def test_source_date_epoch_is_clamped_into_the_zip_range(monkeypatch: pytest.MonkeyPatch) -> None:
    assert zip_date_time(0) == (1980, 1, 1, 0, 0, 0)
    assert zip_date_time(1700000000) == (2023, 11, 14, 22, 13, 20)
    assert zip_date_time(10**11) == (2107, 12, 31, 23, 59, 58)


def test_invalid_skill_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_tree(
        tmp_path / "Bad Skill", {"SKILL.md": "---\nname: Bad Skill\ndescription: x\n---\n"}
    )
    with pytest.raises(ValidationFailed):
        build_bundle(root, tmp_path / "out", format="skill")
    assert run(["build", "--format", "skill", str(root), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "Bad Skill/SKILL.md:2:7: SK012 error name must be lower" in err
    assert err.endswith("skrun: error: validation failed with 2 error(s)\n")
    assert not (tmp_path / "out").exists()
    empty = make_tree(tmp_path / "empty", {"README.md": "no SKILL.md here"})
    assert run(["build", "--format", "skill", str(empty)]) == 1
    assert "empty: SK001 error nothing to validate: no SKILL.md" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("frontmatter", "shown"),
    [("description: x\n", "none"), ("name: ../evil\ndescription: x\n", "'../evil'")],
)
def test_a_hidden_name_error_never_becomes_a_zip_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], frontmatter: str, shown: str
) -> None:
    # --ignore in the config hides SK011/SK012; the zip must still refuse, not crash (exit 3)
    # or name entries after an unsafe name.
    root = make_tree(
        tmp_path / "s",
        {
            "SKILL.md": f"---\n{frontmatter}---\nbody\n",
            ".skrun.toml": 'ignore = ["SK011", "SK012", "SK013", "SK014", "SK015", "SK016"]\n',
        },
    )
    assert run(["build", str(root), "--format", "skill", "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"SKILL.md has no usable name ({shown})" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
