"""Constants and canonical serialisations of the `.agent` bundle format (version 2).

The normative description is docs/bundle-format.md; this module is its code.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from skrun_build.errors import BundleError, UsageError

# What `skrun build --format` writes: an `.agent` bundle or a `.skill` zip.
Format = Literal["agent", "skill"]

FORMAT_NAME = "skrun-agent-bundle"
# 2: a name of at most 100 UTF-8 bytes is written raw in the ustar name field, with
# no PAX header (version 1 gave every non-ASCII name a PAX header). Both read back.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
# Fixed member paths of the generated members: the snapshot is the first member,
# the record the last one; source files never use the reserved `.skrun/` folder.
RESERVED_DIR = ".skrun"
SNAPSHOT_PATH = ".skrun/config.json"
RECORD_PATH = ".skrun/record.json"

GZIP_LEVEL = 6
# The deflate stream is compressed in independent blocks of this much input, each
# primed with the previous DICTIONARY bytes of input (pigz's scheme): the bytes do
# not depend on how many threads compressed them.
DEFLATE_BLOCK = 128 * 1024
DICTIONARY = 32 * 1024
# Inside a block, stretches that deflate cannot shrink are stored (deflate.deflate_block):
# a block is cut at every member's content start and end and every STORE_PIECE bytes;
# a stretch of PROBE_MIN bytes or more is stored when two samples of PROBE_SAMPLE bytes
# (its start, its middle) are not ASCII and, deflated at level 1 with a 4 KiB window,
# keep PROBE_STORE of their size or more.
STORE_PIECE = 64 * 1024
PROBE_MIN = 4096
PROBE_SAMPLE = 1024
PROBE_STORE = 0.98
DEFAULT_MTIME = 0
MODE_FILE = 0o644
MODE_EXEC = 0o755
BLOCK = 512
RECORD_SIZE = 20 * BLOCK  # tar's blocking factor 20, as GNU tar and tarfile pad
CHUNK = 1024 * 1024

MIB = 1024 * 1024
WARN_SIZE = 10 * MIB
MAX_SIZE = 50 * MIB
# What `inspect`, `verify` and `unpack` read at most, decided from the tar headers before
# any content is read or written: generous for a real agent (the registry refuses bundles
# over 50 MiB), and a decompression bomb is refused at its first header.
MAX_UNPACKED = 1024 * MIB
MAX_MEMBERS = 100_000
NAME_FIELD = 100  # the ustar name field: the only name the Skrun v0.7.0 server reads
PAX_HEADER_NAME = "././@PaxHeader"  # tarfile's name for a PAX extended header


def server_view(name: str) -> str:
    """The name the Skrun v0.7.0 server reads for member `name`: the ustar field only.

    It decodes the field up to its first NUL (at most 100 bytes) as UTF-8, so a
    longer name arrives cut (see `writer.ustar_header` for what the field holds).
    """
    raw = name.encode("utf-8")
    if len(raw) > NAME_FIELD:
        raw = name.encode("ascii", "replace")[:NAME_FIELD]
    return raw.decode("utf-8", "replace")


def server_drops(name: str) -> bool:
    """Whether the Skrun v0.7.0 server skips the member: its name holds `..` anywhere."""
    seen = server_view(name)
    return ".." in seen or seen.startswith("/")


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """One line of the record: a member's path, size, mode and sha256."""

    path: str
    size: int
    mode: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form; the mode is a 4-digit octal string such as "0755"."""
        return {
            "path": self.path,
            "size": self.size,
            "mode": f"{self.mode:04o}",
            "sha256": self.sha256,
        }


# The fix for a bundle that breaks the format: it was damaged or made by another tool.
REBUILD = "the bundle is damaged or was not made by skrun build: rebuild it with `skrun build`"


def canonical_json(data: Any) -> bytes:
    """Sorted keys, 2-space indent, UTF-8 (no \\u escapes), trailing newline."""
    text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def inputs_digest_of(kind: Format, files: Iterable[tuple[str, int, str]]) -> str:
    """The inputs digest (docs/ci.md) of a `kind` bundle of `files`: (path, mode, sha256)
    of every packed source file in member order, plus everything else that decides the
    bytes: the format version, the skrun-build version, the member mtime, the gzip level.
    """
    from skrun_build import __version__

    doc = {
        "kind": kind,
        "bundle_format_version": FORMAT_VERSION,
        "skrun_build": __version__,
        "mtime": build_mtime(),
        "gzip_level": GZIP_LEVEL,
        "files": [[path, f"{mode:04o}", sha] for path, mode, sha in files],
    }
    return hashlib.sha256(canonical_json(doc)).hexdigest()


def record_bytes(entries: list[RecordEntry]) -> bytes:
    """The record member: format, version and every other member in bundle order.

    Compact canonical JSON (sorted keys, no spaces, UTF-8, trailing newline): the
    record lists every file, and the compact form uses json's C encoder.
    """
    data = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "files": [e.to_dict() for e in entries],
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def parse_record(raw: bytes, bundle: str) -> list[RecordEntry]:
    """Read the record member back; a malformed record is a BundleError."""
    try:
        data = load_json_member(raw)
        if data.get("format") != FORMAT_NAME:
            raise ValueError(f"format is {data.get('format')!r}, expected {FORMAT_NAME!r}")
        version = data.get("format_version")
        if type(version) is not int or version not in READABLE_VERSIONS:
            raise ValueError(f"unsupported format_version {data.get('format_version')!r}")
        files = data.get("files")
        if not isinstance(files, list):
            raise ValueError(f'"files" is {_kind(files)}, expected a list')
        entries = []
        for i, f in enumerate(files):
            if not isinstance(f, dict):
                raise ValueError(f"files[{i}] is {_kind(f)}, expected an object")
            entries.append(
                RecordEntry(
                    str(f["path"]), int(f["size"]), int(str(f["mode"]), 8), str(f["sha256"])
                )
            )
        return entries
    except (ValueError, KeyError, TypeError) as e:
        raise BundleError(f"{RECORD_PATH} is malformed: {e}", path=bundle, hint=REBUILD) from e


def load_json_member(raw: bytes) -> dict[str, Any]:
    """A bundle's JSON member that must be an object; ValueError (one line) otherwise.

    The depth is checked before `json.loads`, whose own limit differs between Python
    3.11 (RecursionError) and 3.13 (which parses 5,000 levels).
    """
    from skrun_build.formats.jsonloc import JsonError, check_depth

    text = raw.decode("utf-8")
    try:
        check_depth(text)
    except JsonError as e:
        raise ValueError(f"{e.message} (line {e.line}, column {e.col})") from e
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"the top level is {_kind(data)}, expected an object")
    return data


def _kind(value: Any) -> str:
    """`a list`, `a string`, `null`: a JSON value's type in words."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    return names.get(type(value), "a list" if isinstance(value, list) else "an object")


def build_mtime() -> int:
    """The one mtime of every member: `SOURCE_DATE_EPOCH` when set, else 0."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return DEFAULT_MTIME
    # isdigit() alone takes "١٢٣" and "²" (int() then crashes), and int() refuses
    # more than 4300 digits: check ASCII and length before converting.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12) or int(raw) >= 8**11:
        raise UsageError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to {8**11 - 1} "
            f"(the tar header's range), got {raw!r}",
            hint="unset it, or set it to the last commit's time: git log -1 --format=%ct",
        )
    return int(raw)
