"""The deterministic tar.gz writer: hand-built headers, streamed, never buffered whole.

Every member is a regular file with uid/gid 0, empty owner names, mode 0644 or
0755 and one fixed integer mtime. A name whose UTF-8 bytes fit the 100-byte ustar
name field is written there raw, with no PAX header: that field is all the Skrun
v0.7.0 server reads. A PAX header is added only for a name over 100 bytes.
The gzip header has mtime 0, no file name, OS byte 255 and compression level 6;
the deflate stream is made of independent blocks compressed in parallel (`GzipSink`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from skrun_build.bundle.format import (
    BLOCK,
    CHUNK,
    DEFLATE_BLOCK,
    DICTIONARY,
    GZIP_LEVEL,
    NAME_FIELD,
    PAX_HEADER_NAME,
    RECORD_SIZE,
)
from skrun_build.errors import BundleError, os_hint
from skrun_build.fsutil import stale_temps, temp_path

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

    The deflate stream is cut into independent blocks, as pigz does: every
    `DEFLATE_BLOCK` bytes of input form a block, compressed on its own with the
    previous 32 KiB of input as its dictionary and ended with a sync flush (so on a
    byte boundary); the last block ends the stream. Blocks are compressed by
    `workers` threads at once (zlib releases the GIL while it deflates) and written
    in order, so the bytes depend only on the input, never on how many workers ran
    or which finished first. A stream shorter than one block is a single plain
    deflate stream. Reading, hashing and the secret scan in the calling thread
    overlap with compression; at most `SLOTS` blocks wait (default: two per worker),
    so memory stays bounded.

    Safe to interrupt by construction: Ctrl-C (KeyboardInterrupt) or SIGTERM can
    land between any two bytecodes of the calling thread, and an interrupted lock
    acquisition could leave a lock held that the clean-up then waits for forever.
    So the caller's side takes no lock at all: blocks go through a deque and
    results through a dict (single operations, atomic), and the threads wait on
    each other only in `os.read` of a pipe (one byte per block handed over, one byte
    per block done). Stopping the workers is a flag and one byte each, written to a
    pipe that never fills. The workers start with SIGINT and SIGTERM blocked, so
    they always reach the calling thread. Use it as a context manager so that the
    workers always stop.
    """

    SLOTS = 0  # blocks handed over and not yet written, at most; 0: two per worker

    def __init__(self, out: Writable, *, limit: int | None = None, workers: int = 0) -> None:
        self._out = out
        self.workers = workers if workers > 0 else _cpus()
        self._slots = self.SLOTS or 2 * self.workers
        self._crc = 0
        self._raw = 0
        self.limit = limit
        self.written = 0
        self._buf = bytearray()
        self._tail = b""  # the last 32 KiB of input: the next block's dictionary
        self._blocks: deque[tuple[int, bytes, bytes, bool]] = deque()
        self._done: dict[int, bytes] = {}
        self._handed = 0  # blocks handed over
        self._emitted = 0  # blocks written out, in order
        self._credit = 0  # "done" bytes read from the pipe and not yet matched by a write
        self._error: BaseException | None = None
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._fds: list[int] = []
        self._emit(_GZIP_HEADER)

    def __enter__(self) -> GzipSink:
        try:
            self._start()
        except BaseException:
            self.abort()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    def _start(self) -> None:
        # Each pipe is recorded before anything else can happen, so `abort` closes it.
        self._fds += os.pipe()  # blocks handed over: workers read, caller writes
        self._fds += os.pipe()  # blocks done: caller reads, workers write
        for _ in range(self.workers):
            thread = threading.Thread(target=self._work, name="skrun-gzip", daemon=True)
            with _signals_blocked():
                thread.start()
                self._threads.append(thread)  # only once started: `_join` may always join

    def _emit(self, data: bytes) -> None:
        if data:
            self._out.write(data)
            self.written += len(data)
            if self.limit is not None and self.written > self.limit:
                raise SizeExceeded

    def _work(self) -> None:
        blocks, done = self._fds[0], self._fds[3]
        try:
            while os.read(blocks, 1) == b"\1" and not self._stopping:
                number, data, zdict, last = self._blocks.popleft()
                out = b""
                if self._error is None:  # after an error, keep answering for the caller
                    try:
                        out = deflate_block(data, zdict, last)
                    except BaseException as e:  # handed to the calling thread
                        self._error = e
                self._done[number] = out
                os.write(done, b"\1")
        except BaseException as e:  # never expected: still, never leave the caller waiting
            self._error = self._error or e
            os.write(done, b"\1" * (self._slots + 1))

    def _hand_over(self, data: bytes, last: bool) -> None:
        """Queue one block (waiting for the oldest to be written when all slots are full)."""
        if self._error is not None:
            raise self._error
        while self._handed - self._emitted >= self._slots:
            self._write_next()
        zdict, self._tail = self._tail, (self._tail + data)[-DICTIONARY:]
        self._crc = zlib.crc32(data, self._crc)
        self._raw += len(data)
        self._blocks.append((self._handed, data, zdict, last))
        self._handed += 1
        os.write(self._fds[1], b"\1")

    def _write_next(self) -> None:
        """Wait for the oldest block handed over, then write it out."""
        number = self._emitted
        while number not in self._done or not self._credit:
            if self._error is not None:
                raise self._error
            os.read(self._fds[2], 1)
            self._credit += 1
        self._credit -= 1
        out = self._done.pop(number)
        self._emitted += 1
        if self._error is not None:
            raise self._error
        self._emit(out)

    def write(self, data: bytes) -> None:
        """Compress and write `data` (handed over in whole blocks)."""
        self._buf += data
        size = DEFLATE_BLOCK
        whole = len(self._buf) // size * size
        if whole:
            view = memoryview(self._buf)
            try:
                for start in range(0, whole, size):
                    self._hand_over(bytes(view[start : start + size]), False)
            finally:
                view.release()
            del self._buf[:whole]

    def _join(self, *, abort: bool) -> None:
        """Stop the workers (once idle, unless `abort`) and wait for them."""
        if abort:
            self._stopping = True
        # Never blocks: fewer bytes than the slots plus twice the workers (an interrupted
        # close, then abort) ever wait in this pipe, far below its size.
        for _ in self._threads:
            os.write(self._fds[1], b"\0")
        while self._threads:  # a thread leaves the list only once joined
            self._threads[0].join()  # its own lock, released when it ends: never one we hold
            del self._threads[0]

    def abort(self) -> None:
        """Stop the workers without taking any lock, then close the pipes; idempotent."""
        if self._fds:
            self._join(abort=True)
        # Only once no worker can read them (an fd number closed under it could be reused).
        fds, self._fds = self._fds, []
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self) -> None:
        """Hand over the last block, write every block in order, then the trailer."""
        rest = bytes(self._buf)
        self._buf.clear()
        self._hand_over(rest, True)
        while self._emitted < self._handed:
            self._write_next()
        self._join(abort=False)
        if self._error is not None:
            raise self._error
        trailer = self._crc.to_bytes(4, "little") + (self._raw & 0xFFFFFFFF).to_bytes(4, "little")
        self._emit(trailer)


