"""Read bundles safely: every member is checked by us, not by tarfile's filters.

Python 3.11.7's `filter="data"` predates the 2025 tarfile fixes, so each member
is checked here before anything uses it: no absolute name, no `..`, no
backslash or NUL, no link, device or FIFO, no duplicate name. Directory entries
(which other tools write) are allowed and skipped; every other member must be a
regular file.
"""

from __future__ import annotations

import gzip
import hashlib
import tarfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from skrun_build.bundle.format import CHUNK, REBUILD
from skrun_build.bundle.tarscan import Budget, scan
from skrun_build.bundle.tarscan import Limits as Limits  # the reader's callers name it here
from skrun_build.errors import BundleError, UsageError, os_hint

DEFAULT_LIMITS = Limits()
UNLIMITED = Limits(2**63, 2**63)


@dataclass(frozen=True, slots=True)
class Member:
    """A checked regular-file member: its normalised name, size and permission bits."""

    name: str
    size: int
    mode: int


@dataclass(frozen=True, slots=True)
class MemberDigest:
    """A member and the sha256 of its content."""

    name: str
    size: int
    mode: int
    sha256: str

    def to_dict(self) -> dict[str, object]:
        """JSON form for `skrun inspect --json`."""
        return {
            "name": self.name,
            "size": self.size,
            "mode": f"{self.mode:04o}",
            "sha256": self.sha256,
        }


# Deflate expands at most ~1032:1, so no honest member is larger than this many times
# the compressed bundle; a bigger declared size is a crafted or cut header.
MAX_RATIO = 1032


def check_member(
    info: tarfile.TarInfo, seen: set[str], bundle: Path, max_size: int | None = None
) -> Member | None:
    """The checked member, None for a directory entry; BundleError for anything unsafe."""
    raw = info.name
    where = f"{bundle}: member {raw!r}"
    if not raw or "\0" in raw or "\\" in raw:
        raise BundleError(f"{where}: empty name, NUL or backslash in the name", hint=REBUILD)
    if any("\udc80" <= c <= "\udcff" for c in raw):
        raise BundleError(f"{where}: the name is not valid UTF-8", hint=REBUILD)
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise BundleError(f"{where}: absolute path", hint=REBUILD)
    parts = [p for p in PurePosixPath(raw).parts if p != "."]
    if ".." in parts:
        raise BundleError(f"{where}: '..' in the path", hint=REBUILD)
    if info.issym() or info.islnk():
        raise BundleError(f"{where}: links are not allowed in a bundle", hint=REBUILD)
    if info.isdir():
        return None
    if not info.isreg():
        raise BundleError(
            f"{where}: not a regular file (device, FIFO or special member)", hint=REBUILD
        )
    if not parts:
        raise BundleError(f"{where}: empty name", hint=REBUILD)
    if max_size is not None and info.size > max_size:
        # Checked before tarfile skips the content: a header claiming a terabyte would
        # otherwise spin through a terabyte of empty reads.
        raise BundleError(
            f"{where}: declares {info.size} bytes, more than a bundle of this size can hold "
            "(the bundle is truncated or crafted; rebuild or download it again)"
        )
    name = "/".join(parts)
    if name in seen:
        raise BundleError(f"{where}: duplicate member", hint=REBUILD)
    seen.add(name)
    return Member(name, info.size, info.mode & 0o7777)


