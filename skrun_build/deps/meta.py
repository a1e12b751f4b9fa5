"""The metadata file that marks a cache entry complete (written last, before the rename)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from skrun_build.fsutil import write_atomic

META_NAME = "skrun-entry.json"
SCHEMA = 1


@dataclass(frozen=True)
class EntryMeta:
    """What an entry holds and how it was made; `skrun cache list` reads only this."""

    key: str
    ecosystem: str  # "python" | "node"
    manifest: str  # file name: requirements.txt, pyproject.toml, package.json
    manifest_kind: str  # requirements | pyproject | package.json
    lockfile: str | None
    lock_kind: str | None  # pnpm | yarn | npm | uv | poetry
    installer: str  # uv | npm | pnpm | yarn
    installer_version: str
    runtime: str  # "cpython 3.11.7" or "node v20.20.2"
    platform: str  # e.g. linux-x86_64
    packages: int
    size: int  # bytes, symlinks not followed
    created: str  # ISO 8601, UTC
    reproducible: bool  # installed from a lockfile
    schema: int = SCHEMA
    # How the entry deliberately differs from what Skrun installs for its key (e.g.
    # "install scripts not run (--ignore-scripts)"); None: the same set. Optional in
    # the file, so entries written before it existed still parse.
    differs_from_runtime: str | None = None

    def to_json(self) -> str:
        """Canonical JSON text of the metadata."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


# Entries written before `differs_from_runtime` existed were installed without dev
# dependencies or install scripts (only requirements.txt got Skrun's set).
OLDER_SET = (
    "written by an older skrun-build, which left out dev dependencies, default groups "
    "and install scripts"
)

_TYPES: dict[str, tuple[type, ...]] = {
    "key": (str,),
    "ecosystem": (str,),
    "manifest": (str,),
    "manifest_kind": (str,),
    "lockfile": (str, type(None)),
    "lock_kind": (str, type(None)),
    "installer": (str,),
    "installer_version": (str,),
    "runtime": (str,),
    "platform": (str,),
    "packages": (int,),
    "size": (int,),
    "created": (str,),
    "reproducible": (bool,),
    "schema": (int,),
    "differs_from_runtime": (str, type(None)),
}


def parse_meta(text: str | bytes) -> EntryMeta | None:
    """The metadata in `text`, or None when it is not a complete, well-typed record."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if text.count("[") + text.count("{") > 127:
            # The same answer on every Python, before json recurses; imported only then
            # (jsonloc pulls in PyYAML, which a cache hit never needs).
            from skrun_build.formats.jsonloc import check_depth

            check_depth(text)
        data: Any = json.loads(text)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, JsonError
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    values: dict[str, Any] = {}
    for f in fields(EntryMeta):
        value = data.get(f.name)
        # bool is an int in Python: don't accept true as a size.
        if not isinstance(value, _TYPES[f.name]) or (
            isinstance(value, bool) and bool not in _TYPES[f.name]
        ):
            return None
        values[f.name] = value
    if "differs_from_runtime" not in data and data.get("manifest_kind") != "requirements":
        values["differs_from_runtime"] = OLDER_SET
    return EntryMeta(**values)


def read_meta(entry: Path) -> EntryMeta | None:
    """The metadata of the entry directory `entry`, None if missing or corrupt."""
    try:
        text = (entry / META_NAME).read_bytes()
    except OSError:
        return None
    meta = parse_meta(text)
    if meta is None or meta.key != entry.name:
        return None
    return meta


def write_meta(entry: Path, meta: EntryMeta) -> None:
    """Write the metadata atomically into `entry`: the last write of an install."""
    write_atomic(entry / META_NAME, meta.to_json().encode("utf-8"))
