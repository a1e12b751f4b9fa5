"""The deterministic tar.gz writer: hand-built headers, streamed, never buffered whole.

Every member is a regular file with uid/gid 0, empty owner names, mode 0644 or
0755 and one fixed integer mtime. A name whose UTF-8 bytes fit the 100-byte ustar
name field is written there raw, with no PAX header: that field is all the Skrun
v0.7.0 server reads. A PAX header is added only for a name over 100 bytes.
The gzip header has mtime 0, no file name, OS byte 255 and compression level 6.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from skrun_build.bundle.format import (
    BLOCK,
    CHUNK,
    GZIP_LEVEL,
    NAME_FIELD,
    PAX_HEADER_NAME,
    RECORD_SIZE,
)
from skrun_build.errors import BundleError, os_hint
from skrun_build.fsutil import atomic_file, stale_temps

_GZIP_HEADER = (
    b"\x1f\x8b"  # magic
    b"\x08"  # deflate
    b"\x00"  # flags: no name, no comment, no extra
    b"\x00\x00\x00\x00"  # mtime 0
    b"\x00"  # extra flags (0 for level 6)
    b"\xff"  # OS: unknown, the same on every platform
)


class Writable(Protocol):
    """Anything with `write(bytes)`: a file, or a hashing wrapper around one."""

    def write(self, data: bytes, /) -> object:
        """Write `data`."""


class SizeExceeded(Exception):
    """Raised inside the writer when the compressed output passes the size limit."""


class GzipSink:
    """A gzip stream with a fixed header, writing to `out` and counting bytes.

    Compression runs in one worker thread (zlib releases the GIL) fed through a
    bounded queue, so reading, hashing and the secret scan overlap with it the way
    `tar | gzip` overlaps two processes, and memory stays bounded (~6 MiB).
    Use it as a context manager so that the worker always stops.
    """

    def __init__(self, out: Writable, *, limit: int | None = None) -> None:
        import queue
        import threading

        self._out = out
        self._zlib = zlib.compressobj(
            GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL
        )
        self._crc = 0
        self._raw = 0
        self.limit = limit
        self.written = 0
        self._buf = bytearray()
        self._error: BaseException | None = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self._emit(_GZIP_HEADER)
        self._thread: threading.Thread | None = threading.Thread(
            target=self._work, name="skrun-gzip", daemon=True
        )
        self._thread.start()

    def __enter__(self) -> GzipSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _emit(self, data: bytes) -> None:
        if data:
            self._out.write(data)
            self.written += len(data)
            if self.limit is not None and self.written > self.limit:
                raise SizeExceeded

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so the producer never blocks
            try:
                self._crc = zlib.crc32(item, self._crc)
                self._raw += len(item)
                self._emit(self._zlib.compress(item))
            except BaseException as e:  # handed to the producer thread
                self._error = e

    def _send(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def write(self, data: bytes) -> None:
        """Compress and write `data` (batched to 1 MiB per queue item)."""
        if not self._buf and len(data) >= CHUNK:
            self._send(data)
            return
        self._buf += data
        if len(self._buf) >= CHUNK:
            self._send(bytes(self._buf))
            self._buf.clear()

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        """Flush the deflate stream and write the trailer (CRC32, size mod 2**32)."""
        if self._buf:
            self._send(bytes(self._buf))
            self._buf.clear()
        self._stop()
        if self._error is not None:
            raise self._error
        self._emit(self._zlib.flush())
        trailer = self._crc.to_bytes(4, "little") + (self._raw & 0xFFFFFFFF).to_bytes(4, "little")
        self._emit(trailer)


def _block(name: bytes, typeflag: bytes, size: int, mode: int, mtime: int) -> bytes:
    """One 512-byte ustar header: uid/gid 0, empty owner names and device numbers."""
    head = name[:NAME_FIELD].ljust(NAME_FIELD, b"\0") + b"%07o\0%07o\0%07o\0%011o\0%011o\0" % (
        mode,
        0,
        0,
        size,
        mtime,
    )
    # type flag, no link name, ustar magic "ustar\0" + version "00", owner names, devices
    tail = typeflag + b"\0" * 100 + b"ustar\x0000" + b"\0" * (32 + 32 + 8 + 8)
    block = (head + b"        " + tail).ljust(512, b"\0")
    return head + b"%06o\0 " % sum(block) + block[156:]


def ustar_header(name: str, size: int, mode: int, mtime: int) -> bytes:
    """The header of a regular file; PAX records only where the name (or size) needs them.

    A name of at most 100 UTF-8 bytes goes raw into the ustar name field (as GNU
    tar's gnu format does; tests pin it byte-equal to tarfile's USTAR_FORMAT in
    UTF-8). A longer one gets a PAX `path` record, and the ustar field holds its
    first 100 bytes with non-ASCII characters as `?` (byte-equal to tarfile's
    PAX_FORMAT). Built by hand, so the format never depends on the Python version.
    """
    raw = name.encode("utf-8")
    records = []
    field = raw
    if len(raw) > NAME_FIELD:
        records.append(_pax_record(b"path", raw))
        field = name.encode("ascii", "replace")
    if size >= 8**11:
        records.append(_pax_record(b"size", b"%d" % size))
    header = _block(field, b"0", 0 if size >= 8**11 else size, mode, mtime)
    if not records:
        return header
    payload = b"".join(records)
    pad = -len(payload) % BLOCK
    extended = _block(PAX_HEADER_NAME.encode("ascii"), b"x", len(payload), 0, 0)
    return extended + payload + b"\0" * pad + header


def _pax_record(key: bytes, value: bytes) -> bytes:
    """`<len> key=value\\n`, where <len> counts the whole record including itself."""
    body = len(key) + len(value) + 3
    length = body + len(str(body))
    if len(str(length)) != len(str(body)):
        length = body + len(str(length))
    return b"%d %s=%s\n" % (length, key, value)


class TarStream:
    """Writes tar members to a sink (`GzipSink` or any object with `write(bytes)`)."""

    def __init__(self, sink: Writable, mtime: int) -> None:
        self._sink = sink
        self._mtime = mtime
        self._offset = 0

    def _write(self, data: bytes) -> None:
        self._sink.write(data)
        self._offset += len(data)

    def header(self, name: str, size: int, mode: int) -> None:
        """Write the header (and a PAX header only if `name` needs one)."""
        self._write(ustar_header(name, size, mode, self._mtime))

    def data(self, chunk: bytes) -> None:
        """Write part of the current member's content."""
        self._write(chunk)

    def end_member(self) -> None:
        """Pad the current member's content to a whole block."""
        rest = self._offset % BLOCK
        if rest:
            self._write(b"\0" * (BLOCK - rest))

    def add_bytes(self, name: str, data: bytes, mode: int) -> None:
        """A whole member from bytes (the snapshot and the record)."""
        self.header(name, len(data), mode)
        self.data(data)
        self.end_member()

    def add_file(
        self, name: str, path: Path, size: int, mode: int, feed: Callable[[bytes], None]
    ) -> str:
        """Stream one file in; returns its sha256. `feed` sees every chunk on the way."""
        self.header(name, size, mode)
        digest = hashlib.sha256()
        for chunk in read_exactly(path, size, name):
            digest.update(chunk)
            feed(chunk)
            self.data(chunk)
        self.end_member()
        return digest.hexdigest()

    def close(self) -> None:
        """Two zero blocks, then zero padding to a whole 10240-byte record."""
        self._write(b"\0" * (2 * BLOCK))
        rest = self._offset % RECORD_SIZE
        if rest:
            self._write(b"\0" * (RECORD_SIZE - rest))