class MemberStream:
    """A member's content; a truncated or corrupt bundle found mid-read is a BundleError."""

    def __init__(self, raw: IO[bytes], bundle: Path) -> None:
        self._raw = raw
        self._bundle = bundle

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all when negative), wrapping tarfile's and gzip's errors."""
        # The tar reader is lazy: a bundle cut short fails here, in the consumer's loop,
        # outside the generator's own try block.
        try:
            return self._raw.read(size)
        except (tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError) as e:
            raise unreadable(self._bundle, e) from e
        except OSError as e:
            raise BundleError(
                f"cannot read: {e.strerror or e}", path=self._bundle, hint=os_hint(e)
            ) from e


def iter_members(
    bundle: Path, limits: Limits = DEFAULT_LIMITS, *, scanned: bool = False
) -> Iterator[tuple[Member, MemberStream]]:
    """Yield every checked member with a stream of its content, in bundle order.

    The limits are checked first by a walk over the headers alone (`tarscan.scan`: a
    bomb of many members is refused without tarfile parsing each), then again for each
    header tarfile reads, before its content is read. `scanned`: an earlier pass over
    the same bundle already walked the headers.
    """
    seen: set[str] = set()
    budget = Budget(limits, bundle)
    require_file(bundle)
    try:
        max_size = bundle.stat().st_size * MAX_RATIO + CHUNK
        if not scanned and limits != UNLIMITED:  # UNLIMITED: our own bundle, just written
            with gzip.open(bundle, "rb") as gz:
                scan(gz, Budget(limits, bundle), max_size)
        # gzip.GzipFile, unlike tarfile's own "r|gz" stream, checks the CRC and length
        # trailer: a download cut short after the end-of-archive blocks must not verify.
        with (
            gzip.open(bundle, "rb") as gz,
            tarfile.open(fileobj=gz, mode="r|", encoding="utf-8") as tf,
        ):
            for info in tf:
                member = check_member(info, seen, bundle, max_size)
                budget.take(info.name, info.size)
                if member is None:
                    continue
                stream = tf.extractfile(info)
                assert stream is not None  # a regular file always has a stream
                yield member, MemberStream(stream, bundle)
            while gz.read(CHUNK):
                pass
    except (tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError) as e:
        raise unreadable(bundle, e) from e
    except OSError as e:
        raise BundleError(f"cannot read: {e.strerror or e}", path=bundle, hint=os_hint(e)) from e


def require_file(bundle: Path) -> None:
    """A UsageError unless `bundle` is an existing file."""
    if not bundle.is_file():
        what = "no such file" if not bundle.exists() else "not a file"
        raise UsageError(what, path=bundle, hint="pass a .agent bundle")


ZIP_MAGIC = b"PK\x03\x04"
_AGAIN = "download or build it again"


def magic(bundle: Path) -> bytes:
    """The first 4 bytes of `bundle` (empty when unreadable)."""
    try:
        with open(bundle, "rb") as f:
            return f.read(4)
    except OSError:
        return b""


def unreadable(bundle: Path, e: BaseException) -> BundleError:
    """Our own words for gzip's, zlib's and tarfile's errors (never "Not a gzipped file")."""
    head = magic(bundle)
    if head == ZIP_MAGIC:
        return BundleError(
            "is a zip (a .skill?), not a gzip-compressed .agent bundle",
            path=bundle,
            hint="`skrun inspect` and `skrun verify` read a .skill; extract one with `unzip`",
        )
    if not head:
        what = "the file is empty"
    elif head[:2] != b"\x1f\x8b":
        what = f"it starts with {head[:2].hex(' ')}, not the gzip signature 1f 8b"
    else:
        what = ""
    if what:
        return BundleError(
            f"is not a gzip-compressed .agent bundle: {what}",
            path=bundle,
            hint="pass a bundle made by `skrun build`",
        )
    if isinstance(e, EOFError):
        what = "it ends before its gzip stream does (cut short)"
    elif isinstance(e, gzip.BadGzipFile) and ("CRC" in str(e) or "length" in str(e)):
        what = "its gzip checksum does not match its content"
    elif isinstance(e, gzip.BadGzipFile):
        what = "unexpected data after the end of its gzip stream"
    elif isinstance(e, zlib.error):
        what = "its compressed data is corrupt"
    else:
        what = "the gzip stream does not hold a tar archive"
    return BundleError(f"is not a valid .agent bundle: {what}", path=bundle, hint=_AGAIN)


def read_members(
    bundle: Path, names: Iterable[str], limits: Limits = DEFAULT_LIMITS
) -> dict[str, bytes]:
    """The content of the named members that exist (every member is still checked)."""
    wanted = set(names)
    found: dict[str, bytes] = {}
    for member, stream in iter_members(Path(bundle), limits):
        if member.name in wanted:
            found[member.name] = stream.read()
    return found


def digest_members(
    bundle: Path, keep: Iterable[str] = (), limits: Limits = DEFAULT_LIMITS
) -> tuple[list[MemberDigest], dict[str, bytes]]:
    """Every member with its sha256, plus the content of the members named in `keep`."""
    wanted = set(keep)
    out: list[MemberDigest] = []
    kept: dict[str, bytes] = {}
    for member, stream in iter_members(Path(bundle), limits):
        digest = hashlib.sha256()
        chunks: list[bytes] | None = [] if member.name in wanted else None
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            if chunks is not None:
                chunks.append(chunk)
        if chunks is not None:
            kept[member.name] = b"".join(chunks)
        out.append(MemberDigest(member.name, member.size, member.mode, digest.hexdigest()))
    return out, kept
