"""Scaffolding: new skills/agents from templates, and agent.yaml for existing skills.

Public entry points: `scaffold(template, target, **values)` (templates.py) and
`import_skill(path, ...)` (importer.py, imported on first use). Both return a
result object and never print.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skrun_build.scaffolding.templates import (
    DEFAULT_MODEL,
    DEFAULT_NAMESPACE,
    DEFAULT_TEMPLATE,
    TEMPLATES,
    ScaffoldResult,
    scaffold,
)

if TYPE_CHECKING:  # pragma: no cover
    from skrun_build.scaffolding.importer import ImportResult

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_NAMESPACE",
    "DEFAULT_TEMPLATE",
    "TEMPLATES",
    "ImportResult",
    "ScaffoldResult",
    "import_skill",
    "scaffold",
]


def import_skill(path: str, **options: Any) -> ImportResult:
    """Write agent.yaml for the Agent Skill at `path` (see `importer.import_skill`)."""
    from skrun_build.scaffolding.importer import import_skill as _import_skill

    return _import_skill(path, **options)


def __getattr__(name: str) -> Any:
    if name == "ImportResult":
        from skrun_build.scaffolding.importer import ImportResult

        return ImportResult
    raise AttributeError(f"module 'skrun_build.scaffolding' has no attribute {name!r}")
