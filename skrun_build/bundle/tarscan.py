"""The reading limits of a `.agent` bundle, checked by a minimal walk over its tar headers.

tarfile builds a `TarInfo` for every header (tens of microseconds each), so a bundle of
a megabyte holding 120,000 empty members took seconds before its count was refused.
`scan` walks the decompressed stream in 512-byte blocks instead, reading only what a
limit needs from each header (the size field, octal or base-256; the name, for the
message; the pax and GNU long-name records that change them) and skipping content with
the stream's own read; it stops as soon as a limit is passed. It counts exactly the
members tarfile would yield, and stops where tarfile stops (a zero block, an unreadable
header, the end of the stream): what a header means beyond that is left to tarfile and
`reader.check_member`, which run only on a bundle within the limits.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from skrun_build.bundle.format import BLOCK, MAX_MEMBERS, MAX_UNPACKED, REBUILD
from skrun_build.errors import BundleError
from skrun_build.fsutil import human_size

_FILL = 32 * 1024  # read ahead for headers: a refused bomb is read no further than this
_SKIP = 1024 * 1024
_ZERO_BLOCK = bytes(BLOCK)
_EXTENDED = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)
_LONG = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)
# Read into memory by tarfile (and here): a record longer than this is no honest header.
_MAX_RECORD = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a reader accepts: unpacked bytes (sum of member sizes) and member count."""

    unpacked: int = MAX_UNPACKED
    members: int = MAX_MEMBERS


class Budget:
    """Adds up the members' declared sizes as their headers arrive."""

    def __init__(self, limits: Limits, bundle: Path) -> None:
        self.limits = limits
        self.bundle = bundle
        self.total = 0
        self.count = 0

    def fits(self, size: int) -> bool:
        """Whether one more member of `size` bytes stays within both limits."""
        return (
            self.count < self.limits.members and self.total + max(size, 0) <= self.limits.unpacked
        )

    def take(self, name: str, size: int) -> None:
        """Count one header; a BundleError as soon as a bound is passed, before its content."""
        self.count += 1
        self.total += max(size, 0)
        if self.total > self.limits.unpacked:
            raise BundleError(
                f"{self.bundle}: members add up to more than {human_size(self.limits.unpacked)} "
                f"unpacked (member {name!r} declares {human_size(size)}); "
                "refused before reading any content",
                hint="if you trust this bundle, raise the limit with --max-unpacked-size, "
                "e.g. --max-unpacked-size 4GiB",
            )
        if self.count > self.limits.members:
            raise BundleError(
                f"{self.bundle}: more than {self.limits.members} members; "
                "refused before reading any content",
                hint="if you trust this bundle, raise the limit with --max-members",
            )


class Readable(Protocol):
    """What the walk reads: a decompressed stream (`gzip.GzipFile`)."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes; b"" at the end."""
        ...