def deflate_block(data: bytes, zdict: bytes, last: bool) -> bytes:
    """One block of the deflate stream: raw deflate at `GZIP_LEVEL`, primed with `zdict`,
    ended by a sync flush (an empty stored block: byte-aligned, not final) or, for the
    last block, by the end of the stream."""
    args = (GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, zlib.Z_DEFAULT_STRATEGY)
    c = zlib.compressobj(*args, zdict) if zdict else zlib.compressobj(*args)
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """SIGINT and SIGTERM held back while a thread starts: it inherits the mask, so they
    always reach the calling thread, and none lands inside `Thread.start`'s own locking."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):  # Windows: nothing to block
        yield
        return
    # Read the mask to restore first: an interrupt raised as the blocking call returns
    # must not leave the signals blocked for good.
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


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


class atomic_output:  # lower case: used like the function it replaced
    """Open a temp file beside `final`; rename it into place only if the block succeeds.

    A crash or kill -9 leaves at most a hidden temp file (see `fsutil`), never a
    partial `final`; stale temps of dead builds are removed by the next build. A
    class, not a generator: every step records what it is about to create before
    creating it, so an interrupt between any two bytecodes (even inside `__enter__`)
    is cleaned up at once, leaving neither the temp file nor the folders made for it.
    """

    def __init__(self, final: Path) -> None:
        self.final = final
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
            os.fsync(f.fileno())
            f.close()
            self._close_fd()
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.final)
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
