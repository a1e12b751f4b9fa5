"""Render and write the JSON Schemas of `skrun schema` (the I/O half of `spec.schemas`)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from skrun_build.errors import SkrunError, UsageError
from skrun_build.spec.schemas import KINDS, json_schema


def render_schema(kind: str) -> str:
    """The schema of `kind` as indented JSON text ending in a newline."""
    for known in KINDS:
        if known == kind:
            return json.dumps(json_schema(known), indent=2, ensure_ascii=False) + "\n"
    raise UsageError(f"unknown schema {kind!r}; choose one of {', '.join(KINDS)}")


def write_schema(kind: str, path: Path) -> None:
    """Write the schema of `kind` to `path` through a temp file and `os.replace`."""
    data = render_schema(kind).encode("utf-8")
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as e:
        raise SkrunError(f"cannot write {path}: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise SkrunError(f"cannot write {path}: {e.strerror or e}") from e
        raise
