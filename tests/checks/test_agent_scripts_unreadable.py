"""An agent's scripts/ that cannot be read is named (AG021), never skipped silently.

Root ignores permission bits, so the refusal is made in-process: `os.scandir` or
`os.open` refuse the chosen path with EACCES, as mode 000 does for a normal user.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from skrun_build import validate

from helpers.bundle import agent_tree


def _refuse(monkeypatch: pytest.MonkeyPatch, call: str, path: Path) -> None:
    real = getattr(os, call)

    def patched(p: object, *args: object, **kwargs: object) -> object:
        if isinstance(p, (str, os.PathLike)) and os.path.abspath(p) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(p))
        return real(p, *args, **kwargs)

    monkeypatch.setattr(os, call, patched)


@pytest.mark.parametrize(
    ("call", "target"), [("scandir", "scripts/lib"), ("open", "scripts/lib/helper.py")]
)
def test_an_unreadable_scripts_entry_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str, target: str
) -> None:
    root = agent_tree(tmp_path, {"scripts": {"lib": {"helper.py": "import json\n"}}})
    _refuse(monkeypatch, call, root / target)
    issues = [i for i in validate(root) if i.code == "AG021"]
    assert [(i.file, i.level) for i in issues] == [(str(root / target), "error")]
    name = Path(target).name
    assert issues[0].message == (
        f"cannot read {name}: Permission denied; the runtime could not run it either"
    )
    assert issues[0].hint and "permissions" in issues[0].hint


def test_readable_scripts_give_no_ag021(tmp_path: Path) -> None:
    root = agent_tree(tmp_path, {"scripts": {"lib": {"helper.py": "import json\n"}}})
    assert not [i for i in validate(root) if i.code == "AG021"]
