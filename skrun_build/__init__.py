"""skrun-build: validate, build, cache and scaffold AI agent skills.

The public library API is imported lazily so that `import skrun_build` (and the
`skrun` CLI start-up) stays cheap.
"""

from __future__ import annotations

# Not `from typing import ...`: the `skrun` entry point's Ctrl-C guard starts only after
# this package is imported, so it must import nothing (mypy knows this idiom).
TYPE_CHECKING = False

__version__ = "0.1.0"

# public name -> "module:attribute"; resolved on first access (PEP 562).
_LAZY = {
    "validate": "skrun_build.checks.run:validate",
    "load_skill": "skrun_build.formats.skillmd:load_skill",
    "Issue": "skrun_build.issues:Issue",
    "build_bundle": "skrun_build.bundle:build_bundle",
    "BuildResult": "skrun_build.bundle:BuildResult",
    "scaffold": "skrun_build.scaffolding:scaffold",
    "import_skill": "skrun_build.scaffolding:import_skill",
    "SkrunError": "skrun_build.errors:SkrunError",
    "skill": "skrun_build.skills.handle:skill",
    "Skill": "skrun_build.skills.handle:Skill",
    "SkillRunError": "skrun_build.errors:SkillRunError",
    "SkillNotFound": "skrun_build.errors:SkillNotFound",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from skrun_build.errors import SkrunError as SkrunError


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'skrun_build' has no attribute {name!r}")
    import importlib

    module_name, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value
