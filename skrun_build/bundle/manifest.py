"""The build manifest: inputs digests, the manifest document and its checksums file.

A target's inputs digest is the hex sha256 of a canonical JSON document naming
everything that decides the bundle's bytes: the bundle kind, the bundle format
version (`format.FORMAT_VERSION`), the skrun-build version, the member mtime
(`SOURCE_DATE_EPOCH`), the gzip level, and every packed file's name, mode and
sha256. The config snapshot is a function of agent.yaml (packed, so hashed) and
of the skrun-build version, so it is covered without loading the agent model.
A manifest row whose digest equals the target's, and whose bundle still has the
recorded sha256, means the target is up to date.

Paths in the manifest and the checksums file are relative to the manifest's
folder, with `/` separators, so the files move with the tree (CI caches,
artifacts) and `sha256sum -c` runs from that folder.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skrun_build.bundle.format import Format, inputs_digest_of, load_json_member
from skrun_build.errors import InputError, os_hint

MANIFEST_FORMAT = "skrun-build-manifest"
MANIFEST_VERSION = 1
_READ = 1024 * 1024


def inputs_digest(
    source: Path, fmt: Format, output: Path | None = None, exclude: Sequence[str] = ()
) -> str:
    """The inputs digest of `source` built as `fmt` into `output` (see the module doc).

    Raises what collecting the files raises (a BundleError for an unsafe source).
    """
    from skrun_build.bundle.build import source_rules
    from skrun_build.bundle.collect import collect

    rules = source_rules(source, output, exclude)
    return inputs_digest_of(
        fmt, ((f.rel, f.mode, _file_sha(f.path, f.rel)) for f in collect(source, rules))
    )


def _file_sha(path: Path, rel: str) -> str:
    from skrun_build.errors import BundleError

    digest = hashlib.sha256()
    fd = -1
    try:
        # Non-blocking, as the writer reads: a FIFO put here never makes us wait.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        while chunk := os.read(fd, _READ):
            digest.update(chunk)
    except OSError as e:
        raise BundleError(f"cannot read: {e.strerror}", path=rel, hint=os_hint(e)) from e
    finally:
        if fd >= 0:
            os.close(fd)
    return digest.hexdigest()


def file_sha256(path: Path) -> str | None:
    """The sha256 of a file, or None when it cannot be read (missing, a folder, ...)."""
    try:
        return _file_sha(path, str(path))
    except Exception:
        return None


@dataclass(frozen=True, slots=True)
class Row:
    """One target of a manifest; paths relative to the manifest's folder."""

    source: str
    status: str  # "built" | "up to date" | "failed"
    inputs: str
    name: str = ""
    version: str = ""
    bundle: str | None = None
    sha256: str | None = None
    size: int | None = None
    deps_key: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (every key always present)."""
        return {
            "name": self.name,
            "version": self.version or None,
            "source": self.source,
            "bundle": self.bundle,
            "sha256": self.sha256,
            "size": self.size,
            "deps_key": self.deps_key,
            "inputs": self.inputs,
            "status": self.status,
            "error": self.error,
        }


def rel(path: Path, base: Path) -> str:
    """`path` relative to `base`, `/`-separated."""
    return os.path.relpath(os.path.abspath(path), os.path.abspath(base)).replace(os.sep, "/")


def document(rows: Sequence[Row]) -> dict[str, Any]:
    """The manifest document (also what `skrun build --json` prints for a tree)."""
    from skrun_build.bundle import format as bundle_format

    counts = {s: sum(1 for r in rows if r.status == s) for s in ("built", "up to date", "failed")}
    return {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "bundle_format_version": bundle_format.FORMAT_VERSION,
        "targets": [r.to_dict() for r in rows],
        "built": counts["built"],
        "up_to_date": counts["up to date"],
        "failed": counts["failed"],
        "ok": counts["failed"] == 0,
    }


def checksums_path(manifest: Path) -> Path:
    """The `sha256sum` file beside `manifest`: same name, suffix `.sha256`."""
    return manifest.with_suffix(".sha256") if manifest.suffix else Path(f"{manifest}.sha256")


def checksums_text(rows: Sequence[Row]) -> str:
    """`sha256sum` lines (`<hex>  <path>`) of every bundle in `rows`, sorted by path.

    A name holding a newline or backslash is escaped the way GNU sha256sum escapes
    it (a leading backslash on the line), so `sha256sum -c` reads it back.
    """
    lines = []
    for r in sorted(rows, key=lambda r: r.bundle or ""):
        if r.sha256 is None or r.bundle is None:
            continue
        name = r.bundle
        if "\\" in name or "\n" in name or "\r" in name:
            name = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            lines.append(f"\\{r.sha256}  {name}\n")
        else:
            lines.append(f"{r.sha256}  {name}\n")
    return "".join(lines)


def write(manifest: Path, rows: Sequence[Row]) -> Path:
    """Write the manifest and its checksums file, each atomically; returns the latter."""
    from skrun_build.bundle.format import canonical_json
    from skrun_build.errors import BundleError
    from skrun_build.fsutil import write_atomic

    sums = checksums_path(manifest)
    for path, data in (
        (manifest, canonical_json(document(rows))),
        (sums, checksums_text(rows).encode("utf-8")),
    ):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
        except OSError as e:
            raise BundleError(f"cannot write: {e.strerror or e}", path=path, hint=os_hint(e)) from e
    return sums


def read(manifest: Path) -> dict[str, Row]:
    """The rows of a previous manifest by source path; {} when there is none."""
    try:
        raw = manifest.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", path=manifest, hint=os_hint(e)) from e
    try:
        # Depth-checked first: json's own recursion error spoke Python, not JSON.
        data = load_json_member(raw)
        if data.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {MANIFEST_FORMAT!r}")
        if data.get("format_version") != MANIFEST_VERSION:
            raise ValueError(f"unsupported format_version {data.get('format_version')!r}")
        rows = {}
        for t in data["targets"]:
            row = Row(
                source=str(t["source"]),
                status=str(t["status"]),
                inputs=str(t["inputs"]),
                name=str(t["name"]),
                version=str(t["version"] or ""),
                bundle=None if t["bundle"] is None else str(t["bundle"]),
                sha256=None if t["sha256"] is None else str(t["sha256"]),
                size=None if t["size"] is None else int(t["size"]),
                deps_key=None if t["deps_key"] is None else str(t["deps_key"]),
            )
            rows[row.source] = row
        return rows
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InputError(
            f"not a skrun build manifest: {e}",
            path=manifest,
            hint="delete it (the next build rebuilds every target), or pass another --manifest",
        ) from e


def current(row: Row | None, digest: str, out_dir: Path, base: Path) -> bool:
    """Whether `row` says the target with `digest` is built into `out_dir` and unchanged."""
    if row is None or row.inputs != digest or row.sha256 is None or row.bundle is None:
        return False
    bundle = base / row.bundle
    if os.path.abspath(bundle.parent) != os.path.abspath(out_dir):
        return False
    return file_sha256(bundle) == row.sha256