def read_exactly(path: Path, size: int, name: str) -> Iterator[bytes]:
    """The file's content in chunks; `size` bytes exactly, or a BundleError.

    Only reading is wrapped here: an error while writing the bundle surfaces as
    the caller's OSError (the output side), never as a problem of the source file.
    """
    remaining = size
    try:
        with open(path, "rb") as f:
            while remaining > 0:
                chunk = f.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
            grew = bool(f.read(1))
    except OSError as e:
        raise BundleError(f"cannot read: {e.strerror}", path=name, hint=os_hint(e)) from e
    if remaining or grew:
        raise BundleError(
            "file changed while the bundle was written",
            path=name,
            hint="build again once nothing writes into the source directory",
        )


@contextmanager
def atomic_output(final: Path) -> Iterator[BinaryIO]:
    """Open a temp file beside `final`; rename it into place only if the block succeeds.

    A crash or kill -9 leaves at most a hidden temp file (see `fsutil`), never a
    partial `final`; stale temps of dead builds are removed by the next build.
    """
    created = _make_dirs(final.parent)
    for stale in stale_temps(final):
        stale.unlink(missing_ok=True)
    try:
        with atomic_file(final, buffering=CHUNK) as f:
            yield f
    except BaseException:
        for folder in created:  # leave nothing behind, not even the --output dir we made
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _make_dirs(folder: Path) -> list[Path]:
    """mkdir -p; returns the folders it created, deepest first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    try:
        for path in reversed(missing):
            path.mkdir()
    except FileExistsError:
        pass
    except OSError as e:
        raise BundleError(
            f"cannot create the output directory: {e.strerror}", path=path, hint=os_hint(e)
        ) from e
    return missing
