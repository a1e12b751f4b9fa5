"""Render and write the JSON Schemas of `skrun schema` (the I/O half of `spec.schemas`)."""

from __future__ import annotations

import json
from pathlib import Path

from skrun_build.errors import SkrunError, UsageError, os_hint
from skrun_build.fsutil import write_atomic
from skrun_build.spec.schemas import KINDS, json_schema


def render_schema(kind: str) -> str:
    """The schema of `kind` as indented JSON text ending in a newline."""
    for known in KINDS:
        if known == kind:
            return json.dumps(json_schema(known), indent=2, ensure_ascii=False) + "\n"
    raise UsageError(f"unknown schema {kind!r}; choose one of {', '.join(KINDS)}")


def write_schema(kind: str, path: Path) -> None:
    """Write the schema of `kind` to `path` atomically."""
    data = render_schema(kind).encode("utf-8")
    try:
        write_atomic(path, data)
    except OSError as e:
        hint = os_hint(
            e, ENOENT="create the directory first", default="pick a path you can write to"
        )
        raise SkrunError(f"cannot write {path}: {e.strerror or e}", hint=hint) from e
