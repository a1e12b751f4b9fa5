"""Executable skills (artifact.json, the lhwzds/skrun runtime): new, build, run, install, call.

Modules: `locate` (the skills root, what a folder says, list), `template` (`skill new`),
`build` (uv / cargo), `schema` (input/output JSON Schemas), `process` (one process
group with a deadline), `run` (the stdio-json contract), `install` (atomic
install-local), `handle` (the `skrun_build.skill(...)` call API). Nothing here
prints; everything raises `SkillError` subclasses (see `skrun_build.errors`).
Importing this package imports none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.skills.handle import Skill as Skill
    from skrun_build.skills.handle import skill as skill

__all__ = ["Skill", "skill"]


def __getattr__(name: str) -> Any:
    if name in ("Skill", "skill"):
        from skrun_build.skills import handle

        return getattr(handle, name)
    raise AttributeError(f"module 'skrun_build.skills' has no attribute {name!r}")
