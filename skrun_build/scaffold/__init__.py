"""Scaffolding: new skills/agents from templates.

Public entry point: `scaffold(template, target, **values)` (templates.py). It
returns a result object and never prints.
"""

from __future__ import annotations

from skrun_build.scaffold.templates import (
    DEFAULT_MODEL,
    DEFAULT_NAMESPACE,
    DEFAULT_TEMPLATE,
    TEMPLATES,
    ScaffoldResult,
    scaffold,
)

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_NAMESPACE",
    "DEFAULT_TEMPLATE",
    "TEMPLATES",
    "ScaffoldResult",
    "scaffold",
]
