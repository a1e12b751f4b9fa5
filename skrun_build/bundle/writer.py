"""The deterministic tar.gz writer: hand-built headers, streamed, never buffered whole.

Every member is a regular file with uid/gid 0, empty owner names, mode 0644 or
0755 and one fixed integer mtime. A name whose UTF-8 bytes fit the 100-byte ustar
name field is written there raw, with no PAX header: that field is all the Skrun
v0.7.0 server reads. A PAX header is added only for a name over 100 bytes.
The gzip stream around it is `deflate.GzipSink`'s; `TarStream` tells it where each
member's content starts and ends (`mark`), the only places besides its fixed grid
where it may switch between deflating and storing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from skrun_build.bundle.deflate import Writable
from skrun_build.bundle.format import BLOCK, CHUNK, NAME_FIELD, PAX_HEADER_NAME, RECORD_SIZE
from skrun_build.errors import BundleError, os_hint
from skrun_build.fsutil import stale_temps, temp_path


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
        # Where content starts and ends: a GzipSink may switch to storing only there.
        self._mark: Callable[[], None] = getattr(sink, "mark", None) or (lambda: None)

    def _write(self, data: bytes) -> None:
        self._sink.write(data)
        self._offset += len(data)

    def header(self, name: str, size: int, mode: int) -> None:
        """Write the header (and a PAX header only if `name` needs one)."""
        self._write(ustar_header(name, size, mode, self._mtime))
        self._mark()

    def data(self, chunk: bytes) -> None:
        """Write part of the current member's content."""
        self._write(chunk)

    def end_member(self) -> None:
        """Pad the current member's content to a whole block."""
        self._mark()
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

    Read with `os.read` on a plain descriptor (a file object costs more than the read
    of a small file); each read asks one byte more than is left, so a file that grew
    is seen without an extra call. Only reading is wrapped here: an error while
    writing the bundle surfaces as the caller's OSError (the output side), never as
    a problem of the source file.
    """
    remaining = size
    grew = False
    fd = -1
    try:
        # Non-blocking: a file swapped for a FIFO since it was collected reads as empty
        # (then "file changed") instead of waiting for a writer forever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        while True:
            chunk = os.read(fd, min(CHUNK, remaining + 1))
            if not chunk:
                break
            if len(chunk) > remaining:
                grew = True
                break
            remaining -= len(chunk)
            yield chunk
    except OSError as e:
        raise BundleError(f"cannot read: {e.strerror}", path=name, hint=os_hint(e)) from e
    finally:
        if fd >= 0:
            os.close(fd)
    if remaining or grew:
        raise BundleError(
            "file changed while the bundle was written",
            path=name,
            hint="build again once nothing writes into the source directory",
        )


class atomic_output:  # lower case: used like the function it replaced
    """Open a temp file beside `final`; rename it into place only if the block succeeds.

    With `publish=False` the finished temp file stays under its temp name (`pending`)
    for `publish()` to fsync and rename later; the caller owns it from then on.

    A crash or kill -9 leaves at most a hidden temp file (see `fsutil`), never a
    partial `final`; stale temps of dead builds are removed by the next build. A
    class, not a generator: every step records what it is about to create before
    creating it, so an interrupt between any two bytecodes (even inside `__enter__`)
    is cleaned up at once, leaving neither the temp file nor the folders made for it.
    """

    def __init__(self, final: Path, *, publish: bool = True) -> None:
        self.final = final
        self.publish = publish
        self.pending: Path | None = None  # with publish=False: the finished temp file
        self._created: list[Path] = []  # folders made for the output, parents first
        self._tmp: Path | None = None
        self._fd: int | None = None
        self._file: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        try:
            _make_dirs(self.final.parent, self._created)
            for stale in stale_temps(self.final):
                stale.unlink(missing_ok=True)
            self._tmp = temp_path(self.final)
            fd = os.open(self._tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            self._fd = fd
            # closefd=False: the fd is closed here, once, even if this object is lost.
            self._file = os.fdopen(fd, "w+b", buffering=CHUNK, closefd=False)
            return self._file
        except BaseException:
            self.discard()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is not None:
            self.discard()
            return
        try:
            f, tmp = self._file, self._tmp
            assert f is not None and tmp is not None
            f.flush()
            if self.publish:
                os.fsync(f.fileno())
            f.close()
            self._close_fd()
            os.chmod(tmp, 0o644)
            if self.publish:
                os.replace(tmp, self.final)
            else:
                self.pending = tmp
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Remove whatever was made; idempotent (a step not taken yet fails quietly)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
        self._close_fd()
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
        for folder in reversed(self._created):  # leave nothing, not even the --output dir
            try:
                folder.rmdir()
            except FileNotFoundError:
                continue  # recorded, then interrupted before its mkdir
            except OSError:
                break  # not empty: the finished bundle, or someone else's files

    def _close_fd(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


def publish(temp: Path, final: Path) -> None:
    """Make a bundle written by `atomic_output(final, publish=False)` durable, then
    visible: fsync, then rename over `final`. On any error the temp file is removed.

    A tree build's workers leave this to the parent process, one file at a time, so
    they never wait for the disk, nor for each other's journal commits."""
    try:
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _make_dirs(folder: Path, created: list[Path]) -> None:
    """mkdir -p, recording each folder in `created` before making it."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    path = folder
    try:
        for path in reversed(missing):
            created.append(path)
            try:
                path.mkdir()
            except FileExistsError:
                created.pop()  # made by someone else meanwhile: not ours to remove
    except OSError as e:
        raise BundleError(
            f"cannot create the output directory: {e.strerror}", path=path, hint=os_hint(e)
        ) from e


def write_error(final: Path, e: OSError) -> BundleError:
    """A failure to write the bundle (nothing is left behind)."""
    return BundleError(
        f"cannot write the bundle: {e.strerror or e}; nothing was written", path=final
    )