class _Blocks:
    """The decompressed stream as 512-byte blocks, read ahead in small batches."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        self._buf = b""
        self._pos = 0

    def take(self, n: int) -> bytes | None:
        """The next `n` bytes, None when the stream ends first."""
        if len(self._buf) - self._pos < n:
            parts = [self._buf[self._pos :]]
            have = len(parts[0])
            while have < n:
                chunk = self._stream.read(max(_FILL, n - have))
                if not chunk:
                    return None
                parts.append(chunk)
                have += len(chunk)
            self._buf, self._pos = b"".join(parts), 0
        data = self._buf[self._pos : self._pos + n]
        self._pos += n
        return data

    def skip(self, n: int) -> bool:
        """Pass `n` bytes; False when the stream ends first."""
        ahead = len(self._buf) - self._pos
        if n <= ahead:
            self._pos += n
            return True
        n -= ahead
        self._buf, self._pos = b"", 0
        while n > 0:
            chunk = self._stream.read(min(n, _SKIP))
            if not chunk:
                return False
            n -= len(chunk)
        return True


def _number(field: bytes) -> int:
    """A numeric header field as tarfile reads it: base-256, else octal up to a NUL."""
    if field[:1] in (b"\x80", b"\xff"):
        n = int.from_bytes(field[1:], "big")
        return n - (256 ** (len(field) - 1)) if field[:1] == b"\xff" else n
    return int(field.split(b"\0", 1)[0].strip() or b"0", 8)


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _pax(data: bytes, into: dict[str, str]) -> bool:
    """Read pax records (`<length> <key>=<value>\\n`) into `into`; False if malformed.

    A key already in `into` is kept: tarfile applies the header nearest the member first
    and the earlier ones over it.
    """
    pos = 0
    while pos < len(data) and data[pos] != 0:
        space = data.find(b" ", pos)
        if space < 0 or not data[pos:space].isdigit():
            return False
        end = pos + int(data[pos:space])
        key, sep, value = data[space + 1 : end - 1].partition(b"=")
        if end <= space or end > len(data) or not sep:
            return False
        if key in (b"path", b"size"):
            into.setdefault(key.decode(), value.decode("utf-8", "surrogateescape"))
        pos = end
    return True


def scan(stream: Readable, budget: Budget, max_size: int | None = None) -> None:
    """Count every member of the tar `stream` against `budget`; BundleError past a limit.

    A regular member declaring more than `max_size` ends the walk: tarfile's pass then
    stops at the same header, where `reader.check_member` names it.
    """
    blocks = _Blocks(stream)
    global_pax: dict[str, str] = {}
    pending: dict[str, str] = {}  # from a pax or GNU long-name header, for the next member
    extended = False  # a pax header precedes the member: its size also moves the content
    while True:
        header = blocks.take(BLOCK)
        if header is None or header == _ZERO_BLOCK:
            return  # the end, where tarfile ends
        try:
            size = _number(header[124:136])
        except ValueError:
            return  # an unreadable header: tarfile stops there too
        kind = header[156:157]
        padded = -(-max(size, 0) // BLOCK) * BLOCK
        if kind in _EXTENDED or kind in _LONG:
            if not 0 <= size <= _MAX_RECORD:  # tarfile would read it into memory whole
                raise BundleError(
                    f"{budget.bundle}: a tar extended header of {human_size(size)}, more than "
                    "any name or record needs (the bundle is crafted or damaged)",
                    hint=REBUILD,
                )
            data = blocks.take(padded)
            if data is None:
                return  # cut short: tarfile says so
            if kind in _LONG:
                if kind == tarfile.GNUTYPE_LONGNAME:
                    pending.setdefault("path", _text(data[:size]))
            elif kind == tarfile.XGLTYPE:
                if not _pax(data[:size], global_pax):
                    return
            elif not _pax(data[:size], pending):
                return
            else:
                extended = True
            continue
        if kind == tarfile.AREGTYPE and header[:100].split(b"\0", 1)[0].endswith(b"/"):
            kind = tarfile.DIRTYPE  # a V7 directory, as tarfile reads it: no content
        declared = size
        fields: dict[str, str] = {}
        moved_by_pax, extended = extended, False
        if pending or global_pax:
            fields, pending = {**global_pax, **pending}, {}
            try:
                declared = int(fields.get("size", size))
            except ValueError:
                return
        regular = kind in tarfile.REGULAR_TYPES
        if regular and max_size is not None and declared > max_size:
            return
        if budget.fits(declared):
            budget.count += 1  # the common case, without decoding the name
            budget.total += max(declared, 0)
        else:
            name = _text(header[0:100])
            if header[345] and kind != tarfile.GNUTYPE_SPARSE:
                name = _text(header[345:500]) + "/" + name  # the ustar prefix
            name = fields.get("path", name)
            budget.take(name, declared)  # raises
        if kind == tarfile.GNUTYPE_SPARSE and header[482]:
            while (extension := blocks.take(BLOCK)) is not None and extension[504]:
                pass  # sparse maps continue in extension blocks, as tarfile reads them
        if moved_by_pax:
            size = declared
        # Content follows regular members and unknown types only, as tarfile reads it.
        content = regular or kind not in tarfile.SUPPORTED_TYPES
        if content and not blocks.skip(-(-max(size, 0) // BLOCK) * BLOCK):
            return
