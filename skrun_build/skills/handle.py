"""The pure-Python call API: `skrun_build.skill("rust-echo").call({"ok": True})`.

What the lhwzds/skrun PyPI package `skrun` does with a native module, in plain
Python: resolve an installed id (`$SKRUN_SKILLS_DIR` or `~/.skrun/skills`) or a
folder, read artifact.json once, and run the entry per call (see `run.py`).
Importing this needs no click. A handle is immutable after construction, so one
handle may be called from many threads at once: each call is its own process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skrun_build.skills.run import DEFAULT_TIMEOUT

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.formats.artifact_json import Artifact
    from skrun_build.skills.locate import SkillInfo
    from skrun_build.skills.run import Prepared


class Skill:
    """An executable skill ready to call: `.call(value)`, `.artifact`, `.path`."""

    __slots__ = ("_info", "_prepared")

    def __init__(self, info: SkillInfo, prepared: Prepared) -> None:
        self._info = info
        self._prepared = prepared

    @property
    def path(self) -> Path:
        """The skill's folder."""
        return self._info.path

    @property
    def id(self) -> str:
        """The skill's id (artifact.json `id`)."""
        return self._info.id

    @property
    def artifact(self) -> Artifact:
        """The parsed artifact.json (`skrun_build.formats.artifact_json.Artifact`)."""
        assert self._info.artifact is not None  # prepare() refuses markdown skills
        return self._info.artifact

    def call(self, value: Any, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """Run the skill with `value` as input; its output object, or SkillRunError."""
        from skrun_build.skills.run import call

        return call(self._prepared, value, timeout=timeout)

    def __repr__(self) -> str:
        return f"<skrun_build.Skill {self._info.id!r} ({self._info.kind}) at {self.path}>"


def skill(id_or_path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Skill:
    """A handle on an installed skill id or a skill folder; raises SkillNotFound or SkrunError.

    The schemas are compiled and the entry checked here, once: a skill that was never
    built raises SkillRunError(reason="not_built") now rather than at the first call.
    """
    from skrun_build.skills.locate import load_info, resolve
    from skrun_build.skills.run import prepare

    info = load_info(resolve(id_or_path, root))
    return Skill(info, prepare(info))
