"""`[tool.skrun]` discovery: nearest file wins, pyproject.toml only with the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from skrun_build.config import Config, find_config, load_config
from skrun_build.errors import ConfigError

from helpers.trees import make_tree


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    assert find_config(make_tree(tmp_path / "a", {})) == Config()


def test_pyproject_without_the_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.skrun]\nselect = "SK0"\n')
    inner = make_tree(tmp_path / "pkg", {"pyproject.toml": "[project]\nname = 'x'\n"})
    skill = make_tree(inner / "my-skill", {"SKILL.md": "x"})
    config = find_config(skill / "SKILL.md")
    assert config == Config(path=tmp_path / "pyproject.toml", select=("SK0",))


def test_skrun_toml_wins_over_pyproject_in_the_same_dir(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.skrun]\nselect = ["SK0"]\n')
    (tmp_path / ".skrun.toml").write_text('[tool.skrun]\nignore = ["SK050"]\nstrict = true\n')
    assert find_config(tmp_path) == Config(
        path=tmp_path / ".skrun.toml", ignore=("SK050",), strict=True
    )


def test_a_directory_listed_but_not_entered_is_searched_past(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mode r-- on the skill dir: nothing in it can be stat'ed (simulated: tests run as root).
    import errno
    import os

    (tmp_path / "pyproject.toml").write_text('[tool.skrun]\nselect = "SK0"\n')
    locked = make_tree(tmp_path / "my-skill", {".skrun.toml": "strict = true\n"})
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if Path(str(path)).parent == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    assert find_config(locked) == Config(path=tmp_path / "pyproject.toml", select=("SK0",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("select = [1]\n", "select must be a list of rule codes"),
        ("tool = 1\nstrict = 1\n", "strict must be true or false, not 1"),
        ("[tool]\nskrun = 1\n", "[tool.skrun] must be a table"),
        ("ignroe = []\n", "unknown key ignroe"),
    ],
)
def test_malformed_values(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".skrun.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.message == message
    assert info.value.path == str(path)
